//! Deadlines and the page's lifecycle: the wake-up tick (heartbeat, connect
//! timeout, welcome grace, stable period, pings, the reconnect delay),
//! online/offline, pagehide/pageshow.

use super::{Action, Close, ConnState, Event, Loss, Machine, Socket};
use crate::core::frame::FrameType;

impl<F> Machine<F> {
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
}
