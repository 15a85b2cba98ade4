//! The hub: what every client of the module shares, so that a connection
//! costs no closure, timer or listener of its own.
//!
//! - One entry point for the JS half (`sink`, a raw export): socket
//!   events, token settlements, the timer and page events all arrive here
//!   and go to the client they name by id.
//! - One wake-up timer at the earliest deadline of all clients.
//! - One set of page listeners (`online`, `offline`, `pagehide`,
//!   `pageshow`), attached while some client is active.
//! - The live set: connected and reconnecting clients are kept alive here
//!   although the page keeps no reference to them (wasm-bindgen frees an
//!   exported object when its JS wrapper is garbage-collected, and a live
//!   connection must not vanish then).
//!
//! It knows clients only through the [`Member`] trait, so dependencies run
//! one way (client → hub). wasm32 without atomics runs one thread, which is
//! what makes the `static` below sound.

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::boundary;
use crate::core::codes::HubEvent;
use crate::prelude::*;

#[cfg(target_feature = "atomics")]
compile_error!("the hub assumes one thread: build without the atomics target feature");

/// The page events, in the order of `PAGE` in boundary.js.
#[derive(Clone, Copy)]
pub(crate) enum PageEvent {
    Online,
    Offline,
    Hide,
    Show,
    /// The page became visible after being hidden for this many ms.
    Visible(f64),
}

/// What the hub needs of a client.
pub(crate) trait Member {
    /// A socket or token event for this client (`generation` is the socket's,
    /// or the token wait's id); the values as [`HubEvent`] describes them.
    fn on_event(&self, ev: HubEvent, generation: u32, a: f64, b: f64, v: JsValue, w: JsValue);
    /// A page event (live clients only).
    fn on_page(&self, ev: PageEvent);
    /// When it wants to be woken (monotonic ms; infinite for never).
    fn wake_at(&self) -> f64;
    /// Its deadline came.
    fn on_wake(&self);
    /// Its resources for `debugCounters()`: (socket, token waits).
    fn resources(&self) -> (bool, u32);
}

struct Hub {
    /// Every client not yet dropped, by id (`None`: a free id).
    slots: Vec<Option<Weak<dyn Member>>>,
    /// Free ids.
    free: Vec<u32>,
    /// The clients kept alive: active ones.
    live: Vec<Rc<dyn Member>>,
    /// Page listeners attached.
    page: u32,
    /// When the timer is set for (infinite: not set).
    timer_at: f64,
    /// Sockets created so far.
    sockets_opened: f64,
    /// Whether `sink` was handed to JavaScript.
    installed: bool,
    /// The id of the last token wait (ids are never reused).
    waits: u32,
}

struct Global(RefCell<Hub>);

// SAFETY: wasm32 without atomics (checked above) has a single thread.
unsafe impl Sync for Global {}

static HUB: Global = Global(RefCell::new(Hub {
    slots: Vec::new(),
    free: Vec::new(),
    live: Vec::new(),
    page: 0,
    timer_at: f64::INFINITY,
    sockets_opened: 0.0,
    installed: false,
    waits: 0,
}));

fn hub<R>(f: impl FnOnce(&mut Hub) -> R) -> R {
    f(&mut HUB.0.borrow_mut())
}

/// The JS half's one entry point, called straight from `boundary.js`
/// through the module's raw exports (no closure, no glue: its arguments are
/// numbers and `externref`s). No borrow of the hub is held while a client
/// runs (it may call back in). Not part of the API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __zantaraSink)]
pub fn sink(kind: u32, id: u32, generation: u32, a: f64, b: f64, v: JsValue, w: JsValue) {
    match HubEvent::from_code(kind) {
        Some(HubEvent::Timer) => fire(),
        Some(HubEvent::Page) => {
            let ev = match a as u32 {
                0 => PageEvent::Online,
                1 => PageEvent::Offline,
                2 => PageEvent::Hide,
                3 => PageEvent::Show,
                4 => PageEvent::Visible(b),
                _ => return,
            };
            let live = hub(|h| h.live.clone());
            for m in live {
                m.on_page(ev);
            }
        }
        Some(ev) => {
            if let Some(m) = member(id) {
                m.on_event(ev, generation, a, b, v, w);
            }
        }
        None => {}
    }
}

fn member(id: u32) -> Option<Rc<dyn Member>> {
    hub(|h| h.slots.get(id as usize)?.as_ref()?.upgrade())
}

