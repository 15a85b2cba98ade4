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
    map: JsValue,
    /// The frame being dispatched (`{v}`), reused for every frame.
    pub(crate) frame: JsValue,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            map: js::zws_handlers(),
            frame: js_sys::Object::new().into(),
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
        if let Some(list) = thrown.dyn_ref::<Array>() {
            list.iter().for_each(|t| on_throw(event, t));
        }
    }

    /// Emits `message` and the channel event of the frame classified last;
    /// hands each thrown value, with its event, to `on_throw`.
    pub(crate) fn dispatch_frame(&self, on_throw: &dyn Fn(&str, JsValue)) {
        let thrown = js::zws_dispatch(&self.map, &self.frame);
        let Some(pairs) = thrown.dyn_ref::<Array>() else {
            return;
        };
        for i in (0..pairs.length()).step_by(2) {
            let event = pairs.get(i).as_string().unwrap_or_default();
            let list: Array = pairs.get(i + 1).unchecked_into();
            list.iter().for_each(|t| on_throw(&event, t));
        }
    }
}
