//! The wake-up tick (liveness, the connect timeout, a socket error without
//! a close, the welcome grace, the stable period, pings, the reconnect delay,
//! the offline re-check) and the page's lifecycle: online/offline,
//! pagehide/pageshow.

use super::liveness::LATE_MS;
use super::{Action, Close, ConnState, Event, Loss, Machine, Socket};
use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

impl<F: Clone> Machine<F> {
    /// The wake-up timer fired (or any time): acts on every deadline that has
    /// passed by `now`. `unsent_bytes` is the current socket's
    /// `bufferedAmount`, reported if the link is declared dead. The shell
    /// credits the frames its listener counted ([`credit`](Self::credit))
    /// before each tick.
    ///
    /// A tick more than [`LATE_MS`] after the earliest deadline it was due
    /// for means the page did not run meanwhile: a probe or connect timeout
    /// that ran out is then given [`GRACE_MS`](super::GRACE_MS) more (once
    /// each), for the frames or the `open` the browser queued to arrive.
    pub fn tick(&mut self, now: f64, random: f64, unsent_bytes: u64) {
        let page_late = self.next_deadline().is_some_and(|d| now - d > LATE_MS);
        let (loss, close, error) = match &mut self.socket {
            Socket::Open(_) => {
                if !self.tick_link(now, page_late) {
                    return;
                }
                let loss = Loss::HeartbeatTimeout;
                (loss, Self::abnormal(loss.as_str(), unsent_bytes), None)
            }
            Socket::Pending(_) => match self.tick_attempt(now, page_late) {
                Some(lost) => lost,
                None => return,
            },
            Socket::None => {
                if self.reconnect_at.is_some_and(|t| now >= t) {
                    self.reconnect_at = None;
                    self.start_socket(now);
                } else if self.waiting_offline() && self.recheck_at.is_some_and(|t| now >= t) {
                    // Still offline (the shell refreshed `set_online` before
                    // this tick): look again later.
                    self.recheck_at = Some(now + self.cfg.backoff.cap());
                }
                return;
            }
        };
        self.out.push(Action::Drop {
            code: 4000,
            reason: close.reason,
        });
        if let Some(e) = error {
            self.report(e);
        }
        self.lost(now, &close, loss, random);
    }

    /// The pending attempt's part of a tick: the loss, if its connect timeout
    /// or its error's wait for a `close` ran out, with the error to report
    /// (the token never came, or the close never did).
    fn tick_attempt(
        &mut self,
        now: f64,
        page_late: bool,
    ) -> Option<(Loss, Close<'static>, Option<Error>)> {
        let Socket::Pending(a) = &mut self.socket else {
            return None;
        };
        if a.timeout.run_out(now, page_late) {
            let e = (!a.created).then(|| Error::TokenFailed {
                detail: "no token within connectTimeout".into(),
            });
            let loss = Loss::ConnectTimeout;
            return Some((loss, Self::abnormal(loss.as_str(), 0), e));
        }
        if a.error.as_mut()?.run_out(now, page_late) {
            let e = Error::SocketFailed {
                detail: "the connection failed without a close event \
                         (a Content-Security-Policy connect-src may block it)"
                    .into(),
            };
            return Some((Loss::Closed, Self::abnormal("socket error", 0), Some(e)));
        }
        None
    }

    /// An abnormal close (1006) the machine decided itself, for `reason`.
    fn abnormal(reason: &'static str, unsent_bytes: u64) -> Close<'static> {
        Close {
            code: 1006,
            reason,
            was_clean: false,
            unsent_bytes,
        }
    }

    /// True when a tick at `now` is the periodic re-check of an offline
    /// wait: the shell then gives [`set_online`](Self::set_online) what the
    /// browser says now (`navigator.onLine`) before the tick, so an `offline`
    /// event that was a false alarm ends there. Only then: a page that was
    /// told `offline` keeps that state until the re-check or `online`.
    pub fn offline_recheck_due(&self, now: f64) -> bool {
        self.waiting_offline() && self.recheck_at.is_some_and(|t| now >= t)
    }

    /// The browser went offline (`false`) or online (`true`). Offline, no
    /// attempt is made, but the shell is woken every `maxReconnectInterval`
    /// (at least `reconnectInterval`) to refresh this from `navigator.onLine`
    /// before the tick, so a false `offline` ends within that time; back
    /// online, the next attempt starts at once. An open socket is left to
    /// the liveness check (the shell may [`probe`](Self::probe) it).
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
            self.wait_offline(now);
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
        self.recheck_at = None;
        self.generation = self.generation.wrapping_add(1);
        if was_open {
            self.emit(Event::Disconnected {
                code: 1001,
                reason: "pagehide".into(),
                was_clean: true,
                unsent_bytes: 0,
                will_reconnect: true,
                queued_messages: self.queue.len(),
            });
        }
        self.set_state(ConnState::Reconnecting, "pagehide");
    }

    /// `pageshow`: reconnect at once after a [`page_hide`](Self::page_hide)
    /// (offline: wait, re-checking, as after a loss).
    pub fn page_show(&mut self, now: f64) {
        if !self.hidden {
            return;
        }
        self.hidden = false;
        if self.state == ConnState::Reconnecting && self.socket == Socket::None {
            self.attempt = 0;
            if self.online {
                self.start_socket(now);
            } else {
                self.wait_offline(now);
            }
        }
    }
}
