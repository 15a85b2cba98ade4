//! The connection state machine: events in (calls from the page, socket
//! events, timer ticks, page lifecycle), actions out (open a socket, send a
//! frame, drop the socket, emit an event), with no I/O of its own.
//!
//! Time is the wall clock in ms, given with each call; the shell keeps one
//! wake-up timer at [`Machine::next_deadline`] and calls [`Machine::tick`]
//! when it fires. Because every deadline is compared with the wall clock on
//! each tick, a timer that fires late (a throttled or sleeping tab) still
//! finds an overdue heartbeat at once.
//!
//! The files: `types.rs` (the vocabulary shared with the shell: states,
//! events, actions), this file (the machine's state, its queries and the
//! small internal steps), `calls.rs` (calls from the page), `link.rs`
//! (socket events), `time.rs` (deadlines and page lifecycle) and `loss.rs`
//! (what happens when a connection is lost: the one reconnect-or-stop
//! decision).

mod calls;
mod link;
mod loss;
mod time;
mod types;

pub use types::{Action, Close, ConnState, Event, Outgoing};

use super::frame::{encode_control, FrameType};
use super::{Backoff, ClosePolicy, Options, Queue, Stats, Subs};

/// The current socket, and what is known of it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Socket {
    /// None: waiting to reconnect, offline, hidden or closed.
    None,
    /// Asked for (token wait and handshake) at `since`.
    Pending { since: f64 },
    /// Open, with the facts of this connection.
    Open(Link),
}

/// The facts of one open connection; they begin and end with it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Link {
    /// False once the shell found the socket unable to send (closing).
    pub(super) writable: bool,
    /// When a frame last proved the link alive.
    pub(super) last_rx: f64,
    /// When the attempt counter resets (`stableAfter` after open).
    pub(super) stable_at: Option<f64>,
    /// When `connected` fires without a welcome frame.
    pub(super) welcome_at: Option<f64>,
    /// When the next heartbeat ping is due.
    pub(super) next_ping_at: Option<f64>,
    /// When the unanswered ping was sent.
    pub(super) ping_sent_at: Option<f64>,
    /// Whether `connected` fired on this connection.
    pub(super) connected_emitted: bool,
}

/// Why a connection (or an attempt) was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loss {
    /// The socket's `close` event, or an attempt that failed before a socket
    /// existed (reported as a close 1006).
    Closed,
    /// No frame within `heartbeatTimeout` on an open link.
    HeartbeatTimeout,
    /// No `open` within `heartbeatTimeout` of asking for the socket.
    ConnectTimeout,
}

impl Loss {
    /// The `state` event's reason.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Loss::Closed => "close",
            Loss::HeartbeatTimeout => "heartbeat timeout",
            Loss::ConnectTimeout => "connect timeout",
        }
    }
}

/// The timing and policy part of [`Options`].
#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) backoff: Backoff,
    pub(super) policy: ClosePolicy,
    pub(super) auto_reconnect: bool,
    pub(super) max_attempts: f64,
    pub(super) stable_after: f64,
    pub(super) heartbeat_interval: f64,
    pub(super) heartbeat_timeout: f64,
    pub(super) welcome_timeout: f64,
}

/// The state machine. `F` is the type of user frames: `String` natively, a
/// JS string in the browser (so payloads never enter wasm memory).
#[derive(Debug)]
pub struct Machine<F> {
    pub(super) cfg: Config,
    pub(super) state: ConnState,
    pub(super) generation: u32,
    pub(super) socket: Socket,
    pub(super) attempt: u32,
    pub(super) reconnect_at: Option<f64>,
    pub(super) online: bool,
    pub(super) hidden: bool,
    pub(super) subs: Subs,
    pub(super) queue: Queue<F>,
    pub(super) stats: Stats,
    pub(super) out: Vec<Action<F>>,
}

