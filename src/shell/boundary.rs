//! Bindings to the JavaScript half of the shell (`boundary.js`, `emitter.js`
//! beside this file), and the one call that hands it the core's rules.
//!
//! Imports that may run user code (`JSON.stringify` of user data, which
//! calls `toJSON` and getters) are `catch`, so a throw never unwinds through
//! wasm frames; the others cannot throw (each catches inside).

use js_sys::{Array, Function, JsString};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/shell/emitter.js")]
extern "C" {
    /// A new handler registry.
    #[wasm_bindgen(js_name = createRegistry)]
    pub fn create_registry() -> JsValue;
    /// Adds a handler.
    pub fn on(registry: &JsValue, name: &str, f: &Function, once: bool);
    /// Removes every registration of `f` (all handlers of `name` when undefined).
    pub fn off(registry: &JsValue, name: &str, f: &JsValue);
    /// True when `name` has a handler.
    pub fn has(registry: &JsValue, name: &str) -> bool;
    /// Calls the handlers of `name` with `payload`; what they threw, or null.
    pub fn emit(registry: &JsValue, name: &str, payload: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/src/shell/boundary.js")]
extern "C" {
    #[wasm_bindgen(js_name = setRules)]
    fn set_rules(rules: &JsValue);
    #[wasm_bindgen(js_name = hasRules)]
    fn has_rules() -> bool;
    /// Emits `message` and the channel event for a parsed frame; the flat
    /// `[event, thrown[], ...]` pairs of what handlers threw, or null.
    #[wasm_bindgen(js_name = dispatchFrame)]
    pub fn dispatch_frame(registry: &JsValue, v: &JsValue) -> JsValue;
    /// Installs the socket's message listener (see `listen` in boundary.js).
    pub fn listen(
        ws: &web_sys::WebSocket,
        registry: &JsValue,
        counts: &JsValue,
        max: f64,
        other: &Function,
        thrown: &Function,
    );
    /// `performance.now()`: the shell's monotonic clock, in ms.
    #[wasm_bindgen(js_name = monotonicNow)]
    pub fn monotonic_now() -> f64;
    /// `Date.now() - performance.now()`: wall clock minus monotonic clock.
    #[wasm_bindgen(js_name = wallOffset)]
    pub fn wall_offset() -> f64;
    /// `[frames, units, lastArrivalMs]` counted by the listener since the
    /// last call (the first two reset).
    #[wasm_bindgen(js_name = takeCounts)]
    pub fn take_counts(counts: &JsValue) -> Array;
    /// 0 for a usable channel argument, else a `ChannelFault` code.
    #[wasm_bindgen(js_name = checkChannel)]
    pub fn check_channel(c: &JsValue) -> u32;
    /// Encodes a user message; throws what `JSON.stringify` throws.
    #[wasm_bindgen(catch)]
    pub fn encode(channel: &JsValue, data: &JsValue) -> Result<JsString, JsValue>;
    /// `sendMessage` on an open socket in one call (see boundary.js).
    #[wasm_bindgen(js_name = sendNow)]
    pub fn send_now(
        ws: &web_sys::WebSocket,
        channel: &JsValue,
        data: &JsValue,
        out: &JsValue,
    ) -> f64;
    /// `[data, clientId]` of a welcome frame's parsed value.
    pub fn welcome(v: &JsValue) -> Array;
    /// `new Date(ms).toISOString()`.
    pub fn iso(ms: f64) -> String;
    /// A short description of a thrown value.
    pub fn describe(e: &JsValue) -> String;
    /// 0 string, 1 thenable, 2 other, 3 reading it threw.
    #[wasm_bindgen(js_name = tokenKind)]
    pub fn token_kind(v: &JsValue) -> u32;
    /// Waits for a thenable; returns a function that cancels both callbacks.
    #[wasm_bindgen(js_name = awaitToken)]
    pub fn await_token(p: &JsValue, ok: &Function, err: &Function) -> Function;
    /// 0 undefined/null, 1 a plain object, 2 anything else, 3 unreadable.
    #[wasm_bindgen(js_name = objectKind)]
    pub fn object_kind(o: &JsValue) -> u32;
    /// Own enumerable `[key, value, ...]` of an object, or the key whose
    /// read threw (`""` for the key list).
    pub fn entries(o: &JsValue) -> JsValue;
    /// `console.error` that never throws.
    #[wasm_bindgen(js_name = consoleError)]
    pub fn console_error(message: &str, detail: &JsValue);
    /// `console[level](a, b)` that never throws.
    #[wasm_bindgen(js_name = consoleLog)]
    pub fn log(level: &str, a: &JsValue, b: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    /// A `WebSocket` seen only through the `send` overload for JS strings.
    pub type RawSocket;

    /// `WebSocket.prototype.send` with a JS string (web-sys's `send_with_str`
    /// would copy it through wasm memory).
    #[wasm_bindgen(method, catch, js_name = send)]
    pub fn send_js(this: &RawSocket, data: &JsString) -> Result<(), JsValue>;
}

/// Hands the core's rules ([`crate::core::codes::rules_json`]) to
/// JavaScript, once per module instance.
pub fn ensure_rules() {
    if !has_rules() {
        let text = crate::core::codes::rules_json();
        if let Ok(rules) = js_sys::JSON::parse(&text) {
            set_rules(&rules);
        }
    }
}
