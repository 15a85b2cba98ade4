//! The plain values of the Rust API: errors, connection states, what a send
//! became, acknowledgements, recovery reports and statistics.

use core::fmt;

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

/// An error of the SDK or of the server, with the same `code` and `message`
/// the JavaScript API gives (`index.d.ts`, `ZantaraErrorCode`).
///
/// Codes the client raises: `INVALID_OPTION`, `INVALID_ARGUMENT`,
/// `INVALID_CHANNEL`, `RESERVED_CHANNEL`, `INVALID_URL`, `MIXED_CONTENT`,
/// `QUEUE_FULL`, `FRAME_TOO_LARGE`, `BAD_FRAME`, `UNSERIALIZABLE`,
/// `TOKEN_FAILED`, `HANDLER_THREW`, `SOCKET_FAILED`, `TIMEOUT`,
/// `DISCONNECTED`, `REFUSED`, `UNSUPPORTED`, `ABORTED`; the Rust API adds
/// [`Error::DECODE_FAILED`] (a payload that does not deserialize into the
/// type asked for). A server's refusal keeps the server's code (for example
/// `NOT_FOUND` for an unknown request method) and its [`reason`](Self::reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: String,
    message: String,
    reason: Option<String>,
}

impl Error {
    /// The code of a payload that did not deserialize into the requested
    /// type: an item of the stream, which goes on.
    pub const DECODE_FAILED: &'static str = "DECODE_FAILED";

    /// An error with `code` and `message` (for example to report a failure
    /// of the page's own token function).
    ///
    /// ```
    /// let e = zantara_websocket::typed::Error::new("TOKEN_FAILED", "no session");
    /// assert_eq!(e.code(), "TOKEN_FAILED");
    /// ```
    pub fn new(code: &str, message: &str) -> Error {
        Error {
            code: code.into(),
            message: message.into(),
            reason: None,
        }
    }

    /// The code, for example `"QUEUE_FULL"`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message, prefixed `ZantaraWebSocket: ` like the
    /// JavaScript API's.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The server's reason for a refusal (`ack` with `error.reason`), if any.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// Reads a JavaScript error of the SDK (`{code, message, reason?}`), or
    /// describes any other thrown value.
    pub(crate) fn from_js(v: &JsValue) -> Error {
        let text = |key: &str| {
            js_sys::Reflect::get(v, &JsValue::from_str(key))
                .ok()
                .and_then(|x| x.as_string())
        };
        if v.is_object() {
            if let Some(code) = text("code") {
                return Error {
                    code,
                    message: text("message").unwrap_or_default(),
                    reason: text("reason"),
                };
            }
        }
        let message = match v.dyn_ref::<js_sys::Error>() {
            Some(e) => String::from(e.message()),
            None => v.as_string().unwrap_or_else(|| format!("{v:?}")),
        };
        Error::new("UNKNOWN", &message)
    }

    /// A payload that did not deserialize into the requested type.
    pub(crate) fn decode(e: serde_wasm_bindgen::Error) -> Error {
        Error::new(
            Error::DECODE_FAILED,
            &format!("ZantaraWebSocket: the payload does not match the requested type: {e}"),
        )
    }

