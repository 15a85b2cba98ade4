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

const T: f64 = 8000.0;

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
    let args = js_sys::Array::of2(&"chat".into(), &data_calling(&ws, "disconnect"));
    // Sent on a closing socket would be lost: it is queued for the next connect.
    assert_eq!(invoke(&ws, "sendMessage", &args), JsValue::TRUE);
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
    let stats = invoke(&ws, "getStats", &none);
    assert_eq!(num(&stats, "queuedMessages"), 0.0, "{stats:?}");
    invoke(&ws, "disconnect", &none);
}
