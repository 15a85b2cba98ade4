//! Bindings to the few JS functions the shell needs beyond web-sys: each one
//! keeps a payload on the JS side (no copy into wasm memory) or saves
//! boundary crossings on the hot path.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
export function zws_parse(text) { return JSON.parse(text); }
export function zws_kind(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return -1;
  switch (v.type) {
    case 'message': return 0;
    case 'pong': return 1;
    case 'connected': return 2;
    case 'ping': return 3;
    case 'subscribe': return 4;
    case 'unsubscribe': return 5;
  }
  return typeof v.type === 'string' ? -3 : -2;
}
export function zws_channel(v) { const c = v.channel; return typeof c === 'string' ? c : undefined; }
export function zws_data(v) { return v.data; }
export function zws_client_id(v) {
  const d = v.data;
  return d !== null && typeof d === 'object' && typeof d.clientId === 'string' ? d.clientId : undefined;
}
export function zws_encode(channel, data) {
  return JSON.stringify({ type: 'message', channel, data, timestamp: new Date().toISOString() });
}
export function zws_iso(ms) { return new Date(ms).toISOString(); }
export function zws_describe(e) {
  try { return e instanceof Error ? e.name + ': ' + e.message : String(e); } catch (_) { return 'unknown error'; }
}
export function zws_is_thenable(v) { return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function'; }
"#)]
extern "C" {
    /// `JSON.parse(text)` on a JS string, without copying it into wasm.
    #[wasm_bindgen(catch)]
    pub fn zws_parse(text: &JsValue) -> Result<JsValue, JsValue>;
    /// The frame's type: 0 message, 1 pong, 2 connected, 3 ping, 4 subscribe,
    /// 5 unsubscribe; -1 not an object, -2 no string type, -3 unknown type.
    pub fn zws_kind(v: &JsValue) -> i32;
    /// The frame's `channel` if it is a string.
    pub fn zws_channel(v: &JsValue) -> Option<String>;
    /// The frame's `data`.
    pub fn zws_data(v: &JsValue) -> JsValue;
    /// `data.clientId` of a welcome frame.
    pub fn zws_client_id(v: &JsValue) -> Option<String>;
    /// Encodes a user message; throws for cyclic data or BigInt.
    #[wasm_bindgen(catch)]
    pub fn zws_encode(channel: &JsValue, data: &JsValue) -> Result<JsString, JsValue>;
    /// `new Date(ms).toISOString()`.
    pub fn zws_iso(ms: f64) -> String;
    /// A short description of a thrown value.
    pub fn zws_describe(e: &JsValue) -> String;
    /// True for a promise or any thenable.
    pub fn zws_is_thenable(v: &JsValue) -> bool;
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
