#![cfg(not(target_arch = "wasm32"))]
//! Property tests of `core::options`: the setters (`set_number`,
//! `add_close_code`, `set_backoff`) accept exactly the valid values and leave
//! the options unchanged otherwise. See `core_support` for the seeds and
//! budgets (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`).

mod core_support;

use core_support::gen::{gen_f64, gen_options, gen_string, number_options};
use core_support::rng::run_cases;
use zantara_websocket::core::{BackoffKind, CloseReaction};

#[test]
fn option_setters_accept_exactly_their_ranges() {
    let numbers = number_options();
    run_cases("Options setters", 20_000, |rng| {
        let mut o = gen_options(rng);
        // set_number
        let entry = rng.pick(&numbers);
        let name = match rng.below(6) {
            0 => gen_string(rng),
            1 => rng
                .pick(&["Jitter", "jitter ", "", "backoff", "autoReconnect"])
                .to_string(),
            _ => entry.name.to_string(),
        };
        let v = match rng.below(3) {
            0 => gen_f64(rng),
            _ => {
                let edge = rng.pick(&[entry.min, entry.max, 0.0]);
                let ulps = rng.below(5) as i64 - 2;
                let moved = f64::from_bits((edge.to_bits() as i64 + ulps) as u64);
                let inside = rng.unit() * entry.max;
                rng.pick(&[edge, moved, edge + 0.5, edge - 1.0, edge + 1.0, inside])
            }
        };
        let before = o.clone();
        let r = o.set_number(&name, v);
        match numbers.iter().find(|e| e.name == name) {
            None => {
                assert_eq!(r, Ok(false), "{name:?}");
                assert_eq!(o, before);
            }
            Some(e) => {
                let name = e.name;
                if e.accepts(v) {
                    assert_eq!(r, Ok(true), "{name} = {v:e}");
                    assert_eq!(
                        o.number_mut(name).map(|f| f.to_bits()),
                        Some(v.to_bits()),
                        "{name} = {v:e}"
                    );
                } else {
                    let e = r.expect_err(&format!("{name} = {v:e} accepted"));
                    assert_eq!(e.code(), "INVALID_OPTION");
                    assert!(e.to_string().contains(name));
                    assert_eq!(o, before, "a refused value changed the options");
                }
            }
        }
        // add_close_code
        let n = rng.below(70_000);
        let code = match rng.below(8) {
            0 => gen_string(rng),
            1 => format!(" {n}\t"),
            2 => format!("+{n}"),
            3 => format!("0{n}"),
            4 => format!("{n}.0"),
            5 => rng
                .pick(&["-0", "1e3", "٤٠٠٠", "", "4000 4001", "0x0fa0"])
                .to_string(),
            _ => (1000 + rng.below(4000)).to_string(),
        };
        let reaction = if rng.chance(0.8) {
            rng.pick(&["reconnect", "slow", "stop"])
        } else {
            rng.pick(&["Stop", "", "stop ", "later"])
        };
        let before = o.clone();
        let r = o.add_close_code(&code, reaction);
        let t = code.trim();
        let digits = t.strip_prefix('+').unwrap_or(t);
        let num = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u64>().ok())
            .flatten()
            .filter(|c| (1000..=4999).contains(c));
        let parsed = CloseReaction::parse(reaction);
        match (num, parsed) {
            (Some(c), Some(re)) => {
                assert_eq!(r, Ok(()), "{code:?} {reaction:?}");
                let c = c as u16;
                assert_eq!(o.close_codes.last(), Some(&(c, re)));
                let d = o.close_policy().decide(c);
                assert!(d.overridden && d.reaction == re);
            }
            _ => {
                assert_eq!(
                    r.map_err(|e| e.code()),
                    Err("INVALID_OPTION"),
                    "{code:?} {reaction:?}"
                );
                assert_eq!(o, before);
            }
        }
        // set_backoff
        let s = if rng.chance(0.5) {
            rng.pick(&["linear", "exponential", "Linear", " linear", "exp", ""])
                .to_string()
        } else {
            gen_string(rng)
        };
        let before = o.clone();
        match (o.set_backoff(&s), s.as_str()) {
            (Ok(()), "linear") => assert_eq!(o.backoff, BackoffKind::Linear),
            (Ok(()), "exponential") => assert_eq!(o.backoff, BackoffKind::Exponential),
            (Err(e), x) if x != "linear" && x != "exponential" => {
                assert_eq!(e.code(), "INVALID_OPTION");
                assert_eq!(o, before);
            }
            (r, x) => panic!("set_backoff({x:?}) -> {r:?}"),
        }
    });
}
