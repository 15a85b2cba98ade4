//! The model behind `tests/core_clock.rs`: one client driven through a
//! connect and an open link by a simulated server and a page whose clock
//! misbehaves, checking each drop against what the server did.

use zantara_websocket::core::machine::{GRACE_MS, LATE_MS, SLEEP_JUMP_MS};
use zantara_websocket::core::{Action, FrameType, Machine, Options, Outgoing};

use crate::core_support::machine::M;
use crate::core_support::rng::Rng;

/// What reaches the page from the network (or the browser).
#[derive(Debug, Clone, Copy, PartialEq)]
enum In {
    /// The token arrived: the shell creates the WebSocket.
    Created,
    Open,
    Pong,
    /// A channel message (dispatched and counted in JS, credited later).
    Message,
}

/// What the runs reached, to show the property is exercised.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    opened: u64,
    healthy_runs: u64,
    pub(crate) dead_found: u64,
    pub(crate) late_ticks: u64,
    pub(crate) held_frames: u64,
    throttled_runs: u64,
    sleeps: u64,
}

impl Seen {
    pub(crate) fn add(&mut self, o: &Seen) {
        self.opened += o.opened;
        self.healthy_runs += o.healthy_runs;
        self.dead_found += o.dead_found;
        self.late_ticks += o.late_ticks;
        self.held_frames += o.held_frames;
        self.throttled_runs += o.throttled_runs;
        self.sleeps += o.sleeps;
    }
}

/// One run: the machine, the server, the page's clock, what was seen.
pub(crate) struct World {
    rng: Rng,
    m: M,
    pub(crate) o: Options,
    /// The probe window, if liveness is checked.
    window: Option<f64>,
    /// The documented bound after the last frame: interval + timeout with
    /// pings, the timeout without.
    bound: f64,
    now: f64,
    /// Frames (and browser events) on their way, by arrival time.
    inflight: Vec<(f64, In)>,
    /// When the server (or the link) dies; infinity for a healthy run.
    pub(crate) dead_at: f64,
    /// Mean gap between the server's own messages, if it sends any.
    msg_gap: Option<f64>,
    next_msg: f64,
    /// Timers fire only on whole minutes.
    pub(crate) throttled: bool,
    /// Messages counted by the JS listener, not yet credited: (last arrival, count).
    counted: Option<(f64, u64)>,
    /// When the last frame arrived, as the page saw it (or the socket opened).
    last_heard: f64,
    /// The largest lateness of a tick since `last_heard`.
    max_late: f64,
    /// The earliest deadline reported since the last tick: a tick is late
    /// by the time since then (the page may have run other events meanwhile,
    /// as a throttled timer does).
    unticked: Option<f64>,
    open: bool,
    pub(crate) seen: Seen,
    wall: f64,
    next_wall: f64,
    pub(crate) log: Vec<String>,
}

impl World {
    /// A run with options `o` (valid ones), its randomness from `rng`.
    pub(crate) fn new(o: Options, mut rng: Rng) -> Self {
        let (i, t) = (o.heartbeat_interval, o.heartbeat_timeout);
        let window = match () {
            _ if t <= 0.0 => None,
            _ if i > 0.0 => Some(t),
            _ => Some(t / 2.0),
        };
        let now = rng.below(1 << 40) as f64;
        let msg_gap = rng
            .chance(0.5)
            .then(|| rng.pick(&[50.0, 500.0, 5000.0, 60_000.0]));
        World {
            m: Machine::new(&o),
            window,
            bound: if i > 0.0 { i + t } else { t },
            now,
            inflight: Vec::new(),
            dead_at: f64::INFINITY,
            msg_gap,
            next_msg: f64::INFINITY,
            throttled: rng.chance(0.2),
            counted: None,
            last_heard: now,
            max_late: 0.0,
            unticked: None,
            open: false,
            seen: Seen::default(),
            wall: 1.7e12,
            next_wall: now + rng.below(120_000) as f64,
            log: Vec::new(),
            o,
            rng,
        }
    }

    fn note(&mut self, s: String) {
        if self.log.len() == 40 {
            self.log.remove(0);
        }
        self.log.push(s);
    }

