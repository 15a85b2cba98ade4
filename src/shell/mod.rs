//! The browser shell: the `#[wasm_bindgen]` class `ZantaraWebSocket`.
//!
//! It owns the JS resources (the socket and its listeners, one wake-up
//! timer, the page listeners, a pending token promise) and carries events
//! into the [`Machine`], then carries out the machine's actions. Rules kept
//! throughout: closures hold a `Weak` of their owner; no `RefCell` borrow is
//! held while user code runs; events of an old socket generation are ignored.

mod counters;
mod emitter;
mod js;
mod options;
mod page;
mod registry;
mod socket;
mod util;
mod wake;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, JsString, Object, Promise};
use wasm_bindgen::prelude::*;

pub use counters::debug_counters;

use crate::core::frame::{excerpt, FrameType};
use crate::core::url::{self, Page};
use crate::core::{Action, Close, ConnState, Error, Event, Machine, Outgoing};
use counters::Kind;
use emitter::Emitter;
use options::Token;
use page::PageEvent;
use socket::Socket;
use util::{get, set, to_js_error, type_error};
use wake::Wake;

/// How much of a bad frame an `error` event quotes.
const EXCERPT_CHARS: usize = 120;

/// A WebSocket client with the legacy `ZantaraWebSocket` API.
///
/// ```js
/// const ws = new ZantaraWebSocket('user@example.com', { debug: true });
/// ws.on('connected', () => ws.subscribe('chat'));
/// ws.on('chat', (data) => console.log(data));
/// ws.sendMessage('chat', { text: 'Hello!' });
/// ```
#[wasm_bindgen]
pub struct ZantaraWebSocket {
    inner: Rc<Inner>,
}

/// What the shell was configured with, beyond the core's options.
struct Config {
    url: String,
    user_id: Option<String>,
    role: Option<String>,
    token: Token,
    debug: bool,
    max_frame: usize,
}

/// The state of one client, shared by the JS wrapper, the registry and (as
/// `Weak`) every closure.
pub(crate) struct Inner {
    me: Weak<Inner>,
    cfg: Config,
    core: RefCell<Machine<JsString>>,
    handlers: Emitter,
    socket: RefCell<Option<Socket>>,
    wake: RefCell<Option<Wake>>,
    /// Callbacks of token promises not yet settled. They are kept until
    /// their promise settles (a dropped closure would throw when called);
    /// one for an old generation then does nothing.
    token_waits: RefCell<Vec<TokenWait>>,
    next_wait: Cell<u32>,
    /// Whether the registry holds this instance.
    held: Cell<bool>,
    client_id: RefCell<Option<String>>,
    welcome: RefCell<JsValue>,
    /// Depth of `run` calls, so only the outermost syncs resources.
    depth: Cell<u32>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn random() -> f64 {
    js_sys::Math::random()
}

fn err_value(e: Error) -> JsValue {
    to_js_error(&e)
}

#[wasm_bindgen]
impl ZantaraWebSocket {
    /// `new ZantaraWebSocket(userId?, options?)`: connects at once unless
    /// `autoConnect: false`. Throws a `TypeError` for wrong option types or
    /// ranges, or an unusable URL.
    #[wasm_bindgen(constructor)]
    pub fn new(user_id: JsValue, options: JsValue) -> Result<ZantaraWebSocket, JsValue> {
        let user_id = if user_id.is_undefined() || user_id.is_null() {
            None
        } else if let Some(s) = user_id.as_string() {
            Some(s)
        } else if let Some(n) = user_id.as_f64() {
            // JS formats the number (Rust's float formatting costs 20 KB of wasm).
            js_sys::Number::from(n)
                .to_string_with_radix(10)
                .ok()
                .map(String::from)
        } else {
            return Err(type_error("userId must be a string"));
        };
        let parsed = options::parse(&options).map_err(err_value)?;
        let opts = parsed.opts;
        let global = js_sys::global();
        let configured = opts
            .ws_url
            .clone()
            .or_else(|| get(&global, "ZANTARA_WS_URL").as_string());
        let location = get(&global, "location");
        let (protocol, host) = (
            get(&location, "protocol").as_string().unwrap_or_default(),
            get(&location, "host").as_string().unwrap_or_default(),
        );
        let page = (!protocol.is_empty()).then_some(Page {
            protocol: &protocol,
            host: &host,
        });
        let url = url::resolve(configured.as_deref(), page.as_ref()).map_err(err_value)?;
        let cfg = Config {
            url,
            user_id,
            role: opts.role.clone(),
            token: parsed.token,
            debug: opts.debug,
            max_frame: opts.max_frame_size as usize,
        };
        let inner = Rc::new_cyclic(|me| Inner {
            me: me.clone(),
            cfg,
            core: RefCell::new(Machine::new(&opts)),
            handlers: Emitter::default(),
            socket: RefCell::new(None),
            wake: RefCell::new(None),
            token_waits: RefCell::new(Vec::new()),
            next_wait: Cell::new(0),
            held: Cell::new(false),
            client_id: RefCell::new(None),
            welcome: RefCell::new(JsValue::UNDEFINED),
            depth: Cell::new(0),
        });
        counters::inc(Kind::Instance);
        for key in &parsed.unknown {
            inner.log(&format!("ignoring unknown option `{key}`"));
        }
        if opts.auto_connect {
            inner.with_core(|c| c.connect(now()));
        }
        Ok(ZantaraWebSocket { inner })
    }

