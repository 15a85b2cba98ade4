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
    /// When the last one arrived (monotonic clock, ms).
    pub(crate) last_at: f64,
    /// The highest message id an echo or cumulative `ack` among them
    /// acknowledged (0 for none), and the generation of its socket.
    pub(crate) acked: (u32, u32),
}

/// The handler registry of one instance: its JS state `z` (`createClient`
/// in boundary.js), which holds the registry and the listener's counts.
pub(crate) struct Emitter {
    /// The client's JS state.
    pub(crate) z: JsValue,
}

impl Emitter {
    /// The registry of JS state `z`.
    pub(crate) fn new(z: JsValue) -> Emitter {
        Emitter { z }
    }

    /// Adds `f` for `event` (the same function twice runs twice, like the
    /// legacy client's arrays).
    pub(crate) fn add(&self, event: &str, f: &Function, once: bool) {
        boundary::handler_on(&self.z, event, f, once);
    }

    /// Removes every registration of `f` for `event`, or all of the event's
    /// handlers when `f` is `undefined`.
    pub(crate) fn remove(&self, event: &str, f: &JsValue) {
        boundary::handler_off(&self.z, event, f);
    }

    /// True when `event` has a handler.
    pub(crate) fn has(&self, event: &str) -> bool {
        boundary::handler_has(&self.z, event)
    }

    /// Calls the handlers of `event`; hands each thrown value to `on_throw`.
    pub(crate) fn emit(&self, event: &str, payload: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
        let thrown = boundary::handler_emit(&self.z, event, payload);
        if let Some(list) = thrown.dyn_ref::<Array>() {
            list.iter().for_each(|t| on_throw(event, t));
        }
    }

    /// Emits `message` and the channel event of a parsed frame; hands each
    /// thrown value, with its event, to `on_throw`.
    pub(crate) fn dispatch_frame(&self, v: &JsValue, on_throw: &dyn Fn(&str, JsValue)) {
        let pairs = boundary::dispatch_frame(&self.z, v);
        report_pairs(&pairs, on_throw);
    }

    /// What the JS listener dispatched since the last call, if anything.
    pub(crate) fn take_counts(&self) -> Option<Counts> {
        let mut out = [0.0; 5];
        if boundary::take_counts(&self.z, &mut out) == 0.0 {
            return None;
        }
        Some(Counts {
            frames: out[0] as u64,
            units: out[1] as u64,
            last_at: out[2],
            acked: (out[3] as u32, out[4] as u32),
        })
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
