//! Options of `new ZantaraWebSocket(userId, options)`: the legacy ones with
//! their defaults, the added ones, and range checks with clear errors.
//!
//! The shell checks JS types and hands values here by name; ranges are
//! checked here so the rules are tested natively.

use super::{Backoff, BackoffKind, ClosePolicy, CloseReaction, Error};

/// All options, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `wsUrl`: the server URL (else `ZANTARA_WS_URL`, else the page origin).
    pub ws_url: Option<String>,
    /// `autoReconnect` (true).
    pub auto_reconnect: bool,
    /// `reconnectInterval` in ms (3000).
    pub reconnect_interval: f64,
    /// `maxReconnectAttempts` (10); `Infinity` never gives up.
    pub max_reconnect_attempts: f64,
    /// `debug` (false): log to the console (tokens redacted).
    pub debug: bool,
    /// `backoff`: `'linear'` (default) or `'exponential'`.
    pub backoff: BackoffKind,
    /// `maxReconnectInterval` in ms (15000).
    pub max_reconnect_interval: f64,
    /// `jitter` in `[0, 1]` (0.2).
    pub jitter: f64,
    /// `stableAfter` in ms (5000): open this long before attempts reset.
    pub stable_after: f64,
    /// `heartbeatInterval` in ms (25000); 0 sends no pings.
    pub heartbeat_interval: f64,
    /// `heartbeatTimeout` in ms (60000); 0 never declares a link dead.
    pub heartbeat_timeout: f64,
    /// `role`, sent as `?role=`.
    pub role: Option<String>,
    /// `maxQueuedMessages` (1000).
    pub max_queued_messages: f64,
    /// `maxQueuedBytes` (1 MiB).
    pub max_queued_bytes: f64,
    /// `autoConnect` (true).
    pub auto_connect: bool,
    /// `welcomeTimeout` in ms (500): grace before `connected` fires for
    /// servers that send no welcome frame.
    pub welcome_timeout: f64,
    /// `maxFrameSize` (1 MiB): larger inbound frames are discarded.
    pub max_frame_size: f64,
    /// `closeCodes`: per-code overrides of the close policy.
    pub close_codes: Vec<(u16, CloseReaction)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ws_url: None,
            auto_reconnect: true,
            reconnect_interval: 3000.0,
            max_reconnect_attempts: 10.0,
            debug: false,
            backoff: BackoffKind::Linear,
            max_reconnect_interval: 15000.0,
            jitter: 0.2,
            stable_after: 5000.0,
            heartbeat_interval: 25000.0,
            heartbeat_timeout: 60000.0,
            role: None,
            max_queued_messages: 1000.0,
            max_queued_bytes: 1_048_576.0,
            auto_connect: true,
            welcome_timeout: 500.0,
            max_frame_size: 1_048_576.0,
            close_codes: Vec::new(),
        }
    }
}

/// The longest delay `setTimeout` accepts (2^31 − 1 ms, about 24.8 days).
pub const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// Numeric options: name, minimum, maximum, whole numbers only, Infinity allowed.
pub const NUMBER_OPTIONS: [(&str, f64, f64, bool, bool); 11] = [
    ("reconnectInterval", 1.0, MAX_DELAY_MS, false, false),
    ("maxReconnectAttempts", 0.0, 4_294_967_295.0, true, true),
    ("maxReconnectInterval", 1.0, MAX_DELAY_MS, false, false),
    ("jitter", 0.0, 1.0, false, false),
    ("stableAfter", 0.0, MAX_DELAY_MS, false, false),
    ("heartbeatInterval", 0.0, MAX_DELAY_MS, false, false),
    ("heartbeatTimeout", 0.0, MAX_DELAY_MS, false, false),
    ("maxQueuedMessages", 0.0, 4_294_967_295.0, true, false),
    ("maxQueuedBytes", 0.0, 4_294_967_295.0, true, false),
    ("welcomeTimeout", 0.0, MAX_DELAY_MS, false, false),
    ("maxFrameSize", 1.0, 4_294_967_295.0, true, false),
];

