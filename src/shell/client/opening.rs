//! Opening a socket for a generation: the token (a string, or a function
//! whose promise `awaitToken` waits for, reporting to the hub), the URL with
//! its query, and the socket in the client's JS state, whose events come
//! back to `inbound.rs`.

use wasm_bindgen::JsValue;

use super::{now, random, Client};
use crate::core::Error;
use crate::prelude::*;
use crate::shell::boundary;
use crate::shell::hub;
use crate::shell::token::TokenStart;

impl Client {
    pub(super) fn open(&self, generation: u32) {
        match self.cfg.token.start() {
            TokenStart::Ready(token) => self.open_with(generation, token),
            TokenStart::Wait(thenable) => {
                let wait = hub::next_wait();
                self.token_wait.set((wait, generation));
                boundary::await_token(&thenable, self.id, wait);
            }
            // Reported at the next wake-up (a timer task), as a socket's
            // failure is: a handler that calls connect() on `closed` must
            // not loop within one task.
            TokenStart::Failed(why) => {
                *self.token_failure.borrow_mut() = Some((generation, why));
            }
        }
    }

    /// The token wait `wait` settled: `ok` with the token in `v`, or not,
    /// with why in `v`. Ignored unless it is the wait this client expects,
    /// for the attempt it was started for.
    pub(super) fn token_settled(&self, wait: u32, ok: bool, v: JsValue) {
        let (expected, generation) = self.token_wait.get();
        if wait == 0 || wait != expected {
            return;
        }
        self.token_wait.set((0, 0));
        match (ok, v.as_string()) {
            (true, Some(token)) => self.open_with(generation, Some(token)),
            (_, why) => self.token_failed(generation, why.unwrap_or_default()),
        }
    }

    pub(super) fn token_failed(&self, generation: u32, detail: String) {
        let e = Error::TokenFailed { detail };
        self.with_core(|c| c.open_failed(now(), generation, e, random()));
    }

    pub(super) fn open_with(&self, generation: u32, token: Option<String>) {
        if !self.core.borrow().awaits_socket(generation) {
            return; // given up (disconnect, connect timeout, pagehide) while the token was awaited
        }
        let cfg = &self.cfg;
        let text = |s: Option<&str>| s.map_or(JsValue::UNDEFINED, JsValue::from_str);
        let url = boundary::with_params(
            &cfg.url,
            &text(self.events.user_id()),
            &text(cfg.role.as_deref()),
            &text(token.as_deref()),
            &crate::shell::util::get(self.z(), "s"),
        );
        self.events.log_redacted("connecting to", &url);
        self.drop_socket(0, "");
        match boundary::open_socket(self.z(), &url, generation) {
            None => {
                self.has_socket.set(true);
                hub::socket_opened();
                self.core.borrow_mut().socket_created(now(), generation);
            }
            Some(detail) => {
                let e = Error::SocketFailed { detail };
                self.with_core(|c| c.open_failed(now(), generation, e, random()));
            }
        }
    }
}