    fn arrive(&mut self, at: f64, what: In) {
        if at >= self.dead_at {
            return; // the link is dead: nothing gets through
        }
        let i = self.inflight.partition_point(|&(t, _)| t <= at);
        self.inflight.insert(i, (at, what));
    }

    fn heard(&mut self, at: f64) {
        self.last_heard = at;
        self.max_late = 0.0;
    }

    /// The next thing to arrive, if any: in flight, or the server's next
    /// message.
    fn next_arrival(&self) -> Option<(f64, In)> {
        let msg = (self.next_msg < self.dead_at).then_some((self.next_msg, In::Message));
        match (self.inflight.first().copied(), msg) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    fn take_next_arrival(&mut self, at: f64, what: In) {
        if what == In::Message {
            let gap = self.msg_gap.unwrap_or(f64::INFINITY);
            self.next_msg = at + 1.0 + self.rng.unit() * 2.0 * gap;
        } else {
            self.inflight.remove(0);
        }
    }

    /// Delivers `what` to the machine at `now` (its arrival, or the end of a
    /// freeze). Returns false when the run must stop.
    fn deliver(&mut self, what: In) -> bool {
        let (now, g) = (self.now, self.m.generation());
        self.note(format!("t={now} deliver {what:?}"));
        match what {
            In::Created => self.m.socket_created(now, g),
            In::Open => {
                self.m.on_open(now, g);
                self.open = true;
                self.seen.opened += 1;
                self.heard(now);
                if let Some(gap) = self.msg_gap {
                    self.next_msg = now + self.rng.unit() * 2.0 * gap;
                }
            }
            In::Pong => {
                self.m.on_frame(now, g, Some(FrameType::Pong), 40);
                self.heard(now);
            }
            In::Message => {
                if self.rng.chance(0.3) {
                    self.m.on_frame(now, g, Some(FrameType::Message), 40);
                } else {
                    let n = self.counted.map_or(0, |c| c.1);
                    self.counted = Some((now, n + 1));
                    if self.rng.chance(0.05) {
                        self.credit(); // a stats read
                    }
                }
                self.heard(now);
            }
        }
        self.actions()
    }

    fn credit(&mut self) {
        if let Some((at, n)) = self.counted.take() {
            self.m.credit(at, n, 10 * n);
        }
    }

    /// Carries out the actions: the server answers pings (when alive) within
    /// the probe window. Returns false when a socket was dropped.
    fn actions(&mut self) -> bool {
        let now = self.now;
        for a in self.m.take_actions() {
            match a {
                Action::Send(Outgoing::Control(t)) if t.starts_with(r#"{"type":"ping""#) => {
                    let rtt = match self.window {
                        Some(w) => self.rng.unit() * w,
                        None => self.rng.below(5000) as f64,
                    };
                    self.arrive(now + rtt, In::Pong);
                }
                Action::Drop { reason, .. } => {
                    self.note(format!("t={now} drop: {reason}"));
                    self.check_drop(reason);
                    return false;
                }
                _ => {}
            }
        }
        true
    }

    fn check_drop(&mut self, reason: &str) {
        assert!(self.open, "{reason} before the socket opened");
        assert_eq!(reason, "heartbeat timeout");
        assert!(
            self.now >= self.dead_at,
            "a healthy link was declared dead at {} (last frame {})",
            self.now,
            self.last_heard
        );
        let limit = self.limit();
        self.seen.dead_found += 1;
        assert!(
            self.now <= limit,
            "found dead at {}, after the bound {limit} (last frame {}, bound {}, late {})",
            self.now,
            self.last_heard,
            self.bound,
            self.max_late
        );
    }

    /// The latest a dead link may be found: the bound after its last frame,
    /// plus the lateness of the (up to three) ticks involved, plus the grace.
    fn limit(&self) -> f64 {
        self.last_heard + self.bound + GRACE_MS + 3.0 * self.max_late + 1e-6
    }

    /// When the timer set for deadline `d` fires, and whether the page was
    /// frozen meanwhile (frames that arrive after `d` wait for the tick).
    fn schedule(&mut self, d: f64) -> (f64, bool) {
        let d = d.max(self.now);
        if self.throttled {
            return ((d / 60_000.0).ceil() * 60_000.0, false);
        }
        match self.rng.below(100) {
            0..=4 => (d + LATE_MS + 1.0 + self.rng.below(5000) as f64, true),
            5 => (d + self.rng.below(600_000) as f64, true),
            6..=9 => (d + self.rng.below(LATE_MS as u64 + 1) as f64, false),
            _ => (d + self.rng.below(20) as f64, false),
        }
    }

    fn tick(&mut self, d: f64, fire: f64, frozen: bool) -> bool {
        self.now = fire;
        let since = self.unticked.take().map_or(d, |u| u.min(d));
        self.max_late = self.max_late.max(fire - since);
        if fire - since > LATE_MS {
            self.seen.late_ticks += 1;
        }
        self.note(format!("t={fire} tick for {d} frozen {frozen}"));
        self.credit();
        self.m.tick(fire, 0.5, 0);
        if !self.actions() {
            return false;
        }
        if let Some(next) = self.m.next_deadline() {
            assert!(next > fire, "the deadline {d} ticked at {fire} left {next}");
        }
        // Frames that arrived while the page was frozen, delivered now.
        while let Some((at, what)) = self.next_arrival().filter(|a| a.0 <= fire) {
            self.take_next_arrival(at, what);
            self.now += 0.25;
            self.seen.held_frames += 1;
            if !self.deliver(what) {
                return false;
            }
        }
        if self.open && self.window.is_some() && self.now > self.limit() {
            panic!(
                "the link is not found dead by {} (limit {}, dead since {})",
                self.now,
                self.limit(),
                self.dead_at
            );
        }
        true
    }

    /// The wall clock steps: back up to an hour, forward a little, or
    /// forward past a sleep (the monotonic clock paused).
    fn wall_step(&mut self) -> bool {
        self.wall += match self.rng.below(4) {
            0 => -(self.rng.below(3_600_000) as f64),
            1 => self.rng.below(SLEEP_JUMP_MS as u64) as f64,
            2 => {
                self.seen.sleeps += 1;
                600_000.0
            }
            _ => 0.0,
        };
        self.note(format!("t={} wall offset {}", self.now, self.wall));
        self.m.set_wall_offset(self.now, self.wall);
        self.next_wall = self.now + self.rng.below(120_000) as f64;
        self.actions()
    }

    pub(crate) fn run(&mut self) {
        let start = self.now;
        self.m.set_wall_offset(start, self.wall);
        self.m.connect(start);
        self.m.take_actions();
        // A healthy handshake: the token, then the open, within connectTimeout.
        let ct = self.o.connect_timeout;
        let opened_after = self.rng.unit() * ct;
        let token_after = self.rng.unit() * opened_after;
        self.arrive(start + token_after, In::Created);
        self.arrive(start + opened_after, In::Open);
        let end = start + 60_000.0 + self.rng.below(600_000) as f64;
        if self.rng.chance(0.5) {
            self.dead_at = start + ct + self.rng.below(300_000) as f64;
        } else {
            self.seen.healthy_runs += 1;
        }
        self.seen.throttled_runs += u64::from(self.throttled);
        for _ in 0..2000 {
            let d = self.m.next_deadline();
            if let Some(d) = d {
                self.unticked = Some(self.unticked.map_or(d, |u| u.min(d)));
            }
            let (fire, frozen) = d.map_or((f64::INFINITY, false), |d| self.schedule(d));
            let cutoff = if frozen { d.unwrap() } else { fire };
            let arrival = self.next_arrival().filter(|a| a.0 <= cutoff);
            let first = arrival.map_or(fire, |a| a.0).min(self.next_wall);
            if first > end {
                break;
            }
            let go_on = if first == self.next_wall && !arrival.is_some_and(|a| a.0 <= first) {
                self.now = self.now.max(first);
                self.wall_step()
            } else if let Some((at, what)) = arrival {
                self.take_next_arrival(at, what);
                self.now = self.now.max(at);
                self.deliver(what)
            } else {
                self.tick(d.unwrap(), fire, frozen)
            };
            if !go_on {
                return;
            }
        }
    }
}
