//! The README's "Using it from Rust" example, kept compiling (clippy --all-targets with the
//! feature `rust-api`); tests/js/readme-rust.test.mjs fails when the two differ.
#![cfg(target_arch = "wasm32")] // a browser app: nothing to build for the host
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use zantara_websocket::typed::{Client, Error, Sent};

#[derive(Serialize, Deserialize)]
struct Chat {
    text: String,
    user: String,
}

#[derive(Serialize)]
struct Ask {
    question: String,
}

#[derive(Deserialize)]
struct Word {
    text: String,
}

fn log(s: &str) {
    web_sys::console::log_1(&s.into());
}

async fn run() -> Result<(), Error> {
    let client = Client::builder()
        .url("wss://chat.example.com/ws") // or .urls(&[…]) for a cluster's nodes
        .user_id("alice")
        .token_with(|| async { Ok::<_, String>("a-fresh-jwt".to_string()) }) // asked before every connect
        .build()?; // INVALID_OPTION / INVALID_URL, as in JS
    let mut chat = client.subscribe::<Chat>("chat")?; // a Stream of Result<Chat, Error>
    let mut states = client.states()?; // a Stream of StateChange {from, to, reason}
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(change) = states.next().await {
            log(&format!("{:?}", change.to));
        }
    });

    let me = |text: &str| Chat {
        text: text.into(),
        user: "alice".into(),
    };
    let sent: Sent = client.send("chat", &me("hi"))?; // Sent or Queued
    let delivery = client.send_with_ack("chat", &me("ok?"))?.await?; // Delivery {id, confirmed}
    let reply: Chat = client.request("echo", &me("ping"))?.await?; // 10 s timeout by default
    let mut answer = client.stream::<_, Word>(
        "ask",
        &Ask {
            question: "hello".into(),
        },
    )?;
    while let Some(word) = answer.next().await {
        log(&word?.text);
    }
    log(&format!("{sent:?} {} {}", delivery.confirmed, reply.text));

    while let Some(item) = chat.next().await {
        match item {
            Ok(m) => log(&format!("{}: {}", m.user, m.text)),
            Err(e) => log(e.message()), // DECODE_FAILED: a payload of another shape; the stream goes on
        }
    }
    Ok(())
}

#[wasm_bindgen(start)]
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = run().await {
            log(&e.to_string());
        }
    });
}