/// Boolean options.
pub const BOOL_OPTIONS: [&str; 3] = ["autoReconnect", "debug", "autoConnect"];

/// Every option name; others are ignored (with a warning when `debug` is on),
/// since legacy pages pass extra keys.
pub const KNOWN_OPTIONS: [&str; 19] = [
    "wsUrl",
    "autoReconnect",
    "reconnectInterval",
    "maxReconnectAttempts",
    "debug",
    "backoff",
    "maxReconnectInterval",
    "jitter",
    "stableAfter",
    "heartbeatInterval",
    "heartbeatTimeout",
    "role",
    "token",
    "maxQueuedMessages",
    "maxQueuedBytes",
    "autoConnect",
    "welcomeTimeout",
    "maxFrameSize",
    "closeCodes",
];

impl Options {
    /// Sets numeric option `name` after checking its range; `Ok(false)` when
    /// `name` is not a numeric option.
    pub fn set_number(&mut self, name: &str, v: f64) -> Result<bool, Error> {
        let Some(&(name, min, max, whole, infinite)) = NUMBER_OPTIONS.iter().find(|o| o.0 == name)
        else {
            return Ok(false);
        };
        let ok = (infinite && v == f64::INFINITY)
            || (v.is_finite() && v >= min && v <= max && (!whole || v.fract() == 0.0));
        if !ok {
            return Err(Error::InvalidOption {
                name,
                expected: expected_number(name),
            });
        }
        *match name {
            "reconnectInterval" => &mut self.reconnect_interval,
            "maxReconnectAttempts" => &mut self.max_reconnect_attempts,
            "maxReconnectInterval" => &mut self.max_reconnect_interval,
            "jitter" => &mut self.jitter,
            "stableAfter" => &mut self.stable_after,
            "heartbeatInterval" => &mut self.heartbeat_interval,
            "heartbeatTimeout" => &mut self.heartbeat_timeout,
            "maxQueuedMessages" => &mut self.max_queued_messages,
            "maxQueuedBytes" => &mut self.max_queued_bytes,
            "welcomeTimeout" => &mut self.welcome_timeout,
            _ => &mut self.max_frame_size,
        } = v;
        Ok(true)
    }

    /// Sets boolean option `name`; `false` when it is not one.
    pub fn set_bool(&mut self, name: &str, v: bool) -> bool {
        match name {
            "autoReconnect" => self.auto_reconnect = v,
            "debug" => self.debug = v,
            "autoConnect" => self.auto_connect = v,
            _ => return false,
        }
        true
    }

    /// Sets `backoff` from its spelling.
    pub fn set_backoff(&mut self, s: &str) -> Result<(), Error> {
        self.backoff = match s {
            "linear" => BackoffKind::Linear,
            "exponential" => BackoffKind::Exponential,
            _ => {
                return Err(Error::InvalidOption {
                    name: "backoff",
                    expected: "'linear' or 'exponential'",
                })
            }
        };
        Ok(())
    }

    /// Adds a `closeCodes` entry: `code` (a key of the object) → reaction.
    pub fn add_close_code(&mut self, code: &str, reaction: &str) -> Result<(), Error> {
        let bad = || Error::InvalidOption {
            name: "closeCodes",
            expected: "an object mapping close codes 1000-4999 to 'reconnect', 'slow' or 'stop'",
        };
        let code: u16 = code.trim().parse().map_err(|_| bad())?;
        if !(1000..=4999).contains(&code) {
            return Err(bad());
        }
        let reaction = CloseReaction::parse(reaction).ok_or_else(bad)?;
        self.close_codes.push((code, reaction));
        Ok(())
    }

    /// The backoff policy these options describe.
    pub fn backoff_policy(&self) -> Backoff {
        Backoff {
            kind: self.backoff,
            base_ms: self.reconnect_interval,
            max_ms: self.max_reconnect_interval,
            jitter: self.jitter,
        }
    }

