//! Connection faults, in headless Chromium against the real reference server:
//! a half-open (muted) link found by the heartbeat, the reaction to each close
//! code and its override, and the page going offline or into the
//! back/forward cache (pagehide/pageshow). Figures are printed as
//! `FIGURE name: value` lines (the README's Reliability table quotes them).
//!
//! These tests only change the server's state for their own connections
//! (targeted by userId); tests that change global server state (restart,
//! connect policies, token lists) live in `tests/faults.rs`.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
async fn close_1008_does_not_reconnect() {
    let c = Client::new(&uid("policy"), opts(""));
    c.until("connected", 1, T).await;
    let opened = num(&counters(), "socketsOpened");
    control(
        "close",
        &format!(
            r#"{{{},"code":1008,"reason":"invalid token"}}"#,
            target(&c.user)
        ),
    )
    .await;
    c.until("disconnected", 1, T).await;
    let d = &c.payloads("disconnected")[0];
    assert_eq!(num(d, "code"), 1008.0);
    assert_eq!(text(d, "reason"), "invalid token");
    assert_eq!(get(d, "willReconnect"), JsValue::FALSE);
    assert_eq!(c.ws.state(), "closed");
    // Bounded quiet window of 5 reconnect intervals: nothing happens.
    quiet(500).await;
    assert_eq!(c.count("reconnecting"), 0);
    assert_eq!(num(&counters(), "socketsOpened"), opened);
    assert!(server_clients(&c.user).await.is_empty());
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
