//! Event handlers: `on`, `off`, `once` and dispatch.
//!
//! Dispatch snapshots the handler list (an `Rc` clone, no JS call) and
//! releases every borrow before calling a handler, so a handler may call any
//! method (`off`, `sendMessage`, `disconnect`) re-entrantly. A handler removed
//! during a dispatch still runs in that dispatch (as in Node's EventEmitter);
//! a `once` handler runs at most once. A handler that throws never stops the
//! others: the thrown value is handed to `on_throw`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::JsValue;

/// One registration. Cloning copies a JS reference: it happens only when a
/// list is changed during a dispatch that holds the old one.
#[derive(Clone)]
struct Entry {
    id: u32,
    f: Function,
    once: bool,
}

/// Handlers by event name. A list, not a map: an instance has a handful of
/// events, a linear scan of short names is as fast, and a map's code would
/// cost kilobytes of wasm.
#[derive(Default)]
pub(crate) struct Emitter {
    map: RefCell<Vec<(String, Rc<Vec<Entry>>)>>,
    next_id: Cell<u32>,
}

fn find(map: &[(String, Rc<Vec<Entry>>)], event: &str) -> Option<usize> {
    map.iter().position(|(name, _)| name == event)
}

impl Emitter {
    /// Adds `f` for `event` (the same function twice runs twice, like the
    /// legacy client's arrays).
    pub(crate) fn add(&self, event: &str, f: Function, once: bool) {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        let mut map = self.map.borrow_mut();
        let i = find(&map, event).unwrap_or_else(|| {
            map.push((event.to_string(), Rc::default()));
            map.len() - 1
        });
        Rc::make_mut(&mut map[i].1).push(Entry { id, f, once });
    }

    /// Removes every registration of `f` for `event` (once or not).
    pub(crate) fn remove(&self, event: &str, f: &Function) {
        let f: &JsValue = f.as_ref();
        self.retain(event, |e| AsRef::<JsValue>::as_ref(&e.f) != f);
    }

    /// Removes all handlers of `event`, or of every event when `None`.
    pub(crate) fn clear(&self, event: Option<&str>) {
        match event {
            Some(ev) => self.map.borrow_mut().retain(|(name, _)| name != ev),
            None => self.map.borrow_mut().clear(),
        }
    }

    /// True when `event` has a handler.
    pub(crate) fn has(&self, event: &str) -> bool {
        find(&self.map.borrow(), event).is_some()
    }

    /// Calls the handlers of `event` with `payload`; returns false when it
    /// has none.
    pub(crate) fn emit(&self, event: &str, payload: &JsValue, on_throw: &dyn Fn(JsValue)) -> bool {
        let list = {
            let map = self.map.borrow();
            match find(&map, event) {
                Some(i) => map[i].1.clone(),
                None => return false,
            }
        };
        for e in list.iter() {
            if e.once && !self.take_once(event, e.id) {
                continue;
            }
            if let Err(thrown) = e.f.call1(&JsValue::UNDEFINED, payload) {
                on_throw(thrown);
            }
        }
        true
    }

    /// Removes once-entry `id`; false when it was already gone.
    fn take_once(&self, event: &str, id: u32) -> bool {
        let mut found = false;
        self.retain(event, |e| {
            let hit = e.id == id;
            found |= hit;
            !hit
        });
        found
    }

    fn retain(&self, event: &str, mut keep: impl FnMut(&Entry) -> bool) {
        let mut map = self.map.borrow_mut();
        let Some(i) = find(&map, event) else {
            return;
        };
        let list = &mut map[i].1;
        if list.iter().all(&mut keep) {
            return;
        }
        // Copy on write: a dispatch in progress keeps its snapshot.
        Rc::make_mut(list).retain(keep);
        if list.is_empty() {
            map.swap_remove(i);
        }
    }
}
