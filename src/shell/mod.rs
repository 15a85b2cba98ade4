//! The browser shell: the `#[wasm_bindgen]` class `ZantaraWebSocket` and the
//! JS resources that carry the core's decisions out. Dependencies run one
//! way, from the top of this list down; nothing below calls back up except
//! through a callback or trait value it was given.
//!
//! - `api`: the exported class; argument checks, then calls into `client`.
//! - `client`: one client's state and loop: the core, running its actions,
//!   socket and page events in, the token wait, event dispatch.
//! - `options`: the JS `options` object read into the core's `Options`.
//! - `events`: delivering events to handlers (the welcome, the debug log,
//!   handlers that throw); `payloads`: the JS values of each event and of
//!   `getStats()`.
//! - `hub`: what all clients share (the JS half's one entry point, one
//!   timer, one set of page listeners, the live set, `debugCounters()`); it
//!   knows clients through its `Member` trait. `token`: the token option.
//! - `emitter`: the handler registry (in `emitter.js`) and the listener's
//!   counts, through the client's JS state.
//! - `boundary`: bindings to the JS half (`boundary.js`); `util`: a leaf.

mod api;
mod boundary;
mod client;
mod emitter;
mod events;
mod hub;
mod options;
mod payloads;
mod token;
mod util;

pub use api::ZantaraWebSocket;
#[cfg(feature = "rust-api")]
pub(crate) use api::{error as sdk_error, Outcome};
#[cfg(feature = "rust-api")]
pub(crate) use boundary::{set_pool, url_pool};
pub use hub::debug_counters;
#[cfg(feature = "rust-api")]
pub(crate) use util::to_js_error as js_error;
