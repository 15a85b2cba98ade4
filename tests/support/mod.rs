//! Helpers for the browser tests: the reference server's address (given at
//! compile time by scripts/test.sh), HTTP calls to its admin and fault
//! interfaces, event recorders, and waits that always end (each raced
//! against a deadline).
#![allow(dead_code)]

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use zantara_websocket::ZantaraWebSocket;

#[wasm_bindgen(module = "/tests/support/helpers.js")]
extern "C" {
    /// `fetch` with a JSON body, answering the parsed JSON.
    pub fn http(method: &str, url: &str, body: JsValue) -> js_sys::Promise;
    /// A JS array that recorders push to.
    #[wasm_bindgen(js_name = newLog)]
    pub fn new_log() -> Array;
    /// A handler pushing `{event: name, payload}` to `log`.
    pub fn pusher(log: &Array, name: &str) -> Function;
    /// A handler that throws `Error(msg)`.
    pub fn thrower(msg: &str) -> Function;
    /// How many entries of `name` are in `log`.
    pub fn count(log: &Array, name: &str) -> u32;
    /// The payloads of `name` in `log`.
    pub fn payloads(log: &Array, name: &str) -> Array;
    /// When each `name` entry of `log` was recorded (`Date.now()`).
    pub fn times(log: &Array, name: &str) -> Array;
    /// Entries in `log`.
    #[wasm_bindgen(js_name = logLen)]
    pub fn log_len(log: &Array) -> u32;
    /// A promise resolved after `ms`.
    pub fn delay(ms: u32) -> js_sys::Promise;
    /// Dispatches a plain `Event` named `name` on the global object.
    pub fn fire(name: &str);
    /// `{promise, resolve}`: the promise is rejected after `ms` unless resolved.
    fn deferred(name: &str, ms: u32) -> JsValue;
    /// Starts recording console output (every method) into the returned array.
    #[wasm_bindgen(js_name = captureConsole)]
    pub fn capture_console() -> Array;
    /// Stops recording.
    #[wasm_bindgen(js_name = restoreConsole)]
    pub fn restore_console(lines: &Array);
    /// `btoa(s)`.
    pub fn b64(s: &str) -> String;
    /// A token function whose promises the test settles (see helpers.js):
    /// `{token, resolve(t), calls}`.
    #[wasm_bindgen(js_name = tokenGate)]
    pub fn token_gate() -> JsValue;
    /// `obj[method](...args)`.
    pub fn invoke(obj: &JsValue, method: &str, args: &Array) -> JsValue;
    /// A function calling `obj[method]()`.
    pub fn caller(obj: &JsValue, method: &str) -> Function;
    /// Keeps the main thread busy for `ms` (a frozen page).
    pub fn block(ms: f64);
    /// Data whose `toJSON` calls `obj[method]()`.
    #[wasm_bindgen(js_name = dataCalling)]
    pub fn data_calling(obj: &JsValue, method: &str) -> JsValue;
}

/// The payload of the next `name` event of `ws`, waiting at most `ms`.
pub async fn next(ws: &ZantaraWebSocket, name: &str, ms: u32) -> JsValue {
    let d = deferred(name, ms);
    ws.once(name.into(), get(&d, "resolve")).unwrap();
    let promise: js_sys::Promise = get(&d, "promise").unchecked_into();
    JsFuture::from(promise)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// The reference server's HTTP base, e.g. `http://127.0.0.1:PORT`.
pub fn http_base() -> &'static str {
    match option_env!("ZANTARA_TEST_URL") {
        Some(u) => u,
        None => panic!("build with ZANTARA_TEST_URL set (scripts/test.sh does)"),
    }
}

/// The supervisor's control base.
pub fn control_base() -> &'static str {
    match option_env!("ZANTARA_TEST_CONTROL") {
        Some(u) => u,
        None => panic!("build with ZANTARA_TEST_CONTROL set (scripts/test.sh does)"),
    }
}

/// The server's WebSocket URL.
pub fn ws_url() -> String {
    format!("{}/ws", http_base().replacen("http", "ws", 1))
}

/// A user id unique to this test run.
pub fn uid(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e6) as u32
    )
}

/// Parses JSON text into a JS value (options, payloads).
pub fn json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or_else(|_| panic!("bad JSON in test: {text}"))
}

/// Options with the test server's URL and short timings; `extra` is JSON
/// object members to add or override, e.g. `"\"jitter\": 0"`.
pub fn opts(extra: &str) -> JsValue {
    opts_url(&ws_url(), extra)
}

/// Like [`opts`] with another URL.
pub fn opts_url(url: &str, extra: &str) -> JsValue {
    let sep = if extra.is_empty() { "" } else { "," };
    json(&format!(
        r#"{{"wsUrl": "{url}", "reconnectInterval": 100, "maxReconnectInterval": 400, "jitter": 0,
            "heartbeatInterval": 10000, "heartbeatTimeout": 30000, "stableAfter": 300{sep}{extra}}}"#
    ))
}

/// POSTs `body` (JSON text) to `url`.
pub async fn post(url: &str, body: &str) -> JsValue {
    JsFuture::from(http("POST", url, json(body)))
        .await
        .expect("POST failed")
}

/// GETs `url`.
pub async fn get_json(url: &str) -> JsValue {
    JsFuture::from(http("GET", url, JsValue::UNDEFINED))
        .await
        .expect("GET failed")
}

/// A fault-control call on the server: `route` under `/__control/`.
pub async fn control(route: &str, body: &str) -> JsValue {
    post(&format!("{}/__control/{route}", http_base()), body).await
}

