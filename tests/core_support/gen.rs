//! Generators of random-but-interesting input: characters, strings,
//! numbers with their special values over-represented, and valid options.

use zantara_websocket::core::options::{OptionKind, OPTIONS};
use zantara_websocket::core::Options;

use super::rng::Rng;

const ODD_CHARS: [char; 16] = [
    'é',
    'ß',
    '€',
    '😀',
    '中',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '\u{301}',
    '\u{202e}',
    '\u{10ffff}',
    '\u{fffd}',
    '\u{80}',
    '\u{ff}',
    '\u{7f}',
    '\u{0}',
];

/// Bits of URLs, JSON and SDK names that make inputs interesting.
const PIECES: [&str; 50] = [
    "#",
    "?",
    "@",
    "[",
    "]",
    "://",
    ":",
    "/",
    "//",
    "\\",
    "&",
    "=",
    "%",
    "%2",
    "%zz",
    "%41",
    " ",
    "\t",
    "\n",
    "\r",
    "\"",
    "+",
    ";",
    "ws",
    "wss",
    "http",
    "https",
    "WS",
    "HTTPS",
    "ftp",
    "localhost",
    ".localhost",
    "127.0.0.1",
    "127.",
    "[::1]",
    "::1",
    "token",
    "token=",
    "userId=",
    "role=",
    "tokey=",
    "Token=",
    "***",
    "example.com",
    ":8080",
    "ws://",
    "wss://",
    "https://",
    "\\u0000",
    "😀",
];

fn any_char(rng: &mut Rng) -> char {
    match rng.below(8) {
        0..=3 => char::from(0x20 + rng.below(95) as u8),
        4 => char::from(rng.below(0x20) as u8),
        5 => rng.pick(&ODD_CHARS),
        _ => loop {
            if let Some(c) = char::from_u32(rng.below(0x11_0000) as u32) {
                break c;
            }
        },
    }
}

fn chars(rng: &mut Rng, n: u64) -> String {
    (0..n).map(|_| any_char(rng)).collect()
}

/// A random string: empty, short, long, unicode, or made of [`PIECES`].
pub fn gen_string(rng: &mut Rng) -> String {
    match rng.below(16) {
        0 => String::new(),
        1 => {
            let n = 200 + rng.below(1000);
            chars(rng, n)
        }
        2 => rng.pick(&PIECES).repeat(1 + rng.below(100) as usize),
        3..=6 => {
            let n = rng.below(24);
            chars(rng, n)
        }
        _ => {
            let mut s = String::new();
            for _ in 0..=rng.below(8) {
                if rng.chance(0.6) {
                    s.push_str(rng.pick(&PIECES));
                } else {
                    s.push(any_char(rng));
                }
            }
            s
        }
    }
}

/// Inserts a random piece or character at a random character boundary.
fn mutate(rng: &mut Rng, s: &mut String) {
    let bounds: Vec<usize> = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect();
    let at = rng.pick(&bounds);
    if rng.chance(0.7) {
        s.insert_str(at, rng.pick(&PIECES));
    } else {
        s.insert(at, any_char(rng));
    }
}

/// A string with none of `banned` and no blank (space or control character).
pub fn gen_clean(rng: &mut Rng, banned: &[char]) -> String {
    gen_string(rng)
        .chars()
        .filter(|c| !banned.contains(c) && *c > ' ' && *c != '\u{7f}')
        .collect()
}

/// Any f64, with the special and boundary values over-represented.
pub fn gen_f64(rng: &mut Rng) -> f64 {
    const SPECIAL: [f64; 24] = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1e-300,
        0.5,
        1.0,
        -1.0,
        2_147_483_647.0,
        2_147_483_648.0,
        4_294_967_295.0,
        4_294_967_296.0,
        253_402_300_799_999.0,
        253_402_300_800_000.0,
        -62_167_219_200_000.0,
        -62_167_219_200_001.0,
        8.64e15,
        -8.64e15,
        9_007_199_254_740_993.0,
    ];
    match rng.below(10) {
        0 => f64::from_bits(rng.next_u64()),
        1 | 2 => rng.pick(&SPECIAL),
        3 => (rng.unit() - 0.5) * 2e16,
        4 => (rng.unit() - 0.5) * 2e3,
        5 => (rng.below(600_000_000_000_000) as f64) - 3e14,
        6 => rng.unit(),
        7 => {
            let base = rng.pick(&SPECIAL[3..]);
            base + (rng.below(5) as f64 - 2.0) * rng.pick(&[1.0, 0.5, 1e-3])
        }
        _ => (rng.unit() * 2e12).floor(),
    }
}

