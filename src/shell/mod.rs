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
//! - `socket`, `wake`, `token`, `registry` + `page`: one JS resource each,
//!   released on drop, reporting through a callback (`SocketEvent`,
//!   `PageEvent`) or the `PageSink` trait.
//! - `emitter`: the handler registry (in `emitter.js`) and the listener's
//!   counts.
//! - `boundary`: bindings to the JS half (`boundary.js`, `emitter.js`) and
//!   the hand-over of the core's rules; `counters`, `util`: leaves.

mod api;
mod boundary;
mod client;
mod counters;
mod emitter;
mod events;
mod options;
mod page;
mod payloads;
mod registry;
mod socket;
mod token;
mod util;
mod wake;

pub use api::ZantaraWebSocket;
pub use counters::debug_counters;
