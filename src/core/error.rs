//! Errors of the SDK, with a stable machine-readable code for the JS side.

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::string::String;
use core::fmt;

/// Everything that can go wrong, whether misuse by the caller (thrown at once
/// as a `TypeError` on the JS side) or trouble on the network (reported on the
/// `error` event while the connection goes on).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An option has the wrong type or is out of range.
    InvalidOption {
        /// The option's name as the JS API spells it.
        name: &'static str,
        /// What the option accepts.
        expected: &'static str,
    },
    /// An argument of a method has the wrong type (`userId`, an event name,
    /// a handler).
    InvalidArgument {
        /// What was expected, naming the argument.
        reason: &'static str,
    },
    /// A channel name is not a usable string.
    InvalidChannel {
        /// Why it was refused.
        reason: &'static str,
    },
    /// A channel is named like one of the SDK's own events (`error`, ...).
    ReservedChannel {
        /// The refused name.
        name: String,
    },
    /// The server URL cannot be used (a browser's `new WebSocket()` would
    /// throw on it, or it is not absolute).
    InvalidUrl {
        /// Why it was refused; a URL it quotes is redacted (`redact` in `src/shell/boundary.js`).
        reason: String,
    },
    /// A `ws://` URL from an `https://` page: browsers refuse mixed content.
    MixedContent {
        /// The refused URL, redacted (`redact` in boundary.js): query values, user
        /// info and fragment are `***`.
        url: String,
    },
    /// The outbound queue is full; the message was not queued.
    QueueFull {
        /// Messages queued at the time.
        messages: usize,
        /// Bytes queued at the time.
        bytes: usize,
    },
    /// A frame from the server is larger than `maxFrameSize` and was discarded.
    FrameTooLarge {
        /// Its length in UTF-16 code units (`string.length`; equal to bytes
        /// for ASCII text).
        size: usize,
        /// The configured limit.
        max: usize,
    },
    /// A frame from the server could not be understood; it was skipped.
    BadFrame {
        /// What is wrong with it.
        reason: &'static str,
        /// The start of the raw frame, cut short.
        excerpt: String,
    },
    /// The message data cannot be serialised to JSON (cyclic, BigInt, ...).
    Unserializable {
        /// What the JS engine said.
        detail: String,
    },
    /// The `token` function threw or its promise rejected.
    TokenFailed {
        /// What it threw (the token itself is never included).
        detail: String,
    },
    /// A user handler threw; the other handlers still ran.
    HandlerThrew {
        /// The event whose handler threw.
        event: String,
    },
    /// A method was called on a client after `free()`. The JS wrapper throws
    /// it before entering wasm (a call on a freed object must not reach
    /// Rust); listed here so the code list stays the core's.
    Freed,
    /// The browser refused to create the socket.
    SocketFailed {
        /// What the browser said.
        detail: String,
    },
    /// No acknowledgement of a message within the timeout of its
    /// `sendWithAck` (the message stays queued and may still be delivered).
    Timeout {
        /// The timeout, in ms.
        ms: usize,
    },
    /// A message that will never be sent: the client was freed with it
    /// still queued or unacknowledged.
    Disconnected,
    /// The server refused a message (protocol v2: an `ack` with an `error`).
    /// The JS error's `code` is the server's code (this one when it gave
    /// none) and its `reason` the server's reason.
    Refused {
        /// The server's reason.
        reason: String,
    },
    /// A request or stream on a server that speaks protocol v1, which has
    /// neither: it was not sent.
    Unsupported,
    /// A request or stream given up by the page (its `AbortSignal`).
    Aborted,
}

impl Error {
    /// Every code [`Error::code`] returns: the `ErrorCode` union of
    /// `index.d.ts` lists exactly these (a test compares them).
    pub const CODES: [&'static str; 19] = [
        "INVALID_OPTION",
        "INVALID_ARGUMENT",
        "INVALID_CHANNEL",
        "RESERVED_CHANNEL",
        "INVALID_URL",
        "MIXED_CONTENT",
        "QUEUE_FULL",
        "FRAME_TOO_LARGE",
        "BAD_FRAME",
        "UNSERIALIZABLE",
        "TOKEN_FAILED",
        "HANDLER_THREW",
        "SOCKET_FAILED",
        "FREED",
        "TIMEOUT",
        "DISCONNECTED",
        "REFUSED",
        "UNSUPPORTED",
        "ABORTED",
    ];

    /// A stable code for programs: `error.code` on the JS side.
    pub fn code(&self) -> &'static str {
        Self::CODES[self.index()]
    }

    /// True for misuse by the caller, which the JS side throws as `TypeError`.
    pub fn is_type_error(&self) -> bool {
        matches!(
            self,
            Error::InvalidOption { .. }
                | Error::InvalidArgument { .. }
                | Error::InvalidChannel { .. }
                | Error::ReservedChannel { .. }
                | Error::InvalidUrl { .. }
                | Error::MixedContent { .. }
                | Error::Unserializable { .. }
        )
    }
}

