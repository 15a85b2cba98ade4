//! The handler registry of one client, seen from Rust: the registry itself
//! lives in JavaScript (`emitter.js`, with its dispatch semantics) so that a
//! channel message is dispatched without entering wasm, and the listener's
//! counts of those messages wait here until the core is credited with them.
//! What handlers throw is handed back to the caller, never propagated.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::boundary;

/// Channel messages the JS listener dispatched since the last
/// [`Emitter::take_counts`].
pub(crate) struct Counts {
    /// Frames.
    pub(crate) frames: u64,
    /// Their UTF-16 code units.
    pub(crate) units: u64,
    /// When the last one arrived (wall clock, ms).
    pub(crate) last_at: f64,
}

/// The handler registry of one instance.
pub(crate) struct Emitter {
    /// The JS registry (`createRegistry()`).
    pub(crate) registry: JsValue,
    /// `{n, b, t}`, written by the JS listener (see `listen` in boundary.js).
    pub(crate) counts: JsValue,
}

impl Emitter {
    /// An empty registry.
    pub(crate) fn new() -> Emitter {
        let counts = js_sys::Object::new();
        for key in ["n", "b", "t"] {
            super::util::set(&counts, key, 0.into());
        }
        Emitter {
            registry: boundary::create_registry(),
            counts: counts.into(),
        }
    }

    /// Adds `f` for `event` (the same function twice runs twice, like the
    /// legacy client's arrays).
    pub(crate) fn add(&self, event: &str, f: &Function, once: bool) {
        boundary::on(&self.registry, event, f, once);
    }

    /// Removes every registration of `f` for `event`, or all of the event's
    /// handlers when `f` is `undefined`.
    pub(crate) fn remove(&self, event: &str, f: &JsValue) {
        boundary::off(&self.registry, event, f);
    }

    /// True when `event` has a handler.
    pub(crate) fn has(&self, event: &str) -> bool {
        boundary::has(&self.registry, event)
    }

    /// Calls the handlers of `event`; hands each thrown value to `on_throw`.
    pub(crate) fn emit(&self, event: &str, payload: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
        let thrown = boundary::emit(&self.registry, event, payload);
        if let Some(list) = thrown.dyn_ref::<Array>() {
            list.iter().for_each(|t| on_throw(event, t));
        }
    }

    /// Emits `message` and the channel event of a parsed frame; hands each
    /// thrown value, with its event, to `on_throw`.
    pub(crate) fn dispatch_frame(&self, v: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
        let pairs = boundary::dispatch_frame(&self.registry, v);
        report_pairs(&pairs, on_throw);
    }

    /// What the JS listener dispatched since the last call.
    pub(crate) fn take_counts(&self) -> Counts {
        let a = boundary::take_counts(&self.counts);
        let num = |i| a.get(i).as_f64().unwrap_or(0.0);
        Counts {
            frames: num(0) as u64,
            units: num(1) as u64,
            last_at: num(2),
        }
    }
}

/// Hands each `[event, thrown[]]` pair of `pairs` (null when nothing threw)
/// to `on_throw`.
pub(crate) fn report_pairs(pairs: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
    let Some(pairs) = pairs.dyn_ref::<Array>() else {
        return;
    };
    for i in (0..pairs.length()).step_by(2) {
        let event = pairs.get(i).as_string().unwrap_or_default();
        if let Some(list) = pairs.get(i + 1).dyn_ref::<Array>() {
            list.iter().for_each(|t| on_throw(&event, t));
        }
    }
}
