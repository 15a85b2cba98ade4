//! Resources, in headless Chromium against the real reference server: an
//! unreferenced instance stays alive while connected and is freed after, the
//! send queue is bounded, the token never leaks into logs, stats or errors
//! (and a token function is called before every connect), and 1000 connect
//! or create/free cycles leak no memory. Figures are printed as
//! `FIGURE name: value` lines (the README's Reliability table quotes them).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zantara_websocket::ZantaraWebSocket;

wasm_bindgen_test_configure!(run_in_browser);

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
            js_string(role),
            js_string(secret)
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
                js_string(secret)
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
    let encoded = String::from(js_sys::encode_uri_component(secret));
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
