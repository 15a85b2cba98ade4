//! Building machines and reading the actions they return: what the scenario
//! tests (`tests/core_machine_*.rs`) and the random-sequence model
//! (`tests/machine_sim/`) look at.

use zantara_websocket::core::{Action, Close, Event, Machine, Options, Outgoing};

pub type M = Machine<String>;

/// The default options without jitter, so delays are exact.
pub fn opts() -> Options {
    Options {
        jitter: 0.0,
        ..Options::default()
    }
}

pub fn machine(o: &Options) -> M {
    Machine::new(o)
}

/// A machine connected at `now` whose socket has opened, actions taken
/// (the welcome has not arrived: user messages wait in the queue).
pub fn opened(o: &Options, now: f64) -> M {
    let mut m = machine(o);
    m.connect(now);
    let g = m.generation();
    m.on_open(now, g);
    m.take_actions();
    m
}

/// [`opened`], then a welcome at `now` (a frame of 0 bytes, counted in
/// `messages_in`): user messages go straight out. `v2`: the welcome
/// offered protocol v2 (acknowledgements).
pub fn welcomed(o: &Options, now: f64, v2: bool) -> M {
    let mut m = opened(o, now);
    let g = m.generation();
    m.set_protocol(g, v2);
    m.on_frame(
        now,
        g,
        Some(zantara_websocket::core::FrameType::Connected),
        0,
    );
    m.take_actions();
    m
}

pub fn events(acts: &[Action<String>]) -> Vec<&Event> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Emit(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// The frames sent: control frames as they are, user frames as `user:...`.
pub fn sent(acts: &[Action<String>]) -> Vec<String> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send(Outgoing::Control(s)) => Some(s.clone()),
            Action::Send(Outgoing::User(i, _)) => Some(format!("user:{}", i.frame)),
            _ => None,
        })
        .collect()
}

/// How many sockets the actions open.
pub fn opens(acts: &[Action<String>]) -> usize {
    acts.iter()
        .filter(|a| matches!(a, Action::Open { .. }))
        .count()
}

/// The `(attempt, delay_ms)` of the `reconnecting` event, if any.
pub fn reconnecting(acts: &[Action<String>]) -> Option<(u32, f64)> {
    events(acts).into_iter().find_map(|e| match e {
        Event::Reconnecting { attempt, delay_ms } => Some((*attempt, *delay_ms)),
        _ => None,
    })
}

pub fn cl(code: u16) -> Close<'static> {
    Close {
        code,
        reason: "bye",
        was_clean: true,
        unsent_bytes: 0,
    }
}

/// Closes the current socket with `code` at `now` and returns the actions.
pub fn close(m: &mut M, now: f64, code: u16) -> Vec<Action<String>> {
    let g = m.generation();
    m.on_close(now, g, &cl(code), 0.5);
    m.take_actions()
}