    /// The close policy these options describe.
    pub fn close_policy(&self) -> ClosePolicy {
        ClosePolicy::with_overrides(self.close_codes.clone())
    }
}

fn expected_number(name: &str) -> &'static str {
    match name {
        "jitter" => "a number from 0 to 1",
        "maxReconnectAttempts" => "a whole number >= 0, or Infinity",
        "maxQueuedMessages" | "maxQueuedBytes" => "a whole number >= 0",
        "maxFrameSize" => "a whole number >= 1",
        "reconnectInterval" | "maxReconnectInterval" => {
            "a number of milliseconds from 1 to 2147483647"
        }
        _ => "a number of milliseconds from 0 to 2147483647",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_legacy_ones() {
        let o = Options::default();
        assert!(o.auto_reconnect && o.auto_connect && !o.debug);
        assert_eq!(o.reconnect_interval, 3000.0);
        assert_eq!(o.max_reconnect_attempts, 10.0);
        assert_eq!(o.max_reconnect_interval, 15000.0);
        assert_eq!(o.jitter, 0.2);
        assert_eq!(o.heartbeat_interval, 25000.0);
        assert_eq!(o.heartbeat_timeout, 60000.0);
        assert_eq!(o.backoff, BackoffKind::Linear);
    }

    #[test]
    fn numbers_are_range_checked_with_named_errors() {
        let mut o = Options::default();
        assert_eq!(o.set_number("jitter", 0.5), Ok(true));
        assert_eq!(o.jitter, 0.5);
        let e = o.set_number("jitter", 1.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: option `jitter` must be a number from 0 to 1"
        );
        assert!(o.set_number("reconnectInterval", 0.0).is_err());
        assert!(o.set_number("reconnectInterval", f64::NAN).is_err());
        assert!(o.set_number("reconnectInterval", -5.0).is_err());
        assert!(o.set_number("maxQueuedMessages", 1.5).is_err());
        assert!(o.set_number("maxQueuedMessages", f64::INFINITY).is_err());
        assert_eq!(
            o.set_number("maxReconnectAttempts", f64::INFINITY),
            Ok(true)
        );
        assert_eq!(o.set_number("heartbeatInterval", 0.0), Ok(true));
        assert_eq!(o.set_number("nope", 1.0), Ok(false));
        assert_eq!(o.set_number("", 1.0), Ok(false));
        assert_eq!(o.jitter, 0.5, "a refused value leaves the option as it was");
    }

    #[test]
    fn every_number_option_is_settable_and_known() {
        for (name, min, ..) in NUMBER_OPTIONS {
            let mut o = Options::default();
            assert_eq!(o.set_number(name, min), Ok(true), "{name}");
            assert_ne!(o, Options::default(), "{name} changed nothing");
            assert!(KNOWN_OPTIONS.contains(&name));
        }
        for name in BOOL_OPTIONS {
            let mut o = Options::default();
            assert!(o.set_bool(name, false));
            assert!(o.set_bool(name, true));
            assert!(KNOWN_OPTIONS.contains(&name));
        }
        assert!(!Options::default().set_bool("nope", true));
    }

    #[test]
    fn backoff_and_close_codes() {
        let mut o = Options::default();
        o.set_backoff("exponential").unwrap();
        assert_eq!(o.backoff_policy().kind, BackoffKind::Exponential);
        assert_eq!(o.set_backoff("fast").unwrap_err().code(), "INVALID_OPTION");
        o.add_close_code("4001", "stop").unwrap();
        o.add_close_code(" 1008 ", "reconnect").unwrap();
        assert!(o.add_close_code("999", "stop").is_err());
        assert!(o.add_close_code("abc", "stop").is_err());
        assert!(o.add_close_code("4002", "later").is_err());
        let p = o.close_policy();
        assert_eq!(p.decide(4001).reaction, CloseReaction::Stop);
        assert_eq!(p.decide(1008).reaction, CloseReaction::Reconnect);
    }
}
