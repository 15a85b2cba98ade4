//! The connection state machine: events in (calls from the page, socket
//! events, timer ticks, page lifecycle), actions out (open a socket, send a
//! frame, drop the socket, emit an event), with no I/O of its own.
//!
//! Time (`now`) is a monotonic clock in ms (the shell passes
//! `performance.now()`-based time), given with each call; the wall clock is
//! `now` plus the offset given to [`Machine::set_wall_offset`], and is only
//! used for the `timestamp` of the control frames the core encodes and for
//! `stats.last_pong_ms`. The shell keeps one wake-up timer at
//! [`Machine::next_deadline`] and calls [`Machine::tick`] when it fires;
//! every deadline is compared with `now` on each tick, so a timer that fires
//! late still finds what is overdue.
//!
//! Liveness is by probe, never by silence. A probe is a ping awaiting an
//! answer: any frame from the server ends it; one unanswered for the probe
//! window is a dead link. With `heartbeatInterval > 0` each ping starts one
//! (unless one is outstanding) and the window is `heartbeatTimeout`; with
//! `heartbeatInterval == 0` a link quiet for `heartbeatTimeout / 2` gets one
//! probe ping, and the window is `heartbeatTimeout / 2`; with
//! `heartbeatTimeout == 0` there is no check. So a dead link is found within
//! `heartbeatInterval + heartbeatTimeout` after its last frame (pings on) or
//! `heartbeatTimeout` (pings off), plus timer slack, and a healthy server
//! that answers within the window is never dropped, however quiet. A tick
//! that runs more than [`LATE_MS`] after the deadline it was due for (a
//! frozen or throttled page) gives an expiring probe or connect timeout one
//! grace of [`GRACE_MS`] first, so the frames the browser queued meanwhile
//! are delivered: the bounds then grow by the tick's lateness plus the grace.
//! An attempt (token wait and handshake) is dropped after `connectTimeout`.
//!
//! The files: `types.rs` (the vocabulary shared with the shell: states,
//! events, actions), `parts.rs` (the parts of its state: socket, attempt,
//! link, loss, config), this file (the machine, its queries and the small
//! internal steps), `calls.rs` (calls from the page), `link.rs`
//! (socket events), `liveness.rs` (probes, late wake-ups, the wall clock),
//! `time.rs` (the tick and page lifecycle) and `loss.rs` (what happens when
//! a connection is lost: the one reconnect-or-stop decision).

#[allow(unused_imports)]
use crate::prelude::*;
mod calls;
mod link;
mod liveness;
mod loss;
mod parts;
mod time;
mod types;

pub use liveness::{
    ERROR_CLOSE_GRACE_MS, GRACE_MS, LATE_MS, LONG_HIDDEN_MS, QUICK_PROBE_MS, SLEEP_JUMP_MS,
};
pub use types::{Action, Close, ConnState, Event, Outgoing};

use liveness::Expiry;
use parts::{Attempt, Config, Link, Loss, Socket};

use super::frame::{encode_control, FrameType};
use super::{Error, Options, Queue, Stats, Subs};

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
    /// While waiting offline: when the shell is woken to re-check
    /// `navigator.onLine` (a false `offline` must not wait forever).
    pub(super) recheck_at: Option<f64>,
    pub(super) hidden: bool,
    /// Wall clock minus `now`, once [`set_wall_offset`](Self::set_wall_offset)
    /// was called (else `now` is taken for the wall clock).
    pub(super) wall_offset: Option<f64>,
    pub(super) subs: Subs,
    pub(super) queue: Queue<F>,
    /// The id of the last user message (ids start at 1).
    pub(super) last_id: u32,
    /// While the shell encodes a message for the direct path (its data's
    /// `toJSON` may send others): those queue behind it instead.
    pub(super) held: bool,
    /// Whether a server ever welcomed this client with protocol v2: then
    /// the welcome grace never flushes user messages as v1 (a slow v2
    /// welcome must not turn re-sends into duplicates).
    pub(super) v2_seen: bool,
    pub(super) stats: Stats,
    pub(super) out: Vec<Action<F>>,
}

