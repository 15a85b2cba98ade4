//! Bad input, in headless Chromium against the real reference server: from
//! the server, malformed frames (a corpus of them), invalid UTF-8 and frames
//! over `maxFrameSize`, each reported while the connection goes on; from the
//! caller, bad options, channels and arguments, each a clear `TypeError` that
//! changes nothing. Figures are printed as `FIGURE name: value` lines (the
//! README's Reliability table quotes them).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zantara_websocket::ZantaraWebSocket;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn malformed_frame_is_an_error_and_the_connection_goes_on() {
    let room = uid("bad-room");
    let c = Client::new(&uid("malformed"), opts(""));
    c.record(&room);
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    control(
        "send",
        &format!(r#"{{{},"text":"this is {{not json"}}"#, target(&c.user)),
    )
    .await;
    c.until("error", 1, T).await;
    let e = &c.payloads("error")[0];
    assert_eq!(text(e, "code"), "BAD_FRAME");
    assert_eq!(text(e, "excerpt"), "this is {not json");
    assert!(text(e, "message").contains("not valid JSON"));
    call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{room}","data":{{"ok":true}}}}"#),
    )
    .await;
    c.until(&room, 1, T).await;
    assert!(c.ws.is_connected());
    assert_eq!(num(&c.stats(), "droppedFrames"), 1.0);
    c.ws.disconnect();
}

