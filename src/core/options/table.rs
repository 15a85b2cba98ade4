//! The table of options: each option's name, kind and range, default, the
//! text of its `INVALID_OPTION` error and its meaning, described once.

use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

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
        /// 0 is accepted too, meaning "off", below a `min` above 0.
        zero_off: bool,
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
    /// A constructor (a function), used by the JS half alone (`WebSocket`).
    Constructor,
}

/// A delay in ms from `min` to [`MAX_DELAY_MS`], fractions allowed.
const fn ms(min: f64, default: f64) -> OptionKind {
    OptionKind::Number {
        min,
        max: MAX_DELAY_MS,
        whole: false,
        infinity_ok: false,
        zero_off: false,
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
        zero_off: false,
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
pub const OPTIONS: [OptionSpec; 21] = docs_off_wasm([
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
            min: 0.0, max: MAX_COUNT, whole: true, infinity_ok: true, zero_off: false,
            default: 10.0 },
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
            min: 0.0, max: 1.0, whole: false, infinity_ok: false, zero_off: false,
            default: 0.2 },
        expected: "a number from 0 to 1",
        doc: "Share of each delay that randomness may remove, from 0 to 1." },
    OptionSpec { name: "stableAfter", kind: ms(0.0, 5000.0),
        expected: MS_FROM_0,
        doc: "Ms a connection must stay open before the attempt counter resets." },
    OptionSpec { name: "heartbeatInterval", kind: ms(0.0, 25000.0),
        expected: MS_FROM_0,
        doc: "Ms between pings, each starting a probe unless one is outstanding; 0 sends \
              none (then a quiet link is probed after `heartbeatTimeout / 2`)." },
    OptionSpec { name: "heartbeatTimeout",
        kind: OptionKind::Number {
            min: 100.0, max: MAX_DELAY_MS, whole: false, infinity_ok: false, zero_off: true,
            default: 60000.0 },
        expected: "0 (off), or a number of milliseconds from 100 to 2147483647",
        doc: "Ms a probe (a ping) may go unanswered by any frame before the link is declared \
              dead (half of it with `heartbeatInterval: 0`); silence alone never is. A dead \
              link is found within `heartbeatInterval + heartbeatTimeout` of its last frame \
              (`heartbeatTimeout` with pings off), plus timer slack. 0: no check." },
    OptionSpec { name: "role", kind: OptionKind::Text,
        expected: "a string",
        doc: "Sent as `?role=`." },
    OptionSpec { name: "token", kind: OptionKind::Token,
        expected: "a string, or a function returning a string or a Promise of one",
        doc: "Sent as `?token=`; a function is called before every connect." },
    OptionSpec { name: "maxQueuedMessages", kind: count(0.0, 1000.0),
        expected: "a whole number >= 0",
        doc: "Messages queued: waiting to be sent, and on protocol v2 awaiting acknowledgement (a lone message always fits)." },
    OptionSpec { name: "maxQueuedBytes", kind: count(0.0, 1_048_576.0),
        expected: "a whole number >= 0",
        doc: "Size of the frames queued (as for maxQueuedMessages), in UTF-16 code units." },
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
    OptionSpec { name: "connectTimeout", kind: ms(1.0, 20000.0),
        expected: MS_FROM_1,
        doc: "Ms an attempt may take (token wait and handshake) before it is dropped and \
              retried after the backoff delay; never 0, so the wait is always bounded." },
    OptionSpec { name: "WebSocket", kind: OptionKind::Constructor,
        expected: "a WebSocket constructor (a function)",
        doc: "The WebSocket implementation, where there is no global one (Node before 22: the \
              `ws` package's `WebSocket`); default: the global `WebSocket`." },
]);

/// `table` with its docs emptied when compiling to wasm, where they would
/// weigh about 600 gzip bytes, and in the npm build (wasm without the `std`
/// feature) its `expected` texts too (about 400 more): there `readOptions`
/// in boundary.js checks options and words the errors from `RULES` (the
/// same table, rendered natively), and no wasm code path shows them.
const fn docs_off_wasm(mut table: [OptionSpec; 21]) -> [OptionSpec; 21] {
    let bare = cfg!(all(target_arch = "wasm32", not(feature = "std")));
    let mut i = 0;
    while cfg!(target_arch = "wasm32") && i < table.len() {
        table[i].doc = "";
        if bare {
            table[i].expected = "";
        }
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
                zero_off,
                ..
            } => {
                (infinity_ok && v == f64::INFINITY)
                    || (zero_off && v == 0.0)
                    || (v.is_finite() && v >= min && v <= max && (!whole || v % 1.0 == 0.0))
            }
            _ => false,
        }
    }
}
