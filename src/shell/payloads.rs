//! The JS values users receive: each event's payload and `getStats()`'s
//! object, built from the core's values. Pure builders: they call no user
//! code and hold no state.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use super::boundary;
use super::util::{set, to_js_error};
use crate::core::{Event, Machine};

/// The event name and payload for `e`. `connected` is the payload of the
/// `connected` event (the welcome frame's `data`, or `{clientId: null,
/// userId}` for servers that send none).
pub(crate) fn event(e: Event, connected: impl FnOnce() -> JsValue) -> (&'static str, JsValue) {
    let o = Object::new();
    let name = match e {
        Event::Connected => return ("connected", connected()),
        Event::Error(err) => return ("error", to_js_error(&err)),
        Event::Disconnected {
            code,
            reason,
            was_clean,
            unsent_bytes,
            will_reconnect,
            queued_messages,
        } => {
            set(&o, "code", code.into());
            set(&o, "reason", reason.into());
            set(&o, "wasClean", was_clean.into());
            set(&o, "bufferedAmount", (unsent_bytes as f64).into());
            set(&o, "willReconnect", will_reconnect.into());
            set(&o, "queuedMessages", (queued_messages as f64).into());
            "disconnected"
        }
        Event::Reconnecting { attempt, delay_ms } => {
            set(&o, "attempt", attempt.into());
            // Rounded to whole ms (`f64::round` is std's; the delay is >= 0).
            set(&o, "delay", ((delay_ms + 0.5) as u64 as f64).into());
            "reconnecting"
        }
        Event::ReconnectFailed { attempts } => {
            set(&o, "attempts", attempts.into());
            "reconnect_failed"
        }
        Event::State { from, to, reason } => {
            set(&o, "from", from.as_str().into());
            set(&o, "to", to.as_str().into());
            set(&o, "reason", reason.into());
            "state"
        }
        Event::Pong { rtt_ms } => {
            set(&o, "rtt", rtt_ms.into());
            "pong"
        }
    };
    (name, o.into())
}

/// `{clientId: null, userId}`: the `connected` payload without a welcome.
pub(crate) fn no_welcome(user_id: Option<&str>) -> JsValue {
    let o = Object::new();
    set(&o, "clientId", JsValue::NULL);
    set(&o, "userId", opt_str(user_id));
    o.into()
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from)
}

/// `getStats()`: the legacy fields (`connected`, `clientId`, `userId`,
/// `subscriptions`, `reconnectAttempts`, `lastPong`) and the health counters.
/// Never includes the token. `now` is the wall clock in ms.
pub(crate) fn stats<F: Clone>(
    core: &Machine<F>,
    z: &JsValue,
    client_id: Option<&str>,
    user_id: Option<&str>,
    now: f64,
) -> JsValue {
    let s = core.stats();
    let o = Object::new();
    let num = |key: &str, v: f64| set(&o, key, v.into());
    set(&o, "connected", core.is_connected().into());
    set(&o, "state", core.state().as_str().into());
    set(&o, "clientId", opt_str(client_id));
    set(&o, "userId", opt_str(user_id));
    let subs: Array = core.subscriptions().iter().map(JsValue::from_str).collect();
    set(&o, "subscriptions", subs.into());
    set(&o, "reconnectAttempts", core.attempt().into());
    let last_pong = s.last_pong_ms.map_or(JsValue::NULL, boundary::iso);
    set(&o, "lastPong", last_pong);
    set(&o, "rtt", s.rtt_ms.map_or(JsValue::NULL, JsValue::from));
    num("messagesIn", s.messages_in as f64);
    num("messagesOut", s.messages_out as f64);
    num("bytesIn", s.bytes_in as f64);
    num("bytesOut", s.bytes_out as f64);
    num("queuedMessages", core.queued_messages() as f64);
    num("queuedBytes", core.queued_bytes() as f64);
    num("reconnects", s.reconnects as f64);
    num("errors", s.errors as f64);
    num("droppedFrames", s.dropped_frames as f64);
    num("inFlight", core.in_flight() as f64);
    num("acknowledged", s.acknowledged as f64);
    num("refused", s.refused as f64);
    num("resent", s.resent as f64);
    // Inbound recovery is counted by the JS listener (client state `z`).
    set(&o, "recovered", super::util::get(z, "rc"));
    set(&o, "missed", super::util::get(z, "gp"));
    set(&o, "duplicates", super::util::get(z, "dp"));
    let protocol = match core.state() {
        _ if !core.is_connected() || !core.welcomed() => JsValue::NULL,
        _ if core.link_v2() => 2.into(),
        _ => 1.into(),
    };
    set(&o, "protocol", protocol);
    let code = s.last_close_code.map_or(JsValue::NULL, JsValue::from);
    set(&o, "lastCloseCode", code);
    set(&o, "lastCloseReason", s.last_close_reason.as_str().into());
    num("lastBufferedAmount", s.last_unsent_bytes as f64);
    num("uptime", s.uptime_ms(now));
    set(&o, "online", core.is_online().into());
    o.into()
}
