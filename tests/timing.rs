//! Timing against a healthy or a dead server, in headless Chromium with the
//! real reference server: no combination of heartbeat options drops a
//! healthy link, a frozen page does not count as the server's silence, and
//! every wait (token, handshake, offline) ends in a bounded time with an
//! event. The exhaustive cases (clock steps, sleeps, throttled timers) are
//! native property tests with injected time (`tests/core_clock.rs`).
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client with `extra` options on a healthy, quiet server for `ms`: no
/// `disconnected` at all, and at least `pongs` answered pings.
async fn healthy_for(name: &str, extra: &str, ms: u32, pongs: u32) {
    let c = Client::new(&uid(name), opts(extra));
    c.until("connected", 1, T).await;
    quiet(ms).await;
    assert_eq!(
        c.count("disconnected"),
        0,
        "{extra}: a healthy link was dropped"
    );
    assert!(
        c.count("pong") >= pongs,
        "{extra}: {} pongs",
        c.count("pong")
    );
    assert_eq!(c.count("connected"), 1);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn a_timeout_shorter_than_the_interval_keeps_a_healthy_link() {
    // Before: {1000, 999} dropped 3 times in 3 s; {1000, 400} every 400 ms.
    healthy_for(
        "hb-999",
        r#""heartbeatInterval": 1000, "heartbeatTimeout": 999"#,
        3500,
        3,
    )
    .await;
    healthy_for(
        "hb-400",
        r#""heartbeatInterval": 1000, "heartbeatTimeout": 400"#,
        2500,
        2,
    )
    .await;
}

#[wasm_bindgen_test]
async fn without_pings_a_quiet_healthy_server_is_probed_not_dropped() {
    // Before: {0, 800} dropped a quiet healthy link every 800 ms.
    healthy_for(
        "hb-off",
        r#""heartbeatInterval": 0, "heartbeatTimeout": 800"#,
        3000,
        4,
    )
    .await;
}

#[wasm_bindgen_test]
async fn a_frozen_page_is_not_the_servers_silence() {
    // Before: a main thread blocked 1,300 ms with heartbeatTimeout 1000
    // dropped a healthy link. Probes every 500 ms of quiet here, so some
    // probe is outstanding while the page is frozen.
    let c = Client::new(
        &uid("frozen"),
        opts(r#""heartbeatInterval": 0, "heartbeatTimeout": 1000"#),
    );
    c.until("connected", 1, T).await;
    for pause in [400, 650] {
        quiet(pause).await;
        block(1300.0);
    }
    quiet(1500).await;
    assert_eq!(
        c.count("disconnected"),
        0,
        "a frozen page dropped a healthy link"
    );
    assert!(c.count("pong") >= 2);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn a_token_that_never_settles_ends_in_an_error_within_connect_timeout() {
    // Before: with heartbeatTimeout 0 the client stayed `connecting` forever.
    let gate = token_gate();
    let o = opts(r#""heartbeatTimeout": 0, "connectTimeout": 300, "autoReconnect": false"#);
    js_sys::Reflect::set(&o, &"token".into(), &get(&gate, "token")).unwrap();
    let t0 = js_sys::Date::now();
    let c = Client::new(&uid("token-hang"), o);
    c.until("error", 1, T).await;
    let took = js_sys::Date::now() - t0;
    let e = &c.payloads("error")[0];
    assert_eq!(text(e, "code"), "TOKEN_FAILED", "{e:?}");
    assert!(text(e, "message").contains("connectTimeout"), "{e:?}");
    until("closed", T, || c.ws.state() == "closed").await;
    let states: Vec<String> = c
        .payloads("state")
        .iter()
        .map(|s| text(s, "reason"))
        .collect();
    assert_eq!(states.last().map(String::as_str), Some("connect timeout"));
    console_log!(
        "FIGURE token that never settles (connectTimeout 300 ms): TOKEN_FAILED after {took:.0} ms"
    );
    assert!((290.0..1500.0).contains(&took), "{took} ms");
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

#[wasm_bindgen_test]
async fn a_false_offline_event_does_not_strand_the_client() {
    // Before: an `offline` event while the link was fine (navigator.onLine
    // true), then a server close with 1012: `reconnecting` forever, waiting
    // for an `online` event that never comes. Now the offline wait is
    // re-checked against navigator.onLine every maxReconnectInterval.
    let c = Client::new(
        &uid("false-offline"),
        opts(r#""reconnectInterval": 100, "maxReconnectInterval": 500"#),
    );
    c.until("connected", 1, T).await;
    fire("offline");
    control("close", &format!(r#"{{{},"code":1012}}"#, target(&c.user))).await;
    c.until("disconnected", 1, T).await;
    let t0 = js_sys::Date::now();
    c.until("connected", 2, T).await;
    let took = js_sys::Date::now() - t0;
    console_log!("FIGURE false offline event, then close 1012: reconnected after {took:.0} ms (maxReconnectInterval 500 ms)");
    assert!(took < 500.0 + 600.0, "{took} ms");
    assert_eq!(get(&c.stats(), "online"), JsValue::TRUE);
    c.ws.disconnect();
}