impl<F> Machine<F> {
    /// A machine in state `Closed` configured by `opts`.
    pub fn new(opts: &Options) -> Self {
        Self {
            cfg: Config {
                backoff: opts.backoff_policy(),
                policy: opts.close_policy(),
                auto_reconnect: opts.auto_reconnect,
                max_attempts: opts.max_reconnect_attempts,
                stable_after: opts.stable_after,
                heartbeat_interval: opts.heartbeat_interval,
                heartbeat_timeout: opts.heartbeat_timeout,
                welcome_timeout: opts.welcome_timeout,
            },
            state: ConnState::Closed,
            generation: 0,
            socket: Socket::None,
            attempt: 0,
            reconnect_at: None,
            online: true,
            hidden: false,
            subs: Subs::new(),
            queue: Queue::new(
                opts.max_queued_messages as usize,
                opts.max_queued_bytes as usize,
            ),
            stats: Stats::default(),
            out: Vec::new(),
        }
    }

    /// Takes the actions produced so far, to be carried out in order.
    pub fn take_actions(&mut self) -> Vec<Action<F>> {
        std::mem::take(&mut self.out)
    }

    /// The connection state.
    pub fn state(&self) -> ConnState {
        self.state
    }

    /// The current socket generation.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// True when a socket is open and frames go straight to it.
    pub fn is_connected(&self) -> bool {
        matches!(&self.socket, Socket::Open(link) if link.writable)
    }

    pub(super) fn link(&mut self) -> Option<&mut Link> {
        match &mut self.socket {
            Socket::Open(link) => Some(link),
            _ => None,
        }
    }

    /// Reconnect attempts in the current outage (reset after `stableAfter`).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Tracked channels, in subscription order.
    pub fn subscriptions(&self) -> &Subs {
        &self.subs
    }

    /// True when `channel` is tracked.
    pub fn is_subscribed(&self, channel: &str) -> bool {
        self.subs.contains(channel)
    }

    /// Messages waiting in the queue.
    pub fn queued_messages(&self) -> usize {
        self.queue.len()
    }

    /// Bytes waiting in the queue.
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// True while the browser reports being offline.
    pub fn is_online(&self) -> bool {
        self.online
    }

    /// The earliest time at which [`tick`](Self::tick) has something to do.
    pub fn next_deadline(&self) -> Option<f64> {
        let mut d: Option<f64> = None;
        let mut consider = |t: Option<f64>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |d| d.min(t)));
            }
        };
        match &self.socket {
            Socket::Open(link) => {
                if self.cfg.heartbeat_timeout > 0.0 {
                    consider(Some(link.last_rx + self.cfg.heartbeat_timeout));
                }
                consider(link.stable_at);
                consider(link.welcome_at);
                consider(link.next_ping_at);
            }
            Socket::Pending { since } if self.cfg.heartbeat_timeout > 0.0 => {
                consider(Some(since + self.cfg.heartbeat_timeout));
            }
            _ => {}
        }
        consider(self.reconnect_at);
        d
    }

    // ----- internal steps, shared by the files of this module ----------------

    pub(super) fn start_socket(&mut self, now: f64) {
        self.generation = self.generation.wrapping_add(1);
        self.socket = Socket::Pending { since: now };
        self.out.push(Action::Open {
            generation: self.generation,
        });
    }

    pub(super) fn forget_socket(&mut self) {
        self.socket = Socket::None;
        self.stats.opened_at_ms = None;
    }

    pub(super) fn send_control(&mut self, kind: FrameType, channel: Option<&str>, now: f64) {
        let frame = encode_control(kind, channel, now);
        self.push_control(frame);
    }

    pub(super) fn push_control(&mut self, frame: String) {
        self.count_out(frame.len());
        self.out.push(Action::Send(Outgoing::Control(frame)));
    }

    pub(super) fn count_out(&mut self, bytes: usize) {
        self.stats.messages_out += 1;
        self.stats.bytes_out += bytes as u64;
    }

    pub(super) fn emit(&mut self, e: Event) {
        self.out.push(Action::Emit(e));
    }

    pub(super) fn set_state(&mut self, to: ConnState, reason: &'static str) {
        let from = self.state;
        if from != to {
            self.state = to;
            self.emit(Event::State { from, to, reason });
        }
    }
}
