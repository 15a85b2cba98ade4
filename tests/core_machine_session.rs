#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of the state machine (`core::machine`), native, with
//! injected time and randomness: connecting, the welcome, subscriptions,
//! the offline queue, traffic statistics, disconnecting, and events of
//! stale sockets.

mod core_support;

use core_support::machine::{cl, close, events, machine, opened, opens, opts, sent, welcomed};
use zantara_websocket::core::{
    Action, ConnState, Error, Event, FrameType, Item, Options, Outgoing,
};

#[test]
fn connect_opens_then_subscribes_then_flushes_queue_on_welcome_then_connected() {
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
    assert!(
        s.is_empty(),
        "subscriptions and messages wait for the welcome: {s:?}"
    );
    assert!(matches!(
        acts.last(),
        Some(Action::Emit(Event::State {
            to: ConnState::Open,
            ..
        }))
    ));
    assert_eq!(m.queued_messages(), 2);
    assert!(m.is_connected() && !m.can_send());
    assert!(
        !events(&acts).contains(&&Event::Connected),
        "connected waits for the welcome"
    );
    // A message sent meanwhile queues behind the others.
    m.send("m3".into(), 2).unwrap();
    assert!(m.take_actions().is_empty());

    assert!(m.on_frame(30.0, 1, Some(FrameType::Connected), 50));
    let acts = m.take_actions();
    // Subscriptions, then the queue, before `connected`, so a handler cannot jump it.
    let s = sent(&acts);
    assert!(s[0].contains(r#""type":"subscribe","channel":"chat""#));
    assert!(s[1].contains(r#""channel":"notifications""#));
    assert_eq!(&s[2..], ["user:m1", "user:m2", "user:m3"]);
    assert_eq!(events(&acts), [&Event::Connected]);
    assert!(matches!(acts.last(), Some(Action::Emit(Event::Connected))));
    assert_eq!(m.queued_messages(), 0);
    assert!(m.can_send());
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
fn subscriptions_are_tracked_and_sent_once() {
    // Before the welcome: tracked, sent with the others when it comes.
    let mut m = opened(&opts(), 0.0);
    m.subscribe(0.5, "early").unwrap();
    assert!(sent(&m.take_actions()).is_empty());
    m.on_frame(0.6, m.generation(), Some(FrameType::Connected), 0);
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].contains(r#""channel":"early""#));

    let mut m = welcomed(&opts(), 0.0, false);
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

    // While disconnected: tracked, not sent; sent after the welcome.
    let mut m = machine(&opts());
    m.subscribe(0.0, "a").unwrap();
    m.subscribe(0.0, "b").unwrap();
    m.unsubscribe(0.0, "a");
    assert!(sent(&m.take_actions()).is_empty());
    m.connect(0.0);
    m.on_open(1.0, m.generation());
    assert!(
        sent(&m.take_actions()).is_empty(),
        "nothing before the welcome"
    );
    m.on_frame(2.0, m.generation(), Some(FrameType::Connected), 0);
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), 1);
    assert!(s[0].contains(r#""channel":"b""#));
}

/// 100,000 channels: tracked in order, duplicates refused, resent in order
/// on open, unsubscribed newest first (linear time: this took seconds when
/// the set was a list scanned on every call).
#[test]
fn a_hundred_thousand_subscriptions() {
    const N: usize = 100_000;
    let name = |i: usize| format!("room/{i}");
    let mut m = machine(&opts());
    for i in 0..N {
        assert_eq!(m.subscribe(0.0, &name(i)), Ok(true));
    }
    for i in (0..N).step_by(7) {
        assert_eq!(m.subscribe(0.0, &name(i)), Ok(false), "duplicate {i}");
    }
    assert_eq!(m.subscriptions().len(), N);
    let want: Vec<String> = (0..N).map(name).collect();
    assert!(m.subscriptions() == &want[..], "subscription order");
    assert!(m.is_subscribed(&name(N - 1)) && !m.is_subscribed(&name(N)));

    m.connect(0.0);
    m.on_open(1.0, m.generation());
    m.on_frame(1.0, m.generation(), Some(FrameType::Connected), 0);
    let s = sent(&m.take_actions());
    assert_eq!(s.len(), N, "one subscribe per channel after the welcome");
    for i in (0..N).step_by(997).chain([N - 1]) {
        assert!(s[i].contains(&format!(r#""channel":"{}""#, name(i))), "{i}");
    }

    for i in (0..N).rev() {
        assert!(m.unsubscribe(2.0, &name(i)), "unsubscribe {i}");
        if i % 10_000 == 0 {
            assert_eq!(m.subscriptions().len(), i);
        }
    }
    assert!(!m.unsubscribe(2.0, &name(0)));
    assert!(m.subscriptions().is_empty());
    assert_eq!(
        sent(&m.take_actions()).len(),
        N,
        "one unsubscribe per channel"
    );
    assert_eq!(m.subscribe(3.0, "again"), Ok(true));
    assert_eq!(m.subscriptions().iter().collect::<Vec<_>>(), ["again"]);
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
    let mut m = welcomed(&opts(), 0.0, false);
    m.send("a".into(), 1).unwrap();
    m.send("b".into(), 1).unwrap();
    let acts = m.take_actions();
    assert_eq!(sent(&acts), ["user:a", "user:b"]);
    assert_eq!(m.stats().messages_out, 2);
    // The shell finds the socket closing when handing it "a".
    let item = |frame: &str, id| Item {
        frame: frame.into(),
        bytes: 1,
        id,
        sent_before: false,
        v2_only: false,
    };
    m.not_writable(Outgoing::User(item("a", 1), false), 1);
    m.not_writable(Outgoing::User(item("b", 2), false), 1);
    m.send("c".into(), 1).unwrap();
    assert!(sent(&m.take_actions()).is_empty());
    assert_eq!(m.queued_messages(), 3);
    assert_eq!(m.stats().messages_out, 0);
    close(&mut m, 1.0, 1006);
    m.tick(3001.0, 0.0, 0);
    m.take_actions();
    m.on_open(3002.0, m.generation());
    m.on_frame(3003.0, m.generation(), Some(FrameType::Connected), 0);
    assert_eq!(sent(&m.take_actions()), ["user:a", "user:b", "user:c"]);
}

#[test]
fn stats_count_traffic_and_reconnects() {
    let mut m = welcomed(&opts(), 0.0, false);
    let g = m.generation();
    m.on_frame(1.0, g, Some(FrameType::Message), 100);
    m.on_frame(2.0, g, None, 7);
    m.frame_dropped(Error::BadFrame {
        reason: "not JSON",
        excerpt: "x".into(),
    });
    m.send("hello".into(), 5).unwrap();
    let s = m.stats().clone();
    assert_eq!(
        (s.messages_in, s.bytes_in),
        (3, 107),
        "the welcome, 100 B, 7 B"
    );
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
