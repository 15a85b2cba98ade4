//! A model of the shell around the state machine, for
//! `tests/core_machine_random.rs`: [`Sim`] drives a [`Machine`] with random
//! calls and socket, clock and page events, carries out its actions as the
//! shell does, and checks every step against models of what it owes (the
//! queue, subscriptions, counters, the close and backoff policies).
//!
//! - `run.rs`: setting up a run, the clock, picking and making each step.
//! - `calls.rs`: the application's and the page's calls.
//! - `socket.rs`: the socket's events, and stale ones.
//! - `clock.rs`: timer ticks, the socket created or failing without a
//!   close, frames credited, probes, and steps of the wall clock.
//! - `shell.rs`: carrying out the actions, checking each event.
//! - `checks.rs`: what must hold after each kind of step and after every one.

use std::collections::VecDeque;

use zantara_websocket::core::frame;
use zantara_websocket::core::{Action, CloseReaction, ConnState, Machine, Options, Outgoing};

use crate::core_support::json::{parse_json, Json};
use crate::core_support::rng::Rng;

mod calls;
mod checks;
mod clock;
mod run;
mod shell;
mod socket;

/// The shell's view of its socket.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sock {
    gen: u32,
    /// Its `open` event was delivered (and accepted).
    opened: bool,
    /// Its `readyState` left OPEN (closing): every send fails from now on.
    dead: bool,
    /// When the attempt started (its `Open` action).
    started: f64,
    /// The shell created the WebSocket (`socket_created` or an `error`).
    created: bool,
    /// When it fired `error` while connecting.
    error_at: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Connect,
    Disconnect,
    Subscribe,
    Unsubscribe,
    Send,
    Open,
    OpenStale,
    Frame,
    FrameStale,
    Close,
    CloseStale,
    Tick,
    Online,
    PageHide,
    PageShow,
    Die,
    OpenFailed,
    OpenFailedStale,
    FrameDropped,
    Created,
    SocketError,
    SocketErrorStale,
    Credit,
    Probe,
    Wall,
}

const OPS: [(Op, u64); 25] = [
    (Op::Connect, 4),
    (Op::Disconnect, 2),
    (Op::Subscribe, 6),
    (Op::Unsubscribe, 3),
    (Op::Send, 16),
    (Op::Open, 8),
    (Op::OpenStale, 2),
    (Op::Frame, 10),
    (Op::FrameStale, 2),
    (Op::Close, 5),
    (Op::CloseStale, 2),
    (Op::Tick, 22),
    (Op::Online, 3),
    (Op::PageHide, 2),
    (Op::PageShow, 3),
    (Op::Die, 2),
    (Op::OpenFailed, 2),
    (Op::OpenFailedStale, 1),
    (Op::FrameDropped, 1),
    (Op::Created, 5),
    (Op::SocketError, 2),
    (Op::SocketErrorStale, 1),
    (Op::Credit, 5),
    (Op::Probe, 2),
    (Op::Wall, 3),
];

/// What the runs reached, to show the fuzzer gets deep into the machine.
#[derive(Debug, Default, Clone)]
pub(crate) struct Coverage {
    pub(crate) runs: u64,
    pub(crate) steps: u64,
    opens: u64,
    opened: u64,
    connected: u64,
    user_sent: u64,
    refused_full: u64,
    send_failures: u64,
    requeue_refused: u64,
    reconnecting: u64,
    reconnect_failed: u64,
    heartbeat_timeouts: u64,
    connect_timeouts: u64,
    pings: u64,
    pongs: u64,
    stale_events: u64,
    disconnects: u64,
    page_hides: u64,
    offline_waits: u64,
    offline_rechecks: u64,
    token_timeouts: u64,
    socket_failures: u64,
    probe_pings: u64,
    sleep_probes: u64,
    late_ticks: u64,
}

