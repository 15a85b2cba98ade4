//! Timer ticks (liveness, the connect timeout, a socket error without a
//! close), the socket created (`socket_created`) or failing without a close
//! (`on_socket_error`), frames credited by the JS listener (`credit`),
//! probes (`probe`) and steps of the wall clock (`set_wall_offset`), each
//! checked against the model.

use zantara_websocket::core::machine::{ERROR_CLOSE_GRACE_MS, GRACE_MS, LATE_MS, SLEEP_JUMP_MS};
use zantara_websocket::core::{Action, CloseReaction, ConnState, Error, Event, Outgoing};

use super::{parse_control, Before, Loss, Sim, Sock};
use crate::core_support::machine::{events, opens};

impl Sim {
    /// The wall clock the machine should stamp frames with.
    pub(super) fn wall_time(&self) -> f64 {
        self.now + self.wall.unwrap_or(0.0)
    }

    /// How long a probe may go unanswered, if liveness is checked.
    fn window(&self) -> Option<f64> {
        let t = self.o.heartbeat_timeout;
        match () {
            _ if t <= 0.0 => None,
            _ if self.o.heartbeat_interval > 0.0 => Some(t),
            _ => Some(t / 2.0),
        }
    }

    pub(super) fn op_created(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let Some(s) = self.sock.filter(|s| !s.opened) else {
            return self.tick(b, text);
        };
        *text += &format!(" gen {}", s.gen);
        self.m.socket_created(self.now, s.gen);
        self.sock = Some(Sock { created: true, ..s });
        let acts = self.drain();
        assert!(acts.is_empty(), "socket_created acted: {acts:?}");
        assert_eq!(self.m.next_deadline(), b.deadline);
        acts
    }

    pub(super) fn op_socket_error(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let Some(s) = self.sock else {
            return self.tick(b, text);
        };
        let now = self.now;
        *text += &format!(" gen {}", s.gen);
        self.m.on_socket_error(now, s.gen);
        let acts = self.drain();
        assert!(acts.is_empty(), "on_socket_error acted: {acts:?}");
        if s.opened {
            assert_eq!(self.m.next_deadline(), b.deadline, "an open socket's error");
        } else {
            let at = s.error_at.unwrap_or(now);
            self.sock = Some(Sock {
                created: true,
                error_at: Some(at),
                ..s
            });
            let d = self.m.next_deadline().expect("a deadline");
            assert!(d <= (at + ERROR_CLOSE_GRACE_MS).max(now + GRACE_MS));
        }
        acts
    }

    /// Channel messages the JS listener counted, the last one arrived at
    /// some time since the last call.
    pub(super) fn op_credit(&mut self, text: &mut String) -> Vec<Action<String>> {
        let frames = match self.rng.below(4) {
            0 => 0,
            _ => 1 + self.rng.below(50),
        };
        let bytes = frames * self.rng.below(300);
        let arrival = self.now - self.rng.below(3000) as f64;
        *text += &format!(" {frames} frames at {arrival}");
        self.m.credit(arrival, frames, bytes);
        self.in_msgs += frames;
        self.in_bytes += bytes;
        if frames > 0 && self.sock.is_some_and(|s| s.opened) {
            self.last_heard = self.last_heard.max(arrival);
        }
        let acts = self.drain();
        assert!(acts.is_empty(), "credit acted: {acts:?}");
        acts
    }

    pub(super) fn op_probe(&mut self, b: &Before) -> Vec<Action<String>> {
        self.m.probe(self.now);
        let acts = self.drain();
        self.check_probe(b, &acts);
        acts
    }

    /// The wall clock moves: a little, a lot forward (a sleep), or back.
    pub(super) fn op_wall(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let old = self.wall;
        let step = match self.rng.below(6) {
            0 => -(self.rng.below(10_000_000) as f64),
            1 => self.rng.below(SLEEP_JUMP_MS as u64 + 1) as f64,
            2 => SLEEP_JUMP_MS + 1.0 + self.rng.below(1_000_000_000) as f64,
            3 => f64::NAN,
            _ => self.rng.below(100) as f64 - 50.0,
        };
        let offset = match old {
            Some(o) if self.rng.chance(0.9) => o + step,
            _ => 1.7e12 - self.now + self.rng.below(1_000_000_000) as f64,
        };
        *text += &format!(" offset {offset}");
        self.m.set_wall_offset(self.now, offset);
        if offset.is_finite() {
            self.wall = Some(offset);
        }
        let acts = self.drain();
        let sleep = offset.is_finite() && old.is_some_and(|o| offset - o > SLEEP_JUMP_MS);
        if sleep {
            self.cov.sleep_probes += 1;
            self.check_probe(b, &acts);
        } else {
            assert!(acts.is_empty(), "a wall step acted: {acts:?}");
            assert_eq!(
                self.m.next_deadline(),
                b.deadline,
                "a wall step moved a deadline"
            );
            assert_eq!(self.m.state(), b.state);
        }
        acts
    }

