//! Bindings to the JavaScript half of the shell (`boundary.js`, beside this
//! file): the hub's socket listeners, timer and page listeners, the handler
//! registry of each client, sending, and the helpers that are cheaper or
//! only possible in the JS engine. A client's JS state (`createClient`) is
//! the `z` every per-client call takes.
//!
//! Imports that may run user code (`JSON.stringify` of user data, which
//! calls `toJSON` and getters) are `catch`, so a throw never unwinds through
//! wasm frames; the others cannot throw (each catches inside).

use js_sys::{Array, Function, JsString};
use wasm_bindgen::prelude::*;

use crate::prelude::*;

#[wasm_bindgen(module = "/src/shell/boundary.js")]
extern "C" {
    /// Hands JavaScript the module's raw exports, where it finds the wasm
    /// side's one entry point (`__zantaraSink`, see `hub.rs`).
    pub fn install(exports: &JsValue);
    /// A client's JS state: registry, listener counts, socket.
    #[wasm_bindgen(js_name = createClient)]
    pub fn create_client(id: u32, max_frame: f64) -> JsValue;
    /// Opens the client's socket for `generation`; null, or what
    /// `new WebSocket` threw (described).
    #[wasm_bindgen(js_name = openSocket)]
    pub fn open_socket(z: &JsValue, url: &JsValue, generation: u32) -> Option<String>;
    /// The server URL from `wsUrl` (a string, else undefined) and the page;
    /// a string, or the error to throw.
    #[wasm_bindgen(js_name = resolveUrl)]
    pub fn resolve_url(configured: &JsValue) -> JsValue;
    /// `url` with `userId`, `role` and `token` (those that are strings)
    /// in its query, then the protocol v2 offer with `session`.
    #[wasm_bindgen(js_name = withParams)]
    pub fn with_params(
        url: &JsValue,
        user_id: &JsValue,
        role: &JsValue,
        token: &JsValue,
        session: &JsValue,
    ) -> JsValue;
    /// `text` with every URL in it redacted (query values, user info, fragment).
    pub fn redact(text: &JsValue) -> JsValue;
    /// Detaches and closes the client's socket (`code` 0: `close()`).
    #[wasm_bindgen(js_name = shutSocket)]
    pub fn shut_socket(z: &JsValue, code: u16, reason: &str);
    /// `readyState` of the client's socket (3 when none).
    #[wasm_bindgen(js_name = socketState)]
    pub fn socket_state(z: &JsValue) -> u32;
    /// `bufferedAmount` of the client's socket (0 when none).
    #[wasm_bindgen(js_name = socketUnsent)]
    pub fn socket_unsent(z: &JsValue) -> f64;
    /// Sends a frame, with message id `id` in it unless 0; false when not
    /// open or `send` threw.
    #[wasm_bindgen(js_name = sendFrame)]
    pub fn send_frame(z: &JsValue, frame: &JsValue, id: u32) -> bool;
    /// Sets the one wake-up timer to `ms` from now; negative clears it.
    #[wasm_bindgen(js_name = armTimer)]
    pub fn arm_timer(ms: f64);
    /// Adds or removes the page listeners; how many are attached.
    #[wasm_bindgen(js_name = pageListen)]
    pub fn page_listen(on: bool) -> u32;
    /// Adds a handler.
    #[wasm_bindgen(js_name = handlerOn)]
    pub fn handler_on(z: &JsValue, name: &str, f: &Function, once: bool);
    /// Removes every registration of `f` (all handlers of `name` when undefined).
    #[wasm_bindgen(js_name = handlerOff)]
    pub fn handler_off(z: &JsValue, name: &str, f: &JsValue);
    /// True when `name` has a handler.
    #[wasm_bindgen(js_name = handlerHas)]
    pub fn handler_has(z: &JsValue, name: &str) -> bool;
    /// Calls the handlers of `name` with `payload`; what they threw, or null.
    #[wasm_bindgen(js_name = handlerEmit)]
    pub fn handler_emit(z: &JsValue, name: &str, payload: &JsValue) -> JsValue;
    /// Emits `message` and the channel event for a parsed frame; the flat
    /// `[event, thrown[], ...]` pairs of what handlers threw, or null.
    #[wasm_bindgen(js_name = dispatchOf)]
    pub fn dispatch_frame(z: &JsValue, v: &JsValue) -> JsValue;
    /// `navigator.onLine` (undefined where there is no navigator).
    #[wasm_bindgen(js_name = navigatorOnline)]
    pub fn navigator_online() -> JsValue;
    /// `debugCounters()`'s object from `[sockets, timers, listeners,
    /// instances, live]`, the sockets opened and the wasm memory.
    pub fn counters(counts: &[u32], sockets_opened: f64, memory: &JsValue) -> JsValue;
    /// `performance.now()`: the shell's monotonic clock, in ms.
    #[wasm_bindgen(js_name = monotonicNow)]
    pub fn monotonic_now() -> f64;
    /// `Date.now() - performance.now()`: wall clock minus monotonic clock.
    #[wasm_bindgen(js_name = wallOffset)]
    pub fn wall_offset() -> f64;
    /// Frames the listener counted since the last call, into `out`
    /// (`[frames, units, lastArrivalMs, ackedId, itsGeneration]`); the
    /// number of frames.
    #[wasm_bindgen(js_name = takeCounts)]
    pub fn take_counts(z: &JsValue, out: &mut [f64]) -> f64;
    /// 0 for a usable channel argument, else a `ChannelFault` code.
    #[wasm_bindgen(js_name = checkChannel)]
    pub fn check_channel(c: &JsValue) -> u32;
    /// Encodes a user message; throws what `JSON.stringify` throws.
    #[wasm_bindgen(catch)]
    pub fn encode(channel: &JsValue, data: &JsValue) -> Result<JsString, JsValue>;
    /// `sendMessage` on an open socket in one call (see boundary.js).
    #[wasm_bindgen(js_name = sendNow)]
    pub fn send_now(
        z: &JsValue,
        channel: &JsValue,
        data: &JsValue,
        out: &JsValue,
        id: u32,
        room: f64,
    ) -> f64;
    /// The frame `sendNow` left in `out` (a v2 send, or one for the queue).
    #[wasm_bindgen(js_name = frameOf)]
    pub fn frame_of(out: &JsValue) -> JsValue;
    /// `[data, clientId, v2]` of a welcome frame's parsed value.
    pub fn welcome(v: &JsValue, z: &JsValue) -> Array;
    /// An `ack` frame's message id times 4, plus 1 when it refuses, or 2
    /// when it is cumulative (`upTo`); 0 without a usable id.
    #[wasm_bindgen(js_name = ackOf)]
    pub fn ack_of(v: &JsValue) -> f64;
    /// Whether the listener hands each acknowledgement it takes over at once
    /// (`CREDIT`) rather than at the next `takeCounts`.
    #[wasm_bindgen(js_name = ackEager)]
    pub fn ack_eager(z: &JsValue, on: bool);
    /// Settles the acknowledgement callbacks of messages `ids` as acknowledged.
    #[wasm_bindgen(js_name = ackSettleAll)]
    pub fn ack_settle_all(z: &JsValue, ids: &[u32]);
    /// Registers the acknowledgement callback of message `id`.
    #[wasm_bindgen(js_name = ackOn)]
    pub fn ack_on(z: &JsValue, id: u32, cb: &JsValue);
    /// Settles the acknowledgement callback of message `id`, if any (`how`:
    /// 0 acknowledged, 1 refused, 2 sent unconfirmed, 3 never sent, 4 the
    /// queue refused it with error `v`). Never throws.
    #[wasm_bindgen(js_name = ackSettle)]
    pub fn ack_settle(z: &JsValue, id: u32, how: u32, v: &JsValue);
    /// A request (`kind` 1) or stream (2) frame; throws what
    /// `JSON.stringify` throws.
    #[wasm_bindgen(catch, js_name = encodeAs)]
    pub fn encode_as(kind: u32, method: &JsValue, data: &JsValue) -> Result<JsString, JsValue>;
    /// Forgets the channel position of `channel` (`unsubscribe()`).
    #[wasm_bindgen(js_name = forgetPosition)]
    pub fn forget_position(z: &JsValue, channel: &str);
    /// Registers the chunk callback of stream `id`.
    #[wasm_bindgen(js_name = streamOn)]
    pub fn stream_on(z: &JsValue, id: u32, f: &JsValue);
    /// Sends `{"type":"cancel","id":id}` when the socket is open.
    #[wasm_bindgen(js_name = sendCancel)]
    pub fn send_cancel(z: &JsValue, id: u32);
    /// Settles every acknowledgement callback as never to be sent (those
    /// in `sent` were handed to a socket before and may have arrived).
    #[wasm_bindgen(js_name = ackDrop)]
    pub fn ack_drop(z: &JsValue, sent: &[u32]);
    /// `new Date(ms).toISOString()`.
    pub fn iso(ms: f64) -> JsValue;
    /// A short description of a thrown value.
    pub fn describe(e: &JsValue) -> String;
    /// 0 string, 1 thenable, 2 other, 3 reading it threw.
    #[wasm_bindgen(js_name = tokenKind)]
    pub fn token_kind(v: &JsValue) -> u32;
    /// Waits for a thenable; reports `TOKEN` for client `id`, wait `wait`.
    #[wasm_bindgen(js_name = awaitToken)]
    pub fn await_token(p: &JsValue, id: u32, wait: u32);
    /// The JS error for code index `i` with message arguments `a`, `b`.
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(i: u32, type_error: bool, a: &JsValue, b: &JsValue) -> JsValue;
    /// Reads and checks the options object: numbers, booleans and choices
    /// into `out` by option index; an array of the other values by index, or
    /// the error to throw.
    #[wasm_bindgen(js_name = readOptions)]
    pub fn read_options(o: &JsValue, out: &mut [f64]) -> JsValue;
    /// `console.error` that never throws.
    #[wasm_bindgen(js_name = consoleError)]
    pub fn console_error(message: &str, detail: &JsValue);
    /// `console[level](a, b)`, or `(a, b, c)` unless `c` is undefined; never throws.
    #[wasm_bindgen(js_name = consoleLog)]
    pub fn log(level: &str, a: &JsValue, b: &JsValue, c: &JsValue);
}

// `boundary.js` imports the handler registry from `emitter.js`: naming the
// module here makes wasm-bindgen copy it beside boundary.js.
#[wasm_bindgen(module = "/src/shell/emitter.js")]
extern "C" {
    /// A new, empty handler registry (boundary.js makes them; unused here).
    #[wasm_bindgen(js_name = createRegistry)]
    #[allow(dead_code)]
    fn create_registry() -> JsValue;
}

#[cfg(feature = "rust-api")]
#[wasm_bindgen(module = "/src/shell/boundary.js")]
extern "C" {
    /// `options.wsUrl` as a failover pool (a list or a function), else
    /// null; throws the `INVALID_URL` error of a bad list.
    #[wasm_bindgen(js_name = urlPool, catch)]
    pub fn url_pool(options: &JsValue) -> Result<JsValue, JsValue>;
    /// Sets the pool the next client created takes (null: none).
    #[wasm_bindgen(js_name = setPool)]
    pub fn set_pool(pool: &JsValue);
}
