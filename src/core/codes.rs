//! The numeric codes that cross the boundary between the core and the
//! JavaScript half of the shell, with their names, and the rules both sides
//! apply. This file is their one definition: `RULES` in
//! `src/shell/boundary.js` is [`rules_json`]'s text, and a native test
//! (`tests/rules.rs`) keeps it and the unions of `src/js/index.d.ts` equal to
//! them, so the wasm module carries none of these lists.

use super::frame::{push_decimal, push_json_string, FrameType, RESERVED_EVENTS};
use super::options::{OptionKind, OptionSpec, OPTIONS};
use super::CloseReaction;
use super::Error;
#[allow(unused_imports)]
use crate::prelude::*;

/// The longest channel name, in UTF-8 bytes.
pub const CHANNEL_MAX_BYTES: usize = 256;

/// What the JS listener found a frame to be. A channel message with a usable
/// channel never reaches wasm (the listener dispatches it itself); every
/// other verdict is handed to the shell with the frame's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Verdict {
    /// A `message` frame with a non-empty string `channel`.
    Message = 0,
    /// A `pong`.
    Pong = 1,
    /// The server's welcome (`connected`).
    Connected = 2,
    /// A `ping` from the server.
    Ping = 3,
    /// A `subscribe` echo.
    Subscribe = 4,
    /// An `unsubscribe` echo.
    Unsubscribe = 5,
    /// An `ack` of a user message (protocol v2).
    Ack = 6,
    /// The answer to a `subscribe` (protocol v2): the channel's position,
    /// and whether what the client missed was replayed. The JS listener
    /// handles it (the `recovery` event) without entering wasm.
    Subscribed = 7,
    /// A `chunk` of a stream's answer (protocol v2), handed to the stream's
    /// consumer by the JS listener without entering wasm.
    Chunk = 8,
    /// Text that is not JSON.
    NotJson = 9,
    /// JSON that is not an object (an array, a string, `null`, ...).
    NotObject = 10,
    /// An object without a string `type`.
    NoType = 11,
    /// A `type` this protocol does not know.
    UnknownType = 12,
    /// A `message` without a non-empty string `channel`.
    NoChannel = 13,
    /// A binary frame (the protocol is text only).
    Binary = 14,
    /// Text longer than `maxFrameSize` UTF-16 code units (not parsed).
    TooLarge = 15,
}

impl Verdict {
    /// Every verdict, in code order (the code is the index).
    pub const ALL: [Verdict; 16] = [
        Verdict::Message,
        Verdict::Pong,
        Verdict::Connected,
        Verdict::Ping,
        Verdict::Subscribe,
        Verdict::Unsubscribe,
        Verdict::Ack,
        Verdict::Subscribed,
        Verdict::Chunk,
        Verdict::NotJson,
        Verdict::NotObject,
        Verdict::NoType,
        Verdict::UnknownType,
        Verdict::NoChannel,
        Verdict::Binary,
        Verdict::TooLarge,
    ];

    /// The verdict for a code from JavaScript; `None` for anything else.
    pub fn from_code(code: u32) -> Option<Verdict> {
        Self::ALL.get(code as usize).copied()
    }

