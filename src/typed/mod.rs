//! The Rust API (cargo feature `rust-api`, wasm32 only): the same client as
//! the JavaScript class, for front-ends written in Rust (Leptos, Yew,
//! Dioxus, plain `wasm-bindgen`). Channels are [`futures_core::Stream`]s of
//! typed payloads, sends take any `T: Serialize`, and acknowledgements,
//! requests and server streams are futures and streams. There is no second
//! implementation of anything: every call goes to the [`ZantaraWebSocket`]
//! the JavaScript API uses (its core decides reconnect, backoff, heartbeat,
//! the queue and the close-code policy), and payloads cross between
//! JavaScript and Rust with `serde-wasm-bindgen`, once per item the Rust
//! code reads.
//!
//! ```no_run
//! use futures::StreamExt;
//! use serde::{Deserialize, Serialize};
//! use zantara_websocket::typed::{Client, Sent};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Chat { text: String }
//!
//! # async fn run() -> Result<(), zantara_websocket::typed::Error> {
//! let client = Client::builder()
//!     .url("wss://chat.example.com/ws")
//!     .user_id("alice")
//!     .build()?;
//! let mut chat = client.subscribe::<Chat>("chat")?;
//! let sent: Sent = client.send("chat", &Chat { text: "Hello!".into() })?;
//! while let Some(item) = chat.next().await {
//!     match item {
//!         Ok(m) => web_sys::console::log_1(&m.text.into()),
//!         Err(e) => web_sys::console::warn_1(&e.to_string().into()), // a bad payload; the stream goes on
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Dropping the [`Client`] disconnects (close code 1000) and releases its
//! socket, timer and page listeners; its streams end. Dropping a
//! [`Subscription`] removes its handler, and unsubscribes the channel when
//! it was the channel's last.

mod builder;
mod futures;
mod streams;
mod types;

use alloc::rc::Rc;
use core::cell::RefCell;
use core::marker::PhantomData;
use core::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::shell::{js_error, sdk_error, Outcome, ZantaraWebSocket};

pub use self::builder::{ClientBuilder, CloseAction};
pub use self::futures::{Ack, Request};
pub use self::streams::{Events, Reply, Subscription};
pub use self::types::{Delivery, Error, Recovery, Sent, State, StateChange, Stats};

use self::futures::{timer, Slot};
use self::streams::{Inbox, Listener, SharedInbox};

/// The default time a [`Request`] waits for its reply (as `request()` in
/// JavaScript): 10 s.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A reconnecting, channel-aware WebSocket client (see the [module
/// docs](self)). Made by [`Client::builder`]; not `Send` (the browser's main
/// thread). Dropping it disconnects and releases everything.
pub struct Client {
    shared: Rc<Shared>,
}

/// What the client and its streams share: the JavaScript API's object, the
/// Rust handlers in its registry, and how many subscriptions each channel has.
pub(crate) struct Shared {
    ws: ZantaraWebSocket,
    /// Handlers by id (a `None` slot was removed): the event, the function
    /// in the registry, and the inbox it feeds.
    handlers: RefCell<Vec<Option<Handler>>>,
    /// Channel -> live subscriptions.
    channels: RefCell<Vec<(String, usize)>>,
    /// The token function, alive as long as the client.
    _token: Option<Closure<dyn FnMut() -> js_sys::Promise>>,
}

struct Handler {
    event: String,
    f: Closure<dyn FnMut(JsValue)>,
    inbox: SharedInbox,
}

impl Shared {
    /// Adds a handler of `event` feeding a new inbox.
    fn listen(self: &Rc<Self>, event: &str) -> Result<Listener, Error> {
        let inbox = SharedInbox::default();
        let fed = Rc::clone(&inbox);
        let f = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| Inbox::push(&fed, v));
        self.ws
            .on(JsValue::from_str(event), f.as_ref().clone())
            .map_err(|e| Error::from_js(&e))?;
        let mut handlers = self.handlers.borrow_mut();
        let id = match handlers.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                handlers.push(None);
                handlers.len() - 1
            }
        };
        handlers[id] = Some(Handler {
            event: event.into(),
            f,
            inbox: Rc::clone(&inbox),
        });
        Ok(Listener {
            shared: Rc::downgrade(self),
            id,
            inbox,
        })
    }

    /// Removes handler `id` from the registry.
    pub(crate) fn unlisten(&self, id: usize) {
        let gone = self
            .handlers
            .borrow_mut()
            .get_mut(id)
            .and_then(Option::take);
        if let Some(h) = gone {
            self.ws.remove_handler(&h.event, h.f.as_ref());
            retire(vec![h]);
        }
    }

    /// One subscription of `channel` fewer: unsubscribed with the last.
    pub(crate) fn release(&self, channel: &str) {
        let last = {
            let mut channels = self.channels.borrow_mut();
            match channels.iter().position(|(c, _)| c == channel) {
                Some(at) if channels[at].1 <= 1 => {
                    channels.swap_remove(at);
                    true
                }
                Some(at) => {
                    channels[at].1 -= 1;
                    false
                }
                None => false,
            }
        };
        if last {
            let _ = self.ws.unsubscribe(JsValue::from_str(channel));
        }
    }

    /// Gives up request or stream `id` with the SDK's error `which` (0
    /// `TIMEOUT` after `ms`, 1 `ABORTED`).
    pub(crate) fn cancel(&self, id: u32, which: u8, ms: f64) {
        let e = sdk_error(JsValue::from(which), JsValue::from(ms));
        self.ws.cancel(JsValue::from(id), e);
    }
}

