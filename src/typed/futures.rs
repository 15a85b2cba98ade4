//! The futures of the Rust API: a message's acknowledgement and a request's
//! reply. Each is settled by the acknowledgement callback the shell calls
//! exactly once (from a microtask), whatever happens: the server's answer, a
//! refusal, the queue's, a cancellation, or the client going away.

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use core::time::Duration;

use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use super::streams::decode;
use super::types::{Delivery, Error};
use super::Shared;

/// The acknowledgement object `{success, confirmed, id, data?, error?}`
/// once it came, and the task waiting for it.
#[derive(Default)]
pub(crate) struct Slot {
    ack: Option<JsValue>,
    waker: Option<Waker>,
}

/// A slot shared by a callback and its future.
pub(crate) type SharedSlot = Rc<RefCell<Slot>>;

impl Slot {
    /// A slot and the JavaScript callback that fills it (called once; it
    /// frees itself then).
    pub(crate) fn with_callback() -> (SharedSlot, JsValue) {
        let slot = SharedSlot::default();
        let filled = Rc::clone(&slot);
        let callback = Closure::once_into_js(move |ack: JsValue| {
            let waker = {
                let mut s = filled.borrow_mut();
                s.ack = Some(ack);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        (slot, callback)
    }

    fn poll(slot: &SharedSlot, cx: &mut Context<'_>) -> Poll<JsValue> {
        let mut s = slot.borrow_mut();
        match s.ack.take() {
            Some(ack) => Poll::Ready(ack),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// Calls a callback the shell never took (the call was refused before
    /// registering it), so that it frees itself.
    pub(crate) fn discard(callback: &JsValue) {
        let f: &js_sys::Function = callback.unchecked_ref();
        let _ = f.call1(&JsValue::UNDEFINED, &JsValue::UNDEFINED);
    }

    /// Whether the callback was called (and the answer not yet read).
    pub(crate) fn settled(slot: &SharedSlot) -> bool {
        slot.borrow().ack.is_some()
    }
}

fn field(ack: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(ack, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `Ok(data)` for a successful acknowledgement, else its error.
pub(crate) fn outcome(ack: &JsValue) -> Result<JsValue, Error> {
    if field(ack, "success").is_truthy() {
        Ok(field(ack, "data"))
    } else {
        Err(Error::from_js(&field(ack, "error")))
    }
}

/// The server's acknowledgement of one message
/// ([`Client::send_with_ack`](super::Client::send_with_ack)): `Ok` with the
/// [`Delivery`], or `Err` with the server's refusal (its code and
/// [`reason`](Error::reason)), `QUEUE_FULL`, or `DISCONNECTED` (the client
/// was dropped first). It has no timeout of its own: the message stays
/// queued and is sent again after a lost link until acknowledged, so race
/// the future with a timer (`gloo_timers::future::TimeoutFuture`) to stop
/// waiting. Dropping it does not withdraw the message.
#[must_use = "futures do nothing unless polled"]
pub struct Ack {
    pub(crate) slot: SharedSlot,
}

impl Future for Ack {
    type Output = Result<Delivery, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Slot::poll(&self.slot, cx).map(|ack| {
            outcome(&ack).map(|_| Delivery {
                id: field(&ack, "id").as_f64().unwrap_or(0.0) as u32,
                confirmed: field(&ack, "confirmed").is_truthy(),
            })
        })
    }
}

/// The reply to a request ([`Client::request`](super::Client::request),
/// protocol v2), decoded into `R`. Fails with `TIMEOUT` after its timeout
/// (10 s unless [`timeout`](Self::timeout) says otherwise), `UNSUPPORTED`
/// on a v1 server, `QUEUE_FULL`, `DISCONNECTED` when the client is dropped,
/// the server's code (`NOT_FOUND`, `HANDLER_ERROR`, ...) with its
/// [`reason`](Error::reason), or [`Error::DECODE_FAILED`]. Dropping it
/// before the reply cancels the request: it leaves the queue, and the
/// server is told when it was already sent.
#[must_use = "a request is cancelled when dropped"]
pub struct Request<R> {
    pub(crate) shared: Weak<Shared>,
    pub(crate) id: u32,
    pub(crate) slot: SharedSlot,
    pub(crate) timer: Option<Timeout>,
    pub(crate) done: bool,
    pub(crate) _r: PhantomData<fn() -> R>,
}

impl<R> Request<R> {
    /// The request's message id (0 when it was refused at once).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Gives up after `after` (from now) instead of the default 10 s, with
    /// `TIMEOUT`. The limit is 2,147,483,647 ms (the browser's timer bound).
    pub fn timeout(mut self, after: Duration) -> Self {
        self.timer = None;
        if self.id != 0 && !Slot::settled(&self.slot) {
            self.timer = Some(timer(&self.shared, self.id, after));
        }
        self
    }
}

/// A timer that gives request `id` up with `TIMEOUT` after `after`.
pub(crate) fn timer(shared: &Weak<Shared>, id: u32, after: Duration) -> Timeout {
    let ms = after.as_millis().min(2_147_483_647) as u32;
    let shared = Weak::clone(shared);
    Timeout::new(ms, move || {
        if let Some(s) = shared.upgrade() {
            s.cancel(id, 0, f64::from(ms));
        }
    })
}

impl<R: DeserializeOwned> Future for Request<R> {
    type Output = Result<R, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let ack = match Slot::poll(&self.slot, cx) {
            Poll::Ready(ack) => ack,
            Poll::Pending => return Poll::Pending,
        };
        self.done = true;
        self.timer = None;
        Poll::Ready(outcome(&ack).and_then(decode))
    }
}

impl<R> Drop for Request<R> {
    fn drop(&mut self) {
        if !self.done && self.id != 0 && !Slot::settled(&self.slot) {
            if let Some(s) = self.shared.upgrade() {
                s.cancel(self.id, 1, 0.0);
            }
        }
    }
}
