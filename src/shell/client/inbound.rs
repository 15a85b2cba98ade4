//! What the socket reports through the hub: open, close, and frames the JS
//! listener did not dispatch itself (the welcome, pongs, bad input).

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use super::{now, random, Client};
use crate::core::codes::{Verdict, EXCERPT_CHARS};
use crate::core::frame::push_decimal;
use crate::core::Close;
use crate::prelude::*;
use crate::shell::boundary;

impl Client {
    pub(super) fn on_open(&self, generation: u32) {
        self.log("open");
        if self.core.borrow().generation() == generation {
            self.events.clear_welcome();
        }
        self.with_core(|c| c.on_open(now(), generation));
    }

    pub(super) fn on_close(&self, generation: u32, code: u16, reason: &str, was_clean: bool) {
        if self.core.borrow().generation() != generation {
            return;
        }
        // What the listener took from this socket, before it is forgotten
        // (`drop_socket` clears its generation).
        self.credit_frames();
        let unsent = self.unsent();
        self.drop_socket(0, "");
        let mut line = String::from("closed ");
        push_decimal(&mut line, u64::from(code), 1);
        line.push(' ');
        line.push_str(reason);
        self.log(&line);
        let close = Close {
            code,
            reason,
            was_clean,
            unsent_bytes: unsent,
        };
        self.with_core(|c| c.on_close(now(), generation, &close, random()));
    }

    /// A frame the JS listener did not dispatch itself: the welcome, pongs,
    /// other types and bad input, parsed once by the listener.
    pub(super) fn on_frame(
        &self,
        generation: u32,
        verdict: u32,
        len: usize,
        value: &JsValue,
        raw: &JsValue,
    ) {
        let verdict = Verdict::from_code(verdict).unwrap_or(Verdict::NotJson);
        let kind = verdict.frame_type();
        if verdict == Verdict::Connected && self.core.borrow().generation() == generation {
            // Before the core emits `connected`, so handlers see the clientId
            // and the queue is flushed in the protocol the welcome names.
            let v2 = self.events.set_welcome(value);
            self.core.borrow_mut().set_protocol(generation, v2);
        }
        if !self
            .core
            .borrow_mut()
            .on_frame(now(), generation, kind, len)
        {
            return; // a stale socket's frame
        }
        if kind.is_none() {
            let head = match (verdict, raw.dyn_ref::<JsString>()) {
                (Verdict::TooLarge, _) | (_, None) => String::new(),
                (_, Some(text)) => String::from(text.slice(0, EXCERPT_CHARS as u32 + 1)),
            };
            if let Some(e) = verdict.error(len, &head, self.cfg.max_frame) {
                self.with_core(|c| c.frame_dropped(e));
            }
            return;
        }
        if verdict == Verdict::Ack {
            let code = boundary::ack_of(value);
            let id = (code / 4.0) as u32;
            if code % 4.0 == 2.0 {
                // Cumulative: every message up to `id` (requests excepted).
                let ids = self.core.borrow_mut().on_ack_up_to(generation, id);
                if !ids.is_empty() {
                    boundary::ack_settle_all(self.z(), &ids);
                }
                return self.run();
            }
            let refused = code % 4.0 == 1.0;
            if self.core.borrow_mut().on_ack(generation, id, refused) {
                boundary::ack_settle(self.z(), id, u32::from(refused), value);
            }
            // A protocol frame: not shown to `message` handlers (one per send).
            return self.run();
        }
        self.run();
        self.events.dispatch_frame(value, &|| self.count_error());
    }
}
