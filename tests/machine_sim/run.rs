//! Setting up a run (random options, weights and start time), moving the
//! clock, generating arguments, and making one step: a call, then the checks.

use std::collections::VecDeque;

use zantara_websocket::core::machine::LATE_MS;
use zantara_websocket::core::{ConnState, Machine, RESERVED_EVENTS};

use super::{Before, Coverage, Op, Sim, Sock, OPS};
use crate::core_support::gen::{gen_options, gen_string};
use crate::core_support::rng::Rng;

impl Sim {
    pub(crate) fn new(mut rng: Rng) -> Self {
        let o = gen_options(&mut rng);
        // Each run leans towards some calls: calm runs, stormy runs, ...
        // (never without connecting, opening, ticking or closing).
        let weights = OPS
            .iter()
            .map(|&(op, w)| {
                let floor = matches!(op, Op::Connect | Op::Open | Op::Tick | Op::Close);
                w * (rng.below(4) + u64::from(floor))
            })
            .collect();
        let now = if rng.chance(0.5) {
            1_700_000_000_000.0 + rng.below(100_000_000_000) as f64
        } else {
            rng.below(1_000_000) as f64
        };
        Sim {
            m: Machine::new(&o),
            o,
            rng,
            weights,
            now,
            max_now: now,
            wall: None,
            sock: None,
            last_open_gen: None,
            old_gens: Vec::new(),
            state: ConnState::Closed,
            subs: Vec::new(),
            online: true,
            hidden: false,
            connected_emitted: false,
            ping: None,
            last_heard: now,
            just_opened: false,
            next_id: 0,
            immediate: None,
            queue: VecDeque::new(),
            accepted: 0,
            requeue_refused: 0,
            sent_user: 0,
            last_sent: None,
            out_msgs: 0,
            out_bytes: 0,
            in_msgs: 0,
            in_bytes: 0,
            errors: 0,
            dropped: 0,
            connections: 0,
            log: VecDeque::new(),
            cov: Coverage::default(),
        }
    }

    fn note(&mut self, s: String) {
        if self.log.len() == 48 {
            self.log.pop_front();
        }
        self.log.push_back(s);
    }

    pub(crate) fn run(&mut self, steps: u64) {
        self.cov.runs += 1;
        if self.weights.iter().all(|&w| w == 0) {
            self.weights = OPS.iter().map(|&(_, w)| w).collect();
        }
        // `autoConnect` (the default) connects in the constructor.
        let auto_connect = self.rng.chance(0.8);
        for i in 0..steps {
            self.step(if i == 0 && auto_connect {
                Some(Op::Connect)
            } else {
                None
            });
            self.cov.steps += 1;
        }
    }

    fn pick_op(&mut self) -> Op {
        let total: u64 = self.weights.iter().sum();
        let mut r = self.rng.below(total);
        for (i, &w) in self.weights.iter().enumerate() {
            if r < w {
                return OPS[i].0;
            }
            r -= w;
        }
        unreachable!()
    }

    /// The machine's (monotonic) clock moves on before every call: mostly a
    /// little, sometimes a lot (a sleeping laptop whose clock ran on). A tick
    /// comes at its deadline, a little after (timer slack), much later (a
    /// frozen page) or at the next whole minute (a throttled tab).
    fn advance(&mut self, op: Op) {
        if op == Op::Tick {
            if let Some(d) = self.m.next_deadline() {
                let late = self.rng.below(100) as f64;
                match self.rng.below(5) {
                    0 => return self.set_now(self.now.max(d)),
                    1 => return self.set_now(self.now.max(d + late)),
                    2 => {
                        let frozen = LATE_MS + 1.0 + self.rng.below(5000) as f64;
                        return self.set_now(self.now.max(d + frozen));
                    }
                    3 => {
                        let minute = (d.max(self.now) / 60_000.0).ceil() * 60_000.0;
                        return self.set_now(minute);
                    }
                    _ => {}
                }
            }
        }
        let mut dt = match self.rng.below(100) {
            0..=39 => 0.0,
            40..=79 => self.rng.below(2_000) as f64,
            80..=93 => self.rng.below(60_000) as f64,
            _ => 1e6 + self.rng.below(3_000_000_000) as f64,
        };
        if self.rng.chance(0.05) {
            dt += self.rng.unit();
        }
        self.set_now(self.now + dt);
    }

    fn set_now(&mut self, t: f64) {
        self.now = t;
        self.max_now = self.max_now.max(t);
    }

    pub(super) fn gen_random(&mut self) -> f64 {
        if self.rng.chance(0.05) {
            self.rng
                .pick(&[f64::NAN, 1.0, -0.5, 7.0, f64::INFINITY, 0.0, 0.999_999_999])
        } else {
            self.rng.unit()
        }
    }