    /// A value serde could not turn into a JavaScript value.
    pub(crate) fn encode(e: serde_wasm_bindgen::Error) -> Error {
        Error::new(
            "UNSERIALIZABLE",
            &format!("ZantaraWebSocket: the data cannot be serialized: {e}"),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for Error {}

/// The connection state (`ws.state` in JavaScript; SPEC.md "Connection
/// states").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The first attempt is in progress (token wait or handshake).
    Connecting,
    /// The socket is open.
    Open,
    /// Lost; waiting out the backoff delay or trying again.
    Reconnecting,
    /// Not connected and not trying: before `connect()`, after
    /// `disconnect()`, a stopping close code or `reconnect_failed`.
    Closed,
}

impl State {
    pub(crate) fn parse(s: &str) -> State {
        match s {
            "connecting" => State::Connecting,
            "open" => State::Open,
            "reconnecting" => State::Reconnecting,
            _ => State::Closed,
        }
    }
}

/// One change of [`State`] (the `state` event): `from`, `to`, and why
/// (`"open"`, `"close 1006"`, `"disconnect"`, `"heartbeat timeout"`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The state before.
    pub from: State,
    /// The state now.
    pub to: State,
    /// Why, in the words of the debug log.
    pub reason: String,
}

/// What became of a message [`Client::send`](super::Client::send) took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Handed to the open socket. On a protocol v2 link it stays in the
    /// queue until the server acknowledges it, and is sent again after a
    /// lost link until then.
    Sent,
    /// Queued: sent in order once connected (and welcomed), or once the
    /// link has room in flight.
    Queued,
}

/// The server's acknowledgement of a message
/// ([`Client::send_with_ack`](super::Client::send_with_ack)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// The message id (from 1, per client).
    pub id: u32,
    /// True when the server confirmed it (protocol v2); false when the
    /// server speaks protocol v1, which cannot confirm: it was sent.
    pub confirmed: bool,
}

/// A channel's recovery after a reconnect (the `recovery` event,
/// `docs/PROTOCOL.md` "Recovery").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recovery {
    /// The channel.
    pub channel: String,
    /// True when every message published while away was replayed; false is
    /// a reported gap (a restarted server, history too short).
    pub recovered: bool,
    /// How many messages were replayed.
    #[serde(default)]
    pub replayed: u32,
}

/// A snapshot of the client's health statistics (`getStats()` in
/// JavaScript, SPEC.md "Stats"). Times are in milliseconds, sizes in UTF-16
/// code units. Never includes the token.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Stats {
    /// True when the socket is open.
    pub connected: bool,
    /// `"connecting" | "open" | "reconnecting" | "closed"`.
    pub state: String,
    /// The `clientId` of the server's welcome, if any.
    pub client_id: Option<String>,
    /// The `userId` the client was built with.
    pub user_id: Option<String>,
    /// The tracked channels.
    pub subscriptions: Vec<String>,
    /// Attempts in the current outage.
    pub reconnect_attempts: u32,
    /// When the last pong arrived (ISO 8601), if any.
    pub last_pong: Option<String>,
    /// The last ping's round trip, in ms.
    pub rtt: Option<f64>,
    /// Frames received.
    pub messages_in: f64,
    /// Frames sent.
    pub messages_out: f64,
    /// Units received.
    pub bytes_in: f64,
    /// Units sent.
    pub bytes_out: f64,
    /// Messages in the queue (waiting, and in flight on protocol v2).
    pub queued_messages: f64,
    /// Units in the queue.
    pub queued_bytes: f64,
    /// Reconnects since creation.
    pub reconnects: f64,
    /// Errors reported.
    pub errors: f64,
    /// Inbound frames discarded (too large, not JSON, unknown type).
    pub dropped_frames: f64,
    /// Messages sent and awaiting acknowledgement.
    pub in_flight: f64,
    /// Messages the server acknowledged.
    pub acknowledged: f64,
    /// Messages the server refused.
    pub refused: f64,
    /// Messages sent again after a lost link.
    pub resent: f64,
    /// Channels recovered without a gap.
    pub recovered: f64,
    /// Reported gaps.
    pub missed: f64,
    /// Re-delivered messages dropped.
    pub duplicates: f64,
    /// 2 or 1 while open and welcomed, else none.
    pub protocol: Option<u8>,
    /// The last close code, if any.
    pub last_close_code: Option<u16>,
    /// The last close reason.
    pub last_close_reason: String,
    /// Units the last socket had not sent when it closed.
    pub last_buffered_amount: f64,
    /// Ms since the current connection opened (0 when not open).
    pub uptime: f64,
    /// `navigator.onLine` as the client last read it.
    pub online: bool,
}