    /// Starts connecting again after `disconnect()` or `reconnect_failed`
    /// (does nothing while connecting, open or reconnecting).
    pub fn connect(&self) {
        self.inner.with_core(|c| c.connect(now()));
    }

    /// Closes the connection (code 1000) and stops auto-reconnect. Leaves no
    /// socket, timer or listener behind; handlers stay registered for a later
    /// `connect()`.
    pub fn disconnect(&self) {
        self.inner.with_core(|c| c.disconnect(now()));
    }

    /// Subscribes to `channel` (sent now if open, and again after every
    /// reconnect). Returns false if already subscribed. Throws a `TypeError`
    /// for an empty or non-string channel or one named like a built-in event.
    pub fn subscribe(&self, channel: JsValue) -> Result<bool, JsValue> {
        let name = channel_name(&channel)?;
        self.inner
            .with_core(|c| c.subscribe(now(), &name))
            .map_err(err_value)
    }

    /// Unsubscribes from `channel`. Returns false if it was not subscribed.
    pub fn unsubscribe(&self, channel: JsValue) -> Result<bool, JsValue> {
        let name = channel_name(&channel)?;
        Ok(self.inner.with_core(|c| c.unsubscribe(now(), &name)))
    }

    /// Sends `data` on `channel`: at once when open, else queued (bounded by
    /// `maxQueuedMessages` and `maxQueuedBytes`) and sent in order after the
    /// next connect. Returns `true` when sent or queued, `false` when refused
    /// (a full queue; the reason goes to `error`). Throws a `TypeError` for a
    /// bad channel or data that JSON cannot encode (cyclic, BigInt).
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&self, channel: JsValue, data: JsValue) -> Result<bool, JsValue> {
        let unserializable = |e: JsValue| {
            err_value(Error::Unserializable {
                detail: js::zws_describe(&e),
            })
        };
        let inner = &self.inner;
        // Fast path, while open: one call checks, encodes and sends.
        if inner.core.borrow().is_connected() {
            let sent = match inner.socket.borrow().as_ref() {
                Some(s) => js::zws_send_now(&s.ws, &channel, &data).map_err(unserializable)?,
                None => -1.0,
            };
            if sent >= 0.0 {
                inner.core.borrow_mut().sent_direct(sent as usize);
                return Ok(true);
            }
            if sent <= -10.0 {
                return Err(channel_error(&channel, -10 - sent as i32));
            }
            // Not open after all (closing): queue below, in order.
        }
        let text = js::zws_encode(&channel, &data).map_err(unserializable)?;
        if let Some(code) = text.as_f64() {
            return Err(channel_error(&channel, code as i32));
        }
        let text: JsString = text.unchecked_into();
        let bytes = text.length() as usize;
        Ok(inner.with_core(|c| c.send(text, bytes)).is_ok())
    }

