//! One `WebSocket` and its listeners, owned together and released together:
//! dropping a [`Socket`] detaches the listeners (so a dying socket's late
//! events never reach the SDK) and closes it if needed.

use std::rc::Weak;

use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, Event, WebSocket};

use super::counters::{self, Kind};
use super::{js, Inner};

/// A socket of one generation.
pub(crate) struct Socket {
    pub(crate) ws: WebSocket,
    _on_open: Closure<dyn Fn(Event)>,
    _on_close: Closure<dyn Fn(CloseEvent)>,
    _on_frame: Closure<dyn Fn(JsValue)>,
    _on_thrown: Closure<dyn Fn(JsValue)>,
}

impl Socket {
    /// Opens `url` for `generation`. Channel messages are handled by the JS
    /// listener (`js::zws_listen`) with `handlers` and counted in `counts`;
    /// other frames reach the owner. The closures hold only a `Weak` of their
    /// owner, so freeing the client frees everything.
    pub(crate) fn open(
        url: &str,
        generation: u32,
        owner: Weak<Inner>,
        handlers: &JsValue,
        counts: &JsValue,
        max_frame: f64,
    ) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        // Blob payloads convert through a promise and can reorder messages.
        ws.set_binary_type(BinaryType::Arraybuffer);
        let w = owner.clone();
        let on_open = Closure::<dyn Fn(Event)>::new(move |_| {
            if let Some(inner) = w.upgrade() {
                inner.on_open(generation);
            }
        });
        let w = owner.clone();
        let on_close = Closure::<dyn Fn(CloseEvent)>::new(move |e: CloseEvent| {
            if let Some(inner) = w.upgrade() {
                inner.on_close(generation, e.code(), &e.reason(), e.was_clean());
            }
        });
        let w = owner.clone();
        let on_frame = Closure::<dyn Fn(JsValue)>::new(move |data: JsValue| {
            if let Some(inner) = w.upgrade() {
                inner.on_message(generation, data);
            }
        });
        let on_thrown = Closure::<dyn Fn(JsValue)>::new(move |pairs: JsValue| {
            if let Some(inner) = owner.upgrade() {
                inner.handlers_threw(&pairs);
            }
        });
        // No `error` listener: `error` is always followed by `close`, which
        // carries what we need.
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        js::zws_listen(
            &ws,
            handlers,
            counts,
            max_frame,
            on_frame.as_ref().unchecked_ref(),
            on_thrown.as_ref().unchecked_ref(),
        );
        counters::inc(Kind::Socket);
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_close: on_close,
            _on_frame: on_frame,
            _on_thrown: on_thrown,
        })
    }

    /// Detaches the listeners and closes with `code` (1000 or 3000-4999).
    pub(crate) fn shut(self, code: u16, reason: &str) {
        self.detach();
        if self.ws.ready_state() <= WebSocket::OPEN {
            let _ = self.ws.close_with_code_and_reason(code, reason);
        }
    }

    fn detach(&self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.detach();
        if self.ws.ready_state() <= WebSocket::OPEN {
            let _ = self.ws.close();
        }
        counters::dec(Kind::Socket);
    }
}
