//! Reliability under faults and bad input, in headless Chromium against the
//! real reference server. Figures are printed as `FIGURE name: value` lines
//! (the README's Reliability table quotes them).
//!
//! These tests only change the server's state for their own connections
//! (targeted by userId); tests that change global server state (restart,
//! connect policies, token lists) live in `tests/faults.rs`.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zantara_websocket::ZantaraWebSocket;

wasm_bindgen_test_configure!(run_in_browser);

const T: f64 = 8000.0;

fn target(user: &str) -> String {
    format!(r#""target":{{"userId":"{user}"}}"#)
}

#[wasm_bindgen_test]
async fn half_open_link_is_detected_and_replaced() {
    // Heartbeat every 200 ms, dead after 600 ms without a frame.
    let c = Client::new(
        &uid("halfopen"),
        opts(r#""heartbeatInterval": 200, "heartbeatTimeout": 600"#),
    );
    c.until("connected", 1, T).await;
    c.until("pong", 1, T).await;
    let opened = num(&counters(), "socketsOpened");
    control("mute", &format!("{{{},\"muted\":true}}", target(&c.user))).await;
    let muted_at = js_sys::Date::now();
    c.until("disconnected", 1, T).await;
    let detected = js_sys::Date::now() - muted_at;
    let d = &c.payloads("disconnected")[0];
    assert_eq!(text(d, "reason"), "heartbeat timeout");
    assert_eq!(num(d, "code"), 1006.0);
    // The muted socket never answers the close handshake, so its `close`
    // event would take long: the SDK dropped it and reconnected at once.
    let r = &c.payloads("reconnecting")[0];
    assert_eq!(num(r, "delay"), 0.0);
    c.until("connected", 2, T).await;
    assert_eq!(num(&counters(), "socketsOpened"), opened + 1.0);
    console_log!("FIGURE half-open detection (timeout 600 ms, interval 200 ms): {detected:.0} ms");
    // Within heartbeatTimeout + one interval, plus timer slack on a busy machine.
    assert!(
        detected <= 600.0 + 200.0 + 400.0,
        "detected after {detected} ms"
    );
    c.ws.disconnect();
    control("mute", &format!("{{{},\"muted\":false}}", target(&c.user))).await;
}

#[wasm_bindgen_test]
async fn close_codes_give_the_documented_reaction() {
    // (code, reconnects, delay of the first attempt). reconnectInterval 100,
    // maxReconnectInterval 400: 1013 waits the longest delay.
    let cases: [(u16, bool, f64); 8] = [
        (1000, true, 100.0),
        (1001, true, 100.0),
        (1011, true, 100.0),
        (1012, true, 100.0),
        (1013, true, 400.0),
        (4001, true, 100.0),
        (1008, false, 0.0),
        (4501, false, 0.0),
    ];
    for (code, reconnects, delay) in cases {
        let c = Client::new(&uid(&format!("code{code}")), opts(""));
        c.until("connected", 1, T).await;
        control(
            "close",
            &format!(
                r#"{{{},"code":{code},"reason":"test {code}"}}"#,
                target(&c.user)
            ),
        )
        .await;
        c.until("disconnected", 1, T).await;
        let d = &c.payloads("disconnected")[0];
        assert_eq!(num(d, "code"), f64::from(code));
        assert_eq!(text(d, "reason"), format!("test {code}"));
        assert_eq!(
            get(d, "willReconnect"),
            JsValue::from(reconnects),
            "code {code}"
        );
        if reconnects {
            c.until("connected", 2, T).await;
            assert_eq!(
                num(&c.payloads("reconnecting")[0], "delay"),
                delay,
                "code {code}"
            );
        } else {
            quiet(300).await;
            assert_eq!(c.count("reconnecting"), 0, "code {code}");
            assert_eq!(c.ws.state(), "closed");
        }
        c.ws.disconnect();
    }
    // 1006: the server terminates the TCP connection without a close frame.
    let c = Client::new(&uid("code1006"), opts(""));
    c.until("connected", 1, T).await;
    control("terminate", &format!("{{{}}}", target(&c.user))).await;
    c.until("connected", 2, T).await;
    assert_eq!(num(&c.payloads("disconnected")[0], "code"), 1006.0);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn close_code_policy_can_be_overridden() {
    let c = Client::new(
        &uid("override"),
        opts(r#""closeCodes": {"4001": "stop", "1008": "reconnect"}"#),
    );
    c.until("connected", 1, T).await;
    control("close", &format!(r#"{{{},"code":1008}}"#, target(&c.user))).await;
    c.until("connected", 2, T).await;
    control("close", &format!(r#"{{{},"code":4001}}"#, target(&c.user))).await;
    c.until("disconnected", 2, T).await;
    assert_eq!(
        get(&c.payloads("disconnected")[1], "willReconnect"),
        JsValue::FALSE
    );
    assert_eq!(c.ws.state(), "closed");
}

#[wasm_bindgen_test]
async fn offline_suspends_and_online_retries_at_once() {
    let c = Client::new(
        &uid("offline"),
        opts(r#""reconnectInterval": 5000, "maxReconnectInterval": 5000"#),
    );
    c.until("connected", 1, T).await;
    fire("offline");
    assert_eq!(get(&c.stats(), "online"), JsValue::FALSE);
    control("terminate", &format!("{{{}}}", target(&c.user))).await;
    c.until("disconnected", 1, T).await;
    let opened = num(&counters(), "socketsOpened");
    quiet(300).await;
    assert_eq!(c.count("reconnecting"), 0, "no attempt while offline");
    assert_eq!(num(&counters(), "socketsOpened"), opened);
    assert_eq!(c.ws.state(), "reconnecting");
    // Back online: an attempt at once, not after the 5 s delay.
    let t0 = js_sys::Date::now();
    fire("online");
    c.until("connected", 2, 2000.0).await;
    assert_eq!(num(&c.payloads("reconnecting")[0], "delay"), 0.0);
    console_log!(
        "FIGURE online→connected: {:.0} ms",
        js_sys::Date::now() - t0
    );
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn pagehide_closes_and_pageshow_reconnects() {
    let room = uid("bfcache-room");
    let c = Client::new(&uid("bfcache"), opts(""));
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    until_server_has(&c.user, 1, T).await;
    fire("pagehide");
    until_server_has(&c.user, 0, T).await;
    assert_eq!(c.ws.state(), "reconnecting");
    let d = &c.payloads("disconnected")[0];
    assert_eq!(text(d, "reason"), "pagehide");
    quiet(300).await;
    assert_eq!(c.count("connected"), 1, "no reconnect while hidden");
    fire("pageshow");
    c.until("connected", 2, T).await;
    // The server saw the resubscription after pageshow.
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    assert!(c.ws.subscriptions().has(&room.as_str().into()));
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn disconnect_in_every_state_and_connect_after() {
    let user = uid("states");
    // Connecting: disconnect before the socket opened.
    let c = Client::new(&user, opts(""));
    assert_eq!(c.ws.state(), "connecting");
    c.ws.disconnect();
    assert_eq!(c.ws.state(), "closed");
    // Open.
    c.ws.connect();
    c.until("connected", 1, T).await;
    c.ws.disconnect();
    until_server_has(&user, 0, T).await;
    // connect() after disconnect() works, then waiting-to-reconnect.
    c.ws.connect();
    c.until("connected", 2, T).await;
    control("terminate", &format!("{{{}}}", target(&user))).await;
    c.until("reconnecting", 1, T).await;
    c.ws.disconnect();
    let events = log_len(&c.log);
    let opened = num(&counters(), "socketsOpened");
    quiet(400).await;
    assert_eq!(log_len(&c.log), events);
    assert_eq!(num(&counters(), "socketsOpened"), opened);
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    assert!(server_clients(&user).await.is_empty());

    // After reconnect_failed.
    let f = Client::new(
        &uid("failed"),
        opts_url(
            "ws://127.0.0.1:9/ws",
            r#""reconnectInterval": 10, "maxReconnectAttempts": 2"#,
        ),
    );
    f.until("reconnect_failed", 1, T).await;
    f.ws.disconnect();
    assert_eq!(f.ws.state(), "closed");
    assert_counters_zero(&["sockets", "timers", "listeners"]);
}

#[wasm_bindgen_test]
async fn an_unreferenced_instance_stays_connected_until_closed() {
    // Dropping the Rust value runs the same code as wasm-bindgen's free on
    // garbage collection: the registry keeps a live connection alive.
    let room = uid("orphan-room");
    let user = uid("orphan");
    let log = new_log();
    {
        let ws = ZantaraWebSocket::new(user.as_str().into(), opts("")).unwrap();
        ws.on(room.as_str().into(), pusher(&log, "msg").into())
            .unwrap();
        ws.on("connected".into(), pusher(&log, "connected").into())
            .unwrap();
        ws.subscribe(room.as_str().into()).unwrap();
    } // dropped here
    until("connected", T, || count(&log, "connected") == 1).await;
    assert_eq!(num(&counters(), "live"), 1.0);
    call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{room}","data":1}}"#),
    )
    .await;
    until("message to the orphan", T, || count(&log, "msg") == 1).await;
    // It even survives a server drop, then a stopping close frees it.
    control("terminate", &format!("{{{}}}", target(&user))).await;
    until("reconnected", T, || count(&log, "connected") == 2).await;
    control("close", &format!(r#"{{{},"code":1008}}"#, target(&user))).await;
    until_server_has(&user, 0, T).await;
    until("freed", T, || num(&counters(), "instances") == 0.0).await;
    assert_counters_zero(&["live", "sockets", "timers"]);
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

#[wasm_bindgen_test]
async fn queue_is_bounded_and_full_is_reported() {
    let c = Client::new(
        &uid("queue"),
        opts(r#""autoConnect": false, "maxQueuedMessages": 3, "maxQueuedBytes": 100000"#),
    );
    for i in 0..3 {
        assert_eq!(c.ws.send_message("q".into(), i.into()), Ok(true));
    }
    assert_eq!(c.ws.send_message("q".into(), 3.into()), Ok(false));
    c.until("error", 1, T).await;
    assert_eq!(text(&c.payloads("error")[0], "code"), "QUEUE_FULL");
    let c2 = Client::new(
        &uid("queue-bytes"),
        opts(r#""autoConnect": false, "maxQueuedBytes": 200"#),
    );
    assert_eq!(
        c2.ws.send_message("q".into(), "x".repeat(100).into()),
        Ok(true)
    );
    assert_eq!(
        c2.ws.send_message("q".into(), "x".repeat(100).into()),
        Ok(false)
    );
    assert_eq!(num(&c2.stats(), "queuedMessages"), 1.0);
}

#[wasm_bindgen_test]
async fn token_never_leaks_and_params_are_encoded() {
    let secret = "sekrit&#= é/tok";
    let user = format!("{} a&b #c=d é", uid("enc"));
    let role = "owner & co #1";
    let lines = capture_console();
    let c = Client::new(
        &user,
        opts(&format!(
            r#""debug": true, "role": {}, "token": {}"#,
            js_str(role),
            js_str(secret)
        )),
    );
    c.until("connected", 1, T).await;
    let listed = until_server_has(&user, 1, T).await;
    assert_eq!(text(&listed[0], "userId"), user, "userId arrives intact");
    assert_eq!(text(&listed[0], "role"), role);
    assert_eq!(text(&listed[0], "token"), secret, "token arrives intact");
    // A failing connection with a token: its errors must not carry it.
    let f = Client::new(
        &uid("enc-fail"),
        opts_url(
            "ws://127.0.0.1:9/ws",
            &format!(
                r#""debug": true, "token": {}, "maxReconnectAttempts": 1, "reconnectInterval": 10"#,
                js_str(secret)
            ),
        ),
    );
    f.until("reconnect_failed", 1, T).await;
    c.ws.disconnect();
    restore_console(&lines);
    let logs: Vec<String> = lines.iter().filter_map(|l| l.as_string()).collect();
    assert!(
        logs.iter().any(|l| l.contains("connecting to")),
        "debug logging was on"
    );
    let encoded = zantara_websocket::core::url::encode_component(secret);
    for l in &logs {
        assert!(
            !l.contains(secret) && !l.contains(&encoded),
            "token in a log line: {l}"
        );
    }
    for s in [c.stats(), f.stats()] {
        let json = String::from(js_sys::JSON::stringify(&s).unwrap());
        assert!(!json.contains("sekrit"), "token in stats: {json}");
    }
    for e in f.payloads("error") {
        assert!(!text(&e, "message").contains("sekrit"));
    }
}

fn js_str(s: &str) -> String {
    String::from(js_sys::JSON::stringify(&s.into()).unwrap())
}

#[wasm_bindgen_test]
async fn token_function_is_called_before_every_connect() {
    let user = uid("tokenfn");
    let calls = js_sys::Array::new();
    let calls2 = calls.clone();
    let f = Closure::<dyn Fn() -> js_sys::Promise>::new(move || {
        calls2.push(&JsValue::from(1));
        let token = JsValue::from(format!("t{}", calls2.length()));
        js_sys::Promise::resolve(&token)
    });
    let o = opts("");
    js_sys::Reflect::set(&o, &"token".into(), f.as_ref()).unwrap();
    let c = Client::new(&user, o);
    c.until("connected", 1, T).await;
    assert_eq!(text(&until_server_has(&user, 1, T).await[0], "token"), "t1");
    control("terminate", &format!("{{{}}}", target(&user))).await;
    c.until("connected", 2, T).await;
    assert_eq!(calls.length(), 2);
    assert_eq!(text(&until_server_has(&user, 1, T).await[0], "token"), "t2");
    c.ws.disconnect();
    drop(f);
}

#[wasm_bindgen_test]
async fn leaks_1000_connect_cycles_and_1000_create_free_cycles() {
    let room = uid("leak-room");
    let run = |n: u32| {
        let room = room.clone();
        async move {
            for i in 0..n {
                let ws = ZantaraWebSocket::new(format!("leak-{i}").into(), opts("")).unwrap();
                ws.subscribe(room.as_str().into()).unwrap();
                next(&ws, "connected", 5000).await;
                ws.disconnect();
            }
        }
    };
    run(100).await; // warm-up: allocator and JIT reach their steady state
    let before = num(&counters(), "wasmMemoryBytes");
    let t0 = js_sys::Date::now();
    run(1000).await;
    let secs = (js_sys::Date::now() - t0) / 1000.0;
    let after = num(&counters(), "wasmMemoryBytes");
    assert_counters_zero(&["sockets", "timers", "listeners", "live", "instances"]);
    console_log!("FIGURE 1000 connect/subscribe/disconnect cycles: wasm memory {before} -> {after} bytes (+{}), {secs:.1} s", after - before);
    assert!(
        after - before <= 65536.0,
        "wasm memory grew by {} bytes",
        after - before
    );

    let create_free = |n: u32| {
        for i in 0..n {
            let ws =
                ZantaraWebSocket::new(format!("cf-{i}").into(), opts(r#""autoConnect": false"#))
                    .unwrap();
            ws.subscribe("chat".into()).unwrap();
            ws.on("chat".into(), js_sys::Function::new_no_args("").into())
                .unwrap();
            ws.send_message("chat".into(), i.into()).unwrap();
        }
    };
    create_free(100);
    let before = num(&counters(), "wasmMemoryBytes");
    create_free(1000);
    let after = num(&counters(), "wasmMemoryBytes");
    assert_eq!(num(&counters(), "instances"), 0.0);
    console_log!(
        "FIGURE 1000 create/free cycles: wasm memory {before} -> {after} bytes (+{})",
        after - before
    );
    assert!(
        after - before <= 65536.0,
        "wasm memory grew by {} bytes",
        after - before
    );
}
