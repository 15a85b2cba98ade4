//! Trial scenarios for the Rust API (scratch; deleted after the run).
#![cfg(all(target_arch = "wasm32", feature = "rust-api"))]

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use support::{
    assert_counters_zero, call, control, counters, js_string, server_clients, target, uid,
    until_channels, ws_url,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use zantara_websocket::typed::{self as z, Sent, State};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Chat {
    text: String,
    n: u32,
}

async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match select(Box::pin(fut), TimeoutFuture::new(8000)).await {
        Either::Left((v, _)) => v,
        Either::Right(_) => panic!("timed out: {what}"),
    }
}

/// `Some(v)`, or None when `ms` passes first.
async fn maybe<T>(ms: u32, fut: impl Future<Output = T>) -> Option<T> {
    match select(Box::pin(fut), TimeoutFuture::new(ms)).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(_) => None,
    }
}

fn builder(user: &str) -> z::ClientBuilder {
    z::Client::builder()
        .url(&ws_url())
        .user_id(user)
        .reconnect_interval(Duration::from_millis(100))
        .max_reconnect_interval(Duration::from_millis(400))
        .jitter(0.0)
}

fn client(user: &str) -> z::Client {
    builder(user).build().expect("valid options")
}

async fn until_open(c: &z::Client) {
    within("welcomed", async {
        while !(c.state() == State::Open && c.stats().protocol.is_some()) {
            TimeoutFuture::new(10).await;
        }
    })
    .await;
}