impl Client {
    /// A builder with the defaults of the JavaScript API (SPEC.md "Options").
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    fn new(ws: ZantaraWebSocket, token: Option<Closure<dyn FnMut() -> js_sys::Promise>>) -> Self {
        Client {
            shared: Rc::new(Shared {
                ws,
                handlers: RefCell::new(Vec::new()),
                channels: RefCell::new(Vec::new()),
                _token: token,
            }),
        }
    }

    /// The messages of `channel` as a stream of `T` (see [`Subscription`]).
    /// The first subscription of a channel subscribes (sent at once when
    /// open, and again after every reconnect); more subscriptions of the
    /// same channel share it, each with its own stream and type.
    ///
    /// Errors: `INVALID_CHANNEL` (not a non-empty string of at most 256
    /// UTF-8 bytes), `RESERVED_CHANNEL` (named like a built-in event such as
    /// `error` or `connected`).
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use futures::StreamExt;
    /// #[derive(serde::Deserialize)]
    /// struct Chat { text: String }
    /// let mut chat = client.subscribe::<Chat>("chat")?;
    /// while let Some(item) = chat.next().await {
    ///     match item {
    ///         Ok(m) => web_sys::console::log_1(&m.text.into()),
    ///         Err(e) => web_sys::console::warn_1(&e.message().into()), // DECODE_FAILED
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn subscribe<T: DeserializeOwned>(&self, channel: &str) -> Result<Subscription<T>, Error> {
        let shared = &self.shared;
        let known = {
            let mut channels = shared.channels.borrow_mut();
            match channels.iter_mut().find(|(c, _)| c == channel) {
                Some(entry) => {
                    entry.1 += 1;
                    true
                }
                None => false,
            }
        };
        if !known {
            // Checks the name first (INVALID_CHANNEL, RESERVED_CHANNEL).
            shared
                .ws
                .subscribe(JsValue::from_str(channel))
                .map_err(|e| Error::from_js(&e))?;
            shared.channels.borrow_mut().push((channel.into(), 1));
        }
        match shared.listen(channel) {
            Ok(listener) => Ok(Subscription::new(listener, channel)),
            Err(e) => {
                shared.release(channel);
                Err(e)
            }
        }
    }

    /// Sends `data` (serialized as JSON-compatible values: maps need string
    /// keys, else `UNSERIALIZABLE`; NaN and infinities become `null`, as
    /// `JSON.stringify` makes them) on `channel`: handed to the socket
    /// when open and welcomed ([`Sent::Sent`]), else queued and sent in
    /// order after the next welcome ([`Sent::Queued`]). On a protocol v2
    /// link it stays queued until the server acknowledges it and is sent
    /// again after a lost link until then.
    ///
    /// Errors: `INVALID_CHANNEL`, `UNSERIALIZABLE` (serde refused `data`),
    /// `QUEUE_FULL` (the queue is at `max_queued_messages` or
    /// `max_queued_bytes`; also reported on [`errors`](Self::errors)),
    /// `DISCONNECTED` (the client was shut down).
    ///
    /// ```no_run
    /// # fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use zantara_websocket::typed::Sent;
    /// #[derive(serde::Serialize)]
    /// struct Chat<'a> { text: &'a str }
    /// match client.send("chat", &Chat { text: "hi" })? {
    ///     Sent::Sent => {}   // on the wire
    ///     Sent::Queued => {} // goes out after the next connect
    /// }
    /// # Ok(()) }
    /// ```
    pub fn send<T: Serialize + ?Sized>(&self, channel: &str, data: &T) -> Result<Sent, Error> {
        self.send_js(channel, data, &JsValue::UNDEFINED)
    }

