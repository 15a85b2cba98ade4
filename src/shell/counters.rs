//! Live-resource counters, exposed to tests as `debugCounters()`: proving
//! that nothing happens (no socket, timer or listener left after
//! `disconnect()` or free) means reading these after a bounded quiet window.

use std::cell::Cell;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::util::set;

thread_local! {
    static SOCKETS: Cell<i32> = const { Cell::new(0) };
    static TIMERS: Cell<i32> = const { Cell::new(0) };
    static LISTENERS: Cell<i32> = const { Cell::new(0) };
    static INSTANCES: Cell<i32> = const { Cell::new(0) };
    static LIVE: Cell<i32> = const { Cell::new(0) };
    static SOCKETS_OPENED: Cell<f64> = const { Cell::new(0.0) };
}

/// Which resource a counter tracks (the fields of `debugCounters()`).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A `WebSocket` the SDK owns.
    Socket,
    /// A pending wake-up timer.
    Timer,
    /// A page listener or a pending token promise.
    Listener,
    /// A client not yet freed.
    Instance,
    /// An instance the registry keeps alive.
    Live,
}

fn cell(kind: Kind) -> &'static std::thread::LocalKey<Cell<i32>> {
    match kind {
        Kind::Socket => &SOCKETS,
        Kind::Timer => &TIMERS,
        Kind::Listener => &LISTENERS,
        Kind::Instance => &INSTANCES,
        Kind::Live => &LIVE,
    }
}

/// Counts one more live resource.
pub(crate) fn inc(kind: Kind) {
    cell(kind).with(|c| c.set(c.get() + 1));
    if let Kind::Socket = kind {
        SOCKETS_OPENED.with(|c| c.set(c.get() + 1.0));
    }
}

/// Counts one fewer live resource.
pub(crate) fn dec(kind: Kind) {
    cell(kind).with(|c| c.set(c.get() - 1));
}

/// Live resources of all instances in this module:
/// `{sockets, timers, listeners, instances, live, socketsOpened, wasmMemoryBytes}`.
/// `listeners` counts page listeners (online, offline, pagehide, pageshow)
/// and pending token promises; `live` counts instances kept alive by the
/// registry because they are connected or reconnecting.
#[wasm_bindgen(js_name = debugCounters)]
pub fn debug_counters() -> JsValue {
    let o = Object::new();
    set(&o, "sockets", SOCKETS.with(Cell::get).into());
    set(&o, "timers", TIMERS.with(Cell::get).into());
    set(&o, "listeners", LISTENERS.with(Cell::get).into());
    set(&o, "instances", INSTANCES.with(Cell::get).into());
    set(&o, "live", LIVE.with(Cell::get).into());
    set(&o, "socketsOpened", SOCKETS_OPENED.with(Cell::get).into());
    let bytes = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length()
        })
        .unwrap_or(0);
    set(&o, "wasmMemoryBytes", bytes.into());
    o.into()
}