/// The bad-frame corpus: (label, how the server sends it, expected error code).
fn corpus() -> Vec<(&'static str, String, &'static str)> {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = |s: &str| {
        format!(
            r#""text":{}"#,
            String::from(js_sys::JSON::stringify(&s.into()).unwrap())
        )
    };
    vec![
        ("not JSON", text("{oops"), "BAD_FRAME"),
        ("empty", text(""), "BAD_FRAME"),
        ("array", text("[1,2,3]"), "BAD_FRAME"),
        ("number", text("42"), "BAD_FRAME"),
        ("null", text("null"), "BAD_FRAME"),
        ("string", text(r#""message""#), "BAD_FRAME"),
        (
            "missing type",
            text(r#"{"channel":"x","data":1}"#),
            "BAD_FRAME",
        ),
        ("numeric type", text(r#"{"type":7}"#), "BAD_FRAME"),
        (
            "unknown type",
            text(r#"{"type":"explode","channel":"x"}"#),
            "BAD_FRAME",
        ),
        (
            "non-string channel",
            text(r#"{"type":"message","channel":5,"data":1}"#),
            "BAD_FRAME",
        ),
        (
            "object channel",
            text(r#"{"type":"message","channel":{"a":1}}"#),
            "BAD_FRAME",
        ),
        (
            "empty channel",
            text(r#"{"type":"message","channel":""}"#),
            "BAD_FRAME",
        ),
        (
            "__proto__ envelope",
            text(r#"{"__proto__":{"type":"message","channel":"x"}}"#),
            "BAD_FRAME",
        ),
        ("deep nesting", text(&deep), "BAD_FRAME"),
        (
            "binary",
            format!(r#""base64":"{}","binary":true"#, b64("\u{1}\u{2}\u{3}")),
            "BAD_FRAME",
        ),
        (
            "16 MB",
            r#""repeatText":"x","bytes":16777216"#.to_string(),
            "FRAME_TOO_LARGE",
        ),
    ]
}

#[wasm_bindgen_test]
async fn bad_frames_are_reported_and_the_next_good_frame_is_delivered() {
    let room = uid("corpus-room");
    let c = Client::new(&uid("corpus"), opts(""));
    c.record(&room);
    c.record("__proto__");
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    let corpus = corpus();
    for (i, (label, body, code)) in corpus.iter().enumerate() {
        control("send", &format!("{{{},{body}}}", target(&c.user))).await;
        c.until("error", i as u32 + 1, T).await;
        let e = &c.payloads("error")[i];
        assert_eq!(&text(e, "code"), code, "{label}: {e:?}");
        assert!(
            text(e, "message").len() < 400,
            "{label}: the message is short"
        );
        // The next good frame is delivered.
        call(
            "websocket.broadcast",
            &format!(r#"{{"channel":"{room}","data":{{"after":"{label}"}}}}"#),
        )
        .await;
        c.until(&room, i as u32 + 1, T).await;
        assert_eq!(text(&c.payloads(&room)[i], "after"), *label);
    }
    assert!(c.ws.is_connected());
    assert_eq!(c.count("disconnected"), 0);
    let excerpt = text(&c.payloads("error")[0], "excerpt");
    assert_eq!(excerpt, "{oops");
    let deep_excerpt = text(&c.payloads("error")[13], "excerpt");
    assert!(
        deep_excerpt.chars().count() <= 121,
        "excerpt is cut short: {}",
        deep_excerpt.len()
    );
    assert_eq!(num(&c.stats(), "droppedFrames"), corpus.len() as f64);

    // Frames that are fine: a 1 MB frame (under maxFrameSize), lone
    // surrogates as JSON escapes, a channel named `__proto__`.
    control(
        "send",
        &format!(
            r#"{{{},"repeatText":"y","bytes":1000000}}"#,
            target(&c.user)
        ),
    )
    .await;
    let big = r#"{"type":"message","channel":"__proto__","data":"\ud800 lone"}"#;
    control(
        "send",
        &format!(
            r#"{{{},"text":{}}}"#,
            target(&c.user),
            String::from(js_sys::JSON::stringify(&big.into()).unwrap())
        ),
    )
    .await;
    c.until("__proto__", 1, T).await;
    let lone = c.payloads("__proto__")[0].as_string().map(|s| s.len());
    assert!(lone.is_some(), "lone surrogate data delivered as a string");
    let msgs = c.payloads("message");
    assert!(
        msgs.iter().any(|m| text(m, "channel") == "big"),
        "the 1 MB frame was delivered"
    );
    assert_eq!(
        c.count("error"),
        corpus.len() as u32,
        "no error for good frames"
    );
    console_log!(
        "FIGURE bad-frame corpus: {} frames, {} errors, 0 panics, connection kept",
        corpus.len(),
        c.count("error")
    );
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn invalid_utf8_from_the_server_ends_in_a_reconnect() {
    let c = Client::new(&uid("utf8"), opts(""));
    c.until("connected", 1, T).await;
    // 0xC3 0x28 is not valid UTF-8: Chromium fails the connection.
    control(
        "send",
        &format!(
            r#"{{{},"base64":"wyg=","invalidUtf8":true}}"#,
            target(&c.user)
        ),
    )
    .await;
    c.until("connected", 2, T).await;
    assert_eq!(c.count("disconnected"), 1);
    assert_eq!(
        c.count("error"),
        0,
        "a failed connection is not a bad frame"
    );
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn frames_over_max_frame_size_are_discarded() {
    let c = Client::new(&uid("maxframe"), opts(r#""maxFrameSize": 1000"#));
    c.until("connected", 1, T).await;
    control(
        "send",
        &format!(r#"{{{},"repeatText":"z","bytes":5000}}"#, target(&c.user)),
    )
    .await;
    c.until("error", 1, T).await;
    assert_eq!(text(&c.payloads("error")[0], "code"), "FRAME_TOO_LARGE");
    assert!(c.ws.is_connected());
    c.ws.disconnect();
}

#[wasm_bindgen_test]
fn bad_arguments_throw_type_errors() {
    let bad_options = [
        r#"{"jitter": 2}"#,
        r#"{"reconnectInterval": "3000"}"#,
        r#"{"backoff": "fast"}"#,
        r#"{"autoReconnect": 1}"#,
        r#"{"wsUrl": "ftp://x"}"#,
        r#"{"closeCodes": {"99": "stop"}}"#,
    ];
    for o in bad_options {
        let e = ZantaraWebSocket::new("u".into(), json(o))
            .err()
            .unwrap_or_else(|| panic!("{o} accepted"));
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{o}: {e:?}");
        let code = text(&e, "code");
        assert!(
            code == "INVALID_OPTION" || code == "INVALID_URL",
            "{o}: {e:?}"
        );
        assert!(
            text(&e, "message").starts_with("ZantaraWebSocket: "),
            "{o}: {e:?}"
        );
    }
    let ws = ZantaraWebSocket::new(
        "u".into(),
        opts(r#""autoConnect": false, "legacyExtra": 1"#),
    )
    .unwrap();
    for ch in [
        JsValue::from(""),
        JsValue::from(5),
        JsValue::NULL,
        JsValue::from("error"),
        JsValue::from("connected"),
    ] {
        let e = ws.subscribe(ch.clone()).expect_err("bad channel accepted");
        assert!(e.is_instance_of::<js_sys::TypeError>(), "{ch:?}");
    }
    let cyclic = js_sys::Object::new();
    js_sys::Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let e = ws
        .send_message("chat".into(), cyclic.into())
        .expect_err("cyclic data accepted");
    assert_eq!(text(&e, "code"), "UNSERIALIZABLE");
    assert_eq!(
        num(&ws.get_stats(), "queuedMessages"),
        0.0,
        "nothing queued"
    );
    assert_eq!(ws.state(), "closed");
}

#[wasm_bindgen_test]
fn bad_input_from_the_caller_is_a_clear_error_and_changes_nothing() {
    let ws = ZantaraWebSocket::new("u".into(), opts(r#""autoConnect": false"#)).unwrap();
    let lone = js_sys::JSON::parse(r#""\ud800""#).unwrap();
    for ch in [
        JsValue::UNDEFINED,
        JsValue::from(""),
        JsValue::from(1),
        js_sys::Object::new().into(),
        lone,
        JsValue::from("message"),
        JsValue::from("reconnect_failed"),
    ] {
        for r in [
            ws.subscribe(ch.clone()),
            ws.send_message(ch.clone(), 1.into()),
        ] {
            let e = r.expect_err("accepted a bad channel");
            assert!(e.is_instance_of::<js_sys::TypeError>(), "{ch:?}: {e:?}");
        }
    }
    // `undefined` data is sent without a data field: a documented result.
    assert_eq!(ws.send_message("chat".into(), JsValue::UNDEFINED), Ok(true));
    let big = js_sys::BigInt::from(1u32);
    assert!(ws.send_message("chat".into(), big.into()).is_err());
    for bad in [
        JsValue::from(1),
        JsValue::from("x"),
        js_sys::Array::new().into(),
    ] {
        assert!(ZantaraWebSocket::new("u".into(), bad).is_err());
    }
    assert!(
        ZantaraWebSocket::new(js_sys::Object::new().into(), JsValue::UNDEFINED).is_err(),
        "object userId"
    );
    assert!(ws
        .on("".into(), js_sys::Function::new_no_args("").into())
        .is_err());
    assert!(ws.off("chat".into(), JsValue::from(1)).is_err());
    let stats = ws.get_stats();
    assert_eq!(
        num(&stats, "queuedMessages"),
        1.0,
        "only the valid message is queued, once"
    );
    assert_eq!(
        js_sys::Array::from(&get(&stats, "subscriptions")).length(),
        0
    );
}
