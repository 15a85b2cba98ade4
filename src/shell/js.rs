//! The JS half of the shell: frame parsing and handler dispatch run in the
//! JS engine, so payloads never enter wasm memory and an inbound frame costs
//! two boundary crossings (classify, dispatch) instead of one per field.

use js_sys::JsString;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// Keep in sync with RESERVED_EVENTS in src/core/frame.rs: a channel named like
// one of the SDK's own events never fires that event's handlers.
const RESERVED = new Set(['connected', 'disconnected', 'error', 'message', 'reconnecting',
  'reconnect_failed', 'state', 'pong']);
const KIND = new Map([['message', 0], ['pong', 1], ['connected', 2], ['ping', 3], ['subscribe', 4], ['unsubscribe', 5]]);

// Handlers: a Map from event name to an array of {f, once, done}. Arrays are
// replaced, never mutated, so a dispatch in progress keeps its snapshot.
export function zws_handlers() { return new Map(); }
export function zws_on(m, name, f, once) {
  const l = m.get(name);
  const e = { f, once, done: false };
  m.set(name, l === undefined ? [e] : [...l, e]);
}
function removeWhere(m, name, drop) {
  const l = m.get(name);
  if (l === undefined) return;
  const kept = l.filter((e) => !drop(e));
  if (kept.length === 0) m.delete(name); else if (kept.length !== l.length) m.set(name, kept);
}
export function zws_off(m, name, f) {
  if (f === undefined) m.delete(name); else removeWhere(m, name, (e) => e.f === f);
}
export function zws_has(m, name) { return m.has(name); }
// Calls the handlers of `name`; returns what they threw (or null).
export function zws_emit(m, name, payload) {
  const l = m.get(name);
  if (l === undefined) return null;
  let thrown = null;
  for (const e of l) {
    if (e.once) {
      if (e.done) continue;
      e.done = true;
      removeWhere(m, name, (x) => x === e);
    }
    try { e.f(payload); } catch (err) { (thrown ??= []).push(err); }
  }
  return thrown;
}

// Classifies a frame, keeping the parsed value in `out.v`. Returns
// `length * 32 + (kind + 11)`: kind 0..5 as KIND, or -1 not an object,
// -2 no string type, -3 unknown type, -4 not JSON, -5 message without a
// channel, -10 binary, -11 larger than `max`. The length is UTF-16 code
// units (bytes for binary frames).
export function zws_frame(data, max, out) {
  out.v = undefined;
  if (typeof data !== 'string') return (data.byteLength >>> 0) * 32 + 1;
  const n = data.length;
  if (n > max) return n * 32;
  let v;
  try { v = JSON.parse(data); } catch (_) { return n * 32 + 7; }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return n * 32 + 10;
  const k = KIND.get(v.type);
  if (k === undefined) return n * 32 + (typeof v.type === 'string' ? 8 : 9);
  out.v = v;
  if (k === 0 && (typeof v.channel !== 'string' || v.channel === '')) return n * 32 + 6;
  return n * 32 + k + 11;
}
// The socket's message listener. Channel messages, the bulk of the traffic,
// are parsed, counted in `st` and dispatched here without entering wasm; any
// other frame (welcome, pong, bad, binary, too large) goes to `other`, the
// wasm side. `thrown` receives what handlers threw.
export function zws_listen(ws, m, st, max, other, thrown) {
  ws.onmessage = (e) => {
    const d = e.data;
    if (typeof d === 'string' && d.length <= max) {
      let v;
      try { v = JSON.parse(d); } catch (_) { other(d); return; }
      if (v !== null && typeof v === 'object' && v.type === 'message') {
        const c = v.channel;
        if (typeof c === 'string' && c !== '') {
          st.n += 1;
          st.b += d.length;
          const t = dispatchValue(m, v);
          if (t !== null) {
            // A handler may have disconnected (and so freed `thrown`) meanwhile.
            try { thrown(t); } catch (_) { for (let i = 1; i < t.length; i += 2) t[i].forEach((x) => console.error(x)); }
          }
          return;
        }
      }
    }
    other(d);
  };
}
// Frames and UTF-16 units counted by the listener since the last call.
export function zws_take_frames(st) { const n = st.n; st.n = 0; return n; }
export function zws_take_units(st) { const b = st.b; st.b = 0; return b; }

