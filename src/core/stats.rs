//! Health counters, as `getStats()` reports them.

#[allow(unused_imports)]
use crate::prelude::*;
/// Counters kept by the [`Machine`](super::Machine). Times are in ms: of the
/// wall clock for `last_pong_ms`, of the machine's monotonic clock (`now`)
/// for `opened_at_ms`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Frames received (every frame, good or bad).
    pub messages_in: u64,
    /// Frames handed to a socket (control frames included).
    pub messages_out: u64,
    /// Size of the frames received.
    pub bytes_in: u64,
    /// Size of the frames handed to a socket.
    pub bytes_out: u64,
    /// Connections opened after the first one.
    pub reconnects: u64,
    /// Connections opened in all.
    pub connections: u64,
    /// Errors reported on the `error` event.
    pub errors: u64,
    /// Frames skipped as malformed or too large.
    pub dropped_frames: u64,
    /// User messages the server acknowledged (protocol v2).
    pub acknowledged: u64,
    /// User messages the server refused (protocol v2, an `ack` with `error`).
    pub refused: u64,
    /// User messages handed to a socket again because the link they were
    /// sent on was lost before the server acknowledged them (protocol v2).
    pub resent: u64,
    /// Code of the last close (`None` before any).
    pub last_close_code: Option<u16>,
    /// Reason of the last close.
    pub last_close_reason: String,
    /// Bytes the last closed socket still had unsent (`bufferedAmount`):
    /// data handed to a dying socket cannot be recalled, so it is reported.
    pub last_unsent_bytes: u64,
    /// Round trip of the last answered heartbeat.
    pub rtt_ms: Option<f64>,
    /// When the last pong arrived, by the wall clock (ms since the epoch).
    pub last_pong_ms: Option<f64>,
    /// When the current connection opened, by the machine's clock (`None`
    /// when not open).
    pub opened_at_ms: Option<f64>,
}

impl Stats {
    /// How long the current connection has been open, 0 when it is not.
    pub fn uptime_ms(&self, now_ms: f64) -> f64 {
        self.opened_at_ms.map_or(0.0, |t| (now_ms - t).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_is_zero_when_closed_and_never_negative() {
        let mut s = Stats::default();
        assert_eq!(s.uptime_ms(5.0), 0.0);
        s.opened_at_ms = Some(10.0);
        assert_eq!(s.uptime_ms(25.0), 15.0);
        assert_eq!(s.uptime_ms(5.0), 0.0, "a clock step back gives 0");
    }
}
