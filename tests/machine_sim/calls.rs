//! The application's calls (`connect`, `disconnect`, `subscribe`,
//! `unsubscribe`, `send`) and the page's (`online`/`offline`, `pagehide`,
//! `pageshow`), each checked against the model.

use zantara_websocket::core::{frame, Action, ConnState, Error, Event};

use super::{control_frames, excerpt_for_log, frame_of, parse_control, Before, Sim};
use crate::core_support::machine::{events, opens, reconnecting};

impl Sim {
    pub(super) fn op_connect(&mut self, b: &Before) -> Vec<Action<String>> {
        let now = self.now;
        let r = self.m.connect(now);
        assert_eq!(r, b.state == ConnState::Closed, "connect() result");
        if r {
            self.hidden = false;
        }
        let acts = self.drain();
        if r {
            assert_eq!(opens(&acts), 1, "connect opens a socket");
            assert_eq!(self.m.state(), ConnState::Connecting);
            assert_eq!(self.m.attempt(), 0);
        } else {
            assert!(acts.is_empty(), "connect() while active did something");
        }
        acts
    }

    pub(super) fn op_disconnect(&mut self, b: &Before) -> Vec<Action<String>> {
        let now = self.now;
        let sock = self.sock;
        let r = self.m.disconnect(now);
        assert_eq!(r, b.state != ConnState::Closed, "disconnect() result");
        let acts = self.drain();
        self.ping = None;
        if r {
            self.cov.disconnects += 1;
            // Events of the old socket, or a token still awaited for
            // it, must find a new generation.
            assert_ne!(self.m.generation(), b.gen, "disconnect kept the generation");
            assert_eq!(self.m.state(), ConnState::Closed);
            assert!(self.sock.is_none(), "disconnect left a socket");
            let drops = acts
                .iter()
                .filter(|a| matches!(a, Action::Drop { code: 1000, .. }))
                .count();
            assert_eq!(drops, usize::from(sock.is_some()));
            self.expect_disconnected(&acts, sock.is_some_and(|s| s.opened), 1000, false);
            assert!(!acts
                .iter()
                .any(|a| matches!(a, Action::Open { .. } | Action::Send(_))));
        } else {
            assert!(acts.is_empty(), "a second disconnect() did something");
        }
        acts
    }

    pub(super) fn op_subscribe(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let ch = self.gen_channel();
        *text += &format!(" {:?}", excerpt_for_log(&ch));
        let r = self.m.subscribe(now, &ch);
        let acts = self.drain();
        match frame::check_channel(&ch) {
            Err(e) => {
                assert_eq!(r, Err(e), "subscribe({ch:?})");
                assert!(acts.is_empty());
            }
            Ok(()) if self.subs.contains(&ch) => {
                assert_eq!(r, Ok(false), "subscribe twice");
                assert!(acts.is_empty(), "a second subscribe sent something");
            }
            Ok(()) => {
                assert_eq!(r, Ok(true));
                self.subs.push(ch.clone());
                let ctl = control_frames(&acts);
                assert_eq!(acts.len(), ctl.len());
                if b.writable && b.welcomed {
                    assert_eq!(ctl.len(), 1, "subscribe while open sends once");
                    let (kind, c) = parse_control(ctl[0], self.wall_time());
                    assert_eq!((kind.as_str(), c.as_deref()), ("subscribe", Some(&*ch)));
                } else {
                    assert!(ctl.is_empty(), "subscribe while not open sent");
                }
            }
        }
        acts
    }

    pub(super) fn op_unsubscribe(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let ch = self.gen_channel();
        *text += &format!(" {:?}", excerpt_for_log(&ch));
        let tracked = self.subs.iter().position(|c| *c == ch);
        let r = self.m.unsubscribe(now, &ch);
        assert_eq!(r, tracked.is_some(), "unsubscribe({ch:?})");
        if let Some(i) = tracked {
            self.subs.remove(i);
        }
        let acts = self.drain();
        let ctl = control_frames(&acts);
        assert_eq!(acts.len(), ctl.len());
        if r && b.writable && b.welcomed {
            assert_eq!(ctl.len(), 1);
            let (kind, c) = parse_control(ctl[0], self.wall_time());
            assert_eq!((kind.as_str(), c.as_deref()), ("unsubscribe", Some(&*ch)));
        } else {
            assert!(ctl.is_empty());
        }
        acts
    }

