//! Liveness by probe: starting one (a ping awaiting an answer), what ends it
//! (any frame), when it expires; the grace a late wake-up gives; the wall
//! clock and what a jump of it means (the system slept).

use super::{Event, Link, Machine, Socket};
use crate::core::frame::FrameType;
#[allow(unused_imports)]
use crate::prelude::*;

/// How late a tick may run after the deadline it was due for and still be
/// timer slack. Timers fire a few ms late, more on a busy page; a tick later
/// than this means the page did not run (frozen main thread, throttled or
/// suspended tab), so frames may be queued behind it undelivered.
pub const LATE_MS: f64 = 100.0;

/// The extra time a late tick gives an expiring probe or connect timeout,
/// once each: the browser delivers the frames (or the `open`) it queued while
/// the page was not running, the shell credits them, and only then, at the
/// next tick, is the probe judged.
pub const GRACE_MS: f64 = 200.0;

/// A forward jump of the wall clock's offset larger than this, between two
/// calls of [`Machine::set_wall_offset`], means the system probably slept
/// (monotonic clocks may pause in sleep): the open link is probed at once.
pub const SLEEP_JUMP_MS: f64 = 5000.0;

/// The answer window of a probe after a network change (`online`) or the
/// return of a long-hidden page (issue 11): short, so a link that died
/// unseen meanwhile is replaced in seconds, not after `heartbeatTimeout`
/// (60 s by default). A longer probe already outstanding is shortened.
pub const QUICK_PROBE_MS: f64 = 3000.0;

/// How long a page must have been hidden for its return to probe the link
/// quickly: background tabs are throttled and mobile browsers suspend them,
/// so a link may have died unseen.
pub const LONG_HIDDEN_MS: f64 = 30_000.0;

/// How long a socket that fired `error` while connecting may take to fire
/// `close` before it is handled as a close 1006 (some failures, such as a
/// Content-Security-Policy `connect-src` block, fire no `close`).
pub const ERROR_CLOSE_GRACE_MS: f64 = 1000.0;

/// A deadline that a late tick extends once by [`GRACE_MS`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::core) struct Expiry {
    /// When it runs out.
    pub(super) at: f64,
    /// Whether its grace was used.
    graced: bool,
}

impl Expiry {
    pub(super) fn new(at: f64) -> Self {
        Self { at, graced: false }
    }

    /// Whether it ran out by `now`. When the tick is late (`page_late`), the
    /// first time it is extended to `now + GRACE_MS` instead.
    pub(super) fn run_out(&mut self, now: f64, page_late: bool) -> bool {
        if now < self.at {
            return false;
        }
        if page_late && !self.graced {
            self.graced = true;
            self.at = now + GRACE_MS;
            return false;
        }
        true
    }
}

/// A ping awaiting an answer: any frame that arrives from `since` on ends it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::core) struct Probe {
    /// When it started.
    pub(super) since: f64,
    /// When the link is dead if nothing arrived.
    pub(super) expiry: Expiry,
}

impl Probe {
    /// A probe started at `now` that runs out after `window`.
    fn new(now: f64, window: f64) -> Self {
        Self {
            since: now,
            expiry: Expiry::new(now + window),
        }
    }
}

impl<F: Clone> Machine<F> {
    /// Starts a probe at once, if a socket is open, `heartbeatTimeout > 0`
    /// and none is outstanding: a ping (when the socket can send), and the
    /// link is dead if no frame arrives within the probe window
    /// (`heartbeatTimeout`, or half of it with `heartbeatInterval: 0`).
    /// Otherwise does nothing. For the shell to call when the link may have
    /// died unseen: on `online`, and when a long-hidden page becomes visible
    /// again; [`set_wall_offset`](Self::set_wall_offset) calls it after a
    /// sleep.
    pub fn probe(&mut self, now: f64) {
        let Some(window) = self.probe_window() else {
            return;
        };
        let Some(link) = self.link() else {
            return;
        };
        if link.probe.is_none() {
            link.probe = Some(Probe::new(now, window));
            self.send_ping(now);
        }
    }

    /// A probe with an answer window of at most [`QUICK_PROBE_MS`] (see
    /// [`probe`](Self::probe)); an outstanding probe that would run out later
    /// is shortened to it. For the shell to call on `online` and when a page
    /// hidden for [`LONG_HIDDEN_MS`] or more becomes visible.
    pub fn probe_quick(&mut self, now: f64) {
        let Some(window) = self.probe_window() else {
            return;
        };
        let window = window.min(QUICK_PROBE_MS);
        let Some(link) = self.link() else {
            return;
        };
        match &mut link.probe {
            Some(p) if p.expiry.at > now + window => p.expiry = Expiry::new(now + window),
            Some(_) => {}
            None => {
                link.probe = Some(Probe::new(now, window));
                self.send_ping(now);
            }
        }
    }

