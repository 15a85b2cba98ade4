//! [`ClientBuilder`]: typed options for [`Client`]. Each setter writes the
//! JavaScript option of the same name (SPEC.md "Options"); `build` hands
//! them to the same reader the JavaScript constructor uses, so the ranges
//! and defaults are the core's one table (`src/core/options/table.rs`) and a
//! value out of range fails `build` with `INVALID_OPTION`.

use core::future::Future;
use core::time::Duration;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::{Client, Error};
use crate::shell::{set_pool, url_pool, ZantaraWebSocket};

/// How a close code is handled (the `closeCodes` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseAction {
    /// Reconnect with the usual backoff.
    Reconnect,
    /// Reconnect after the longest delay (`maxReconnectInterval`), as for
    /// 1013 "try again later".
    Slow,
    /// Stop (as for 1008 and 4500–4999).
    Stop,
}

/// Typed options for a [`Client`] (`Client::builder()`); unset options keep
/// the JavaScript API's defaults. Durations are whole milliseconds on the
/// wire (rounded down).
///
/// ```no_run
/// use std::time::Duration;
/// use zantara_websocket::typed::Client;
///
/// let client = Client::builder()
///     .urls(&["wss://a.example.com/ws", "wss://b.example.com/ws"])
///     .user_id("alice")
///     .token_with(|| async { Ok::<_, String>("a-fresh-jwt".to_string()) })
///     .heartbeat_interval(Duration::from_secs(25))
///     .max_reconnect_attempts(None)
///     .build()
///     .expect("valid options");
/// ```
#[must_use = "a builder does nothing until `build`"]
pub struct ClientBuilder {
    user_id: Option<String>,
    options: Object,
    token: Option<Closure<dyn FnMut() -> js_sys::Promise>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            user_id: None,
            options: Object::new(),
            token: None,
        }
    }
}

fn ms(d: Duration) -> JsValue {
    JsValue::from_f64(d.as_millis().min(u128::from(u64::MAX)) as f64)
}

impl ClientBuilder {
    fn set(self, key: &str, value: JsValue) -> Self {
        // Setting a property of a plain object cannot fail.
        let _ = Reflect::set(&self.options, &JsValue::from_str(key), &value);
        self
    }

    /// The server URL (`wsUrl`): `ws://`, `wss://`, `http(s)://` or a path
    /// on the page's origin. Default: the page's origin at `/ws`.
    pub fn url(self, url: &str) -> Self {
        self.set("wsUrl", JsValue::from_str(url))
    }

    /// A cluster's nodes (`wsUrl` as a list): the first attempt goes to one
    /// at random, each later attempt to another one at random, with the
    /// usual backoff. An empty list or a bad entry fails `build` with
    /// `INVALID_URL`.
    pub fn urls(self, urls: &[&str]) -> Self {
        let list: Array = urls.iter().map(|u| JsValue::from_str(u)).collect();
        self.set("wsUrl", list.into())
    }

    /// The user id sent as `?userId=` (and reported in `stats`).
    pub fn user_id(mut self, user_id: &str) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Sent as `?role=`.
    pub fn role(self, role: &str) -> Self {
        self.set("role", JsValue::from_str(role))
    }

    /// A token sent as `?token=` on every connect (never logged).
    pub fn token(self, token: &str) -> Self {
        self.set("token", JsValue::from_str(token))
    }

    /// A token asked for before every connect (a fresh JWT): the future's
    /// `Ok` is sent as `?token=`; an `Err` (its text) fails the attempt with
    /// `TOKEN_FAILED`, retried with the usual backoff. The wait counts
    /// toward `connect_timeout`.
    pub fn token_with<F, Fut, E>(mut self, mut f: F) -> Self
    where
        F: FnMut() -> Fut + 'static,
        Fut: Future<Output = Result<String, E>> + 'static,
        E: core::fmt::Display,
    {
        let closure = Closure::<dyn FnMut() -> js_sys::Promise>::new(move || {
            let fut = f();
            wasm_bindgen_futures::future_to_promise(async move {
                match fut.await {
                    Ok(t) => Ok(JsValue::from_str(&t)),
                    Err(e) => Err(js_sys::Error::new(&e.to_string()).into()),
                }
            })
        });
        let func: JsValue = closure.as_ref().clone();
        self.token = Some(closure);
        self.set("token", func)
    }

    /// Connect in `build` (default true); else call [`Client::connect`].
    pub fn auto_connect(self, on: bool) -> Self {
        self.set("autoConnect", on.into())
    }

    /// Reconnect after an unexpected close (default true).
    pub fn auto_reconnect(self, on: bool) -> Self {
        self.set("autoReconnect", on.into())
    }

