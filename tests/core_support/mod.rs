//! Shared helpers of the native core tests (`tests/core_*.rs`): included by
//! each of them with `mod core_support;`.
//!
//! - [`rng`]: the seeded SplitMix64 generator, the seed list and budgets,
//!   and [`rng::run_cases`], which runs a property over them.
//! - [`gen`]: generators of adversarial strings, URLs, numbers and options.
//! - [`json`] and [`oracle`]: a JSON parser, a percent-decoder and a
//!   calendar, written independently of the core, to check it against.
//! - [`machine`]: building machines and reading the actions they return
//!   (`events`, `sent`, `opens`, `reconnecting`, ...).
//!
//! The property tests run a bounded number of iterations over a fixed seed
//! list; two environment variables change that:
//!
//! - `ZANTARA_FUZZ_ITERS=1000000 cargo test --release --tests -- --nocapture`
//!   runs longer (iterations per property, shared by seeds).
//! - `ZANTARA_FUZZ_SEED=0x1234` runs one seed only.
//!
//! A failure prints the seed and iteration (and, for the state machine, the
//! last calls made) so it can be replayed exactly.

// Each test file is a crate of its own and uses only part of these helpers:
// what one of them leaves unused is not dead code.
#![allow(dead_code)]

pub mod gen;
pub mod json;
pub mod machine;
pub mod oracle;
pub mod rng;
