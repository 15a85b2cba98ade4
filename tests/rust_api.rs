//! The Rust API (feature `rust-api`, `zantara_websocket::typed`) in headless
//! Chromium against the reference server: typed receive, a payload that does
//! not decode (an item error; the stream goes on), a reconnect seen through
//! the same stream, subscriptions shared and released, typed sends, the
//! acknowledgement future, requests and server streams (and what dropping
//! them does), and a dropped client leaving no socket, timer or listener.
#![cfg(all(target_arch = "wasm32", feature = "rust-api"))]

mod support;

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use support::{
    assert_counters_zero, call, control, num, server_clients, target, uid, until_channels, ws_url,
};
use wasm_bindgen_test::*;
use zantara_websocket::typed::{self as z, Sent, State};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Chat {
    text: String,
    n: u32,
}

/// `fut`, or a panic naming `what` after 8 s.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match select(Box::pin(fut), TimeoutFuture::new(8000)).await {
        Either::Left((v, _)) => v,
        Either::Right(_) => panic!("timed out: {what}"),
    }
}

fn client(user: &str) -> z::Client {
    z::Client::builder()
        .url(&ws_url())
        .user_id(user)
        .reconnect_interval(Duration::from_millis(100))
        .max_reconnect_interval(Duration::from_millis(400))
        .jitter(0.0)
        .build()
        .expect("valid options")
}

