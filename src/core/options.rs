//! Options of `new ZantaraWebSocket(userId, options)`: the legacy ones with
//! their defaults, the added ones, and range checks with clear errors.
//!
//! [`OPTIONS`] describes each option once: name, kind and range, default,
//! error text and meaning. [`Options`] holds the parsed values; its
//! `*_mut(name)` methods are the only name → field bindings. The shell checks
//! JS types (by the kind) and hands values here by name; ranges are checked
//! here so the rules are tested natively.

use super::{Backoff, BackoffKind, ClosePolicy, CloseReaction, Error};

/// The longest delay `setTimeout` accepts (2^31 − 1 ms, about 24.8 days).
pub const MAX_DELAY_MS: f64 = 2_147_483_647.0;

/// The largest whole-number option (2^32 − 1, a `u32`).
const MAX_COUNT: f64 = 4_294_967_295.0;

/// One option: its JS name, what it accepts and its default, the text of its
/// `INVALID_OPTION` error ("option `name` must be {expected}") and what it means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec {
    /// The name as the JS API spells it.
    pub name: &'static str,
    /// What it accepts, and its default for numbers and booleans.
    pub kind: OptionKind,
    /// What a refused value is told it must be.
    pub expected: &'static str,
    /// Its meaning and unit, in one line.
    pub doc: &'static str,
}

/// What an option accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionKind {
    /// A number in `[min, max]`, whole ones only when `whole`, or `Infinity`
    /// when `infinity_ok`. A value of another JS type must be "a number".
    Number {
        /// The smallest value.
        min: f64,
        /// The largest finite value.
        max: f64,
        /// Whole numbers only.
        whole: bool,
        /// `Infinity` is accepted too.
        infinity_ok: bool,
        /// The default.
        default: f64,
    },
    /// `true` or `false`.
    Bool {
        /// The default.
        default: bool,
    },
    /// A string, unset by default.
    Text,
    /// One of these strings; the first is the default.
    Choice(&'static [&'static str]),
    /// The token: a string or a function (read by the shell).
    Token,
    /// An object mapping close codes to reactions.
    CloseCodes,
}

/// A delay in ms from `min` to [`MAX_DELAY_MS`], fractions allowed.
const fn ms(min: f64, default: f64) -> OptionKind {
    OptionKind::Number {
        min,
        max: MAX_DELAY_MS,
        whole: false,
        infinity_ok: false,
        default,
    }
}

/// A whole number from `min` to 2^32 − 1.
const fn count(min: f64, default: f64) -> OptionKind {
    OptionKind::Number {
        min,
        max: MAX_COUNT,
        whole: true,
        infinity_ok: false,
        default,
    }
}

const BOOL: &str = "true or false";
const MS_FROM_0: &str = "a number of milliseconds from 0 to 2147483647";
const MS_FROM_1: &str = "a number of milliseconds from 1 to 2147483647";