/// An admin call (`POST /call`).
pub async fn call(key: &str, params: &str) -> JsValue {
    post(
        &format!("{}/call", http_base()),
        &format!(r#"{{"key":"{key}","params":{params}}}"#),
    )
    .await
}

/// How long a test waits for one step (an event, a server state), in ms.
pub const T: f64 = 8000.0;

/// The `"target"` member of a fault-control body that picks `user`'s
/// connections.
pub fn target(user: &str) -> String {
    format!(r#""target":{{"userId":"{user}"}}"#)
}

/// `s` as JSON text (a quoted, escaped string).
pub fn js_string(s: &str) -> String {
    String::from(js_sys::JSON::stringify(&s.into()).unwrap())
}

/// The server's connections of `user` (from `/__control/clients`).
pub async fn server_clients(user: &str) -> Vec<JsValue> {
    let all = get_json(&format!("{}/__control/clients", http_base())).await;
    let list: Array = get(&all, "clients").unchecked_into();
    list.iter()
        .filter(|c| get(c, "userId").as_string().as_deref() == Some(user))
        .collect()
}

/// `o[key]`.
pub fn get(o: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `o[key]` as a number (NaN when absent).
pub fn num(o: &JsValue, key: &str) -> f64 {
    get(o, key).as_f64().unwrap_or(f64::NAN)
}

/// `o[key]` as a string (empty when absent).
pub fn text(o: &JsValue, key: &str) -> String {
    get(o, key).as_string().unwrap_or_default()
}

/// The SDK's live-resource counters.
pub fn counters() -> JsValue {
    zantara_websocket::debug_counters()
}

/// Asserts that each named SDK counter (`sockets`, `timers`, `listeners`,
/// `live`, `instances`) is zero: nothing left behind.
pub fn assert_counters_zero(names: &[&str]) {
    let k = counters();
    for name in names {
        assert_eq!(num(&k, name), 0.0, "{name} left behind: {k:?}");
    }
}

/// Waits `ms` of wall time: only to prove that nothing happens during a
/// bounded quiet window, never in place of waiting for an event.
pub async fn quiet(ms: u32) {
    JsFuture::from(delay(ms)).await.unwrap();
}

/// Waits until `cond` holds, checking every 5 ms; panics with `what` after
/// `timeout_ms`.
pub async fn until(what: &str, timeout_ms: f64, cond: impl Fn() -> bool) {
    let start = js_sys::Date::now();
    while !cond() {
        if js_sys::Date::now() - start > timeout_ms {
            panic!("timed out after {timeout_ms} ms waiting for: {what}");
        }
        JsFuture::from(delay(5)).await.unwrap();
    }
}

/// Waits until the server lists `n` connections of `user`.
pub async fn until_server_has(user: &str, n: usize, timeout_ms: f64) -> Vec<JsValue> {
    let start = js_sys::Date::now();
    loop {
        let list = server_clients(user).await;
        if list.len() == n {
            return list;
        }
        if js_sys::Date::now() - start > timeout_ms {
            panic!(
                "timed out: server has {} connections of {user}, wanted {n}",
                list.len()
            );
        }
        JsFuture::from(delay(10)).await.unwrap();
    }
}

/// Waits until the server reports exactly `channels` (JSON) for `user`.
pub async fn until_channels(user: &str, channels: &str) {
    let start = js_sys::Date::now();
    loop {
        let list = server_clients(user).await;
        let got = list
            .first()
            .map(|c| String::from(js_sys::JSON::stringify(&get(c, "channels")).unwrap()));
        if got.as_deref() == Some(channels) {
            return;
        }
        assert!(
            js_sys::Date::now() - start < 8000.0,
            "server channels of {user}: {got:?}, want {channels}"
        );
        quiet(10).await;
    }
}

/// A client with a recorder on the built-in events and `channels`.
pub struct Client {
    pub ws: ZantaraWebSocket,
    pub log: Array,
    pub user: String,
}

/// Built-in events recorded by [`Client`].
pub const EVENTS: [&str; 8] = [
    "connected",
    "disconnected",
    "error",
    "message",
    "reconnecting",
    "reconnect_failed",
    "state",
    "pong",
];

impl Client {
    /// A client for `user` with `options`, recording every built-in event.
    pub fn new(user: &str, options: JsValue) -> Client {
        let ws = ZantaraWebSocket::new(user.into(), options).expect("constructor threw");
        let log = new_log();
        for e in EVENTS {
            ws.on(e.into(), pusher(&log, e).into()).unwrap();
        }
        Client {
            ws,
            log,
            user: user.to_string(),
        }
    }

    /// Also records `channel` events.
    pub fn record(&self, channel: &str) {
        self.ws
            .on(channel.into(), pusher(&self.log, channel).into())
            .unwrap();
    }

    /// Events named `name` so far.
    pub fn count(&self, name: &str) -> u32 {
        count(&self.log, name)
    }

    /// Payloads of `name` so far.
    pub fn payloads(&self, name: &str) -> Vec<JsValue> {
        payloads(&self.log, name).iter().collect()
    }

    /// Waits for the `n`th `name` event.
    pub async fn until(&self, name: &str, n: u32, timeout_ms: f64) {
        until(
            &format!("{n} `{name}` events for {}", self.user),
            timeout_ms,
            || self.count(name) >= n,
        )
        .await;
    }

    /// `getStats()`.
    pub fn stats(&self) -> JsValue {
        self.ws.get_stats()
    }
}
