#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of delivery (`docs/PROTOCOL.md`), native, with injected
//! time: the queue waits for the welcome, protocol v2 keeps each message
//! until the server acknowledges it and sends it again after a lost link,
//! unacknowledged messages count against the queue bounds, and a v1 link
//! keeps nothing.

mod core_support;

use core_support::machine::{close, opened, opts, welcomed, M};
use zantara_websocket::core::{Action, FrameType, Options, Outgoing};

/// The user messages the actions hand over: `(frame, id, id on the wire)`.
fn users(m: &mut M) -> Vec<(String, u32, bool)> {
    m.take_actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::Send(Outgoing::User(item, v2)) => Some((item.frame, item.id, v2)),
            _ => None,
        })
        .collect()
}

/// Reconnects after a close 1006 at `t` (reconnect delay 3000 ms) and
/// delivers a welcome offering protocol `v2`.
fn reconnect(m: &mut M, t: f64, v2: bool) {
    close(m, t, 1006);
    m.tick(t + 3000.0, 0.0, 0);
    let g = m.generation();
    m.on_open(t + 3001.0, g);
    m.set_protocol(g, v2);
    m.on_frame(t + 3002.0, g, Some(FrameType::Connected), 0);
}

#[test]
fn v2_keeps_each_message_until_acknowledged_and_resends_the_rest_in_order() {
    let mut m = welcomed(&opts(), 0.0, true);
    for i in 1..=5 {
        assert_eq!(m.send(format!("m{i}"), 2), Ok(i));
    }
    let sent = users(&mut m);
    assert_eq!(sent.len(), 5);
    assert!(sent.iter().all(|(_, _, v2)| *v2), "ids go on the wire");
    assert_eq!((m.in_flight(), m.queued_messages()), (5, 5));
    let g = m.generation();
    assert!(m.on_ack(g, 1, false));
    assert!(m.on_ack(g, 3, false), "acknowledgements in any order");
    assert!(!m.on_ack(g, 3, false), "a duplicate ack is ignored");
    assert!(!m.on_ack(g, 99, false), "an unknown id is ignored");
    assert!(m.on_ack(g, 2, true), "a refusal also takes the message");
    assert_eq!((m.stats().acknowledged, m.stats().refused), (2, 1));
    assert_eq!(m.pending_ids().collect::<Vec<_>>(), [4, 5]);

    // The link dies; a message sent meanwhile waits behind 4 and 5.
    close(&mut m, 10.0, 1006);
    assert!(
        !m.on_ack(g, 4, false),
        "an ack of the old socket is ignored"
    );
    m.send("m6".into(), 2).unwrap();
    assert_eq!(m.in_flight(), 0);
    m.tick(3010.0, 0.0, 0);
    let g2 = m.generation();
    m.on_open(3011.0, g2);
    assert!(users(&mut m).is_empty(), "nothing before the welcome");
    m.set_protocol(g2, true);
    m.on_frame(3012.0, g2, Some(FrameType::Connected), 0);
    let again: Vec<u32> = users(&mut m).iter().map(|u| u.1).collect();
    assert_eq!(
        again,
        [4, 5, 6],
        "unacknowledged first, in order, then the new one"
    );
    assert_eq!(m.stats().resent, 2);
    assert_eq!(m.in_flight(), 3);
    for id in [4, 5, 6] {
        assert!(m.on_ack(g2, id, false));
    }
    assert_eq!((m.queued_messages(), m.stats().acknowledged), (0, 5));
}

#[test]
fn a_server_that_accepts_then_refuses_with_1008_gets_nothing_and_a_fixed_connect_gets_all() {
    let mut m = opened(&opts(), 0.0);
    for i in 0..20 {
        m.send(format!("q{i}"), 3).unwrap();
    }
    assert!(users(&mut m).is_empty());
    close(&mut m, 5.0, 1008);
    assert_eq!(m.state(), zantara_websocket::core::ConnState::Closed);
    assert_eq!(m.queued_messages(), 20, "kept for a later connect()");
    assert!(m.connect(100.0));
    let g = m.generation();
    m.on_open(101.0, g);
    m.on_frame(102.0, g, Some(FrameType::Connected), 0);
    let got: Vec<String> = users(&mut m).into_iter().map(|u| u.0).collect();
    assert_eq!(got, (0..20).map(|i| format!("q{i}")).collect::<Vec<_>>());
    assert_eq!(m.stats().resent, 0, "none of them had been sent");
}