impl<F: Clone> Machine<F> {
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
                connect_timeout: opts.connect_timeout,
            },
            state: ConnState::Closed,
            generation: 0,
            socket: Socket::None,
            attempt: 0,
            reconnect_at: None,
            online: true,
            recheck_at: None,
            hidden: false,
            wall_offset: None,
            subs: Subs::new(),
            queue: Queue::new(
                opts.max_queued_messages as usize,
                opts.max_queued_bytes as usize,
            ),
            last_id: 0,
            held: false,
            v2_seen: false,
            stats: Stats::default(),
            out: Vec::new(),
        }
    }

    /// Takes the actions produced so far, to be carried out in order.
    pub fn take_actions(&mut self) -> Vec<Action<F>> {
        core::mem::take(&mut self.out)
    }

    /// The connection state.
    pub fn state(&self) -> ConnState {
        self.state
    }

    /// The current socket generation.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// True while the attempt of `generation` waits for its socket to be
    /// created (the shell is fetching its token): the only time the shell
    /// may create one for it. False once the attempt was given up (connect
    /// timeout, `disconnect()`, `pagehide`) or its socket exists.
    pub fn awaits_socket(&self, generation: u32) -> bool {
        generation == self.generation && matches!(&self.socket, Socket::Pending(a) if !a.created)
    }

    /// True when a socket is open and frames go straight to it.
    pub fn is_connected(&self) -> bool {
        matches!(&self.socket, Socket::Open(link) if link.writable)
    }

    /// True when a user message goes straight to the socket: it is open,
    /// the server's welcome arrived (or its grace ran out), and nothing
    /// waits in the queue before it.
    pub fn can_send(&self) -> bool {
        matches!(&self.socket, Socket::Open(l) if l.writable && l.connected_emitted)
            && self.queue.waiting() == 0
            && !self.held
    }

    /// True once the open link's welcome arrived (or its grace ran out).
    pub fn welcomed(&self) -> bool {
        matches!(&self.socket, Socket::Open(l) if l.connected_emitted)
    }

    /// The ids of the queued messages that were handed to a socket before
    /// (they may have reached the server), oldest first.
    pub fn sent_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.queue.sent_ids()
    }

    /// True when the open link speaks protocol v2 (its welcome said so):
    /// user messages carry ids and are acknowledged.
    pub fn link_v2(&self) -> bool {
        matches!(&self.socket, Socket::Open(l) if l.v2)
    }

    /// Messages handed to the socket and awaiting acknowledgement.
    pub fn in_flight(&self) -> usize {
        self.queue.in_flight()
    }

    /// The ids of every message not yet taken by the server (waiting or in
    /// flight), oldest first.
    pub fn pending_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.queue.ids()
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

    /// Messages waiting to be sent (not in flight): on an open v2 link,
    /// those waiting for room in flight, which acknowledgements make.
    pub fn waiting_messages(&self) -> usize {
        self.queue.waiting()
    }

    /// Messages in the queue (waiting, and in flight on a v2 link).
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

    /// The earliest time at which [`tick`](Self::tick) has something to do:
    /// every deadline reported is acted on by a tick at or after it (the
    /// next one is then later). `None` only when there is nothing to wait
    /// for: closed, hidden, or an open link with no liveness check and
    /// nothing else pending.
    pub fn next_deadline(&self) -> Option<f64> {
        let mut d: Option<f64> = None;
        let mut consider = |t: Option<f64>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |d| d.min(t)));
            }
        };
        match &self.socket {
            Socket::Open(link) => {
                consider(link.stable_at);
                consider(link.welcome_at);
                consider(link.next_ping_at);
                consider(match &link.probe {
                    Some(p) => Some(p.expiry.at),
                    None => self.quiet_probe_at(link),
                });
            }
            Socket::Pending(a) => {
                consider(Some(a.timeout.at));
                consider(a.error.map(|e| e.at));
            }
            Socket::None => {}
        }
        consider(self.reconnect_at);
        if self.waiting_offline() {
            consider(self.recheck_at);
        }
        d
    }

    /// True while waiting to reconnect until the browser is back online.
    pub(super) fn waiting_offline(&self) -> bool {
        self.state == ConnState::Reconnecting
            && self.socket == Socket::None
            && !self.online
            && !self.hidden
    }

    // ----- internal steps, shared by the files of this module ----------------

    pub(super) fn start_socket(&mut self, now: f64) {
        self.generation = self.generation.wrapping_add(1);
        self.recheck_at = None;
        self.socket = Socket::Pending(Attempt {
            timeout: Expiry::new(now + self.cfg.connect_timeout),
            created: false,
            error: None,
        });
        self.out.push(Action::Open {
            generation: self.generation,
        });
    }

    pub(super) fn forget_socket(&mut self) {
        self.socket = Socket::None;
        self.stats.opened_at_ms = None;
    }

    /// Encodes a control frame stamped with the wall clock and sends it.
    pub(super) fn send_control(&mut self, kind: FrameType, channel: Option<&str>, now: f64) {
        let frame = encode_control(kind, channel, self.wall(now));
        self.push_control(frame);
    }

    pub(super) fn push_control(&mut self, frame: String) {
        self.count_out(frame.len());
        self.out.push(Action::Send(Outgoing::Control(frame)));
    }

    /// The link is established (welcome, or its grace ran out): `subscribe`
    /// for every tracked channel, in order, then the queue.
    pub(super) fn establish(&mut self, now: f64) {
        if !self.is_connected() {
            return;
        }
        let wall = self.wall(now);
        let frames: Vec<String> = self
            .subs
            .iter()
            .map(|ch| encode_control(FrameType::Subscribe, Some(ch), wall))
            .collect();
        for frame in frames {
            self.push_control(frame);
        }
        self.flush();
    }

    /// Every queued message goes out in order, each kept in flight on a v2
    /// link. A socket found unable to send keeps them for the next link.
    pub(super) fn flush(&mut self) {
        if !self.is_connected() {
            return;
        }
        let v2 = self.link_v2();
        while let Some(item) = self.queue.send_next(v2) {
            if item.v2_only && !v2 {
                let (id, error) = (item.id, Error::Unsupported);
                self.out.push(Action::Unsent { id, error });
                continue;
            }
            self.count_out(item.bytes);
            if item.sent_before {
                self.stats.resent += 1;
            }
            self.out.push(Action::Send(Outgoing::User(item, v2)));
        }
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
