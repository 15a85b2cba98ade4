//! The streams of the Rust API. Each is fed by a JavaScript handler (a
//! wasm-bindgen `Closure` in the client's handler registry, or a request's
//! callbacks) that only pushes the raw `JsValue` into an [`Inbox`] and wakes
//! the task polling it; the payload is decoded when the stream is polled,
//! once per item the Rust code reads, never on the JavaScript hot path.

use alloc::collections::VecDeque;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use futures_core::Stream;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

use super::types::Error;
use super::Shared;

/// What a handler pushed and the stream has not yet read. Unbounded, like
/// the JavaScript handlers it stands for: a stream nobody polls keeps what
/// arrives until it is polled or dropped.
#[derive(Default)]
pub(crate) struct Inbox {
    items: VecDeque<JsValue>,
    waker: Option<Waker>,
    /// No more items will come (the client was dropped, or a reply stream
    /// ended with `end`).
    closed: bool,
    end: Option<Result<(), Error>>,
}

/// An inbox shared by a handler and its stream.
pub(crate) type SharedInbox = Rc<RefCell<Inbox>>;

impl Inbox {
    /// Adds an item and wakes the reader.
    pub(crate) fn push(inbox: &SharedInbox, v: JsValue) {
        let waker = {
            let mut i = inbox.borrow_mut();
            if i.closed {
                return;
            }
            i.items.push_back(v);
            i.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Ends the stream after the items already in (with `end`, for a reply
    /// stream: its error, if any, is the last item).
    pub(crate) fn close(inbox: &SharedInbox, end: Option<Result<(), Error>>) {
        let waker = {
            let mut i = inbox.borrow_mut();
            if i.closed {
                return;
            }
            i.closed = true;
            i.end = end;
            i.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The next raw item, the end (`Ready(None)`), or `Pending` with the
    /// waker kept. A reply stream's error is handed out as `Err` once.
    fn poll(inbox: &SharedInbox, cx: &mut Context<'_>) -> Poll<Option<Result<JsValue, Error>>> {
        let mut i = inbox.borrow_mut();
        if let Some(v) = i.items.pop_front() {
            return Poll::Ready(Some(Ok(v)));
        }
        if i.closed {
            return Poll::Ready(match i.end.take() {
                Some(Err(e)) => Some(Err(e)),
                _ => None,
            });
        }
        i.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The messages of one channel, decoded into `T`: the stream
/// [`Client::subscribe`](super::Client::subscribe) returns.
///
/// Each item is `Ok(T)`, or `Err` with code [`Error::DECODE_FAILED`] for a
/// payload that does not deserialize into `T` (the stream goes on). The
/// subscription is kept across reconnects (the client subscribes again on
/// every new connection, and recovers what it missed where the server can:
/// see [`Client::recoveries`](super::Client::recoveries)). The stream ends
/// when the client is dropped. Dropping it removes its handler, and the
/// channel is unsubscribed when the last subscription to it goes.
#[must_use = "a subscription unsubscribes when dropped"]
pub struct Subscription<T> {
    listener: Listener,
    channel: String,
    _t: PhantomData<fn() -> T>,
}

impl<T> Subscription<T> {
    pub(crate) fn new(listener: Listener, channel: &str) -> Self {
        Subscription {
            listener,
            channel: channel.into(),
            _t: PhantomData,
        }
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

impl<T: DeserializeOwned> Stream for Subscription<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Inbox::poll(&self.listener.inbox, cx).map(|o| o.map(|r| r.and_then(decode)))
    }
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.listener.shared.upgrade() {
            shared.release(&self.channel);
        }
    }
}

/// Deserializes a payload into `T`.
pub(crate) fn decode<T: DeserializeOwned>(v: JsValue) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(v).map_err(Error::decode)
}

/// A handler in the client's registry feeding an inbox; removed from the
/// registry when dropped (if the client still exists).
pub(crate) struct Listener {
    pub(crate) shared: Weak<Shared>,
    pub(crate) id: usize,
    pub(crate) inbox: SharedInbox,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.unlisten(self.id);
        }
    }
}

/// A stream of one of the client's events, each converted by the function it
/// was made with: [`Client::states`](super::Client::states),
/// [`Client::errors`](super::Client::errors),
/// [`Client::recoveries`](super::Client::recoveries). Ends when the client
/// is dropped; dropping it removes its handler.
#[must_use = "streams do nothing unless polled"]
pub struct Events<T> {
    listener: Listener,
    convert: fn(JsValue) -> Option<T>,
}

impl<T> Events<T> {
    pub(crate) fn new(listener: Listener, convert: fn(JsValue) -> Option<T>) -> Self {
        Events { listener, convert }
    }
}

impl<T> Stream for Events<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            match Inbox::poll(&self.listener.inbox, cx) {
                Poll::Ready(Some(Ok(v))) => {
                    // A payload of an unexpected shape is skipped.
                    if let Some(t) = (self.convert)(v) {
                        return Poll::Ready(Some(t));
                    }
                }
                Poll::Ready(_) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The chunks of a server stream ([`Client::stream`](super::Client::stream),
/// protocol v2): each chunk's data decoded into `T`, in order and once each,
/// across lost connections. Ends (`None`) when the server completes it; a
/// failure (the server's error, `UNSUPPORTED` on a v1 server, `QUEUE_FULL`,
/// `DISCONNECTED` when the client is dropped) is the last item, as `Err`.
/// Dropping it before the end cancels it (the server is told).
#[must_use = "a stream is cancelled when dropped"]
pub struct Reply<T> {
    pub(crate) shared: Weak<Shared>,
    pub(crate) id: u32,
    pub(crate) inbox: SharedInbox,
    pub(crate) _chunk: Closure<dyn FnMut(JsValue)>,
    pub(crate) _t: PhantomData<fn() -> T>,
}

impl<T> Reply<T> {
    /// The stream's message id (0 when it was refused at once).
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl<T: DeserializeOwned> Stream for Reply<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Inbox::poll(&self.inbox, cx).map(|o| o.map(|r| r.and_then(decode)))
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        let ended = self.inbox.borrow().closed;
        if !ended && self.id != 0 {
            if let Some(shared) = self.shared.upgrade() {
                shared.cancel(self.id, 1, 0.0);
            }
        }
    }
}
