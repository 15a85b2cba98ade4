//! The JS `options` object into the core's [`Options`]: `readOptions` in
//! boundary.js reads and checks every value against the core's table (the
//! same `OPTIONS`, handed over as `RULES.options`) and returns the error to
//! throw for a bad one; the values that passed are set here by their index
//! in the table.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use super::boundary;
use super::token::Token;
use crate::core::options::{OptionKind, OPTIONS};
use crate::core::{CloseReaction, Options};

/// Parsed options.
pub(crate) struct Parsed {
    pub(crate) opts: Options,
    pub(crate) token: Token,
}

/// Parses `value` (`undefined` and `null` give the defaults); `Err` holds
/// the `INVALID_OPTION` error to throw.
pub(crate) fn parse(value: &JsValue) -> Result<Parsed, JsValue> {
    let mut values = [f64::NAN; OPTIONS.len()];
    let extra = boundary::read_options(value, &mut values);
    let extra: Array = extra.dyn_into()?;
    let mut out = Parsed {
        opts: Options::default(),
        token: Token::None,
    };
    for (i, spec) in OPTIONS.iter().enumerate() {
        let x = extra.get(i as u32);
        match spec.kind {
            OptionKind::Text => {
                if let Some(t) = x.as_string() {
                    out.opts.set_text(spec.name, t);
                }
            }
            OptionKind::Token => {
                out.token = match (x.as_string(), x.dyn_into::<Function>()) {
                    (Some(s), _) => Token::Fixed(s),
                    (None, Ok(f)) => Token::Func(f),
                    (None, Err(_)) => Token::None,
                };
            }
            OptionKind::CloseCodes => {
                let flat = x.dyn_into::<Array>().unwrap_or_default();
                for k in (0..flat.length()).step_by(2) {
                    let code = flat.get(k).as_f64().unwrap_or(0.0) as u16;
                    let reaction = flat.get(k + 1).as_f64().unwrap_or(0.0) as usize;
                    if let Some(r) = CloseReaction::ALL.get(reaction) {
                        out.opts.close_codes.push((code, *r));
                    }
                }
            }
            _ if !values[i].is_nan() => {
                out.opts.set_checked(i, values[i]);
            }
            _ => {}
        }
    }
    Ok(out)
}
