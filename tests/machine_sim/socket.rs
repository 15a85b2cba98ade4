//! The socket's events (`open`, frames, `close`, a failed open, a socket
//! that stops being writable, a dropped frame) and events of stale sockets,
//! each checked against the model.

use zantara_websocket::core::{
    frame, Action, Close, CloseReaction, ConnState, Error, Event, FrameType, Outgoing,
};

use super::{control_frames, default_reaction, parse_control, Before, Loss, Op, Sim, Sock};
use crate::core_support::gen::gen_string;

impl Sim {
    pub(super) fn op_open(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        match self.sock {
            Some(s) if !s.opened => {
                *text += &format!(" gen {}", s.gen);
                let queued: Vec<u64> = self.queue.iter().map(|q| q.0).collect();
                self.m.on_open(now, s.gen);
                self.just_opened = true;
                self.sock = Some(Sock { opened: true, ..s });
                self.last_heard = now;
                self.connections += 1;
                self.connected_emitted = false;
                self.ping = None;
                self.cov.opened += 1;
                let acts = self.drain();
                assert_eq!(self.m.state(), ConnState::Open);
                // Subscriptions and the queue wait for the welcome.
                assert!(
                    control_frames(&acts).is_empty(),
                    "on_open sent a control frame"
                );
                let users = acts
                    .iter()
                    .filter(|a| matches!(a, Action::Send(Outgoing::User(..))))
                    .count();
                assert_eq!(users, 0, "user messages wait for the welcome");
                assert_eq!(self.m.queued_messages(), queued.len(), "the queue is kept");
                acts
            }
            _ => self.tick(b, text),
        }
    }

    pub(super) fn op_frame(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        match self.sock {
            Some(s) if s.opened => {
                let pong = self.ping.is_some() && self.rng.chance(0.5);
                let kind = if pong {
                    Some(FrameType::Pong)
                } else {
                    self.rng.pick(&[
                        None,
                        Some(FrameType::Message),
                        Some(FrameType::Message),
                        Some(FrameType::Connected),
                        Some(FrameType::Pong),
                        Some(FrameType::Pong),
                        Some(FrameType::Ping),
                        Some(FrameType::Subscribe),
                        Some(FrameType::Unsubscribe),
                    ])
                };
                let bytes = self.rng.below(5000) as usize;
                *text += &format!(" gen {} {kind:?}", s.gen);
                let ping = self.ping;
                let welcome = !self.connected_emitted;
                assert!(
                    self.m.on_frame(now, s.gen, kind, bytes),
                    "live frame refused"
                );
                self.last_heard = now;
                self.in_msgs += 1;
                self.in_bytes += bytes as u64;
                let acts = self.drain();
                let want = match kind {
                    Some(FrameType::Connected) if welcome => {
                        vec![Action::Emit(Event::Connected)]
                    }
                    Some(FrameType::Pong) => ping
                        .map(|p| {
                            vec![Action::Emit(Event::Pong {
                                rtt_ms: (now - p).max(0.0),
                            })]
                        })
                        .unwrap_or_default(),
                    _ => vec![],
                };
                // The first welcome sends the queue first (checked, in order,
                // as each frame is handed over: shell.rs), then `connected`.
                let users = acts
                    .iter()
                    .filter(|a| matches!(a, Action::Send(Outgoing::User(..))))
                    .count();
                if welcome && kind == Some(FrameType::Connected) && b.writable {
                    // Subscriptions first, in order (the queue follows: shell.rs).
                    let ctl: Vec<_> = control_frames(&acts)
                        .into_iter()
                        .map(|t| parse_control(t, self.wall_time()))
                        .collect();
                    let want: Vec<_> = self
                        .subs
                        .iter()
                        .map(|c| ("subscribe".to_string(), Some(c.clone())))
                        .collect();
                    assert_eq!(
                        ctl, want,
                        "the welcome re-subscribes every channel in order"
                    );
                } else {
                    assert_eq!(users, 0, "on_frame({kind:?}) sent user messages");
                }
                let emits: Vec<_> = acts
                    .iter()
                    .filter(|a| matches!(a, Action::Emit(_)))
                    .cloned()
                    .collect();
                assert_eq!(emits, want, "on_frame({kind:?})");
                acts
            }
            _ => self.tick(b, text),
        }
    }