    /// A probe sends at most one ping, only on an open link that can send
    /// and is checked, and leaves a deadline within its window.
    fn check_probe(&mut self, b: &Before, acts: &[Action<String>]) {
        let window = self.window();
        let open = self.sock.is_some_and(|s| s.opened);
        for a in acts {
            match a {
                Action::Send(Outgoing::Control(t)) => {
                    assert_eq!(parse_control(t, self.wall_time()).0, "ping");
                    self.cov.probe_pings += 1;
                }
                other => panic!("a probe did {other:?}"),
            }
        }
        assert!(acts.len() <= 1, "{acts:?}");
        if !acts.is_empty() {
            assert!(open && b.writable && window.is_some());
        }
        match window {
            Some(w) if open => {
                let d = self.m.next_deadline().expect("a probe's deadline");
                assert!(d <= self.now + w.max(GRACE_MS), "deadline {d}, window {w}");
            }
            _ => assert!(acts.is_empty()),
        }
    }

    pub(super) fn tick(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let random = self.gen_random();
        let unsent = self.rng.below(10_000);
        let sock = self.sock;
        let due = b.deadline.is_some_and(|d| d <= now + 1.0);
        *text += &format!(" deadline {:?} random {random}", b.deadline);
        if b.deadline.is_some_and(|d| now - d > LATE_MS) {
            self.cov.late_ticks += 1;
        }
        let snapshot = (!due).then(|| format!("{:?}", self.m));
        self.m.tick(now, random, unsent);
        let acts = self.drain();
        if let Some(snapshot) = snapshot {
            assert!(acts.is_empty(), "tick before the deadline acted: {acts:?}");
            assert_eq!(
                format!("{:?}", self.m),
                snapshot,
                "tick before the deadline changed the machine"
            );
        }
        // Every deadline is acted on: the next one is later.
        if let Some(d) = self.m.next_deadline() {
            assert!(d > now, "tick at {now} left an overdue deadline {d}");
        }
        let dropped = acts.iter().find_map(|a| match a {
            Action::Drop { reason, .. } => Some(*reason),
            _ => None,
        });
        if dropped.is_some() {
            assert!(
                matches!(acts[0], Action::Drop { code: 4000, .. }),
                "the socket goes first: {acts:?}"
            );
        }
        let errs: Vec<&Error> = events(&acts)
            .into_iter()
            .filter_map(|e| match e {
                Event::Error(e) => Some(e),
                _ => None,
            })
            .collect();
        let stop_unless_auto = if self.o.auto_reconnect {
            CloseReaction::Reconnect
        } else {
            CloseReaction::Stop
        };
        // A timeout is an abnormal close (1006): a dead link is replaced at
        // once, a socket stuck connecting after the backoff delay.
        let timeout = |was_open: bool| Loss {
            was_open,
            code: 1006,
            reaction: stop_unless_auto,
            random,
            zero_delay: was_open,
        };
        match dropped {
            Some("heartbeat timeout") => {
                self.cov.heartbeat_timeouts += 1;
                let s = sock.expect("a socket was dropped");
                assert!(s.opened);
                // Only a probe unanswered for its window: never silence
                // alone, never with the check off.
                let t = self.o.heartbeat_timeout;
                assert!(t > 0.0);
                let window = if self.o.heartbeat_interval > 0.0 {
                    t
                } else {
                    t / 2.0
                };
                assert!(
                    now >= self.last_heard + window,
                    "dead {} ms after the last frame, window {window}",
                    now - self.last_heard
                );
                assert!(errs.is_empty());
                self.old_gens.push(s.gen);
                self.expect_loss(&acts, b, &timeout(true));
                assert_eq!(self.m.stats().last_unsent_bytes, unsent);
            }
            Some("connect timeout") => {
                self.cov.connect_timeouts += 1;
                let s = sock.expect("a socket was dropped");
                assert!(!s.opened);
                assert!(now >= s.started + self.o.connect_timeout);
                if s.created {
                    assert!(errs.is_empty(), "{errs:?}");
                } else {
                    self.cov.token_timeouts += 1;
                    let e = Error::TokenFailed {
                        detail: "no token within connectTimeout".into(),
                    };
                    assert_eq!(errs, [&e]);
                }
                self.old_gens.push(s.gen);
                self.expect_loss(&acts, b, &timeout(false));
            }
            Some("socket error") => {
                self.cov.socket_failures += 1;
                let s = sock.expect("a socket was dropped");
                assert!(!s.opened);
                let at = s.error_at.expect("an error event came first");
                assert!(now >= at + ERROR_CLOSE_GRACE_MS);
                assert_eq!(errs.len(), 1);
                assert_eq!(errs[0].code(), "SOCKET_FAILED");
                self.old_gens.push(s.gen);
                self.expect_loss(&acts, b, &self.failed_attempt(random));
            }
            Some(other) => panic!("tick dropped a socket for {other:?}"),
            None => {
                assert!(errs.is_empty(), "{errs:?}");
                if opens(&acts) == 1 {
                    // A delayed attempt started.
                    assert!(sock.is_none() && self.m.state() == ConnState::Reconnecting);
                    assert_eq!(acts.len(), 1);
                }
                if sock.is_none() && !self.online && due && b.state == ConnState::Reconnecting {
                    self.cov.offline_rechecks += 1;
                }
            }
        }
        acts
    }
}
