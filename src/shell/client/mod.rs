//! One client: the core's [`Machine`] and the JS resources that carry its
//! decisions out (its JS state `z` with the socket and the handlers, its
//! deadline on the hub's timer, a pending token wait, the hub's hold).
//! Events come in from the hub (the [`Member`] trait); the core's actions go
//! out in [`Client::run`].
//!
//! The files: this one (the client's state, the calls the exported class
//! makes, running the core's actions, the timer and registry), `opening.rs`
//! (the token and the socket's creation) and `inbound.rs` (socket events and
//! frames).
//!
//! Rules kept throughout: the hub holds a `Weak` of the client; no `RefCell`
//! borrow is held while user code runs (handlers, the token function,
//! `toJSON`), and state is read again after each call out, since the user
//! may have called any method meanwhile; events of an old socket generation
//! are ignored.

mod inbound;
mod opening;

use alloc::collections::VecDeque;
use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use super::boundary;
use super::emitter::Emitter;
use super::events::Events;
use super::hub::{self, Member, PageEvent};
use super::payloads;
use super::token::Token;
use crate::core::codes::HubEvent;
use crate::core::machine::LONG_HIDDEN_MS;
use crate::core::{Action, ConnState, Machine, Outgoing};
use crate::prelude::*;

/// What the shell was configured with, beyond the core's options.
pub(crate) struct Config {
    /// The server URL (a JS string) without the query the client adds.
    pub(crate) url: JsValue,
    /// `?role=`.
    pub(crate) role: Option<String>,
    /// `?token=`.
    pub(crate) token: Token,
    /// `maxFrameSize`, in UTF-16 code units.
    pub(crate) max_frame: usize,
}

/// The shell's clock: monotonic ms (`performance.now()`). Durations are
/// measured on it; the core gets the wall clock's offset from it for
/// timestamps (see [`Client::with_core`]).
pub(crate) fn now() -> f64 {
    boundary::monotonic_now()
}

fn random() -> f64 {
    js_sys::Math::random()
}

/// The state of one client, shared by the JS wrapper and the hub (which
/// holds it while it is active, and a `Weak` of it always).
pub(crate) struct Client {
    /// Its id at the hub, which the JS half's reports name.
    id: u32,
    cfg: Config,
    core: RefCell<Machine<JsString>>,
    events: Events,
    /// Whether its JS state holds a socket.
    has_socket: Cell<bool>,
    /// When it wants the hub's timer (monotonic ms; infinite: never).
    wake_at: Cell<f64>,
    /// The token wait it expects: its id (0: none) and the socket
    /// generation it is for.
    token_wait: Cell<(u32, u32)>,
    /// A token that failed at once, reported at the next wake-up (see
    /// `opening.rs`): the socket generation and why.
    token_failure: RefCell<Option<(u32, String)>>,
    /// Whether the hub holds this client.
    held: Cell<bool>,
    /// Actions taken from the core and not yet performed, with the socket
    /// generation of each (see [`Client::run`]).
    pending: RefCell<VecDeque<(Action<JsString>, u32)>>,
    /// Whether a `run` is performing actions (nested calls only queue).
    running: Cell<bool>,
    /// Set by `free()`: the client never connects again.
    shut_down: Cell<bool>,
    /// Whether the JS listener hands over each acknowledgement at once
    /// (`ackEager`): while messages wait for room in flight.
    eager: Cell<bool>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.drop_socket(0, "");
        hub::unregister(self.id);
    }
}

impl Member for Client {
    fn on_event(&self, ev: HubEvent, generation: u32, a: f64, b: f64, v: JsValue, w: JsValue) {
        match ev {
            HubEvent::Open => self.on_open(generation),
            HubEvent::Error => self.with_core(|c| c.on_socket_error(now(), generation)),
            HubEvent::Close => {
                let reason = v.as_string().unwrap_or_default();
                self.on_close(generation, a as u16, &reason, b != 0.0);
            }
            HubEvent::Frame => self.on_frame(generation, a as u32, b as usize, &v, &w),
            HubEvent::Thrown => self.events.report_thrown(&v, &|| self.count_error()),
            HubEvent::Token => self.token_settled(generation, a != 0.0, v),
            HubEvent::Credit => {
                self.credit_frames();
                self.run();
            }
            HubEvent::Timer | HubEvent::Page => {}
        }
    }

