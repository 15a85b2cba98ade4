#![cfg(not(target_arch = "wasm32"))]
//! Property test of the state machine (`core::machine`) under random event
//! sequences: random options, random calls, socket events (stale ones too),
//! clock steps, offline and page lifecycle, with invariants checked after
//! every step (no frame lost, duplicated or reordered; deadlines; the state
//! chain) against the model in `tests/machine_sim/`. See `core_support` for
//! the seeds and budgets (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`); a
//! failure prints the seed, the options and the last calls made.

mod core_support;
mod machine_sim;

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Instant;

use core_support::rng::{budget, seeds, Rng};
use machine_sim::{Coverage, Sim};

#[test]
fn machine_under_random_event_sequences() {
    let start = Instant::now();
    let seeds = seeds();
    let total = budget(100_000);
    let per = total.div_ceil(seeds.len() as u64);
    let mut cov = Coverage::default();
    for &seed in &seeds {
        let (mut steps, mut run) = (0u64, 0u64);
        while steps < per {
            let mut rng = Rng::derive(seed, run);
            let len = (1 + rng.below(400)).min(per - steps);
            let mut sim = Sim::new(rng);
            if let Err(e) = catch_unwind(AssertUnwindSafe(|| sim.run(len))) {
                eprintln!(
                    "machine: FAILED at seed {seed:#x}, run {run} \
                     (replay: ZANTARA_FUZZ_SEED={seed:#x} ZANTARA_FUZZ_ITERS={per})"
                );
                eprintln!("options: {:?}", sim.o);
                eprintln!("last calls:");
                for line in &sim.log {
                    eprintln!("  {line}");
                }
                resume_unwind(e);
            }
            cov.add(&sim.cov);
            steps += len;
            run += 1;
        }
    }
    println!(
        "core property machine: {} steps in {} runs over {} seed(s) in {:.2?}, no panic",
        cov.steps,
        cov.runs,
        seeds.len(),
        start.elapsed()
    );
    println!("core property machine coverage: {cov:?}");
    assert_eq!(cov.steps, per * seeds.len() as u64);
}
