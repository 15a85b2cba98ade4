//! The SDK's everyday behaviour, in headless Chromium against the real
//! reference server (`www/server/server.js` under `www/server/supervisor.js`,
//! whose address scripts/test.sh passes at compile time): the welcome and
//! client id, subscriptions, channel messages between clients and from an
//! admin broadcast, on/off/once and throwing handlers, heartbeat pongs, and
//! channels named like built-in events.
#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connects_and_fills_client_id_from_welcome() {
    let c = Client::new(&uid("welcome"), opts(""));
    assert_eq!(c.ws.state(), "connecting");
    c.until("connected", 1, T).await;
    assert!(c.ws.is_connected());
    assert_eq!(c.ws.state(), "open");
    let welcome = &c.payloads("connected")[0];
    let id = text(welcome, "clientId");
    assert!(id.starts_with("client_"), "welcome payload: {id}");
    let stats = c.stats();
    assert_eq!(text(&stats, "clientId"), id);
    assert_eq!(text(&stats, "userId"), c.user);
    assert_eq!(get(&stats, "connected"), JsValue::TRUE);
    assert_eq!(num(&stats, "reconnectAttempts"), 0.0);
    // The welcome frame also reached `message` (every frame does).
    let first = &c.payloads("message")[0];
    assert_eq!(text(first, "type"), "connected");
    // States went closed → connecting (emitted inside the constructor, handed
    // to the handlers attached right after it) → open.
    let states: Vec<String> = c.payloads("state").iter().map(|s| text(s, "to")).collect();
    assert_eq!(states, ["connecting", "open"]);
    c.ws.disconnect();
    assert_eq!(c.ws.state(), "closed");
}

