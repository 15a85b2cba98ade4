//! One client: the core's [`Machine`] and the JS resources that carry its
//! decisions out (the socket, one wake-up timer, a pending token wait, the
//! registry's hold and the handlers). Events come in from those resources
//! through the callbacks given to them; the core's actions go out in
//! [`Client::run`].
//!
//! Rules kept throughout: closures hold a `Weak` of the client; no `RefCell`
//! borrow is held while user code runs (handlers, the token function,
//! `toJSON`), and state is read again after each call out, since the user
//! may have called any method meanwhile; events of an old socket generation
//! are ignored.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use super::boundary;
use super::counters::{self, Kind};
use super::emitter::{report_pairs, Emitter};
use super::page::PageEvent;
use super::payloads;
use super::registry::{self, PageSink};
use super::socket::{Socket, SocketEvent};
use super::token::{Token, TokenStart, TokenWait};
use super::util::{channel_fault, get, set, to_js_error};
use super::wake::Wake;
use crate::core::codes::{Verdict, EXCERPT_CHARS};
use crate::core::url;
use crate::core::{Action, Close, ConnState, Error, Event, Machine, Outgoing};

/// What the shell was configured with, beyond the core's options.
pub(crate) struct Config {
    /// The server URL without the query the client adds.
    pub(crate) url: String,
    /// `?userId=`.
    pub(crate) user_id: Option<String>,
    /// `?role=`.
    pub(crate) role: Option<String>,
    /// `?token=`.
    pub(crate) token: Token,
    /// Log to the console.
    pub(crate) debug: bool,
    /// `maxFrameSize`, in UTF-16 code units.
    pub(crate) max_frame: usize,
}

/// The wall clock, in ms.
pub(crate) fn now() -> f64 {
    js_sys::Date::now()
}

fn random() -> f64 {
    js_sys::Math::random()
}

/// The state of one client, shared by the JS wrapper, the registry and (as
/// `Weak`) every closure.
pub(crate) struct Client {
    me: Weak<Client>,
    cfg: Config,
    core: RefCell<Machine<JsString>>,
    handlers: Emitter,
    socket: RefCell<Option<Socket>>,
    wake: RefCell<Option<Wake>>,
    token_wait: RefCell<Option<TokenWait>>,
    /// Whether the registry holds this client.
    held: Cell<bool>,
    /// The welcome frame's `data` and `clientId` on the current socket.
    welcome: RefCell<(JsValue, Option<String>)>,
    /// Depth of `run` calls, so only the outermost syncs resources.
    depth: Cell<u32>,
}

impl Drop for Client {
    fn drop(&mut self) {
        counters::dec(Kind::Instance);
    }
}

impl PageSink for Client {
    fn on_page(&self, ev: PageEvent) {
        let t = now();
        self.with_core(|c| match ev {
            PageEvent::Online => c.set_online(t, true),
            PageEvent::Offline => c.set_online(t, false),
            PageEvent::Hide => c.page_hide(t),
            PageEvent::Show => c.page_show(t),
        });
    }
}

impl Client {
    /// A client in state `Closed`.
    pub(crate) fn new(cfg: Config, core: Machine<JsString>) -> Rc<Client> {
        counters::inc(Kind::Instance);
        Rc::new_cyclic(|me| Client {
            me: me.clone(),
            cfg,
            core: RefCell::new(core),
            handlers: Emitter::new(),
            socket: RefCell::new(None),
            wake: RefCell::new(None),
            token_wait: RefCell::new(None),
            held: Cell::new(false),
            welcome: RefCell::new((JsValue::UNDEFINED, None)),
            depth: Cell::new(0),
        })
    }

    /// The handler registry.
    pub(crate) fn handlers(&self) -> &Emitter {
        &self.handlers
    }

