#![cfg(not(target_arch = "wasm32"))]
//! Property test of liveness and the clock (`core::machine`): random
//! heartbeat and connect options, a simulated server that answers each ping
//! within the probe window and sometimes sends frames of its own, and a page
//! whose clock misbehaves: timers late by timer slack, frozen ticks (late by
//! up to several seconds, up to ten minutes for a sleep with a running
//! clock, with the frames that arrived meanwhile delivered right after the
//! late tick), throttled tabs (ticks only on whole minutes), and wall-clock
//! steps back and forward (a sleep with a paused clock).
//!
//! Invariants: a healthy link (and a healthy handshake) is never dropped;
//! when the server stops answering, the link is declared dead within the
//! documented bound after its last frame plus the lateness of the ticks
//! involved plus the grace; every deadline `next_deadline` reports is acted
//! on by a tick at or after it. See `core_support` for the seeds and budgets
//! (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`); the model is in `tests/clock_sim/`.

mod clock_sim;
mod core_support;

use clock_sim::{Seen, World};
use core_support::rng::{run_cases, Rng};
use zantara_websocket::core::Options;

/// Random heartbeat and connect options, with other deadlines (welcome,
/// stable period) in the way.
fn gen_options(rng: &mut Rng) -> Options {
    let ms = |rng: &mut Rng, small: u64, large: u64| {
        if rng.chance(0.5) {
            rng.below(small) as f64
        } else {
            rng.below(large) as f64
        }
    };
    let interval = if rng.chance(0.3) {
        0.0
    } else {
        1.0 + ms(rng, 2000, 30_000)
    };
    let timeout = if rng.chance(0.1) {
        0.0
    } else {
        100.0 + ms(rng, 2000, 60_000)
    };
    let o = Options {
        heartbeat_interval: interval,
        heartbeat_timeout: timeout,
        connect_timeout: 1.0 + ms(rng, 2000, 30_000),
        welcome_timeout: ms(rng, 1000, 10_000),
        stable_after: ms(rng, 1000, 10_000),
        ..Options::default()
    };
    // The options are valid ones.
    for (name, v) in [
        ("heartbeatInterval", interval),
        ("heartbeatTimeout", timeout),
        ("connectTimeout", o.connect_timeout),
    ] {
        assert_eq!(Options::default().set_number(name, v), Ok(true), "{name}");
    }
    o
}

#[test]
fn liveness_under_frozen_throttled_and_stepping_clocks() {
    let mut seen = Seen::default();
    run_cases("clock", 2_000, |rng| {
        let o = gen_options(rng);
        let mut w = World::new(o, rng.clone());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.run()));
        seen.add(&w.seen);
        if let Err(e) = r {
            eprintln!("options: {:?}", w.o);
            eprintln!("throttled {}, dead at {}", w.throttled, w.dead_at);
            for line in &w.log {
                eprintln!("  {line}");
            }
            std::panic::resume_unwind(e);
        }
    });
    println!("core property clock coverage: {seen:?}");
    assert!(seen.dead_found > 0 && seen.held_frames > 0 && seen.late_ticks > 0);
}
