//! One `WebSocket` and its listeners, owned together and released together:
//! dropping a [`Socket`] detaches the listeners (so a dying socket's late
//! events never reach the SDK) and closes it if needed. It reports what
//! happened through the callback it is given, as a [`SocketEvent`]; it knows
//! nothing of its owner.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, CloseEvent, Event, WebSocket};

use super::boundary;
use super::counters::{self, Kind};

/// What a socket reports.
pub(crate) enum SocketEvent {
    /// `open` ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/open_event)).
    Open,
    /// `error` ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/error_event)):
    /// usually followed by `close`, but not when a Content-Security-Policy
    /// `connect-src` blocks the connection.
    Error,
    /// `close`, with its code, reason and `wasClean`.
    Close {
        /// The close code (1006 when the connection failed without one).
        code: u16,
        /// The close reason.
        reason: String,
        /// Whether the closing handshake completed.
        was_clean: bool,
    },
    /// A frame the JS listener did not dispatch itself (anything but a
    /// channel message): its verdict code, its length in UTF-16 units
    /// (bytes when binary), the parsed value (undefined when not parsed) and
    /// the raw text (undefined when binary).
    Frame {
        /// A `Verdict` code.
        verdict: u32,
        /// Its length.
        len: f64,
        /// `JSON.parse` of it.
        value: JsValue,
        /// The text as received.
        raw: JsValue,
    },
    /// Channel handlers threw: flat `[event, thrown[], ...]` pairs.
    Thrown(JsValue),
}

/// A socket of one generation.
pub(crate) struct Socket {
    pub(crate) ws: WebSocket,
    _on_open: Closure<dyn Fn(Event)>,
    _on_close: Closure<dyn Fn(CloseEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
    _on_frame: Closure<dyn Fn(u32, f64, JsValue, JsValue)>,
    _on_thrown: Closure<dyn Fn(JsValue)>,
}

impl Socket {
    /// Opens `url`. Channel messages are dispatched by the JS listener with
    /// `registry` and counted in `counts`; everything else is reported to
    /// `report`, which should hold only a `Weak` of its owner so that freeing
    /// the owner frees everything.
    pub(crate) fn open(
        url: &str,
        registry: &JsValue,
        counts: &JsValue,
        max_frame: f64,
        report: impl Fn(SocketEvent) + 'static,
    ) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        // Blob payloads convert through a promise and can reorder messages.
        ws.set_binary_type(BinaryType::Arraybuffer);
        let report = Rc::new(report);
        let r = report.clone();
        let on_open = Closure::<dyn Fn(Event)>::new(move |_| r(SocketEvent::Open));
        let r = report.clone();
        let on_close = Closure::<dyn Fn(CloseEvent)>::new(move |e: CloseEvent| {
            r(SocketEvent::Close {
                code: e.code(),
                reason: e.reason(),
                was_clean: e.was_clean(),
            })
        });
        let r = report.clone();
        let on_error = Closure::<dyn Fn(Event)>::new(move |_| r(SocketEvent::Error));
        let r = report.clone();
        let on_frame =
            Closure::<dyn Fn(u32, f64, JsValue, JsValue)>::new(move |verdict, len, value, raw| {
                r(SocketEvent::Frame {
                    verdict,
                    len,
                    value,
                    raw,
                })
            });
        let on_thrown =
            Closure::<dyn Fn(JsValue)>::new(move |pairs| report(SocketEvent::Thrown(pairs)));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        boundary::listen(
            &ws,
            registry,
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
            _on_error: on_error,
            _on_frame: on_frame,
            _on_thrown: on_thrown,
        })
    }

    /// True while frames can be handed to it (`readyState` is `OPEN`).
    pub(crate) fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }

    /// Bytes handed to it that it has not sent (`bufferedAmount`).
    pub(crate) fn unsent(&self) -> u64 {
        u64::from(self.ws.buffered_amount())
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
        self.ws.set_onerror(None);
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
