#![cfg(not(target_arch = "wasm32"))]
//! The test oracles and generator of `core_support` against known answers:
//! the JSON parser, the calendar, and the seeded generator's determinism.

mod core_support;

use core_support::json::{parse_json, Json};
use core_support::oracle::{days_from_civil, parse_iso};
use core_support::rng::Rng;

#[test]
fn oracles_agree_with_known_answers() {
    assert_eq!(
        parse_json(r#" {"a":[1,-2.5e3,true,null],"b":"\u00e9\ud83d\ude00\n"} "#),
        Ok(Json::Obj(vec![
            (
                "a".into(),
                Json::Arr(vec![
                    Json::Num(1.0),
                    Json::Num(-2500.0),
                    Json::Bool(true),
                    Json::Null
                ])
            ),
            ("b".into(), Json::Str("é😀\n".into())),
        ]))
    );
    for bad in [
        "",
        "{",
        "{\"a\"}",
        "\"\n\"",
        "01",
        "[1,]",
        "\"\\ud800\"",
        "\"\\x\"",
        "{} x",
        "1.",
    ] {
        assert!(parse_json(bad).is_err(), "{bad:?}");
    }
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(
        parse_iso("2025-10-19T14:30:00.000Z"),
        Some(1_760_884_200_000)
    );
    assert_eq!(
        parse_iso("0000-01-01T00:00:00.000Z"),
        Some(-62_167_219_200_000)
    );
    assert_eq!(parse_iso("2023-02-29T00:00:00.000Z"), None);
    // The generator is deterministic.
    let (mut a, mut b) = (Rng::derive(1, 2), Rng::derive(1, 2));
    assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    assert_ne!(Rng::derive(1, 2).next_u64(), Rng::derive(1, 3).next_u64());
}