// Checks a channel name as the core does (src/core/frame.rs check_channel):
// 0 ok, 1 not a non-empty string, 2 lone surrogates, 3 over 256 UTF-8 bytes,
// 4 named like a built-in event.
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function checkChannel(c) {
  if (typeof c !== 'string' || c === '') return 1;
  if (c.isWellFormed ? !c.isWellFormed() : LONE.test(c)) return 2;
  if (c.length > 85 && new TextEncoder().encode(c).length > 256) return 3;
  return RESERVED.has(c) ? 4 : 0;
}
export function zws_check_channel(c) { return checkChannel(c); }
// sendMessage while open: checks, encodes and sends in one call. Returns the
// frame's length, -1 when the socket is not open (nothing done), or minus
// (10 + the checkChannel code). Throws for data JSON cannot encode.
export function zws_send_now(ws, channel, data) {
  const bad = checkChannel(channel);
  if (bad !== 0) return -10 - bad;
  if (ws.readyState !== 1) return -1;
  const f = JSON.stringify({ type: 'message', channel, data, timestamp: new Date().toISOString() });
  ws.send(f);
  return f.length;
}

// Emits `message` (the whole frame) and, for channel messages, the channel
// event (its data). Returns [event name, thrown] pairs flattened, or null.
export function zws_dispatch(m, out) {
  const v = out.v;
  out.v = undefined;
  return dispatchValue(m, v);
}
function dispatchValue(m, v) {
  let thrown = null;
  const t1 = zws_emit(m, 'message', v);
  if (t1 !== null) thrown = ['message', t1];
  const c = v.type === 'message' ? v.channel : undefined;
  if (c !== undefined && !RESERVED.has(c)) {
    const t2 = zws_emit(m, c, v.data);
    if (t2 !== null) (thrown ??= []).push(c, t2);
  }
  return thrown;
}
export function zws_welcome(out) {
  const d = out.v.data;
  const id = d !== null && typeof d === 'object' && typeof d.clientId === 'string' ? d.clientId : undefined;
  return [d, id];
}
// Encodes a user message, or returns the checkChannel code (a number) for a
// bad channel. Throws for data JSON cannot encode.
export function zws_encode(channel, data) {
  const bad = checkChannel(channel);
  if (bad !== 0) return bad;
  return JSON.stringify({ type: 'message', channel, data, timestamp: new Date().toISOString() });
}
export function zws_iso(ms) { return new Date(ms).toISOString(); }
export function zws_describe(e) {
  try { return e instanceof Error ? e.name + ': ' + e.message : String(e); } catch (_) { return 'unknown error'; }
}
export function zws_is_thenable(v) {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
}
"#)]
extern "C" {
    /// A new handler registry.
    pub fn zws_handlers() -> JsValue;
    /// Adds a handler.
    pub fn zws_on(m: &JsValue, name: &str, f: &js_sys::Function, once: bool);
    /// Removes every registration of `f` (all handlers of `name` when undefined).
    pub fn zws_off(m: &JsValue, name: &str, f: &JsValue);
    /// True when `name` has a handler.
    pub fn zws_has(m: &JsValue, name: &str) -> bool;
    /// Calls the handlers of `name` with `payload`; what they threw, or null.
    pub fn zws_emit(m: &JsValue, name: &str, payload: &JsValue) -> JsValue;
    /// Classifies a frame (see the JS comment for the encoding).
    pub fn zws_frame(data: &JsValue, max: f64, out: &JsValue) -> f64;
    /// Emits `message` and the channel event for the frame kept in `out`.
    pub fn zws_dispatch(m: &JsValue, out: &JsValue) -> JsValue;
    /// Installs the socket's message listener (see the JS comment).
    pub fn zws_listen(
        ws: &web_sys::WebSocket,
        m: &JsValue,
        st: &JsValue,
        max: f64,
        other: &js_sys::Function,
        thrown: &js_sys::Function,
    );
    /// Channel messages counted by the listener since the last call.
    pub fn zws_take_frames(st: &JsValue) -> f64;
    /// Their UTF-16 code units.
    pub fn zws_take_units(st: &JsValue) -> f64;
    /// 0 for a usable channel name, else the reason (see the JS comment).
    pub fn zws_check_channel(c: &JsValue) -> i32;
    /// `sendMessage` on an open socket in one call (see the JS comment).
    #[wasm_bindgen(catch)]
    pub fn zws_send_now(
        ws: &web_sys::WebSocket,
        channel: &JsValue,
        data: &JsValue,
    ) -> Result<f64, JsValue>;
    /// `[data, clientId]` of the welcome frame kept in `out`.
    pub fn zws_welcome(out: &JsValue) -> js_sys::Array;
    /// Encodes a user message (a JS string), or the reason code (a number)
    /// for a bad channel; throws for cyclic data or BigInt.
    #[wasm_bindgen(catch)]
    pub fn zws_encode(channel: &JsValue, data: &JsValue) -> Result<JsValue, JsValue>;
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
