//! The single wake-up timer of an instance, at the core's next deadline.

use gloo_timers::callback::Timeout;

use super::counters::{self, Kind};

/// A pending `setTimeout`, cleared when dropped.
pub(crate) struct Wake {
    /// The wall-clock time it was set for.
    pub(crate) at: f64,
    _timeout: Timeout,
}

impl Wake {
    /// Calls `f` at wall-clock time `at` (ms), `now` being the current time.
    pub(crate) fn new(at: f64, now: f64, f: impl FnOnce() + 'static) -> Wake {
        let ms = (at - now)
            .ceil()
            .clamp(0.0, crate::core::options::MAX_DELAY_MS) as u32;
        counters::inc(Kind::Timer);
        Wake {
            at,
            _timeout: Timeout::new(ms, f),
        }
    }
}

impl Drop for Wake {
    fn drop(&mut self) {
        counters::dec(Kind::Timer);
    }
}