async fn broadcast(channel: &str, data: &str) {
    call(
        "websocket.broadcast",
        &format!(r#"{{"channel":"{channel}","data":{data}}}"#),
    )
    .await;
}

/// A raw frame from the server to `user`'s connections.
async fn raw(user: &str, text: &str) {
    control(
        "send",
        &format!(r#"{{{}, "text": {}}}"#, target(user), js_string(text)),
    )
    .await;
}

fn k(name: &str) -> f64 {
    support::num(&counters(), name)
}

#[wasm_bindgen_test]
async fn a_subscription_and_events_outlive_their_client() {
    let user = uid("t-outlive");
    let room = uid("room");
    let c = client(&user);
    let mut sub = c.subscribe::<Chat>(&room).unwrap();
    let mut states = c.states().unwrap();
    let mut errors = c.errors().unwrap();
    until_open(&c).await;
    drop(c);
    // Everything already pushed is readable; then the end.
    let mut seen = Vec::new();
    while let Some(s) = within("states end", states.next()).await {
        seen.push(s);
    }
    console_log!("states after the client drop: {seen:?}");
    assert_eq!(within("sub end", sub.next()).await, None);
    assert_eq!(within("sub end again", sub.next()).await, None);
    assert_eq!(within("errors end", errors.next()).await, None);
    drop(sub);
    drop(states);
    drop(errors);
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

#[wasm_bindgen_test]
async fn two_subscriptions_of_one_channel_with_different_types() {
    let user = uid("t-two-types");
    let room = uid("room");
    let c = client(&user);
    let mut chats = c.subscribe::<Chat>(&room).unwrap();
    let mut nums = c.subscribe::<u32>(&room).unwrap();
    assert_eq!(c.subscriptions(), vec![room.clone()]);
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"a","n":1}"#).await;
    broadcast(&room, "5").await;
    let a1 = within("a1", chats.next()).await.unwrap();
    let a2 = within("a2", chats.next()).await.unwrap();
    let b1 = within("b1", nums.next()).await.unwrap();
    let b2 = within("b2", nums.next()).await.unwrap();
    console_log!("chats: {a1:?} / {a2:?}; nums: {b1:?} / {b2:?}");
    assert!(a1.is_ok() && a2.as_ref().unwrap_err().code() == "DECODE_FAILED");
    assert!(b1.as_ref().unwrap_err().code() == "DECODE_FAILED" && b2 == Ok(5));
    drop(chats);
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    drop(nums);
    until_channels(&user, "[]").await;
}

#[wasm_bindgen_test]
async fn dropping_subscriptions_from_inside_a_consumer_task() {
    let user = uid("t-drop-inside");
    let room = uid("room");
    let c = Rc::new(client(&user));
    let a = c.subscribe::<Chat>(&room).unwrap();
    let b: Rc<RefCell<Option<z::Subscription<Chat>>>> =
        Rc::new(RefCell::new(Some(c.subscribe::<Chat>(&room).unwrap())));
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    let done = Rc::new(RefCell::new(false));
    {
        let b = Rc::clone(&b);
        let done = Rc::clone(&done);
        wasm_bindgen_futures::spawn_local(async move {
            let mut a = a;
            while let Some(item) = a.next().await {
                console_log!("consumer got {item:?}; dropping b, then itself");
                b.borrow_mut().take();
                drop(a);
                *done.borrow_mut() = true;
                return;
            }
        });
    }
    broadcast(&room, r#"{"text":"x","n":1}"#).await;
    within("consumer", async {
        while !*done.borrow() {
            TimeoutFuture::new(10).await;
        }
    })
    .await;
    assert!(c.subscriptions().is_empty());
    until_channels(&user, "[]").await;
    // And a new subscription of the same channel works.
    let mut again = c.subscribe::<Chat>(&room).unwrap();
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"y","n":2}"#).await;
    assert_eq!(within("again", again.next()).await.unwrap().unwrap().n, 2);
}

#[wasm_bindgen_test]
async fn a_subscription_dropped_by_a_js_handler_of_the_same_dispatch() {
    // A raw handler (as_js().on) registered BEFORE the subscription drops it while the
    // same message is being dispatched.
    let user = uid("t-drop-dispatch");
    let room = uid("room");
    let c = client(&user);
    let slot: Rc<RefCell<Option<z::Subscription<Chat>>>> = Rc::new(RefCell::new(None));
    let s2 = Rc::clone(&slot);
    let f = Closure::<dyn FnMut(JsValue)>::new(move |_v: JsValue| {
        s2.borrow_mut().take();
    });
    c.as_js()
        .on(JsValue::from_str(&room), f.as_ref().clone())
        .unwrap();
    *slot.borrow_mut() = Some(c.subscribe::<Chat>(&room).unwrap());
    let mut errors = c.errors().unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"x","n":1}"#).await;
    let e = maybe(500, errors.next()).await;
    console_log!("error after a subscription was dropped mid-dispatch: {e:?}");
    assert!(e.is_none(), "an error was reported: {e:?}");
    drop(f);
}

#[wasm_bindgen_test]
async fn reserved_and_invalid_channels() {
    let user = uid("t-reserved");
    let room = uid("room");
    let c = client(&user);
    let long = "x".repeat(300);
    for ch in ["connected", "error", "recovery", "state", "", long.as_str()] {
        let r = c.subscribe::<IgnoredAny>(ch);
        console_log!(
            "subscribe({:?}) -> {:?}",
            &ch[..ch.len().min(12)],
            r.as_ref().err()
        );
    }
    assert!(c.subscriptions().is_empty());
    let e = c.subscribe::<IgnoredAny>("").err().unwrap();
    let s = c.send("", &1).err().unwrap();
    console_log!("subscribe(\"\") code {} / send(\"\") code {}", e.code(), s.code());
    let mut sub = c.subscribe::<Chat>(&room).unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"ok","n":1}"#).await;
    assert_eq!(within("works", sub.next()).await.unwrap().unwrap().n, 1);
    assert_eq!(c.stats().subscriptions, vec![room.clone()]);
    assert_eq!(e.code(), "INVALID_CHANNEL", "{e}");
}