    /// Adds `handler` for `event`: `connected`, `disconnected`, `error`,
    /// `message`, `reconnecting`, `reconnect_failed`, `state`, `pong`, or a
    /// channel name.
    pub fn on(&self, event: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (event, f) = event_and_handler(&event, handler)?;
        self.inner.handlers.add(&event, &f, false);
        Ok(())
    }

    /// Adds `handler` for `event`, removed after its first call.
    pub fn once(&self, event: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (event, f) = event_and_handler(&event, handler)?;
        self.inner.handlers.add(&event, &f, true);
        Ok(())
    }

    /// Removes `handler` from `event`; without a handler, removes all of the
    /// event's handlers.
    pub fn off(&self, event: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let name = event
            .as_string()
            .ok_or_else(|| type_error("event name must be a string"))?;
        if !handler.is_undefined() && !handler.is_function() {
            return Err(type_error("handler must be a function"));
        }
        self.inner.handlers.remove(&name, &handler);
        Ok(())
    }

    /// True when the socket is open.
    #[wasm_bindgen(js_name = isConnected)]
    pub fn is_connected(&self) -> bool {
        self.inner.core.borrow().is_connected()
    }

    /// `'connecting' | 'open' | 'reconnecting' | 'closed'`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.inner.core.borrow().state().as_str().to_string()
    }

    /// The subscribed channels as a `Set` (a snapshot), so the legacy
    /// `ws.subscriptions.has('chat')` works.
    #[wasm_bindgen(getter)]
    pub fn subscriptions(&self) -> js_sys::Set {
        let set = js_sys::Set::new(&JsValue::UNDEFINED);
        for c in self.inner.core.borrow().subscriptions() {
            set.add(&JsValue::from_str(c));
        }
        set
    }

    /// Connection statistics: the legacy fields (`connected`, `clientId`,
    /// `userId`, `subscriptions`, `reconnectAttempts`, `lastPong`) and health
    /// counters. Never includes the token.
    #[wasm_bindgen(js_name = getStats)]
    pub fn get_stats(&self) -> JsValue {
        self.inner.stats()
    }
}

/// Reads a channel argument for `subscribe`/`unsubscribe`.
fn channel_name(channel: &JsValue) -> Result<String, JsValue> {
    match js::zws_check_channel(channel) {
        // Only the name-based checks remain, which the core makes itself.
        0 | 3 | 4 => channel.as_string().ok_or_else(|| channel_error(channel, 1)),
        code => Err(channel_error(channel, code)),
    }
}

/// The `TypeError` for a channel refused by the JS check with `code`.
fn channel_error(channel: &JsValue, code: i32) -> JsValue {
    let e = match code {
        2 => return type_error("channel must not contain lone surrogates"),
        3 => Error::InvalidChannel {
            reason: "must be at most 256 bytes",
        },
        4 => Error::ReservedChannel {
            name: channel.as_string().unwrap_or_default(),
        },
        _ => Error::InvalidChannel {
            reason: "must be a non-empty string",
        },
    };
    err_value(e)
}

fn event_and_handler(event: &JsValue, handler: JsValue) -> Result<(String, Function), JsValue> {
    let name = event
        .as_string()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| type_error("event name must be a non-empty string"))?;
    let f = handler
        .dyn_into::<Function>()
        .map_err(|_| type_error("handler must be a function"))?;
    Ok((name, f))
}

/// The callbacks attached to one token promise.
struct TokenWait {
    id: u32,
    _ok: Closure<dyn FnMut(JsValue)>,
    _err: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        counters::dec(Kind::Instance);
    }
}