    /// The name JavaScript uses for it (`rules.verdict.NOT_JSON`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Message => "MESSAGE",
            Verdict::Pong => "PONG",
            Verdict::Connected => "CONNECTED",
            Verdict::Ping => "PING",
            Verdict::Subscribe => "SUBSCRIBE",
            Verdict::Unsubscribe => "UNSUBSCRIBE",
            Verdict::Ack => "ACK",
            Verdict::Subscribed => "SUBSCRIBED",
            Verdict::Chunk => "CHUNK",
            Verdict::NotJson => "NOT_JSON",
            Verdict::NotObject => "NOT_OBJECT",
            Verdict::NoType => "NO_TYPE",
            Verdict::UnknownType => "UNKNOWN_TYPE",
            Verdict::NoChannel => "NO_CHANNEL",
            Verdict::Binary => "BINARY",
            Verdict::TooLarge => "TOO_LARGE",
        }
    }

    /// The frame type of a usable frame; `None` for a bad one.
    pub fn frame_type(self) -> Option<FrameType> {
        Some(match self {
            Verdict::Message => FrameType::Message,
            Verdict::Pong => FrameType::Pong,
            Verdict::Connected => FrameType::Connected,
            Verdict::Ping => FrameType::Ping,
            Verdict::Subscribe => FrameType::Subscribe,
            Verdict::Unsubscribe => FrameType::Unsubscribe,
            Verdict::Ack => FrameType::Ack,
            Verdict::Subscribed => FrameType::Subscribed,
            Verdict::Chunk => FrameType::Chunk,
            _ => return None,
        })
    }

    /// The error for a bad frame of `len` units (bytes when binary), given
    /// the start of its text (`head`, ignored for binary and oversized
    /// frames) and the `maxFrameSize` in force; `None` for a usable frame.
    pub fn error(self, len: usize, head: &str, max: usize) -> Option<Error> {
        let reason = match self {
            Verdict::TooLarge => return Some(Error::FrameTooLarge { size: len, max }),
            Verdict::Binary => {
                return Some(Error::BadFrame {
                    reason: "binary frames are not supported",
                    excerpt: {
                        let mut s = String::from("<");
                        super::frame::push_decimal(&mut s, len as u64, 1);
                        s.push_str(" bytes>");
                        s
                    },
                })
            }
            Verdict::NotJson => "not valid JSON",
            Verdict::NotObject => "not a JSON object",
            Verdict::NoType => "missing or non-string type",
            Verdict::UnknownType => "unknown type",
            Verdict::NoChannel => "message without a channel",
            _ => return None,
        };
        Some(Error::BadFrame {
            reason,
            excerpt: super::frame::excerpt(head, EXCERPT_CHARS),
        })
    }
}

/// How much of a bad frame an `error` event quotes, in characters.
pub const EXCERPT_CHARS: usize = 120;

/// Why a channel argument was refused. Code 0 means "usable"; JavaScript
/// checks names it holds as JS strings (a lone surrogate cannot even reach
/// Rust as a `String`), with the limits and reserved names defined here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ChannelFault {
    /// Not a string, or empty.
    NotString = 1,
    /// Holds a lone UTF-16 surrogate, which JSON and UTF-8 cannot carry.
    LoneSurrogate = 2,
    /// Longer than [`CHANNEL_MAX_BYTES`] in UTF-8.
    TooLong = 3,
    /// Named like one of [`RESERVED_EVENTS`].
    Reserved = 4,
}

impl ChannelFault {
    /// Every fault, in code order (code = index + 1).
    pub const ALL: [ChannelFault; 4] = [
        ChannelFault::NotString,
        ChannelFault::LoneSurrogate,
        ChannelFault::TooLong,
        ChannelFault::Reserved,
    ];

    /// The fault for a code from JavaScript; `None` for 0 (usable) and
    /// unknown codes.
    pub fn from_code(code: u32) -> Option<ChannelFault> {
        Self::ALL.get((code as usize).checked_sub(1)?).copied()
    }

    /// The name JavaScript uses for it (`rules.channel.TOO_LONG`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ChannelFault::NotString => "NOT_STRING",
            ChannelFault::LoneSurrogate => "LONE_SURROGATE",
            ChannelFault::TooLong => "TOO_LONG",
            ChannelFault::Reserved => "RESERVED",
        }
    }

    /// The error thrown for it; `name` is the refused channel (for
    /// [`ChannelFault::Reserved`]).
    pub fn error(self, name: &str) -> Error {
        let reason = match self {
            ChannelFault::NotString => "must be a non-empty string",
            ChannelFault::LoneSurrogate => "must not contain lone surrogates",
            ChannelFault::TooLong => "must be at most 256 bytes",
            ChannelFault::Reserved => {
                return Error::ReservedChannel {
                    name: String::from(name),
                }
            }
        };
        Error::InvalidChannel { reason }
    }
}

/// Checks a channel name given by a Rust caller, as the JS half checks a
/// JS string (a Rust `str` cannot hold a lone surrogate).
pub fn check_channel(name: &str) -> Result<(), Error> {
    let fault = if name.is_empty() {
        ChannelFault::NotString
    } else if name.len() > CHANNEL_MAX_BYTES {
        ChannelFault::TooLong
    } else if RESERVED_EVENTS.contains(&name) {
        ChannelFault::Reserved
    } else {
        return Ok(());
    };
    Err(fault.error(name))
}

