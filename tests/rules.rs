#![cfg(not(target_arch = "wasm32"))]
//! The rules the core owns, seen from the JavaScript side: `RULES` in
//! `src/shell/boundary.js` (between `/* BEGIN RULES */` and `/* END RULES */`)
//! must be exactly the core's `rules_json()`, and the unions of
//! `src/js/index.d.ts` must list exactly the core's error codes, built-in
//! events and options.
//!
//! After changing a rule: `ZANTARA_BLESS=1 cargo test --test rules` rewrites
//! the block in boundary.js; index.d.ts is edited by hand.

use std::path::Path;

use zantara_websocket::core::codes::rules_json;
use zantara_websocket::core::options::{OptionKind, OPTIONS};
use zantara_websocket::core::{Error, RESERVED_EVENTS};

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The body of `export <kind> <name> ... ;` or `{ ... }` in index.d.ts.
fn declaration<'a>(dts: &'a str, head: &str, end: &str) -> &'a str {
    let start = dts
        .find(head)
        .unwrap_or_else(|| panic!("index.d.ts has no `{head}`"));
    let rest = &dts[start + head.len()..];
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("`{head}` is not closed"))]
}

/// The names quoted `'LIKE_THIS'` in a union.
fn union_members(body: &str) -> Vec<String> {
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The property names `name:` or `name?:` at the start of lines of an interface body.
fn properties(body: &str) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter_map(|l| {
            let name = l.split([':', '?']).next()?;
            let ok =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (ok && l.len() > name.len()).then(|| name.to_string())
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strings(list: &[&str]) -> Vec<String> {
    sorted(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn boundary_js_rules_are_the_cores() {
    const BEGIN: &str = "/* BEGIN RULES */ ";
    const END: &str = " /* END RULES */";
    let want = rules_json();
    let want = want.trim_end();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/shell/boundary.js");
    let js = std::fs::read_to_string(&path).unwrap();
    let start = js
        .find(BEGIN)
        .expect("boundary.js has no BEGIN RULES marker")
        + BEGIN.len();
    let end = start
        + js[start..]
            .find(END)
            .expect("boundary.js has no END RULES marker");
    if std::env::var_os("ZANTARA_BLESS").is_some() && &js[start..end] != want {
        std::fs::write(&path, [&js[..start], want, &js[end..]].concat()).unwrap();
        return;
    }
    assert!(
        &js[start..end] == want,
        "RULES in src/shell/boundary.js are out of date: run `ZANTARA_BLESS=1 cargo test --test rules`"
    );
}

#[test]
fn index_d_ts_error_codes_are_the_cores() {
    let dts = read("src/js/index.d.ts");
    let codes = union_members(declaration(&dts, "export type ZantaraErrorCode =", ";"));
    assert_eq!(sorted(codes), strings(&Error::CODES));
}

#[test]
fn index_d_ts_built_in_events_are_the_reserved_names() {
    let dts = read("src/js/index.d.ts");
    let events = properties(declaration(&dts, "export interface ZantaraEvents {", "}"));
    assert_eq!(sorted(events), strings(&RESERVED_EVENTS));
}

#[test]
fn index_d_ts_options_are_the_cores() {
    let dts = read("src/js/index.d.ts");
    let body = declaration(&dts, "export interface ZantaraOptions {", "\n}");
    assert_eq!(sorted(properties(body)), strings(&option_names()));
}

fn option_names() -> Vec<&'static str> {
    OPTIONS.iter().map(|s| s.name).collect()
}

#[test]
fn index_d_ts_documents_every_option() {
    let dts = read("src/js/index.d.ts");
    let body = declaration(&dts, "export interface ZantaraOptions {", "\n}");
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    for name in option_names() {
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name}?:")))
            .unwrap_or_else(|| panic!("ZantaraOptions has no `{name}?:`"));
        assert!(
            at > 0 && lines[at - 1].ends_with("*/"),
            "ZantaraOptions.{name} has no doc comment"
        );
    }
}

/// The README's options table lists every option once, with the table's
/// default for numbers, booleans and choices.
#[test]
fn readme_options_table_lists_every_option_with_its_default() {
    let readme = read("README.md");
    let table = declaration(&readme, "| option | default | meaning |", "\n\n");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(2) // the header's end and the separator
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    let names: Vec<String> = rows
        .iter()
        .map(|r| r[1].trim_matches('`').to_string())
        .collect();
    assert_eq!(
        sorted(names.clone()),
        strings(&option_names()),
        "README options"
    );
    for s in OPTIONS {
        let want = match s.kind {
            OptionKind::Number { default, .. } => format!("`{default}`"),
            OptionKind::Bool { default } => format!("`{default}`"),
            OptionKind::Choice(choices) => format!("`'{}'`", choices[0]),
            _ => continue,
        };
        let row = &rows[names.iter().position(|n| n == s.name).unwrap()];
        assert_eq!(row[2], want, "README default of `{}`", s.name);
    }
}

#[test]
fn index_d_ts_state_close_reaction_and_backoff_unions_are_the_cores() {
    use zantara_websocket::core::options::{spec, OptionKind};
    use zantara_websocket::core::{CloseReaction, ConnState};
    let dts = read("src/js/index.d.ts");
    let states = union_members(declaration(&dts, "export type ConnectionState =", ";"));
    let core_states = [
        ConnState::Connecting,
        ConnState::Open,
        ConnState::Reconnecting,
        ConnState::Closed,
    ];
    let want: Vec<&str> = core_states.iter().map(|s| s.as_str()).collect();
    assert_eq!(sorted(states), strings(&want));

    let reactions = union_members(declaration(&dts, "export type CloseReaction =", ";"));
    assert_eq!(reactions.len(), 3, "{reactions:?}");
    for r in &reactions {
        assert!(
            CloseReaction::parse(r).is_some(),
            "index.d.ts CloseReaction `{r}`"
        );
    }

    let backoff = union_members(declaration(&dts, "  backoff?:", ";"));
    let Some(OptionKind::Choice(choices)) = spec("backoff").map(|s| s.kind) else {
        panic!("backoff is a choice")
    };
    assert_eq!(sorted(backoff), strings(choices));
}