impl Inner {
    /// Calls into the core, then carries out its actions.
    fn with_core<R>(&self, f: impl FnOnce(&mut Machine<JsString>) -> R) -> R {
        let r = f(&mut self.core.borrow_mut());
        self.run();
        r
    }

    /// Carries out the core's actions in order. A handler may re-enter; if it
    /// changes the socket generation (disconnect, connect), the rest of this
    /// batch is stale and skipped, since the nested call ran its own.
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
                    if let Action::Send(Outgoing::User(f)) = action {
                        self.requeue(Outgoing::User(f));
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
        let Some(s) = sock
            .as_ref()
            .filter(|s| s.ws.ready_state() == web_sys::WebSocket::OPEN)
        else {
            drop(sock);
            return self.requeue(out);
        };
        let r = match &out {
            Outgoing::Control(text) => s.ws.send_with_str(text),
            Outgoing::User(text) => s.ws.unchecked_ref::<js::RawSocket>().send_js(text),
        };
        drop(sock);
        if r.is_err() {
            self.requeue(out);
        }
    }

    fn requeue(&self, out: Outgoing<JsString>) {
        let bytes = match &out {
            Outgoing::Control(t) => t.len(),
            Outgoing::User(t) => t.length() as usize,
        };
        self.core.borrow_mut().not_writable(out, bytes);
    }