/// What the JS half of the shell reports to the wasm side's one entry point
/// (`sink` in `src/shell/boundary.js`): the hub's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum HubEvent {
    /// A socket's `open`.
    Open,
    /// A socket's `error`.
    Error,
    /// A socket's `close` (code, `wasClean`, reason).
    Close,
    /// A frame the JS listener did not dispatch itself (verdict, length,
    /// parsed value, raw text).
    Frame,
    /// Channel handlers threw (flat `[event, thrown[], ...]` pairs).
    Thrown,
    /// The one wake-up timer fired.
    Timer,
    /// A page event (its index in `PAGE` of boundary.js: `online`, `offline`,
    /// `pagehide`, `pageshow`, `visibilitychange`).
    Page,
    /// A token promise settled (the wait's id, 1 or 0, the token or why).
    Token,
    /// The listener took an acknowledgement that a callback or a waiting
    /// message depends on: credit it now (see `acked` in boundary.js).
    Credit,
}

impl HubEvent {
    /// Every event, in code order.
    pub const ALL: [HubEvent; 9] = [
        HubEvent::Open,
        HubEvent::Error,
        HubEvent::Close,
        HubEvent::Frame,
        HubEvent::Thrown,
        HubEvent::Timer,
        HubEvent::Page,
        HubEvent::Token,
        HubEvent::Credit,
    ];

    /// The event of `code`.
    pub fn from_code(code: u32) -> Option<HubEvent> {
        Self::ALL.get(code as usize).copied()
    }

    /// The name JavaScript uses for it.
    pub fn name(self) -> &'static str {
        match self {
            HubEvent::Open => "OPEN",
            HubEvent::Error => "ERROR",
            HubEvent::Close => "CLOSE",
            HubEvent::Frame => "FRAME",
            HubEvent::Thrown => "THROWN",
            HubEvent::Timer => "TIMER",
            HubEvent::Page => "PAGE",
            HubEvent::Token => "TOKEN",
            HubEvent::Credit => "CREDIT",
        }
    }
}

/// The rules JavaScript receives, as JSON: the reserved event names, the
/// verdict and channel-fault codes by name, the frame types in verdict order,
/// the channel limit, the error codes and their message templates, the
/// hub's event codes, the `closeCodes` reactions and the options (name, kind,
/// range, the text of their error: what the JS half checks them by). `RULES` in `src/shell/boundary.js` is this text (kept
/// equal by `tests/rules.rs`).
pub fn rules_json() -> String {
    let mut s = String::from("{\n  \"reserved\": [");
    list(&mut s, RESERVED_EVENTS.iter().copied());
    s.push_str("],\n  \"types\": [");
    let types = Verdict::ALL.iter().filter_map(|v| v.frame_type());
    list(&mut s, types.map(FrameType::as_str));
    s.push_str("],\n  \"verdict\": {");
    codes(&mut s, Verdict::ALL.iter().map(|v| (v.name(), *v as u8)));
    s.push_str("},\n  \"channel\": {\"OK\": 0, ");
    codes(
        &mut s,
        ChannelFault::ALL.iter().map(|f| (f.name(), *f as u8)),
    );
    s.push_str("},\n  \"channelMaxBytes\": ");
    super::frame::push_decimal(&mut s, CHANNEL_MAX_BYTES as u64, 1);
    s.push_str(",\n  \"errorCodes\": [");
    list(&mut s, Error::CODES.iter().copied());
    s.push_str("],\n  \"messagePrefix\": ");
    push_json_string(&mut s, Error::PREFIX);
    s.push_str(",\n  \"templates\": [");
    list(&mut s, Error::TEMPLATES.iter().copied());
    s.push_str("],\n  \"hub\": {");
    codes(&mut s, HubEvent::ALL.iter().map(|e| (e.name(), *e as u8)));
    s.push_str("},\n  \"closeReactions\": [");
    list(&mut s, CloseReaction::SPELLINGS.iter().copied());
    s.push_str("],\n  \"options\": [");
    for (i, o) in OPTIONS.iter().enumerate() {
        s.push_str(if i > 0 { ",\n    " } else { "\n    " });
        option_json(&mut s, o);
    }
    s.push_str("\n  ]\n}\n");
    s
}

