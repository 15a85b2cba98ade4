//! Opening a socket for a generation: the token (a string, or a function
//! whose promise is awaited in a [`TokenWait`] that releases itself), the URL
//! with its query, and the [`Socket`] whose events come back to
//! `inbound.rs`.

use super::{now, random, Client};
use crate::core::url;
use crate::core::Error;
use crate::shell::boundary;
use crate::shell::socket::Socket;
use crate::shell::token::{TokenStart, TokenWait};
use crate::shell::wake::Wake;

impl Client {
    pub(super) fn open(&self, generation: u32) {
        match self.cfg.token.start() {
            TokenStart::Ready(token) => self.open_with(generation, token),
            TokenStart::Wait(thenable) => {
                let me = self.me.clone();
                let wait = TokenWait::new(&thenable, move |r| {
                    if let Some(c) = me.upgrade() {
                        c.token_settled(generation, r);
                    }
                });
                let old = self.token_wait.borrow_mut().replace(wait);
                drop(old);
            }
            // Reported from a timer, as a socket's failure is: a handler that
            // calls connect() on `closed` must not loop within one task.
            TokenStart::Failed(why) => {
                let me = self.me.clone();
                let t = now();
                let timer = Wake::new(t, t, move || {
                    if let Some(c) = me.upgrade() {
                        let fired = c.token_failure.borrow_mut().take();
                        drop(fired);
                        c.token_failed(generation, why);
                    }
                });
                let old = self.token_failure.borrow_mut().replace(timer);
                drop(old);
            }
        }
    }

    pub(super) fn token_settled(&self, generation: u32, r: Result<String, String>) {
        // Freed after this callback returns (wasm-bindgen defers freeing a
        // closure that is running).
        let wait = self.token_wait.borrow_mut().take();
        drop(wait);
        match r {
            Ok(token) => self.open_with(generation, Some(token)),
            Err(why) => self.token_failed(generation, why),
        }
    }

    pub(super) fn token_failed(&self, generation: u32, detail: String) {
        let e = Error::TokenFailed { detail };
        self.with_core(|c| c.open_failed(now(), generation, e, random()));
    }

    pub(super) fn open_with(&self, generation: u32, token: Option<String>) {
        if self.core.borrow().generation() != generation {
            return; // disconnected or replaced while the token was awaited
        }
        let cfg = &self.cfg;
        let url = url::with_params(
            &cfg.url,
            self.events.user_id(),
            cfg.role.as_deref(),
            token.as_deref(),
        );
        self.log(&["connecting to ", &url::redact(&url)].concat());
        let me = self.me.clone();
        let report = move |ev| {
            if let Some(c) = me.upgrade() {
                c.on_socket(generation, ev);
            }
        };
        let h = self.handlers();
        match Socket::open(&url, &h.registry, &h.counts, cfg.max_frame as f64, report) {
            Ok(s) => {
                let old = self.socket.borrow_mut().replace(s);
                drop(old);
                self.core.borrow_mut().socket_created(now(), generation);
            }
            Err(e) => {
                // The browser's message may quote the URL: keep tokens out.
                let detail = url::redact(&boundary::describe(&e));
                let e = Error::SocketFailed { detail };
                self.with_core(|c| c.open_failed(now(), generation, e, random()));
            }
        }
    }
}