/// Every option of `new ZantaraWebSocket(userId, options)`, in the legacy
/// order then the added ones. Other names are ignored (with a warning when
/// `debug` is on), since legacy pages pass extra keys. The wasm build leaves
/// the docs out (empty): it never shows them.
#[rustfmt::skip]
pub const OPTIONS: [OptionSpec; 19] = docs_off_wasm([
    OptionSpec { name: "wsUrl", kind: OptionKind::Text,
        expected: "a string URL (ws://, wss://, http(s):// or /path)",
        doc: "The server URL (else `ZANTARA_WS_URL`, else the page origin at `/ws`)." },
    OptionSpec { name: "autoReconnect", kind: OptionKind::Bool { default: true },
        expected: BOOL,
        doc: "Reconnect after an unexpected close." },
    OptionSpec { name: "reconnectInterval", kind: ms(1.0, 3000.0),
        expected: MS_FROM_1,
        doc: "The first reconnect delay, in ms." },
    OptionSpec { name: "maxReconnectAttempts",
        kind: OptionKind::Number {
            min: 0.0, max: MAX_COUNT, whole: true, infinity_ok: true, default: 10.0 },
        expected: "a whole number >= 0, or Infinity",
        doc: "Attempts per outage before `reconnect_failed`; `Infinity` never gives up." },
    OptionSpec { name: "debug", kind: OptionKind::Bool { default: false },
        expected: BOOL,
        doc: "Log to the console (tokens redacted)." },
    OptionSpec { name: "backoff", kind: OptionKind::Choice(&["linear", "exponential"]),
        expected: "'linear' or 'exponential'",
        doc: "How delays grow: `'linear'` (the legacy 3, 6, 9, 12, 15 s) or `'exponential'`." },
    OptionSpec { name: "maxReconnectInterval", kind: ms(1.0, 15000.0),
        expected: MS_FROM_1,
        doc: "The longest reconnect delay, in ms (never below `reconnectInterval`)." },
    OptionSpec { name: "jitter",
        kind: OptionKind::Number {
            min: 0.0, max: 1.0, whole: false, infinity_ok: false, default: 0.2 },
        expected: "a number from 0 to 1",
        doc: "Share of each delay that randomness may remove, from 0 to 1." },
    OptionSpec { name: "stableAfter", kind: ms(0.0, 5000.0),
        expected: MS_FROM_0,
        doc: "Ms a connection must stay open before the attempt counter resets." },
    OptionSpec { name: "heartbeatInterval", kind: ms(0.0, 25000.0),
        expected: MS_FROM_0,
        doc: "Ms between pings; 0 sends none." },
    OptionSpec { name: "heartbeatTimeout", kind: ms(0.0, 60000.0),
        expected: MS_FROM_0,
        doc: "Ms without any frame before the link is declared dead; 0 never." },
    OptionSpec { name: "role", kind: OptionKind::Text,
        expected: "a string",
        doc: "Sent as `?role=`." },
    OptionSpec { name: "token", kind: OptionKind::Token,
        expected: "a string, or a function returning a string or a Promise of one",
        doc: "Sent as `?token=`; a function is called before every connect." },
    OptionSpec { name: "maxQueuedMessages", kind: count(0.0, 1000.0),
        expected: "a whole number >= 0",
        doc: "Messages queued while disconnected." },
    OptionSpec { name: "maxQueuedBytes", kind: count(0.0, 1_048_576.0),
        expected: "a whole number >= 0",
        doc: "Size of the frames queued while disconnected, in UTF-16 code units." },
    OptionSpec { name: "autoConnect", kind: OptionKind::Bool { default: true },
        expected: BOOL,
        doc: "Connect in the constructor (else call `connect()`)." },
    OptionSpec { name: "welcomeTimeout", kind: ms(0.0, 500.0),
        expected: MS_FROM_0,
        doc: "Ms to wait for the server's welcome frame before `connected` fires without one." },
    OptionSpec { name: "maxFrameSize", kind: count(1.0, 1_048_576.0),
        expected: "a whole number >= 1",
        doc: "Largest inbound frame, in UTF-16 code units; larger ones are discarded." },
    OptionSpec { name: "closeCodes", kind: OptionKind::CloseCodes,
        expected: "an object mapping close codes 1000-4999 to 'reconnect', 'slow' or 'stop'",
        doc: "Per-code overrides of the close policy, e.g. `{ 4001: 'stop' }`." },
]);

/// `table` with its docs emptied when compiling to wasm, where they would
/// weigh about 600 gzip bytes.
const fn docs_off_wasm(mut table: [OptionSpec; 19]) -> [OptionSpec; 19] {
    let mut i = 0;
    while cfg!(target_arch = "wasm32") && i < table.len() {
        table[i].doc = "";
        i += 1;
    }
    table
}

/// The option named `name`, if there is one.
pub const fn spec(name: &str) -> Option<&'static OptionSpec> {
    let all: &'static [OptionSpec] = &OPTIONS;
    let mut i = 0;
    while i < all.len() {
        if same(all[i].name.as_bytes(), name.as_bytes()) {
            return Some(&all[i]);
        }
        i += 1;
    }
    None
}

/// `a == b`, in a `const fn`.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `closeCodes`' entry (looked up when compiling).
const CLOSE_CODES: &OptionSpec = match spec("closeCodes") {
    Some(s) => s,
    None => panic!("closeCodes is an option"),
};

/// `backoff`'s values, in the order of its [`OptionKind::Choice`].
const BACKOFF_KINDS: [BackoffKind; 2] = [BackoffKind::Linear, BackoffKind::Exponential];

impl OptionSpec {
    /// The `INVALID_OPTION` error of this option.
    pub fn invalid(&self) -> Error {
        Error::InvalidOption {
            name: self.name,
            expected: self.expected,
        }
    }

    /// Whether `v` is in range: false for an option that is not a number.
    pub fn accepts_number(&self, v: f64) -> bool {
        match self.kind {
            OptionKind::Number {
                min,
                max,
                whole,
                infinity_ok,
                ..
            } => {
                (infinity_ok && v == f64::INFINITY)
                    || (v.is_finite() && v >= min && v <= max && (!whole || v.fract() == 0.0))
            }
            _ => false,
        }
    }
}

