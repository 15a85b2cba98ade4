//! Calls from the page: connect, disconnect, subscriptions, sends, and the
//! errors the shell reports.

use super::{Action, ConnState, Event, Machine, Outgoing, Socket};
use crate::core::frame::FrameType;
use crate::core::Error;
#[allow(unused_imports)]
use crate::prelude::*;

impl<F> Machine<F> {
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
            });
        }
        self.set_state(ConnState::Closed, "disconnect");
        true
    }

    /// `subscribe(channel)`: tracks the channel and sends `subscribe` if open.
    /// Returns false when it was already tracked (nothing is sent twice).
    pub fn subscribe(&mut self, now: f64, channel: &str) -> Result<bool, Error> {
        crate::core::frame::check_channel(channel)?;
        if !self.subs.insert(channel) {
            return Ok(false);
        }
        if self.is_connected() {
            self.send_control(FrameType::Subscribe, Some(channel), now);
        }
        Ok(true)
    }

    /// `unsubscribe(channel)`: stops tracking and sends `unsubscribe` if open.
    /// Returns false when the channel was not tracked.
    pub fn unsubscribe(&mut self, now: f64, channel: &str) -> bool {
        if !self.subs.remove(channel) {
            return false;
        }
        if self.is_connected() {
            self.send_control(FrameType::Unsubscribe, Some(channel), now);
        }
        true
    }

    /// `sendMessage`: sends the encoded frame now if open, else queues it.
    /// A full queue is an error (also emitted on `error`) and nothing changes.
    pub fn send(&mut self, frame: F, bytes: usize) -> Result<(), Error> {
        if self.is_connected() {
            self.count_out(bytes);
            self.out.push(Action::Send(Outgoing::User(frame)));
            return Ok(());
        }
        self.queue
            .push(frame, bytes)
            .inspect_err(|e| self.report(e.clone()))
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