    pub(super) fn op_send(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let size = self.gen_size();
        let id = self.next_id;
        self.next_id += 1;
        *text += &format!(" #{id} {size}B");
        let queued: usize = self.queue.iter().map(|q| q.1).sum();
        let full = !b.can_send
            && (self.queue.len() as f64 >= self.o.max_queued_messages
                || queued.saturating_add(size) as f64 > self.o.max_queued_bytes);
        if b.can_send {
            self.immediate = Some(id);
        }
        let r = self.m.send(frame_of(id, size), size);
        assert_eq!(r.is_err(), full, "send() refused {r:?} vs model");
        let expected_error = Error::QueueFull {
            messages: self.queue.len(),
            bytes: queued,
        };
        if r.is_ok() {
            self.accepted += 1;
            if !b.can_send {
                self.queue.push_back((id, size));
            }
        } else {
            self.cov.refused_full += 1;
            assert_eq!(r, Err(expected_error.clone()));
        }
        let acts = self.drain();
        if r.is_err() {
            assert_eq!(acts, [Action::Emit(Event::Error(expected_error))]);
        } else if b.can_send {
            assert_eq!(
                acts.len(),
                acts.iter()
                    .filter(|a| matches!(a, Action::Send(_) | Action::Emit(Event::Error(_))))
                    .count()
            );
            assert!(
                self.immediate.is_none(),
                "the frame was not handed to the socket"
            );
        } else {
            assert!(acts.is_empty(), "queueing did something");
        }
        acts
    }

    pub(super) fn op_online(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let v = if self.rng.chance(0.8) {
            !self.online
        } else {
            self.online
        };
        *text += &format!(" {v}");
        let changed = v != self.online;
        let waiting = b.state == ConnState::Reconnecting && self.sock.is_none() && !self.hidden;
        self.m.set_online(now, v);
        self.online = v;
        let acts = self.drain();
        assert_eq!(self.m.is_online(), v);
        if !changed || !waiting {
            assert!(acts.is_empty(), "set_online({v}) did something");
        } else if !v {
            self.cov.offline_waits += 1;
            assert!(acts.is_empty(), "going offline while waiting did something");
            assert_eq!(
                self.m.next_deadline(),
                Some(now + self.cap()),
                "offline, only the re-check of navigator.onLine"
            );
            let back = u32::from(b.deadline.is_some());
            assert_eq!(self.m.attempt(), b.attempt.saturating_sub(back));
        } else if f64::from(b.attempt) >= self.o.max_reconnect_attempts {
            assert_eq!(self.m.state(), ConnState::Closed);
            assert!(events(&acts)
                .into_iter()
                .any(|e| matches!(e, Event::ReconnectFailed { .. })));
        } else {
            assert_eq!(reconnecting(&acts), Some((b.attempt + 1, 0.0)));
            assert_eq!(opens(&acts), 1, "back online retries at once");
        }
        acts
    }

    pub(super) fn op_page_hide(&mut self, b: &Before) -> Vec<Action<String>> {
        let now = self.now;
        let sock = self.sock;
        self.m.page_hide(now);
        let acts = self.drain();
        if b.state == ConnState::Closed || self.hidden {
            assert!(acts.is_empty(), "page_hide did something");
        } else {
            self.hidden = true;
            self.ping = None;
            self.cov.page_hides += 1;
            assert_ne!(self.m.generation(), b.gen, "page_hide kept the generation");
            assert!(self.sock.is_none(), "page_hide left a socket open");
            assert_eq!(self.m.state(), ConnState::Reconnecting);
            assert_eq!(self.m.next_deadline(), None);
            self.expect_disconnected(&acts, sock.is_some_and(|s| s.opened), 1001, true);
            assert_eq!(opens(&acts), 0);
        }
        acts
    }

    pub(super) fn op_page_show(&mut self, b: &Before) -> Vec<Action<String>> {
        let now = self.now;
        let was_hidden = self.hidden;
        self.m.page_show(now);
        self.hidden = false;
        let acts = self.drain();
        if was_hidden && b.state == ConnState::Reconnecting {
            assert_eq!(self.m.attempt(), 0);
            assert_eq!(opens(&acts), usize::from(self.online));
            assert_eq!(acts.len(), opens(&acts));
        } else {
            assert!(acts.is_empty(), "page_show did something");
        }
        acts
    }
}
