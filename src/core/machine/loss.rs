//! What happens when a connection or an attempt is lost: the one
//! reconnect-or-stop decision ([`Machine::reaction`]), the attempt budget,
//! the backoff delay, and giving up.

use super::{Close, ConnState, Event, Loss, Machine, Socket};
use crate::core::CloseReaction;
#[allow(unused_imports)]
use crate::prelude::*;

impl<F: Clone> Machine<F> {
    /// Whether the SDK should try again after `loss` with close `code`: the
    /// one place the reconnect-or-stop decision is made. A dead link or a
    /// handshake that never completed says nothing about the server, so it
    /// reconnects (at once for a dead link) unless `autoReconnect` is off.
    pub(super) fn reaction(&self, loss: Loss, code: u16) -> CloseReaction {
        match loss {
            _ if !self.cfg.auto_reconnect => CloseReaction::Stop,
            Loss::Closed => self.cfg.policy.decide(code).reaction,
            Loss::HeartbeatTimeout | Loss::ConnectTimeout => CloseReaction::Reconnect,
        }
    }

    /// True when `maxReconnectAttempts` are used up.
    pub(super) fn attempts_exhausted(&self) -> bool {
        f64::from(self.attempt) >= self.cfg.max_attempts
    }

    pub(super) fn lost(&mut self, now: f64, close: &Close<'_>, loss: Loss, random: f64) {
        let was_open = matches!(self.socket, Socket::Open(_));
        self.forget_socket();
        // What the server did not acknowledge is sent again on the next link.
        self.queue.rewind();
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
                queued_messages: self.queue.len(),
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
            return self.wait_offline(now);
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
        // A delay too small to move the clock (jitter near 1) is no delay:
        // a deadline must lie ahead.
        if now + delay <= now {
            self.start_socket(now);
        } else {
            self.reconnect_at = Some(now + delay);
        }
    }

    /// Waits without an attempt until back online (or shown), re-checking
    /// every `maxReconnectInterval` (see [`set_online`](Self::set_online)).
    pub(super) fn wait_offline(&mut self, now: f64) {
        self.set_state(ConnState::Reconnecting, "offline");
        self.recheck_at = Some(now + self.cfg.backoff.cap());
    }

    pub(super) fn give_up(&mut self) {
        self.recheck_at = None;
        self.emit(Event::ReconnectFailed {
            attempts: self.attempt,
        });
        self.set_state(ConnState::Closed, "reconnect_failed");
    }

    pub(super) fn retry_now(&mut self, now: f64, why: &'static str) {
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
}