    fn on_page(&self, ev: PageEvent) {
        let t = now();
        self.with_core(|c| match ev {
            PageEvent::Online => {
                // The network changed: the open link may be dead unseen.
                c.set_online(t, true);
                c.probe_quick(t);
            }
            PageEvent::Visible(hidden_ms) if hidden_ms >= LONG_HIDDEN_MS => c.probe_quick(t),
            PageEvent::Visible(_) => {}
            PageEvent::Offline => c.set_online(t, false),
            PageEvent::Hide => c.page_hide(t),
            PageEvent::Show => c.page_show(t),
        });
    }

    fn wake_at(&self) -> f64 {
        self.wake_at.get()
    }

    fn on_wake(&self) {
        let failed = self.token_failure.borrow_mut().take();
        if let Some((generation, why)) = failed {
            self.token_failed(generation, why);
        }
        self.credit_frames();
        let unsent = self.unsent();
        // An `offline` event may have been a false alarm: at the periodic
        // re-check of an offline wait, the core hears what the browser says now.
        let t = now();
        let recheck = self.core.borrow().offline_recheck_due(t);
        let online = if recheck {
            self.navigator_online()
        } else {
            None
        };
        self.with_core(|c| {
            if let Some(online) = online {
                c.set_online(t, online);
            }
            c.tick(t, random(), unsent)
        });
    }

    fn resources(&self) -> (bool, u32) {
        (
            self.has_socket.get(),
            u32::from(self.token_wait.get().0 != 0),
        )
    }
}

impl Client {
    /// A client in state `Closed`: `debug` turns the console log on.
    pub(crate) fn new(
        cfg: Config,
        core: Machine<JsString>,
        debug: bool,
        user_id: Option<String>,
    ) -> Rc<Client> {
        Rc::new_cyclic(|me: &Weak<Client>| {
            let id = hub::register(me.clone());
            let z = boundary::create_client(id, cfg.max_frame as f64);
            Client {
                id,
                cfg,
                core: RefCell::new(core),
                events: Events::new(debug, user_id, Emitter::new(z)),
                has_socket: Cell::new(false),
                wake_at: Cell::new(f64::INFINITY),
                token_wait: Cell::new((0, 0)),
                token_failure: RefCell::new(None),
                held: Cell::new(false),
                pending: RefCell::new(VecDeque::new()),
                running: Cell::new(false),
                shut_down: Cell::new(false),
                eager: Cell::new(false),
            }
        })
    }

    /// The client's JS state (see `createClient` in boundary.js).
    pub(crate) fn z(&self) -> &JsValue {
        &self.handlers().z
    }

    /// The handler registry.
    pub(crate) fn handlers(&self) -> &Emitter {
        self.events.handlers()
    }

    /// Writes to the console when `debug` is on.
    pub(crate) fn log(&self, msg: &str) {
        self.events.log(msg);
    }

    /// Counts a handler that threw (no borrow is held while handlers run).
    pub(super) fn count_error(&self) {
        self.core.borrow_mut().count_error();
    }

