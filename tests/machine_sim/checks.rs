//! What must hold: after a lost socket (`disconnected`, give up, wait, or
//! an attempt after the backoff delay), after each kind of step, and after
//! every step whatever it was.

use zantara_websocket::core::machine::{ERROR_CLOSE_GRACE_MS, GRACE_MS};
use zantara_websocket::core::{Action, CloseReaction, ConnState, Event};

use super::{Before, Loss, Op, Sim};
use crate::core_support::machine::{events, opens, reconnecting};

impl Sim {
    /// Checks the `disconnected` event: present iff the socket was open.
    pub(super) fn expect_disconnected(
        &self,
        acts: &[Action<String>],
        was_open: bool,
        code: u16,
        will: bool,
    ) {
        let ds: Vec<_> = events(acts)
            .into_iter()
            .filter_map(|e| match e {
                Event::Disconnected {
                    code,
                    will_reconnect,
                    ..
                } => Some((*code, *will_reconnect)),
                _ => None,
            })
            .collect();
        let want = if was_open { vec![(code, will)] } else { vec![] };
        assert_eq!(ds, want, "disconnected events");
    }

    /// Checks what a lost socket leads to: stop, give up, wait offline, or
    /// an attempt after the backoff delay.
    pub(super) fn expect_loss(&self, acts: &[Action<String>], b: &Before, loss: &Loss) {
        let will = loss.reaction != CloseReaction::Stop
            && f64::from(b.attempt) < self.o.max_reconnect_attempts;
        self.expect_disconnected(acts, loss.was_open, loss.code, will);
        let failed = events(acts)
            .into_iter()
            .any(|e| matches!(e, Event::ReconnectFailed { .. }));
        let rec = reconnecting(acts);
        if !will {
            assert_eq!(self.m.state(), ConnState::Closed, "a stopping loss");
            assert_eq!(failed, loss.reaction != CloseReaction::Stop);
            assert_eq!(opens(acts), 0);
            assert_eq!(rec, None);
            return;
        }
        assert!(!failed);
        assert_eq!(self.m.state(), ConnState::Reconnecting);
        if !self.online {
            assert_eq!((rec, opens(acts)), (None, 0), "an attempt while offline");
            assert_eq!(
                self.m.next_deadline(),
                Some(self.now + self.cap()),
                "offline, only the re-check of navigator.onLine"
            );
            return;
        }
        let attempt = b.attempt + 1;
        let policy = self.o.backoff_policy();
        let want = if loss.zero_delay {
            0.0
        } else if loss.reaction == CloseReaction::ReconnectSlow {
            policy.longest(loss.random)
        } else {
            policy.delay(attempt, loss.random)
        };
        let (a, delay) = rec.expect("a reconnecting event");
        assert_eq!(a, attempt);
        assert!(delay == want, "delay {delay}, expected {want}");
        assert_eq!(self.m.attempt(), attempt);
        if self.now + delay <= self.now {
            assert_eq!(opens(acts), 1, "a zero delay starts at once");
        } else {
            assert_eq!(opens(acts), 0);
            assert_eq!(self.m.next_deadline(), Some(self.now + delay));
        }
    }

    /// Checks that hold after every call, whatever it was.
    pub(super) fn check_step(&self, op: Op, b: &Before, acts: &[Action<String>]) {
        if b.state == ConnState::Closed && !matches!(op, Op::Connect | Op::Send | Op::FrameDropped)
        {
            assert!(acts.is_empty(), "{op:?} while closed acted: {acts:?}");
        }
        assert!(opens(acts) <= 1);
        // Frames go out only while writable, or when a socket opens.
        if !b.writable && !self.just_opened {
            let sends: Vec<_> = acts
                .iter()
                .filter(|a| matches!(a, Action::Send(_)))
                .collect();
            assert!(
                sends.is_empty(),
                "{op:?} sent while not writable: {sends:?}"
            );
        }
        if opens(acts) == 1 {
            let st = self.m.state();
            assert!(
                st == ConnState::Connecting || st == ConnState::Reconnecting,
                "Open in {st:?}"
            );
        }
        for e in events(acts) {
            match e {
                Event::Disconnected { will_reconnect, .. } => {
                    assert_eq!(
                        *will_reconnect,
                        self.m.state() != ConnState::Closed,
                        "will_reconnect lied"
                    );
                }
                Event::ReconnectFailed { .. } => assert_eq!(self.m.state(), ConnState::Closed),
                Event::Reconnecting { attempt, .. } => {
                    assert_eq!(*attempt, self.m.attempt());
                    assert!(
                        self.o.auto_reconnect || op == Op::Online,
                        "{op:?} reconnects with autoReconnect off"
                    );
                }
                _ => {}
            }
        }
    }