    pub(super) fn op_close(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        match self.sock {
            Some(s) => {
                let code = self.gen_close_code();
                let random = self.gen_random();
                let reason = if self.rng.chance(0.1) {
                    gen_string(&mut self.rng)
                } else {
                    "bye".to_string()
                };
                let close = Close {
                    code,
                    reason: &reason,
                    was_clean: self.rng.chance(0.5),
                    unsent_bytes: self.rng.below(1000),
                };
                *text += &format!(" gen {} code {code} random {random}", s.gen);
                self.m.on_close(now, s.gen, &close, random);
                self.sock = None;
                self.old_gens.push(s.gen);
                self.ping = None;
                let acts = self.drain();
                let overridden = self.o.close_codes.iter().any(|c| c.0 == code);
                let policy = self.o.close_policy().decide(code);
                assert_eq!(policy.overridden, overridden);
                if !overridden {
                    assert_eq!(policy.reaction, default_reaction(code), "code {code}");
                }
                let reaction = if self.o.auto_reconnect {
                    policy.reaction
                } else {
                    CloseReaction::Stop
                };
                let loss = Loss {
                    was_open: s.opened,
                    code,
                    reaction,
                    random,
                    zero_delay: false,
                };
                self.expect_loss(&acts, b, &loss);
                assert_eq!(self.m.stats().last_close_code, Some(code));
                assert_eq!(self.m.stats().last_close_reason, reason);
                acts
            }
            None => self.tick(b, text),
        }
    }

    pub(super) fn op_open_failed(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        match self.sock {
            Some(s) if !s.opened => {
                let random = self.gen_random();
                *text += &format!(" gen {} random {random}", s.gen);
                let e = Error::TokenFailed {
                    detail: gen_string(&mut self.rng),
                };
                self.m.open_failed(now, s.gen, e.clone(), random);
                self.sock = None;
                self.old_gens.push(s.gen);
                let acts = self.drain();
                assert_eq!(acts.first(), Some(&Action::Emit(Event::Error(e))));
                self.expect_loss(&acts, b, &self.failed_attempt(random));
                acts
            }
            _ => self.tick(b, text),
        }
    }

    /// An attempt that failed as a close 1006 (a failed open, a socket
    /// error without a close): the close policy decides, unless
    /// `autoReconnect` is off.
    pub(super) fn failed_attempt(&self, random: f64) -> Loss {
        let reaction = if self.o.auto_reconnect {
            self.o.close_policy().decide(1006).reaction
        } else {
            CloseReaction::Stop
        };
        Loss {
            was_open: false,
            code: 1006,
            reaction,
            random,
            zero_delay: false,
        }
    }

    pub(super) fn op_die(&mut self) -> Vec<Action<String>> {
        if let Some(s) = self.sock.as_mut().filter(|s| s.opened) {
            s.dead = true;
        }
        Vec::new()
    }

    pub(super) fn op_frame_dropped(&mut self) -> Vec<Action<String>> {
        let e = Error::BadFrame {
            reason: "not JSON",
            excerpt: frame::excerpt(&gen_string(&mut self.rng), 40),
        };
        self.m.frame_dropped(e.clone());
        self.dropped += 1;
        let acts = self.drain();
        assert_eq!(acts, [Action::Emit(Event::Error(e))]);
        acts
    }

    /// An event for a socket the shell no longer (or never) has: ignored.
    pub(super) fn stale(&mut self, op: Op, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let gen = match op {
            Op::OpenStale => self.stale_gen(|s| !s.opened),
            Op::FrameStale => self.stale_gen(|s| s.opened),
            _ => self.stale_gen(|_| true),
        };
        let Some(g) = gen else {
            return Vec::new();
        };
        *text += &format!(" {op:?} gen {g} (current {})", self.m.generation());
        self.cov.stale_events += 1;
        let snapshot = format!("{:?}", self.m);
        match op {
            Op::OpenStale => self.m.on_open(now, g),
            Op::FrameStale => {
                let kind =
                    self.rng
                        .pick(&[None, Some(FrameType::Connected), Some(FrameType::Pong)]);
                assert!(!self.m.on_frame(now, g, kind, 10), "stale frame accepted");
            }
            Op::SocketErrorStale => {
                if self.rng.chance(0.5) {
                    self.m.on_socket_error(now, g);
                } else {
                    self.m.socket_created(now, g);
                }
            }
            Op::CloseStale => {
                let code = self.gen_close_code();
                let close = Close {
                    code,
                    reason: "stale",
                    was_clean: true,
                    unsent_bytes: 0,
                };
                self.m.on_close(now, g, &close, 0.5);
            }
            _ => self.m.open_failed(
                now,
                g,
                Error::SocketFailed {
                    detail: "stale".into(),
                },
                0.5,
            ),
        }
        let acts = self.m.take_actions();
        assert!(acts.is_empty(), "{op:?} of generation {g} acted: {acts:?}");
        assert_eq!(
            format!("{:?}", self.m),
            snapshot,
            "{op:?} of generation {g} changed the machine"
        );
        acts
    }
}
