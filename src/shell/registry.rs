//! Keeps connected and reconnecting instances alive although the page keeps
//! no reference to them: wasm-bindgen frees an exported object when its JS
//! wrapper is garbage-collected, and a live connection must not vanish then.

use std::cell::RefCell;
use std::rc::Rc;

use super::Inner;

thread_local! {
    static LIVE: RefCell<Vec<Rc<Inner>>> = const { RefCell::new(Vec::new()) };
}

/// Holds `inner` until [`release`] (idempotent).
pub(crate) fn hold(inner: &Rc<Inner>) {
    LIVE.with(|l| {
        let mut l = l.borrow_mut();
        if !l.iter().any(|x| Rc::ptr_eq(x, inner)) {
            l.push(inner.clone());
        }
    });
}

/// Lets `inner` go. The reference is dropped after the registry's borrow
/// ends, so an `Inner` freed here may safely touch the registry in `Drop`.
pub(crate) fn release(inner: &Inner) {
    let taken = LIVE.with(|l| {
        let mut l = l.borrow_mut();
        let i = l.iter().position(|x| std::ptr::eq(Rc::as_ptr(x), inner))?;
        Some(l.swap_remove(i))
    });
    drop(taken);
}

/// Instances held.
pub(crate) fn len() -> usize {
    LIVE.with(|l| l.borrow().len())
}