impl Coverage {
    pub(crate) fn add(&mut self, o: &Coverage) {
        self.runs += o.runs;
        self.steps += o.steps;
        self.opens += o.opens;
        self.opened += o.opened;
        self.connected += o.connected;
        self.user_sent += o.user_sent;
        self.refused_full += o.refused_full;
        self.send_failures += o.send_failures;
        self.requeue_refused += o.requeue_refused;
        self.reconnecting += o.reconnecting;
        self.reconnect_failed += o.reconnect_failed;
        self.heartbeat_timeouts += o.heartbeat_timeouts;
        self.connect_timeouts += o.connect_timeouts;
        self.pings += o.pings;
        self.pongs += o.pongs;
        self.stale_events += o.stale_events;
        self.disconnects += o.disconnects;
        self.page_hides += o.page_hides;
        self.offline_waits += o.offline_waits;
        self.offline_rechecks += o.offline_rechecks;
        self.token_timeouts += o.token_timeouts;
        self.socket_failures += o.socket_failures;
        self.probe_pings += o.probe_pings;
        self.sleep_probes += o.sleep_probes;
        self.late_ticks += o.late_ticks;
    }
}

/// The machine's public state before a call.
#[derive(Debug, Clone, Copy)]
struct Before {
    gen: u32,
    state: ConnState,
    writable: bool,
    /// A user message goes straight out (open, welcomed, nothing waiting).
    can_send: bool,
    /// The open link's welcome arrived (or its grace ran out).
    welcomed: bool,
    attempt: u32,
    deadline: Option<f64>,
}

/// What a loss (close, failed open, timeout) must lead to.
struct Loss {
    was_open: bool,
    code: u16,
    reaction: CloseReaction,
    random: f64,
    zero_delay: bool,
}

/// A machine, a model of the shell around it, and models of what it owes.
pub(crate) struct Sim {
    rng: Rng,
    pub(crate) o: Options,
    m: Machine<String>,
    weights: Vec<u64>,
    /// The machine's clock: monotonic.
    now: f64,
    max_now: f64,
    /// The wall clock's offset, once set.
    wall: Option<f64>,
    // The shell.
    sock: Option<Sock>,
    last_open_gen: Option<u32>,
    old_gens: Vec<u32>,
    state: ConnState,
    subs: Vec<String>,
    online: bool,
    hidden: bool,
    connected_emitted: bool,
    ping: Option<f64>,
    /// When the last frame on the open socket arrived (or it opened).
    last_heard: f64,
    /// This step delivered a live `open` event.
    just_opened: bool,
    // User frames: ids in acceptance order; "id:size" is the frame.
    next_id: u64,
    immediate: Option<u64>,
    queue: VecDeque<(u64, usize)>,
    accepted: u64,
    requeue_refused: u64,
    sent_user: u64,
    last_sent: Option<u64>,
    // Expected counters.
    out_msgs: u64,
    out_bytes: u64,
    in_msgs: u64,
    in_bytes: u64,
    errors: u64,
    dropped: u64,
    connections: u64,
    pub(crate) log: VecDeque<String>,
    pub(crate) cov: Coverage,
}

/// The close policy's defaults, restated (RFC 6455 §7.4.1 and the docs).
fn default_reaction(code: u16) -> CloseReaction {
    match code {
        1008 | 4500..=4999 => CloseReaction::Stop,
        1013 => CloseReaction::ReconnectSlow,
        _ => CloseReaction::Reconnect,
    }
}

fn frame_of(id: u64, size: usize) -> String {
    format!("{id}:{size}")
}

fn parse_frame(f: &str) -> (u64, usize) {
    let (id, size) = f.split_once(':').expect("a frame made by the test");
    (id.parse().unwrap(), size.parse().unwrap())
}

fn control_frames(acts: &[Action<String>]) -> Vec<&str> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send(Outgoing::Control(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// `(type, channel)` of a control frame, after checking it is valid JSON of
/// the expected shape, stamped with the wall clock `wall`.
fn parse_control(text: &str, wall: f64) -> (String, Option<String>) {
    let Ok(Json::Obj(kv)) = parse_json(text) else {
        panic!("control frame is not a JSON object: {text:?}");
    };
    let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let Some(Json::Str(kind)) = get("type") else {
        panic!("control frame without a string type: {text:?}");
    };
    assert_eq!(
        get("timestamp"),
        Some(Json::Str(frame::iso8601(wall))),
        "{text:?}"
    );
    let channel = match get("channel") {
        Some(Json::Str(c)) => {
            assert_eq!(keys, ["type", "channel", "timestamp"], "{text:?}");
            Some(c)
        }
        None => {
            assert_eq!(keys, ["type", "timestamp"], "{text:?}");
            None
        }
        Some(other) => panic!("channel is not a string: {other:?}"),
    };
    (kind, channel)
}

fn excerpt_for_log(s: &str) -> String {
    frame::excerpt(s, 24)
}
