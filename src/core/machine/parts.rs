//! The parts of the machine's state: the socket and what is known of it (an
//! attempt, an open link), why a connection was lost, and the timing and
//! policy options it runs by.

use super::liveness::{Expiry, Probe};
use crate::core::{Backoff, ClosePolicy};
#[allow(unused_imports)]
use crate::prelude::*;

/// The current socket, and what is known of it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::core) enum Socket {
    /// None: waiting to reconnect, offline, hidden or closed.
    None,
    /// Asked for (token wait and handshake).
    Pending(Attempt),
    /// Open, with the facts of this connection.
    Open(Link),
}

/// The facts of one attempt, from asking for a socket until it opens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::core) struct Attempt {
    /// `connectTimeout` after the attempt started.
    pub(in crate::core) timeout: Expiry,
    /// Whether the shell created the WebSocket (the token had arrived).
    pub(in crate::core) created: bool,
    /// After an `error` event, when to stop waiting for its `close`.
    pub(in crate::core) error: Option<Expiry>,
}

/// The facts of one open connection; they begin and end with it.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::core) struct Link {
    /// False once the shell found the socket unable to send (closing).
    pub(in crate::core) writable: bool,
    /// When the last frame arrived (or the socket opened).
    pub(in crate::core) last_rx: f64,
    /// When the attempt counter resets (`stableAfter` after open).
    pub(in crate::core) stable_at: Option<f64>,
    /// When `connected` fires without a welcome frame.
    pub(in crate::core) welcome_at: Option<f64>,
    /// When the next heartbeat ping is due.
    pub(in crate::core) next_ping_at: Option<f64>,
    /// When the last unanswered ping was sent (for the round-trip time).
    pub(in crate::core) ping_sent_at: Option<f64>,
    /// The outstanding probe, if any.
    pub(in crate::core) probe: Option<Probe>,
    /// Whether `connected` fired on this connection (the welcome arrived or
    /// its grace ran out): only then are user messages sent.
    pub(in crate::core) connected_emitted: bool,
    /// Whether the welcome said protocol v2 (acknowledgements, ids).
    pub(in crate::core) v2: bool,
}

/// Why a connection (or an attempt) was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::core) enum Loss {
    /// The socket's `close` event, or an attempt that failed before a socket
    /// existed (reported as a close 1006).
    Closed,
    /// A probe went unanswered for the probe window on an open link.
    HeartbeatTimeout,
    /// No `open` within `connectTimeout` of asking for the socket.
    ConnectTimeout,
}

impl Loss {
    /// The `state` event's reason.
    pub(in crate::core) fn as_str(self) -> &'static str {
        match self {
            Loss::Closed => "close",
            Loss::HeartbeatTimeout => "heartbeat timeout",
            Loss::ConnectTimeout => "connect timeout",
        }
    }
}

/// The timing and policy part of [`Options`](crate::core::Options).
#[derive(Debug, Clone)]
pub(in crate::core) struct Config {
    pub(in crate::core) backoff: Backoff,
    pub(in crate::core) policy: ClosePolicy,
    pub(in crate::core) auto_reconnect: bool,
    pub(in crate::core) max_attempts: f64,
    pub(in crate::core) stable_after: f64,
    pub(in crate::core) heartbeat_interval: f64,
    pub(in crate::core) heartbeat_timeout: f64,
    pub(in crate::core) welcome_timeout: f64,
    pub(in crate::core) connect_timeout: f64,
}
