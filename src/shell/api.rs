//! The exported class `ZantaraWebSocket`: each method checks its arguments
//! (throwing a `TypeError` with a `code` for misuse) and hands the call to
//! the [`Client`]. Nothing here holds state of its own.

use alloc::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::boundary;
use super::client::{now, Client, Config};
use super::options;
use super::util::{channel_fault, get, to_js_error, type_error};
use crate::core::{Error, Machine};
use crate::prelude::*;

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
    client: Rc<Client>,
}

fn js_err(e: Error) -> JsValue {
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
            // JS formats the number (Rust's float formatting costs 20 KB of
            // wasm): 42 -> "42", like the legacy client's string concatenation.
            js_sys::Number::from(n)
                .to_string_with_radix(10)
                .ok()
                .map(String::from)
        } else {
            return Err(type_error("userId must be a string"));
        };
        let parsed = options::parse(&options)?;
        let opts = parsed.opts;
        let configured = opts
            .ws_url
            .as_deref()
            .map_or(JsValue::UNDEFINED, JsValue::from_str);
        let url = boundary::resolve_url(&configured);
        if !url.is_string() {
            return Err(url);
        }
        let cfg = Config {
            url,
            role: opts.role.clone(),
            token: parsed.token,
            max_frame: opts.max_frame_size as usize,
        };
        let client = Client::new(cfg, Machine::new(&opts), opts.debug, user_id);
        if opts.auto_connect {
            client.connect();
        }
        Ok(ZantaraWebSocket { client })
    }

    /// Starts connecting again after `disconnect()` or `reconnect_failed`
    /// (does nothing while connecting, open or reconnecting).
    pub fn connect(&self) {
        self.client.connect();
    }

    /// Disconnects for good: what `free()` calls before releasing the
    /// object. Unlike `disconnect()`, a later `connect()` (even one made by a
    /// `disconnected` or `state` handler while this runs) does nothing.
    #[wasm_bindgen(js_name = shutDown)]
    pub fn shut_down(&self) {
        self.client.shut_down();
    }

    /// Closes the connection (code 1000) and stops auto-reconnect. Leaves no
    /// socket, timer or listener behind; handlers stay registered for a later
    /// `connect()`.
    pub fn disconnect(&self) {
        self.client.with_core(|c| c.disconnect(now()));
    }

    /// Subscribes to `channel` (sent now if open, and again after every
    /// reconnect). Returns false if already subscribed. Throws a `TypeError`
    /// (`INVALID_CHANNEL`, `RESERVED_CHANNEL`) for a channel that is not a
    /// non-empty string of at most 256 UTF-8 bytes without lone surrogates,
    /// or one named like a built-in event.
    pub fn subscribe(&self, channel: JsValue) -> Result<bool, JsValue> {
        let name = channel_name(&channel)?;
        let r = self.client.with_core(|c| c.subscribe(now(), &name));
        r.map_err(js_err)
    }

    /// Unsubscribes from `channel`. Returns false if it was not subscribed.
    pub fn unsubscribe(&self, channel: JsValue) -> Result<bool, JsValue> {
        let name = channel_name(&channel)?;
        // Whether or not an `unsubscribe` frame goes out now (offline, before the welcome), a later
        // subscribe starts afresh (docs/PROTOCOL.md, "Recovery").
        boundary::forget_position(self.client.z(), &name);
        Ok(self.client.with_core(|c| c.unsubscribe(now(), &name)))
    }

    /// Sends `data` on `channel`: at once when open (and the server's
    /// welcome arrived), else queued (bounded by `maxQueuedMessages` and
    /// `maxQueuedBytes`) and sent in order after the next welcome. On a
    /// protocol v2 link the message stays queued until the server
    /// acknowledges it, and is sent again after a reconnect until it does.
    /// Returns `true` when sent or queued, `false` when refused (a full
    /// queue; the reason goes to `error`). `ack`, when a function, is called
    /// once with `{success, confirmed, id, code?, reason?, error?}` (see
    /// `ackSettle` in boundary.js). Throws a `TypeError` for a bad channel,
    /// data that JSON cannot encode (cyclic, BigInt) or an `ack` that is
    /// not a function.
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message_with_ack(
        &self,
        channel: JsValue,
        data: JsValue,
        ack: JsValue,
    ) -> Result<bool, JsValue> {
        if !ack.is_undefined() && !ack.is_function() {
            return Err(type_error(
                "the acknowledgement callback must be a function",
            ));
        }
        send_message(&self.client, &channel, &data, &ack).map_err(js_err)
    }

    /// A request (`kind` 1: one reply) or stream (`kind` 2: chunks, then
    /// the final acknowledgement) of `method` with `data`, for the JS
    /// wrapper's `request()` and `stream()` (protocol v2, see
    /// `docs/PROTOCOL.md`): queued like a message, sent again after a lost
    /// link until answered. `ack` gets the answer (its `data` the reply),
    /// `on_chunk` (streams) each chunk's `data`. Returns the message id, or
    /// 0 when refused (`ack` hears why: `UNSUPPORTED` on a v1 server,
    /// `QUEUE_FULL`). Throws a `TypeError` for a bad method name (the rules
    /// of a channel name) or data JSON cannot encode.
    #[wasm_bindgen(js_name = sendRequest)]
    pub fn send_request(
        &self,
        kind: JsValue,
        method: JsValue,
        data: JsValue,
        ack: JsValue,
        on_chunk: JsValue,
    ) -> Result<u32, JsValue> {
        if !ack.is_function() {
            return Err(type_error(
                "the acknowledgement callback must be a function",
            ));
        }
        let fault = boundary::check_channel(&method);
        if fault != 0 {
            return Err(js_err(channel_fault(&method, fault)));
        }
        let kind = if kind.as_f64() == Some(2.0) { 2 } else { 1 };
        let text = boundary::encode_as(kind, &method, &data).map_err(|e| {
            js_err(Error::Unserializable {
                detail: boundary::describe(&e),
            })
        })?;
        Ok(self.client.send_request(text, &ack, &on_chunk))
    }

    /// Gives up request or stream `id` (for the JS wrapper's timeouts and
    /// `AbortSignal`s): removed from the queue, the server told when it is
    /// in flight, its callback settled with `error`. False when it was no
    /// longer pending.
    pub fn cancel(&self, id: JsValue, error: JsValue) -> bool {
        match id.as_f64() {
            Some(n) if n >= 1.0 && n <= f64::from(u32::MAX) && n % 1.0 == 0.0 => {
                self.client.cancel(n as u32, &error)
            }
            _ => false,
        }
    }

    /// Adds `handler` for `event`: `connected`, `disconnected`, `error`,
    /// `message`, `reconnecting`, `reconnect_failed`, `state`, `pong`, or a
    /// channel name.
    pub fn on(&self, event: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (event, f) = event_and_handler(&event, handler)?;
        self.client.handlers().add(&event, &f, false);
        Ok(())
    }

    /// Adds `handler` for `event`, removed after its first call.
    pub fn once(&self, event: JsValue, handler: JsValue) -> Result<(), JsValue> {
        let (event, f) = event_and_handler(&event, handler)?;
        self.client.handlers().add(&event, &f, true);
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
        self.client.handlers().remove(&name, &handler);
        Ok(())
    }

    /// True when the socket is open.
    #[wasm_bindgen(js_name = isConnected)]
    pub fn is_connected(&self) -> bool {
        self.client.read(|c| c.is_connected())
    }

    /// `'connecting' | 'open' | 'reconnecting' | 'closed'`.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        self.client.read(|c| c.state().as_str().to_string())
    }

    /// The subscribed channels as a `Set` (a snapshot), so the legacy
    /// `ws.subscriptions.has('chat')` works.
    #[wasm_bindgen(getter)]
    pub fn subscriptions(&self) -> js_sys::Set {
        let set = js_sys::Set::new(&JsValue::UNDEFINED);
        self.client.read(|c| {
            for ch in c.subscriptions() {
                set.add(&JsValue::from_str(ch));
            }
        });
        set
    }

    /// Connection statistics: the legacy fields (`connected`, `clientId`,
    /// `userId`, `subscriptions`, `reconnectAttempts`, `lastPong`) and health
    /// counters. Never includes the token.
    #[wasm_bindgen(js_name = getStats)]
    pub fn get_stats(&self) -> JsValue {
        self.client.stats()
    }
}