#[test]
fn without_a_welcome_the_queue_goes_out_when_its_grace_runs_out() {
    let mut m = opened(&opts(), 0.0);
    m.send("late".into(), 4).unwrap();
    assert!(users(&mut m).is_empty());
    m.tick(opts().welcome_timeout, 0.0, 0);
    assert_eq!(users(&mut m).len(), 1);
    assert!(!m.link_v2(), "no welcome is protocol v1");
    assert_eq!(m.queued_messages(), 0, "v1 keeps nothing");
}

#[test]
fn unacknowledged_messages_count_against_the_queue_bounds() {
    let o = Options {
        max_queued_messages: 2.0,
        ..opts()
    };
    let mut m = welcomed(&o, 0.0, true);
    m.send("a".into(), 1).unwrap();
    m.send("b".into(), 1).unwrap();
    let e = m.send("c".into(), 1).unwrap_err();
    assert_eq!(e.code(), "QUEUE_FULL");
    assert_eq!(m.direct(), None, "the fast path refuses too");
    let g = m.generation();
    m.on_ack(g, 1, false);
    let (id, v2, room) = m.direct().expect("room for one");
    assert!(v2 && room > 0 && id > 2);
    m.sent_direct(id, Some("d".into()), 1);
    assert_eq!(m.in_flight(), 2);
}

#[test]
fn a_v1_link_sends_without_ids_and_keeps_nothing() {
    let mut m = welcomed(&opts(), 0.0, false);
    m.send("a".into(), 1).unwrap();
    assert_eq!(users(&mut m), [("a".to_string(), 1, false)]);
    assert_eq!(m.queued_messages(), 0);
    let g = m.generation();
    assert!(!m.on_ack(g, 1, false), "acks mean nothing on v1");
    // A v2 link lost with messages in flight, then a v1 server: sent once more.
    let mut m = welcomed(&opts(), 0.0, true);
    m.send("x".into(), 1).unwrap();
    users(&mut m);
    reconnect(&mut m, 10.0, false);
    assert_eq!(users(&mut m), [("x".to_string(), 1, false)]);
    assert_eq!((m.queued_messages(), m.stats().resent), (0, 1));
}

#[test]
fn disconnect_keeps_unacknowledged_messages_for_the_next_connect() {
    let mut m = welcomed(&opts(), 0.0, true);
    m.send("a".into(), 1).unwrap();
    users(&mut m);
    m.disconnect(5.0);
    assert_eq!((m.queued_messages(), m.in_flight()), (1, 0));
    m.connect(10.0);
    let g = m.generation();
    m.on_open(11.0, g);
    m.set_protocol(g, true);
    m.on_frame(12.0, g, Some(FrameType::Connected), 0);
    assert_eq!(users(&mut m), [("a".to_string(), 1, true)]);
}

#[test]
fn a_message_sent_while_another_is_encoded_goes_after_it() {
    // The data's `toJSON` of message 1 sends message 2 (the shell's fast path).
    for v2 in [false, true] {
        let mut m = welcomed(&opts(), 0.0, v2);
        let (id, wire, _) = m.direct().unwrap();
        assert_eq!((id, wire), (1, v2));
        assert_eq!(m.send("inner".into(), 1), Ok(2));
        assert!(users(&mut m).is_empty(), "the inner message waits");
        m.sent_direct(1, v2.then(|| "outer".to_string()), 1);
        assert_eq!(users(&mut m), [("inner".to_string(), 2, v2)]);
        assert_eq!(
            m.pending_ids().collect::<Vec<_>>(),
            if v2 { vec![1, 2] } else { vec![] }
        );
        // And when the outer one was not sent after all, the inner one still goes.
        m.direct().unwrap();
        m.send("inner2".into(), 1).unwrap();
        m.direct_failed();
        assert_eq!(users(&mut m).len(), 1);
    }
}