#[wasm_bindgen_test]
async fn subscribe_and_unsubscribe_are_tracked_and_sent() {
    let c = Client::new(&uid("subs"), opts(""));
    c.until("connected", 1, T).await;
    assert_eq!(c.ws.subscribe("chat".into()), Ok(true));
    assert_eq!(c.ws.subscribe("chat".into()), Ok(false), "no duplicate");
    c.ws.subscribe("notifications".into()).unwrap();
    assert!(c.ws.subscriptions().has(&"chat".into()));
    let subs = get(&c.stats(), "subscriptions");
    assert_eq!(
        js_sys::JSON::stringify(&subs).unwrap(),
        r#"["chat","notifications"]"#
    );
    until_channels(&c.user, r#"["chat","notifications"]"#).await;

    assert_eq!(c.ws.unsubscribe("chat".into()), Ok(true));
    assert_eq!(c.ws.unsubscribe("chat".into()), Ok(false));
    assert!(!c.ws.subscriptions().has(&"chat".into()));
    until_channels(&c.user, r#"["notifications"]"#).await;
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn channel_events_from_another_client_and_from_admin_broadcast() {
    let room = uid("room");
    let a = Client::new(&uid("alice"), opts(""));
    let b = Client::new(&uid("bob"), opts(""));
    a.record(&room);
    b.record(&room);
    a.ws.subscribe(room.as_str().into()).unwrap();
    b.ws.subscribe(room.as_str().into()).unwrap();
    a.until("connected", 1, T).await;
    b.until("connected", 1, T).await;
    until_channels(&a.user, &format!(r#"["{room}"]"#)).await;
    until_channels(&b.user, &format!(r#"["{room}"]"#)).await;

    assert_eq!(
        a.ws.send_message(room.as_str().into(), json(r#"{"text":"hi bob","n":1}"#)),
        Ok(true)
    );
    b.until(&room, 1, T).await;
    let got = &b.payloads(&room)[0];
    assert_eq!(text(got, "text"), "hi bob");
    assert_eq!(num(got, "n"), 1.0);

    let r = call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{room}","data":{{"alert":"all"}}}}"#),
    )
    .await;
    assert_eq!(get(&r, "ok"), JsValue::TRUE, "{r:?}");
    a.until(&room, 1, T).await;
    b.until(&room, 2, T).await;
    assert_eq!(text(&a.payloads(&room)[0], "alert"), "all");
    assert_eq!(
        a.count(&room),
        1,
        "the sender does not get its own message back"
    );
    // `message` saw the channel frames with their envelope.
    let msgs = b.payloads("message");
    assert!(msgs
        .iter()
        .any(|m| text(m, "channel") == room && text(m, "type") == "message"));
    let sa = a.stats();
    assert!(num(&sa, "messagesOut") >= 2.0 && num(&sa, "bytesOut") > 0.0);
    assert!(num(&b.stats(), "messagesIn") >= 3.0);
    a.ws.disconnect();
    b.ws.disconnect();
}

#[wasm_bindgen_test]
async fn on_off_once_and_throwing_handlers() {
    let c = Client::new(&uid("handlers"), opts(r#""autoConnect": false"#));
    let log = new_log();
    let every = pusher(&log, "every");
    let removed = pusher(&log, "removed");
    c.ws.on("connected".into(), thrower("boom").into()).unwrap();
    c.ws.on("connected".into(), every.clone().into()).unwrap();
    c.ws.on("connected".into(), removed.clone().into()).unwrap();
    c.ws.once("connected".into(), pusher(&log, "once").into())
        .unwrap();
    c.ws.off("connected".into(), removed.into()).unwrap();
    assert!(
        c.ws.on("connected".into(), JsValue::from(3)).is_err(),
        "a non-function handler is a TypeError"
    );
    c.ws.connect();
    c.until("connected", 1, T).await;
    until("every", T, || count(&log, "every") == 1).await;
    assert_eq!(count(&log, "once"), 1);
    assert_eq!(count(&log, "removed"), 0);
    // The throwing handler was reported on `error` and did not stop the others.
    let errors = c.payloads("error");
    assert_eq!(errors.len(), 1);
    assert_eq!(text(&errors[0], "code"), "HANDLER_THREW");
    assert_eq!(text(&get(&errors[0], "cause"), "message"), "boom");
    assert!(c.ws.is_connected(), "the connection goes on");

    // A second connection: `once` does not fire again, `every` does.
    control("terminate", &format!("{{{}}}", target(&c.user))).await;
    c.until("connected", 2, T).await;
    until("every twice", T, || count(&log, "every") == 2).await;
    assert_eq!(count(&log, "once"), 1);
    c.ws.off("connected".into(), every.into()).unwrap();
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn heartbeat_updates_last_pong_and_round_trip_time() {
    let c = Client::new(
        &uid("heartbeat"),
        opts(r#""heartbeatInterval": 100, "heartbeatTimeout": 3000"#),
    );
    c.until("pong", 2, T).await;
    let rtt = num(&c.payloads("pong")[0], "rtt");
    assert!((0.0..1000.0).contains(&rtt), "rtt {rtt}");
    let stats = c.stats();
    let last = text(&stats, "lastPong");
    assert!(last.ends_with('Z') && last.contains('T'), "lastPong {last}");
    assert!(num(&stats, "rtt") >= 0.0);
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn a_channel_named_like_a_built_in_event_fires_only_message() {
    let c = Client::new(&uid("reserved"), opts(""));
    c.until("connected", 1, T).await;
    let target = target(&c.user);
    for ch in ["error", "connected", "state"] {
        let frame = format!(r#"{{\"type\":\"message\",\"channel\":\"{ch}\",\"data\":1}}"#);
        control("send", &format!(r#"{{{target},"text":"{frame}"}}"#)).await;
    }
    control(
        "send",
        &format!(
            r#"{{{target},"text":"{{\"type\":\"message\",\"channel\":\"end\",\"data\":2}}"}}"#
        ),
    )
    .await;
    until("the last frame", T, || {
        c.payloads("message")
            .iter()
            .any(|m| text(m, "channel") == "end")
    })
    .await;
    assert_eq!(c.count("error"), 0);
    assert_eq!(c.count("connected"), 1);
    assert_eq!(
        c.count("state"),
        2,
        "only the first attempt's transitions (connecting, open)"
    );
    c.ws.disconnect();
}

#[wasm_bindgen_test]
async fn a_throwing_channel_handler_is_reported_and_the_next_one_runs() {
    let room = uid("throw-room");
    let c = Client::new(&uid("throwch"), opts(""));
    c.ws.on(room.as_str().into(), thrower("bad handler").into())
        .unwrap();
    c.record(&room);
    c.ws.subscribe(room.as_str().into()).unwrap();
    c.until("connected", 1, T).await;
    until_channels(&c.user, &format!(r#"["{room}"]"#)).await;
    call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{room}","data":1}}"#),
    )
    .await;
    c.until(&room, 1, T).await;
    c.until("error", 1, T).await;
    let e = &c.payloads("error")[0];
    assert_eq!(text(e, "code"), "HANDLER_THREW");
    assert!(text(e, "message").contains(&room));
    assert_eq!(text(&get(e, "cause"), "message"), "bad handler");
    assert!(
        num(&c.stats(), "messagesIn") >= 2.0,
        "channel messages are counted"
    );
    c.ws.disconnect();
}
