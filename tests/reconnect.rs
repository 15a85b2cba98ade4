//! Reconnecting, in headless Chromium against the real reference server: a
//! server drop is followed by a reconnect and the resubscription, messages
//! sent while disconnected are queued and arrive in order, attempts stop at
//! `maxReconnectAttempts`, and `disconnect()` in any state (waiting to
//! reconnect included) leaves nothing behind while `connect()` works after it.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn server_drop_reconnects_and_resubscribes() {
    let room = uid("drop-room");
    let c = Client::new(&uid("drop"), opts(""));
    c.record(&room);
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    control("terminate", &format!("{{{}}}", target(&c.user))).await;
    c.until("disconnected", 1, T).await;
    let d = &c.payloads("disconnected")[0];
    assert_eq!(num(d, "code"), 1006.0);
    assert_eq!(get(d, "willReconnect"), JsValue::TRUE);
    c.until("reconnecting", 1, T).await;
    let r = &c.payloads("reconnecting")[0];
    assert_eq!((num(r, "attempt"), num(r, "delay")), (1.0, 100.0));
    c.until("connected", 2, T).await;
    // Resubscribed on the new connection, and messages flow again.
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{room}","data":{{"k":1}}}}"#),
    )
    .await;
    c.until(&room, 1, T).await;
    let stats = c.stats();
    assert_eq!(num(&stats, "reconnects"), 1.0);
    assert_eq!(num(&stats, "lastCloseCode"), 1006.0);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn messages_sent_while_disconnected_arrive_after_resubscribe_in_order() {
    let room = uid("queue-room");
    let rx = Client::new(&uid("receiver"), opts(""));
    rx.record(&room);
    rx.ws.subscribe(room.as_str().into()).unwrap();
    rx.until("connected", 1, T).await;
    until_channels(&rx.user, &format!(r#"["{room}"]"#)).await;

    // Sent before the first connect: queued, then flushed in order.
    let tx = Client::new(&uid("sender"), opts(r#""autoConnect": false"#));
    for i in 0..5 {
        assert_eq!(
            tx.ws
                .send_message(room.as_str().into(), json(&format!(r#"{{"seq":{i}}}"#))),
            Ok(true)
        );
    }
    assert_eq!(num(&tx.stats(), "queuedMessages"), 5.0);
    tx.ws.connect();
    rx.until(&room, 5, T).await;

    // Sent while the sender knows it is disconnected: queued, flushed after
    // the reconnect, in order.
    control("terminate", &format!("{{{}}}", target(&tx.user))).await;
    tx.until("reconnecting", 1, T).await;
    for i in 5..10 {
        assert_eq!(
            tx.ws
                .send_message(room.as_str().into(), json(&format!(r#"{{"seq":{i}}}"#))),
            Ok(true)
        );
    }
    assert_eq!(num(&tx.stats(), "queuedMessages"), 5.0);
    rx.until(&room, 10, T).await;
    let seqs: Vec<f64> = rx.payloads(&room).iter().map(|p| num(p, "seq")).collect();
    assert_eq!(seqs, (0..10).map(f64::from).collect::<Vec<_>>());
    // On protocol v2 a message leaves the queue when its acknowledgement arrives, which the
    // server sends after the broadcast (and the echo): wait for it.
    until("queue empty", T, || {
        num(&tx.stats(), "queuedMessages") == 0.0
    })
    .await;
    tx.ws.disconnect();
    rx.ws.disconnect();
}

#[wasm_bindgen_test]
async fn max_reconnect_attempts_then_reconnect_failed() {
    // Nothing listens on port 9 of loopback: every attempt fails at once.
    let c = Client::new(
        &uid("failed"),
        opts_url(
            "ws://127.0.0.1:9/ws",
            r#""reconnectInterval": 20, "maxReconnectAttempts": 3"#,
        ),
    );
    c.until("reconnect_failed", 1, T).await;
    let delays: Vec<f64> = c
        .payloads("reconnecting")
        .iter()
        .map(|r| num(r, "delay"))
        .collect();
    assert_eq!(delays, [20.0, 40.0, 60.0]);
    assert_eq!(num(&c.payloads("reconnect_failed")[0], "attempts"), 3.0);
    assert_eq!(c.ws.state(), "closed");
    assert_eq!(
        c.count("disconnected"),
        0,
        "never connected, so never disconnected"
    );
    quiet(200).await;
    assert_eq!(c.count("reconnecting"), 3);
    assert_counters_zero(&["sockets", "timers"]);
}

#[wasm_bindgen_test]
async fn disconnect_while_waiting_to_reconnect_leaves_nothing() {
    let c = Client::new(
        &uid("zombie"),
        opts(r#""reconnectInterval": 300, "heartbeatInterval": 50"#),
    );
    c.until("connected", 1, T).await;
    control("terminate", &format!("{{{}}}", target(&c.user))).await;
    c.until("reconnecting", 1, T).await;
    c.ws.disconnect();
    let events = log_len(&c.log);
    let opened = num(&counters(), "socketsOpened");
    // Quiet window longer than the pending reconnect delay and several pings.
    quiet(900).await;
    assert_eq!(log_len(&c.log), events, "no event after disconnect()");
    assert_eq!(num(&counters(), "socketsOpened"), opened, "no new socket");
    assert!(server_clients(&c.user).await.is_empty());
    assert_eq!(c.ws.state(), "closed");
    assert_counters_zero(&["sockets", "timers", "listeners"]);
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