    pub(super) fn check_invariants(&self) {
        let m = &self.m;
        let st = m.state();
        assert_eq!(st, self.state, "state() disagrees with the state events");
        if let Some(s) = self.sock {
            assert_eq!(s.gen, m.generation(), "the shell's socket is not current");
        }
        match st {
            ConnState::Closed => {
                assert_eq!(m.next_deadline(), None, "a deadline while closed");
                assert!(self.sock.is_none() && !m.is_connected());
            }
            ConnState::Connecting => assert!(self.sock.is_some_and(|s| !s.opened)),
            ConnState::Open => assert!(self.sock.is_some_and(|s| s.opened)),
            ConnState::Reconnecting => assert!(!self.sock.is_some_and(|s| s.opened)),
        }
        if m.is_connected() {
            assert_eq!(st, ConnState::Open);
        }
        if m.can_send() {
            assert_eq!(
                m.queued_messages(),
                0,
                "sending straight past waiting messages"
            );
        }
        // The queue: bounded, and exactly the model.
        assert!(m.queued_messages() as f64 <= self.o.max_queued_messages);
        assert!(m.queued_bytes() as f64 <= self.o.max_queued_bytes);
        assert_eq!(m.queued_messages(), self.queue.len());
        assert_eq!(
            m.queued_bytes(),
            self.queue.iter().map(|q| q.1).sum::<usize>()
        );
        // Nothing lost (except refusals, which are reported) or duplicated.
        assert_eq!(
            self.accepted,
            self.sent_user + m.queued_messages() as u64 + self.requeue_refused,
            "user frames lost or duplicated"
        );
        assert!(f64::from(m.attempt()) <= self.o.max_reconnect_attempts);
        if let Some(d) = m.next_deadline() {
            let longest = [
                self.cap(),
                self.o.heartbeat_timeout,
                self.o.heartbeat_interval,
                self.o.stable_after,
                self.o.welcome_timeout,
                self.o.connect_timeout,
                GRACE_MS,
                ERROR_CLOSE_GRACE_MS,
            ]
            .into_iter()
            .fold(0.0, f64::max);
            assert!(
                d.is_finite() && d <= self.max_now + longest + 1.0,
                "deadline {d} too far"
            );
        }
        if self.hidden && st != ConnState::Closed {
            assert!(self.sock.is_none(), "a socket while the page is hidden");
        }
        // Never stuck: waiting while visible (offline too: navigator.onLine
        // is re-checked), an attempt (the connect timeout bounds it), a link
        // with a liveness check: a timer is set.
        let waiting = st == ConnState::Reconnecting && self.sock.is_none() && !self.hidden;
        let attempt = self.sock.is_some_and(|s| !s.opened);
        let checked = self.sock.is_some_and(|s| s.opened) && self.o.heartbeat_timeout > 0.0;
        if waiting || attempt || checked {
            assert!(
                m.next_deadline().is_some(),
                "{st:?} with nothing to wait for (attempt {attempt}, checked {checked})"
            );
        }
        assert_eq!(m.subscriptions(), &self.subs[..]);
        assert_eq!(m.is_online(), self.online);
        let s = m.stats();
        assert_eq!(s.messages_out, self.out_msgs, "messages_out");
        assert_eq!(s.bytes_out, self.out_bytes, "bytes_out");
        assert_eq!((s.messages_in, s.bytes_in), (self.in_msgs, self.in_bytes));
        assert_eq!(s.connections, self.connections);
        assert_eq!(s.reconnects, self.connections.saturating_sub(1));
        assert_eq!((s.errors, s.dropped_frames), (self.errors, self.dropped));
        assert_eq!(s.opened_at_ms.is_some(), st == ConnState::Open);
    }
}
