//! Socket events: the socket created, open, frames (and frames credited by
//! the JS listener), an error, close, a socket found unable to send, and an
//! attempt that failed before a socket existed.

use super::liveness::{Expiry, ERROR_CLOSE_GRACE_MS};
use super::{Close, ConnState, Event, Link, Loss, Machine, Outgoing, Socket};
use crate::core::frame::FrameType;
use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

impl<F: Clone> Machine<F> {
    /// The shell created the WebSocket of `generation` (the token, if any,
    /// had arrived). A connect timeout before this call is reported as
    /// `TOKEN_FAILED` ("no token within connectTimeout") on `error`.
    pub fn socket_created(&mut self, _now: f64, generation: u32) {
        if generation != self.generation {
            return;
        }
        if let Socket::Pending(a) = &mut self.socket {
            a.created = true;
        }
    }

    /// The socket of `generation` fired `error`. While it is connecting, a
    /// `close` should follow; if none does within [`ERROR_CLOSE_GRACE_MS`],
    /// `SOCKET_FAILED` is reported and the attempt is handled as a close
    /// 1006. For an open socket nothing happens (its `close` follows).
    ///
    /// [`ERROR_CLOSE_GRACE_MS`]: super::ERROR_CLOSE_GRACE_MS
    pub fn on_socket_error(&mut self, now: f64, generation: u32) {
        if generation != self.generation {
            return;
        }
        if let Socket::Pending(a) = &mut self.socket {
            a.created = true;
            if a.error.is_none() {
                a.error = Some(Expiry::new(now + ERROR_CLOSE_GRACE_MS));
            }
        }
    }

    /// The socket of `generation` opened: send `subscribe` for every tracked
    /// channel, then the queued messages in order, then wait for the welcome.
    pub fn on_open(&mut self, now: f64, generation: u32) {
        if generation != self.generation || !matches!(self.socket, Socket::Pending(_)) {
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
            probe: None,
            connected_emitted: false,
            v2: false,
        });
        self.stats.connections += 1;
        if self.stats.connections > 1 {
            self.stats.reconnects += 1;
        }
        self.stats.opened_at_ms = Some(now);
        // Subscriptions and queued messages wait for the welcome (or its
        // grace): a server that accepts and then refuses (1008) or crashes
        // gets none of them, and on protocol v2 each `subscribe` can carry
        // where the client stopped (`since`, added by the shell).
        self.set_state(ConnState::Open, "open");
    }

    /// The welcome frame of the socket of `generation` said which protocol
    /// the server speaks: `v2` when its `data` has `protocol: 2` and this
    /// client's session (see `docs/PROTOCOL.md`). Called before
    /// [`on_frame`](Self::on_frame) hands the welcome over.
    pub fn set_protocol(&mut self, generation: u32, v2: bool) {
        if generation != self.generation {
            return;
        }
        if let Some(link) = self.link() {
            if !link.connected_emitted {
                link.v2 = v2;
            }
        }
        self.v2_seen |= v2;
    }

    /// A cumulative `ack` (`upTo`) arrived on the socket of `generation`
    /// (protocol v2): every in-flight message with an id up to `id` that is
    /// not a request or stream leaves the queue. Returns their ids (for the
    /// shell to settle their callbacks); empty for a stale socket.
    pub fn on_ack_up_to(&mut self, generation: u32, id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        if generation == self.generation && self.link_v2() {
            self.queue.ack_up_to(id, &mut out);
            self.stats.acknowledged += out.len() as u64;
        }
        out
    }

    /// An `ack` frame for message `id` arrived on the socket of `generation`
    /// (protocol v2; `refused` when it carries an `error`): the message
    /// leaves the queue. Returns false when no message `id` was in flight
    /// (a stale socket, a duplicate or unknown id), which the shell ignores.
    pub fn on_ack(&mut self, generation: u32, id: u32, refused: bool) -> bool {
        if generation != self.generation || !self.link_v2() || !self.queue.ack(id) {
            return false;
        }
        if refused {
            self.stats.refused += 1;
        } else {
            self.stats.acknowledged += 1;
        }
        true
    }

    /// A frame of `bytes` arrived on the socket of `generation`; `kind` is its
    /// type, or `None` when it was unusable (the shell reports why). Any frame
    /// proves the link alive: it ends the outstanding probe. Returns false
    /// for a stale socket's frame, which the shell must then ignore.
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
        link.probe = None;
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
            Some(FrameType::Connected) if first_welcome => {
                self.establish(now);
                self.emit(Event::Connected);
            }
            Some(FrameType::Pong) => {
                self.stats.last_pong_ms = Some(self.wall(now));
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
    /// call, the last of them at `now`; the shell counts and dispatches those
    /// in JS (no call into wasm per message) and credits them here before
    /// every tick and stats read. With `frames > 0` they prove the open link
    /// alive as of `now`: they end a probe started at or before then.
    pub fn credit(&mut self, now: f64, frames: u64, bytes: u64) {
        self.stats.messages_in += frames;
        self.stats.bytes_in += bytes;
        if frames > 0 {
            self.heard(now);
        }
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
    /// queue and later frames queue behind it, so order is kept. Returns
    /// the id of a user message that no longer fits, with the error
    /// reported for it (it is not sent).
    pub fn not_writable(&mut self, frame: Outgoing<F>, bytes: usize) -> Option<(u32, Error)> {
        if let Some(link) = self.link() {
            link.writable = false;
        }
        self.stats.messages_out = self.stats.messages_out.saturating_sub(1);
        self.stats.bytes_out = self.stats.bytes_out.saturating_sub(bytes as u64);
        // Control frames are rebuilt from the subscription set on reconnect;
        // a v2 message is still in the queue, in flight (sent again after the
        // loss); a v1 message goes back in front of the waiting ones, or is
        // refused, reported on `error`, when it no longer fits.
        let Outgoing::User(item, false) = frame else {
            return None;
        };
        match self.queue.check_room(item.bytes) {
            Ok(()) => {
                self.queue.unsend(item);
                None
            }
            Err(e) => {
                self.report(e.clone());
                Some((item.id, e))
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
}
