//! The connection state machine: events in (calls from the page, socket
//! events, timer ticks, page lifecycle), actions out (open a socket, send a
//! frame, drop the socket, emit an event), with no I/O of its own.
//!
//! Time is the wall clock in ms, given with each call; the shell keeps one
//! wake-up timer at [`Machine::next_deadline`] and calls [`Machine::tick`]
//! when it fires. Because every deadline is compared with the wall clock on
//! each tick, a timer that fires late (a throttled or sleeping tab) still
//! finds an overdue heartbeat at once.

use super::frame::{encode_control, FrameType};
use super::{Backoff, ClosePolicy, CloseReaction, Error, Options, Queue, Stats, Subs};

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
    /// A user message, encoded by the shell.
    User(F),
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

/// The current socket, and what is known of it.
#[derive(Debug, Clone, PartialEq)]
enum Socket {
    /// None: waiting to reconnect, offline, hidden or closed.
    None,
    /// Asked for (token wait and handshake) at `since`.
    Pending { since: f64 },
    /// Open, with the facts of this connection.
    Open(Link),
}

/// The facts of one open connection; they begin and end with it.
#[derive(Debug, Clone, PartialEq)]
struct Link {
    /// False once the shell found the socket unable to send (closing).
    writable: bool,
    /// When a frame last proved the link alive.
    last_rx: f64,
    /// When the attempt counter resets (`stableAfter` after open).
    stable_at: Option<f64>,
    /// When `connected` fires without a welcome frame.
    welcome_at: Option<f64>,
    /// When the next heartbeat ping is due.
    next_ping_at: Option<f64>,
    /// When the unanswered ping was sent.
    ping_sent_at: Option<f64>,
    /// Whether `connected` fired on this connection.
    connected_emitted: bool,
}

/// Why a connection (or an attempt) was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loss {
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
    fn as_str(self) -> &'static str {
        match self {
            Loss::Closed => "close",
            Loss::HeartbeatTimeout => "heartbeat timeout",
            Loss::ConnectTimeout => "connect timeout",
        }
    }
}

/// The timing and policy part of [`Options`].
#[derive(Debug, Clone)]
struct Config {
    backoff: Backoff,
    policy: ClosePolicy,
    auto_reconnect: bool,
    max_attempts: f64,
    stable_after: f64,
    heartbeat_interval: f64,
    heartbeat_timeout: f64,
    welcome_timeout: f64,
}

/// The state machine. `F` is the type of user frames: `String` natively, a
/// JS string in the browser (so payloads never enter wasm memory).
#[derive(Debug)]
pub struct Machine<F> {
    cfg: Config,
    state: ConnState,
    generation: u32,
    socket: Socket,
    attempt: u32,
    reconnect_at: Option<f64>,
    online: bool,
    hidden: bool,
    subs: Subs,
    queue: Queue<F>,
    stats: Stats,
    out: Vec<Action<F>>,
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

