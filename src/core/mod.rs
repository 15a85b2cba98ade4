//! The pure core: every decision of the client, with no browser dependency.
//!
//! Each piece takes the current time (`now_ms`: for the state machine, a
//! monotonic clock in ms, as `performance.now()` gives it; the wall clock is
//! given separately) and random numbers in `[0, 1)` as arguments, so
//! the browser shell stays a thin carrier of events and the logic is tested
//! natively and deterministically.

pub mod backoff;
pub mod close;
pub mod codes;
pub mod error;
pub mod frame;
pub mod machine;
pub mod options;
pub mod queue;
pub mod stats;
pub mod subs;

pub use backoff::{Backoff, BackoffKind};
pub use close::{CloseDecision, ClosePolicy, CloseReaction};
pub use codes::{ChannelFault, Verdict};
pub use error::{Arg, Error};
pub use frame::{FrameType, RESERVED_EVENTS};
pub use machine::{Action, Close, ConnState, Event, Machine, Outgoing};
pub use options::Options;
pub use queue::{Item, Queue};
pub use stats::Stats;
pub use subs::Subs;