#[test]
fn after_a_v2_welcome_the_grace_never_resends_without_ids() {
    let mut m = welcomed(&opts(), 0.0, true);
    m.send("a".into(), 1).unwrap();
    users(&mut m);
    close(&mut m, 10.0, 1006);
    m.tick(3010.0, 0.0, 0);
    let g = m.generation();
    m.on_open(3011.0, g);
    m.tick(3011.0 + opts().welcome_timeout, 0.0, 0);
    assert!(
        users(&mut m).is_empty(),
        "no v1 flush of an unacknowledged message"
    );
    m.set_protocol(g, true);
    m.on_frame(5000.0, g, Some(FrameType::Connected), 0);
    assert_eq!(
        users(&mut m),
        [("a".to_string(), 1, true)],
        "the late v2 welcome sends it with its id"
    );
    assert_eq!(m.sent_ids().collect::<Vec<_>>(), [1]);
}

#[test]
fn a_v1_message_that_no_longer_fits_when_handed_back_is_refused_by_id() {
    let o = Options {
        max_queued_messages: 1.0,
        ..opts()
    };
    let mut m = welcomed(&o, 0.0, false);
    m.send("a".into(), 1).unwrap();
    m.send("b".into(), 1).unwrap();
    let mut sent: Vec<Outgoing<String>> = m
        .take_actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::Send(out @ Outgoing::User(..)) => Some(out),
            _ => None,
        })
        .collect();
    let b = sent.pop().unwrap();
    let a = sent.pop().unwrap();
    assert_eq!(m.not_writable(a, 1), None);
    let refused = m.not_writable(b, 1).map(|(id, e)| (id, e.code()));
    assert_eq!(refused, Some((2, "QUEUE_FULL")));
}

#[test]
fn a_network_change_probes_with_a_short_window() {
    use zantara_websocket::core::machine::QUICK_PROBE_MS;
    let o = opts(); // heartbeatTimeout 60 s
    let mut m = welcomed(&o, 0.0, true);
    m.probe_quick(1000.0);
    let pings = core_support::machine::sent(&m.take_actions());
    assert!(
        pings.len() == 1 && pings[0].contains(r#""type":"ping""#),
        "{pings:?}"
    );
    m.tick(1000.0 + QUICK_PROBE_MS - 1.0, 0.0, 0);
    assert!(m.is_connected(), "alive within the window");
    m.tick(1000.0 + QUICK_PROBE_MS, 0.0, 0);
    assert!(
        !m.is_connected(),
        "unanswered: the link is dead in seconds, not a minute"
    );
    // An outstanding (heartbeat) probe is shortened; an answer ends it.
    let mut m = welcomed(&o, 0.0, true);
    m.probe(100.0);
    m.take_actions();
    m.probe_quick(200.0);
    assert!(m.take_actions().is_empty(), "no second ping");
    assert_eq!(m.next_deadline(), Some(200.0 + QUICK_PROBE_MS));
    m.on_frame(300.0, m.generation(), Some(FrameType::Pong), 10);
    m.tick(200.0 + QUICK_PROBE_MS, 0.0, 0);
    assert!(m.is_connected());
}

#[test]
fn a_cumulative_ack_takes_every_message_up_to_it_but_no_request() {
    let mut m = welcomed(&opts(), 0.0, true);
    m.send("a".into(), 1).unwrap();
    m.send_request("req".into(), 1).unwrap();
    m.send("b".into(), 1).unwrap();
    m.send("c".into(), 1).unwrap();
    users(&mut m);
    let g = m.generation();
    assert_eq!(
        m.on_ack_up_to(g + 1, 4),
        Vec::<u32>::new(),
        "a stale socket's ack"
    );
    assert_eq!(m.on_ack_up_to(g, 3), [1, 3]);
    assert_eq!(
        m.pending_ids().collect::<Vec<_>>(),
        [2, 4],
        "the request waits for its reply"
    );
    assert_eq!(m.stats().acknowledged, 2);
}