    fn link(&mut self) -> Option<&mut Link> {
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

    // ----- calls from the page -------------------------------------------

    /// `connect()`: starts connecting if `Closed`; returns false (and does
    /// nothing) when already connecting, open or reconnecting.
    pub fn connect(&mut self, now: f64) -> bool {
        if self.state != ConnState::Closed {
            return false;
        }
        self.attempt = 0;
        self.hidden = false;
        self.set_state(ConnState::Connecting, "connect");
        self.start_socket(now);
        true
    }

    /// `disconnect()`: closes with 1000 and stops reconnecting. Afterwards no
    /// socket, timer deadline or event remains. Returns false if already closed.
    pub fn disconnect(&mut self, _now: f64) -> bool {
        if self.state == ConnState::Closed {
            return false;
        }
        let was_open = matches!(self.socket, Socket::Open(_));
        if self.socket != Socket::None {
            self.out.push(Action::Drop {
                code: 1000,
                reason: "client disconnect",
            });
        }
        self.forget_socket();
        self.reconnect_at = None;
        self.generation = self.generation.wrapping_add(1);
        self.stats.last_close_code = Some(1000);
        self.stats.last_close_reason = "client disconnect".into();
        if was_open {
            self.emit(Event::Disconnected {
                code: 1000,
                reason: "client disconnect".into(),
                was_clean: true,
                unsent_bytes: 0,
                will_reconnect: false,
            });
        }
        self.set_state(ConnState::Closed, "disconnect");
        true
    }

    /// `subscribe(channel)`: tracks the channel and sends `subscribe` if open.
    /// Returns false when it was already tracked (nothing is sent twice).
    pub fn subscribe(&mut self, now: f64, channel: &str) -> Result<bool, Error> {
        super::frame::check_channel(channel)?;
        if !self.subs.insert(channel) {
            return Ok(false);
        }
        if self.is_connected() {
            self.send_control(FrameType::Subscribe, Some(channel), now);
        }
        Ok(true)
    }

    /// `unsubscribe(channel)`: stops tracking and sends `unsubscribe` if open.
    /// Returns false when the channel was not tracked.
    pub fn unsubscribe(&mut self, now: f64, channel: &str) -> bool {
        if !self.subs.remove(channel) {
            return false;
        }
        if self.is_connected() {
            self.send_control(FrameType::Unsubscribe, Some(channel), now);
        }
        true
    }

    /// `sendMessage`: sends the encoded frame now if open, else queues it.
    /// A full queue is an error (also emitted on `error`) and nothing changes.
    pub fn send(&mut self, frame: F, bytes: usize) -> Result<(), Error> {
        if self.is_connected() {
            self.count_out(bytes);
            self.out.push(Action::Send(Outgoing::User(frame)));
            return Ok(());
        }
        self.queue
            .push(frame, bytes)
            .inspect_err(|e| self.report(e.clone()))
    }

    /// Counts an error the shell reports itself (a handler that threw).
    pub fn count_error(&mut self) {
        self.stats.errors += 1;
    }

    /// Reports an error on the `error` event.
    pub fn report(&mut self, e: Error) {
        self.stats.errors += 1;
        self.emit(Event::Error(e));
    }

    /// Reports a frame that was skipped (malformed, binary or too large).
    pub fn frame_dropped(&mut self, e: Error) {
        self.stats.dropped_frames += 1;
        self.report(e);
    }

    // ----- socket events --------------------------------------------------

    /// The socket of `generation` opened: send `subscribe` for every tracked
    /// channel, then the queued messages in order, then wait for the welcome.
    pub fn on_open(&mut self, now: f64, generation: u32) {
        if generation != self.generation || !matches!(self.socket, Socket::Pending { .. }) {
            return;
        }
        self.socket = Socket::Open(Link {
            writable: true,
            last_rx: now,
            stable_at: Some(now + self.cfg.stable_after),
            welcome_at: Some(now + self.cfg.welcome_timeout),
            next_ping_at: (self.cfg.heartbeat_interval > 0.0)
                .then_some(now + self.cfg.heartbeat_interval),
            ping_sent_at: None,
            connected_emitted: false,
        });
        self.stats.connections += 1;
        if self.stats.connections > 1 {
            self.stats.reconnects += 1;
        }
        self.stats.opened_at_ms = Some(now);
        let frames: Vec<String> = self
            .subs
            .iter()
            .map(|ch| encode_control(FrameType::Subscribe, Some(ch), now))
            .collect();
        for frame in frames {
            self.push_control(frame);
        }
        while let Some((frame, bytes)) = self.queue.pop() {
            self.count_out(bytes);
            self.out.push(Action::Send(Outgoing::User(frame)));
        }
        self.set_state(ConnState::Open, "open");
    }

    /// A frame of `bytes` arrived on the socket of `generation`; `kind` is its
    /// type, or `None` when it was unusable (the shell reports why). Any frame
    /// proves the link alive. Returns false for a stale socket's frame, which
    /// the shell must then ignore.
    pub fn on_frame(
        &mut self,
        now: f64,
        generation: u32,
        kind: Option<FrameType>,
        bytes: usize,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        let Some(link) = self.link() else {
            return false;
        };
        link.last_rx = now;
        let first_welcome = kind == Some(FrameType::Connected) && !link.connected_emitted;
        if kind == Some(FrameType::Connected) {
            link.welcome_at = None;
            link.connected_emitted = true;
        }
        let ping_sent = match kind {
            Some(FrameType::Pong) => link.ping_sent_at.take(),
            _ => None,
        };
        self.stats.messages_in += 1;
        self.stats.bytes_in += bytes as u64;
        match kind {
            Some(FrameType::Connected) if first_welcome => self.emit(Event::Connected),
            Some(FrameType::Pong) => {
                self.stats.last_pong_ms = Some(now);
                if let Some(sent) = ping_sent {
                    let rtt = (now - sent).max(0.0);
                    self.stats.rtt_ms = Some(rtt);
                    self.emit(Event::Pong { rtt_ms: rtt });
                }
            }
            _ => {}
        }
        true
    }

    /// `frames` channel messages of `bytes` in all arrived since the last
    /// call; the shell counts and dispatches those in JS (no call into wasm
    /// per message) and credits them here on every wake-up and stats read. A
    /// credit proves the open link alive as of `now`: liveness is then known to
    /// within one wake-up period, which the heartbeat's bound (timeout plus one
    /// interval) already allows.
    pub fn credit(&mut self, now: f64, frames: u64, bytes: u64) {
        self.stats.messages_in += frames;
        self.stats.bytes_in += bytes;
        if let Some(link) = self.link().filter(|_| frames > 0) {
            link.last_rx = link.last_rx.max(now);
        }
    }

    /// A user frame was handed to the open socket directly by the shell
    /// (the fast path of `sendMessage`); counts it.
    pub fn sent_direct(&mut self, bytes: usize) {
        self.count_out(bytes);
    }

    /// The socket of `generation` closed as `close` says. `random` is in
    /// `[0, 1)` for jitter.
    pub fn on_close(&mut self, now: f64, generation: u32, close: &Close<'_>, random: f64) {
        if generation != self.generation || self.socket == Socket::None {
            return;
        }
        self.lost(now, close, Loss::Closed, random);
    }

    /// The shell found the socket no longer open while handing it `frame`
    /// (its `close` event has not arrived yet): the frame goes back to the
    /// queue and later frames queue behind it, so order is kept.
    pub fn not_writable(&mut self, frame: Outgoing<F>, bytes: usize) {
        if let Some(link) = self.link() {
            link.writable = false;
        }
        self.stats.messages_out = self.stats.messages_out.saturating_sub(1);
        self.stats.bytes_out = self.stats.bytes_out.saturating_sub(bytes as u64);
        // Control frames are rebuilt from the subscription set on reconnect.
        if let Outgoing::User(f) = frame {
            if let Err(e) = self.queue.push(f, bytes) {
                self.report(e);
            }
        }
    }

    // ----- time and page lifecycle ----------------------------------------

    /// The wake-up timer fired (or any time): acts on every deadline that has
    /// passed by the wall clock `now`. `unsent_bytes` is the current socket's
    /// `bufferedAmount`, reported if the link is declared dead.
    pub fn tick(&mut self, now: f64, random: f64, unsent_bytes: u64) {
        let hb = self.cfg.heartbeat_timeout;
        let (loss, unsent) = match &mut self.socket {
            Socket::Open(link) if hb > 0.0 && now - link.last_rx >= hb => {
                (Loss::HeartbeatTimeout, unsent_bytes)
            }
            Socket::Open(link) => {
                if link.stable_at.is_some_and(|t| now >= t) {
                    link.stable_at = None;
                    self.attempt = 0;
                }
                let mut welcome_due = false;
                if link.welcome_at.is_some_and(|t| now >= t) {
                    link.welcome_at = None;
                    welcome_due = !link.connected_emitted;
                    link.connected_emitted = true;
                }
                let mut ping_due = false;
                if link.next_ping_at.is_some_and(|t| now >= t) {
                    link.next_ping_at = Some(now + self.cfg.heartbeat_interval);
                    if link.writable {
                        link.ping_sent_at = Some(now);
                        ping_due = true;
                    }
                }
                if welcome_due {
                    self.emit(Event::Connected);
                }
                if ping_due {
                    self.send_control(FrameType::Ping, None, now);
                }
                return;
            }
            Socket::Pending { since } if hb > 0.0 && now - *since >= hb => {
                (Loss::ConnectTimeout, 0)
            }
            Socket::Pending { .. } => return,
            Socket::None => {
                if self.reconnect_at.is_some_and(|t| now >= t) {
                    self.reconnect_at = None;
                    self.start_socket(now);
                }
                return;
            }
        };
        self.out.push(Action::Drop {
            code: 4000,
            reason: loss.as_str(),
        });
        let close = Close {
            code: 1006,
            reason: loss.as_str(),
            was_clean: false,
            unsent_bytes: unsent,
        };
        self.lost(now, &close, loss, random);
    }

    /// The browser went offline (`false`) or online (`true`). Offline, no
    /// attempt is made; back online, the next attempt starts at once.
    pub fn set_online(&mut self, now: f64, online: bool) {
        if self.online == online {
            return;
        }
        self.online = online;
        if self.state != ConnState::Reconnecting || self.socket != Socket::None || self.hidden {
            return;
        }
        if !online {
            if self.reconnect_at.take().is_some() {
                // The announced attempt will be made when back online.
                self.attempt = self.attempt.saturating_sub(1);
            }
            self.set_state(ConnState::Reconnecting, "offline");
        } else {
            self.retry_now(now, "online");
        }
    }

    /// `pagehide`: close the socket (an open socket keeps a page out of the
    /// back/forward cache) until [`page_show`](Self::page_show).
    pub fn page_hide(&mut self, _now: f64) {
        if self.state == ConnState::Closed || self.hidden {
            return;
        }
        self.hidden = true;
        let was_open = matches!(self.socket, Socket::Open(_));
        if self.socket != Socket::None {
            // Browsers only let pages send 1000 or 3000-4999.
            self.out.push(Action::Drop {
                code: 1000,
                reason: "pagehide",
            });
        }
        self.forget_socket();
        self.reconnect_at = None;
        self.generation = self.generation.wrapping_add(1);
        if was_open {
            self.emit(Event::Disconnected {
                code: 1001,
                reason: "pagehide".into(),
                was_clean: true,
                unsent_bytes: 0,
                will_reconnect: true,
            });
        }
        self.set_state(ConnState::Reconnecting, "pagehide");
    }

    /// `pageshow`: reconnect at once after a [`page_hide`](Self::page_hide).
    pub fn page_show(&mut self, now: f64) {
        if !self.hidden {
            return;
        }
        self.hidden = false;
        if self.state == ConnState::Reconnecting && self.socket == Socket::None {
            self.attempt = 0;
            if self.online {
                self.start_socket(now);
            }
        }
    }

    /// Opening the socket failed before it existed (the token function threw,
    /// the browser refused the URL): reported, then handled as a close 1006.
    pub fn open_failed(&mut self, now: f64, generation: u32, e: Error, random: f64) {
        if generation != self.generation || self.socket == Socket::None {
            return;
        }
        self.report(e);
        let close = Close {
            code: 1006,
            reason: "open failed",
            was_clean: false,
            unsent_bytes: 0,
        };
        self.on_close(now, generation, &close, random);
    }

    // ----- internals -------------------------------------------------------

    /// Whether the SDK should try again after `loss` with close `code`: the
    /// one place the reconnect-or-stop decision is made. A dead link or a
    /// handshake that never completed says nothing about the server, so it
    /// reconnects (at once for a dead link) unless `autoReconnect` is off.
    fn reaction(&self, loss: Loss, code: u16) -> CloseReaction {
        match loss {
            _ if !self.cfg.auto_reconnect => CloseReaction::Stop,
            Loss::Closed => self.cfg.policy.decide(code).reaction,
            Loss::HeartbeatTimeout | Loss::ConnectTimeout => CloseReaction::Reconnect,
        }
    }

    /// True when `maxReconnectAttempts` are used up.
    fn attempts_exhausted(&self) -> bool {
        f64::from(self.attempt) >= self.cfg.max_attempts
    }

    fn lost(&mut self, now: f64, close: &Close<'_>, loss: Loss, random: f64) {
        let was_open = matches!(self.socket, Socket::Open(_));
        self.forget_socket();
        let Close {
            code,
            reason,
            was_clean,
            unsent_bytes,
        } = *close;
        self.stats.last_close_code = Some(code);
        self.stats.last_close_reason = reason.to_string();
        self.stats.last_unsent_bytes = unsent_bytes;
        let reaction = self.reaction(loss, code);
        let will_reconnect = reaction != CloseReaction::Stop && !self.attempts_exhausted();
        if was_open {
            self.emit(Event::Disconnected {
                code,
                reason: reason.to_string(),
                was_clean,
                unsent_bytes,
                will_reconnect,
            });
        }
        if reaction == CloseReaction::Stop {
            self.set_state(ConnState::Closed, loss.as_str());
            return;
        }
        if !will_reconnect {
            return self.give_up();
        }
        if !self.online || self.hidden {
            self.set_state(ConnState::Reconnecting, "offline");
            return;
        }
        self.attempt += 1;
        let delay = match reaction {
            _ if loss == Loss::HeartbeatTimeout => 0.0,
            CloseReaction::ReconnectSlow => self.cfg.backoff.longest(random),
            _ => self.cfg.backoff.delay(self.attempt, random),
        };
        self.set_state(ConnState::Reconnecting, loss.as_str());
        self.emit(Event::Reconnecting {
            attempt: self.attempt,
            delay_ms: delay,
        });
        if delay <= 0.0 {
            self.start_socket(now);
        } else {
            self.reconnect_at = Some(now + delay);
        }
    }

    fn give_up(&mut self) {
        self.emit(Event::ReconnectFailed {
            attempts: self.attempt,
        });
        self.set_state(ConnState::Closed, "reconnect_failed");
    }

    fn retry_now(&mut self, now: f64, why: &'static str) {
        if self.attempts_exhausted() {
            return self.give_up();
        }
        self.attempt += 1;
        self.set_state(ConnState::Reconnecting, why);
        self.emit(Event::Reconnecting {
            attempt: self.attempt,
            delay_ms: 0.0,
        });
        self.reconnect_at = None;
        self.start_socket(now);
    }

    fn start_socket(&mut self, now: f64) {
        self.generation = self.generation.wrapping_add(1);
        self.socket = Socket::Pending { since: now };
        self.out.push(Action::Open {
            generation: self.generation,
        });
    }

    fn forget_socket(&mut self) {
        self.socket = Socket::None;
        self.stats.opened_at_ms = None;
    }

    fn send_control(&mut self, kind: FrameType, channel: Option<&str>, now: f64) {
        let frame = encode_control(kind, channel, now);
        self.push_control(frame);
    }

    fn push_control(&mut self, frame: String) {
        self.count_out(frame.len());
        self.out.push(Action::Send(Outgoing::Control(frame)));
    }

    fn count_out(&mut self, bytes: usize) {
        self.stats.messages_out += 1;
        self.stats.bytes_out += bytes as u64;
    }

    fn emit(&mut self, e: Event) {
        self.out.push(Action::Emit(e));
    }

    fn set_state(&mut self, to: ConnState, reason: &'static str) {
        let from = self.state;
        if from != to {
            self.state = to;
            self.emit(Event::State { from, to, reason });
        }
    }
}