    /// Timer, page listeners and registry follow the state: present while
    /// the client is active, gone once it is closed.
    fn sync_resources(&self) {
        let (closed, deadline) = {
            let core = self.core.borrow();
            (core.state() == ConnState::Closed, core.next_deadline())
        };
        if closed {
            let wake = self.wake.borrow_mut().take();
            drop(wake);
            if self.held.replace(false) {
                registry::release(self);
            }
            return;
        }
        if !self.held.get() {
            if let Some(me) = self.me.upgrade() {
                self.held.set(true);
                registry::hold(&me);
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
                    if let Some(inner) = me.upgrade() {
                        inner.on_wake();
                    }
                }));
            }
        }
    }

    fn on_wake(&self) {
        let wake = self.wake.borrow_mut().take();
        drop(wake);
        self.credit_frames();
        let unsent = self
            .socket
            .borrow()
            .as_ref()
            .map_or(0, |s| u64::from(s.ws.buffered_amount()));
        self.with_core(|c| c.tick(now(), random(), unsent));
    }

    /// Reports the channel messages the JS listener handled to the core.
    fn credit_frames(&self) {
        let (n, units) = self.handlers.take_counts();
        if n > 0 {
            self.core.borrow_mut().credit(now(), n, units);
        }
    }

    /// What channel-message handlers threw, reported from the JS listener.
    fn handlers_threw(&self, pairs: &JsValue) {
        emitter::report_pairs(pairs, &|event, thrown| self.handler_threw(event, thrown));
    }

    fn on_page(&self, ev: PageEvent) {
        let t = now();
        self.with_core(|c| match ev {
            PageEvent::Online => c.set_online(t, true),
            PageEvent::Offline => c.set_online(t, false),
            PageEvent::Hide => c.page_hide(t),
            PageEvent::Show => c.page_show(t),
        });
    }

    // ----- opening ----------------------------------------------------------

    fn open(&self, generation: u32) {
        match &self.cfg.token {
            Token::None => self.open_with(generation, None),
            Token::Fixed(t) => self.open_with(generation, Some(t.clone())),
            Token::Func(f) => match f.call0(&JsValue::UNDEFINED) {
                Ok(v) if v.is_string() => self.open_with(generation, v.as_string()),
                Ok(v) if js::zws_is_thenable(&v) => self.await_token(generation, v),
                Ok(_) => {
                    self.token_failed(generation, "it returned neither a string nor a Promise")
                }
                Err(e) => self.token_failed(generation, &js::zws_describe(&e)),
            },
        }
    }

    fn await_token(&self, generation: u32, thenable: JsValue) {
        let id = self.next_wait.get().wrapping_add(1);
        self.next_wait.set(id);
        let (ok_me, err_me) = (self.me.clone(), self.me.clone());
        let ok = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| {
            let Some(inner) = ok_me.upgrade() else { return };
            inner.token_settled(id);
            match v.as_string() {
                Some(t) => inner.open_with(generation, Some(t)),
                None => inner.token_failed(generation, "its promise resolved to a non-string"),
            }
        });
        let err = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let Some(inner) = err_me.upgrade() else {
                return;
            };
            inner.token_settled(id);
            inner.token_failed(generation, &js::zws_describe(&e));
        });
        let _ = Promise::resolve(&thenable).then2(&ok, &err);
        self.token_waits.borrow_mut().push(TokenWait {
            id,
            _ok: ok,
            _err: err,
        });
    }

    /// Frees a settled promise's callbacks (wasm-bindgen defers freeing a
    /// closure that is running until it returns).
    fn token_settled(&self, id: u32) {
        let wait = {
            let mut waits = self.token_waits.borrow_mut();
            let i = waits.iter().position(|w| w.id == id);
            i.map(|i| waits.swap_remove(i))
        };
        drop(wait);
    }

    fn token_failed(&self, generation: u32, detail: &str) {
        let e = Error::TokenFailed {
            detail: detail.to_string(),
        };
        self.with_core(|c| c.open_failed(now(), generation, e, random()));
    }

    fn open_with(&self, generation: u32, token: Option<String>) {
        if self.core.borrow().generation() != generation {
            return; // disconnected or replaced while the token was awaited
        }
        let url = url::with_params(
            &self.cfg.url,
            self.cfg.user_id.as_deref(),
            self.cfg.role.as_deref(),
            token.as_deref(),
        );
        self.log(&format!("connecting to {}", url::redact(&url)));
        let h = &self.handlers;
        let max = self.cfg.max_frame as f64;
        match Socket::open(&url, generation, self.me.clone(), &h.map, &h.counts, max) {
            Ok(s) => {
                let old = self.socket.borrow_mut().replace(s);
                drop(old);
            }
            Err(e) => {
                // The browser's message may quote the URL: keep tokens out.
                let detail = url::redact(&js::zws_describe(&e));
                let e = Error::SocketFailed { detail };
                self.with_core(|c| c.open_failed(now(), generation, e, random()));
            }
        }
    }

    // ----- socket events ------------------------------------------------------

    fn on_open(&self, generation: u32) {
        self.log("open");
        if self.core.borrow().generation() == generation {
            *self.client_id.borrow_mut() = None;
            *self.welcome.borrow_mut() = JsValue::UNDEFINED;
        }
        self.with_core(|c| c.on_open(now(), generation));
    }

    fn on_close(&self, generation: u32, code: u16, reason: &str, was_clean: bool) {
        let socket = {
            let mut s = self.socket.borrow_mut();
            if self.core.borrow().generation() != generation {
                return;
            }
            s.take()
        };
        let unsent = socket
            .as_ref()
            .map_or(0, |s| u64::from(s.ws.buffered_amount()));
        drop(socket);
        self.log(&format!("closed {code} {reason}"));
        let close = Close {
            code,
            reason,
            was_clean,
            unsent_bytes: unsent,
        };
        self.with_core(|c| c.on_close(now(), generation, &close, random()));
    }

    /// A frame the JS listener did not handle itself (it handles channel
    /// messages): the welcome, pongs, other types and bad input. `data` stays
    /// a JS value: one JS call parses and classifies it, Rust learns its kind
    /// and length and updates the core, and a second JS call dispatches it.
    fn on_message(&self, generation: u32, data: JsValue) {
        let t = now();
        let code = js::zws_frame(&data, self.cfg.max_frame as f64, &self.handlers.frame);
        let len = (code / 32.0).floor() as usize;
        let kind = (code % 32.0) as i32 - 11;
        let frame_type = match kind {
            0 => Some(FrameType::Message),
            1 => Some(FrameType::Pong),
            2 => Some(FrameType::Connected),
            3 => Some(FrameType::Ping),
            4 => Some(FrameType::Subscribe),
            5 => Some(FrameType::Unsubscribe),
            _ => None,
        };
        if frame_type == Some(FrameType::Connected) && self.core.borrow().generation() == generation
        {
            // Before the core emits `connected`, so handlers see the clientId.
            let welcome = js::zws_welcome(&self.handlers.frame);
            *self.welcome.borrow_mut() = welcome.get(0);
            if let Some(id) = welcome.get(1).as_string() {
                *self.client_id.borrow_mut() = Some(id);
            }
        }
        if !self
            .core
            .borrow_mut()
            .on_frame(t, generation, frame_type, len)
        {
            return; // a stale socket's frame
        }
        if frame_type.is_none() {
            return self.drop_frame(self.bad_frame(kind, len, &data));
        }
        self.run();
        self.handlers
            .dispatch_frame(&|event, thrown| self.handler_threw(event, thrown));
    }

    /// The error for a frame that `zws_frame` refused with `kind`.
    fn bad_frame(&self, kind: i32, len: usize, data: &JsValue) -> Error {
        let reason = match kind {
            -11 => {
                return Error::FrameTooLarge {
                    size: len,
                    max: self.cfg.max_frame,
                }
            }
            -10 => {
                return Error::BadFrame {
                    reason: "binary frames are not supported",
                    excerpt: format!("<{len} bytes>"),
                }
            }
            -4 => "not valid JSON",
            -1 => "not a JSON object",
            -2 => "missing or non-string type",
            -3 => "unknown type",
            _ => "message without a channel",
        };
        let text: &JsString = data.unchecked_ref();
        let head = String::from(text.slice(0, EXCERPT_CHARS as u32 + 1));
        Error::BadFrame {
            reason,
            excerpt: excerpt(&head, EXCERPT_CHARS),
        }
    }

    fn drop_frame(&self, e: Error) {
        self.with_core(|c| c.frame_dropped(e));
    }

    // ----- events ---------------------------------------------------------------

    fn emit(&self, e: Event) {
        let (name, payload): (&str, JsValue) = match e {
            Event::Connected => ("connected", self.connected_payload()),
            Event::Disconnected {
                code,
                reason,
                was_clean,
                unsent_bytes,
                will_reconnect,
            } => {
                let o = Object::new();
                set(&o, "code", code.into());
                set(&o, "reason", reason.into());
                set(&o, "wasClean", was_clean.into());
                set(&o, "bufferedAmount", (unsent_bytes as f64).into());
                set(&o, "willReconnect", will_reconnect.into());
                ("disconnected", o.into())
            }
            Event::Reconnecting { attempt, delay_ms } => {
                let o = Object::new();
                set(&o, "attempt", attempt.into());
                set(&o, "delay", delay_ms.round().into());
                ("reconnecting", o.into())
            }
            Event::ReconnectFailed { attempts } => {
                let o = Object::new();
                set(&o, "attempts", attempts.into());
                ("reconnect_failed", o.into())
            }
            Event::State { from, to, reason } => {
                self.log(&format!(
                    "state {} -> {} ({reason})",
                    from.as_str(),
                    to.as_str()
                ));
                let o = Object::new();
                set(&o, "from", from.as_str().into());
                set(&o, "to", to.as_str().into());
                set(&o, "reason", reason.into());
                ("state", o.into())
            }
            Event::Pong { rtt_ms } => {
                let o = Object::new();
                set(&o, "rtt", rtt_ms.into());
                ("pong", o.into())
            }
            Event::Error(err) => {
                self.log(&err.to_string());
                let v = to_js_error(&err);
                if !self.handlers.has("error") && self.cfg.debug {
                    web_sys::console::warn_1(&v);
                }
                ("error", v)
            }
        };
        self.dispatch(name, &payload);
    }

    fn connected_payload(&self) -> JsValue {
        let welcome = self.welcome.borrow().clone();
        if !welcome.is_undefined() {
            return welcome;
        }
        let o = Object::new();
        set(&o, "clientId", JsValue::NULL);
        set(
            &o,
            "userId",
            self.cfg
                .user_id
                .as_deref()
                .map_or(JsValue::NULL, JsValue::from),
        );
        o.into()
    }

    /// Calls the handlers of `name`.
    fn dispatch(&self, name: &str, payload: &JsValue) {
        self.handlers.emit(name, payload, &|event, thrown| {
            self.handler_threw(event, thrown)
        });
    }

    /// A handler of `event` threw: reported on `error` (or the console, for
    /// `error` handlers and when `error` has no handler); the others ran.
    fn handler_threw(&self, event: &str, thrown: JsValue) {
        self.core.borrow_mut().count_error();
        if event == "error" || !self.handlers.has("error") {
            let msg = format!("ZantaraWebSocket: a `{event}` handler threw");
            web_sys::console::error_2(&JsValue::from_str(&msg), &thrown);
            return;
        }
        let e = to_js_error(&Error::HandlerThrew {
            event: event.to_string(),
        });
        set(e.unchecked_ref(), "cause", thrown);
        self.handlers.emit("error", &e, &|_, inner| {
            web_sys::console::error_1(&inner);
        });
    }

    fn stats(&self) -> JsValue {
        self.credit_frames();
        let core = self.core.borrow();
        let s = core.stats();
        let t = now();
        let o = Object::new();
        set(&o, "connected", core.is_connected().into());
        set(&o, "state", core.state().as_str().into());
        let id = self.client_id.borrow();
        set(
            &o,
            "clientId",
            id.as_deref().map_or(JsValue::NULL, JsValue::from),
        );
        set(
            &o,
            "userId",
            self.cfg
                .user_id
                .as_deref()
                .map_or(JsValue::NULL, JsValue::from),
        );
        let subs: Array = core
            .subscriptions()
            .iter()
            .map(|c| JsValue::from_str(c))
            .collect();
        set(&o, "subscriptions", subs.into());
        set(&o, "reconnectAttempts", core.attempt().into());
        let last_pong = s
            .last_pong_ms
            .map_or(JsValue::NULL, |ms| js::zws_iso(ms).into());
        set(&o, "lastPong", last_pong);
        set(&o, "rtt", s.rtt_ms.map_or(JsValue::NULL, JsValue::from));
        set(&o, "messagesIn", (s.messages_in as f64).into());
        set(&o, "messagesOut", (s.messages_out as f64).into());
        set(&o, "bytesIn", (s.bytes_in as f64).into());
        set(&o, "bytesOut", (s.bytes_out as f64).into());
        set(&o, "queuedMessages", (core.queued_messages() as f64).into());
        set(&o, "queuedBytes", (core.queued_bytes() as f64).into());
        set(&o, "reconnects", (s.reconnects as f64).into());
        set(&o, "errors", (s.errors as f64).into());
        set(&o, "droppedFrames", (s.dropped_frames as f64).into());
        set(
            &o,
            "lastCloseCode",
            s.last_close_code.map_or(JsValue::NULL, JsValue::from),
        );
        set(&o, "lastCloseReason", s.last_close_reason.as_str().into());
        set(
            &o,
            "lastBufferedAmount",
            (s.last_unsent_bytes as f64).into(),
        );
        set(&o, "uptime", s.uptime_ms(t).into());
        set(&o, "online", core.is_online().into());
        o.into()
    }

    fn log(&self, msg: &str) {
        if self.cfg.debug {
            web_sys::console::log_2(
                &JsValue::from_str("[ZantaraWebSocket]"),
                &JsValue::from_str(msg),
            );
        }
    }
}