    /// The first reconnect delay (default 3 s; at least 1 ms).
    pub fn reconnect_interval(self, d: Duration) -> Self {
        self.set("reconnectInterval", ms(d))
    }

    /// The longest reconnect delay (default 15 s).
    pub fn max_reconnect_interval(self, d: Duration) -> Self {
        self.set("maxReconnectInterval", ms(d))
    }

    /// Attempts per outage before giving up (default 10); `None` never gives
    /// up.
    pub fn max_reconnect_attempts(self, n: Option<u32>) -> Self {
        self.set(
            "maxReconnectAttempts",
            n.map_or(f64::INFINITY, f64::from).into(),
        )
    }

    /// Exponential backoff (true) or the legacy linear one (false, the
    /// default: 3, 6, 9, 12, 15 s).
    pub fn exponential_backoff(self, on: bool) -> Self {
        self.set(
            "backoff",
            JsValue::from_str(if on { "exponential" } else { "linear" }),
        )
    }

    /// The share of each delay randomness may remove, from 0 to 1 (default
    /// 0.2).
    pub fn jitter(self, share: f64) -> Self {
        self.set("jitter", share.into())
    }

    /// How long a connection must stay open before the attempt counter
    /// resets (default 5 s).
    pub fn stable_after(self, d: Duration) -> Self {
        self.set("stableAfter", ms(d))
    }

    /// Time between pings (default 25 s; zero sends none).
    pub fn heartbeat_interval(self, d: Duration) -> Self {
        self.set("heartbeatInterval", ms(d))
    }

    /// How long a ping may go unanswered before the link counts as dead
    /// (default 60 s; zero turns the check off).
    pub fn heartbeat_timeout(self, d: Duration) -> Self {
        self.set("heartbeatTimeout", ms(d))
    }

    /// How long an attempt (token wait and handshake) may take (default
    /// 20 s; at least 1 ms).
    pub fn connect_timeout(self, d: Duration) -> Self {
        self.set("connectTimeout", ms(d))
    }

    /// How long to wait for the server's welcome frame (default 500 ms).
    pub fn welcome_timeout(self, d: Duration) -> Self {
        self.set("welcomeTimeout", ms(d))
    }

    /// Messages the queue holds (default 1,000).
    pub fn max_queued_messages(self, n: u32) -> Self {
        self.set("maxQueuedMessages", n.into())
    }

    /// UTF-16 code units the queue holds (default 1,048,576).
    pub fn max_queued_bytes(self, n: u32) -> Self {
        self.set("maxQueuedBytes", n.into())
    }

    /// The largest inbound frame, in UTF-16 code units (default 1,048,576).
    pub fn max_frame_size(self, n: u32) -> Self {
        self.set("maxFrameSize", n.into())
    }

    /// Log to the console (tokens redacted).
    pub fn debug(self, on: bool) -> Self {
        self.set("debug", on.into())
    }

    /// Overrides the close policy for `code` (1000–4999).
    pub fn close_code(self, code: u16, action: CloseAction) -> Self {
        let table = Reflect::get(&self.options, &JsValue::from_str("closeCodes"))
            .ok()
            .filter(JsValue::is_object)
            .unwrap_or_else(|| Object::new().into());
        let name = match action {
            CloseAction::Reconnect => "reconnect",
            CloseAction::Slow => "slow",
            CloseAction::Stop => "stop",
        };
        let _ = Reflect::set(&table, &JsValue::from(code), &JsValue::from_str(name));
        self.set("closeCodes", table)
    }

    /// The client, connecting at once unless `auto_connect(false)`.
    ///
    /// Errors: `INVALID_OPTION` (a value out of range, with the range in the
    /// message), `INVALID_URL`, `MIXED_CONTENT` (a `ws://` URL on an https
    /// page).
    pub fn build(self) -> Result<Client, Error> {
        let user_id = self
            .user_id
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str);
        let options: JsValue = self.options.into();
        // A list of URLs becomes the failover pool, as in src/js/client.js.
        let pool = url_pool(&options).map_err(|e| Error::from_js(&e))?;
        let ws = if pool.is_null() {
            ZantaraWebSocket::new(user_id, options)
        } else {
            set_pool(&pool);
            let base = Reflect::get(&pool, &JsValue::from_str("b")).unwrap_or(JsValue::UNDEFINED);
            let copy = Object::assign(&Object::new(), options.unchecked_ref());
            let _ = Reflect::set(&copy, &JsValue::from_str("wsUrl"), &base);
            let made = ZantaraWebSocket::new(user_id, copy.into());
            set_pool(&JsValue::NULL);
            made
        };
        let ws = ws.map_err(|e| Error::from_js(&e))?;
        Ok(Client::new(ws, self.token))
    }
}
