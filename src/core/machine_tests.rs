//! Native tests of the state machine with injected time and randomness.

use super::*;
use crate::core::frame::FrameType;

type M = Machine<String>;

fn opts() -> Options {
    Options {
        jitter: 0.0,
        ..Options::default()
    }
}

fn machine(o: &Options) -> M {
    Machine::new(o)
}

fn opened(o: &Options, now: f64) -> M {
    let mut m = machine(o);
    m.connect(now);
    let g = m.generation();
    m.on_open(now, g);
    m.take_actions();
    m
}

fn events(acts: &[Action<String>]) -> Vec<&Event> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Emit(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn sent(acts: &[Action<String>]) -> Vec<String> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send(Outgoing::Control(s)) => Some(s.clone()),
            Action::Send(Outgoing::User(s)) => Some(format!("user:{s}")),
            _ => None,
        })
        .collect()
}

fn opens(acts: &[Action<String>]) -> usize {
    acts.iter()
        .filter(|a| matches!(a, Action::Open { .. }))
        .count()
}

fn reconnecting(acts: &[Action<String>]) -> Option<(u32, f64)> {
    events(acts).into_iter().find_map(|e| match e {
        Event::Reconnecting { attempt, delay_ms } => Some((*attempt, *delay_ms)),
        _ => None,
    })
}

fn cl(code: u16) -> Close<'static> {
    Close {
        code,
        reason: "bye",
        was_clean: true,
        unsent_bytes: 0,
    }
}

/// Closes the current socket with `code` at `now` and returns the actions.
fn close(m: &mut M, now: f64, code: u16) -> Vec<Action<String>> {
    let g = m.generation();
    m.on_close(now, g, &cl(code), 0.5);
    m.take_actions()
}

