//! What the SDK counts and reports about itself, in headless Chromium against
//! the real reference server: when liveness is credited, what the debug
//! counters include, and which error code each bad argument gets. Each test
//! here failed before the fix it names.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn set(o: &JsValue, key: &str, v: &JsValue) {
    js_sys::Reflect::set(o, &key.into(), v).unwrap();
}

#[wasm_bindgen_test]
async fn without_pings_a_link_is_dead_heartbeat_timeout_after_its_last_message() {
    // Before the fix, channel messages (counted in JS) were credited at the
    // next wake-up rather than at their arrival, so a link that delivered a
    // message and then died was found dead only after about twice the timeout.
    let room = uid("credit-room");
    let c = Client::new(
        &uid("credit"),
        opts(r#""heartbeatInterval": 0, "heartbeatTimeout": 1000"#),
    );
    c.record(&room);
    c.until("connected", 1, T).await;
    // Half-way to the deadline set at open, one channel message, then silence.
    quiet(500).await;
    let frame = format!(r#"{{"type":"message","channel":"{room}","data":1}}"#);
    let body = format!("{},\"text\":{}", target(&c.user), js_string(&frame));
    control("send", &format!("{{{body}}}")).await;
    c.until(&room, 1, T).await;
    control("mute", &format!("{{{},\"muted\":true}}", target(&c.user))).await;
    c.until("disconnected", 1, T).await;
    let arrived = times(&c.log, &room).get(0).as_f64().unwrap();
    let dropped = times(&c.log, "disconnected").get(0).as_f64().unwrap();
    let after = dropped - arrived;
    console_log!("FIGURE dead link without pings (timeout 1000 ms): found {after:.0} ms after its last message");
    assert_eq!(
        text(&c.payloads("disconnected")[0], "reason"),
        "heartbeat timeout"
    );
    // Within the timeout of the last frame (plus timer slack); the old
    // crediting gave about 1,500 ms here.
    assert!(after >= 950.0, "dropped early: {after} ms");
    assert!(after <= 1300.0, "dropped {after} ms after the last message");
    c.ws.disconnect();
    control("mute", &format!("{{{},\"muted\":false}}", target(&c.user))).await;
}

#[wasm_bindgen_test]
async fn a_pending_token_wait_is_counted_and_released() {
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    let gate = token_gate();
    let o = opts("");
    set(&o, "token", &get(&gate, "token"));
    let c = Client::new(&uid("token-wait"), o);
    assert_eq!(num(&gate, "calls"), 1.0);
    // Five page listeners (online, offline, pagehide, pageshow, visibilitychange) and the wait.
    assert_eq!(num(&counters(), "listeners"), 6.0);
    let opened = num(&counters(), "socketsOpened");
    c.ws.disconnect();
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    // The promise settles after the disconnect: nothing is opened, no error.
    let console = capture_console();
    let resolve: js_sys::Function = get(&gate, "resolve").into();
    resolve.call1(&JsValue::NULL, &"t0ken".into()).unwrap();
    quiet(200).await;
    restore_console(&console);
    assert_eq!(num(&counters(), "socketsOpened"), opened);
    assert_eq!(console.length(), 0, "{console:?}");
    assert_eq!(c.ws.state(), "closed");
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

/// A token that arrives after the attempt it was fetched for was given up
/// opens nothing: before the fix, pagehide and a connect timeout left such a
/// token free to open a socket the state machine did not know, which
/// `disconnect()` then left open.
async fn a_late_token(name: &str, extra: &str, pagehide: bool) {
    let gate = token_gate();
    let o = opts(extra);
    set(&o, "token", &get(&gate, "token"));
    let c = Client::new(&uid(name), o);
    assert_eq!(num(&gate, "calls"), 1.0);
    let opened = num(&counters(), "socketsOpened");
    if pagehide {
        fire("pagehide");
    } else {
        // The connect timeout gives the attempt up: TOKEN_FAILED, then a long backoff.
        c.until("error", 1, T).await;
        assert_eq!(text(&c.payloads("error")[0], "code"), "TOKEN_FAILED");
        assert_eq!(c.ws.state(), "reconnecting");
    }
    let resolve: js_sys::Function = get(&gate, "resolve").into();
    resolve.call1(&JsValue::NULL, &"late".into()).unwrap();
    quiet(300).await;
    assert_eq!(
        num(&counters(), "socketsOpened"),
        opened,
        "{name}: nothing opened"
    );
    assert_eq!(num(&counters(), "sockets"), 0.0, "{name}");
    c.ws.disconnect();
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

#[wasm_bindgen_test]
async fn a_token_arriving_after_pagehide_opens_nothing() {
    a_late_token("late-token-hide", "", true).await;
    fire("pageshow");
}

#[wasm_bindgen_test]
async fn a_token_arriving_after_the_connect_timeout_opens_nothing() {
    let extra = r#""connectTimeout": 100, "reconnectInterval": 60000, "jitter": 0"#;
    a_late_token("late-token-timeout", extra, false).await;
}

#[wasm_bindgen_test]
async fn every_bad_channel_is_an_invalid_or_reserved_channel_error() {
    // Before the fix a lone surrogate threw INVALID_ARGUMENT, unlike every
    // other bad channel. Checked closed and open (sendMessage's fast path).
    let c = Client::new(&uid("channels"), opts(""));
    let lone_high = js_sys::JSON::parse(r#""a\ud800""#).unwrap();
    let lone_low = js_sys::JSON::parse(r#""\udc00b""#).unwrap();
    let cases = [
        (JsValue::UNDEFINED, "INVALID_CHANNEL"),
        (JsValue::from(""), "INVALID_CHANNEL"),
        (JsValue::from(7), "INVALID_CHANNEL"),
        (lone_high, "INVALID_CHANNEL"),
        (lone_low, "INVALID_CHANNEL"),
        (JsValue::from("x".repeat(257)), "INVALID_CHANNEL"),
        (JsValue::from("state"), "RESERVED_CHANNEL"),
    ];
    for open in [false, true] {
        if open {
            c.until("connected", 1, T).await;
        }
        for (ch, code) in &cases {
            for r in [
                c.ws.subscribe(ch.clone()),
                c.ws.unsubscribe(ch.clone()),
                c.ws.send_message(ch.clone(), 1.into()),
            ] {
                let e = r.expect_err("accepted a bad channel");
                assert!(e.is_instance_of::<js_sys::TypeError>(), "{ch:?}: {e:?}");
                assert_eq!(&text(&e, "code"), code, "{ch:?} (open: {open})");
            }
        }
    }
    assert_eq!(num(&c.stats(), "messagesOut"), 0.0);
    assert_eq!(num(&c.stats(), "queuedMessages"), 0.0);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
fn a_numeric_user_id_is_its_decimal_string() {
    // A regression of the reshape threw for numbers (and leaked wasm stack);
    // the legacy client concatenated the number into the URL.
    for (n, text_form) in [(42.0, "42"), (-0.5, "-0.5"), (1e21, "1e+21")] {
        let ws = zantara_websocket::ZantaraWebSocket::new(
            JsValue::from(n),
            opts(r#""autoConnect": false"#),
        )
        .expect("a numeric userId is accepted");
        assert_eq!(text(&ws.get_stats(), "userId"), text_form);
    }
}