/// The SDK's error for code `which` (0 `TIMEOUT` after `ms`, 1 `ABORTED`,
/// 2 `DISCONNECTED`), for the JS wrapper: its messages are the core's.
#[doc(hidden)]
#[wasm_bindgen(js_name = __error)]
pub fn error(which: JsValue, ms: JsValue) -> JsValue {
    let ms = ms.as_f64().unwrap_or(0.0).max(0.0);
    js_err(match which.as_f64() {
        Some(0.0) => Error::Timeout { ms: ms as usize },
        Some(1.0) => Error::Aborted,
        _ => Error::Disconnected,
    })
}

impl ZantaraWebSocket {
    /// `sendMessage(channel, data)` without an acknowledgement callback (for
    /// Rust callers; JavaScript calls [`Self::send_message_with_ack`]).
    pub fn send_message(&self, channel: JsValue, data: JsValue) -> Result<bool, JsValue> {
        self.send_message_with_ack(channel, data, JsValue::UNDEFINED)
    }
}

/// What became of a message `sendMessage` took (for the Rust API).
#[cfg(feature = "rust-api")]
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Handed to the socket (on a v2 link it stays queued until acknowledged).
    Sent,
    /// Waiting in the queue for a connection (or for room in flight).
    Queued,
    /// Refused: the queue is full (reported on `error` and to `ack`), or
    /// the client was shut down (`Disconnected`).
    Refused(Error),
}

