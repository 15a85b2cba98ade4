//! # zantara-websocket
//!
//! A browser WebSocket client SDK written in Rust and compiled to WebAssembly.
//! It keeps the API of the legacy `js/zantara-websocket.js` client (`new
//! ZantaraWebSocket(userId, options)`, `subscribe`, `sendMessage`, `on`, ...)
//! and adds reconnect with backoff and jitter, heartbeats that catch half-open
//! links, an offline queue, close-code policy and health statistics.
//!
//! The crate has two layers:
//! - [`core`]: plain Rust with no browser dependency. Every decision lives here
//!   (options, backoff, heartbeat deadlines, subscriptions, the outbound queue,
//!   the close-code policy, frame encoding, URL building, stats). It takes the
//!   current time and random numbers as arguments and returns what to do, so
//!   it is tested natively with `cargo test`, deterministically.
//! - `shell` (wasm32 only): the `#[wasm_bindgen]` class `ZantaraWebSocket`,
//!   which owns the `WebSocket`, the single wake-up timer and the page event
//!   listeners, carries events into the core and carries its answers out.
#![deny(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
mod shell;

#[cfg(target_arch = "wasm32")]
pub use shell::{debug_counters, ZantaraWebSocket};
