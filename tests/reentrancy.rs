//! User code that calls back into the client from inside a call: the SDK
//! holds no borrow while user code runs and reads its state again after, so
//! nothing panics and nothing is left behind. Headless Chromium against the
//! real reference server.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zantara_websocket::ZantaraWebSocket;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn send_message_whose_to_json_disconnects() {
    // `JSON.stringify` runs the data's `toJSON` inside `sendMessage`; before
    // the fix the socket was borrowed meanwhile and `disconnect()` panicked.
    let ws = ZantaraWebSocket::new(uid("tojson").as_str().into(), opts("")).unwrap();
    let log = new_log();
    ws.on("connected".into(), pusher(&log, "connected").into())
        .unwrap();
    let ws = JsValue::from(ws);
    until("connected", T, || count(&log, "connected") == 1).await;
    let data = data_calling(&ws, "disconnect");
    let args = js_sys::Array::of2(&"chat".into(), &data);
    // Sent on a closing socket would be lost: it is queued for the next connect.
    assert_eq!(invoke(&ws, "sendMessage", &args), JsValue::TRUE);
    // The frame `toJSON` made is the one queued: it ran once, not again.
    assert_eq!(num(&data, "calls"), 1.0);
    assert_eq!(get(&ws, "state"), JsValue::from("closed"));
    let none = js_sys::Array::new();
    let stats = invoke(&ws, "getStats", &none);
    assert_eq!(num(&stats, "queuedMessages"), 1.0, "{stats:?}");
    assert_eq!(num(&stats, "messagesOut"), 0.0, "{stats:?}");
    quiet(100).await;
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    // The client still works.
    invoke(&ws, "connect", &none);
    until("connected again", T, || count(&log, "connected") == 2).await;
    // Sent after the welcome; on protocol v2 it stays queued until acknowledged.
    let acked = || num(&invoke(&ws, "getStats", &none), "acknowledged") == 1.0;
    until("acknowledged", T, acked).await;
    let stats = invoke(&ws, "getStats", &none);
    assert_eq!(num(&stats, "queuedMessages"), 0.0, "{stats:?}");
    invoke(&ws, "disconnect", &none);
}

/// The `from`/`to` pairs of the `state` events in `log`.
fn chain(log: &js_sys::Array) -> Vec<(String, String)> {
    payloads(log, "state")
        .iter()
        .map(|s| (text(&s, "from"), text(&s, "to")))
        .collect()
}

/// Every `state` event starts where the previous one ended.
fn assert_chain_holds(log: &js_sys::Array) {
    let c = chain(log);
    for w in c.windows(2) {
        assert_eq!(w[0].1, w[1].0, "state chain broken: {c:?}");
    }
}

/// A client as a JS object with `state` and `disconnected` recorded, and a
/// handler on `on` calling `method` of the client itself.
fn reentrant(user: &str, on: &str, method: &str) -> (JsValue, js_sys::Array) {
    let ws = ZantaraWebSocket::new(user.into(), opts("")).unwrap();
    let log = new_log();
    for e in ["connected", "state", "disconnected"] {
        ws.on(e.into(), pusher(&log, e).into()).unwrap();
    }
    let ws = JsValue::from(ws);
    let args = js_sys::Array::of2(&on.into(), &caller(&ws, method));
    invoke(&ws, "on", &args);
    (ws, log)
}

#[wasm_bindgen_test]
async fn a_disconnected_handler_that_connects_keeps_the_state_chain() {
    // Before the fix the nested connect() emitted `closed -> connecting`
    // before the outer `open -> closed`. The chain starts with the first
    // attempt's `closed -> connecting` and `connecting -> open` (the former
    // emitted inside the constructor, handed over after it).
    let (ws, log) = reentrant(&uid("chain-connect"), "disconnected", "connect");
    until("connected", T, || count(&log, "connected") == 1).await;
    invoke(&ws, "disconnect", &js_sys::Array::new());
    until("connected again", T, || count(&log, "connected") == 2).await;
    assert_chain_holds(&log);
    let c = chain(&log);
    let tail: Vec<_> = c[2..].iter().map(|(f, t)| format!("{f}->{t}")).collect();
    assert_eq!(
        tail,
        ["open->closed", "closed->connecting", "connecting->open"]
    );
    let args = js_sys::Array::of1(&"disconnected".into());
    invoke(&ws, "off", &args);
    invoke(&ws, "disconnect", &js_sys::Array::new());
    assert_eq!(get(&ws, "state"), JsValue::from("closed"));
}

#[wasm_bindgen_test]
async fn a_disconnected_handler_that_disconnects_on_a_server_close_keeps_the_state_chain() {
    let user = uid("chain-disconnect");
    let (ws, log) = reentrant(&user, "disconnected", "disconnect");
    until("connected", T, || count(&log, "connected") == 1).await;
    // 1012 (service restart) reconnects; the handler stops it.
    control("close", &format!(r#"{{{},"code":1012}}"#, target(&user))).await;
    until("closed", T, || get(&ws, "state") == "closed").await;
    assert_chain_holds(&log);
    let c = chain(&log);
    let tail: Vec<_> = c[2..].iter().map(|(f, t)| format!("{f}->{t}")).collect();
    assert_eq!(tail, ["open->reconnecting", "reconnecting->closed"]);
    quiet(200).await;
    assert_eq!(
        count(&log, "connected"),
        1,
        "no reconnect after the handler's disconnect()"
    );
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}
