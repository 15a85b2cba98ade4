#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of the state machine (`core::machine`), native, with
//! injected time and randomness: heartbeats, what proves a link alive, and
//! the timeouts that replace a dead or stuck socket.

mod core_support;

use core_support::machine::{events, machine, opened, opens, opts, reconnecting, sent};
use zantara_websocket::core::{Action, ConnState, Event, FrameType, Options};

#[test]
fn heartbeat_pings_measures_rtt_and_declares_dead_link() {
    let o = Options {
        heartbeat_interval: 1000.0,
        heartbeat_timeout: 3000.0,
        welcome_timeout: 1e9,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    let g = m.generation();
    m.tick(1000.0, 0.0, 0);
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].starts_with(r#"{"type":"ping""#));
    m.on_frame(1042.0, g, Some(FrameType::Pong), 40);
    assert_eq!(events(&m.take_actions()), [&Event::Pong { rtt_ms: 42.0 }]);
    assert_eq!(m.stats().rtt_ms, Some(42.0));
    assert_eq!(m.stats().last_pong_ms, Some(1042.0));
    // Server goes silent: pings continue, then the link is dead 3000 ms after
    // the last frame, within heartbeatTimeout plus one interval.
    m.tick(2000.0, 0.0, 0);
    m.tick(3000.0, 0.0, 0);
    assert_eq!(sent(&m.take_actions()).len(), 2);
    assert_eq!(m.next_deadline(), Some(4000.0));
    m.tick(4041.0, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 0);
    m.tick(4042.0, 0.0, 77);
    let acts = m.take_actions();
    assert_eq!(
        acts[0],
        Action::Drop {
            code: 4000,
            reason: "heartbeat timeout"
        }
    );
    assert!(events(&acts).iter().any(|e| matches!(
        e,
        Event::Disconnected {
            code: 1006,
            unsent_bytes: 77,
            will_reconnect: true,
            ..
        }
    )));
    assert_eq!(
        reconnecting(&acts),
        Some((1, 0.0)),
        "a dead link is replaced at once"
    );
    assert_eq!(opens(&acts), 1);
    assert_eq!(m.stats().last_unsent_bytes, 77);
}

#[test]
fn heartbeat_timeout_respects_auto_reconnect_off() {
    // Found by tests/core_machine_random.rs: a dead link reconnected even with
    // `autoReconnect: false`, unlike a close or a connect timeout.
    let o = Options {
        auto_reconnect: false,
        heartbeat_interval: 0.0,
        heartbeat_timeout: 3000.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    m.tick(3000.0, 0.0, 5);
    let acts = m.take_actions();
    assert!(matches!(
        acts[0],
        Action::Drop {
            reason: "heartbeat timeout",
            ..
        }
    ));
    assert_eq!(opens(&acts), 0);
    assert_eq!(reconnecting(&acts), None);
    assert!(events(&acts).contains(&&Event::Disconnected {
        code: 1006,
        reason: "heartbeat timeout".into(),
        was_clean: false,
        unsent_bytes: 5,
        will_reconnect: false,
    }));
    assert_eq!(m.state(), ConnState::Closed);
    assert_eq!(m.next_deadline(), None);
}

#[test]
fn any_frame_proves_liveness() {
    let o = Options {
        heartbeat_interval: 1000.0,
        heartbeat_timeout: 3000.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    let g = m.generation();
    for t in (500..10_000).step_by(500) {
        m.on_frame(f64::from(t), g, Some(FrameType::Message), 10);
        m.tick(f64::from(t), 0.0, 0);
    }
    assert!(opens(&m.take_actions()) == 0);
    assert_eq!(m.state(), ConnState::Open);
}

#[test]
fn late_timer_after_sleep_is_checked_against_wall_clock() {
    // The tab slept for ten minutes: the first tick after waking, however
    // late, sees the overdue deadline and replaces the link at once.
    let o = Options {
        heartbeat_interval: 25_000.0,
        heartbeat_timeout: 60_000.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    m.tick(600_000.0, 0.0, 0);
    let acts = m.take_actions();
    assert!(matches!(
        acts[0],
        Action::Drop {
            reason: "heartbeat timeout",
            ..
        }
    ));
    assert_eq!(opens(&acts), 1);
}

#[test]
fn connect_timeout_drops_a_socket_stuck_connecting() {
    let o = Options {
        heartbeat_timeout: 2000.0,
        ..opts()
    };
    let mut m = machine(&o);
    m.connect(0.0);
    m.take_actions();
    assert_eq!(m.next_deadline(), Some(2000.0));
    m.tick(2000.0, 0.0, 0);
    let acts = m.take_actions();
    assert!(matches!(
        acts[0],
        Action::Drop {
            reason: "connect timeout",
            ..
        }
    ));
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
}

#[test]
fn connect_timeout_is_the_state_events_reason() {
    // Before the fix the `state` event said "close" for a connect timeout.
    for auto_reconnect in [true, false] {
        let o = Options {
            heartbeat_timeout: 2000.0,
            auto_reconnect,
            ..opts()
        };
        let mut m = machine(&o);
        m.connect(0.0);
        m.take_actions();
        m.tick(2000.0, 0.0, 0);
        let acts = m.take_actions();
        let states: Vec<_> = events(&acts)
            .into_iter()
            .filter_map(|e| match e {
                Event::State { to, reason, .. } => Some((*to, *reason)),
                _ => None,
            })
            .collect();
        let to = if auto_reconnect {
            ConnState::Reconnecting
        } else {
            ConnState::Closed
        };
        assert_eq!(states, [(to, "connect timeout")], "{auto_reconnect}");
    }
}

#[test]
fn credited_frames_prove_liveness_and_count() {
    let o = Options {
        heartbeat_interval: 1000.0,
        heartbeat_timeout: 3000.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    // Frames counted on the JS side are credited at each wake-up.
    for t in (1000..10_000).step_by(1000) {
        m.credit(f64::from(t), 3, 300);
        m.tick(f64::from(t), 0.0, 0);
    }
    assert_eq!(
        opens(&m.take_actions()),
        0,
        "credited frames keep the link alive"
    );
    assert_eq!((m.stats().messages_in, m.stats().bytes_in), (27, 2700));
    // No frames credited: dead at the last credit + timeout.
    m.credit(10_000.0, 0, 0);
    m.tick(11_999.0, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 0);
    m.tick(12_000.0, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 1);
    // Credits for a socket that is not open count but prove nothing.
    m.credit(12_001.0, 1, 10);
    assert_eq!(m.stats().messages_in, 28);
    let (n, b) = (m.stats().messages_out, m.stats().bytes_out);
    m.sent_direct(5);
    assert_eq!(
        (m.stats().messages_out, m.stats().bytes_out),
        (n + 1, b + 5)
    );
}
