//! One client: the core's [`Machine`] and the JS resources that carry its
//! decisions out (the socket, one wake-up timer, a pending token wait, the
//! registry's hold and the handlers). Events come in from those resources
//! through the callbacks given to them; the core's actions go out in
//! [`Client::run`].
//!
//! The files: this one (the client's state, the calls the exported class
//! makes, running the core's actions, the timer and registry), `opening.rs`
//! (the token and the socket's creation) and `inbound.rs` (socket events and
//! frames).
//!
//! Rules kept throughout: closures hold a `Weak` of the client; no `RefCell`
//! borrow is held while user code runs (handlers, the token function,
//! `toJSON`), and state is read again after each call out, since the user
//! may have called any method meanwhile; events of an old socket generation
//! are ignored.

mod inbound;
mod opening;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::JsString;
use wasm_bindgen::prelude::*;

use super::boundary;
use super::counters::{self, Kind};
use super::emitter::Emitter;
use super::events::Events;
use super::page::PageEvent;
use super::payloads;
use super::registry::{self, PageSink};
use super::socket::Socket;
use super::token::{Token, TokenWait};
use super::util::get;
use super::wake::Wake;
use crate::core::{Action, ConnState, Machine, Outgoing};

/// What the shell was configured with, beyond the core's options.
pub(crate) struct Config {
    /// The server URL without the query the client adds.
    pub(crate) url: String,
    /// `?role=`.
    pub(crate) role: Option<String>,
    /// `?token=`.
    pub(crate) token: Token,
    /// `maxFrameSize`, in UTF-16 code units.
    pub(crate) max_frame: usize,
}

/// The wall clock, in ms.
/// The shell's clock: monotonic ms (`performance.now()`). Durations are
/// measured on it; the core gets the wall clock's offset from it for
/// timestamps (see [`Client::with_core`]).
pub(crate) fn now() -> f64 {
    boundary::monotonic_now()
}

fn random() -> f64 {
    js_sys::Math::random()
}

/// The state of one client, shared by the JS wrapper, the registry and (as
/// `Weak`) every closure.
pub(crate) struct Client {
    me: Weak<Client>,
    cfg: Config,
    core: RefCell<Machine<JsString>>,
    events: Events,
    socket: RefCell<Option<Socket>>,
    wake: RefCell<Option<Wake>>,
    token_wait: RefCell<Option<TokenWait>>,
    /// A token that failed at once, reported from a timer (see `opening.rs`).
    token_failure: RefCell<Option<Wake>>,
    /// Whether the registry holds this client.
    held: Cell<bool>,
    /// Actions taken from the core and not yet performed, with the socket
    /// generation of each (see [`Client::run`]).
    pending: RefCell<VecDeque<(Action<JsString>, u32)>>,
    /// Whether a `run` is performing actions (nested calls only queue).
    running: Cell<bool>,
    /// Set by `free()`: the client never connects again.
    shut_down: Cell<bool>,
}

impl Drop for Client {
    fn drop(&mut self) {
        counters::dec(Kind::Instance);
    }
}

impl PageSink for Client {
    fn on_page(&self, ev: PageEvent) {
        let t = now();
        self.with_core(|c| match ev {
            PageEvent::Online => {
                // The network changed: the open link may be dead unseen.
                c.set_online(t, true);
                c.probe(t);
            }
            PageEvent::Offline => c.set_online(t, false),
            PageEvent::Hide => c.page_hide(t),
            PageEvent::Show => c.page_show(t),
        });
    }
}

impl Client {
    /// A client in state `Closed`, delivering to `events`.
    pub(crate) fn new(cfg: Config, core: Machine<JsString>, events: Events) -> Rc<Client> {
        counters::inc(Kind::Instance);
        Rc::new_cyclic(|me| Client {
            me: me.clone(),
            cfg,
            core: RefCell::new(core),
            events,
            socket: RefCell::new(None),
            wake: RefCell::new(None),
            token_wait: RefCell::new(None),
            token_failure: RefCell::new(None),
            held: Cell::new(false),
            pending: RefCell::new(VecDeque::new()),
            running: Cell::new(false),
            shut_down: Cell::new(false),
        })
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
        get(&get(&js_sys::global(), "navigator"), "onLine").as_bool()
    }

