//! Carrying out the machine's actions as the shell does (opening and
//! dropping sockets, sending, giving frames back), checking each one and
//! each event.

use std::collections::VecDeque;

use zantara_websocket::core::{Action, Error, Event, Outgoing};

use super::{parse_control, parse_frame, Sim, Sock};

impl Sim {
    /// Carries out the actions as the shell does, checking each one, and
    /// returns them all (those caused by `not_writable` included).
    pub(super) fn drain(&mut self) -> Vec<Action<String>> {
        let mut all = Vec::new();
        let mut work: VecDeque<_> = self.m.take_actions().into();
        while let Some(a) = work.pop_front() {
            match &a {
                Action::Open { generation } => {
                    let g = *generation;
                    assert!(
                        self.sock.is_none(),
                        "Open while the shell holds {:?}",
                        self.sock
                    );
                    assert_eq!(g, self.m.generation(), "Open for an old generation");
                    if let Some(last) = self.last_open_gen {
                        assert!(g > last, "generation {g} after {last}");
                    }
                    self.last_open_gen = Some(g);
                    self.sock = Some(Sock {
                        gen: g,
                        opened: false,
                        dead: false,
                        started: self.now,
                        created: false,
                        error_at: None,
                    });
                    self.cov.opens += 1;
                }
                Action::Drop { code, .. } => {
                    let s = self.sock.take().expect("Drop without a socket");
                    assert!(
                        *code == 1000 || (3000..=4999).contains(code),
                        "browsers refuse close({code})"
                    );
                    self.old_gens.push(s.gen);
                    self.ping = None;
                }
                Action::Send(out) => {
                    let s = match self.sock {
                        Some(s) if s.opened => s,
                        other => panic!("Send to {other:?}"),
                    };
                    assert_eq!(s.gen, self.m.generation());
                    let (bytes, user) = match out {
                        Outgoing::Control(t) => {
                            let (kind, _) = parse_control(t, self.wall_time());
                            if kind == "ping" {
                                self.ping = Some(self.now);
                                self.cov.pings += 1;
                            }
                            (t.len(), None)
                        }
                        Outgoing::User(item, _) => {
                            let (id, size) = parse_frame(&item.frame);
                            if self.immediate == Some(id) {
                                self.immediate = None;
                            } else {
                                let front = self.queue.pop_front();
                                assert_eq!(front, Some((id, size)), "user frame {id} out of order");
                            }
                            (size, Some((id, size)))
                        }
                    };
                    if s.dead || self.rng.chance(0.02) {
                        // readyState is no longer OPEN: the shell gives the
                        // frame back, as `Inner::requeue` does.
                        self.cov.send_failures += 1;
                        self.sock = Some(Sock { dead: true, ..s });
                        self.m.not_writable(out.clone(), bytes);
                        let more = self.m.take_actions();
                        if let Some(q) = user {
                            let refused = more.iter().any(|a| {
                                matches!(a, Action::Emit(Event::Error(Error::QueueFull { .. })))
                            });
                            if refused {
                                self.requeue_refused += 1;
                                self.cov.requeue_refused += 1;
                            } else {
                                self.queue.push_back(q);
                            }
                        }
                        work.extend(more);
                    } else {
                        self.out_msgs += 1;
                        self.out_bytes += bytes as u64;
                        if let Some((id, _)) = user {
                            if let Some(last) = self.last_sent {
                                assert!(
                                    id > last,
                                    "user frame {id} sent after {last}: duplicated or reordered"
                                );
                            }
                            self.last_sent = Some(id);
                            self.sent_user += 1;
                            self.cov.user_sent += 1;
                        }
                    }
                }
                Action::Emit(e) => self.check_event(e),
                Action::Unsent { .. } => panic!("no request was sent: {a:?}"),
            }
            all.push(a);
        }
        all
    }

    fn check_event(&mut self, e: &Event) {
        match e {
            Event::State { from, to, .. } => {
                assert_eq!(*from, self.state, "state event chain broken");
                assert_ne!(from, to, "state event without a change");
                self.state = *to;
            }
            Event::Connected => {
                assert!(
                    self.sock
                        .is_some_and(|s| s.opened && s.gen == self.m.generation()),
                    "connected without an open socket"
                );
                assert!(!self.connected_emitted, "connected twice for one socket");
                self.connected_emitted = true;
                self.cov.connected += 1;
            }
            Event::Reconnecting { attempt, delay_ms } => {
                self.cov.reconnecting += 1;
                assert!(
                    *delay_ms >= 0.0 && *delay_ms <= self.cap(),
                    "delay {delay_ms} outside [0, {}]",
                    self.cap()
                );
                assert!(*attempt >= 1 && f64::from(*attempt) <= self.o.max_reconnect_attempts);
            }
            Event::ReconnectFailed { attempts } => {
                self.cov.reconnect_failed += 1;
                assert_eq!(f64::from(*attempts), self.o.max_reconnect_attempts);
            }
            Event::Pong { rtt_ms } => {
                let sent = self.ping.take().expect("pong event without a ping");
                assert_eq!(*rtt_ms, (self.now - sent).max(0.0));
                self.cov.pongs += 1;
            }
            Event::Error(_) => self.errors += 1,
            Event::Disconnected { .. } => {}
        }
    }
}