#[cfg(feature = "rust-api")]
impl ZantaraWebSocket {
    /// `sendMessage(channel, data, ack)` telling whether the message was
    /// sent or queued.
    pub(crate) fn send_outcome(
        &self,
        channel: &JsValue,
        data: &JsValue,
        ack: &JsValue,
    ) -> Result<Outcome, Error> {
        if !send_message(&self.client, channel, data, ack)? {
            if self.client.is_shut_down() {
                return Ok(Outcome::Refused(Error::Disconnected));
            }
            // What the core refused it with (and reported on `error`).
            let (messages, bytes) = self
                .client
                .read(|c| (c.queued_messages(), c.queued_bytes()));
            return Ok(Outcome::Refused(Error::QueueFull { messages, bytes }));
        }
        // The queue is in order, in flight first: when anything waits, the
        // newest message, this one, does.
        let waiting = self.client.read(|c| c.queued_messages() > c.in_flight());
        Ok(if waiting {
            Outcome::Queued
        } else {
            Outcome::Sent
        })
    }

    /// Removes `handler` from `event` without the argument checks of `off`
    /// (the Rust API's own handlers).
    pub(crate) fn remove_handler(&self, event: &str, handler: &JsValue) {
        self.client.handlers().remove(event, handler);
    }
}

/// `sendMessage`: sent at once when open (one JS call checks, encodes and
/// sends), else encoded and queued by the core. `Ok(false)` when the queue
/// refused it. No borrow is held while `JSON.stringify` runs the data's
/// `toJSON` and getters, which may call any method.
fn send_message(
    client: &Client,
    channel: &JsValue,
    data: &JsValue,
    ack: &JsValue,
) -> Result<bool, Error> {
    let unserializable = |e: &JsValue| Error::Unserializable {
        detail: boundary::describe(e),
    };
    let mut encoded = None;
    if let Some((id, v2, room)) = client.direct() {
        let out = js_sys::Object::new();
        let wire_id = if v2 { id } else { 0 };
        let sent = boundary::send_now(client.z(), channel, data, &out, wire_id, room as f64);
        if sent >= 0.0 {
            let kept = v2.then(|| boundary::frame_of(&out).unchecked_into());
            if !ack.is_undefined() {
                boundary::ack_on(client.z(), id, ack);
                if !v2 {
                    // A v1 link cannot confirm: the callback hears it was sent.
                    boundary::ack_settle(client.z(), id, 2, &JsValue::UNDEFINED);
                }
            }
            client.sent_direct(id, kept, sent as usize);
            return Ok(true);
        }
        client.direct_failed();
        if sent == -2.0 {
            return Err(unserializable(&get(&out, "error")));
        }
        if sent <= -16.0 {
            return Err(channel_fault(channel, (-16.0 - sent) as u32));
        }
        // Not open after all (closing, or closed by the data's `toJSON`, in
        // which case the frame it made is queued: `toJSON` runs once), or
        // too large for the queue's room (the core refuses it).
        encoded = boundary::frame_of(&out).dyn_into::<js_sys::JsString>().ok();
    }
    let text = match encoded {
        Some(text) => text,
        None => {
            let fault = boundary::check_channel(channel);
            if fault != 0 {
                return Err(channel_fault(channel, fault));
            }
            boundary::encode(channel, data).map_err(|e| unserializable(&e))?
        }
    };
    let bytes = text.length() as usize;
    Ok(client.send_queued(text, bytes, ack))
}

/// Reads a channel argument for `subscribe`/`unsubscribe`.
fn channel_name(channel: &JsValue) -> Result<String, JsValue> {
    // Checked before it is copied into wasm memory: it may be any length.
    match boundary::check_channel(channel) {
        0 => channel
            .as_string()
            .ok_or_else(|| js_err(channel_fault(channel, 0))),
        fault => Err(js_err(channel_fault(channel, fault))),
    }
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
