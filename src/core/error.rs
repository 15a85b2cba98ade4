//! Errors of the SDK, with a stable machine-readable code for the JS side.

use std::fmt;

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
        /// Why it was refused; a URL it quotes is redacted (`url::redact`).
        reason: String,
    },
    /// A `ws://` URL from an `https://` page: browsers refuse mixed content.
    MixedContent {
        /// The refused URL, redacted (`url::redact`): query values, user
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
}

impl Error {
    /// Every code [`Error::code`] returns: the `ErrorCode` union of
    /// `index.d.ts` lists exactly these (a test compares them).
    pub const CODES: [&'static str; 14] = [
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
    ];

    /// A stable code for programs: `error.code` on the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidOption { .. } => "INVALID_OPTION",
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::InvalidChannel { .. } => "INVALID_CHANNEL",
            Error::ReservedChannel { .. } => "RESERVED_CHANNEL",
            Error::InvalidUrl { .. } => "INVALID_URL",
            Error::MixedContent { .. } => "MIXED_CONTENT",
            Error::QueueFull { .. } => "QUEUE_FULL",
            Error::FrameTooLarge { .. } => "FRAME_TOO_LARGE",
            Error::BadFrame { .. } => "BAD_FRAME",
            Error::Unserializable { .. } => "UNSERIALIZABLE",
            Error::TokenFailed { .. } => "TOKEN_FAILED",
            Error::HandlerThrew { .. } => "HANDLER_THREW",
            Error::SocketFailed { .. } => "SOCKET_FAILED",
            Error::Freed => "FREED",
        }
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidOption { name, expected } => {
                write!(f, "ZantaraWebSocket: option `{name}` must be {expected}")
            }
            Error::InvalidArgument { reason } => write!(f, "ZantaraWebSocket: {reason}"),
            Error::InvalidChannel { reason } => write!(f, "ZantaraWebSocket: channel {reason}"),
            Error::ReservedChannel { name } => write!(
                f,
                "ZantaraWebSocket: channel `{name}` is named like a built-in event; pick another name"
            ),
            Error::InvalidUrl { reason } => write!(f, "ZantaraWebSocket: server URL {reason}"),
            Error::MixedContent { url } => write!(
                f,
                "ZantaraWebSocket: `{url}` is an insecure ws:// URL on an https:// page, which browsers refuse; use wss://"
            ),
            Error::QueueFull { messages, bytes } => write!(
                f,
                "ZantaraWebSocket: outbound queue full ({messages} messages, {bytes} bytes); message not queued"
            ),
            Error::FrameTooLarge { size, max } => write!(
                f,
                "ZantaraWebSocket: frame of {size} UTF-16 code units exceeds maxFrameSize {max}; discarded"
            ),
            Error::BadFrame { reason, excerpt } => {
                write!(f, "ZantaraWebSocket: bad frame ({reason}): {excerpt}")
            }
            Error::Unserializable { detail } => {
                write!(f, "ZantaraWebSocket: data cannot be sent as JSON: {detail}")
            }
            Error::TokenFailed { detail } => {
                write!(f, "ZantaraWebSocket: token function failed: {detail}")
            }
            Error::HandlerThrew { event } => {
                write!(f, "ZantaraWebSocket: a `{event}` handler threw")
            }
            Error::Freed => f.write_str("ZantaraWebSocket: this client was freed"),
            Error::SocketFailed { detail } => {
                write!(f, "ZantaraWebSocket: could not open the socket: {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}

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
}