#[wasm_bindgen_test]
async fn payload_shapes_null_number_array_huge() {
    let user = uid("t-shapes");
    let room = uid("room");
    let c = builder(&user).max_frame_size(100_000).build().unwrap();
    let mut opt = c.subscribe::<Option<Chat>>(&room).unwrap();
    let mut strict = c.subscribe::<Chat>(&room).unwrap();
    let mut list = c.subscribe::<Vec<u32>>(&room).unwrap();
    let mut big = c.subscribe::<String>("big").unwrap();
    let mut errors = c.errors().unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}","big"]"#)).await;
    for data in ["null", "3.5", "[1,2,3]", r#"{"text":"t","n":1}"#] {
        raw(
            &user,
            &format!(r#"{{"type":"message","channel":"{room}","data":{data}}}"#),
        )
        .await;
    }
    // A message without data at all.
    raw(&user, &format!(r#"{{"type":"message","channel":"{room}"}}"#)).await;
    for i in 0..5 {
        let o = within("opt", opt.next()).await.unwrap();
        let s = within("strict", strict.next()).await.unwrap();
        let l = within("list", list.next()).await.unwrap();
        console_log!(
            "#{i}: Option<Chat> {:?} | Chat {:?} | Vec<u32> {:?}",
            o.as_ref().map_err(|e| e.code().to_string()),
            s.as_ref().map_err(|e| e.code().to_string()),
            l.as_ref().map_err(|e| e.code().to_string())
        );
    }
    // Large but allowed, then above max_frame_size, then allowed again.
    control(
        "send",
        &format!(r#"{{{}, "repeatText":"x", "bytes": 90000}}"#, target(&user)),
    )
    .await;
    control(
        "send",
        &format!(r#"{{{}, "repeatText":"x", "bytes": 200000}}"#, target(&user)),
    )
    .await;
    control(
        "send",
        &format!(r#"{{{}, "repeatText":"y", "bytes": 1000}}"#, target(&user)),
    )
    .await;
    let b1 = within("big1", big.next()).await.unwrap().unwrap();
    let e = within("frame error", errors.next()).await.unwrap();
    let b2 = within("big2", big.next()).await.unwrap().unwrap();
    console_log!(
        "big: {} chars; error {}: {}; then {} chars of {:?}",
        b1.len(),
        e.code(),
        e.message(),
        b2.len(),
        &b2[..1]
    );
    assert_eq!(e.code(), "FRAME_TOO_LARGE");
    assert!(b2.starts_with('y'));
}

#[derive(Debug, Deserialize)]
struct Waited {
    waited: u32,
}

#[derive(Serialize)]
struct Ms {
    ms: u32,
}

#[wasm_bindgen_test]
async fn requests_dropped_before_the_reply_and_after_the_client() {
    let user = uid("t-req-drop");
    let c = client(&user);
    until_open(&c).await;
    let r = c.request::<_, Waited>("slow", &Ms { ms: 800 }).unwrap();
    TimeoutFuture::new(50).await;
    let s = c.stats();
    console_log!(
        "with the slow request in flight: in_flight {} queued {}",
        s.in_flight,
        s.queued_messages
    );
    drop(r);
    TimeoutFuture::new(20).await;
    let s = c.stats();
    console_log!(
        "after dropping it: in_flight {} queued {}",
        s.in_flight,
        s.queued_messages
    );
    assert_eq!(s.in_flight, 0.0);
    // More requests still work, and nothing late arrives for the dropped one.
    let echo: Chat = within(
        "echo",
        c.request(
            "echo",
            &Chat {
                text: "e".into(),
                n: 9,
            },
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(echo.n, 9);

    // A request whose client goes first: in flight, and one still queued.
    let in_flight = c.request::<_, Waited>("slow", &Ms { ms: 800 }).unwrap();
    let queued_client = builder(&uid("t-req-q")).auto_connect(false).build().unwrap();
    let queued = queued_client.request::<_, Waited>("echo", &1).unwrap();
    let stream = c.stream::<_, IgnoredAny>("ask", &Ms { ms: 1 }).unwrap();
    let ack = queued_client.send_with_ack("room", &1).unwrap();
    TimeoutFuture::new(30).await;
    drop(c);
    drop(queued_client);
    let a = within("in flight", in_flight).await;
    let b = within("queued", queued).await;
    let st: Vec<_> = within("stream", stream.collect::<Vec<_>>()).await;
    let ack = within("ack", ack).await;
    console_log!(
        "after the client drop: in-flight request {:?}; queued request {:?}; stream {:?}; ack {:?}",
        a.as_ref().map_err(|e| e.code().to_string()),
        b.as_ref().map_err(|e| e.code().to_string()),
        st.iter()
            .map(|r| r.as_ref().map(|_| ()).map_err(|e| e.code().to_string()))
            .collect::<Vec<_>>(),
        ack.as_ref().map_err(|e| e.code().to_string())
    );
    assert_eq!(a.unwrap_err().code(), "DISCONNECTED");
    assert_eq!(b.unwrap_err().code(), "DISCONNECTED");
    assert_eq!(ack.unwrap_err().code(), "DISCONNECTED");
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

#[derive(Debug, Deserialize)]
struct Word {
    #[allow(dead_code)]
    text: String,
    index: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ask {
    question: &'static str,
    words: u32,
    delay_ms: u32,
}

#[wasm_bindgen_test]
async fn a_stream_cancelled_early_then_more_requests() {
    let user = uid("t-stream-cancel");
    let c = client(&user);
    until_open(&c).await;
    for round in 0..3 {
        let mut long = c
            .stream::<_, Word>(
                "ask",
                &Ask {
                    question: "q",
                    words: 40,
                    delay_ms: 20,
                },
            )
            .unwrap();
        let w0 = within("w0", long.next()).await.unwrap().unwrap();
        let w1 = within("w1", long.next()).await.unwrap().unwrap();
        assert_eq!((w0.index, w1.index), (0, 1));
        drop(long);
        let s = c.stats();
        console_log!(
            "round {round}: after the cancel in_flight {} queued {}",
            s.in_flight,
            s.queued_messages
        );
        let echo: u32 = within("echo", c.request("echo", &round).unwrap())
            .await
            .unwrap();
        assert_eq!(echo, round);
        let all: Vec<_> = within(
            "short stream",
            c.stream::<_, Word>(
                "ask",
                &Ask {
                    question: "q",
                    words: 3,
                    delay_ms: 5,
                },
            )
            .unwrap()
            .collect::<Vec<_>>(),
        )
        .await;
        let idx: Vec<u32> = all.into_iter().map(|w| w.unwrap().index).collect();
        assert_eq!(idx, [0, 1, 2]);
    }
    TimeoutFuture::new(200).await;
    assert_eq!(c.stats().in_flight, 0.0);
}

#[wasm_bindgen_test]
async fn a_full_queue() {
    let user = uid("t-full");
    let c = builder(&user)
        .auto_connect(false)
        .max_queued_messages(1)
        .build()
        .unwrap();
    let mut errors = c.errors().unwrap();
    assert_eq!(c.send("room", &1), Ok(Sent::Queued));
    let second = c.send("room", &2);
    console_log!("second send: {second:?}");
    assert_eq!(second.as_ref().unwrap_err().code(), "QUEUE_FULL");
    let ack = c.send_with_ack("room", &3);
    console_log!("send_with_ack at once: {:?}", ack.as_ref().err());
    let ack = within("ack", ack.unwrap()).await;
    console_log!("its future: {ack:?}");
    assert_eq!(ack.unwrap_err().code(), "QUEUE_FULL");
    let req = c.request::<_, u32>("echo", &4).unwrap();
    console_log!("request id when full: {}", req.id());
    let req = within("req", req).await;
    console_log!("its future: {req:?}");
    assert_eq!(req.unwrap_err().code(), "QUEUE_FULL");
    let mut seen = Vec::new();
    while let Some(e) = maybe(200, errors.next()).await {
        match e {
            Some(e) => seen.push(e.code().to_string()),
            None => break,
        }
    }
    console_log!("errors(): {seen:?}");
    assert_eq!(
        seen.iter().filter(|c| *c == "QUEUE_FULL").count(),
        3,
        "{seen:?}"
    );
    // Then connect: the one queued goes out, and the queue takes more.
    c.connect();
    until_open(&c).await;
    let d = within("ack after connect", c.send_with_ack("room", &5).unwrap())
        .await
        .unwrap();
    console_log!("delivery after connect: {d:?}");
}

#[derive(Serialize)]
struct WithNan {
    x: f64,
}

#[wasm_bindgen_test]
async fn values_serde_cannot_serialize() {
    let user = uid("t-unser");
    let room = uid("room");
    let peer_user = uid("t-unser-peer");
    let peer = client(&peer_user);
    let mut got = peer.subscribe::<Option<f64>>(&room).unwrap();
    let mut got_obj = peer.subscribe::<BTreeMap<String, Option<f64>>>(&room).unwrap();
    until_open(&peer).await;
    until_channels(&peer_user, &format!(r#"["{room}"]"#)).await;
    let c = client(&user);
    until_open(&c).await;
    let mut m: HashMap<u32, u32> = HashMap::new();
    m.insert(1, 2);
    let mut t: BTreeMap<(u8, u8), u8> = BTreeMap::new();
    t.insert((1, 2), 3);
    let r1 = c.send(&room, &m);
    let r2 = c.send(&room, &t);
    let r3 = c.send(&room, &u64::MAX);
    let r4 = c.send_with_ack(&room, &m).map(|_| ());
    let r5 = c.request::<_, u32>("echo", &i128::MAX).map(|_| ());
    let r6 = c.stream::<_, u32>("ask", &m).map(|_| ());
    for (what, r) in [
        ("HashMap<u32,_>", r1.map(|_| ())),
        ("BTreeMap<(u8,u8),_>", r2.map(|_| ())),
        ("u64::MAX", r3.map(|_| ())),
        ("send_with_ack HashMap<u32,_>", r4),
        ("request i128::MAX", r5),
        ("stream HashMap<u32,_>", r6),
    ] {
        console_log!(
            "{what}: {:?}",
            r.map_err(|e| format!("{} {}", e.code(), e.message()))
        );
    }
    let nan = c.send(&room, &f64::NAN);
    let inf = c.send(&room, &WithNan { x: f64::INFINITY });
    console_log!("send NaN: {nan:?}; send {{x: inf}}: {inf:?}");
    let first = within("nan", got.next()).await.unwrap();
    let _ = within("nan obj", got_obj.next()).await;
    let _ = within("inf", got.next()).await;
    let second = within("inf obj", got_obj.next()).await.unwrap();
    console_log!("the peer got: NaN as {first:?}; {{x: inf}} as {second:?}");
}

#[wasm_bindgen_test]
async fn sent_or_queued_across_a_reconnect() {
    let user = uid("t-sent");
    let room = uid("room");
    let peer_user = uid("t-sent-peer");
    let peer = client(&peer_user);
    let mut got = peer.subscribe::<u32>(&room).unwrap();
    until_open(&peer).await;
    until_channels(&peer_user, &format!(r#"["{room}"]"#)).await;
    let c = client(&user);
    // Before the socket opens.
    let a = c.send(&room, &1);
    let mut states = c.states().unwrap();
    until_open(&c).await;
    let b = c.send(&room, &2);
    control("terminate", &format!("{{{}}}", target(&user))).await;
    // Until the client notices the loss.
    let mut outcomes = Vec::new();
    within("reconnecting", async {
        loop {
            let s = maybe(5, states.next()).await;
            if let Some(Some(s)) = &s {
                if s.to == State::Reconnecting {
                    break;
                }
            }
        }
    })
    .await;
    let c1 = c.send(&room, &3);
    outcomes.push((c.state(), c1));
    // While it reconnects; and once reopened but maybe not yet welcomed.
    within("open again", async {
        loop {
            if let Some(Some(s)) = maybe(5, states.next()).await {
                if s.to == State::Open {
                    break;
                }
            }
        }
    })
    .await;
    let d = c.send(&room, &4);
    let proto = c.stats().protocol;
    until_open(&c).await;
    let e = c.send(&room, &5);
    console_log!(
        "before open {a:?}; open {b:?}; after loss {outcomes:?}; just reopened {d:?} (protocol {proto:?}); welcomed {e:?}"
    );
    assert_eq!(a, Ok(Sent::Queued));
    assert_eq!(b, Ok(Sent::Sent));
    assert_eq!(outcomes[0].1, Ok(Sent::Queued));
    assert_eq!(e, Ok(Sent::Sent));
    let mut all = Vec::new();
    for _ in 0..5 {
        all.push(within("delivered", got.next()).await.unwrap().unwrap());
    }
    console_log!("peer received {all:?}");
}

#[wasm_bindgen_test]
async fn states_after_disconnect_and_connect() {
    let user = uid("t-states");
    let c = client(&user);
    let mut states = c.states().unwrap();
    until_open(&c).await;
    c.disconnect();
    let closed = c.state();
    c.connect();
    until_open(&c).await;
    c.disconnect();
    c.disconnect();
    c.connect();
    c.connect();
    until_open(&c).await;
    let mut seen = Vec::new();
    while let Some(Some(s)) = maybe(100, states.next()).await {
        seen.push(format!("{:?}->{:?} ({})", s.from, s.to, s.reason));
    }
    console_log!("state right after disconnect(): {closed:?}; states(): {seen:#?}");
    assert_eq!(closed, State::Closed);
    assert_eq!(server_clients(&user).await.len(), 1);
    let st = c.stats();
    console_log!("stats after all that: state {:?} reconnects {}", st.state, st.reconnects);
    assert_eq!(st.state, "open");
}

#[wasm_bindgen_test]
async fn a_token_function_that_fails() {
    let user = uid("t-token");
    let calls = Rc::new(RefCell::new(0u32));
    let n = Rc::clone(&calls);
    let c = builder(&user)
        .token_with(move || {
            *n.borrow_mut() += 1;
            let k = *n.borrow();
            async move {
                if k <= 2 {
                    Err(format!("no session yet ({k})"))
                } else {
                    Ok("tok-3".to_string())
                }
            }
        })
        .build()
        .unwrap();
    let mut errors = c.errors().unwrap();
    let e1 = within("e1", errors.next()).await.unwrap();
    let e2 = within("e2", errors.next()).await.unwrap();
    console_log!("token errors: {e1:?} / {e2:?}");
    assert_eq!(e1.code(), "TOKEN_FAILED");
    assert!(e1.message().contains("no session yet (1)"), "{e1}");
    until_open(&c).await;
    assert_eq!(*calls.borrow(), 3);
    let st = c.stats();
    console_log!("after the token worked: reconnect_attempts {}", st.reconnect_attempts);
    drop(c);
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
}

#[wasm_bindgen_test]
async fn a_token_function_pending_when_the_client_drops() {
    let user = uid("t-token-pending");
    let c = builder(&user)
        .token_with(|| async {
            TimeoutFuture::new(300).await;
            Ok::<_, String>("late".to_string())
        })
        .build()
        .unwrap();
    TimeoutFuture::new(50).await;
    drop(c);
    TimeoutFuture::new(400).await;
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    assert!(server_clients(&user).await.is_empty());
}

#[wasm_bindgen_test]
async fn url_lists() {
    for list in [
        vec![ws_url(), String::new()],
        vec!["not a url at all".to_string()],
        vec!["ftp://x.example/ws".to_string()],
        vec![ws_url(), "http://[::1".to_string()],
    ] {
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        let r = z::Client::builder().urls(&refs).build();
        console_log!(
            "urls({list:?}) -> {:?}",
            r.as_ref().err().map(|e| (e.code().to_string(), e.message().to_string()))
        );
        assert!(r.is_err());
    }
    let bad = z::Client::builder().url("ftp://x.example/ws").build();
    console_log!("url(ftp) -> {:?}", bad.as_ref().err());
    // A pool whose build fails on another option must not leak into the next client.
    let failed = z::Client::builder()
        .urls(&["ws://127.0.0.1:1/ws", "ws://127.0.0.1:2/ws"])
        .jitter(5.0)
        .build();
    assert!(failed.is_err());
    let user = uid("t-after-pool");
    let c = client(&user);
    until_open(&c).await;
    // A pool with one dead node and the live one fails over.
    let user2 = uid("t-pool");
    let p = builder(&user2)
        .urls(&["ws://127.0.0.1:1/ws", &ws_url()])
        .build()
        .unwrap();
    until_open(&p).await;
    assert_eq!(k("sockets"), 2.0);
}

#[wasm_bindgen_test]
async fn heartbeat_with_the_server_muted() {
    let user = uid("t-mute");
    let room = uid("room");
    let c = builder(&user)
        .heartbeat_interval(Duration::from_millis(200))
        .heartbeat_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut sub = c.subscribe::<u32>(&room).unwrap();
    let mut states = c.states().unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    control("mute", &format!("{{{}}}", target(&user))).await;
    let mut seen = Vec::new();
    within("heartbeat reconnect", async {
        while let Some(s) = states.next().await {
            seen.push(format!("{:?}->{:?} ({})", s.from, s.to, s.reason));
            if s.to == State::Open && seen.len() > 1 {
                break;
            }
        }
    })
    .await;
    console_log!("states with the server muted: {seen:?}");
    until_open(&c).await;
    // The old connection may linger muted server-side; wait for the new one's channels.
    within("resubscribed", async {
        loop {
            let list = server_clients(&user).await;
            let ok = list.iter().any(|x| {
                String::from(js_sys::JSON::stringify(&support::get(x, "channels")).unwrap())
                    == format!(r#"["{room}"]"#)
                    && !support::get(x, "muted").is_truthy()
            });
            if ok {
                break;
            }
            TimeoutFuture::new(20).await;
        }
    })
    .await;
    broadcast(&room, "7").await;
    assert_eq!(within("after", sub.next()).await.unwrap(), Ok(7));
}

#[wasm_bindgen_test]
async fn send_after_as_js_shut_down() {
    let user = uid("t-shutdown");
    let c = client(&user);
    until_open(&c).await;
    c.as_js().shut_down();
    let s = c.send("room", &1);
    let a = c.send_with_ack("room", &1);
    let a = match a {
        Ok(f) => within("ack", f).await.map(|_| ()),
        Err(e) => Err(e),
    };
    let r = within("req", c.request::<_, u32>("echo", &1).unwrap()).await;
    console_log!(
        "after shut_down: send {:?}; send_with_ack {:?}; request {:?}",
        s.as_ref().map_err(|e| e.code().to_string()),
        a.as_ref().map_err(|e| e.code().to_string()),
        r.as_ref().map_err(|e| e.code().to_string())
    );
    assert_eq!(s.unwrap_err().code(), "DISCONNECTED", "send's documented error");
}

#[wasm_bindgen_test]
async fn stats_in_every_state() {
    let user = uid("t-stats");
    let c = builder(&user).auto_connect(false).build().unwrap();
    let s0 = c.stats();
    c.connect();
    let s1 = c.stats();
    until_open(&c).await;
    let s2 = c.stats();
    control("terminate", &format!("{{{}}}", target(&user))).await;
    within("lost", async {
        while c.state() == State::Open {
            TimeoutFuture::new(5).await;
        }
    })
    .await;
    let s3 = c.stats();
    c.disconnect();
    let s4 = c.stats();
    for (what, s) in [
        ("before connect", &s0),
        ("connecting", &s1),
        ("open", &s2),
        ("lost", &s3),
        ("disconnected", &s4),
    ] {
        console_log!(
            "{what}: state {:?} user {:?} close {:?} {:?} protocol {:?}",
            s.state,
            s.user_id,
            s.last_close_code,
            s.last_close_reason,
            s.protocol
        );
        assert!(!s.state.is_empty(), "stats() fell back to the default {what}");
    }
}

#[wasm_bindgen_test]
async fn many_subscribe_drop_cycles() {
    let user = uid("t-cycles");
    let room = uid("room");
    let c = client(&user);
    until_open(&c).await;
    for _ in 0..500 {
        let a = c.subscribe::<u32>(&room).unwrap();
        let b = c.subscribe::<u32>(&room).unwrap();
        drop(a);
        drop(b);
    }
    let mut keep = c.subscribe::<u32>(&room).unwrap();
    let _s = c.states().unwrap();
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, "1").await;
    assert_eq!(within("kept", keep.next()).await.unwrap(), Ok(1));
    assert_eq!(maybe(100, keep.next()).await, None, "one copy only");
}

#[wasm_bindgen_test]
async fn builder_edges() {
    let cases: Vec<(&str, z::ClientBuilder)> = vec![
        ("max_queued_messages(0)", z::Client::builder().auto_connect(false).max_queued_messages(0)),
        ("max_reconnect_attempts(Some(0))", z::Client::builder().auto_connect(false).max_reconnect_attempts(Some(0))),
        ("reconnect_interval(500us)", z::Client::builder().auto_connect(false).reconnect_interval(Duration::from_micros(500))),
        ("heartbeat_timeout(50ms)", z::Client::builder().auto_connect(false).heartbeat_timeout(Duration::from_millis(50))),
        ("heartbeat_timeout(0)", z::Client::builder().auto_connect(false).heartbeat_timeout(Duration::ZERO)),
        ("connect_timeout(Duration::MAX)", z::Client::builder().auto_connect(false).connect_timeout(Duration::MAX)),
        ("jitter(NaN)", z::Client::builder().auto_connect(false).jitter(f64::NAN)),
        ("url(\"\")", z::Client::builder().auto_connect(false).url("")),
    ];
    for (what, b) in cases {
        let r = b.build();
        console_log!(
            "{what} -> {}",
            match &r {
                Ok(_) => "Ok".to_string(),
                Err(e) => format!("{} {}", e.code(), e.message()),
            }
        );
    }
}