/// All options, parsed. Each field is the option of [`OPTIONS`] named after
/// it, where its meaning, range and default are.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `wsUrl`.
    pub ws_url: Option<String>,
    /// `autoReconnect`.
    pub auto_reconnect: bool,
    /// `reconnectInterval`, in ms.
    pub reconnect_interval: f64,
    /// `maxReconnectAttempts`.
    pub max_reconnect_attempts: f64,
    /// `debug`.
    pub debug: bool,
    /// `backoff`.
    pub backoff: BackoffKind,
    /// `maxReconnectInterval`, in ms.
    pub max_reconnect_interval: f64,
    /// `jitter`.
    pub jitter: f64,
    /// `stableAfter`, in ms.
    pub stable_after: f64,
    /// `heartbeatInterval`, in ms.
    pub heartbeat_interval: f64,
    /// `heartbeatTimeout`, in ms.
    pub heartbeat_timeout: f64,
    /// `role`.
    pub role: Option<String>,
    /// `maxQueuedMessages`.
    pub max_queued_messages: f64,
    /// `maxQueuedBytes`.
    pub max_queued_bytes: f64,
    /// `autoConnect`.
    pub auto_connect: bool,
    /// `welcomeTimeout`, in ms.
    pub welcome_timeout: f64,
    /// `maxFrameSize`.
    pub max_frame_size: f64,
    /// `closeCodes`.
    pub close_codes: Vec<(u16, CloseReaction)>,
}

impl Default for Options {
    /// The defaults of [`OPTIONS`]; text options and `closeCodes` start unset.
    fn default() -> Self {
        // Numbers and booleans are set from the table below (NaN shows a
        // field without an entry: `Options::default() != Options::default()`).
        let mut o = Self {
            ws_url: None,
            auto_reconnect: false,
            reconnect_interval: f64::NAN,
            max_reconnect_attempts: f64::NAN,
            debug: false,
            backoff: BACKOFF_KINDS[0],
            max_reconnect_interval: f64::NAN,
            jitter: f64::NAN,
            stable_after: f64::NAN,
            heartbeat_interval: f64::NAN,
            heartbeat_timeout: f64::NAN,
            role: None,
            max_queued_messages: f64::NAN,
            max_queued_bytes: f64::NAN,
            auto_connect: false,
            welcome_timeout: f64::NAN,
            max_frame_size: f64::NAN,
            close_codes: Vec::new(),
        };
        for s in &OPTIONS {
            match s.kind {
                OptionKind::Number { default, .. } => {
                    o.set_unchecked(s.name, default);
                }
                OptionKind::Bool { default } => {
                    o.set_bool(s.name, default);
                }
                _ => {}
            }
        }
        o
    }
}

