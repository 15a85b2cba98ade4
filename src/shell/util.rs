//! Small helpers for JS values and errors.

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::core::{Arg, ChannelFault, Error};
use crate::prelude::*;

use super::boundary;

/// `o[key] = value` (cannot fail on a plain object).
pub(crate) fn set(o: &Object, key: &str, value: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(key), &value);
}

/// `o[key]`, `undefined` when absent or when a getter throws.
pub(crate) fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS error for `e`: a `TypeError` for misuse, else an `Error`; both carry
/// `code` (and `excerpt` for bad frames). The message is made in JS from the
/// code's template (see `Error::TEMPLATES`).
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let arg = |a: Arg| match a {
        Arg::Text(t) => JsValue::from_str(t),
        Arg::Count(n) => JsValue::from_f64(n as f64),
        Arg::None => JsValue::UNDEFINED,
    };
    let (a, b) = e.args();
    boundary::make_error(e.index() as u32, e.is_type_error(), &arg(a), &arg(b))
}

/// A `TypeError` with `code: "INVALID_ARGUMENT"`, for wrong argument types.
pub(crate) fn type_error(reason: &'static str) -> JsValue {
    to_js_error(&Error::InvalidArgument { reason })
}

/// The error for a channel argument the JS check refused with fault `code`
/// (see `ChannelFault`). Only a reserved name (a short one) is copied into
/// wasm memory: a refused channel may be any length.
pub(crate) fn channel_fault(channel: &JsValue, code: u32) -> Error {
    let fault = ChannelFault::from_code(code).unwrap_or(ChannelFault::NotString);
    let name = match fault {
        ChannelFault::Reserved => channel.as_string().unwrap_or_default(),
        _ => String::new(),
    };
    fault.error(&name)
}
