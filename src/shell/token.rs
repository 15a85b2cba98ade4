//! The `token` option, and the wait for a token function's promise as a
//! value that releases itself: dropping a [`TokenWait`] cancels it on the JS
//! side (its callbacks will never be called), so a client freed or
//! disconnected while a token is pending leaves nothing behind.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::boundary;
use super::counters::{self, Kind};

/// The `token` option: a string, or a function called before every connect
/// that returns a string or a promise (any thenable) of one.
pub(crate) enum Token {
    /// No token.
    None,
    /// The same token every time.
    Fixed(String),
    /// Called before every connect.
    Func(Function),
}

/// What asking for a token gave.
pub(crate) enum TokenStart {
    /// A token (or none) to connect with now.
    Ready(Option<String>),
    /// A thenable to wait for.
    Wait(JsValue),
    /// The function threw or returned something unusable: why.
    Failed(String),
}

impl Token {
    /// Asks for the token of the next connect. Never throws: what the
    /// function throws is described in [`TokenStart::Failed`].
    pub(crate) fn start(&self) -> TokenStart {
        let f = match self {
            Token::None => return TokenStart::Ready(None),
            Token::Fixed(t) => return TokenStart::Ready(Some(t.clone())),
            Token::Func(f) => f,
        };
        match f.call0(&JsValue::UNDEFINED) {
            Ok(v) => match boundary::token_kind(&v) {
                0 => TokenStart::Ready(v.as_string()),
                1 => TokenStart::Wait(v),
                3 => TokenStart::Failed("reading its `then` threw".into()),
                _ => TokenStart::Failed("it returned neither a string nor a Promise".into()),
            },
            Err(e) => TokenStart::Failed(boundary::describe(&e)),
        }
    }
}

/// A pending token promise. Counted in `debugCounters().listeners` while it
/// exists.
pub(crate) struct TokenWait {
    cancel: Function,
    _ok: Closure<dyn Fn(JsValue)>,
    _err: Closure<dyn Fn(JsValue)>,
}

impl TokenWait {
    /// Waits for `thenable`; `settled` receives the token, or why there is
    /// none, at most once and only while this value lives.
    pub(crate) fn new(
        thenable: &JsValue,
        settled: impl Fn(Result<String, String>) + 'static,
    ) -> TokenWait {
        let settled = std::rc::Rc::new(settled);
        let s = settled.clone();
        let ok = Closure::<dyn Fn(JsValue)>::new(move |v: JsValue| {
            s(v.as_string()
                .ok_or_else(|| "its promise resolved to a non-string".to_string()))
        });
        let err =
            Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| settled(Err(boundary::describe(&e))));
        let cancel = boundary::await_token(
            thenable,
            ok.as_ref().unchecked_ref(),
            err.as_ref().unchecked_ref(),
        );
        counters::inc(Kind::Listener);
        TokenWait {
            cancel,
            _ok: ok,
            _err: err,
        }
    }
}

impl Drop for TokenWait {
    fn drop(&mut self) {
        let _ = self.cancel.call0(&JsValue::UNDEFINED);
        counters::dec(Kind::Listener);
    }
}