    /// The socket while the core says frames can go straight to it: a handle
    /// (no borrow is kept, since sending may run user code).
    pub(crate) fn writable_socket(&self) -> Option<web_sys::WebSocket> {
        if !self.core.borrow().is_connected() {
            return None;
        }
        self.socket.borrow().as_ref().map(|s| s.ws.clone())
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
    }

    /// Counts a user frame `sendNow` handed to the socket (no actions follow,
    /// so nothing is run: this is the hot path).
    pub(crate) fn sent_direct(&self, units: usize) {
        self.core.borrow_mut().sent_direct(units);
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
        self.sync_resources();
    }

    /// Moves the core's new actions to the back of the pending queue.
    fn collect(&self) {
        let (actions, generation) = {
            let mut core = self.core.borrow_mut();
            (core.take_actions(), core.generation())
        };
        let tagged = actions.into_iter().map(|a| (a, generation));
        self.pending.borrow_mut().extend(tagged);
    }

    fn perform(&self, action: Action<JsString>) {
        match action {
            Action::Send(out) => self.send(out),
            Action::Open { generation } => self.open(generation),
            Action::Drop { code, reason } => {
                let socket = self.socket.borrow_mut().take();
                if let Some(s) = socket {
                    s.shut(code, reason);
                }
            }
            Action::Emit(e) => self.events.emit(e, &|| self.count_error()),
        }
    }

    fn send(&self, out: Outgoing<JsString>) {
        let sock = self.socket.borrow();
        let Some(s) = sock.as_ref().filter(|s| s.is_open()) else {
            drop(sock);
            return self.requeue(out);
        };
        let r = match &out {
            Outgoing::Control(text) => s.ws.send_with_str(text),
            Outgoing::User(text) => s.ws.unchecked_ref::<boundary::RawSocket>().send_js(text),
        };
        drop(sock);
        if r.is_err() {
            self.requeue(out);
        }
    }

    /// Hands a frame that was not sent back to the core (uncounted; a user
    /// message goes back to the queue, a control frame is rebuilt later).
    pub(super) fn requeue(&self, out: Outgoing<JsString>) {
        let bytes = match &out {
            Outgoing::Control(t) => t.len(),
            Outgoing::User(t) => t.length() as usize,
        };
        self.core.borrow_mut().not_writable(out, bytes);
    }

    /// Timer, token wait, page listeners and registry follow the state:
    /// present while the client is active, gone once it is closed.
    fn sync_resources(&self) {
        let (closed, deadline) = {
            let core = self.core.borrow();
            (core.state() == ConnState::Closed, core.next_deadline())
        };
        if closed {
            let wake = self.wake.borrow_mut().take();
            let wait = self.token_wait.borrow_mut().take();
            let failure = self.token_failure.borrow_mut().take();
            drop((wake, wait, failure));
            if self.held.replace(false) {
                registry::release((self as *const Client).cast());
            }
            return;
        }
        if !self.held.get() {
            if let Some(me) = self.me.upgrade() {
                self.held.set(true);
                registry::hold(me);
            }
            if self.navigator_online() == Some(false) {
                self.with_core(|c| c.set_online(now(), false));
                return;
            }
        }
        let mut wake = self.wake.borrow_mut();
        match deadline {
            None => *wake = None,
            // A timer set for earlier is kept: it fires, finds nothing due,
            // and is set again. Deadlines that only move later (every frame
            // moves the heartbeat's) thus cost no timer churn.
            Some(at) if wake.as_ref().is_some_and(|w| w.at <= at) => {}
            Some(at) => {
                let me = self.me.clone();
                *wake = Some(Wake::new(at, now(), move || {
                    if let Some(c) = me.upgrade() {
                        c.on_wake();
                    }
                }));
            }
        }
    }

    fn on_wake(&self) {
        let wake = self.wake.borrow_mut().take();
        drop(wake);
        self.credit_frames();
        let unsent = self.socket.borrow().as_ref().map_or(0, Socket::unsent);
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

    /// Reports the channel messages the JS listener handled to the core, as
    /// of the time the last one arrived.
    pub(crate) fn credit_frames(&self) {
        let counts = self.handlers().take_counts();
        if counts.frames > 0 {
            let mut core = self.core.borrow_mut();
            core.credit(counts.last_at, counts.frames, counts.units);
        }
    }

    /// `getStats()`.
    pub(crate) fn stats(&self) -> JsValue {
        self.credit_frames();
        let id = self.events.client_id();
        let user = self.events.user_id();
        payloads::stats(&self.core.borrow(), id.as_deref(), user, now())
    }
}
