//! Event handlers: `on`, `off`, `once` and dispatch, kept in a JS `Map`
//! (see `js.rs`) so that dispatching a frame stays inside the JS engine.
//!
//! Dispatch iterates a snapshot (handler arrays are replaced, never
//! mutated), so a handler may call any method re-entrantly; no Rust borrow is
//! held while handlers run. A handler removed during a dispatch still runs in
//! that dispatch (as in Node's EventEmitter); a `once` handler runs at most
//! once. What handlers throw is returned to the caller, never propagated.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::js;

/// The handler registry of one instance.
pub(crate) struct Emitter {
    pub(crate) map: JsValue,
    /// The frame being dispatched (`{v}`), reused for every frame.
    pub(crate) frame: JsValue,
    /// `{n, b}`: channel messages (and their UTF-16 units) that the JS
    /// listener dispatched and has not yet reported to the core.
    pub(crate) counts: JsValue,
}

impl Default for Emitter {
    fn default() -> Self {
        let counts = js_sys::Object::new();
        super::util::set(&counts, "n", 0.into());
        super::util::set(&counts, "b", 0.into());
        Emitter {
            map: js::zws_handlers(),
            frame: js_sys::Object::new().into(),
            counts: counts.into(),
        }
    }
}

impl Emitter {
    /// Adds `f` for `event` (the same function twice runs twice, like the
    /// legacy client's arrays).
    pub(crate) fn add(&self, event: &str, f: &Function, once: bool) {
        js::zws_on(&self.map, event, f, once);
    }

    /// Removes every registration of `f` for `event`, or all of the event's
    /// handlers when `f` is `undefined`.
    pub(crate) fn remove(&self, event: &str, f: &JsValue) {
        js::zws_off(&self.map, event, f);
    }

    /// True when `event` has a handler.
    pub(crate) fn has(&self, event: &str) -> bool {
        js::zws_has(&self.map, event)
    }

    /// Calls the handlers of `event`; hands each thrown value to `on_throw`.
    pub(crate) fn emit(&self, event: &str, payload: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
        let thrown = js::zws_emit(&self.map, event, payload);
        if thrown.is_null() {
            return;
        }
        if let Some(list) = thrown.dyn_ref::<Array>() {
            list.iter().for_each(|t| on_throw(event, t));
        }
    }

    /// Emits `message` and the channel event of the frame classified last;
    /// hands each thrown value, with its event, to `on_throw`.
    pub(crate) fn dispatch_frame(&self, on_throw: &dyn Fn(&str, JsValue)) {
        let thrown = js::zws_dispatch(&self.map, &self.frame);
        report_pairs(&thrown, on_throw);
    }

    /// `(frames, units)` the JS listener dispatched since the last call.
    pub(crate) fn take_counts(&self) -> (u64, u64) {
        let n = js::zws_take_frames(&self.counts);
        if n == 0.0 {
            return (0, 0);
        }
        (n as u64, js::zws_take_units(&self.counts) as u64)
    }
}

/// Hands each `[event, thrown[]]` pair of `pairs` (null when nothing threw)
/// to `on_throw`.
pub(crate) fn report_pairs(pairs: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
    if pairs.is_null() {
        return;
    }
    let Some(pairs) = pairs.dyn_ref::<Array>() else {
        return;
    };
    for i in (0..pairs.length()).step_by(2) {
        let event = pairs.get(i).as_string().unwrap_or_default();
        let list: Array = pairs.get(i + 1).unchecked_into();
        list.iter().for_each(|t| on_throw(&event, t));
    }
}