    /// Reads the core (no user code may run while the borrow lives).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Machine<JsString>) -> R) -> R {
        f(&self.core.borrow())
    }

    /// Calls into the core, then carries out its actions.
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&mut Machine<JsString>) -> R) -> R {
        let r = f(&mut self.core.borrow_mut());
        self.run();
        r
    }

    /// `sendMessage`: sent at once when open (one JS call checks, encodes and
    /// sends), else encoded and queued by the core. `Ok(false)` when the
    /// queue refused it.
    pub(crate) fn send_message(&self, channel: &JsValue, data: &JsValue) -> Result<bool, Error> {
        let unserializable = |e: &JsValue| Error::Unserializable {
            detail: boundary::describe(e),
        };
        if self.core.borrow().is_connected() {
            let out = js_sys::Object::new();
            let sent = match self.socket.borrow().as_ref() {
                Some(s) => boundary::send_now(&s.ws, channel, data, &out),
                None => -1.0,
            };
            if sent >= 0.0 {
                self.core.borrow_mut().sent_direct(sent as usize);
                return Ok(true);
            }
            if sent == -2.0 {
                return Err(unserializable(&get(&out, "error")));
            }
            if sent <= -16.0 {
                return Err(channel_fault(channel, (-16.0 - sent) as u32));
            }
            // Not open after all (closing, or closed by the data's `toJSON`):
            // queue below, in order.
        }
        let fault = boundary::check_channel(channel);
        if fault != 0 {
            return Err(channel_fault(channel, fault));
        }
        let text = boundary::encode(channel, data).map_err(|e| unserializable(&e))?;
        let bytes = text.length() as usize;
        Ok(self.with_core(|c| c.send(text, bytes)).is_ok())
    }

    // ----- carrying out the core's actions -----------------------------------

    /// Carries out the core's actions in order. A handler may re-enter; if it
    /// changes the socket generation (disconnect, connect), the rest of this
    /// batch is stale: its frames go back to the core uncounted (user
    /// messages to the queue), since the nested call ran its own batch.
    fn run(&self) {
        self.depth.set(self.depth.get() + 1);
        loop {
            let (actions, generation) = {
                let mut core = self.core.borrow_mut();
                (core.take_actions(), core.generation())
            };
            if actions.is_empty() {
                break;
            }
            for action in actions {
                if self.core.borrow().generation() != generation {
                    if let Action::Send(out) = action {
                        self.requeue(out);
                    }
                    continue;
                }
                self.perform(action, generation);
            }
        }
        self.depth.set(self.depth.get() - 1);
        if self.depth.get() == 0 {
            self.sync_resources();
        }
    }

    fn perform(&self, action: Action<JsString>, generation: u32) {
        match action {
            Action::Send(out) => self.send(out),
            Action::Open { generation: g } if g == generation => self.open(g),
            Action::Open { .. } => {}
            Action::Drop { code, reason } => {
                let socket = self.socket.borrow_mut().take();
                if let Some(s) = socket {
                    s.shut(code, reason);
                }
            }
            Action::Emit(e) => self.emit(e),
        }
    }

    fn send(&self, out: Outgoing<JsString>) {
        let sock = self.socket.borrow();
        let Some(s) = sock.as_ref().filter(|s| s.is_open()) else {
            drop(sock);
            return self.requeue(out);
        };
        let r = match &out {
            Outgoing::Control(text) => s.ws.send_with_str(text),
            Outgoing::User(text) => s.ws.unchecked_ref::<boundary::RawSocket>().send_js(text),
        };
        drop(sock);
        if r.is_err() {
            self.requeue(out);
        }
    }

    /// Hands a frame that was not sent back to the core (uncounted; a user
    /// message goes back to the queue, a control frame is rebuilt later).
    fn requeue(&self, out: Outgoing<JsString>) {
        let bytes = match &out {
            Outgoing::Control(t) => t.len(),
            Outgoing::User(t) => t.length() as usize,
        };
        self.core.borrow_mut().not_writable(out, bytes);
    }

    /// Timer, token wait, page listeners and registry follow the state:
    /// present while the client is active, gone once it is closed.
    fn sync_resources(&self) {
        let (closed, deadline) = {
            let core = self.core.borrow();
            (core.state() == ConnState::Closed, core.next_deadline())
        };
        if closed {
            let wake = self.wake.borrow_mut().take();
            let wait = self.token_wait.borrow_mut().take();
            drop((wake, wait));
            if self.held.replace(false) {
                registry::release((self as *const Client).cast());
            }
            return;
        }
        if !self.held.get() {
            if let Some(me) = self.me.upgrade() {
                self.held.set(true);
                registry::hold(me);
            }
            let online = get(&get(&js_sys::global(), "navigator"), "onLine");
            if online.as_bool() == Some(false) {
                self.with_core(|c| c.set_online(now(), false));
                return;
            }
        }
        let mut wake = self.wake.borrow_mut();
        match deadline {
            None => *wake = None,
            // A timer set for earlier is kept: it fires, finds nothing due,
            // and is set again. Deadlines that only move later (every frame
            // moves the heartbeat's) thus cost no timer churn.
            Some(at) if wake.as_ref().is_some_and(|w| w.at <= at) => {}
            Some(at) => {
                let me = self.me.clone();
                *wake = Some(Wake::new(at, now(), move || {
                    if let Some(c) = me.upgrade() {
                        c.on_wake();
                    }
                }));
            }
        }
    }

    fn on_wake(&self) {
        let wake = self.wake.borrow_mut().take();
        drop(wake);
        self.credit_frames();
        let unsent = self.socket.borrow().as_ref().map_or(0, Socket::unsent);
        self.with_core(|c| c.tick(now(), random(), unsent));
    }

    /// Reports the channel messages the JS listener handled to the core, as
    /// of the time the last one arrived.
    pub(crate) fn credit_frames(&self) {
        let counts = self.handlers.take_counts();
        if counts.frames > 0 {
            let mut core = self.core.borrow_mut();
            core.credit(counts.last_at, counts.frames, counts.units);
        }
    }

    // ----- opening ------------------------------------------------------------

    fn open(&self, generation: u32) {
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
            TokenStart::Failed(why) => self.token_failed(generation, why),
        }
    }

    fn token_settled(&self, generation: u32, r: Result<String, String>) {
        // Freed after this callback returns (wasm-bindgen defers freeing a
        // closure that is running).
        let wait = self.token_wait.borrow_mut().take();
        drop(wait);
        match r {
            Ok(token) => self.open_with(generation, Some(token)),
            Err(why) => self.token_failed(generation, why),
        }
    }

    fn token_failed(&self, generation: u32, detail: String) {
        let e = Error::TokenFailed { detail };
        self.with_core(|c| c.open_failed(now(), generation, e, random()));
    }

    fn open_with(&self, generation: u32, token: Option<String>) {
        if self.core.borrow().generation() != generation {
            return; // disconnected or replaced while the token was awaited
        }
        let cfg = &self.cfg;
        let url = url::with_params(
            &cfg.url,
            cfg.user_id.as_deref(),
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
        let h = &self.handlers;
        match Socket::open(&url, &h.registry, &h.counts, cfg.max_frame as f64, report) {
            Ok(s) => {
                let old = self.socket.borrow_mut().replace(s);
                drop(old);
            }
            Err(e) => {
                // The browser's message may quote the URL: keep tokens out.
                let detail = url::redact(&boundary::describe(&e));
                let e = Error::SocketFailed { detail };
                self.with_core(|c| c.open_failed(now(), generation, e, random()));
            }
        }
    }

    // ----- socket events ------------------------------------------------------

    fn on_socket(&self, generation: u32, ev: SocketEvent) {
        match ev {
            SocketEvent::Open => {
                self.log("open");
                if self.core.borrow().generation() == generation {
                    *self.welcome.borrow_mut() = (JsValue::UNDEFINED, None);
                }
                self.with_core(|c| c.on_open(now(), generation));
            }
            SocketEvent::Close {
                code,
                reason,
                was_clean,
            } => self.on_close(generation, code, &reason, was_clean),
            SocketEvent::Frame {
                verdict,
                len,
                value,
                raw,
            } => self.on_frame(generation, verdict, len as usize, &value, &raw),
            SocketEvent::Thrown(pairs) => {
                report_pairs(&pairs, &|event, thrown| self.handler_threw(event, thrown));
            }
        }
    }

    fn on_close(&self, generation: u32, code: u16, reason: &str, was_clean: bool) {
        if self.core.borrow().generation() != generation {
            return;
        }
        let socket = self.socket.borrow_mut().take();
        let unsent = socket.as_ref().map_or(0, Socket::unsent);
        drop(socket);
        self.log(&["closed ", &code.to_string(), " ", reason].concat());
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
    fn on_frame(&self, generation: u32, verdict: u32, len: usize, value: &JsValue, raw: &JsValue) {
        let verdict = Verdict::from_code(verdict).unwrap_or(Verdict::NotJson);
        let kind = verdict.frame_type();
        if verdict == Verdict::Connected && self.core.borrow().generation() == generation {
            // Before the core emits `connected`, so handlers see the clientId.
            let w = boundary::welcome(value);
            *self.welcome.borrow_mut() = (w.get(0), w.get(1).as_string());
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
        self.run();
        self.handlers
            .dispatch_frame(value, &|event, thrown| self.handler_threw(event, thrown));
    }

    // ----- events ---------------------------------------------------------------

    fn emit(&self, e: Event) {
        match &e {
            Event::State { from, to, reason } => {
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
            Event::Error(err) => self.log(&err.to_string()),
            _ => {}
        }
        let (name, payload) = payloads::event(e, || {
            let w = self.welcome.borrow().0.clone();
            if w.is_undefined() {
                payloads::no_welcome(self.cfg.user_id.as_deref())
            } else {
                w
            }
        });
        if name == "error" && self.cfg.debug && !self.handlers.has("error") {
            boundary::log("warn", &payload, &JsValue::UNDEFINED);
        }
        self.handlers.emit(name, &payload, &|event, thrown| {
            self.handler_threw(event, thrown)
        });
    }

    /// A handler of `event` threw: reported on `error` (or the console, for
    /// `error` handlers and when `error` has no handler); the others ran.
    fn handler_threw(&self, event: &str, thrown: JsValue) {
        self.core.borrow_mut().count_error();
        let message = ["a `", event, "` handler threw"].concat();
        if event == "error" || !self.handlers.has("error") {
            return boundary::log_error(&message, &thrown);
        }
        let e = to_js_error(&Error::HandlerThrew {
            event: event.to_string(),
        });
        set(e.unchecked_ref(), "cause", thrown);
        self.handlers.emit("error", &e, &|_, inner| {
            boundary::log_error(&message, &inner);
        });
    }

    /// `getStats()`.
    pub(crate) fn stats(&self) -> JsValue {
        self.credit_frames();
        let welcome = self.welcome.borrow();
        let id = welcome.1.as_deref();
        let user = self.cfg.user_id.as_deref();
        payloads::stats(&self.core.borrow(), id, user, now())
    }

    /// Writes `msg` to the console when `debug` is on (URLs already redacted).
    pub(crate) fn log(&self, msg: &str) {
        if self.cfg.debug {
            let tag = JsValue::from_str("[ZantaraWebSocket]");
            boundary::log("log", &tag, &JsValue::from_str(msg));
        }
    }
}
