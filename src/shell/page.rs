//! The page's `online`, `offline`, `pagehide` and `pageshow` listeners: one
//! set for the whole module, attached while some instance is active (held by
//! the registry) and removed when none is, so idle instances cost nothing
//! and `disconnect()` of the last one leaves no listener behind.

use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

use super::counters::{self, Kind};

/// Which page event happened.
#[derive(Clone, Copy)]
pub(crate) enum PageEvent {
    Online,
    Offline,
    Hide,
    Show,
}

const EVENTS: [(&str, PageEvent); 4] = [
    ("online", PageEvent::Online),
    ("offline", PageEvent::Offline),
    ("pagehide", PageEvent::Hide),
    ("pageshow", PageEvent::Show),
];

/// One page listener: the event name and its closure.
type Listener = (&'static str, Closure<dyn Fn()>);

/// The listeners, removed on drop.
pub(crate) struct PageListeners {
    target: EventTarget,
    closures: Vec<Listener>,
}

impl PageListeners {
    /// Attaches to the global object when it is an event target (a window or
    /// a worker), calling `on_event`; `None` elsewhere.
    pub(crate) fn attach(on_event: fn(PageEvent)) -> Option<PageListeners> {
        let target: EventTarget = js_sys::global().dyn_into().ok()?;
        let closures = EVENTS
            .iter()
            .map(|&(name, ev)| {
                let c = Closure::<dyn Fn()>::new(move || on_event(ev));
                let _ = target.add_event_listener_with_callback(name, c.as_ref().unchecked_ref());
                counters::inc(Kind::Listener);
                (name, c)
            })
            .collect();
        Some(PageListeners { target, closures })
    }
}

impl Drop for PageListeners {
    fn drop(&mut self) {
        for (name, c) in &self.closures {
            let _ = self
                .target
                .remove_event_listener_with_callback(name, c.as_ref().unchecked_ref());
            counters::dec(Kind::Listener);
        }
    }
}
