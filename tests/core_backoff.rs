#![cfg(not(target_arch = "wasm32"))]
//! Property tests of `core::backoff` over random valid options: every delay
//! stays in `[0, cap]`, within the jitter band, and never shortens as the
//! attempts grow. See `core_support` for the seeds and budgets
//! (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`).

mod core_support;

use core_support::gen::{gen_f64, gen_options};
use core_support::rng::run_cases;
use zantara_websocket::core::BackoffKind;

#[test]
fn backoff_delay_is_bounded_and_monotonic() {
    run_cases("Backoff::delay", 40_000, |rng| {
        let o = gen_options(rng);
        let b = o.backoff_policy();
        let cap = b.cap();
        assert_eq!(cap, o.max_reconnect_interval.max(o.reconnect_interval));
        let attempt = match rng.below(4) {
            0 => rng.pick(&[0, 1, 2, 62, 63, 64, 65, u32::MAX - 1, u32::MAX]),
            1 => rng.next_u64() as u32,
            _ => rng.below(40) as u32,
        };
        let random = if rng.chance(0.3) {
            gen_f64(rng)
        } else {
            rng.unit()
        };
        let d = b.delay(attempt, random);
        let l = b.longest(random);
        for x in [d, l] {
            assert!(
                !x.is_nan() && x >= 0.0 && x <= cap,
                "{x} outside [0, {cap}] for {b:?} attempt {attempt} random {random}"
            );
        }
        assert!(d <= l, "a delay above the longest one");
        let raw = match b.kind {
            BackoffKind::Linear => b.base_ms * f64::from(attempt.max(1)),
            BackoffKind::Exponential => {
                b.base_ms * 2f64.powi(attempt.max(1).saturating_sub(1).min(1000) as i32)
            }
        }
        .min(cap);
        assert!(d <= raw, "jitter lengthened a delay");
        if (0.0..1.0).contains(&random) {
            assert!(
                d > 0.0 && d >= raw * (1.0 - b.jitter) * (1.0 - 1e-12),
                "{d} below the jitter band of {raw}"
            );
            // Later attempts never wait less (same random number).
            if attempt < u32::MAX {
                assert!(b.delay(attempt + 1, random) >= d);
            }
        }
    });
}
