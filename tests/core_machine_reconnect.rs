#![cfg(not(target_arch = "wasm32"))]
//! Scenario tests of the state machine (`core::machine`), native, with
//! injected time and randomness: reconnecting after a loss (the backoff
//! schedule, jitter, the stable period, close codes, `autoReconnect`),
//! offline and page lifecycle, failed opens, and a herd of clients.

mod core_support;

use core_support::machine::{cl, close, events, machine, opened, opens, opts, reconnecting};
use zantara_websocket::core::{Action, ConnState, Error, Event, Options};

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
fn offline_suspends_attempts_and_online_retries_at_once() {
    let mut m = opened(&opts(), 0.0);
    m.set_online(10.0, false);
    assert_eq!(
        m.state(),
        ConnState::Open,
        "an open socket is left to the liveness check"
    );
    let acts = close(&mut m, 20.0, 1006);
    assert!(reconnecting(&acts).is_none());
    // No attempt while offline: only a re-check of navigator.onLine every
    // maxReconnectInterval (the shell refreshes set_online before a tick).
    assert_eq!(m.next_deadline(), Some(15_020.0), "only the re-check");
    m.tick(1e6, 0.0, 0);
    assert_eq!(opens(&m.take_actions()), 0);
    assert_eq!(m.next_deadline(), Some(1e6 + 15_000.0));
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
    assert_eq!(
        m.next_deadline(),
        Some(15_005.0),
        "the retry's timer is cancelled"
    );
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