/// Gives `m` an id (for the JS half's reports), installing the entry point
/// on first use.
pub(crate) fn register(m: Weak<dyn Member>) -> u32 {
    let first = hub(|h| !core::mem::replace(&mut h.installed, true));
    if first {
        boundary::install(&wasm_bindgen::exports());
    }
    hub(|h| match h.free.pop() {
        Some(id) => {
            h.slots[id as usize] = Some(m);
            id
        }
        None => {
            h.slots.push(Some(m));
            (h.slots.len() - 1) as u32
        }
    })
}

/// Frees id `id` (its client is being dropped).
pub(crate) fn unregister(id: u32) {
    hub(|h| {
        if let Some(slot) = h.slots.get_mut(id as usize) {
            *slot = None;
            h.free.push(id);
        }
    });
}

/// A new token wait id (never 0, never reused).
pub(crate) fn next_wait() -> u32 {
    hub(|h| {
        h.waits = h.waits.wrapping_add(1).max(1);
        h.waits
    })
}

/// Counts a socket created.
pub(crate) fn socket_opened() {
    hub(|h| h.sockets_opened += 1.0);
}

/// Keeps client `id` alive until [`release`]; the first one held attaches
/// the page listeners.
pub(crate) fn hold(id: u32) {
    let Some(m) = member(id) else {
        return;
    };
    let first = hub(|h| {
        h.live.push(m);
        h.live.len() == 1
    });
    if first {
        let n = boundary::page_listen(true);
        hub(|h| h.page = n);
    }
}

/// Lets client `id` go; the last one released removes the page listeners
/// and clears the timer. The reference is dropped after the borrow ends, so
/// a client freed here may touch the hub in `Drop`.
pub(crate) fn release(id: u32) {
    let Some(m) = member(id) else {
        return;
    };
    let key = Rc::as_ptr(&m).cast::<()>();
    let (taken, empty) = hub(|h| {
        let at = h
            .live
            .iter()
            .position(|x| Rc::as_ptr(x).cast::<()>() == key);
        (at.map(|i| h.live.swap_remove(i)), h.live.is_empty())
    });
    if empty {
        let had = hub(|h| (core::mem::replace(&mut h.page, 0), h.timer_at));
        if had.0 > 0 {
            boundary::page_listen(false);
        }
        if had.1.is_finite() {
            hub(|h| h.timer_at = f64::INFINITY);
            boundary::arm_timer(-1.0);
        }
    }
    drop((taken, m));
}

/// Makes sure the timer fires by `at` (monotonic ms; `now` is the time now).
/// A timer set for earlier is kept: it fires, finds nothing due for this
/// client, and is set again for the earliest deadline.
pub(crate) fn wake_by(at: f64, now: f64) {
    if !at.is_finite() || hub(|h| h.timer_at <= at) {
        return;
    }
    hub(|h| h.timer_at = at);
    let ms = (at - now).clamp(0.0, crate::core::options::MAX_DELAY_MS);
    // Whole milliseconds, rounded up: a timer never fires before the deadline.
    let whole = ms as u64 as f64;
    boundary::arm_timer(if whole < ms { whole + 1.0 } else { whole });
}

/// The timer fired: every live client whose deadline came is woken, then the
/// timer is set for the earliest deadline left.
fn fire() {
    hub(|h| h.timer_at = f64::INFINITY);
    let now = boundary::monotonic_now();
    let live = hub(|h| h.live.clone());
    for m in &live {
        if m.wake_at() <= now {
            m.on_wake();
        }
    }
    drop(live);
    let live = hub(|h| h.live.clone());
    let next = live
        .iter()
        .map(|m| m.wake_at())
        .fold(f64::INFINITY, f64::min);
    drop(live);
    wake_by(next, boundary::monotonic_now());
}

/// Live resources of all instances in this module:
/// `{sockets, timers, listeners, instances, live, socketsOpened, wasmMemoryBytes}`.
/// `timers` counts clients waiting for a wake-up (they share one JS timer);
/// `listeners` counts page listeners (online, offline, pagehide, pageshow)
/// and pending token promises; `live` counts instances kept alive because
/// they are connected or reconnecting.
#[wasm_bindgen(js_name = debugCounters)]
pub fn debug_counters() -> JsValue {
    let (members, live, page, opened) = hub(|h| {
        let members: Vec<Rc<dyn Member>> =
            h.slots.iter().flatten().filter_map(Weak::upgrade).collect();
        (members, h.live.len(), h.page, h.sockets_opened)
    });
    let (mut sockets, mut timers, mut waits) = (0u32, 0u32, 0u32);
    for m in &members {
        let (socket, w) = m.resources();
        sockets += u32::from(socket);
        timers += u32::from(m.wake_at().is_finite());
        waits += w;
    }
    let counts = [
        sockets,
        timers,
        page + waits,
        members.len() as u32,
        live as u32,
    ];
    boundary::counters(&counts, opened, &wasm_bindgen::memory())
}
