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
//!
//! Feature `std` (on by default) builds with the standard library. The npm
//! package is built without it (`--no-default-features`): on wasm32 the
//! crate then brings its own allocator and panic handler (`bare.rs`), which
//! keeps `core::fmt` and std's allocator out of the module.
#![deny(missing_docs)]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What the std prelude gives, for the build without std.
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod bare;

pub mod core;

#[cfg(target_arch = "wasm32")]
mod shell;

#[cfg(target_arch = "wasm32")]
pub use shell::{debug_counters, ZantaraWebSocket};

#[cfg(all(target_arch = "wasm32", feature = "rust-api"))]
pub mod typed;
