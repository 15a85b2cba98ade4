//! The seeded SplitMix64 generator, the seeds and iteration budgets
//! (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`: see `core_support`), and
//! [`run_cases`], which runs a property over them.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Instant;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough to fuzz.
#[derive(Debug, Clone)]
pub struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// An independent stream for iteration `i` of `seed`.
    pub fn derive(seed: u64, i: u64) -> Self {
        Rng(splitmix(seed ^ 0x5EED) ^ splitmix(i.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const SEEDS: [u64; 4] = [0x5EED_0001, 0x00C0_FFEE, 42, 0xDEAD_BEEF];

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim().replace('_', "");
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

pub fn seeds() -> Vec<u64> {
    env_u64("ZANTARA_FUZZ_SEED").map_or_else(|| SEEDS.to_vec(), |s| vec![s])
}

/// Iterations for one property: `ZANTARA_FUZZ_ITERS`, else `default`.
pub fn budget(default: u64) -> u64 {
    env_u64("ZANTARA_FUZZ_ITERS").unwrap_or(default)
}

/// Runs `body` `budget(default)` times in all, spread over the seeds; each
/// iteration has its own generator, derived from (seed, iteration).
pub fn run_cases(name: &str, default: u64, mut body: impl FnMut(&mut Rng)) {
    let start = Instant::now();
    let seeds = seeds();
    let per = budget(default).div_ceil(seeds.len() as u64);
    let mut n = 0u64;
    for &seed in &seeds {
        for i in 0..per {
            let mut rng = Rng::derive(seed, i);
            if let Err(e) = catch_unwind(AssertUnwindSafe(|| body(&mut rng))) {
                eprintln!(
                    "{name}: FAILED at seed {seed:#x}, iteration {i} \
                     (replay: ZANTARA_FUZZ_SEED={seed:#x} ZANTARA_FUZZ_ITERS={})",
                    per
                );
                resume_unwind(e);
            }
            n += 1;
        }
    }
    println!(
        "core property {name}: {n} cases over {} seed(s) in {:.2?}, no panic",
        seeds.len(),
        start.elapsed()
    );
}