impl Error {
    /// The message of each code, in the order of [`Error::CODES`], with
    /// `{0}` and `{1}` where [`Error::args`] go. The one definition of every
    /// message: `Display` fills them in here, and the JS half of the shell
    /// gets the same list (`templates` in `src/shell/boundary.js`, kept equal
    /// by a test) and fills them in there, so the wasm module carries no
    /// formatting code.
    pub const TEMPLATES: [&'static str; 19] = [
        "option `{0}` must be {1}",
        "{0}",
        "channel {0}",
        "channel `{0}` is named like a built-in event; pick another name",
        "server URL {0}",
        "`{0}` is an insecure ws:// URL on an https:// page, which browsers refuse; use wss://",
        "outbound queue full ({0} messages, {1} bytes); message not queued",
        "frame of {0} UTF-16 code units exceeds maxFrameSize {1}; discarded",
        "bad frame ({0}): {1}",
        "data cannot be sent as JSON: {0}",
        "token function failed: {0}",
        "a handler of `{0}` threw",
        "could not open the socket: {0}",
        "this client was freed",
        "no acknowledgement within {0} ms (the message stays queued and may still be delivered)",
        "the client was freed before the message was acknowledged; it will not be sent",
        "the server refused the message: {0}",
        "requests and streams need protocol v2, which this server does not speak; not sent",
        "aborted",
    ];

    /// What every message starts with (`messagePrefix` in the rules JavaScript gets).
    pub const PREFIX: &'static str = "ZantaraWebSocket: ";

    /// The index of [`Error::code`] in [`Error::CODES`].
    pub fn index(&self) -> usize {
        match self {
            Error::InvalidOption { .. } => 0,
            Error::InvalidArgument { .. } => 1,
            Error::InvalidChannel { .. } => 2,
            Error::ReservedChannel { .. } => 3,
            Error::InvalidUrl { .. } => 4,
            Error::MixedContent { .. } => 5,
            Error::QueueFull { .. } => 6,
            Error::FrameTooLarge { .. } => 7,
            Error::BadFrame { .. } => 8,
            Error::Unserializable { .. } => 9,
            Error::TokenFailed { .. } => 10,
            Error::HandlerThrew { .. } => 11,
            Error::SocketFailed { .. } => 12,
            Error::Freed => 13,
            Error::Timeout { .. } => 14,
            Error::Disconnected => 15,
            Error::Refused { .. } => 16,
            Error::Unsupported => 17,
            Error::Aborted => 18,
        }
    }

    /// The values of the message's `{0}` and `{1}` (see [`Error::TEMPLATES`]).
    pub fn args(&self) -> (Arg<'_>, Arg<'_>) {
        use Arg::{Count, None as No, Text};
        match self {
            Error::InvalidOption { name, expected } => (Text(name), Text(expected)),
            Error::InvalidArgument { reason } | Error::InvalidChannel { reason } => {
                (Text(reason), No)
            }
            Error::ReservedChannel { name } => (Text(name), No),
            Error::InvalidUrl { reason } => (Text(reason), No),
            Error::MixedContent { url } => (Text(url), No),
            Error::QueueFull { messages, bytes } => (Count(*messages), Count(*bytes)),
            Error::FrameTooLarge { size, max } => (Count(*size), Count(*max)),
            Error::BadFrame { reason, excerpt } => (Text(reason), Text(excerpt)),
            Error::Unserializable { detail }
            | Error::TokenFailed { detail }
            | Error::SocketFailed { detail } => (Text(detail), No),
            Error::HandlerThrew { event } => (Text(event), No),
            Error::Freed | Error::Disconnected | Error::Unsupported | Error::Aborted => (No, No),
            Error::Timeout { ms } => (Count(*ms), No),
            Error::Refused { reason } => (Text(reason), No),
        }
    }
}

/// A value in an error message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// Text.
    Text(&'a str),
    /// A count, written in decimal.
    Count(usize),
    /// Nothing (the template has no such place).
    None,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.args();
        f.write_str(Self::PREFIX)?;
        // Every `{` of a template opens `{0}` or `{1}` (a test checks).
        let mut rest = Self::TEMPLATES[self.index()];
        while let Some(at) = rest.find('{') {
            f.write_str(&rest[..at])?;
            let arg = if rest[at..].starts_with("{0}") { a } else { b };
            match arg {
                Arg::Text(t) => f.write_str(t)?,
                Arg::Count(n) => write!(f, "{n}")?,
                Arg::None => {}
            }
            rest = rest.get(at + 3..).unwrap_or_default();
        }
        f.write_str(rest)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_option_and_codes_are_stable() {
        let e = Error::InvalidOption {
            name: "jitter",
            expected: "a number from 0 to 1",
        };
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: option `jitter` must be a number from 0 to 1"
        );
        assert_eq!(e.code(), "INVALID_OPTION");
        assert!(e.is_type_error());
        for code in Error::CODES {
            assert_eq!(Error::CODES.iter().filter(|c| **c == code).count(), 1);
        }
        assert!(!Error::QueueFull {
            messages: 1,
            bytes: 2
        }
        .is_type_error());
    }

    #[test]
    fn templates_use_only_their_two_places() {
        for t in Error::TEMPLATES {
            let opens = t.matches('{').count();
            assert_eq!(
                opens,
                t.matches("{0}").count() + t.matches("{1}").count(),
                "{t}"
            );
            assert_eq!(t.matches('}').count(), opens, "{t}");
        }
        let e = Error::QueueFull {
            messages: 3,
            bytes: 1024,
        };
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: outbound queue full (3 messages, 1024 bytes); message not queued"
        );
        assert_eq!(
            Error::Freed.to_string(),
            "ZantaraWebSocket: this client was freed"
        );
    }
}