/// A numeric option of `OPTIONS`, as its kind describes it.
#[derive(Debug, Clone, Copy)]
pub struct NumberOption {
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub whole: bool,
    /// `Infinity` allowed.
    pub infinity_ok: bool,
    /// 0 allowed (off) below a positive minimum.
    pub zero_off: bool,
}

impl NumberOption {
    /// Whether the option accepts `v`, restated from the kind's docs.
    pub fn accepts(&self, v: f64) -> bool {
        (self.infinity_ok && v == f64::INFINITY)
            || (self.zero_off && v == 0.0)
            || (v.is_finite() && v >= self.min && v <= self.max && (!self.whole || v == v.trunc()))
    }
}

/// The numeric options of `OPTIONS`.
pub fn number_options() -> Vec<NumberOption> {
    OPTIONS
        .iter()
        .filter_map(|s| match s.kind {
            OptionKind::Number {
                min,
                max,
                whole,
                infinity_ok,
                zero_off,
                ..
            } => Some(NumberOption {
                name: s.name,
                min,
                max,
                whole,
                infinity_ok,
                zero_off,
            }),
            _ => None,
        })
        .collect()
}

/// Random valid options: most number options set (to a bound, infinity or
/// a value in range, small queues often), sometimes exponential backoff or
/// `autoReconnect` off, up to three close-code overrides.
pub fn gen_options(rng: &mut Rng) -> Options {
    let mut o = Options::default();
    for n in number_options() {
        let (name, min, max, whole, infinite) = (n.name, n.min, n.max, n.whole, n.infinity_ok);
        if !rng.chance(0.7) {
            continue;
        }
        let v = match rng.below(12) {
            0 => min,
            1 => max,
            2 if infinite => f64::INFINITY,
            _ => match name {
                "jitter" => rng.unit(),
                "maxReconnectAttempts" => rng.below(6) as f64,
                "maxQueuedMessages" | "maxQueuedBytes" => {
                    let small = rng.chance(0.5);
                    let n = match (name, small) {
                        ("maxQueuedMessages", true) => 12,
                        ("maxQueuedMessages", false) => 300,
                        (_, true) => 3_000,
                        _ => 100_000,
                    };
                    rng.below(n) as f64
                }
                "maxFrameSize" => rng.below(1 << 20) as f64,
                "heartbeatInterval" | "heartbeatTimeout" if rng.chance(0.2) => 0.0,
                _ => {
                    let frac = if rng.chance(0.2) { rng.unit() } else { 0.0 };
                    rng.below(40_000) as f64 + frac
                }
            },
        };
        let v = if !v.is_finite() || (n.zero_off && v == 0.0) {
            v
        } else {
            (if whole { v.floor() } else { v }).clamp(min, max)
        };
        assert_eq!(o.set_number(name, v), Ok(true), "{name} = {v}");
    }
    if rng.chance(0.4) {
        o.set_backoff("exponential").unwrap();
    }
    o.auto_reconnect = rng.chance(0.85);
    for _ in 0..rng.below(4) {
        let code = rng.pick(&[1000, 1001, 1006, 1008, 1011, 1013, 4000, 4001, 4500, 4999]);
        let code = if rng.chance(0.3) {
            1000 + rng.below(4000)
        } else {
            code
        };
        let reaction = rng.pick(&["reconnect", "slow", "stop"]);
        o.add_close_code(&code.to_string(), reaction).unwrap();
    }
    o
}