/// One entry of [`OPTIONS`] as JSON, without its default and doc (the JS
/// half checks values; the core applies defaults).
fn option_json(s: &mut String, o: &OptionSpec) {
    s.push_str("{\"name\": ");
    push_json_string(s, o.name);
    s.push_str(", \"kind\": \"");
    match o.kind {
        OptionKind::Number {
            min,
            max,
            whole,
            infinity_ok,
            zero_off,
            ..
        } => {
            s.push_str("number\", \"min\": ");
            push_decimal(s, min as u64, 1);
            s.push_str(", \"max\": ");
            push_decimal(s, max as u64, 1);
            for (key, on) in [
                ("whole", whole),
                ("infinity", infinity_ok),
                ("zeroOff", zero_off),
            ] {
                s.push_str(", \"");
                s.push_str(key);
                s.push_str(if on { "\": true" } else { "\": false" });
            }
        }
        OptionKind::Bool { .. } => s.push_str("bool\""),
        OptionKind::Text => s.push_str("text\""),
        OptionKind::Choice(choices) => {
            s.push_str("choice\", \"choices\": [");
            list(s, choices.iter().copied());
            s.push(']');
        }
        OptionKind::Token => s.push_str("token\""),
        OptionKind::CloseCodes => s.push_str("closeCodes\""),
        OptionKind::Constructor => s.push_str("constructor\""),
    }
    s.push_str(", \"expected\": ");
    push_json_string(s, o.expected);
    s.push('}');
}

fn list<'a>(s: &mut String, items: impl Iterator<Item = &'a str>) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        push_json_string(s, item);
    }
}

fn codes<'a>(s: &mut String, items: impl Iterator<Item = (&'a str, u8)>) {
    for (i, (name, code)) in items.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('"');
        s.push_str(name);
        s.push_str("\": ");
        push_decimal(s, u64::from(code), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_ranges_are_written_exactly() {
        // `option_json` writes min and max as whole decimals.
        for o in &OPTIONS {
            if let OptionKind::Number { min, max, .. } = o.kind {
                for v in [min, max] {
                    assert!(v >= 0.0 && v % 1.0 == 0.0 && v < 1e15, "{}: {v}", o.name);
                }
            }
        }
    }

    #[test]
    fn codes_round_trip_and_are_dense() {
        for (i, v) in Verdict::ALL.iter().enumerate() {
            assert_eq!(*v as usize, i);
            assert_eq!(Verdict::from_code(i as u32), Some(*v));
        }
        assert_eq!(Verdict::from_code(16), None);
        for (i, f) in ChannelFault::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i + 1);
            assert_eq!(ChannelFault::from_code(i as u32 + 1), Some(*f));
        }
        assert_eq!(ChannelFault::from_code(0), None);
        assert_eq!(ChannelFault::from_code(5), None);
    }

    #[test]
    fn usable_verdicts_have_a_type_and_no_error() {
        for v in Verdict::ALL {
            assert_eq!(v.frame_type().is_some(), v.error(1, "x", 10).is_none());
        }
        let e = Verdict::TooLarge.error(11, "", 10).unwrap();
        assert_eq!(e.code(), "FRAME_TOO_LARGE");
        // The length is `string.length`, not bytes (the message said bytes).
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: frame of 11 UTF-16 code units exceeds maxFrameSize 10; discarded"
        );
        let e = Verdict::NotJson.error(3, "{{{", 10).unwrap();
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: bad frame (not valid JSON): {{{"
        );
    }

    #[test]
    fn every_channel_fault_is_an_invalid_or_reserved_channel() {
        for f in ChannelFault::ALL {
            let code = f.error("state").code();
            assert!(code == "INVALID_CHANNEL" || code == "RESERVED_CHANNEL");
        }
        assert_eq!(check_channel("chat"), Ok(()));
        assert_eq!(check_channel("").unwrap_err().code(), "INVALID_CHANNEL");
        assert_eq!(
            check_channel("error").unwrap_err().code(),
            "RESERVED_CHANNEL"
        );
        // The message states the limit this file defines.
        let too_long = ChannelFault::TooLong.error("x").to_string();
        assert!(
            too_long.contains(&CHANNEL_MAX_BYTES.to_string()),
            "{too_long}"
        );
        assert!(check_channel(&"é".repeat(128)).is_ok());
        assert!(check_channel(&"é".repeat(129)).is_err());
    }
}
