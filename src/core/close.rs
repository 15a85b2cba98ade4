//! What to do when a socket closes: the close-code policy as data in one
//! place, overridable per code by the `closeCodes` option.
//!
//! Codes from RFC 6455 §7.4.1 and the IANA registry. Defaults:
//! - 1008 (policy violation, e.g. a rejected token) stops: retrying cannot help.
//! - 1013 (try again later) reconnects from the longest delay.
//! - 4500–4999 stop (application "do not retry" range, as centrifuge uses it).
//! - everything else reconnects, including 1000 *sent by the server* (a
//!   redeploy), 1001, 1006, 1011, 1012 and 4000–4499. Our own `disconnect()`
//!   never reaches this table: its socket is detached before it closes.

#[allow(unused_imports)]
use crate::prelude::*;
/// The reaction to one close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReaction {
    /// Reconnect with the backoff schedule.
    Reconnect,
    /// Reconnect, waiting the longest delay (the cap) first.
    ReconnectSlow,
    /// Do not reconnect.
    Stop,
}

impl CloseReaction {
    /// Every reaction, in the order of [`CloseReaction::SPELLINGS`].
    pub const ALL: [CloseReaction; 3] = [Self::Reconnect, Self::ReconnectSlow, Self::Stop];

    /// The option spellings, in the order of [`CloseReaction::ALL`]
    /// (`closeReactions` in the rules JavaScript gets).
    pub const SPELLINGS: [&'static str; 3] = ["reconnect", "slow", "stop"];

    /// Parses the option spelling: `"reconnect"`, `"slow"`, `"stop"`.
    pub fn parse(s: &str) -> Option<Self> {
        let i = Self::SPELLINGS.iter().position(|x| *x == s)?;
        Some(Self::ALL[i])
    }
}

/// The decision for one close, with the reason used in `state` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseDecision {
    /// What to do.
    pub reaction: CloseReaction,
    /// True when an override from the options decided.
    pub overridden: bool,
}

/// The close-code policy: the defaults above plus per-code overrides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClosePolicy {
    overrides: Vec<(u16, CloseReaction)>,
}

impl ClosePolicy {
    /// A policy with the given overrides (later entries win).
    pub fn with_overrides(overrides: Vec<(u16, CloseReaction)>) -> Self {
        Self { overrides }
    }

    /// The default reaction to `code`, before overrides.
    pub fn default_reaction(code: u16) -> CloseReaction {
        match code {
            1008 => CloseReaction::Stop,
            1013 => CloseReaction::ReconnectSlow,
            4500..=4999 => CloseReaction::Stop,
            _ => CloseReaction::Reconnect,
        }
    }

    /// The decision for `code`.
    pub fn decide(&self, code: u16) -> CloseDecision {
        match self.overrides.iter().rev().find(|(c, _)| *c == code) {
            Some((_, r)) => CloseDecision {
                reaction: *r,
                overridden: true,
            },
            None => CloseDecision {
                reaction: Self::default_reaction(code),
                overridden: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CloseReaction::*;

    #[test]
    fn defaults_follow_the_spec() {
        let p = ClosePolicy::default();
        for code in [1000, 1001, 1006, 1011, 1012, 4000, 4001, 4499] {
            assert_eq!(p.decide(code).reaction, Reconnect, "{code}");
        }
        assert_eq!(p.decide(1008).reaction, Stop);
        assert_eq!(p.decide(1013).reaction, ReconnectSlow);
        assert_eq!(p.decide(4500).reaction, Stop);
        assert_eq!(p.decide(4999).reaction, Stop);
        assert!(!p.decide(1008).overridden);
    }

    #[test]
    fn overrides_win_and_last_one_counts() {
        let p = ClosePolicy::with_overrides(vec![
            (1008, Reconnect),
            (4001, Stop),
            (4001, ReconnectSlow),
        ]);
        assert_eq!(p.decide(1008).reaction, Reconnect);
        assert!(p.decide(1008).overridden);
        assert_eq!(p.decide(4001).reaction, ReconnectSlow);
        assert_eq!(p.decide(1006).reaction, Reconnect);
    }

    #[test]
    fn parse_spellings() {
        assert_eq!(CloseReaction::parse("stop"), Some(Stop));
        assert_eq!(CloseReaction::parse("reconnect"), Some(Reconnect));
        assert_eq!(CloseReaction::parse("slow"), Some(ReconnectSlow));
        assert_eq!(CloseReaction::parse("Stop"), None);
    }
}
