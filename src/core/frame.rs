//! The wire format (the protocol of the backend this SDK replaces a client
//! for, documented in docs/ARCHITECTURE.md): JSON text frames
//! `{"type", "channel", "data", "timestamp"}`.
//!
//! Inbound frames are parsed by the JS engine (`JSON.parse`); Rust only reads
//! `type` and `channel` (see [`FrameType::parse`]). The small control frames
//! the client writes itself (`subscribe`, `unsubscribe`, `ping`) are encoded
//! here; user messages are encoded by `JSON.stringify` so `data` never enters
//! wasm memory.

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::string::String;

/// The SDK's own event names: a channel may not be named like one, or its
/// messages would fire the built-in handlers.
pub const RESERVED_EVENTS: [&str; 9] = [
    "connected",
    "disconnected",
    "error",
    "message",
    "reconnecting",
    "reconnect_failed",
    "state",
    "pong",
    "recovery",
];

/// The `type` of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameType {
    /// `subscribe` (client → server; echoed by some servers).
    Subscribe,
    /// `unsubscribe`.
    Unsubscribe,
    /// `message`: a channel message.
    Message,
    /// `ping`.
    Ping,
    /// `pong`: the answer to our heartbeat.
    Pong,
    /// `connected`: the server's welcome, carrying the `clientId`.
    Connected,
    /// `ack`: the server took (or refused) a user message (protocol v2).
    Ack,
    /// `subscribed`: the server's answer to a `subscribe` (protocol v2).
    Subscribed,
    /// `chunk`: part of a stream's answer (protocol v2).
    Chunk,
}

impl FrameType {
    /// The type for a `type` field, or `None` when unknown.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "subscribe" => Self::Subscribe,
            "unsubscribe" => Self::Unsubscribe,
            "message" => Self::Message,
            "ping" => Self::Ping,
            "pong" => Self::Pong,
            "connected" => Self::Connected,
            "ack" => Self::Ack,
            "subscribed" => Self::Subscribed,
            "chunk" => Self::Chunk,
            _ => return None,
        })
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Message => "message",
            Self::Ping => "ping",
            Self::Pong => "pong",
            Self::Connected => "connected",
            Self::Ack => "ack",
            Self::Subscribed => "subscribed",
            Self::Chunk => "chunk",
        }
    }
}

/// Appends `s` to `out` as a JSON string literal (RFC 8259 §7).
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[c as usize >> 4] as char);
                out.push(HEX[c as usize & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encodes a control frame: `{"type":…,"channel":…,"timestamp":…}` (the
/// channel is left out when `None`).
pub fn encode_control(kind: FrameType, channel: Option<&str>, now_ms: f64) -> String {
    let mut out = String::with_capacity(80);
    out.push_str("{\"type\":\"");
    out.push_str(kind.as_str());
    out.push('"');
    if let Some(ch) = channel {
        out.push_str(",\"channel\":");
        push_json_string(&mut out, ch);
    }
    out.push_str(",\"timestamp\":\"");
    out.push_str(&iso8601(now_ms));
    out.push_str("\"}");
    out
}

/// Formats milliseconds since the Unix epoch as `Date.prototype.toISOString`
/// does (`2025-10-19T14:30:00.000Z`), for years 0 to 9999.
pub fn iso8601(ms: f64) -> String {
    let ms = if ms.is_finite() {
        ms.clamp(-62_167_219_200_000.0, 253_402_300_799_999.0) as i64
    } else {
        0
    };
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(24);
    let parts = [
        (y as u64, 4, '-'),
        (u64::from(m), 2, '-'),
        (u64::from(d), 2, 'T'),
        ((rem / 3_600_000) as u64, 2, ':'),
        ((rem / 60_000 % 60) as u64, 2, ':'),
        ((rem / 1000 % 60) as u64, 2, '.'),
        ((rem % 1000) as u64, 3, 'Z'),
    ];
    for (n, width, sep) in parts {
        push_decimal(&mut out, n, width);
        out.push(sep);
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `n` in decimal, padded with zeros to at least `width` digits.
/// Written out rather than through `core::fmt`, which would add several KB
/// to the wasm module (see docs/ARCHITECTURE.md, "Size").
pub fn push_decimal(out: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(digits.len().saturating_sub(width));
    for &b in digits.get(start..).unwrap_or_default() {
        out.push(b as char);
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The start of `raw`, cut to at most `max` characters with `…` appended when
/// cut, for error messages.
pub fn excerpt(raw: &str, max: usize) -> String {
    match raw.char_indices().nth(max) {
        // `get` rather than `[..i]`: `i` is a char boundary, and this keeps
        // the string-slicing panic path (1.5 KB of wasm) out of the module.
        Some((i, _)) => {
            let mut s = String::from(raw.get(..i).unwrap_or_default());
            s.push('…');
            s
        }
        None => String::from(raw),
    }
}

/// Checks a channel name given by a Rust caller (see [`super::codes`]).
pub use super::codes::check_channel;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_matches_javascript() {
        // Values checked against `new Date(ms).toISOString()` in Node.
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_760_884_200_000.0), "2025-10-19T14:30:00.000Z");
        assert_eq!(iso8601(951_782_400_123.0), "2000-02-29T00:00:00.123Z");
        assert_eq!(iso8601(-1.0), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601(4_102_444_799_999.0), "2099-12-31T23:59:59.999Z");
        assert_eq!(iso8601(f64::NAN), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn control_frames_are_valid_json() {
        assert_eq!(
            encode_control(FrameType::Subscribe, Some("chat"), 0.0),
            r#"{"type":"subscribe","channel":"chat","timestamp":"1970-01-01T00:00:00.000Z"}"#
        );
        assert_eq!(
            encode_control(FrameType::Ping, None, 0.0),
            r#"{"type":"ping","timestamp":"1970-01-01T00:00:00.000Z"}"#
        );
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\n\u{1}é😀");
        assert_eq!(s, r#""a\"b\\c\n\u0001é😀""#);
    }

    #[test]
    fn frame_types_round_trip() {
        for t in [
            FrameType::Subscribe,
            FrameType::Unsubscribe,
            FrameType::Message,
            FrameType::Ping,
            FrameType::Pong,
            FrameType::Connected,
        ] {
            assert_eq!(FrameType::parse(t.as_str()), Some(t));
        }
        assert_eq!(FrameType::parse("Message"), None);
        assert_eq!(FrameType::parse(""), None);
    }

    #[test]
    fn excerpt_cuts_on_characters() {
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("hi", 2), "hi");
        assert_eq!(excerpt("", 0), "");
    }

    #[test]
    fn channels_are_checked() {
        assert!(check_channel("chat").is_ok());
        assert!(check_channel("conversation:123").is_ok());
        assert_eq!(check_channel("").unwrap_err().code(), "INVALID_CHANNEL");
        assert_eq!(
            check_channel("error").unwrap_err().code(),
            "RESERVED_CHANNEL"
        );
        assert_eq!(
            check_channel(&"x".repeat(257)).unwrap_err().code(),
            "INVALID_CHANNEL"
        );
        for name in RESERVED_EVENTS {
            assert!(check_channel(name).is_err());
        }
    }
}