    /// Sets the wall clock: `now + offset_ms` is the wall-clock time in ms
    /// (`Date.now() - performance.now()` in the browser, `performance.timeOrigin`
    /// drift included). It stamps the control frames the core encodes and
    /// `stats.last_pong_ms`; before the first call the wall clock is `now`.
    /// The shell calls it before every tick and event it can. If the offset
    /// jumped forward by more than [`SLEEP_JUMP_MS`] since the previous call
    /// (the system probably slept while the monotonic clock paused), the
    /// open link is probed at once ([`probe`](Self::probe)). A step back
    /// changes nothing but the wall clock. A non-finite offset is ignored.
    pub fn set_wall_offset(&mut self, now: f64, offset_ms: f64) {
        if !offset_ms.is_finite() {
            return;
        }
        let jumped = self
            .wall_offset
            .is_some_and(|old| offset_ms - old > SLEEP_JUMP_MS);
        self.wall_offset = Some(offset_ms);
        if jumped {
            self.probe(now);
        }
    }

    /// The wall clock at `now`, in ms since the Unix epoch.
    pub(super) fn wall(&self, now: f64) -> f64 {
        now + self.wall_offset.unwrap_or(0.0)
    }

    /// How long a probe may go unanswered; `None` when liveness is not
    /// checked (`heartbeatTimeout: 0`).
    pub(super) fn probe_window(&self) -> Option<f64> {
        let timeout = self.cfg.heartbeat_timeout;
        match () {
            _ if timeout <= 0.0 => None,
            _ if self.cfg.heartbeat_interval > 0.0 => Some(timeout),
            _ => Some(timeout / 2.0),
        }
    }

    /// With pings off, when a quiet `link` gets its probe ping.
    pub(super) fn quiet_probe_at(&self, link: &Link) -> Option<f64> {
        let timeout = self.cfg.heartbeat_timeout;
        (self.cfg.heartbeat_interval <= 0.0 && timeout > 0.0).then(|| link.last_rx + timeout / 2.0)
    }

    /// A frame arrived at `at` on the open link: it ends a probe started at
    /// or before then.
    pub(super) fn heard(&mut self, at: f64) {
        if let Some(link) = self.link() {
            link.last_rx = link.last_rx.max(at);
            if link.probe.is_some_and(|p| p.since <= at) {
                link.probe = None;
            }
        }
    }

    /// The open link's part of a tick. Returns true when the link is dead
    /// (a probe ran out); `page_late` grants an expiring probe its grace.
    pub(super) fn tick_link(&mut self, now: f64, page_late: bool) -> bool {
        let window = self.probe_window();
        let interval = self.cfg.heartbeat_interval;
        let v2_seen = self.v2_seen;
        let quiet_at = match &self.socket {
            Socket::Open(link) if link.probe.is_none() => self.quiet_probe_at(link),
            _ => None,
        };
        let Socket::Open(link) = &mut self.socket else {
            return false;
        };
        if let Some(p) = &mut link.probe {
            if p.expiry.run_out(now, page_late) {
                return true;
            }
        }
        let stable = link.stable_at.is_some_and(|t| now >= t);
        if stable {
            link.stable_at = None;
        }
        let mut welcome_due = false;
        if link.welcome_at.is_some_and(|t| now >= t) {
            link.welcome_at = None;
            // A server that once spoke v2 sends a welcome: wait for it, so
            // that unacknowledged messages are never re-sent without ids.
            if !v2_seen {
                welcome_due = !link.connected_emitted;
                link.connected_emitted = true;
            }
        }
        let mut ping_due = quiet_at.is_some_and(|t| now >= t);
        if link.next_ping_at.is_some_and(|t| now >= t) {
            link.next_ping_at = Some(now + interval);
            ping_due = true;
        }
        if ping_due && link.probe.is_none() {
            link.probe = window.map(|w| Probe::new(now, w));
        }
        if stable {
            self.attempt = 0;
        }
        if welcome_due {
            self.establish(now);
            self.emit(Event::Connected);
        }
        if ping_due {
            self.send_ping(now);
        }
        false
    }

    /// Sends a heartbeat ping, if the open socket can send, timed for the
    /// round trip.
    fn send_ping(&mut self, now: f64) {
        match self.link() {
            Some(link) if link.writable => link.ping_sent_at = Some(now),
            _ => return,
        }
        self.send_control(FrameType::Ping, None, now);
    }
}
