//! Options of `new ZantaraWebSocket(userId, options)`: the legacy ones with
//! their defaults, the added ones, and range checks with clear errors.
//!
//! [`OPTIONS`] describes each option once: name, kind and range, default,
//! error text and meaning. [`Options`] holds the parsed values; its
//! `*_mut(name)` methods are the only name → field bindings. The shell checks
//! JS types (by the kind) and hands values here by name; ranges are checked
//! here so the rules are tested natively.
//!
//! `table.rs` holds the table and its lookup; this file the parsed values
//! and the setters that check them.

#[allow(unused_imports)]
use crate::prelude::*;
mod table;

pub use table::{spec, OptionKind, OptionSpec, MAX_DELAY_MS, OPTIONS};

use super::{Backoff, BackoffKind, ClosePolicy, CloseReaction, Error};

/// `closeCodes`' entry (looked up when compiling).
const CLOSE_CODES: &OptionSpec = match spec("closeCodes") {
    Some(s) => s,
    None => panic!("closeCodes is an option"),
};

/// `backoff`'s values, in the order of its [`OptionKind::Choice`].
const BACKOFF_KINDS: [BackoffKind; 2] = [BackoffKind::Linear, BackoffKind::Exponential];

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
    /// `connectTimeout`, in ms.
    pub connect_timeout: f64,
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
            connect_timeout: f64::NAN,
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
            "connectTimeout" => &mut self.connect_timeout,
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

    /// Sets option number `index` of [`OPTIONS`] to `v`, a value already
    /// checked against the same table by the JS half of the shell (`readOptions`
    /// in `src/shell/boundary.js`, from `options` in the rules it gets): the
    /// number itself, 1 or 0 for a boolean, or the choice's index. False when
    /// `index` is no such option.
    pub fn set_checked(&mut self, index: usize, v: f64) -> bool {
        let Some(spec) = OPTIONS.get(index) else {
            return false;
        };
        match spec.kind {
            OptionKind::Number { .. } => self.set_unchecked(spec.name, v),
            OptionKind::Bool { .. } => self.set_bool(spec.name, v != 0.0),
            OptionKind::Choice(_) if spec.name == "backoff" => {
                let kind = BACKOFF_KINDS.get(v as usize);
                kind.map(|k| self.backoff = *k).is_some()
            }
            _ => false,
        }
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
#[path = "tests.rs"]
mod tests;
