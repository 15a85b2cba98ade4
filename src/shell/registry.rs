//! Keeps connected and reconnecting instances alive although the page keeps
//! no reference to them: wasm-bindgen frees an exported object when its JS
//! wrapper is garbage-collected, and a live connection must not vanish then.
//! The same set receives the page's lifecycle events, through the
//! [`PageSink`] trait its members implement.

use std::cell::RefCell;
use std::rc::Rc;

use super::counters::{self, Kind};
use super::page::{PageEvent, PageListeners};

/// What the registry holds: something that hears page events.
pub(crate) trait PageSink {
    /// A page event happened.
    fn on_page(&self, ev: PageEvent);
}

thread_local! {
    static LIVE: RefCell<Vec<Rc<dyn PageSink>>> = const { RefCell::new(Vec::new()) };
    static PAGE: RefCell<Option<PageListeners>> = const { RefCell::new(None) };
}

fn same(a: &Rc<dyn PageSink>, b: *const ()) -> bool {
    std::ptr::eq(Rc::as_ptr(a).cast::<()>(), b)
}

/// Holds `sink` until [`release`] (idempotent); the first one held attaches
/// the page listeners.
pub(crate) fn hold(sink: Rc<dyn PageSink>) {
    let key = Rc::as_ptr(&sink).cast::<()>();
    let first = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        if l.iter().any(|x| same(x, key)) {
            return false;
        }
        l.push(sink);
        counters::inc(Kind::Live);
        l.len() == 1
    });
    if first {
        let listeners = PageListeners::attach(on_page);
        PAGE.with(|p| *p.borrow_mut() = listeners);
    }
}

/// Lets the sink at address `key` go; the last one released removes the
/// page listeners. The references are dropped after the borrows end, so a
/// sink freed here may safely touch the registry in `Drop`.
pub(crate) fn release(key: *const ()) {
    let (taken, empty) = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let taken = l
            .iter()
            .position(|x| same(x, key))
            .map(|i| l.swap_remove(i));
        (taken, l.is_empty())
    });
    if taken.is_some() {
        counters::dec(Kind::Live);
    }
    if empty {
        let listeners = PAGE.with(|p| p.borrow_mut().take());
        drop(listeners);
    }
    drop(taken);
}

/// A page event: every live instance hears it (a snapshot, since handlers
/// may connect or disconnect instances meanwhile).
fn on_page(ev: PageEvent) {
    let live: Vec<Rc<dyn PageSink>> = LIVE.with(|l| l.borrow().clone());
    for sink in live {
        sink.on_page(ev);
    }
}
