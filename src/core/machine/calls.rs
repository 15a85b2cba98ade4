//! Calls from the page: connect, disconnect, subscriptions, sends, and the
//! errors the shell reports.

use super::{Action, ConnState, Event, Machine, Outgoing, Socket};
use crate::core::frame::FrameType;
use crate::core::queue::Item;
use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

impl<F: Clone> Machine<F> {
    /// `connect()`: starts connecting if `Closed`; returns false (and does
    /// nothing) when already connecting, open or reconnecting.
    pub fn connect(&mut self, now: f64) -> bool {
        if self.state != ConnState::Closed {
            return false;
        }
        self.attempt = 0;
        self.hidden = false;
        self.set_state(ConnState::Connecting, "connect");
        self.start_socket(now);
        true
    }

    /// `disconnect()`: closes with 1000 and stops reconnecting. Afterwards no
    /// socket, timer deadline or event remains. Returns false if already closed.
    pub fn disconnect(&mut self, _now: f64) -> bool {
        if self.state == ConnState::Closed {
            return false;
        }
        let was_open = matches!(self.socket, Socket::Open(_));
        if self.socket != Socket::None {
            self.out.push(Action::Drop {
                code: 1000,
                reason: "client disconnect",
            });
        }
        self.forget_socket();
        // Unacknowledged messages are sent again after a later `connect()`.
        self.queue.rewind();
        self.reconnect_at = None;
        self.recheck_at = None;
        self.generation = self.generation.wrapping_add(1);
        self.stats.last_close_code = Some(1000);
        self.stats.last_close_reason = "client disconnect".into();
        if was_open {
            self.emit(Event::Disconnected {
                code: 1000,
                reason: "client disconnect".into(),
                was_clean: true,
                unsent_bytes: 0,
                will_reconnect: false,
                queued_messages: self.queue.len(),
            });
        }
        self.set_state(ConnState::Closed, "disconnect");
        true
    }

    /// `subscribe(channel)`: tracks the channel and sends `subscribe` if open
    /// and welcomed (else it goes with the others at the next welcome).
    /// Returns false when it was already tracked (nothing is sent twice).
    pub fn subscribe(&mut self, now: f64, channel: &str) -> Result<bool, Error> {
        crate::core::frame::check_channel(channel)?;
        if !self.subs.insert(channel) {
            return Ok(false);
        }
        if self.is_connected() && self.welcomed() {
            self.send_control(FrameType::Subscribe, Some(channel), now);
        }
        Ok(true)
    }

    /// `unsubscribe(channel)`: stops tracking and sends `unsubscribe` if open
    /// and welcomed.
    /// Returns false when the channel was not tracked.
    pub fn unsubscribe(&mut self, now: f64, channel: &str) -> bool {
        if !self.subs.remove(channel) {
            return false;
        }
        if self.is_connected() && self.welcomed() {
            self.send_control(FrameType::Unsubscribe, Some(channel), now);
        }
        true
    }

    /// `sendMessage`: sends the encoded frame now if [`can_send`](Self::can_send),
    /// else queues it (sent after the next welcome). Returns the message's
    /// id (from 1, strictly increasing). On a protocol v2 link the message
    /// stays queued, in flight, until the server acknowledges it, so it
    /// counts against the queue bounds meanwhile. A full queue is an error
    /// (also emitted on `error`) and nothing changes.
    pub fn send(&mut self, frame: F, bytes: usize) -> Result<u32, Error> {
        self.send_item(frame, bytes, false)
    }

    /// A request or stream (`docs/PROTOCOL.md`): like [`send`](Self::send),
    /// but only for a v2 server. Refused at once with [`Error::Unsupported`]
    /// (not reported on `error`: the caller's promise says it) when the
    /// open link is welcomed as v1; queued ones that meet a v1 link become
    /// [`Action::Unsent`].
    pub fn send_request(&mut self, frame: F, bytes: usize) -> Result<u32, Error> {
        if self.welcomed() && !self.link_v2() {
            return Err(Error::Unsupported);
        }
        self.send_item(frame, bytes, true)
    }

    /// Gives up message `id` (the page's timeout or `AbortSignal`): removed
    /// from the queue, waiting or in flight, so it is never sent (again).
    /// False when it is not queued.
    pub fn forget(&mut self, id: u32) -> bool {
        self.queue.remove(id)
    }

    fn send_item(&mut self, frame: F, bytes: usize, v2_only: bool) -> Result<u32, Error> {
        let id = self.last_id.wrapping_add(1).max(1);
        if !self.can_send() {
            self.queue
                .push_item(frame, bytes, id, v2_only)
                .inspect_err(|e| self.report(e.clone()))?;
            self.last_id = id;
            return Ok(id);
        }
        let v2 = self.link_v2();
        if v2 {
            self.queue
                .check_flight_room(bytes)
                .inspect_err(|e| self.report(e.clone()))?;
            self.queue.push_in_flight(frame.clone(), bytes, id, v2_only);
        }
        self.last_id = id;
        self.count_out(bytes);
        let item = Item {
            frame,
            bytes,
            id,
            sent_before: false,
            v2_only,
        };
        self.out.push(Action::Send(Outgoing::User(item, v2)));
        Ok(id)
    }

    /// For the shell's fast path of `sendMessage`: when a message may go
    /// straight to the socket, its id, whether the id goes on the wire (v2)
    /// and how many bytes it may have (`usize::MAX` on a v1 link, where
    /// nothing is kept); `None` when it must take [`send`](Self::send).
    /// Until [`sent_direct`](Self::sent_direct) or
    /// [`direct_failed`](Self::direct_failed), other messages queue behind
    /// it (a `toJSON` run by its encoding may send some), so ids reach the
    /// wire in order.
    pub fn direct(&mut self) -> Option<(u32, bool, usize)> {
        if !self.can_send() {
            return None;
        }
        let v2 = self.link_v2();
        let room = if v2 { self.queue.room()? } else { usize::MAX };
        self.last_id = self.last_id.wrapping_add(1).max(1);
        self.held = true;
        Some((self.last_id, v2, room))
    }

    /// The message [`direct`](Self::direct) gave `id` was handed to the
    /// socket with `bytes`: counted, and kept in flight until acknowledged
    /// when `frame` is given (a v2 link). What its encoding queued follows.
    pub fn sent_direct(&mut self, id: u32, frame: Option<F>, bytes: usize) {
        self.held = false;
        self.count_out(bytes);
        if let Some(frame) = frame {
            self.queue.push_in_flight(frame, bytes, id, false);
        }
        if self.queue.waiting() > 0 && self.welcomed() {
            self.flush();
        }
    }

    /// The message [`direct`](Self::direct) gave an id was not sent (the
    /// shell takes [`send`](Self::send) for it, with a new id). What its
    /// encoding queued follows.
    pub fn direct_failed(&mut self) {
        self.held = false;
        if self.queue.waiting() > 0 && self.welcomed() {
            self.flush();
        }
    }

    /// True when calls produced actions the shell has not taken.
    pub fn has_actions(&self) -> bool {
        !self.out.is_empty()
    }

    /// Counts an error the shell reports itself (a handler that threw).
    pub fn count_error(&mut self) {
        self.stats.errors += 1;
    }

    /// Reports an error on the `error` event.
    pub fn report(&mut self, e: Error) {
        self.stats.errors += 1;
        self.emit(Event::Error(e));
    }

    /// Reports a frame that was skipped (malformed, binary or too large).
    pub fn frame_dropped(&mut self, e: Error) {
        self.stats.dropped_frames += 1;
        self.report(e);
    }
}
