//! Reading the JS `options` object into the core's [`Options`]: JS types are
//! checked here, ranges in the core. Every property is read once, through
//! `entries` in boundary.js, so a hostile object (a revoked `Proxy`, a
//! throwing getter) gives a clear `INVALID_OPTION` error naming the option.
//! Unknown keys are returned for a debug warning.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::boundary;
use super::token::Token;
use crate::core::options::{spec, OptionKind, OptionSpec};
use crate::core::{Error, Options};
use crate::prelude::*;

/// Parsed options.
pub(crate) struct Parsed {
    pub(crate) opts: Options,
    pub(crate) token: Token,
    pub(crate) unknown: Vec<String>,
}

fn invalid(name: &'static str, expected: &'static str) -> Error {
    Error::InvalidOption { name, expected }
}

/// `(key, value)` pairs of an object, or the error for the key whose read
/// threw (`on_fail` names it).
fn pairs(
    value: &JsValue,
    on_fail: impl Fn(&str) -> Error,
) -> Result<Vec<(String, JsValue)>, Error> {
    let e = boundary::entries(value);
    let Some(flat) = e.dyn_ref::<Array>() else {
        return Err(on_fail(&e.as_string().unwrap_or_default()));
    };
    let mut out = Vec::with_capacity(flat.length() as usize / 2);
    for i in (0..flat.length()).step_by(2) {
        out.push((flat.get(i).as_string().unwrap_or_default(), flat.get(i + 1)));
    }
    Ok(out)
}

/// Parses `value` (`undefined` and `null` give the defaults).
pub(crate) fn parse(value: &JsValue) -> Result<Parsed, Error> {
    let mut out = Parsed {
        opts: Options::default(),
        token: Token::None,
        unknown: Vec::new(),
    };
    if value.is_undefined() || value.is_null() {
        return Ok(out);
    }
    // `Array.isArray` throws for a revoked Proxy: asked in JS, which catches.
    match boundary::object_kind(value) {
        1 => {}
        3 => return Err(invalid("options", "an object whose properties can be read")),
        _ => return Err(invalid("options", "an object")),
    }
    let unreadable = |key: &str| match spec(key) {
        Some(s) => invalid(s.name, "readable (reading it threw)"),
        None => invalid("options", "an object whose properties can be read"),
    };
    for (key, v) in pairs(value, unreadable)? {
        let Some(spec) = spec(&key) else {
            out.unknown.push(key);
            continue;
        };
        if v.is_undefined() || v.is_null() {
            continue; // the default
        }
        set_one(&mut out, spec, &v)?;
    }
    Ok(out)
}

/// Sets option `spec` from `v`, after checking its JS type.
fn set_one(out: &mut Parsed, spec: &OptionSpec, v: &JsValue) -> Result<(), Error> {
    let (o, name) = (&mut out.opts, spec.name);
    let bad = || spec.invalid();
    match spec.kind {
        OptionKind::Number { .. } => {
            // A wrong type is told the type; a number out of range, the range.
            let n = v.as_f64().ok_or(invalid(name, "a number"))?;
            o.set_number(name, n)?;
        }
        OptionKind::Bool { .. } => {
            o.set_bool(name, v.as_bool().ok_or_else(bad)?);
        }
        OptionKind::Text => {
            o.set_text(name, v.as_string().ok_or_else(bad)?);
        }
        OptionKind::Choice(_) => {
            o.set_choice(name, &v.as_string().ok_or_else(bad)?)?;
        }
        OptionKind::Token => {
            out.token = if let Some(s) = v.as_string() {
                Token::Fixed(s)
            } else if let Some(f) = v.dyn_ref::<Function>() {
                Token::Func(f.clone())
            } else {
                return Err(bad());
            };
        }
        OptionKind::CloseCodes => {
            if boundary::object_kind(v) != 1 {
                return Err(bad());
            }
            for (code, reaction) in pairs(v, |_| bad())? {
                o.add_close_code(&code, &reaction.as_string().ok_or_else(bad)?)?;
            }
        }
    }
    Ok(())
}