    /// Sends like [`send`](Self::send) and returns the future of the
    /// server's acknowledgement ([`Ack`]). A message the queue refuses
    /// (`QUEUE_FULL`, `DISCONNECTED`) fails the future.
    ///
    /// Errors (at once): `INVALID_CHANNEL`, `UNSERIALIZABLE`.
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// let delivery = client.send_with_ack("chat", &"hello")?.await?;
    /// assert!(delivery.confirmed); // taken by a protocol v2 server
    /// # Ok(()) }
    /// ```
    pub fn send_with_ack<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        data: &T,
    ) -> Result<Ack, Error> {
        let (slot, callback) = Slot::with_callback();
        match self.send_js(channel, data, &callback) {
            // A refused message's callback hears why, and settles the future.
            Err(e) if e.code() != "QUEUE_FULL" && e.code() != "DISCONNECTED" => {
                Slot::discard(&callback);
                Err(e)
            }
            _ => Ok(Ack { slot }),
        }
    }

    fn send_js<T: Serialize + ?Sized>(
        &self,
        channel: &str,
        data: &T,
        ack: &JsValue,
    ) -> Result<Sent, Error> {
        let data = to_js(data)?;
        match self
            .shared
            .ws
            .send_outcome(&JsValue::from_str(channel), &data, ack)
        {
            Ok(Outcome::Sent) => Ok(Sent::Sent),
            Ok(Outcome::Queued) => Ok(Sent::Queued),
            Ok(Outcome::Refused(e)) | Err(e) => Err(Error::from_js(&js_error(&e))),
        }
    }

    /// A request to the server's handler `method` (protocol v2,
    /// `docs/PROTOCOL.md` "Requests"): the future of its reply, decoded into
    /// `R` (see [`Request`]: 10 s timeout by default, cancelled when
    /// dropped). Queued like a message, sent again after a lost link until
    /// answered, and run once by the server.
    ///
    /// Errors (at once): `INVALID_CHANNEL` (a method name follows the rules
    /// of a channel name), `UNSERIALIZABLE`.
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use std::time::Duration;
    /// #[derive(serde::Deserialize)]
    /// struct Now { now: String }
    /// let t: Now = client.request("time", &())?.timeout(Duration::from_secs(2)).await?;
    /// # Ok(()) }
    /// ```
    pub fn request<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: &str,
        data: &T,
    ) -> Result<Request<R>, Error> {
        let (slot, callback) = Slot::with_callback();
        let id = self
            .send_request(1, method, data, &callback, &JsValue::UNDEFINED)
            .inspect_err(|_| Slot::discard(&callback))?;
        let weak = Rc::downgrade(&self.shared);
        let timer = (id != 0).then(|| timer(&weak, id, REQUEST_TIMEOUT));
        Ok(Request {
            shared: weak,
            id,
            slot,
            timer,
            done: false,
            _r: PhantomData,
        })
    }

    /// A stream from the server's handler `method` (protocol v2; seed 004's
    /// `ask.response` chunks): each chunk's data decoded into `R`, in order,
    /// once each, across lost connections (see [`Reply`]; cancelled when
    /// dropped before its end).
    ///
    /// Errors (at once): `INVALID_CHANNEL`, `UNSERIALIZABLE`.
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use futures::StreamExt;
    /// #[derive(serde::Serialize)]
    /// struct Ask { question: String }
    /// #[derive(serde::Deserialize)]
    /// struct Word { text: String }
    /// let mut answer = client.stream::<_, Word>("ask", &Ask { question: "hi".into() })?;
    /// let mut text = String::new();
    /// while let Some(word) = answer.next().await {
    ///     text.push_str(&word?.text);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream<T: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        method: &str,
        data: &T,
    ) -> Result<Reply<R>, Error> {
        let inbox = SharedInbox::default();
        let fed = Rc::clone(&inbox);
        let chunk = Closure::<dyn FnMut(JsValue)>::new(move |v: JsValue| Inbox::push(&fed, v));
        let ended = Rc::clone(&inbox);
        let end = Closure::once_into_js(move |ack: JsValue| {
            Inbox::close(&ended, Some(futures::outcome(&ack).map(|_| ())));
        });
        let id = self
            .send_request(2, method, data, &end, chunk.as_ref())
            .inspect_err(|_| Slot::discard(&end))?;
        Ok(Reply {
            shared: Rc::downgrade(&self.shared),
            id,
            inbox,
            _chunk: chunk,
            _t: PhantomData,
        })
    }

    fn send_request<T: Serialize + ?Sized>(
        &self,
        kind: u8,
        method: &str,
        data: &T,
        ack: &JsValue,
        on_chunk: &JsValue,
    ) -> Result<u32, Error> {
        let data = to_js(data)?;
        self.shared
            .ws
            .send_request(
                JsValue::from(kind),
                JsValue::from_str(method),
                data,
                ack.clone(),
                on_chunk.clone(),
            )
            .map_err(|e| Error::from_js(&e))
    }

    /// Every change of the connection state, as it happens.
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use futures::StreamExt;
    /// use zantara_websocket::typed::State;
    /// let mut states = client.states()?;
    /// while let Some(change) = states.next().await {
    ///     if change.to == State::Reconnecting { /* show a banner */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn states(&self) -> Result<Events<StateChange>, Error> {
        self.events("state", |v| {
            let text = |k: &str| {
                js_sys::Reflect::get(&v, &JsValue::from_str(k))
                    .ok()
                    .and_then(|x| x.as_string())
            };
            Some(StateChange {
                from: State::parse(&text("from")?),
                to: State::parse(&text("to")?),
                reason: text("reason").unwrap_or_default(),
            })
        })
    }

    /// Every error the client reports (its `error` event): a failed socket,
    /// a refused message, a bad frame, a failed token, ...
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use futures::StreamExt;
    /// let mut errors = client.errors()?;
    /// while let Some(e) = errors.next().await {
    ///     web_sys::console::warn_1(&format!("{}: {}", e.code(), e.message()).into());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn errors(&self) -> Result<Events<Error>, Error> {
        self.events("error", |v| Some(Error::from_js(&v)))
    }

    /// Each channel's recovery after a reconnect (protocol v2): replayed
    /// without a gap, or a reported gap.
    ///
    /// ```no_run
    /// # async fn f(client: zantara_websocket::typed::Client) -> Result<(), zantara_websocket::typed::Error> {
    /// use futures::StreamExt;
    /// let mut recoveries = client.recoveries()?;
    /// while let Some(r) = recoveries.next().await {
    ///     if !r.recovered { /* reload r.channel's history: messages were missed */ }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn recoveries(&self) -> Result<Events<Recovery>, Error> {
        self.events("recovery", |v| serde_wasm_bindgen::from_value(v).ok())
    }

    fn events<T>(
        &self,
        event: &str,
        convert: fn(JsValue) -> Option<T>,
    ) -> Result<Events<T>, Error> {
        Ok(Events::new(self.shared.listen(event)?, convert))
    }

    /// Connects again after [`disconnect`](Self::disconnect) or
    /// `reconnect_failed` (does nothing while connecting, open or
    /// reconnecting).
    pub fn connect(&self) {
        self.shared.ws.connect();
    }

    /// Closes the connection (code 1000) and stops reconnecting; the
    /// subscriptions stay, for a later [`connect`](Self::connect).
    pub fn disconnect(&self) {
        self.shared.ws.disconnect();
    }

    /// True when the socket is open.
    pub fn is_connected(&self) -> bool {
        self.shared.ws.is_connected()
    }

    /// The connection state.
    pub fn state(&self) -> State {
        State::parse(&self.shared.ws.state())
    }

    /// The channels subscribed.
    pub fn subscriptions(&self) -> Vec<String> {
        self.shared
            .channels
            .borrow()
            .iter()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// A snapshot of the health statistics.
    ///
    /// ```no_run
    /// # fn f(client: zantara_websocket::typed::Client) {
    /// let s = client.stats();
    /// let waiting = s.queued_messages - s.in_flight;
    /// # }
    /// ```
    pub fn stats(&self) -> Stats {
        serde_wasm_bindgen::from_value(self.shared.ws.get_stats()).unwrap_or_default()
    }

    /// The JavaScript API's object, for what only it offers (presence, the
    /// raw `on` handlers).
    pub fn as_js(&self) -> &ZantaraWebSocket {
        &self.shared.ws
    }
}

impl Drop for Client {
    /// Disconnects for good (as `free()` in JavaScript), then removes every
    /// handler and ends every stream.
    fn drop(&mut self) {
        self.shared.ws.shut_down();
        let handlers: Vec<Handler> = self
            .shared
            .handlers
            .borrow_mut()
            .drain(..)
            .flatten()
            .collect();
        for h in &handlers {
            self.shared.ws.remove_handler(&h.event, h.f.as_ref());
        }
        retire(handlers);
    }
}

/// Drops removed handlers' closures from a microtask: a dispatch in progress (an `on` handler of the
/// JavaScript API that dropped a subscription or the client) may still call one of them, which must
/// not be a dropped closure. Their inboxes are closed first, so such a late call adds nothing.
fn retire(handlers: Vec<Handler>) {
    for h in &handlers {
        Inbox::close(&h.inbox, None);
    }
    wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
}

/// `data` as a JavaScript value JSON can encode: maps become objects.
fn to_js<T: Serialize + ?Sized>(data: &T) -> Result<JsValue, Error> {
    data.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(Error::encode)
}
