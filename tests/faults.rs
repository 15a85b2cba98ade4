//! Faults that change the reference server's global state: a real process
//! restart through the supervisor, connect policies (a flapping server), a
//! token list. Each test restores the server before it ends. Figures are
//! printed as `FIGURE name: value` lines.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const T: f64 = 10000.0;

#[wasm_bindgen_test]
async fn server_restart_loses_nothing_sent_while_disconnected() {
    let room = uid("restart-room");
    // echo=1: the server sends our own channel messages back, so what it
    // received (and in which order) is visible to the page.
    let url = format!("{}?echo=1", ws_url());
    let c = Client::new(
        &uid("restart"),
        opts_url(
            &url,
            r#""reconnectInterval": 50, "maxReconnectInterval": 200"#,
        ),
    );
    c.record(&room);
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    for i in 0..20 {
        c.ws.send_message(room.as_str().into(), json(&format!(r#"{{"seq":{i}}}"#)))
            .unwrap();
    }
    c.until(&room, 20, T).await;

    let killed = post(&format!("{}/kill", control_base()), "{}").await;
    assert_eq!(get(&killed, "ok"), JsValue::TRUE, "{killed:?}");
    c.until("disconnected", 1, T).await;
    let d = &c.payloads("disconnected")[0];
    assert_eq!(num(d, "code"), 1006.0);
    // Unsent bytes are reported, on the event and in stats alike.
    let unsent = get(d, "bufferedAmount").as_f64();
    assert!(unsent.is_some(), "bufferedAmount is a number: {d:?}");
    assert_eq!(unsent, get(&c.stats(), "lastBufferedAmount").as_f64());
    // The page keeps sending while the client knows it is disconnected.
    for i in 20..120 {
        assert_eq!(
            c.ws.send_message(room.as_str().into(), json(&format!(r#"{{"seq":{i}}}"#))),
            Ok(true)
        );
    }
    assert_eq!(num(&c.stats(), "queuedMessages"), 100.0);
    c.until("reconnecting", 2, T).await; // at least one attempt failed while down

    let started = post(&format!("{}/start", control_base()), "{}").await;
    assert_eq!(get(&started, "ok"), JsValue::TRUE, "{started:?}");
    let up_at = num(&started, "upAt");
    c.until("connected", 2, T).await;
    c.until(&room, 120, T).await;
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    let seqs: Vec<f64> = c.payloads(&room).iter().map(|p| num(p, "seq")).collect();
    assert_eq!(
        seqs,
        (0..120).map(f64::from).collect::<Vec<_>>(),
        "each once, in order"
    );
    // On protocol v2 a message leaves the queue when its acknowledgement arrives, which the
    // server sends after the broadcast (and the echo): wait for it.
    until("queue empty", T, || {
        num(&c.stats(), "queuedMessages") == 0.0
    })
    .await;
    // The first queued message echoed after the restart: the server had the
    // subscription and the queue's head by then.
    let first_echo = times(&c.log, &room).get(20).as_f64().unwrap();
    let connected = times(&c.log, "connected").get(1).as_f64().unwrap();
    console_log!(
        "FIGURE server restart: back up -> connected {:.0} ms, -> resubscribed and first queued message echoed {:.0} ms; 100 queued messages arrived once, in order (reconnect delay cap 200 ms)",
        connected - up_at,
        first_echo - up_at
    );
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn flapping_server_backs_off_instead_of_looping() {
    control("reset", "{}").await;
    // Every new connection is accepted, then closed at once with 1011.
    control(
        "policy",
        r#"{"onConnect":{"action":"close","code":1011,"delayMs":0}}"#,
    )
    .await;
    let c = Client::new(
        &uid("flap"),
        opts(
            r#""reconnectInterval": 50, "maxReconnectInterval": 250, "stableAfter": 2000, "maxReconnectAttempts": 8"#,
        ),
    );
    c.until("reconnect_failed", 1, T).await;
    control("policy", r#"{"onConnect":null}"#).await;
    let delays: Vec<f64> = c
        .payloads("reconnecting")
        .iter()
        .map(|r| num(r, "delay"))
        .collect();
    assert_eq!(
        delays,
        [50.0, 100.0, 150.0, 200.0, 250.0, 250.0, 250.0, 250.0]
    );
    assert_eq!(c.ws.state(), "closed");
    console_log!(
        "FIGURE flapping server: delays {delays:?} ms, then reconnect_failed after 8 attempts"
    );
}

#[wasm_bindgen_test]
async fn rejected_token_closes_1008_and_does_not_retry() {
    control("token", r#"{"reject":["expired-token"]}"#).await;
    let c = Client::new(&uid("badtoken"), opts(r#""token": "expired-token""#));
    c.until("disconnected", 1, T).await;
    let d = &c.payloads("disconnected")[0];
    assert_eq!(num(d, "code"), 1008.0);
    assert_eq!(get(d, "willReconnect"), JsValue::FALSE);
    assert_eq!(c.count("connected"), 0, "no welcome for a rejected token");
    let opened = num(&counters(), "socketsOpened");
    quiet(400).await;
    assert_eq!(num(&counters(), "socketsOpened"), opened);
    assert_eq!(c.ws.state(), "closed");
    control("token", r#"{"reject":[]}"#).await;
}

#[wasm_bindgen_test]
async fn refused_handshake_reaches_the_page_as_1006_and_retries() {
    control(
        "policy",
        r#"{"onConnect":{"action":"refuse","status":503}}"#,
    )
    .await;
    let c = Client::new(&uid("refused"), opts(r#""reconnectInterval": 50"#));
    c.until("reconnecting", 2, T).await;
    control("policy", r#"{"onConnect":null}"#).await;
    c.until("connected", 1, T).await;
    assert_eq!(num(&c.stats(), "lastCloseCode"), 1006.0);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn frames_dropped_from_a_batch_by_a_disconnecting_handler_are_not_counted() {
    // A server that sends no welcome: `connected` fires after welcomeTimeout,
    // in the same wake-up as the first ping. A `connected` handler that
    // disconnects makes that ping stale; before the fix it was counted in
    // messagesOut/bytesOut although it was never sent.
    control("reset", "{}").await;
    control("policy", r#"{"onConnect":{"action":"mute"}}"#).await;
    let ws = zantara_websocket::ZantaraWebSocket::new(
        uid("stale-batch").as_str().into(),
        opts(r#""welcomeTimeout": 300, "heartbeatInterval": 300"#),
    )
    .unwrap();
    let log = new_log();
    ws.on("connected".into(), pusher(&log, "connected").into())
        .unwrap();
    // The client as a JS object, so that a JS handler can call its methods.
    let ws = JsValue::from(ws);
    let on = js_sys::Array::of2(&"connected".into(), &caller(&ws, "disconnect"));
    invoke(&ws, "on", &on);
    until("the `connected` event", T, || count(&log, "connected") == 1).await;
    control("policy", r#"{"onConnect":null}"#).await;
    let none = js_sys::Array::new();
    assert_eq!(get(&ws, "state"), JsValue::from("closed"));
    let s = invoke(&ws, "getStats", &none);
    assert_eq!(num(&s, "messagesOut"), 0.0, "{s:?}");
    assert_eq!(num(&s, "bytesOut"), 0.0, "{s:?}");
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}