    pub(super) fn gen_channel(&mut self) -> String {
        match self.rng.below(12) {
            0 | 1 if !self.subs.is_empty() => {
                let i = self.rng.below(self.subs.len() as u64) as usize;
                self.subs[i].clone()
            }
            2 => (self.rng.pick(&RESERVED_EVENTS)).to_string(),
            3 => String::new(),
            4 => match self.rng.below(4) {
                0 => "x".repeat(256),
                1 => "x".repeat(257),
                2 => "é".repeat(128),
                _ => "é".repeat(129),
            },
            5 | 6 => gen_string(&mut self.rng),
            _ => format!("ch{}", self.rng.below(10)),
        }
    }

    pub(super) fn gen_close_code(&mut self) -> u16 {
        match self.rng.below(6) {
            0..=2 => self.rng.pick(&[
                1000, 1001, 1005, 1006, 1008, 1011, 1012, 1013, 1015, 3000, 4000, 4499, 4500, 4999,
                5000, 0, 65535,
            ]),
            3 | 4 => 4000 + self.rng.below(1000) as u16,
            _ => self.rng.below(65536) as u16,
        }
    }

    pub(super) fn gen_size(&mut self) -> usize {
        let max_bytes = self.o.max_queued_bytes.min(4e9) as u64;
        let queued: u64 = self.queue.iter().map(|q| q.1 as u64).sum();
        (match self.rng.below(10) {
            0 => 0,
            1..=6 => self.rng.below(100),
            7 => self.rng.below(2_000),
            8 => (max_bytes.saturating_sub(queued) + self.rng.below(3)).saturating_sub(1),
            _ => self.rng.below(1 << 32),
        }) as usize
    }

    /// A generation that is not the shell's socket in the state `live` says.
    pub(super) fn stale_gen(&mut self, live: impl Fn(&Sock) -> bool) -> Option<u32> {
        let cur = self.m.generation();
        for _ in 0..8 {
            let g = match self.rng.below(5) {
                0 => cur.wrapping_sub(self.rng.below(3) as u32),
                1 => cur.wrapping_add(1 + self.rng.below(3) as u32),
                2 => self.rng.next_u64() as u32,
                3 if !self.old_gens.is_empty() => self.rng.pick(&self.old_gens),
                _ => 0,
            };
            if !self.sock.is_some_and(|s| s.gen == g && live(&s)) {
                return Some(g);
            }
        }
        None
    }

    fn before(&self) -> Before {
        Before {
            gen: self.m.generation(),
            state: self.m.state(),
            writable: self.m.is_connected(),
            can_send: self.m.can_send(),
            welcomed: self.m.welcomed(),
            attempt: self.m.attempt(),
            deadline: self.m.next_deadline(),
        }
    }

    pub(super) fn cap(&self) -> f64 {
        self.o.max_reconnect_interval.max(self.o.reconnect_interval)
    }

    fn step(&mut self, forced: Option<Op>) {
        let op = forced.unwrap_or_else(|| self.pick_op());
        self.just_opened = false;
        self.advance(op);
        let b = self.before();
        let mut text = format!("t={} {op:?}", self.now);
        let acts = match op {
            Op::Connect => self.op_connect(&b),
            Op::Disconnect => self.op_disconnect(&b),
            Op::Subscribe => self.op_subscribe(&b, &mut text),
            Op::Unsubscribe => self.op_unsubscribe(&b, &mut text),
            Op::Send => self.op_send(&b, &mut text),
            Op::Open => self.op_open(&b, &mut text),
            Op::Frame => self.op_frame(&b, &mut text),
            Op::Close => self.op_close(&b, &mut text),
            Op::OpenFailed => self.op_open_failed(&b, &mut text),
            Op::OpenStale
            | Op::FrameStale
            | Op::CloseStale
            | Op::OpenFailedStale
            | Op::SocketErrorStale => self.stale(op, &mut text),
            Op::Tick => self.tick(&b, &mut text),
            Op::Online => self.op_online(&b, &mut text),
            Op::PageHide => self.op_page_hide(&b),
            Op::PageShow => self.op_page_show(&b),
            Op::Die => self.op_die(),
            Op::FrameDropped => self.op_frame_dropped(),
            Op::Created => self.op_created(&b, &mut text),
            Op::SocketError => self.op_socket_error(&b, &mut text),
            Op::Credit => self.op_credit(&mut text),
            Op::Probe => self.op_probe(&b),
            Op::Wall => self.op_wall(&b, &mut text),
        };
        text += &format!(" -> {:?}, {} actions", self.m.state(), acts.len());
        self.note(text);
        self.check_step(op, &b, &acts);
        self.check_invariants();
    }
}
