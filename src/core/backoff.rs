//! Reconnect delays: the legacy linear schedule (3, 6, 9, 12, 15 s), or
//! exponential, capped, with jitter that only ever shortens a delay.

#[allow(unused_imports)]
use crate::prelude::*;
/// How the delay grows with the attempt number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackoffKind {
    /// `interval × attempt`: the legacy client's 3, 6, 9, 12, 15 s schedule.
    Linear,
    /// `interval × 2^(attempt − 1)`.
    Exponential,
}

/// The reconnect delay policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Linear or exponential growth.
    pub kind: BackoffKind,
    /// The first delay (`reconnectInterval`), in ms.
    pub base_ms: f64,
    /// The cap (`maxReconnectInterval`), in ms. A cap below `base_ms` is
    /// raised to `base_ms`, so a legacy page that sets a long interval keeps it.
    pub max_ms: f64,
    /// Share of the delay that randomness may remove, in `[0, 1]`.
    pub jitter: f64,
}

impl Backoff {
    /// The cap actually used: never below the first delay.
    pub fn cap(&self) -> f64 {
        self.max_ms.max(self.base_ms)
    }

    /// The delay before reconnect attempt `attempt` (1 for the first), given a
    /// random number in `[0, 1)`. Jitter is subtracted (`d × (1 − jitter ×
    /// random)`), so the cap is never exceeded and a herd of clients dropped
    /// at the same instant spreads over `[d × (1 − jitter), d]`.
    pub fn delay(&self, attempt: u32, random: f64) -> f64 {
        let attempt = attempt.max(1);
        let raw = match self.kind {
            BackoffKind::Linear => self.base_ms * f64::from(attempt),
            // 2^63 ms is far beyond any cap; clamping the exponent avoids inf.
            BackoffKind::Exponential => self.base_ms * pow2((attempt - 1).min(63)),
        };
        self.jittered(raw.min(self.cap()), random)
    }

    /// The longest delay (the cap), with jitter: used for close code 1013
    /// ("try again later").
    pub fn longest(&self, random: f64) -> f64 {
        self.jittered(self.cap(), random)
    }

    fn jittered(&self, d: f64, random: f64) -> f64 {
        let r = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        d * (1.0 - self.jitter.clamp(0.0, 1.0) * r)
    }
}

/// `2^n` for `n` ≤ 63 (`f64::powi` is std-only).
fn pow2(n: u32) -> f64 {
    (1u64 << n) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy(jitter: f64) -> Backoff {
        Backoff {
            kind: BackoffKind::Linear,
            base_ms: 3000.0,
            max_ms: 15000.0,
            jitter,
        }
    }

    #[test]
    fn legacy_schedule_is_exact_with_zero_jitter() {
        let b = legacy(0.0);
        let got: Vec<f64> = (1..=7).map(|a| b.delay(a, 0.73)).collect();
        assert_eq!(
            got,
            vec![3000.0, 6000.0, 9000.0, 12000.0, 15000.0, 15000.0, 15000.0]
        );
    }

    #[test]
    fn jitter_only_shortens_and_stays_in_band() {
        let b = legacy(0.2);
        for a in 1..=20 {
            let plain = legacy(0.0).delay(a, 0.0);
            for i in 0..100 {
                let r = f64::from(i) / 100.0;
                let d = b.delay(a, r);
                assert!(d <= plain && d >= plain * 0.8, "attempt {a} r {r}: {d}");
                assert!(d <= 15000.0);
            }
        }
        assert_eq!(b.delay(1, 0.5), 3000.0 * 0.9);
    }

    #[test]
    fn exponential_doubles_then_caps() {
        let b = Backoff {
            kind: BackoffKind::Exponential,
            base_ms: 1000.0,
            max_ms: 30000.0,
            jitter: 0.0,
        };
        let got: Vec<f64> = (1..=7).map(|a| b.delay(a, 0.0)).collect();
        assert_eq!(
            got,
            vec![1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 30000.0, 30000.0]
        );
        assert_eq!(b.delay(u32::MAX, 0.0), 30000.0);
    }

    #[test]
    fn cap_never_below_base_and_bad_random_is_safe() {
        let b = Backoff {
            kind: BackoffKind::Linear,
            base_ms: 20000.0,
            max_ms: 15000.0,
            jitter: 0.5,
        };
        assert_eq!(b.delay(3, 0.0), 20000.0);
        assert_eq!(b.delay(1, f64::NAN), 20000.0);
        assert_eq!(b.delay(1, 7.0), 10000.0);
        assert_eq!(b.longest(0.0), 20000.0);
        assert_eq!(b.delay(0, 0.0), 20000.0, "attempt 0 is treated as 1");
    }
}
