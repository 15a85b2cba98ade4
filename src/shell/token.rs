//! The `token` option: a string, or a function asked before every connect.
//! A promise it returns is awaited by `awaitToken` in boundary.js, which
//! reports to the hub with the wait's id; a client that gave the wait up
//! (disconnected, freed, connecting again) ignores the report, so nothing
//! of a pending token outlives its client on the wasm side.

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::boundary;
use crate::prelude::*;

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
                3 => TokenStart::Failed(String::from("reading its `then` threw")),
                _ => TokenStart::Failed(String::from("it returned neither a string nor a Promise")),
            },
            Err(e) => TokenStart::Failed(boundary::describe(&e)),
        }
    }
}
