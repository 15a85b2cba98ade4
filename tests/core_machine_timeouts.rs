#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of the state machine (`core::machine`), native, with
//! injected time: the connect timeout (`connectTimeout`, token wait and
//! handshake), a socket error without a close, the offline re-check, and the
//! wall clock (`set_wall_offset`): no stuck state, whatever the page or the
//! clock do.

mod core_support;

use core_support::machine::{close, events, machine, opened, opens, opts, reconnecting, sent};
use zantara_websocket::core::frame::iso8601;
use zantara_websocket::core::machine::{ERROR_CLOSE_GRACE_MS, SLEEP_JUMP_MS};
use zantara_websocket::core::{Action, ConnState, Error, Event, FrameType, Options};

fn states(acts: &[Action<String>]) -> Vec<(ConnState, &'static str)> {
    events(acts)
        .into_iter()
        .filter_map(|e| match e {
            Event::State { to, reason, .. } => Some((*to, *reason)),
            _ => None,
        })
        .collect()
}

fn errors(acts: &[Action<String>]) -> Vec<&Error> {
    events(acts)
        .into_iter()
        .filter_map(|e| match e {
            Event::Error(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn token_timeout() -> Error {
    Error::TokenFailed {
        detail: "no token within connectTimeout".into(),
    }
}

#[test]
fn connect_timeout_drops_a_socket_stuck_connecting() {
    let o = Options {
        connect_timeout: 2000.0,
        ..opts()
    };
    let mut m = machine(&o);
    m.connect(0.0);
    m.socket_created(5.0, m.generation());
    m.take_actions();
    assert_eq!(m.next_deadline(), Some(2000.0));
    m.tick(1999.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    m.tick(2000.0, 0.0, 0);
    let acts = m.take_actions();
    assert_eq!(
        acts[0],
        Action::Drop {
            code: 4000,
            reason: "connect timeout"
        }
    );
    assert!(
        errors(&acts).is_empty(),
        "the socket existed: no token error"
    );
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
}

#[test]
fn connect_timeout_is_the_state_events_reason() {
    // Before the fix the `state` event said "close" for a connect timeout.
    for auto_reconnect in [true, false] {
        let o = Options {
            connect_timeout: 2000.0,
            auto_reconnect,
            ..opts()
        };
        let mut m = machine(&o);
        m.connect(0.0);
        m.socket_created(0.0, m.generation());
        m.take_actions();
        m.tick(2000.0, 0.0, 0);
        let to = if auto_reconnect {
            ConnState::Reconnecting
        } else {
            ConnState::Closed
        };
        assert_eq!(
            states(&m.take_actions()),
            [(to, "connect timeout")],
            "{auto_reconnect}"
        );
    }
}

#[test]
fn a_handshake_longer_than_the_heartbeat_timeout_connects() {
    // Issue 9: a handshake held 1,100 ms with heartbeatTimeout 1000 never
    // connected (the connect timeout was heartbeatTimeout).
    let o = Options {
        heartbeat_timeout: 1000.0,
        ..opts()
    };
    let mut m = machine(&o);
    m.connect(0.0);
    let g = m.generation();
    m.socket_created(0.0, g);
    m.take_actions();
    assert_eq!(
        m.next_deadline(),
        Some(20_000.0),
        "connectTimeout's default"
    );
    m.tick(1000.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    m.on_open(1100.0, g);
    assert_eq!(m.state(), ConnState::Open);
    assert_eq!(opens(&m.take_actions()), 0);
}

#[test]
fn a_token_that_never_settles_is_an_error_after_connect_timeout() {
    // Issue 9: a token promise that never settles with heartbeatTimeout 0
    // left the client `connecting` forever with no event.
    for heartbeat_timeout in [0.0, 60_000.0] {
        let o = Options {
            heartbeat_timeout,
            ..opts()
        };
        let mut m = machine(&o);
        m.connect(0.0);
        let acts = m.take_actions();
        assert_eq!(opens(&acts), 1);
        let first = m.generation();
        assert!(
            m.awaits_socket(first),
            "the token may open this attempt's socket"
        );
        assert_eq!(m.next_deadline(), Some(20_000.0), "{heartbeat_timeout}");
        m.tick(20_000.0, 0.0, 0);
        let acts = m.take_actions();
        assert_eq!(errors(&acts), [&token_timeout()]);
        let error_at = acts
            .iter()
            .position(|a| matches!(a, Action::Emit(Event::Error(_))));
        let reconnecting_at = acts
            .iter()
            .position(|a| matches!(a, Action::Emit(Event::Reconnecting { .. })));
        assert!(error_at < reconnecting_at, "the error first: {acts:?}");
        assert_eq!(
            states(&acts),
            [(ConnState::Reconnecting, "connect timeout")]
        );
        assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
        assert_eq!(m.stats().errors, 1);
        // The token arriving now is for an attempt given up: the shell must
        // not open a socket for it (the machine would not know that socket);
        // the next attempt starts after the delay.
        assert!(
            !m.awaits_socket(first),
            "a token after the timeout opens nothing"
        );
        m.tick(23_000.0, 0.0, 0);
        assert_eq!(opens(&m.take_actions()), 1);
        assert!(m.awaits_socket(m.generation()));
        m.socket_created(23_001.0, m.generation());
        assert!(!m.awaits_socket(m.generation()), "one socket per attempt");
    }
}

#[test]
fn a_token_wait_is_given_up_by_pagehide_and_disconnect() {
    for give_up in ["pagehide", "disconnect"] {
        let mut m = machine(&opts());
        m.connect(0.0);
        m.take_actions();
        let g = m.generation();
        assert!(m.awaits_socket(g));
        match give_up {
            "pagehide" => m.page_hide(10.0),
            _ => assert!(m.disconnect(10.0)),
        }
        m.take_actions();
        assert!(!m.awaits_socket(g), "{give_up}: a late token opens nothing");
        assert!(
            !m.awaits_socket(m.generation()),
            "{give_up}: no attempt waits"
        );
    }
}

#[test]
fn a_socket_error_without_a_close_fails_the_attempt_after_a_grace() {
    // Issue 9: a socket that fires `error` without `close` (a CSP connect-src
    // block) stayed `connecting` without an `error` event.
    let mut m = machine(&opts());
    m.connect(0.0);
    let g = m.generation();
    m.socket_created(0.0, g);
    m.on_socket_error(50.0, g);
    m.on_socket_error(60.0, g);
    m.take_actions();
    assert_eq!(m.next_deadline(), Some(50.0 + ERROR_CLOSE_GRACE_MS));
    m.tick(50.0 + ERROR_CLOSE_GRACE_MS - 1.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    m.tick(50.0 + ERROR_CLOSE_GRACE_MS, 0.0, 0);
    let acts = m.take_actions();
    assert!(matches!(acts[0], Action::Drop { code: 4000, .. }));
    let errs = errors(&acts);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code(), "SOCKET_FAILED");
    assert!(errs[0].to_string().contains("Content-Security-Policy"));
    assert_eq!(states(&acts), [(ConnState::Reconnecting, "close")]);
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
    assert_eq!(m.stats().last_close_code, Some(1006));
    // A close within the grace is an ordinary close, with no extra error.
    let mut m = machine(&opts());
    m.connect(0.0);
    let g = m.generation();
    m.on_socket_error(50.0, g);
    let acts = close(&mut m, 60.0, 1006);
    assert!(errors(&acts).is_empty());
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
    m.tick(50.0 + ERROR_CLOSE_GRACE_MS, 0.0, 0);
    assert!(m.take_actions().is_empty());
    // An open socket's error waits for its close; an old socket's is ignored.
    let mut m = opened(&opts(), 0.0);
    let before = m.next_deadline();
    m.on_socket_error(10.0, m.generation());
    m.on_socket_error(10.0, m.generation().wrapping_sub(1));
    assert_eq!(m.next_deadline(), before);
    assert!(m.take_actions().is_empty());
}

#[test]
fn a_false_offline_ends_at_the_next_recheck() {
    // Issue 9: an `offline` event fired by mistake, then a server close 1012:
    // the client waited forever for an `online` that never came.
    let mut m = opened(&opts(), 0.0);
    m.set_online(500.0, false);
    assert!(m.take_actions().is_empty(), "an open socket is left alone");
    let acts = close(&mut m, 1000.0, 1012);
    assert_eq!(states(&acts), [(ConnState::Reconnecting, "offline")]);
    assert_eq!(opens(&acts), 0);
    // Re-checked every maxReconnectInterval: still offline, look again.
    assert_eq!(m.next_deadline(), Some(16_000.0));
    m.tick(16_000.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    assert_eq!(m.next_deadline(), Some(31_000.0));
    // The shell refreshes navigator.onLine before the next tick: online.
    m.set_online(31_000.0, true);
    let acts = m.take_actions();
    assert_eq!(reconnecting(&acts), Some((1, 0.0)));
    assert_eq!(opens(&acts), 1);
    m.tick(31_000.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    // Going offline while a retry waits re-checks as well; hidden does not.
    let mut m = opened(&opts(), 0.0);
    close(&mut m, 100.0, 1011);
    m.set_online(200.0, false);
    assert_eq!(m.next_deadline(), Some(15_200.0));
    m.page_hide(300.0);
    assert_eq!(m.next_deadline(), None);
}

#[test]
fn the_wall_clock_stamps_frames_and_pongs_and_a_step_back_changes_nothing() {
    let o = Options {
        heartbeat_interval: 1000.0,
        heartbeat_timeout: 3000.0,
        ..opts()
    };
    let epoch = 1_700_000_000_000.0;
    let mut m = machine(&o);
    m.set_wall_offset(0.0, epoch);
    m.subscribe(0.0, "a").unwrap();
    m.connect(0.0);
    m.on_open(10.0, m.generation());
    m.on_frame(10.0, m.generation(), Some(FrameType::Connected), 0);
    let s = sent(&m.take_actions());
    assert!(s[0].contains(&iso8601(epoch + 10.0)), "{s:?}");
    m.tick(1010.0, 0.0, 0);
    m.take_actions();
    m.on_frame(1020.0, m.generation(), Some(FrameType::Pong), 40);
    m.take_actions();
    assert_eq!(m.stats().last_pong_ms, Some(epoch + 1020.0));
    assert_eq!(m.stats().rtt_ms, Some(10.0));
    // The wall clock steps back an hour: no action, the same deadlines.
    let before = (m.next_deadline(), m.state());
    m.set_wall_offset(1500.0, epoch - 3_600_000.0);
    assert!(m.take_actions().is_empty());
    assert_eq!((m.next_deadline(), m.state()), before);
    m.tick(2010.0, 0.0, 0);
    let s = sent(&m.take_actions());
    assert!(
        s[0].contains(&iso8601(epoch - 3_600_000.0 + 2010.0)),
        "{s:?}"
    );
    // Non-finite offsets are ignored.
    m.set_wall_offset(2020.0, f64::NAN);
    m.set_wall_offset(2020.0, f64::INFINITY);
    m.on_frame(2030.0, m.generation(), Some(FrameType::Pong), 40);
    assert_eq!(m.stats().last_pong_ms, Some(epoch - 3_600_000.0 + 2030.0));
}

#[test]
fn a_forward_jump_of_the_wall_clock_probes_the_link_at_once() {
    // The system slept 10 minutes while the monotonic clock paused: the wall
    // offset jumps forward; the link is probed at once.
    let o = Options {
        heartbeat_interval: 25_000.0,
        heartbeat_timeout: 4000.0,
        welcome_timeout: 1e9,
        stable_after: 1e9,
        ..opts()
    };
    let epoch = 1_700_000_000_000.0;
    for answered in [true, false] {
        let mut m = opened(&o, 0.0);
        m.set_wall_offset(0.0, epoch);
        m.set_wall_offset(1000.0, epoch + SLEEP_JUMP_MS);
        assert!(m.take_actions().is_empty(), "a small jump is not a sleep");
        m.set_wall_offset(2000.0, epoch + 600_000.0);
        let s = sent(&m.take_actions());
        assert_eq!(s.len(), 1);
        assert!(s[0].starts_with(r#"{"type":"ping""#));
        assert!(s[0].contains(&iso8601(epoch + 602_000.0)));
        assert_eq!(m.next_deadline(), Some(6000.0));
        if answered {
            m.on_frame(2050.0, m.generation(), Some(FrameType::Pong), 40);
        }
        m.tick(6000.0, 0.0, 0);
        let acts = m.take_actions();
        assert_eq!(opens(&acts), usize::from(!answered), "answered: {answered}");
    }
    // With pings off the window is half the timeout; closed, nothing.
    let o = Options {
        heartbeat_interval: 0.0,
        ..o
    };
    let mut m = opened(&o, 0.0);
    m.set_wall_offset(0.0, 0.0);
    m.set_wall_offset(100.0, 600_000.0);
    assert_eq!(sent(&m.take_actions()).len(), 1);
    assert_eq!(m.next_deadline(), Some(2100.0));
    let mut m = machine(&o);
    m.set_wall_offset(0.0, 0.0);
    m.set_wall_offset(100.0, 600_000.0);
    assert!(m.take_actions().is_empty());
    assert_eq!(m.next_deadline(), None);
}