impl Options {
    /// The field of numeric option `name`.
    pub fn number_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
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
            "maxFrameSize" => &mut self.max_frame_size,
            _ => return None,
        })
    }

    /// The field of boolean option `name`.
    pub fn bool_mut(&mut self, name: &str) -> Option<&mut bool> {
        Some(match name {
            "autoReconnect" => &mut self.auto_reconnect,
            "debug" => &mut self.debug,
            "autoConnect" => &mut self.auto_connect,
            _ => return None,
        })
    }

    /// The field of text option `name`.
    pub fn text_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "wsUrl" => &mut self.ws_url,
            "role" => &mut self.role,
            _ => return None,
        })
    }

    /// Sets numeric option `name` after checking its range; `Ok(false)` when
    /// `name` is not a numeric option.
    pub fn set_number(&mut self, name: &str, v: f64) -> Result<bool, Error> {
        match spec(name) {
            Some(s) if s.accepts_number(v) => Ok(self.set_unchecked(name, v)),
            Some(s) if matches!(s.kind, OptionKind::Number { .. }) => Err(s.invalid()),
            _ => Ok(false),
        }
    }

    /// Sets the field of numeric option `name`; `false` when there is none.
    fn set_unchecked(&mut self, name: &str, v: f64) -> bool {
        self.number_mut(name).map(|f| *f = v).is_some()
    }

    /// Sets boolean option `name`; `false` when it is not one.
    pub fn set_bool(&mut self, name: &str, v: bool) -> bool {
        self.bool_mut(name).map(|f| *f = v).is_some()
    }

    /// Sets text option `name`; `false` when it is not one.
    pub fn set_text(&mut self, name: &str, v: String) -> bool {
        self.text_mut(name).map(|f| *f = Some(v)).is_some()
    }

    /// Sets choice option `name` to `s`, one of its choices; `Ok(false)` when
    /// `name` is not a choice option.
    pub fn set_choice(&mut self, name: &str, s: &str) -> Result<bool, Error> {
        let Some(spec) = spec(name) else {
            return Ok(false);
        };
        let OptionKind::Choice(choices) = spec.kind else {
            return Ok(false);
        };
        let i = choices.iter().position(|c| *c == s);
        match (name, i) {
            (_, None) => return Err(spec.invalid()),
            ("backoff", Some(i)) => self.backoff = BACKOFF_KINDS[i],
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Sets `backoff` from its spelling.
    pub fn set_backoff(&mut self, s: &str) -> Result<(), Error> {
        self.set_choice("backoff", s).map(drop)
    }

    /// Adds a `closeCodes` entry: `code` (a key of the object) → reaction.
    pub fn add_close_code(&mut self, code: &str, reaction: &str) -> Result<(), Error> {
        let bad = || CLOSE_CODES.invalid();
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
        assert_eq!(o.stable_after, 5000.0);
        assert_eq!(o.heartbeat_interval, 25000.0);
        assert_eq!(o.heartbeat_timeout, 60000.0);
        assert_eq!(o.max_queued_messages, 1000.0);
        assert_eq!(o.max_queued_bytes, 1_048_576.0);
        assert_eq!(o.welcome_timeout, 500.0);
        assert_eq!(o.max_frame_size, 1_048_576.0);
        assert_eq!(o.backoff, BackoffKind::Linear);
        assert_eq!((o.ws_url, o.role), (None, None));
        assert!(o.close_codes.is_empty());
    }

    #[test]
    fn every_table_entry_is_bound_once_and_defaults_to_the_table() {
        let d = Options::default();
        assert_eq!(d, d.clone(), "a number field without an entry (NaN)");
        let mut marked = Options::default();
        for (i, s) in OPTIONS.iter().enumerate() {
            let mut o = d.clone();
            let mark = i as f64 + 0.5;
            match s.kind {
                OptionKind::Number { default, .. } => {
                    assert_eq!(o.number_mut(s.name).copied(), Some(default), "{}", s.name);
                    *marked.number_mut(s.name).unwrap() = mark;
                }
                OptionKind::Bool { default } => {
                    assert_eq!(o.bool_mut(s.name).copied(), Some(default), "{}", s.name);
                    assert!(o.set_bool(s.name, !default));
                    assert_ne!(o, d, "{} changed nothing", s.name);
                }
                OptionKind::Text => {
                    assert_eq!(o.text_mut(s.name), Some(&mut None), "{}", s.name);
                    assert!(o.set_text(s.name, "x".into()));
                    assert_ne!(o, d, "{} changed nothing", s.name);
                }
                OptionKind::Choice(choices) => {
                    assert_eq!(choices.len(), BACKOFF_KINDS.len(), "{}", s.name);
                    for c in choices.iter().rev() {
                        assert_eq!(o.set_choice(s.name, c), Ok(true), "{}", s.name);
                    }
                    assert_eq!(o, d, "the first choice is the default");
                }
                OptionKind::Token | OptionKind::CloseCodes => {}
            }
            let n = s.name;
            let bound = [
                o.number_mut(n).is_some(),
                o.bool_mut(n).is_some(),
                o.text_mut(n).is_some(),
            ];
            let kind = [
                matches!(s.kind, OptionKind::Number { .. }),
                matches!(s.kind, OptionKind::Bool { .. }),
                s.kind == OptionKind::Text,
            ];
            assert_eq!(bound, kind, "{n} is bound to one field, of its kind");
        }
        // Each number field holds its own mark: no two names share a field.
        for (i, s) in OPTIONS.iter().enumerate() {
            if let OptionKind::Number { .. } = s.kind {
                assert_eq!(marked.number_mut(s.name).copied(), Some(i as f64 + 0.5));
            }
        }
        assert_eq!(CLOSE_CODES.kind, OptionKind::CloseCodes);
    }

    #[test]
    fn names_are_distinct_found_and_described() {
        for (i, s) in OPTIONS.iter().enumerate() {
            assert_eq!(spec(s.name), Some(s));
            assert!(!s.expected.is_empty() && !s.doc.is_empty(), "{}", s.name);
            assert!(!OPTIONS[..i].iter().any(|t| t.name == s.name), "{}", s.name);
        }
        for name in ["nope", "", "Jitter", "jitter ", "options"] {
            assert_eq!(spec(name), None, "{name}");
        }
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
        assert_eq!(o.set_number("debug", 1.0), Ok(false));
        assert_eq!(o.jitter, 0.5, "a refused value leaves the option as it was");
    }

    #[test]
    fn every_number_option_is_settable() {
        for s in OPTIONS {
            if let OptionKind::Number { min, .. } = s.kind {
                let mut o = Options::default();
                assert_eq!(o.set_number(s.name, min), Ok(true), "{}", s.name);
                assert_ne!(o, Options::default(), "{} changed nothing", s.name);
            }
        }
        assert!(!Options::default().set_bool("nope", true));
        assert!(!Options::default().set_text("jitter", "x".into()));
    }

    #[test]
    fn backoff_and_close_codes() {
        let mut o = Options::default();
        o.set_backoff("exponential").unwrap();
        assert_eq!(o.backoff_policy().kind, BackoffKind::Exponential);
        assert_eq!(o.set_backoff("fast").unwrap_err().code(), "INVALID_OPTION");
        assert_eq!(o.set_choice("jitter", "linear"), Ok(false));
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
