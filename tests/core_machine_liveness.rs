#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of the state machine (`core::machine`), native, with
//! injected time and randomness: liveness by probe (a ping awaiting any
//! frame), what ends a probe, and late wake-ups (a frozen or throttled page).
//! Each issue input is one test; the connect timeout, socket errors, offline
//! and the wall clock are in `core_machine_timeouts.rs`.

mod core_support;

use core_support::machine::{events, opened, opens, opts, reconnecting, sent, M};
use zantara_websocket::core::machine::{GRACE_MS, LATE_MS};
use zantara_websocket::core::{Action, ConnState, Event, FrameType, Options};

fn hb(interval: f64, timeout: f64) -> Options {
    Options {
        heartbeat_interval: interval,
        heartbeat_timeout: timeout,
        welcome_timeout: 1e9,
        stable_after: 1e9,
        ..opts()
    }
}

fn pings(acts: &[Action<String>]) -> usize {
    sent(acts)
        .iter()
        .filter(|s| s.starts_with(r#"{"type":"ping""#))
        .count()
}

fn dropped(acts: &[Action<String>]) -> bool {
    acts.iter().any(|a| {
        matches!(
            a,
            Action::Drop {
                reason: "heartbeat timeout",
                ..
            }
        )
    })
}

/// What a run of [`serve`] saw.
#[derive(Debug, Default)]
struct Seen {
    drops: usize,
    pings: usize,
    ticks: usize,
}

/// Runs `m` (open) from `now` to `end`: the shell ticks at each deadline, or
/// only on whole multiples of `align` ms (a throttled tab); the server
/// answers every ping with a pong `rtt` ms later (never when `rtt` is
/// `None`: a dead link), delivered at once (the page's main thread runs).
/// A dropped link is reopened at once.
fn serve(m: &mut M, mut now: f64, end: f64, rtt: Option<f64>, align: Option<f64>) -> Seen {
    let mut seen = Seen::default();
    let mut pongs: Vec<f64> = Vec::new();
    while let Some(d) = m.next_deadline() {
        let at = align.map_or(d, |a| (d.max(now) / a).ceil() * a);
        let pong = pongs.first().copied().filter(|&p| p <= at);
        now = pong.unwrap_or(at);
        if now > end {
            break;
        }
        if pong.is_some() {
            pongs.remove(0);
            m.on_frame(now, m.generation(), Some(FrameType::Pong), 40);
            m.take_actions();
            continue;
        }
        m.tick(now, 0.0, 0);
        seen.ticks += 1;
        let acts = m.take_actions();
        let n = pings(&acts);
        seen.pings += n;
        if let Some(rtt) = rtt {
            pongs.extend((0..n).map(|_| now + rtt));
        }
        if dropped(&acts) {
            seen.drops += 1;
            pongs.clear();
            m.on_open(now, m.generation());
            m.take_actions();
        }
    }
    seen
}

#[test]
fn heartbeat_pings_measures_rtt_and_declares_dead_link() {
    let mut m = opened(&hb(1000.0, 3000.0), 0.0);
    let g = m.generation();
    m.tick(1000.0, 0.0, 0);
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].starts_with(r#"{"type":"ping""#));
    m.on_frame(1042.0, g, Some(FrameType::Pong), 40);
    assert_eq!(events(&m.take_actions()), [&Event::Pong { rtt_ms: 42.0 }]);
    assert_eq!(m.stats().rtt_ms, Some(42.0));
    assert_eq!(m.stats().last_pong_ms, Some(1042.0));
    // The server goes silent: pings go on; the probe the ping at 2000
    // started runs out at 5000, within interval + timeout of the last frame.
    for t in [2000.0, 3000.0, 4000.0] {
        m.tick(t, 0.0, 0);
    }
    assert_eq!(sent(&m.take_actions()).len(), 3);
    assert_eq!(m.next_deadline(), Some(5000.0));
    m.tick(4999.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    m.tick(5000.0, 0.0, 77);
    let acts = m.take_actions();
    assert_eq!(
        acts[0],
        Action::Drop {
            code: 4000,
            reason: "heartbeat timeout"
        }
    );
    assert!(events(&acts).iter().any(|e| matches!(
        e,
        Event::Disconnected {
            code: 1006,
            unsent_bytes: 77,
            will_reconnect: true,
            ..
        }
    )));
    assert_eq!(
        reconnecting(&acts),
        Some((1, 0.0)),
        "a dead link is replaced at once"
    );
    assert_eq!(opens(&acts), 1);
    assert_eq!(m.stats().last_unsent_bytes, 77);
}

#[test]
fn heartbeat_timeout_respects_auto_reconnect_off() {
    // Found by tests/core_machine_random.rs: a dead link reconnected even with
    // `autoReconnect: false`, unlike a close or a connect timeout.
    let o = Options {
        auto_reconnect: false,
        ..hb(0.0, 3000.0)
    };
    let mut m = opened(&o, 0.0);
    m.tick(1500.0, 0.0, 0);
    assert_eq!(pings(&m.take_actions()), 1, "a quiet link is probed");
    m.tick(3000.0, 0.0, 5);
    let acts = m.take_actions();
    assert!(dropped(&acts[..1]));
    assert_eq!(opens(&acts), 0);
    assert_eq!(reconnecting(&acts), None);
    assert!(events(&acts).contains(&&Event::Disconnected {
        code: 1006,
        reason: "heartbeat timeout".into(),
        was_clean: false,
        unsent_bytes: 5,
        will_reconnect: false,
        queued_messages: 0,
    }));
    assert_eq!(m.state(), ConnState::Closed);
    assert_eq!(m.next_deadline(), None);
}

#[test]
fn any_frame_proves_liveness() {
    let mut m = opened(&hb(1000.0, 3000.0), 0.0);
    let g = m.generation();
    for t in (500..10_000).step_by(500) {
        m.on_frame(f64::from(t), g, Some(FrameType::Message), 10);
        m.tick(f64::from(t), 0.0, 0);
    }
    assert!(opens(&m.take_actions()) == 0);
    assert_eq!(m.state(), ConnState::Open);
}

#[test]
fn credited_frames_end_probes_started_before_they_arrived() {
    let mut m = opened(&hb(1000.0, 3000.0), 0.0);
    // Frames counted on the JS side are credited before each tick, as of the
    // arrival of the last one.
    for t in (1000..10_000).step_by(1000) {
        m.credit(f64::from(t), 3, 300);
        m.tick(f64::from(t), 0.0, 0);
    }
    assert_eq!(opens(&m.take_actions()), 0, "credited frames keep the link");
    assert_eq!((m.stats().messages_in, m.stats().bytes_in), (27, 2700));
    // The probe started by the ping at 9000 is not ended by a frame that
    // arrived before it, nor by an empty credit.
    m.credit(8999.0, 1, 10);
    m.credit(10_000.0, 0, 0);
    m.tick(10_000.0, 0.0, 0);
    m.tick(11_000.0, 0.0, 0);
    m.tick(11_999.0, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 0);
    m.tick(12_000.0, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 1);
    // Credits for a socket that is not open count but prove nothing.
    m.credit(12_001.0, 1, 10);
    assert_eq!(m.stats().messages_in, 29);
    let (n, b) = (m.stats().messages_out, m.stats().bytes_out);
    m.sent_direct(1, None, 5);
    assert_eq!(
        (m.stats().messages_out, m.stats().bytes_out),
        (n + 1, b + 5)
    );
}

#[test]
fn a_timeout_at_or_under_the_interval_keeps_a_healthy_link() {
    // Issue 9: against a server answering every ping, {heartbeatInterval:
    // 1000, heartbeatTimeout: 999} dropped the link 3 times in 3 s, and
    // {1000, 400} every 400 ms before any ping.
    for timeout in [999.0, 400.0, 100.0] {
        let mut m = opened(&hb(1000.0, timeout), 0.0);
        let seen = serve(&mut m, 0.0, 10_000.0, Some(3.0), None);
        assert_eq!((seen.drops, seen.pings), (0, 10), "{timeout}: {seen:?}");
    }
}

#[test]
fn without_pings_a_quiet_healthy_server_is_probed_not_dropped() {
    // Issue 9: {heartbeatInterval: 0, heartbeatTimeout: 800} dropped a quiet
    // healthy server every 800 ms.
    let mut m = opened(&hb(0.0, 800.0), 0.0);
    let seen = serve(&mut m, 0.0, 10_000.0, Some(3.0), None);
    assert_eq!(seen.drops, 0, "{seen:?}");
    // One probe ping per 400 ms of quiet (after each answer).
    assert_eq!(seen.pings, 24, "{seen:?}");
}

#[test]
fn without_pings_a_dead_link_is_found_within_the_timeout_of_its_last_frame() {
    // A stream every 50 ms (credited before each tick), then the link dies.
    let mut m = opened(&hb(0.0, 1000.0), 0.0);
    let mut credited = 0.0;
    let last = 5000.0;
    let found = loop {
        let now = m.next_deadline().unwrap();
        // Frames every 50 ms up to `last` arrived since the last tick.
        let upto = (now.min(last) / 50.0).floor() * 50.0;
        if upto > credited {
            m.credit(upto, ((upto - credited) / 50.0) as u64, 100);
            credited = upto;
        }
        m.tick(now, 0.0, 0);
        let acts = m.take_actions();
        if dropped(&acts) {
            break now;
        }
    };
    assert_eq!(credited, last);
    assert!(found > last && found <= last + 1000.0, "found at {found}");
}

#[test]
fn a_tick_late_from_a_blocked_page_waits_for_the_queued_pong() {
    // Issue 9: a main thread blocked 1,300 ms with heartbeatTimeout 1000 on
    // a quiet healthy server dropped the link. With pings (every 500 ms) and
    // without: the ping goes out, the page blocks, its pong arrives 3 ms
    // later but is delivered only after the late tick.
    for interval in [500.0, 0.0] {
        let mut m = opened(&hb(interval, 1000.0), 0.0);
        let ping_at = m.next_deadline().unwrap();
        m.tick(ping_at, 0.0, 0);
        assert_eq!(pings(&m.take_actions()), 1);
        let due = m.next_deadline().unwrap();
        let late = ping_at + 1300.0;
        assert!(late - due > LATE_MS);
        m.tick(late, 0.0, 0);
        let acts = m.take_actions();
        assert!(!dropped(&acts), "{interval}: dropped at the late tick");
        assert!(m.next_deadline().unwrap() <= late + GRACE_MS);
        // The queued pong, delivered right after (or a credited message).
        m.on_frame(late + 1.0, m.generation(), Some(FrameType::Pong), 40);
        m.take_actions();
        let seen = serve(&mut m, late + 1.0, 10_000.0, Some(3.0), None);
        assert_eq!(seen.drops, 0, "{interval}: {seen:?}");
        assert_eq!(m.state(), ConnState::Open);
    }
    // The same with the answer credited (a channel message counted in JS).
    let mut m = opened(&hb(500.0, 1000.0), 0.0);
    m.tick(500.0, 0.0, 0);
    m.tick(1800.0, 0.0, 0);
    m.credit(1801.0, 1, 10);
    m.tick(2000.0, 0.0, 0);
    assert!(!dropped(&m.take_actions()));
}

#[test]
fn a_late_tick_grants_one_grace_only() {
    let mut m = opened(&hb(500.0, 1000.0), 0.0);
    m.tick(500.0, 0.0, 0);
    m.tick(1800.0, 0.0, 0);
    assert!(!dropped(&m.take_actions()));
    assert_eq!(m.next_deadline(), Some(1800.0 + GRACE_MS));
    // Late again: nothing came meanwhile, so the link is dead.
    m.tick(5000.0, 0.0, 0);
    assert!(dropped(&m.take_actions()));
    // Timer slack (within LATE_MS) grants no grace.
    let mut m = opened(&hb(500.0, 1000.0), 0.0);
    m.tick(500.0, 0.0, 0);
    m.tick(1000.0, 0.0, 0);
    m.tick(1500.0 + LATE_MS, 0.0, 0);
    assert!(dropped(&m.take_actions()));
}

#[test]
fn throttled_ticks_every_minute_keep_a_healthy_link_for_ten_minutes() {
    // Chrome aligns the timers of long-hidden tabs to one minute; pongs are
    // still delivered at once.
    for (interval, timeout) in [(1000.0, 1000.0), (0.0, 800.0), (25_000.0, 60_000.0)] {
        let mut m = opened(&hb(interval, timeout), 0.0);
        let seen = serve(&mut m, 0.0, 600_000.0, Some(5.0), Some(60_000.0));
        assert_eq!(seen.drops, 0, "{interval}/{timeout}: {seen:?}");
        assert!(seen.ticks >= 10 && seen.pings >= 10, "{seen:?}");
    }
}

#[test]
fn a_dead_link_in_a_throttled_tab_is_found_at_the_first_or_second_late_tick() {
    for (interval, timeout) in [(1000.0, 1000.0), (0.0, 800.0), (25_000.0, 60_000.0)] {
        let mut m = opened(&hb(interval, timeout), 0.0);
        let mut late_ticks = 0;
        let mut now = 0.0;
        let mut probe_deadline = None;
        loop {
            let d = m.next_deadline().unwrap();
            now = (d.max(now) / 60_000.0).ceil() * 60_000.0;
            let expired = probe_deadline.is_some_and(|p| now > p);
            m.tick(now, 0.0, 0);
            let acts = m.take_actions();
            if expired {
                late_ticks += 1;
            }
            if dropped(&acts) {
                break;
            }
            if pings(&acts) > 0 && probe_deadline.is_none() {
                let window = if interval > 0.0 {
                    timeout
                } else {
                    timeout / 2.0
                };
                probe_deadline = Some(now + window);
            }
            assert!(now < 3_600_000.0, "never found");
        }
        assert!(
            (1..=2).contains(&late_ticks),
            "{interval}/{timeout}: found at late tick {late_ticks}"
        );
    }
}

#[test]
fn heartbeat_timeout_zero_checks_nothing() {
    let mut m = opened(&hb(1000.0, 0.0), 0.0);
    let seen = serve(&mut m, 0.0, 100_000.0, None, None);
    assert_eq!((seen.drops, seen.pings), (0, 100), "pings still go out");
    let mut m = opened(&hb(0.0, 0.0), 0.0);
    assert_eq!(m.next_deadline(), Some(1e9), "only the stable period");
    m.probe(10.0);
    assert!(m.take_actions().is_empty(), "no probe without a timeout");
}

#[test]
fn probe_pings_at_once_unless_one_is_outstanding() {
    let mut m = opened(&hb(25_000.0, 60_000.0), 0.0);
    m.probe(1000.0);
    assert_eq!(pings(&m.take_actions()), 1);
    assert_eq!(m.next_deadline(), Some(25_000.0));
    m.probe(2000.0);
    assert!(m.take_actions().is_empty(), "one probe at a time");
    m.on_frame(2010.0, m.generation(), Some(FrameType::Pong), 40);
    assert_eq!(events(&m.take_actions()), [&Event::Pong { rtt_ms: 1010.0 }]);
    // Unanswered: dead after the window (the timeout, pings on).
    m.probe(3000.0);
    m.take_actions();
    m.tick(25_000.0, 0.0, 0);
    m.tick(50_000.0, 0.0, 0);
    assert!(!dropped(&m.take_actions()));
    assert_eq!(m.next_deadline(), Some(63_000.0));
    m.tick(63_000.0, 0.0, 0);
    assert!(dropped(&m.take_actions()));
}
