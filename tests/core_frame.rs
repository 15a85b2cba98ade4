#![cfg(not(target_arch = "wasm32"))]
//! Property tests of `core::frame` on random and adversarial input: control
//! frames are valid JSON that round-trips, `iso8601` is total and exact,
//! `excerpt` cuts on characters and `check_channel` refuses exactly the
//! invalid and reserved names. See `core_support` for the seeds and budgets
//! (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`).

mod core_support;

use core_support::gen::{gen_f64, gen_string};
use core_support::json::{parse_json, Json};
use core_support::oracle::parse_iso;
use core_support::rng::run_cases;
use zantara_websocket::core::{frame, FrameType, RESERVED_EVENTS};

#[test]
fn control_frames_are_valid_json_and_round_trip() {
    const KINDS: [FrameType; 6] = [
        FrameType::Subscribe,
        FrameType::Unsubscribe,
        FrameType::Message,
        FrameType::Ping,
        FrameType::Pong,
        FrameType::Connected,
    ];
    run_cases("frame::encode_control", 10_000, |rng| {
        let kind = rng.pick(&KINDS);
        assert_eq!(FrameType::parse(kind.as_str()), Some(kind));
        let channel = rng.chance(0.8).then(|| gen_string(rng));
        let now = gen_f64(rng);
        let text = frame::encode_control(kind, channel.as_deref(), now);
        assert!(
            !text.bytes().any(|b| b < 0x20),
            "raw control byte in {text:?}"
        );
        let want = {
            let mut kv = vec![("type".to_string(), Json::Str(kind.as_str().into()))];
            if let Some(c) = &channel {
                kv.push(("channel".into(), Json::Str(c.clone())));
            }
            kv.push(("timestamp".into(), Json::Str(frame::iso8601(now))));
            Json::Obj(kv)
        };
        assert_eq!(parse_json(&text), Ok(want), "{text:?}");
        let s = gen_string(rng);
        let mut lit = String::new();
        frame::push_json_string(&mut lit, &s);
        assert_eq!(parse_json(&lit), Ok(Json::Str(s)));
    });
}

#[test]
fn iso8601_is_total_and_exact() {
    const MIN: f64 = -62_167_219_200_000.0;
    const MAX: f64 = 253_402_300_799_999.0;
    run_cases("frame::iso8601", 40_000, |rng| {
        let (a, b) = (gen_f64(rng), gen_f64(rng));
        let (sa, sb) = (frame::iso8601(a), frame::iso8601(b));
        for (ms, s) in [(a, &sa), (b, &sb)] {
            assert_eq!(s.len(), 24, "{ms} -> {s}");
            let want = if ms.is_finite() {
                ms.clamp(MIN, MAX).trunc() as i64
            } else {
                0
            };
            assert_eq!(parse_iso(s), Some(want), "{ms} -> {s}");
        }
        // Chronological order is lexicographic order (finite inputs).
        if a.is_finite() && b.is_finite() && a <= b {
            assert!(sa <= sb, "{a} -> {sa}, {b} -> {sb}");
        }
    });
}

#[test]
fn excerpt_and_channel_checks_on_random_text() {
    run_cases("frame::excerpt + check_channel", 20_000, |rng| {
        let s = gen_string(rng);
        let max = match rng.below(4) {
            0 => rng.below(4) as usize,
            1 => rng.below(64) as usize,
            2 => s.chars().count(),
            _ => rng.next_u64() as usize,
        };
        let e = frame::excerpt(&s, max);
        let n = s.chars().count();
        if n <= max {
            assert_eq!(e, s);
        } else {
            assert_eq!(e.chars().count(), max + 1);
            assert!(e.ends_with('…'));
            assert_eq!(
                e.chars().take(max).collect::<String>(),
                s.chars().take(max).collect::<String>()
            );
        }

        let name = match rng.below(5) {
            0 => (rng.pick(&RESERVED_EVENTS)).to_string(),
            1 => rng
                .pick(&["x", "é", "😀"])
                .repeat(60 + rng.below(200) as usize),
            _ => gen_string(rng),
        };
        let got = frame::check_channel(&name).map_err(|e| e.code());
        let want = if name.is_empty() || name.len() > 256 {
            Err("INVALID_CHANNEL")
        } else if RESERVED_EVENTS.contains(&name.as_str()) {
            Err("RESERVED_CHANNEL")
        } else {
            Ok(())
        };
        assert_eq!(got, want, "{name:?}");
    });
}