    /// Reads the core (no user code may run while the borrow lives).
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Machine<JsString>) -> R) -> R {
        f(&self.core.borrow())
    }

    /// Calls into the core, then carries out its actions. The core learns
    /// the wall clock's current offset first (for timestamps, and to notice
    /// that the system slept: see `Machine::set_wall_offset`).
    pub(crate) fn with_core<R>(&self, f: impl FnOnce(&mut Machine<JsString>) -> R) -> R {
        // What the listener took (acknowledgements above all) first: the
        // call may rewind or count the queue.
        self.credit_frames();
        let r = {
            let mut core = self.core.borrow_mut();
            core.set_wall_offset(now(), boundary::wall_offset());
            f(&mut core)
        };
        self.run();
        r
    }

    /// `navigator.onLine`, when the global has a navigator.
    fn navigator_online(&self) -> Option<bool> {
        boundary::navigator_online().as_bool()
    }

    /// When a user message may go straight to the socket: its id, whether
    /// the id goes on the wire and the bytes it may have (see
    /// `Machine::direct`).
    pub(crate) fn direct(&self) -> Option<(u32, bool, usize)> {
        if !self.has_socket.get() {
            return None;
        }
        // Without room in flight, the message takes the queue's way, whose
        // first step credits what the listener took (`with_core`).
        self.core.borrow_mut().direct()
    }

    /// Queues or sends an encoded user message through the core, with its
    /// acknowledgement callback `ack` (undefined: none) registered before
    /// anything is sent. False when the queue refused it (`ack` then hears
    /// `QUEUE_FULL`).
    pub(crate) fn send_queued(&self, text: JsString, bytes: usize, ack: &JsValue) -> bool {
        if self.shut_down.get() {
            // Freed by the data's `toJSON`: it will never be sent.
            if !ack.is_undefined() {
                boundary::ack_on(self.z(), 0, ack);
                boundary::ack_settle(self.z(), 0, 3, &JsValue::UNDEFINED);
            }
            return false;
        }
        let r = {
            let mut core = self.core.borrow_mut();
            core.set_wall_offset(now(), boundary::wall_offset());
            core.send(text, bytes)
        };
        match r {
            Ok(id) if !ack.is_undefined() => boundary::ack_on(self.z(), id, ack),
            Err(ref e) if !ack.is_undefined() => {
                boundary::ack_on(self.z(), 0, ack);
                boundary::ack_settle(self.z(), 0, 4, &super::util::to_js_error(e));
            }
            _ => {}
        }
        self.run();
        r.is_ok()
    }

    /// Bytes handed to the socket that it has not sent (`bufferedAmount`).
    fn unsent(&self) -> u64 {
        if self.has_socket.get() {
            boundary::socket_unsent(self.z()) as u64
        } else {
            0
        }
    }

    /// Detaches and closes the socket, if any, with `code` and `reason`
    /// (code 0: without a code).
    pub(super) fn drop_socket(&self, code: u16, reason: &str) {
        if self.has_socket.replace(false) {
            boundary::shut_socket(self.z(), code, reason);
        }
    }

    /// `connect()`: does nothing once the client was shut down.
    pub(crate) fn connect(&self) {
        if !self.shut_down.get() {
            self.with_core(|c| c.connect(now()));
        }
    }

    /// For `free()`: disconnects for good. A handler that calls `connect()`
    /// meanwhile (on `disconnected` or `state`) is refused, so nothing
    /// outlives the JS object: no socket, timer, listener or registry hold.
    pub(crate) fn shut_down(&self) {
        self.shut_down.set(true);
        self.with_core(|c| c.disconnect(now()));
        // What was not acknowledged will never be sent now; those handed to
        // a socket before may have arrived.
        let sent: Vec<u32> = self.core.borrow().sent_ids().collect();
        boundary::ack_drop(self.z(), &sent);
    }

    /// Counts a user frame `sendNow` handed to the socket as message `id`,
    /// kept in flight when `frame` is given (a v2 link). No actions follow,
    /// so nothing is run: this is the hot path.
    /// Messages the data's `toJSON` sent meanwhile follow it (then, and
    /// only then, actions are run).
    pub(crate) fn sent_direct(&self, id: u32, frame: Option<JsString>, units: usize) {
        let more = {
            let mut core = self.core.borrow_mut();
            core.sent_direct(id, frame, units);
            core.has_actions()
        };
        if more {
            self.run();
        }
    }

    /// A request or stream (kind 1 or 2, see `encodeAs` in boundary.js),
    /// encoded as `text`, through the core's queue: its id, or 0 when it
    /// was refused (`ack` hears why). `on_chunk` (a stream's) gets each
    /// chunk from the JS listener.
    pub(crate) fn send_request(&self, text: JsString, ack: &JsValue, on_chunk: &JsValue) -> u32 {
        let refuse = |e: &crate::core::Error| {
            boundary::ack_on(self.z(), 0, ack);
            boundary::ack_settle(self.z(), 0, 4, &super::util::to_js_error(e));
            0
        };
        if self.shut_down.get() {
            return refuse(&crate::core::Error::Disconnected);
        }
        let r = {
            let mut core = self.core.borrow_mut();
            core.set_wall_offset(now(), boundary::wall_offset());
            core.send_request(text.clone(), text.length() as usize)
        };
        let id = match r {
            Ok(id) => id,
            Err(e) => return refuse(&e),
        };
        boundary::ack_on(self.z(), id, ack);
        if on_chunk.is_function() {
            boundary::stream_on(self.z(), id, on_chunk);
        }
        self.run();
        id
    }

    /// Gives up request or stream `id`: never sent (again), the server told
    /// (`cancel`) when it is in flight on an open v2 link, its callback
    /// settled with error `e`. False when it was no longer pending.
    pub(crate) fn cancel(&self, id: u32, e: &JsValue) -> bool {
        let (was, tell) = {
            let mut core = self.core.borrow_mut();
            let tell = core.link_v2() && core.sent_ids().any(|i| i == id);
            (core.forget(id), tell)
        };
        if tell {
            boundary::send_cancel(self.z(), id);
        }
        boundary::ack_settle(self.z(), id, 4, e);
        was
    }

    /// The fast path of `sendMessage` did not send (see `Machine::direct_failed`).
    pub(crate) fn direct_failed(&self) {
        let more = {
            let mut core = self.core.borrow_mut();
            core.direct_failed();
            core.has_actions()
        };
        if more {
            self.run();
        }
    }

    // ----- carrying out the core's actions -----------------------------------

    /// Carries out the core's actions in the order the core produced them,
    /// each tagged with the socket generation it was produced in. User code
    /// run by an action (a handler, the token function) may call back in:
    /// the nested call queues its actions behind the ones still pending and
    /// returns, and this loop performs them in turn, so events reach the page
    /// in the order they happened (the `state` chain holds). Events are
    /// always delivered; a frame whose generation is gone goes back to the
    /// core uncounted (a user message to the queue), and a stale `Open` is
    /// skipped (a newer one follows).
    pub(super) fn run(&self) {
        self.collect();
        if self.running.replace(true) {
            return; // an outer run performs them
        }
        loop {
            let next = self.pending.borrow_mut().pop_front();
            let Some((action, generation)) = next else {
                break;
            };
            let current = self.core.borrow().generation();
            match action {
                Action::Send(out) if generation != current => self.requeue(out),
                Action::Open { generation: g } if g != current => {}
                action => self.perform(action),
            }
            self.collect();
        }
        self.running.set(false);
        // An idle client keeps no queue capacity (160 bytes or more each).
        *self.pending.borrow_mut() = VecDeque::new();
        self.sync_resources();
    }

    /// Moves the core's new actions to the back of the pending queue.
    fn collect(&self) {
        let (actions, generation) = {
            let mut core = self.core.borrow_mut();
            (core.take_actions(), core.generation())
        };
        let mut pending = self.pending.borrow_mut();
        for a in actions {
            pending.push_back((a, generation));
        }
    }

    fn perform(&self, action: Action<JsString>) {
        match action {
            Action::Send(out) => self.send(out),
            Action::Open { generation } => self.open(generation),
            Action::Drop { code, reason } => self.drop_socket(code, reason),
            Action::Emit(e) => self.events.emit(e, &|| self.count_error()),
            Action::Unsent { id, error } => {
                boundary::ack_settle(self.z(), id, 4, &super::util::to_js_error(&error));
            }
        }
    }

    fn send(&self, out: Outgoing<JsString>) {
        let sent = self.has_socket.get()
            && match &out {
                Outgoing::Control(text) => {
                    boundary::send_frame(self.z(), &JsValue::from_str(text), 0)
                }
                Outgoing::User(item, v2) => {
                    let wire_id = if *v2 { item.id } else { 0 };
                    boundary::send_frame(self.z(), &item.frame, wire_id)
                }
            };
        match &out {
            // A v1 link cannot confirm: the callback hears it was sent.
            Outgoing::User(item, false) if sent => {
                boundary::ack_settle(self.z(), item.id, 2, &JsValue::UNDEFINED)
            }
            _ if !sent => self.requeue(out),
            _ => {}
        }
    }

    /// Hands a frame that was not sent back to the core (uncounted; a user
    /// message goes back to the queue, a control frame is rebuilt later).
    pub(super) fn requeue(&self, out: Outgoing<JsString>) {
        let bytes = match &out {
            Outgoing::Control(t) => t.len(),
            Outgoing::User(item, _) => item.bytes,
        };
        let refused = self.core.borrow_mut().not_writable(out, bytes);
        if let Some((id, e)) = refused {
            boundary::ack_settle(self.z(), id, 4, &super::util::to_js_error(&e));
        }
    }

    /// The wake-up, the token wait and the hub's hold follow the state:
    /// present while the client is active, gone once it is closed.
    fn sync_resources(&self) {
        let (closed, deadline, waiting) = {
            let core = self.core.borrow();
            let waiting = core.waiting_messages() > 0;
            (
                core.state() == ConnState::Closed,
                core.next_deadline(),
                waiting,
            )
        };
        if self.eager.get() != waiting {
            self.eager.set(waiting);
            boundary::ack_eager(self.z(), waiting);
        }
        // A wait the core gave up (closed, a connect timeout, pagehide):
        // its report will be ignored.
        let (wait, generation) = self.token_wait.get();
        if wait != 0 && !self.core.borrow().awaits_socket(generation) {
            self.token_wait.set((0, 0));
        }
        if closed {
            self.wake_at.set(f64::INFINITY);
            self.token_failure.borrow_mut().take();
            if self.held.replace(false) {
                hub::release(self.id);
            }
            return;
        }
        if !self.held.replace(true) {
            hub::hold(self.id);
            if self.navigator_online() == Some(false) {
                self.with_core(|c| c.set_online(now(), false));
                return;
            }
        }
        let t = now();
        let mut at = deadline.unwrap_or(f64::INFINITY);
        if self.token_failure.borrow().is_some() {
            at = at.min(t);
        }
        self.wake_at.set(at);
        hub::wake_by(at, t);
    }

    /// Reports the channel messages the JS listener handled to the core, as
    /// of the time the last one arrived.
    pub(crate) fn credit_frames(&self) {
        let Some(counts) = self.handlers().take_counts() else {
            return;
        };
        let ids = {
            let mut core = self.core.borrow_mut();
            core.credit(counts.last_at, counts.frames, counts.units);
            match counts.acked {
                (0, _) => Vec::new(),
                (id, generation) => core.on_ack_up_to(generation, id),
            }
        };
        if !ids.is_empty() {
            boundary::ack_settle_all(self.z(), &ids);
        }
    }

    /// `getStats()`.
    pub(crate) fn stats(&self) -> JsValue {
        self.credit_frames();
        let id = self.events.client_id();
        let user = self.events.user_id();
        payloads::stats(&self.core.borrow(), self.z(), id.as_deref(), user, now())
    }
}

// At the end of the file, so that the npm build's panic locations (line numbers) stay as they were.
#[cfg(feature = "rust-api")]
impl Client {
    /// Whether `shut_down` ran (the Rust API's `DISCONNECTED`).
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.get()
    }
}
