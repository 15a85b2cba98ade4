//! Delivering events to the page: the handler registry, what the welcome
//! frame said (the `connected` payload and the `clientId`), the debug log,
//! and what happens when a handler throws (reported on `error`, or on the
//! console for `error` handlers and when `error` has none; the other
//! handlers still run). It knows nothing of the client that owns it: a
//! thrown handler is counted through the callback each call is given.

use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::boundary;
use super::emitter::{report_pairs, Emitter};
use super::payloads;
use super::util::{set, to_js_error};
use crate::core::{Error, Event};
use crate::prelude::*;

/// Called once per handler that threw (the core counts it in `errors`).
pub(crate) type CountError<'a> = &'a dyn Fn();

/// The event side of one client.
pub(crate) struct Events {
    handlers: Emitter,
    debug: bool,
    user_id: Option<String>,
    /// The welcome frame's `data` (until `connected` is emitted with it) and
    /// `clientId` on the current socket.
    welcome: RefCell<(JsValue, Option<String>)>,
}

impl Events {
    /// No handlers yet; `debug` turns the console log on.
    pub(crate) fn new(debug: bool, user_id: Option<String>, handlers: Emitter) -> Events {
        Events {
            handlers,
            debug,
            user_id,
            welcome: RefCell::new((JsValue::UNDEFINED, None)),
        }
    }

    /// The handler registry.
    pub(crate) fn handlers(&self) -> &Emitter {
        &self.handlers
    }

    /// The `userId` the client was created with.
    pub(crate) fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The `clientId` of the current connection's welcome frame.
    pub(crate) fn client_id(&self) -> Option<String> {
        self.welcome.borrow().1.clone()
    }

    /// Forgets the welcome (a new socket opened).
    pub(crate) fn clear_welcome(&self) {
        *self.welcome.borrow_mut() = (JsValue::UNDEFINED, None);
    }

    /// Keeps what the welcome frame `v` (parsed) says, before `connected`
    /// is emitted, so its handlers see the `clientId`.
    /// Returns whether it offers protocol v2 for this client's session.
    pub(crate) fn set_welcome(&self, v: &JsValue) -> bool {
        let w = boundary::welcome(v, &self.handlers().z);
        *self.welcome.borrow_mut() = (w.get(0), w.get(1).as_string());
        w.get(2).is_truthy()
    }

    /// Writes `msg` to the console when `debug` is on (URLs already redacted).
    pub(crate) fn log(&self, msg: &str) {
        if self.debug {
            self.log_value(&JsValue::from_str(msg));
        }
    }

    /// Writes `what` and the URL `url`, redacted, when `debug` is on.
    pub(crate) fn log_redacted(&self, what: &str, url: &JsValue) {
        if self.debug {
            let tag = JsValue::from_str("[ZantaraWebSocket]");
            let line = JsValue::from_str(what);
            boundary::log("log", &tag, &line, &boundary::redact(url));
        }
    }

    fn log_value(&self, v: &JsValue) {
        let tag = JsValue::from_str("[ZantaraWebSocket]");
        boundary::log("log", &tag, v, &JsValue::UNDEFINED);
    }

    /// Emits `e` to its handlers.
    pub(crate) fn emit(&self, e: Event, count: CountError) {
        if let Event::State { from, to, reason } = &e {
            let line = [
                "state ",
                from.as_str(),
                " -> ",
                to.as_str(),
                " (",
                reason,
                ")",
            ];
            self.log(&line.concat());
        }
        let (name, payload) = payloads::event(e, || {
            // Taken: `connected` fires once per connection, and an idle
            // client keeps no copy of the server's welcome data.
            let w = core::mem::take(&mut self.welcome.borrow_mut().0);
            if w.is_undefined() {
                payloads::no_welcome(self.user_id())
            } else {
                w
            }
        });
        if name == "error" && self.debug {
            if self.handlers.has("error") {
                self.log_value(&payload);
            } else {
                boundary::log("warn", &payload, &JsValue::UNDEFINED, &JsValue::UNDEFINED);
            }
        }
        self.handlers.emit(name, &payload, &|event, thrown| {
            self.handler_threw(event, thrown, count)
        });
    }

    /// Emits `message` and the channel event of a parsed frame.
    pub(crate) fn dispatch_frame(&self, v: &JsValue, count: CountError) {
        self.handlers
            .dispatch_frame(v, &|event, thrown| self.handler_threw(event, thrown, count));
    }

    /// Reports what channel handlers threw in the JS listener (flat
    /// `[event, thrown[], ...]` pairs).
    pub(crate) fn report_thrown(&self, pairs: &JsValue, count: CountError) {
        report_pairs(pairs, &|event, thrown| {
            self.handler_threw(event, thrown, count)
        });
    }

    /// A handler of `event` threw: reported on `error` (or the console, for
    /// `error` handlers and when `error` has no handler).
    fn handler_threw(&self, event: &str, thrown: JsValue, count: CountError) {
        count();
        let message = ["a handler of `", event, "` threw"].concat();
        if event == "error" || !self.handlers.has("error") {
            return boundary::console_error(&message, &thrown);
        }
        let e = to_js_error(&Error::HandlerThrew {
            event: String::from(event),
        });
        set(e.unchecked_ref(), "cause", thrown);
        self.handlers.emit("error", &e, &|_, inner| {
            boundary::console_error(&message, &inner);
        });
    }
}