async fn until_open(c: &z::Client) {
    let mut states = c.states().unwrap();
    if c.state() == State::Open && c.stats().protocol.is_some() {
        return;
    }
    within("open", async {
        while let Some(s) = states.next().await {
            if s.to == State::Open {
                break;
            }
        }
    })
    .await;
    // Welcomed (the subscriptions went out) once stats report a protocol.
    within("welcomed", async {
        while c.stats().protocol.is_none() {
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

#[wasm_bindgen_test]
async fn typed_receive_and_a_bad_payload_is_an_item_error() {
    let user = uid("rs-typed");
    let room = uid("rs-room");
    let c = client(&user);
    let mut chat = c.subscribe::<Chat>(&room).unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"hi","n":1}"#).await;
    broadcast(&room, r#"{"text":42}"#).await;
    broadcast(&room, r#"{"text":"after","n":2}"#).await;
    let first = within("first", chat.next()).await.unwrap();
    assert_eq!(
        first,
        Ok(Chat {
            text: "hi".into(),
            n: 1
        })
    );
    let bad = within("second", chat.next()).await.unwrap().unwrap_err();
    assert_eq!(bad.code(), z::Error::DECODE_FAILED);
    assert!(bad.message().contains("invalid type"), "{bad}");
    let third = within("third", chat.next()).await.unwrap();
    assert_eq!(
        third,
        Ok(Chat {
            text: "after".into(),
            n: 2
        })
    );
}

#[wasm_bindgen_test]
async fn the_stream_goes_on_across_a_reconnect() {
    let user = uid("rs-reconnect");
    let room = uid("rs-room");
    let c = client(&user);
    let mut chat = c.subscribe::<Chat>(&room).unwrap();
    let mut states = c.states().unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"before","n":1}"#).await;
    assert_eq!(within("before", chat.next()).await.unwrap().unwrap().n, 1);

    control("terminate", &format!("{{{}}}", target(&user))).await;
    // Seen through the state stream: open -> reconnecting -> ... -> open.
    let mut seen = Vec::new();
    within("reconnected", async {
        while let Some(s) = states.next().await {
            seen.push(s.to);
            if s.to == State::Open && seen.contains(&State::Reconnecting) {
                break;
            }
        }
    })
    .await;
    // Subscribed again on the new connection, with no call of ours.
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"after","n":2}"#).await;
    assert_eq!(within("after", chat.next()).await.unwrap().unwrap().n, 2);
    assert_eq!(c.stats().reconnects, 1.0);
}

#[wasm_bindgen_test]
async fn dropping_the_last_subscription_unsubscribes() {
    let user = uid("rs-drop-sub");
    let room = uid("rs-room");
    let c = client(&user);
    let mut a = c.subscribe::<Chat>(&room).unwrap();
    let mut b = c.subscribe::<serde_json_like::Value>(&room).unwrap();
    until_open(&c).await;
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    broadcast(&room, r#"{"text":"both","n":1}"#).await;
    assert_eq!(within("a", a.next()).await.unwrap().unwrap().n, 1);
    assert!(within("b", b.next()).await.unwrap().is_ok());

    drop(a);
    assert_eq!(c.subscriptions(), vec![room.clone()], "b still holds it");
    broadcast(&room, r#"{"text":"b only","n":2}"#).await;
    assert!(within("b again", b.next()).await.unwrap().is_ok());
    until_channels(&user, &format!(r#"["{room}"]"#)).await;

    drop(b);
    assert!(c.subscriptions().is_empty());
    until_channels(&user, "[]").await;
}

#[wasm_bindgen_test]
async fn typed_sends_acknowledgements_requests_and_streams() {
    let user = uid("rs-send");
    let room = uid("rs-room");
    // Sent before connecting: queued, then delivered once connected.
    let c = z::Client::builder()
        .url(&ws_url())
        .user_id(&user)
        .auto_connect(false)
        .build()
        .unwrap();
    let peer_user = uid("rs-peer");
    let peer = client(&peer_user);
    let mut got = peer.subscribe::<Chat>(&room).unwrap();
    until_open(&peer).await;
    until_channels(&peer_user, &format!(r#"["{room}"]"#)).await;
    assert_eq!(
        c.send(
            &room,
            &Chat {
                text: "queued".into(),
                n: 1
            }
        ),
        Ok(Sent::Queued)
    );
    c.connect();
    assert_eq!(within("queued", got.next()).await.unwrap().unwrap().n, 1);
    until_open(&c).await;
    assert_eq!(
        c.send(
            &room,
            &Chat {
                text: "direct".into(),
                n: 2
            }
        ),
        Ok(Sent::Sent)
    );
    assert_eq!(within("direct", got.next()).await.unwrap().unwrap().n, 2);

    let ack = c
        .send_with_ack(
            &room,
            &Chat {
                text: "acked".into(),
                n: 3,
            },
        )
        .unwrap();
    let delivery = within("ack", ack).await.unwrap();
    assert!(delivery.confirmed);
    assert_eq!(delivery.id, 3, "the third message of this client");
    assert_eq!(within("acked", got.next()).await.unwrap().unwrap().n, 3);

    // Bad input: a clear error, nothing sent.
    assert_eq!(c.send("", &1).unwrap_err().code(), "INVALID_CHANNEL");
    assert_eq!(c.send("error", &1).unwrap_err().code(), "RESERVED_CHANNEL");
    assert_eq!(
        c.subscribe::<Chat>("connected")
            .err()
            .map(|e| e.code().to_string()),
        Some("RESERVED_CHANNEL".into())
    );

    let echoed: Chat = within(
        "echo",
        c.request(
            "echo",
            &Chat {
                text: "ping".into(),
                n: 7,
            },
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        echoed,
        Chat {
            text: "ping".into(),
            n: 7
        }
    );
    let missing = within(
        "unknown",
        c.request::<_, Chat>("no-such-method", &0).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.code(), "NOT_FOUND");
    let slow = c
        .request::<_, serde_json_like::Value>("slow", &serde_json_like::ms(2000))
        .unwrap();
    let timed_out = within("timeout", slow.timeout(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert_eq!(timed_out.code(), "TIMEOUT");

    #[derive(Deserialize)]
    struct Word {
        text: String,
        index: u32,
    }
    let words: Vec<Result<Word, z::Error>> = within(
        "stream",
        c.stream("ask", &serde_json_like::words(5))
            .unwrap()
            .collect::<Vec<_>>(),
    )
    .await;
    let words: Vec<Word> = words.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        words.iter().map(|w| w.index).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    assert!(!words[0].text.is_empty());

    // A stream dropped before its end is cancelled: the server is told and stops.
    let mut long = c
        .stream::<_, Word>("ask", &serde_json_like::words(1000))
        .unwrap();
    assert!(within("first word", long.next()).await.unwrap().is_ok());
    drop(long);
    let before = c.stats().messages_in;
    // A bounded quiet window: uncancelled, about 60 chunks would arrive in it (one every 5 ms);
    // at most those already on the wire when the server heard the cancel do.
    TimeoutFuture::new(300).await;
    let after = c.stats().messages_in;
    assert!(
        after - before < 5.0,
        "chunks after the cancel: {}",
        after - before
    );
}

#[wasm_bindgen_test]
async fn dropping_the_client_leaves_nothing_and_ends_its_streams() {
    let user = uid("rs-drop-client");
    let room = uid("rs-room");
    let c = client(&user);
    let mut chat = c.subscribe::<Chat>(&room).unwrap();
    let mut errors = c.errors().unwrap();
    until_open(&c).await;
    drop(c);
    assert_eq!(
        within("end", chat.next()).await,
        None,
        "the stream ends with its client"
    );
    assert_eq!(within("end", errors.next()).await, None);
    assert_counters_zero(&["sockets", "timers", "listeners", "live"]);
    within("server side gone", async {
        while !server_clients(&user).await.is_empty() {
            TimeoutFuture::new(20).await;
        }
    })
    .await;
}

#[wasm_bindgen_test]
async fn bad_options_fail_build_with_the_core_s_message() {
    let e = z::Client::builder()
        .url(&ws_url())
        .jitter(2.0)
        .build()
        .err()
        .unwrap();
    assert_eq!(e.code(), "INVALID_OPTION");
    assert!(e.message().contains("jitter"), "{e}");
    let e = z::Client::builder().urls(&[]).build().err().unwrap();
    assert_eq!(e.code(), "INVALID_URL");
    let k = zantara_websocket::debug_counters();
    assert_eq!(num(&k, "sockets"), 0.0);
}

/// Small JSON values without a JSON crate.
mod serde_json_like {
    use serde::{Deserialize, Serialize};

    /// Any payload (its shape is not checked).
    #[derive(Debug, Deserialize)]
    pub struct Value {}

    #[derive(Serialize)]
    pub struct Ms {
        ms: u32,
    }

    /// `{ms}` for the `slow` request.
    pub fn ms(ms: u32) -> Ms {
        Ms { ms }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Ask {
        question: &'static str,
        words: u32,
        delay_ms: u32,
    }

    /// `ask` data for an answer of `words` words, one every 5 ms.
    pub fn words(words: u32) -> Ask {
        Ask {
            question: "hello",
            words,
            delay_ms: 5,
        }
    }
}

#[wasm_bindgen_test]
async fn refusals_say_why_and_leave_nothing_behind() {
    let user = uid("rs-refusals");
    let room = uid("rs-room");
    let c = z::Client::builder()
        .url(&ws_url())
        .user_id(&user)
        .close_code(4001, z::CloseAction::Stop)
        .build()
        .unwrap();
    until_open(&c).await;
    assert_eq!(
        c.subscribe::<Chat>("").err().unwrap().code(),
        "INVALID_CHANNEL"
    );
    assert!(c.subscriptions().is_empty());
    // Refused before the shell took its callback: nothing kept (20,000 calls grew wasm memory by
    // about 1.5 MiB when each leaked its callback).
    let memory = || num(&zantara_websocket::debug_counters(), "wasmMemoryBytes");
    let bad: std::collections::HashMap<u32, u32> = [(1, 1)].into_iter().collect();
    let before = memory();
    for _ in 0..20_000 {
        assert_eq!(
            c.send_with_ack(&room, &bad).err().unwrap().code(),
            "UNSERIALIZABLE"
        );
        assert_eq!(
            c.request::<_, u32>("", &1).err().unwrap().code(),
            "INVALID_CHANNEL"
        );
    }
    assert!(
        memory() - before < 256.0 * 1024.0,
        "wasm memory grew by {} B",
        memory() - before
    );

    // A subscription dropped by a JavaScript-API handler in the middle of a dispatch: its closure
    // is not called after being dropped (that threw, reported as HANDLER_THREW).
    let slot: std::rc::Rc<std::cell::RefCell<Option<z::Subscription<u32>>>> = Default::default();
    let s2 = slot.clone();
    let f = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| {
        s2.borrow_mut().take();
    });
    c.as_js()
        .on(room.as_str().into(), f.as_ref().clone())
        .unwrap();
    *slot.borrow_mut() = Some(c.subscribe::<u32>(&room).unwrap());
    until_channels(&user, &format!(r#"["{room}"]"#)).await;
    let errors_before = c.stats().errors;
    broadcast(&room, "1").await;
    within("dropped", async {
        while slot.borrow().is_some() {
            TimeoutFuture::new(10).await;
        }
    })
    .await;
    TimeoutFuture::new(200).await; // a bounded quiet window for a late HANDLER_THREW
    assert_eq!(c.stats().errors, errors_before);

    // Shut down through the JavaScript API: a send is DISCONNECTED, not QUEUE_FULL.
    c.as_js().shut_down();
    assert_eq!(c.send(&room, &1).unwrap_err().code(), "DISCONNECTED");
}
