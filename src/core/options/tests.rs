//! Unit tests of the options table and setters.

use super::*;

#[test]
fn defaults_are_the_legacy_ones() {
    let o = Options::default();
    assert!(o.auto_reconnect && o.auto_connect && !o.debug);
    assert_eq!(o.reconnect_interval, 3000.0);
    assert_eq!(o.max_reconnect_attempts, 10.0);
    assert_eq!(o.max_reconnect_interval, 15000.0);
    assert_eq!(o.jitter, 0.2);
    assert_eq!(o.stable_after, 5000.0);
    assert_eq!(o.heartbeat_interval, 25000.0);
    assert_eq!(o.heartbeat_timeout, 60000.0);
    assert_eq!(o.max_queued_messages, 1000.0);
    assert_eq!(o.max_queued_bytes, 1_048_576.0);
    assert_eq!(o.welcome_timeout, 500.0);
    assert_eq!(o.max_frame_size, 1_048_576.0);
    assert_eq!(o.connect_timeout, 20000.0);
    assert_eq!(o.backoff, BackoffKind::Linear);
    assert_eq!((o.ws_url, o.role), (None, None));
    assert!(o.close_codes.is_empty());
}

#[test]
fn every_table_entry_is_bound_once_and_defaults_to_the_table() {
    let d = Options::default();
    assert_eq!(d, d.clone(), "a number field without an entry (NaN)");
    let mut marked = Options::default();
    for (i, s) in OPTIONS.iter().enumerate() {
        let mut o = d.clone();
        let mark = i as f64 + 0.5;
        match s.kind {
            OptionKind::Number { default, .. } => {
                assert_eq!(o.number_mut(s.name).copied(), Some(default), "{}", s.name);
                *marked.number_mut(s.name).unwrap() = mark;
            }
            OptionKind::Bool { default } => {
                assert_eq!(o.bool_mut(s.name).copied(), Some(default), "{}", s.name);
                assert!(o.set_bool(s.name, !default));
                assert_ne!(o, d, "{} changed nothing", s.name);
            }
            OptionKind::Text => {
                assert_eq!(o.text_mut(s.name), Some(&mut None), "{}", s.name);
                assert!(o.set_text(s.name, "x".into()));
                assert_ne!(o, d, "{} changed nothing", s.name);
            }
            OptionKind::Choice(choices) => {
                assert_eq!(choices.len(), BACKOFF_KINDS.len(), "{}", s.name);
                for c in choices.iter().rev() {
                    assert_eq!(o.set_choice(s.name, c), Ok(true), "{}", s.name);
                }
                assert_eq!(o, d, "the first choice is the default");
            }
            OptionKind::Token | OptionKind::CloseCodes | OptionKind::Constructor => {}
        }
        let n = s.name;
        let bound = [
            o.number_mut(n).is_some(),
            o.bool_mut(n).is_some(),
            o.text_mut(n).is_some(),
        ];
        let kind = [
            matches!(s.kind, OptionKind::Number { .. }),
            matches!(s.kind, OptionKind::Bool { .. }),
            s.kind == OptionKind::Text,
        ];
        assert_eq!(bound, kind, "{n} is bound to one field, of its kind");
    }
    // Each number field holds its own mark: no two names share a field.
    for (i, s) in OPTIONS.iter().enumerate() {
        if let OptionKind::Number { .. } = s.kind {
            assert_eq!(marked.number_mut(s.name).copied(), Some(i as f64 + 0.5));
        }
    }
    assert_eq!(CLOSE_CODES.kind, OptionKind::CloseCodes);
}

#[test]
fn names_are_distinct_found_and_described() {
    for (i, s) in OPTIONS.iter().enumerate() {
        assert_eq!(spec(s.name), Some(s));
        assert!(!s.expected.is_empty() && !s.doc.is_empty(), "{}", s.name);
        assert!(!OPTIONS[..i].iter().any(|t| t.name == s.name), "{}", s.name);
    }
    for name in ["nope", "", "Jitter", "jitter ", "options"] {
        assert_eq!(spec(name), None, "{name}");
    }
}

#[test]
fn numbers_are_range_checked_with_named_errors() {
    let mut o = Options::default();
    assert_eq!(o.set_number("jitter", 0.5), Ok(true));
    assert_eq!(o.jitter, 0.5);
    let e = o.set_number("jitter", 1.5).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ZantaraWebSocket: option `jitter` must be a number from 0 to 1"
    );
    assert!(o.set_number("reconnectInterval", 0.0).is_err());
    assert!(o.set_number("reconnectInterval", f64::NAN).is_err());
    assert!(o.set_number("reconnectInterval", -5.0).is_err());
    assert!(o.set_number("maxQueuedMessages", 1.5).is_err());
    assert!(o.set_number("maxQueuedMessages", f64::INFINITY).is_err());
    assert_eq!(
        o.set_number("maxReconnectAttempts", f64::INFINITY),
        Ok(true)
    );
    assert_eq!(o.set_number("heartbeatInterval", 0.0), Ok(true));
    // heartbeatTimeout: 0 is off, else at least 100 ms.
    assert_eq!(o.set_number("heartbeatTimeout", 0.0), Ok(true));
    assert_eq!(o.set_number("heartbeatTimeout", 100.0), Ok(true));
    for v in [-0.5, 0.5, 99.9, f64::NAN, f64::INFINITY] {
        let e = o.set_number("heartbeatTimeout", v).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ZantaraWebSocket: option `heartbeatTimeout` must be 0 (off), or a number of \
             milliseconds from 100 to 2147483647",
            "{v}"
        );
    }
    assert_eq!(o.heartbeat_timeout, 100.0);
    // connectTimeout: never 0, so the wait is always bounded.
    assert!(o.set_number("connectTimeout", 0.0).is_err());
    assert_eq!(o.set_number("connectTimeout", 1.0), Ok(true));
    assert_eq!(o.set_number("nope", 1.0), Ok(false));
    assert_eq!(o.set_number("", 1.0), Ok(false));
    assert_eq!(o.set_number("debug", 1.0), Ok(false));
    assert_eq!(o.jitter, 0.5, "a refused value leaves the option as it was");
}

#[test]
fn every_number_option_is_settable() {
    for s in OPTIONS {
        if let OptionKind::Number { min, .. } = s.kind {
            let mut o = Options::default();
            assert_eq!(o.set_number(s.name, min), Ok(true), "{}", s.name);
            assert_ne!(o, Options::default(), "{} changed nothing", s.name);
        }
    }
    assert!(!Options::default().set_bool("nope", true));
    assert!(!Options::default().set_text("jitter", "x".into()));
}

#[test]
fn backoff_and_close_codes() {
    let mut o = Options::default();
    o.set_backoff("exponential").unwrap();
    assert_eq!(o.backoff_policy().kind, BackoffKind::Exponential);
    assert_eq!(o.set_backoff("fast").unwrap_err().code(), "INVALID_OPTION");
    assert_eq!(o.set_choice("jitter", "linear"), Ok(false));
    o.add_close_code("4001", "stop").unwrap();
    o.add_close_code(" 1008 ", "reconnect").unwrap();
    assert!(o.add_close_code("999", "stop").is_err());
    assert!(o.add_close_code("abc", "stop").is_err());
    assert!(o.add_close_code("4002", "later").is_err());
    let p = o.close_policy();
    assert_eq!(p.decide(4001).reaction, CloseReaction::Stop);
    assert_eq!(p.decide(1008).reaction, CloseReaction::Reconnect);
}
