//! An example Rust front-end on the Rust API (`zantara_websocket::typed`):
//! the reference server's `chat` channel live (the demo feed posts to it
//! every few seconds, and every open copy of the page does), a send box
//! with a delivery tick from the server's acknowledgement, the connection
//! state, and an answer streamed word by word from the server's `ask`
//! handler. Plain `wasm-bindgen` and `web-sys` DOM, no framework.
//!
//! Built by `bash scripts/rust-app.sh` into `www/public/rust-app/pkg/`
//! (the demo command does it) and served at `/rust-app/`.
#![cfg(target_arch = "wasm32")] // a browser app: nothing to build for the host

use std::rc::Rc;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlInputElement};
use zantara_websocket::typed::{Client, State};

/// A message of the `chat` channel, as the demo pages and the feed send it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Chat {
    text: String,
    user: String,
    #[serde(default)]
    timestamp: Option<String>,
}

/// A chunk of the `ask` stream.
#[derive(Debug, Deserialize)]
struct Word {
    text: String,
}

fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page")
}

fn by_id(id: &str) -> Element {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("#{id} in index.html"))
}

/// Appends a line to the message list; returns its tick element.
fn add_line(who: &str, text: &str, mine: bool) -> Element {
    let doc = document();
    let li = doc.create_element("li").unwrap();
    li.set_class_name(if mine { "line mine" } else { "line" });
    let name = doc.create_element("b").unwrap();
    name.set_text_content(Some(who));
    let body = doc.create_element("span").unwrap();
    body.set_text_content(Some(text));
    let tick = doc.create_element("i").unwrap();
    tick.set_class_name("tick");
    li.append_child(&name).unwrap();
    li.append_child(&body).unwrap();
    li.append_child(&tick).unwrap();
    let list = by_id("lines");
    list.append_child(&li).unwrap();
    list.set_scroll_top(list.scroll_height());
    tick
}

/// `?user=NAME` of the page's URL, if given.
fn user_from_query() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("user="))?;
    let decoded = js_sys::decode_uri_component(&value.replace('+', " ")).ok()?;
    Some(String::from(decoded)).filter(|u| !u.is_empty())
}

/// Starts the page.
#[wasm_bindgen(start)]
pub fn start() -> Result<(), JsValue> {
    let user = user_from_query()
        .unwrap_or_else(|| format!("rust-{}", (js_sys::Math::random() * 9000.0) as u32 + 1000));
    by_id("me").set_text_content(Some(&user));
    // The page's own origin at /ws (the default URL), like the other demo pages.
    let client = Client::builder()
        .user_id(&user)
        .build()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let client = Rc::new(client);

    // The connection state, as it changes.
    let mut states = client
        .states()
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    spawn_local(async move {
        while let Some(change) = states.next().await {
            let pill = by_id("state");
            let name = match change.to {
                State::Connecting => "connecting",
                State::Open => "open",
                State::Reconnecting => "reconnecting",
                State::Closed => "closed",
            };
            pill.set_text_content(Some(name));
            pill.set_attribute("data-state", name).unwrap();
        }
    });

    // The live channel, typed. A payload of another shape is shown as such; the stream goes on.
    let mut chat = client
        .subscribe::<Chat>("chat")
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    spawn_local(async move {
        while let Some(item) = chat.next().await {
            match item {
                Ok(m) => drop(add_line(&m.user, &m.text, false)),
                Err(e) => drop(add_line("?", e.message(), false)),
            }
        }
    });

    // The send box: a line at once, its tick when the server acknowledges it.
    let form = by_id("send");
    let sender = Rc::clone(&client);
    let me = user.clone();
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        e.prevent_default();
        let input: HtmlInputElement = by_id("text").dyn_into().unwrap();
        let text = input.value();
        if text.trim().is_empty() {
            return;
        }
        input.set_value("");
        let tick = add_line(&me, &text, true);
        let message = Chat {
            text,
            user: me.clone(),
            timestamp: Some(String::from(js_sys::Date::new_0().to_iso_string())),
        };
        match sender.send_with_ack("chat", &message) {
            Ok(ack) => {
                tick.set_text_content(Some("…"));
                spawn_local(async move {
                    match ack.await {
                        Ok(d) => {
                            tick.set_text_content(Some(if d.confirmed { "✓✓" } else { "✓" }));
                            tick.set_attribute("data-status", "confirmed").unwrap();
                        }
                        Err(e) => {
                            tick.set_text_content(Some("!"));
                            tick.set_attribute("title", e.message()).unwrap();
                            tick.set_attribute("data-status", "failed").unwrap();
                        }
                    }
                });
            }
            Err(e) => tick.set_text_content(Some(e.message())),
        }
    });
    form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref())?;
    on_submit.forget(); // the page's lifetime

    // Ask: the server's answer, streamed word by word.
    let asker = Rc::clone(&client);
    let on_ask = Closure::<dyn FnMut()>::new(move || {
        let answer = by_id("answer");
        answer.set_text_content(Some(""));
        #[derive(Serialize)]
        struct Ask {
            question: &'static str,
        }
        match asker.stream::<_, Word>(
            "ask",
            &Ask {
                question: "What is zantara-websocket?",
            },
        ) {
            Ok(mut words) => spawn_local(async move {
                while let Some(word) = words.next().await {
                    match word {
                        Ok(w) => {
                            let so_far = answer.text_content().unwrap_or_default();
                            answer.set_text_content(Some(&(so_far + &w.text)));
                        }
                        Err(e) => answer.set_text_content(Some(e.message())),
                    }
                }
            }),
            Err(e) => answer.set_text_content(Some(e.message())),
        }
    });
    by_id("ask").add_event_listener_with_callback("click", on_ask.as_ref().unchecked_ref())?;
    on_ask.forget();

    // The client lives as long as the page.
    std::mem::forget(client);
    Ok(())
}
