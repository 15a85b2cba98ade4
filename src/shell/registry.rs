//! Keeps connected and reconnecting instances alive although the page keeps
//! no reference to them: wasm-bindgen frees an exported object when its JS
//! wrapper is garbage-collected, and a live connection must not vanish then.
//! The same set receives the page's lifecycle events.

use std::cell::RefCell;
use std::rc::Rc;

use super::page::{PageEvent, PageListeners};
use super::Inner;

thread_local! {
    static LIVE: RefCell<Vec<Rc<Inner>>> = const { RefCell::new(Vec::new()) };
    static PAGE: RefCell<Option<PageListeners>> = const { RefCell::new(None) };
}

/// Holds `inner` until [`release`] (idempotent); the first one held attaches
/// the page listeners.
pub(crate) fn hold(inner: &Rc<Inner>) {
    let first = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        if l.iter().any(|x| Rc::ptr_eq(x, inner)) {
            return false;
        }
        l.push(inner.clone());
        l.len() == 1
    });
    if first {
        let listeners = PageListeners::attach(on_page);
        PAGE.with(|p| *p.borrow_mut() = listeners);
    }
}

/// Lets `inner` go; the last one released removes the page listeners. The
/// references are dropped after the borrows end, so an `Inner` freed here
/// may safely touch the registry in `Drop`.
pub(crate) fn release(inner: &Inner) {
    let (taken, empty) = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let taken = l
            .iter()
            .position(|x| std::ptr::eq(Rc::as_ptr(x), inner))
            .map(|i| l.swap_remove(i));
        (taken, l.is_empty())
    });
    if empty {
        let listeners = PAGE.with(|p| p.borrow_mut().take());
        drop(listeners);
    }
    drop(taken);
}

/// Instances held.
pub(crate) fn len() -> usize {
    LIVE.with(|l| l.borrow().len())
}

/// A page event: every live instance hears it (a snapshot, since handlers
/// may connect or disconnect instances meanwhile).
fn on_page(ev: PageEvent) {
    let live: Vec<Rc<Inner>> = LIVE.with(|l| l.borrow().clone());
    for inner in live {
        inner.on_page(ev);
    }
}
