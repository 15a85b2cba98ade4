//! The vocabulary the machine shares with the shell: the connection state,
//! the frames it hands out, the events for the page, the actions to carry
//! out, and how a socket closed.

use crate::core::queue::Item;
use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

/// The connection state, as the `state` property and `state` event give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// The first connection attempt after construction or `connect()`.
    Connecting,
    /// A socket is open.
    Open,
    /// Lost a connection; waiting or trying to get it back.
    Reconnecting,
    /// Not connected and not trying: after `disconnect()`, a stopping close
    /// code, or `reconnect_failed`.
    Closed,
}

impl ConnState {
    /// The JS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Open => "open",
            Self::Reconnecting => "reconnecting",
            Self::Closed => "closed",
        }
    }
}

/// A frame to hand to the socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing<F> {
    /// A control frame encoded by the core (`subscribe`, `unsubscribe`, `ping`).
    Control(String),
    /// A user message, encoded by the shell (without its id), and whether
    /// its id goes on the wire (a protocol v2 link: the shell writes
    /// `{"id":N,` before the rest of the frame; see `docs/PROTOCOL.md`).
    User(Item<F>, bool),
}

/// An event for the page's handlers.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `connected`: the welcome frame arrived (the shell adds its `data`), or
    /// the grace period for servers without one ran out.
    Connected,
    /// `disconnected`: an open connection ended.
    Disconnected {
        /// Close code (1006 for a link declared dead by the heartbeat).
        code: u16,
        /// Close reason.
        reason: String,
        /// Whether the closing handshake completed.
        was_clean: bool,
        /// Bytes handed to the socket that it never sent (`bufferedAmount`).
        unsent_bytes: u64,
        /// Whether the SDK will try to reconnect.
        will_reconnect: bool,
        /// Messages the server has not taken yet (waiting, and on protocol v2
        /// unacknowledged): sent after the next connection, or lost if the page
        /// closes first.
        queued_messages: usize,
    },
    /// `reconnecting`: attempt `attempt` starts after `delay_ms`.
    Reconnecting {
        /// 1 for the first attempt after a loss.
        attempt: u32,
        /// The wait before it.
        delay_ms: f64,
    },
    /// `reconnect_failed`: `maxReconnectAttempts` reached; the SDK stopped.
    ReconnectFailed {
        /// Attempts made.
        attempts: u32,
    },
    /// `state`: the connection state changed.
    State {
        /// Previous state.
        from: ConnState,
        /// New state.
        to: ConnState,
        /// Why (`"connect"`, `"open"`, `"close"`, `"heartbeat timeout"`, ...).
        reason: &'static str,
    },
    /// `pong`: a heartbeat was answered after `rtt_ms`.
    Pong {
        /// Round-trip time of the ping.
        rtt_ms: f64,
    },
    /// `error`: something went wrong; the connection goes on.
    Error(Error),
}

/// What the shell must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Action<F> {
    /// Open a socket for `generation` (resolve the token, build the URL).
    /// Events of any older socket must be ignored from now on.
    Open {
        /// The socket's generation number.
        generation: u32,
    },
    /// Hand a frame to the current socket.
    Send(Outgoing<F>),
    /// Remove the current socket's listeners and close it without waiting for
    /// its `close` event (a dead socket's close can take minutes).
    Drop {
        /// Close code to send if the socket can still send one.
        code: u16,
        /// Close reason.
        reason: &'static str,
    },
    /// Emit an event to the handlers.
    Emit(Event),
    /// Message `id` will not be sent: its callback hears `error` (a request
    /// or stream flushed to a protocol v1 link).
    Unsent {
        /// The message id.
        id: u32,
        /// Why.
        error: Error,
    },
}

/// How a socket closed, as its `close` event reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Close<'a> {
    /// The close code (1006 when the connection failed without one).
    pub code: u16,
    /// The close reason.
    pub reason: &'a str,
    /// Whether the closing handshake completed.
    pub was_clean: bool,
    /// The socket's `bufferedAmount` then: bytes it never sent.
    pub unsent_bytes: u64,
}