#[test]
fn connect_opens_then_subscribes_then_flushes_queue_then_connected_on_welcome() {
    let mut m = machine(&opts());
    m.subscribe(0.0, "chat").unwrap();
    m.subscribe(0.0, "notifications").unwrap();
    m.send("m1".into(), 2).unwrap();
    m.send("m2".into(), 2).unwrap();
    assert_eq!(m.queued_messages(), 2);
    assert!(m.connect(10.0));
    assert!(!m.connect(10.0), "connect while connecting does nothing");
    let acts = m.take_actions();
    assert_eq!(
        acts[0],
        Action::Emit(Event::State {
            from: ConnState::Closed,
            to: ConnState::Connecting,
            reason: "connect"
        })
    );
    assert_eq!(acts[1], Action::Open { generation: 1 });
    assert!(sent(&acts).is_empty(), "nothing is sent before open");

    m.on_open(20.0, 1);
    let acts = m.take_actions();
    let s = sent(&acts);
    assert_eq!(s.len(), 4);
    assert!(s[0].contains(r#""type":"subscribe","channel":"chat""#));
    assert!(s[1].contains(r#""channel":"notifications""#));
    assert_eq!(&s[2..], ["user:m1", "user:m2"]);
    // Sends come before the state event, so a handler cannot jump the queue.
    assert!(matches!(
        acts.last(),
        Some(Action::Emit(Event::State {
            to: ConnState::Open,
            ..
        }))
    ));
    assert_eq!(m.queued_messages(), 0);
    assert!(m.is_connected());
    assert!(
        !events(&acts).contains(&&Event::Connected),
        "connected waits for the welcome"
    );

    assert!(m.on_frame(30.0, 1, Some(FrameType::Connected), 50));
    assert_eq!(events(&m.take_actions()), [&Event::Connected]);
    m.on_frame(31.0, 1, Some(FrameType::Connected), 50);
    assert!(
        m.take_actions().is_empty(),
        "a second welcome fires nothing"
    );
}

#[test]
fn connected_fires_after_grace_without_welcome() {
    let o = Options {
        welcome_timeout: 500.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    assert_eq!(m.next_deadline(), Some(500.0));
    m.tick(499.0, 0.0, 0);
    assert!(m.take_actions().is_empty());
    m.tick(500.0, 0.0, 0);
    assert_eq!(events(&m.take_actions()), [&Event::Connected]);
}

#[test]
fn stale_socket_events_are_ignored() {
    let mut m = opened(&opts(), 0.0);
    let old = m.generation();
    close(&mut m, 100.0, 1006);
    m.tick(3100.0, 0.0, 0);
    let acts = m.take_actions();
    assert_eq!(opens(&acts), 1);
    assert!(!m.on_frame(3200.0, old, Some(FrameType::Message), 10));
    m.on_open(3200.0, old);
    m.on_close(3200.0, old, &cl(1000), 0.0);
    assert!(m.take_actions().is_empty());
    assert_eq!(m.state(), ConnState::Reconnecting);
    assert_eq!(m.stats().messages_in, 0);
}

#[test]
fn legacy_schedule_3_6_9_12_15_then_reconnect_failed() {
    let o = Options {
        max_reconnect_attempts: 7.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    let mut now = 100.0;
    let acts = close(&mut m, now, 1006);
    let mut delays = vec![reconnecting(&acts).unwrap()];
    assert!(events(&acts).iter().any(|e| matches!(
        e,
        Event::Disconnected {
            code: 1006,
            will_reconnect: true,
            ..
        }
    )));
    loop {
        let (_, d) = *delays.last().unwrap();
        assert_eq!(m.next_deadline(), Some(now + d));
        m.tick(now + d - 1.0, 0.0, 0);
        assert_eq!(opens(&m.take_actions()), 0, "no attempt before the delay");
        now += d;
        m.tick(now, 0.0, 0);
        assert_eq!(opens(&m.take_actions()), 1);
        // The attempt fails without ever opening.
        let acts = close(&mut m, now + 5.0, 1006);
        now += 5.0;
        assert!(
            !events(&acts)
                .iter()
                .any(|e| matches!(e, Event::Disconnected { .. })),
            "no disconnected for a failed attempt"
        );
        match reconnecting(&acts) {
            Some(r) => delays.push(r),
            None => {
                assert!(events(&acts).contains(&&Event::ReconnectFailed { attempts: 7 }));
                break;
            }
        }
    }
    assert_eq!(
        delays,
        [
            (1, 3000.0),
            (2, 6000.0),
            (3, 9000.0),
            (4, 12000.0),
            (5, 15000.0),
            (6, 15000.0),
            (7, 15000.0)
        ]
    );
    assert_eq!(m.state(), ConnState::Closed);
    assert_eq!(m.next_deadline(), None);
    m.tick(1e9, 0.0, 0);
    assert!(
        m.take_actions().is_empty(),
        "nothing after reconnect_failed"
    );
    assert!(
        m.connect(1e9),
        "connect() starts again after reconnect_failed"
    );
    assert_eq!(m.attempt(), 0);
}

#[test]
fn jitter_shortens_within_band() {
    let o = Options {
        jitter: 0.2,
        ..Options::default()
    };
    let mut m = opened(&o, 0.0);
    let g = m.generation();
    m.on_close(0.0, g, &cl(1006), 0.999);
    let (_, d) = reconnecting(&m.take_actions()).unwrap();
    assert!(d > 2400.0 && d < 2410.0, "{d}");
}

#[test]
fn attempt_counter_resets_only_after_stable_period() {
    let o = Options {
        stable_after: 5000.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    // A server that accepts then drops at once: the delay keeps growing.
    let mut now = 0.0;
    let mut delays = Vec::new();
    for _ in 0..4 {
        let acts = close(&mut m, now + 10.0, 1006);
        let (_, d) = reconnecting(&acts).unwrap();
        delays.push(d);
        now += 10.0 + d;
        m.tick(now, 0.0, 0);
        m.take_actions();
        let g = m.generation();
        m.on_open(now, g);
        m.take_actions();
    }
    assert_eq!(delays, [3000.0, 6000.0, 9000.0, 12000.0]);
    // Open for the stable period: the counter resets, the next delay is short.
    m.tick(now + 4999.0, 0.0, 0);
    assert_eq!(m.attempt(), 4);
    m.tick(now + 5000.0, 0.0, 0);
    assert_eq!(m.attempt(), 0);
    let acts = close(&mut m, now + 6000.0, 1006);
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
}

#[test]
fn exponential_backoff_option() {
    let mut o = opts();
    o.set_backoff("exponential").unwrap();
    o.reconnect_interval = 1000.0;
    o.max_reconnect_interval = 5000.0;
    let mut m = opened(&o, 0.0);
    let mut got = Vec::new();
    let mut now = 0.0;
    for _ in 0..5 {
        let acts = close(&mut m, now, 1006);
        let (_, d) = reconnecting(&acts).unwrap();
        got.push(d);
        now += d;
        m.tick(now, 0.0, 0);
        m.take_actions();
    }
    assert_eq!(got, [1000.0, 2000.0, 4000.0, 5000.0, 5000.0]);
}

#[test]
fn close_codes_follow_policy() {
    for (code, reconnects, delay) in [
        (1000, true, Some(3000.0)),
        (1001, true, Some(3000.0)),
        (1006, true, Some(3000.0)),
        (1011, true, Some(3000.0)),
        (1012, true, Some(3000.0)),
        (1013, true, Some(15000.0)),
        (4001, true, Some(3000.0)),
        (1008, false, None),
        (4500, false, None),
    ] {
        let mut m = opened(&opts(), 0.0);
        let acts = close(&mut m, 0.0, code);
        assert_eq!(reconnecting(&acts).map(|r| r.1), delay, "code {code}");
        let ev = events(&acts);
        assert!(ev.iter().any(|e| matches!(e, Event::Disconnected { code: c, will_reconnect, .. } if *c == code && *will_reconnect == reconnects)), "code {code}");
        if !reconnects {
            assert_eq!(m.state(), ConnState::Closed);
            assert_eq!(m.next_deadline(), None, "code {code}");
            m.tick(1e9, 0.0, 0);
            assert!(m.take_actions().is_empty());
        }
        assert_eq!(m.stats().last_close_code, Some(code));
    }
}

#[test]
fn close_code_overrides_and_auto_reconnect_off() {
    let mut o = opts();
    o.add_close_code("1008", "reconnect").unwrap();
    o.add_close_code("1006", "stop").unwrap();
    let mut m = opened(&o, 0.0);
    assert!(reconnecting(&close(&mut m, 0.0, 1008)).is_some());
    let mut m = opened(&o, 0.0);
    assert!(reconnecting(&close(&mut m, 0.0, 1006)).is_none());
    assert_eq!(m.state(), ConnState::Closed);

    let o = Options {
        auto_reconnect: false,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    assert!(reconnecting(&close(&mut m, 0.0, 1006)).is_none());
    assert_eq!(m.state(), ConnState::Closed);
}

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
    // Found by tests/core_properties.rs: a dead link reconnected even with
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
fn disconnect_in_every_state_leaves_nothing() {
    // Connecting.
    let mut m = machine(&opts());
    m.connect(0.0);
    m.take_actions();
    assert!(m.disconnect(1.0));
    let acts = m.take_actions();
    assert!(matches!(acts[0], Action::Drop { code: 1000, .. }));
    assert!(!events(&acts)
        .iter()
        .any(|e| matches!(e, Event::Disconnected { .. })));
    assert_eq!(m.next_deadline(), None);
    m.on_open(2.0, 1);
    assert!(
        m.take_actions().is_empty(),
        "the detached socket's open is ignored"
    );

    // Open.
    let mut m = opened(&opts(), 0.0);
    let g = m.generation();
    m.disconnect(1.0);
    let acts = m.take_actions();
    assert!(events(&acts).iter().any(|e| matches!(
        e,
        Event::Disconnected {
            code: 1000,
            will_reconnect: false,
            ..
        }
    )));
    assert_eq!(m.next_deadline(), None);
    m.on_close(2.0, g, &cl(1000), 0.0);
    m.tick(1e9, 0.0, 0);
    assert!(m.take_actions().is_empty());
    assert_eq!(m.state(), ConnState::Closed);

    // Waiting to reconnect.
    let mut m = opened(&opts(), 0.0);
    close(&mut m, 1.0, 1006);
    assert!(m.next_deadline().is_some());
    m.disconnect(2.0);
    let acts = m.take_actions();
    assert!(
        !acts.iter().any(|a| matches!(a, Action::Drop { .. })),
        "no socket to drop"
    );
    assert_eq!(m.next_deadline(), None);
    m.tick(1e9, 0.0, 0);
    assert!(m.take_actions().is_empty());
    assert!(!m.disconnect(3.0), "a second disconnect does nothing");

    // After reconnect_failed, then connect() again.
    let o = Options {
        max_reconnect_attempts: 0.0,
        ..opts()
    };
    let mut m = opened(&o, 0.0);
    let acts = close(&mut m, 1.0, 1006);
    assert!(events(&acts).contains(&&Event::ReconnectFailed { attempts: 0 }));
    assert!(!m.disconnect(2.0));
    assert!(m.connect(3.0));
    assert_eq!(opens(&m.take_actions()), 1);
}

#[test]
fn offline_suspends_attempts_and_online_retries_at_once() {
    let mut m = opened(&opts(), 0.0);
    m.set_online(10.0, false);
    assert_eq!(
        m.state(),
        ConnState::Open,
        "an open socket is left to the heartbeat"
    );
    let acts = close(&mut m, 20.0, 1006);
    assert!(reconnecting(&acts).is_none());
    assert_eq!(m.next_deadline(), None, "no timer while offline");
    m.tick(1e6, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 0);
    m.set_online(1e6 + 1.0, true);
    let acts = m.take_actions();
    assert_eq!(reconnecting(&acts), Some((1, 0.0)));
    assert_eq!(opens(&acts), 1);

    // Offline while a timer waits: the timer is cancelled, online resumes the
    // same attempt at once.
    let mut m = opened(&opts(), 0.0);
    close(&mut m, 0.0, 1006);
    assert_eq!(m.attempt(), 1);
    m.set_online(5.0, false);
    assert_eq!(m.next_deadline(), None);
    m.set_online(6.0, true);
    let acts = m.take_actions();
    assert_eq!(reconnecting(&acts), Some((1, 0.0)));
    assert_eq!(opens(&acts), 1);
}

#[test]
fn pagehide_closes_and_pageshow_reconnects() {
    let mut m = opened(&opts(), 0.0);
    m.page_hide(10.0);
    let acts = m.take_actions();
    assert!(matches!(
        acts[0],
        Action::Drop {
            code: 1000,
            reason: "pagehide"
        }
    ));
    assert_eq!(m.state(), ConnState::Reconnecting);
    assert_eq!(m.next_deadline(), None);
    m.page_show(20.0);
    assert_eq!(opens(&m.take_actions()), 1);
    m.page_show(30.0);
    assert!(
        m.take_actions().is_empty(),
        "a second pageshow does nothing"
    );

    let mut m = machine(&opts());
    m.page_hide(0.0);
    m.page_show(1.0);
    assert!(m.take_actions().is_empty(), "a closed client stays closed");
}

#[test]
fn subscriptions_are_tracked_and_sent_once() {
    let mut m = opened(&opts(), 0.0);
    assert_eq!(m.subscribe(1.0, "chat"), Ok(true));
    assert_eq!(m.subscribe(1.0, "chat"), Ok(false));
    assert_eq!(sent(&m.take_actions()).len(), 1);
    assert_eq!(
        m.subscribe(1.0, "state").unwrap_err().code(),
        "RESERVED_CHANNEL"
    );
    assert_eq!(m.subscribe(1.0, "").unwrap_err().code(), "INVALID_CHANNEL");
    assert!(m.unsubscribe(2.0, "chat"));
    assert!(!m.unsubscribe(2.0, "chat"));
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].contains(r#""type":"unsubscribe""#));
    assert!(m.subscriptions().is_empty());

    // While disconnected: tracked, not sent; sent on open.
    let mut m = machine(&opts());
    m.subscribe(0.0, "a").unwrap();
    m.subscribe(0.0, "b").unwrap();
    m.unsubscribe(0.0, "a");
    assert!(sent(&m.take_actions()).is_empty());
    m.connect(0.0);
    m.on_open(1.0, m.generation());
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].contains(r#""channel":"b""#));
}

#[test]
fn queue_is_bounded_and_full_is_an_error() {
    let o = Options {
        max_queued_messages: 2.0,
        max_queued_bytes: 100.0,
        ..opts()
    };
    let mut m = machine(&o);
    m.send("a".into(), 10).unwrap();
    m.send("b".into(), 10).unwrap();
    let e = m.send("c".into(), 10).unwrap_err();
    assert_eq!(e.code(), "QUEUE_FULL");
    assert!(matches!(
        events(&m.take_actions())[..],
        [Event::Error(Error::QueueFull {
            messages: 2,
            bytes: 20
        })]
    ));
    assert_eq!(m.stats().errors, 1);
    let o = Options {
        max_queued_bytes: 15.0,
        ..opts()
    };
    let mut m = machine(&o);
    m.send("a".into(), 10).unwrap();
    assert!(m.send("b".into(), 10).is_err());
    assert_eq!(m.queued_bytes(), 10);
}

#[test]
fn frames_for_a_closing_socket_go_back_to_the_queue_in_order() {
    let mut m = opened(&opts(), 0.0);
    m.send("a".into(), 1).unwrap();
    m.send("b".into(), 1).unwrap();
    let acts = m.take_actions();
    assert_eq!(sent(&acts), ["user:a", "user:b"]);
    assert_eq!(m.stats().messages_out, 2);
    // The shell finds the socket closing when handing it "a".
    m.not_writable(Outgoing::User("a".into()), 1);
    m.not_writable(Outgoing::User("b".into()), 1);
    m.send("c".into(), 1).unwrap();
    assert!(sent(&m.take_actions()).is_empty());
    assert_eq!(m.queued_messages(), 3);
    assert_eq!(m.stats().messages_out, 0);
    close(&mut m, 1.0, 1006);
    m.tick(3001.0, 0.0, 0);
    m.take_actions();
    m.on_open(3002.0, m.generation());
    assert_eq!(sent(&m.take_actions()), ["user:a", "user:b", "user:c"]);
}

#[test]
fn stats_count_traffic_and_reconnects() {
    let mut m = opened(&opts(), 0.0);
    let g = m.generation();
    m.on_frame(1.0, g, Some(FrameType::Message), 100);
    m.on_frame(2.0, g, None, 7);
    m.frame_dropped(Error::BadFrame {
        reason: "not JSON",
        excerpt: "x".into(),
    });
    m.send("hello".into(), 5).unwrap();
    let s = m.stats().clone();
    assert_eq!((s.messages_in, s.bytes_in), (2, 107));
    assert_eq!((s.messages_out, s.bytes_out), (1, 5));
    assert_eq!((s.errors, s.dropped_frames), (1, 1));
    assert_eq!(s.uptime_ms(10.0), 10.0);
    close(&mut m, 20.0, 1012);
    assert_eq!(m.stats().uptime_ms(25.0), 0.0);
    m.tick(3020.0, 0.0, 0);
    m.on_open(3021.0, m.generation());
    assert_eq!(m.stats().reconnects, 1);
    assert_eq!(m.stats().connections, 2);
}

#[test]
fn open_failure_counts_as_abnormal_close() {
    let mut m = machine(&opts());
    m.connect(0.0);
    m.take_actions();
    m.open_failed(
        1.0,
        m.generation(),
        Error::TokenFailed {
            detail: "nope".into(),
        },
        0.0,
    );
    let acts = m.take_actions();
    assert!(matches!(
        events(&acts)[0],
        Event::Error(Error::TokenFailed { .. })
    ));
    assert_eq!(reconnecting(&acts), Some((1, 3000.0)));
}

#[test]
fn herd_of_1000_spreads_first_attempts() {
    // 1,000 clients dropped at the same instant: with the default jitter 0.2
    // their first attempts spread over [2400, 3000] ms. A fixed LCG stands in
    // for Math.random so the figure is repeatable.
    let o = Options::default();
    let mut seed: u64 = 42;
    let mut rand = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut buckets = std::collections::BTreeMap::new();
    for _ in 0..1000 {
        let mut m = opened(&o, 0.0);
        let g = m.generation();
        m.on_close(0.0, g, &cl(1006), rand());
        let at = m.next_deadline().unwrap();
        *buckets.entry((at / 100.0) as u64).or_insert(0u32) += 1;
    }
    let largest = *buckets.values().max().unwrap();
    println!(
        "FIGURE herd (core): 1000 clients dropped at once, largest share of first attempts in a 100 ms window = {:.1}%",
        f64::from(largest) / 10.0
    );
    assert!(buckets.len() >= 6, "{buckets:?}");
    assert!(largest <= 250, "{buckets:?}");
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
