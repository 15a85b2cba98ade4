#![cfg(not(target_arch = "wasm32"))]
//! Property tests (fuzzing) of the pure core, native and dependency-free.
//!
//! A seeded SplitMix64 generator drives random-but-valid configurations and
//! random call sequences through the core, and adversarial strings and
//! numbers through its string and number functions; invariants are checked
//! after every step against small models and oracles written here.
//!
//! - `cargo test` runs a bounded number of iterations over a fixed seed list.
//! - `ZANTARA_FUZZ_ITERS=1000000 cargo test --release --test core_properties
//!   -- --nocapture` runs longer (iterations per property, shared by seeds).
//! - `ZANTARA_FUZZ_SEED=0x1234` runs one seed only.
//!
//! A failure prints the seed and iteration (and, for the state machine, the
//! last calls made) so it can be replayed exactly.

use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Instant;

use zantara_websocket::core::url::Page;
use zantara_websocket::core::*;

// ---------------------------------------------------------------------------
// Harness: generator, seeds, budgets
// ---------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough to fuzz.
#[derive(Debug, Clone)]
struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// An independent stream for iteration `i` of `seed`.
    fn derive(seed: u64, i: u64) -> Self {
        Rng(splitmix(seed ^ 0x5EED) ^ splitmix(i.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
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

fn seeds() -> Vec<u64> {
    env_u64("ZANTARA_FUZZ_SEED").map_or_else(|| SEEDS.to_vec(), |s| vec![s])
}

/// Iterations for one property: `ZANTARA_FUZZ_ITERS`, else `default`.
fn budget(default: u64) -> u64 {
    env_u64("ZANTARA_FUZZ_ITERS").unwrap_or(default)
}

/// Runs `body` `budget(default)` times in all, spread over the seeds; each
/// iteration has its own generator, derived from (seed, iteration).
fn run_cases(name: &str, default: u64, mut body: impl FnMut(&mut Rng)) {
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
        "core_properties {name}: {n} cases over {} seed(s) in {:.2?}, no panic",
        seeds.len(),
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------

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
fn gen_string(rng: &mut Rng) -> String {
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

const SCHEMES: [&str; 12] = [
    "ws",
    "wss",
    "http",
    "https",
    "WS",
    "Wss",
    "HTTPS",
    "hTTp",
    "ftp",
    "file",
    "",
    "javascript",
];
const CLEAN_HOSTS: [&str; 14] = [
    "example.com",
    "x.io",
    "localhost",
    "LOCALHOST",
    "a.localhost",
    "localhost.example.com",
    "127.0.0.1",
    "127.1",
    "127.255.0.9",
    "10.0.0.1",
    "128.0.0.1",
    "[::1]",
    "[2001:db8::1]",
    "api-2.example.co.uk",
];
const ODD_HOSTS: [&str; 12] = [
    "",
    "[::1",
    "::1",
    "127.0.0.1.example.com",
    "127.example",
    "bücher.example",
    "a b",
    "evil.com\\@127.0.0.1",
    "%31%32%37.0.0.1",
    "u@",
    "@",
    "[0:0:0:0:0:0:0:1]",
];

/// A URL-ish string: mostly well-formed pieces, sometimes mutated or junk.
fn gen_url(rng: &mut Rng) -> String {
    if rng.chance(0.2) {
        return gen_string(rng);
    }
    let mut s = String::new();
    if rng.chance(0.1) {
        s.push_str(rng.pick(&[" ", "\t", "\n ", "\u{a0}"]));
    }
    if rng.chance(0.9) {
        s.push_str(rng.pick(&SCHEMES));
        s.push_str(rng.pick(&["://", "://", "://", "://", ":/", ":", "//", ":///"]));
    } else {
        s.push_str(rng.pick(&["/", "//", "", "/ws"]));
    }
    if rng.chance(0.15) {
        s.push_str(rng.pick(&["user@", "u:p@", "@", "a@b@", "[::1]@", "127.0.0.1@"]));
    }
    if rng.chance(0.8) {
        s.push_str(rng.pick(&CLEAN_HOSTS));
    } else {
        s.push_str(rng.pick(&ODD_HOSTS));
    }
    if rng.chance(0.3) {
        s.push_str(rng.pick(&[":8080", ":", ":abc", ":443", ":0"]));
    }
    if rng.chance(0.6) {
        s.push_str(rng.pick(&["/ws", "/", "/a/b", "//x", "/@x", "/\\", "/é"]));
    }
    if rng.chance(0.3) {
        s.push_str(rng.pick(&["?x=1", "?token=abc&userId=u", "?", "?a&", "?token=", "?@"]));
    }
    if rng.chance(0.2) {
        s.push_str(rng.pick(&["#frag", "#", "#?token=x", "#@127.0.0.1"]));
    }
    while rng.chance(0.2) {
        mutate(rng, &mut s);
    }
    if rng.chance(0.1) {
        s.push_str(rng.pick(&[" ", "\n", "\t"]));
    }
    s
}

/// Any f64, with the special and boundary values over-represented.
fn gen_f64(rng: &mut Rng) -> f64 {
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

// ---------------------------------------------------------------------------
// Oracles: a JSON parser, a percent-decoder, a calendar
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// A strict RFC 8259 parser (no duplicate-key check, keys kept in order).
fn parse_json(s: &str) -> Result<Json, String> {
    let mut p = JsonParser {
        b: s.as_bytes(),
        i: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(format!("trailing data at byte {}", p.i));
    }
    Ok(v)
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", c as char, self.i))
        }
    }

    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("bad literal at byte {}", self.i))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 64 {
            return Err("nested too deep".into());
        }
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                let mut kv = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(kv));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    kv.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(kv));
                        }
                        _ => return Err(format!("expected , or }} at byte {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut xs = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Json::Arr(xs));
                }
                loop {
                    self.ws();
                    xs.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(xs));
                        }
                        _ => return Err(format!("expected , or ] at byte {}", self.i)),
                    }
                }
            }
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'n') => self.lit("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(format!("unexpected byte at {}", self.i)),
        }
    }

    fn digits(&mut self) -> Result<(), String> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if self.i == start {
            Err(format!("expected a digit at byte {}", self.i))
        } else {
            Ok(())
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else {
            self.digits()?;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digits()?;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
        text.parse().map(Json::Num).map_err(|e| format!("{e}"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        let h = std::str::from_utf8(h).map_err(|e| e.to_string())?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("bad \\u escape {h:?}"));
        }
        self.i += 4;
        u32::from_str_radix(h, 16).map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.peek().ok_or("unterminated escape")?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                self.eat(b'\\')?;
                                self.eat(b'u')?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err("unpaired high surrogate".into());
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let ch = char::from_u32(cp).ok_or("lone surrogate")?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(format!("bad escape \\{}", e as char)),
                    }
                }
                0x00..=0x1F => return Err(format!("raw control byte {c:#04x} in a string")),
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|e| e.to_string())
    }
}

/// Decodes `%XX` escapes; `None` on a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `encodeURIComponent`'s unreserved set.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

/// True when `s` is exactly what `encodeURIComponent` may output: unreserved
/// bytes and `%XX` with upper-case hex.
fn is_component_encoded(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1..i + 3).is_some_and(|h| {
                h.iter()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
            });
            if !ok {
                return false;
            }
            i += 3;
        } else if unreserved(b[i]) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
/// `days_from_civil`, written independently of the core's inverse).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS.mmmZ` back to ms since the epoch, checking
/// every field's range.
fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let want = match i {
            4 | 7 => Some(b'-'),
            10 => Some(b'T'),
            13 | 16 => Some(b':'),
            19 => Some(b'.'),
            23 => Some(b'Z'),
            _ => None,
        };
        match want {
            Some(w) if c != w => return None,
            None if !c.is_ascii_digit() => return None,
            _ => {}
        }
    }
    let n = |a: usize, z: usize| s[a..z].parse::<i64>().ok();
    let (y, mo, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
    let (h, mi, se, ms) = (n(11, 13)?, n(14, 16)?, n(17, 19)?, n(20, 23)?);
    let ok = (1..=12).contains(&mo)
        && (1..=days_in_month(y, mo)).contains(&d)
        && h < 24
        && mi < 60
        && se < 60;
    ok.then(|| {
        days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + ms
    })
}

#[test]
fn oracles_agree_with_known_answers() {
    assert_eq!(
        parse_json(r#" {"a":[1,-2.5e3,true,null],"b":"\u00e9\ud83d\ude00\n"} "#),
        Ok(Json::Obj(vec![
            (
                "a".into(),
                Json::Arr(vec![
                    Json::Num(1.0),
                    Json::Num(-2500.0),
                    Json::Bool(true),
                    Json::Null
                ])
            ),
            ("b".into(), Json::Str("é😀\n".into())),
        ]))
    );
    for bad in [
        "",
        "{",
        "{\"a\"}",
        "\"\n\"",
        "01",
        "[1,]",
        "\"\\ud800\"",
        "\"\\x\"",
        "{} x",
        "1.",
    ] {
        assert!(parse_json(bad).is_err(), "{bad:?}");
    }
    assert_eq!(percent_decode("a%20%C3%A9"), Some("a é".into()));
    assert_eq!(percent_decode("%2"), None);
    assert!(is_component_encoded("a%2F-_.!~*'()"));
    assert!(!is_component_encoded("a%2f") && !is_component_encoded("a b"));
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(
        parse_iso("2025-10-19T14:30:00.000Z"),
        Some(1_760_884_200_000)
    );
    assert_eq!(
        parse_iso("0000-01-01T00:00:00.000Z"),
        Some(-62_167_219_200_000)
    );
    assert_eq!(parse_iso("2023-02-29T00:00:00.000Z"), None);
    // The generator is deterministic.
    let (mut a, mut b) = (Rng::derive(1, 2), Rng::derive(1, 2));
    assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
    assert_ne!(Rng::derive(1, 2).next_u64(), Rng::derive(1, 3).next_u64());
}

// ---------------------------------------------------------------------------
// 1. The state machine under random event sequences
// ---------------------------------------------------------------------------

/// The shell's view of its socket.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sock {
    gen: u32,
    /// Its `open` event was delivered (and accepted).
    opened: bool,
    /// Its `readyState` left OPEN (closing): every send fails from now on.
    dead: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Connect,
    Disconnect,
    Subscribe,
    Unsubscribe,
    Send,
    Open,
    OpenStale,
    Frame,
    FrameStale,
    Close,
    CloseStale,
    Tick,
    Online,
    PageHide,
    PageShow,
    Die,
    OpenFailed,
    OpenFailedStale,
    FrameDropped,
}

const OPS: [(Op, u64); 19] = [
    (Op::Connect, 4),
    (Op::Disconnect, 2),
    (Op::Subscribe, 6),
    (Op::Unsubscribe, 3),
    (Op::Send, 16),
    (Op::Open, 8),
    (Op::OpenStale, 2),
    (Op::Frame, 10),
    (Op::FrameStale, 2),
    (Op::Close, 5),
    (Op::CloseStale, 2),
    (Op::Tick, 22),
    (Op::Online, 3),
    (Op::PageHide, 2),
    (Op::PageShow, 3),
    (Op::Die, 2),
    (Op::OpenFailed, 2),
    (Op::OpenFailedStale, 1),
    (Op::FrameDropped, 1),
];

/// What the runs reached, to show the fuzzer gets deep into the machine.
#[derive(Debug, Default, Clone)]
struct Coverage {
    runs: u64,
    steps: u64,
    opens: u64,
    opened: u64,
    connected: u64,
    user_sent: u64,
    refused_full: u64,
    send_failures: u64,
    requeue_refused: u64,
    reconnecting: u64,
    reconnect_failed: u64,
    heartbeat_timeouts: u64,
    connect_timeouts: u64,
    pings: u64,
    pongs: u64,
    stale_events: u64,
    disconnects: u64,
    page_hides: u64,
    offline_waits: u64,
}

impl Coverage {
    fn add(&mut self, o: &Coverage) {
        self.runs += o.runs;
        self.steps += o.steps;
        self.opens += o.opens;
        self.opened += o.opened;
        self.connected += o.connected;
        self.user_sent += o.user_sent;
        self.refused_full += o.refused_full;
        self.send_failures += o.send_failures;
        self.requeue_refused += o.requeue_refused;
        self.reconnecting += o.reconnecting;
        self.reconnect_failed += o.reconnect_failed;
        self.heartbeat_timeouts += o.heartbeat_timeouts;
        self.connect_timeouts += o.connect_timeouts;
        self.pings += o.pings;
        self.pongs += o.pongs;
        self.stale_events += o.stale_events;
        self.disconnects += o.disconnects;
        self.page_hides += o.page_hides;
        self.offline_waits += o.offline_waits;
    }
}

/// The machine's public state before a call.
#[derive(Debug, Clone, Copy)]
struct Before {
    gen: u32,
    state: ConnState,
    writable: bool,
    attempt: u32,
    deadline: Option<f64>,
}

/// What a loss (close, failed open, timeout) must lead to.
struct Loss {
    was_open: bool,
    code: u16,
    reaction: CloseReaction,
    random: f64,
    zero_delay: bool,
}

/// A machine, a model of the shell around it, and models of what it owes.
struct Sim {
    rng: Rng,
    o: Options,
    m: Machine<String>,
    weights: Vec<u64>,
    now: f64,
    max_now: f64,
    // The shell.
    sock: Option<Sock>,
    last_open_gen: Option<u32>,
    old_gens: Vec<u32>,
    state: ConnState,
    subs: Vec<String>,
    online: bool,
    hidden: bool,
    connected_emitted: bool,
    ping: Option<f64>,
    /// This step delivered a live `open` event.
    just_opened: bool,
    // User frames: ids in acceptance order; "id:size" is the frame.
    next_id: u64,
    immediate: Option<u64>,
    queue: VecDeque<(u64, usize)>,
    accepted: u64,
    requeue_refused: u64,
    sent_user: u64,
    last_sent: Option<u64>,
    // Expected counters.
    out_msgs: u64,
    out_bytes: u64,
    in_msgs: u64,
    in_bytes: u64,
    errors: u64,
    dropped: u64,
    connections: u64,
    log: VecDeque<String>,
    cov: Coverage,
}

fn gen_options(rng: &mut Rng) -> Options {
    let mut o = Options::default();
    for &(name, min, max, whole, infinite) in options::NUMBER_OPTIONS.iter() {
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
        let v = if v.is_finite() {
            (if whole { v.floor() } else { v }).clamp(min, max)
        } else {
            v
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

/// The close policy's defaults, restated (RFC 6455 §7.4.1 and the docs).
fn default_reaction(code: u16) -> CloseReaction {
    match code {
        1008 | 4500..=4999 => CloseReaction::Stop,
        1013 => CloseReaction::ReconnectSlow,
        _ => CloseReaction::Reconnect,
    }
}

fn frame_of(id: u64, size: usize) -> String {
    format!("{id}:{size}")
}

fn parse_frame(f: &str) -> (u64, usize) {
    let (id, size) = f.split_once(':').expect("a frame made by the test");
    (id.parse().unwrap(), size.parse().unwrap())
}

fn events(acts: &[Action<String>]) -> impl Iterator<Item = &Event> {
    acts.iter().filter_map(|a| match a {
        Action::Emit(e) => Some(e),
        _ => None,
    })
}

fn count_opens(acts: &[Action<String>]) -> usize {
    acts.iter()
        .filter(|a| matches!(a, Action::Open { .. }))
        .count()
}

fn reconnecting_event(acts: &[Action<String>]) -> Option<(u32, f64)> {
    events(acts).find_map(|e| match e {
        Event::Reconnecting { attempt, delay_ms } => Some((*attempt, *delay_ms)),
        _ => None,
    })
}

fn control_frames(acts: &[Action<String>]) -> Vec<&str> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send(Outgoing::Control(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// `(type, channel)` of a control frame, after checking it is valid JSON of
/// the expected shape.
fn parse_control(text: &str, now: f64) -> (String, Option<String>) {
    let Ok(Json::Obj(kv)) = parse_json(text) else {
        panic!("control frame is not a JSON object: {text:?}");
    };
    let keys: Vec<&str> = kv.iter().map(|(k, _)| k.as_str()).collect();
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let Some(Json::Str(kind)) = get("type") else {
        panic!("control frame without a string type: {text:?}");
    };
    assert_eq!(
        get("timestamp"),
        Some(Json::Str(frame::iso8601(now))),
        "{text:?}"
    );
    let channel = match get("channel") {
        Some(Json::Str(c)) => {
            assert_eq!(keys, ["type", "channel", "timestamp"], "{text:?}");
            Some(c)
        }
        None => {
            assert_eq!(keys, ["type", "timestamp"], "{text:?}");
            None
        }
        Some(other) => panic!("channel is not a string: {other:?}"),
    };
    (kind, channel)
}

impl Sim {
    fn new(mut rng: Rng) -> Self {
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
            sock: None,
            last_open_gen: None,
            old_gens: Vec::new(),
            state: ConnState::Closed,
            subs: Vec::new(),
            online: true,
            hidden: false,
            connected_emitted: false,
            ping: None,
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

    fn run(&mut self, steps: u64) {
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

    /// The wall clock moves on before every call: mostly forward a little,
    /// sometimes a lot (a sleeping laptop), sometimes back (a clock step).
    fn advance(&mut self, op: Op) {
        if op == Op::Tick {
            if let Some(d) = self.m.next_deadline() {
                let late = self.rng.below(100) as f64;
                match self.rng.below(3) {
                    0 => return self.set_now(self.now.max(d)),
                    1 => return self.set_now(self.now.max(d + late)),
                    _ => {}
                }
            }
        }
        let mut dt = match self.rng.below(100) {
            0..=39 => 0.0,
            40..=79 => self.rng.below(2_000) as f64,
            80..=89 => self.rng.below(60_000) as f64,
            90..=93 => 1e6 + self.rng.below(3_000_000_000) as f64,
            _ => -1.0 - self.rng.below(5_000) as f64,
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

    fn gen_random(&mut self) -> f64 {
        if self.rng.chance(0.05) {
            self.rng
                .pick(&[f64::NAN, 1.0, -0.5, 7.0, f64::INFINITY, 0.0, 0.999_999_999])
        } else {
            self.rng.unit()
        }
    }

    fn gen_channel(&mut self) -> String {
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

    fn gen_close_code(&mut self) -> u16 {
        match self.rng.below(6) {
            0..=2 => self.rng.pick(&[
                1000, 1001, 1005, 1006, 1008, 1011, 1012, 1013, 1015, 3000, 4000, 4499, 4500, 4999,
                5000, 0, 65535,
            ]),
            3 | 4 => 4000 + self.rng.below(1000) as u16,
            _ => self.rng.below(65536) as u16,
        }
    }

    fn gen_size(&mut self) -> usize {
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
    fn stale_gen(&mut self, live: impl Fn(&Sock) -> bool) -> Option<u32> {
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
            attempt: self.m.attempt(),
            deadline: self.m.next_deadline(),
        }
    }

    fn cap(&self) -> f64 {
        self.o.max_reconnect_interval.max(self.o.reconnect_interval)
    }

    fn step(&mut self, forced: Option<Op>) {
        let op = forced.unwrap_or_else(|| self.pick_op());
        self.just_opened = false;
        self.advance(op);
        let now = self.now;
        let b = self.before();
        let mut text = format!("t={now} {op:?}");
        let acts = match op {
            Op::Connect => {
                let r = self.m.connect(now);
                assert_eq!(r, b.state == ConnState::Closed, "connect() result");
                if r {
                    self.hidden = false;
                }
                let acts = self.drain();
                if r {
                    assert_eq!(count_opens(&acts), 1, "connect opens a socket");
                    assert_eq!(self.m.state(), ConnState::Connecting);
                    assert_eq!(self.m.attempt(), 0);
                } else {
                    assert!(acts.is_empty(), "connect() while active did something");
                }
                acts
            }
            Op::Disconnect => {
                let sock = self.sock;
                let r = self.m.disconnect(now);
                assert_eq!(r, b.state != ConnState::Closed, "disconnect() result");
                let acts = self.drain();
                self.ping = None;
                if r {
                    self.cov.disconnects += 1;
                    // Events of the old socket, or a token still awaited for
                    // it, must find a new generation.
                    assert_ne!(self.m.generation(), b.gen, "disconnect kept the generation");
                    assert_eq!(self.m.state(), ConnState::Closed);
                    assert!(self.sock.is_none(), "disconnect left a socket");
                    let drops = acts
                        .iter()
                        .filter(|a| matches!(a, Action::Drop { code: 1000, .. }))
                        .count();
                    assert_eq!(drops, usize::from(sock.is_some()));
                    self.expect_disconnected(&acts, sock.is_some_and(|s| s.opened), 1000, false);
                    assert!(!acts
                        .iter()
                        .any(|a| matches!(a, Action::Open { .. } | Action::Send(_))));
                } else {
                    assert!(acts.is_empty(), "a second disconnect() did something");
                }
                acts
            }
            Op::Subscribe => {
                let ch = self.gen_channel();
                text += &format!(" {:?}", excerpt_for_log(&ch));
                let r = self.m.subscribe(now, &ch);
                let acts = self.drain();
                match frame::check_channel(&ch) {
                    Err(e) => {
                        assert_eq!(r, Err(e), "subscribe({ch:?})");
                        assert!(acts.is_empty());
                    }
                    Ok(()) if self.subs.contains(&ch) => {
                        assert_eq!(r, Ok(false), "subscribe twice");
                        assert!(acts.is_empty(), "a second subscribe sent something");
                    }
                    Ok(()) => {
                        assert_eq!(r, Ok(true));
                        self.subs.push(ch.clone());
                        let ctl = control_frames(&acts);
                        assert_eq!(acts.len(), ctl.len());
                        if b.writable {
                            assert_eq!(ctl.len(), 1, "subscribe while open sends once");
                            let (kind, c) = parse_control(ctl[0], now);
                            assert_eq!((kind.as_str(), c.as_deref()), ("subscribe", Some(&*ch)));
                        } else {
                            assert!(ctl.is_empty(), "subscribe while not open sent");
                        }
                    }
                }
                acts
            }
            Op::Unsubscribe => {
                let ch = self.gen_channel();
                text += &format!(" {:?}", excerpt_for_log(&ch));
                let tracked = self.subs.iter().position(|c| *c == ch);
                let r = self.m.unsubscribe(now, &ch);
                assert_eq!(r, tracked.is_some(), "unsubscribe({ch:?})");
                if let Some(i) = tracked {
                    self.subs.remove(i);
                }
                let acts = self.drain();
                let ctl = control_frames(&acts);
                assert_eq!(acts.len(), ctl.len());
                if r && b.writable {
                    assert_eq!(ctl.len(), 1);
                    let (kind, c) = parse_control(ctl[0], now);
                    assert_eq!((kind.as_str(), c.as_deref()), ("unsubscribe", Some(&*ch)));
                } else {
                    assert!(ctl.is_empty());
                }
                acts
            }
            Op::Send => {
                let size = self.gen_size();
                let id = self.next_id;
                self.next_id += 1;
                text += &format!(" #{id} {size}B");
                let queued: usize = self.queue.iter().map(|q| q.1).sum();
                let full = !b.writable
                    && (self.queue.len() as f64 >= self.o.max_queued_messages
                        || queued.saturating_add(size) as f64 > self.o.max_queued_bytes);
                if b.writable {
                    self.immediate = Some(id);
                }
                let r = self.m.send(frame_of(id, size), size);
                assert_eq!(r.is_err(), full, "send() refused {r:?} vs model");
                let expected_error = Error::QueueFull {
                    messages: self.queue.len(),
                    bytes: queued,
                };
                if r.is_ok() {
                    self.accepted += 1;
                    if !b.writable {
                        self.queue.push_back((id, size));
                    }
                } else {
                    self.cov.refused_full += 1;
                    assert_eq!(r, Err(expected_error.clone()));
                }
                let acts = self.drain();
                if r.is_err() {
                    assert_eq!(acts, [Action::Emit(Event::Error(expected_error))]);
                } else if b.writable {
                    assert_eq!(
                        acts.len(),
                        acts.iter()
                            .filter(|a| matches!(
                                a,
                                Action::Send(_) | Action::Emit(Event::Error(_))
                            ))
                            .count()
                    );
                    assert!(
                        self.immediate.is_none(),
                        "the frame was not handed to the socket"
                    );
                } else {
                    assert!(acts.is_empty(), "queueing did something");
                }
                acts
            }
            Op::Open => match self.sock {
                Some(s) if !s.opened => {
                    text += &format!(" gen {}", s.gen);
                    let queued: Vec<u64> = self.queue.iter().map(|q| q.0).collect();
                    self.m.on_open(now, s.gen);
                    self.just_opened = true;
                    self.sock = Some(Sock { opened: true, ..s });
                    self.connections += 1;
                    self.connected_emitted = false;
                    self.ping = None;
                    self.cov.opened += 1;
                    let acts = self.drain();
                    assert_eq!(self.m.state(), ConnState::Open);
                    // Subscriptions first, in order, then the queue, in order.
                    let ctl: Vec<_> = control_frames(&acts)
                        .into_iter()
                        .map(|t| parse_control(t, now))
                        .collect();
                    let want: Vec<_> = self
                        .subs
                        .iter()
                        .map(|c| ("subscribe".to_string(), Some(c.clone())))
                        .collect();
                    assert_eq!(ctl, want, "on_open re-subscribes every channel in order");
                    let users: Vec<u64> = acts
                        .iter()
                        .filter_map(|a| match a {
                            Action::Send(Outgoing::User(f)) => Some(parse_frame(f).0),
                            _ => None,
                        })
                        .collect();
                    assert_eq!(users, queued, "on_open flushes the queue in order");
                    let first_user = acts
                        .iter()
                        .position(|a| matches!(a, Action::Send(Outgoing::User(_))));
                    let last_ctl = acts
                        .iter()
                        .rposition(|a| matches!(a, Action::Send(Outgoing::Control(_))));
                    if let (Some(u), Some(c)) = (first_user, last_ctl) {
                        assert!(c < u, "a user frame went before a subscribe");
                    }
                    acts
                }
                _ => self.tick(&b, &mut text),
            },
            Op::Frame => match self.sock {
                Some(s) if s.opened => {
                    let pong = self.ping.is_some() && self.rng.chance(0.5);
                    let kind = if pong {
                        Some(FrameType::Pong)
                    } else {
                        self.rng.pick(&[
                            None,
                            Some(FrameType::Message),
                            Some(FrameType::Message),
                            Some(FrameType::Connected),
                            Some(FrameType::Pong),
                            Some(FrameType::Pong),
                            Some(FrameType::Ping),
                            Some(FrameType::Subscribe),
                            Some(FrameType::Unsubscribe),
                        ])
                    };
                    let bytes = self.rng.below(5000) as usize;
                    text += &format!(" gen {} {kind:?}", s.gen);
                    let ping = self.ping;
                    let welcome = !self.connected_emitted;
                    assert!(
                        self.m.on_frame(now, s.gen, kind, bytes),
                        "live frame refused"
                    );
                    self.in_msgs += 1;
                    self.in_bytes += bytes as u64;
                    let acts = self.drain();
                    let want = match kind {
                        Some(FrameType::Connected) if welcome => {
                            vec![Action::Emit(Event::Connected)]
                        }
                        Some(FrameType::Pong) => ping
                            .map(|p| {
                                vec![Action::Emit(Event::Pong {
                                    rtt_ms: (now - p).max(0.0),
                                })]
                            })
                            .unwrap_or_default(),
                        _ => vec![],
                    };
                    assert_eq!(acts, want, "on_frame({kind:?})");
                    acts
                }
                _ => self.tick(&b, &mut text),
            },
            Op::Close => match self.sock {
                Some(s) => {
                    let code = self.gen_close_code();
                    let random = self.gen_random();
                    let reason = if self.rng.chance(0.1) {
                        gen_string(&mut self.rng)
                    } else {
                        "bye".to_string()
                    };
                    let close = Close {
                        code,
                        reason: &reason,
                        was_clean: self.rng.chance(0.5),
                        unsent_bytes: self.rng.below(1000),
                    };
                    text += &format!(" gen {} code {code} random {random}", s.gen);
                    self.m.on_close(now, s.gen, &close, random);
                    self.sock = None;
                    self.old_gens.push(s.gen);
                    self.ping = None;
                    let acts = self.drain();
                    let overridden = self.o.close_codes.iter().any(|c| c.0 == code);
                    let policy = self.o.close_policy().decide(code);
                    assert_eq!(policy.overridden, overridden);
                    if !overridden {
                        assert_eq!(policy.reaction, default_reaction(code), "code {code}");
                    }
                    let reaction = if self.o.auto_reconnect {
                        policy.reaction
                    } else {
                        CloseReaction::Stop
                    };
                    let loss = Loss {
                        was_open: s.opened,
                        code,
                        reaction,
                        random,
                        zero_delay: false,
                    };
                    self.expect_loss(&acts, &b, &loss);
                    assert_eq!(self.m.stats().last_close_code, Some(code));
                    assert_eq!(self.m.stats().last_close_reason, reason);
                    acts
                }
                None => self.tick(&b, &mut text),
            },
            Op::OpenFailed => match self.sock {
                Some(s) if !s.opened => {
                    let random = self.gen_random();
                    text += &format!(" gen {} random {random}", s.gen);
                    let e = Error::TokenFailed {
                        detail: gen_string(&mut self.rng),
                    };
                    self.m.open_failed(now, s.gen, e.clone(), random);
                    self.sock = None;
                    self.old_gens.push(s.gen);
                    let acts = self.drain();
                    assert_eq!(acts.first(), Some(&Action::Emit(Event::Error(e))));
                    let reaction = if self.o.auto_reconnect {
                        self.o.close_policy().decide(1006).reaction
                    } else {
                        CloseReaction::Stop
                    };
                    let loss = Loss {
                        was_open: false,
                        code: 1006,
                        reaction,
                        random,
                        zero_delay: false,
                    };
                    self.expect_loss(&acts, &b, &loss);
                    acts
                }
                _ => self.tick(&b, &mut text),
            },
            Op::OpenStale | Op::FrameStale | Op::CloseStale | Op::OpenFailedStale => {
                self.stale(op, &mut text)
            }
            Op::Tick => self.tick(&b, &mut text),
            Op::Online => {
                let v = if self.rng.chance(0.8) {
                    !self.online
                } else {
                    self.online
                };
                text += &format!(" {v}");
                let changed = v != self.online;
                let waiting =
                    b.state == ConnState::Reconnecting && self.sock.is_none() && !self.hidden;
                self.m.set_online(now, v);
                self.online = v;
                let acts = self.drain();
                assert_eq!(self.m.is_online(), v);
                if !changed || !waiting {
                    assert!(acts.is_empty(), "set_online({v}) did something");
                } else if !v {
                    self.cov.offline_waits += 1;
                    assert!(acts.is_empty(), "going offline while waiting did something");
                    assert_eq!(self.m.next_deadline(), None, "a timer runs while offline");
                    let back = u32::from(b.deadline.is_some());
                    assert_eq!(self.m.attempt(), b.attempt.saturating_sub(back));
                } else if f64::from(b.attempt) >= self.o.max_reconnect_attempts {
                    assert_eq!(self.m.state(), ConnState::Closed);
                    assert!(events(&acts).any(|e| matches!(e, Event::ReconnectFailed { .. })));
                } else {
                    assert_eq!(reconnecting_event(&acts), Some((b.attempt + 1, 0.0)));
                    assert_eq!(count_opens(&acts), 1, "back online retries at once");
                }
                acts
            }
            Op::PageHide => {
                let sock = self.sock;
                self.m.page_hide(now);
                let acts = self.drain();
                if b.state == ConnState::Closed || self.hidden {
                    assert!(acts.is_empty(), "page_hide did something");
                } else {
                    self.hidden = true;
                    self.ping = None;
                    self.cov.page_hides += 1;
                    assert_ne!(self.m.generation(), b.gen, "page_hide kept the generation");
                    assert!(self.sock.is_none(), "page_hide left a socket open");
                    assert_eq!(self.m.state(), ConnState::Reconnecting);
                    assert_eq!(self.m.next_deadline(), None);
                    self.expect_disconnected(&acts, sock.is_some_and(|s| s.opened), 1001, true);
                    assert_eq!(count_opens(&acts), 0);
                }
                acts
            }
            Op::PageShow => {
                let was_hidden = self.hidden;
                self.m.page_show(now);
                self.hidden = false;
                let acts = self.drain();
                if was_hidden && b.state == ConnState::Reconnecting {
                    assert_eq!(self.m.attempt(), 0);
                    assert_eq!(count_opens(&acts), usize::from(self.online));
                    assert_eq!(acts.len(), count_opens(&acts));
                } else {
                    assert!(acts.is_empty(), "page_show did something");
                }
                acts
            }
            Op::Die => {
                if let Some(s) = self.sock.as_mut().filter(|s| s.opened) {
                    s.dead = true;
                }
                Vec::new()
            }
            Op::FrameDropped => {
                let e = Error::BadFrame {
                    reason: "not JSON",
                    excerpt: frame::excerpt(&gen_string(&mut self.rng), 40),
                };
                self.m.frame_dropped(e.clone());
                self.dropped += 1;
                let acts = self.drain();
                assert_eq!(acts, [Action::Emit(Event::Error(e))]);
                acts
            }
        };
        text += &format!(" -> {:?}, {} actions", self.m.state(), acts.len());
        self.note(text);
        self.check_step(op, &b, &acts);
        self.check_invariants();
    }

    /// An event for a socket the shell no longer (or never) has: ignored.
    fn stale(&mut self, op: Op, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let gen = match op {
            Op::OpenStale => self.stale_gen(|s| !s.opened),
            Op::FrameStale => self.stale_gen(|s| s.opened),
            _ => self.stale_gen(|_| true),
        };
        let Some(g) = gen else {
            return Vec::new();
        };
        *text += &format!(" {op:?} gen {g} (current {})", self.m.generation());
        self.cov.stale_events += 1;
        let snapshot = format!("{:?}", self.m);
        match op {
            Op::OpenStale => self.m.on_open(now, g),
            Op::FrameStale => {
                let kind =
                    self.rng
                        .pick(&[None, Some(FrameType::Connected), Some(FrameType::Pong)]);
                assert!(!self.m.on_frame(now, g, kind, 10), "stale frame accepted");
            }
            Op::CloseStale => {
                let code = self.gen_close_code();
                let close = Close {
                    code,
                    reason: "stale",
                    was_clean: true,
                    unsent_bytes: 0,
                };
                self.m.on_close(now, g, &close, 0.5);
            }
            _ => self.m.open_failed(
                now,
                g,
                Error::SocketFailed {
                    detail: "stale".into(),
                },
                0.5,
            ),
        }
        let acts = self.m.take_actions();
        assert!(acts.is_empty(), "{op:?} of generation {g} acted: {acts:?}");
        assert_eq!(
            format!("{:?}", self.m),
            snapshot,
            "{op:?} of generation {g} changed the machine"
        );
        acts
    }

    fn tick(&mut self, b: &Before, text: &mut String) -> Vec<Action<String>> {
        let now = self.now;
        let random = self.gen_random();
        let unsent = self.rng.below(10_000);
        let sock = self.sock;
        let due = b.deadline.is_some_and(|d| d <= now + 1.0);
        *text += &format!(" deadline {:?} random {random}", b.deadline);
        let snapshot = (!due).then(|| format!("{:?}", self.m));
        self.m.tick(now, random, unsent);
        let acts = self.drain();
        if let Some(snapshot) = snapshot {
            assert!(acts.is_empty(), "tick before the deadline acted: {acts:?}");
            assert_eq!(
                format!("{:?}", self.m),
                snapshot,
                "tick before the deadline changed the machine"
            );
        }
        if let Some(d) = self.m.next_deadline() {
            assert!(d >= now - 1.0, "tick at {now} left an overdue deadline {d}");
        }
        let dropped = acts.iter().find_map(|a| match a {
            Action::Drop { reason, .. } => Some(*reason),
            _ => None,
        });
        let stop_unless_auto = if self.o.auto_reconnect {
            CloseReaction::Reconnect
        } else {
            CloseReaction::Stop
        };
        match dropped {
            Some("heartbeat timeout") => {
                self.cov.heartbeat_timeouts += 1;
                let s = sock.expect("a socket was dropped");
                assert!(s.opened);
                assert!(self.o.heartbeat_timeout > 0.0);
                self.old_gens.push(s.gen);
                let loss = Loss {
                    was_open: true,
                    code: 1006,
                    reaction: stop_unless_auto,
                    random,
                    zero_delay: true,
                };
                self.expect_loss(&acts, b, &loss);
                assert_eq!(self.m.stats().last_unsent_bytes, unsent);
            }
            Some("connect timeout") => {
                self.cov.connect_timeouts += 1;
                let s = sock.expect("a socket was dropped");
                assert!(!s.opened);
                self.old_gens.push(s.gen);
                let loss = Loss {
                    was_open: false,
                    code: 1006,
                    reaction: stop_unless_auto,
                    random,
                    zero_delay: false,
                };
                self.expect_loss(&acts, b, &loss);
            }
            Some(other) => panic!("tick dropped a socket for {other:?}"),
            None => {
                if count_opens(&acts) == 1 {
                    // A delayed attempt started.
                    assert!(sock.is_none() && self.m.state() == ConnState::Reconnecting);
                    assert_eq!(acts.len(), 1);
                }
            }
        }
        acts
    }

    /// Checks the `disconnected` event: present iff the socket was open.
    fn expect_disconnected(&self, acts: &[Action<String>], was_open: bool, code: u16, will: bool) {
        let ds: Vec<_> = events(acts)
            .filter_map(|e| match e {
                Event::Disconnected {
                    code,
                    will_reconnect,
                    ..
                } => Some((*code, *will_reconnect)),
                _ => None,
            })
            .collect();
        let want = if was_open { vec![(code, will)] } else { vec![] };
        assert_eq!(ds, want, "disconnected events");
    }

    /// Checks what a lost socket leads to: stop, give up, wait offline, or
    /// an attempt after the backoff delay.
    fn expect_loss(&self, acts: &[Action<String>], b: &Before, loss: &Loss) {
        let will = loss.reaction != CloseReaction::Stop
            && f64::from(b.attempt) < self.o.max_reconnect_attempts;
        self.expect_disconnected(acts, loss.was_open, loss.code, will);
        let failed = events(acts).any(|e| matches!(e, Event::ReconnectFailed { .. }));
        let rec = reconnecting_event(acts);
        if !will {
            assert_eq!(self.m.state(), ConnState::Closed, "a stopping loss");
            assert_eq!(failed, loss.reaction != CloseReaction::Stop);
            assert_eq!(count_opens(acts), 0);
            assert_eq!(rec, None);
            return;
        }
        assert!(!failed);
        assert_eq!(self.m.state(), ConnState::Reconnecting);
        if !self.online {
            assert_eq!(
                (rec, count_opens(acts)),
                (None, 0),
                "an attempt while offline"
            );
            assert_eq!(self.m.next_deadline(), None);
            return;
        }
        let attempt = b.attempt + 1;
        let policy = self.o.backoff_policy();
        let want = if loss.zero_delay {
            0.0
        } else if loss.reaction == CloseReaction::ReconnectSlow {
            policy.longest(loss.random)
        } else {
            policy.delay(attempt, loss.random)
        };
        let (a, delay) = rec.expect("a reconnecting event");
        assert_eq!(a, attempt);
        assert!(delay == want, "delay {delay}, expected {want}");
        assert_eq!(self.m.attempt(), attempt);
        if delay <= 0.0 {
            assert_eq!(count_opens(acts), 1, "a zero delay starts at once");
        } else {
            assert_eq!(count_opens(acts), 0);
            assert_eq!(self.m.next_deadline(), Some(self.now + delay));
        }
    }

    /// Carries out the actions as the shell does, checking each one, and
    /// returns them all (those caused by `not_writable` included).
    fn drain(&mut self) -> Vec<Action<String>> {
        let mut all = Vec::new();
        let mut work: VecDeque<_> = self.m.take_actions().into();
        while let Some(a) = work.pop_front() {
            match &a {
                Action::Open { generation } => {
                    let g = *generation;
                    assert!(
                        self.sock.is_none(),
                        "Open while the shell holds {:?}",
                        self.sock
                    );
                    assert_eq!(g, self.m.generation(), "Open for an old generation");
                    if let Some(last) = self.last_open_gen {
                        assert!(g > last, "generation {g} after {last}");
                    }
                    self.last_open_gen = Some(g);
                    self.sock = Some(Sock {
                        gen: g,
                        opened: false,
                        dead: false,
                    });
                    self.cov.opens += 1;
                }
                Action::Drop { code, .. } => {
                    let s = self.sock.take().expect("Drop without a socket");
                    assert!(
                        *code == 1000 || (3000..=4999).contains(code),
                        "browsers refuse close({code})"
                    );
                    self.old_gens.push(s.gen);
                    self.ping = None;
                }
                Action::Send(out) => {
                    let s = match self.sock {
                        Some(s) if s.opened => s,
                        other => panic!("Send to {other:?}"),
                    };
                    assert_eq!(s.gen, self.m.generation());
                    let (bytes, user) = match out {
                        Outgoing::Control(t) => {
                            let (kind, _) = parse_control(t, self.now);
                            if kind == "ping" {
                                self.ping = Some(self.now);
                                self.cov.pings += 1;
                            }
                            (t.len(), None)
                        }
                        Outgoing::User(f) => {
                            let (id, size) = parse_frame(f);
                            if self.immediate == Some(id) {
                                self.immediate = None;
                            } else {
                                let front = self.queue.pop_front();
                                assert_eq!(front, Some((id, size)), "user frame {id} out of order");
                            }
                            (size, Some((id, size)))
                        }
                    };
                    if s.dead || self.rng.chance(0.02) {
                        // readyState is no longer OPEN: the shell gives the
                        // frame back, as `Inner::requeue` does.
                        self.cov.send_failures += 1;
                        self.sock = Some(Sock { dead: true, ..s });
                        self.m.not_writable(out.clone(), bytes);
                        let more = self.m.take_actions();
                        if let Some(q) = user {
                            let refused = more.iter().any(|a| {
                                matches!(a, Action::Emit(Event::Error(Error::QueueFull { .. })))
                            });
                            if refused {
                                self.requeue_refused += 1;
                                self.cov.requeue_refused += 1;
                            } else {
                                self.queue.push_back(q);
                            }
                        }
                        work.extend(more);
                    } else {
                        self.out_msgs += 1;
                        self.out_bytes += bytes as u64;
                        if let Some((id, _)) = user {
                            if let Some(last) = self.last_sent {
                                assert!(
                                    id > last,
                                    "user frame {id} sent after {last}: duplicated or reordered"
                                );
                            }
                            self.last_sent = Some(id);
                            self.sent_user += 1;
                            self.cov.user_sent += 1;
                        }
                    }
                }
                Action::Emit(e) => self.check_event(e),
            }
            all.push(a);
        }
        all
    }

    fn check_event(&mut self, e: &Event) {
        match e {
            Event::State { from, to, .. } => {
                assert_eq!(*from, self.state, "state event chain broken");
                assert_ne!(from, to, "state event without a change");
                self.state = *to;
            }
            Event::Connected => {
                assert!(
                    self.sock
                        .is_some_and(|s| s.opened && s.gen == self.m.generation()),
                    "connected without an open socket"
                );
                assert!(!self.connected_emitted, "connected twice for one socket");
                self.connected_emitted = true;
                self.cov.connected += 1;
            }
            Event::Reconnecting { attempt, delay_ms } => {
                self.cov.reconnecting += 1;
                assert!(
                    *delay_ms >= 0.0 && *delay_ms <= self.cap(),
                    "delay {delay_ms} outside [0, {}]",
                    self.cap()
                );
                assert!(*attempt >= 1 && f64::from(*attempt) <= self.o.max_reconnect_attempts);
            }
            Event::ReconnectFailed { attempts } => {
                self.cov.reconnect_failed += 1;
                assert_eq!(f64::from(*attempts), self.o.max_reconnect_attempts);
            }
            Event::Pong { rtt_ms } => {
                let sent = self.ping.take().expect("pong event without a ping");
                assert_eq!(*rtt_ms, (self.now - sent).max(0.0));
                self.cov.pongs += 1;
            }
            Event::Error(_) => self.errors += 1,
            Event::Disconnected { .. } => {}
        }
    }

    /// Checks that hold after every call, whatever it was.
    fn check_step(&self, op: Op, b: &Before, acts: &[Action<String>]) {
        if b.state == ConnState::Closed && !matches!(op, Op::Connect | Op::Send | Op::FrameDropped)
        {
            assert!(acts.is_empty(), "{op:?} while closed acted: {acts:?}");
        }
        assert!(count_opens(acts) <= 1);
        // Frames go out only while writable, or when a socket opens.
        if !b.writable && !self.just_opened {
            let sends: Vec<_> = acts
                .iter()
                .filter(|a| matches!(a, Action::Send(_)))
                .collect();
            assert!(
                sends.is_empty(),
                "{op:?} sent while not writable: {sends:?}"
            );
        }
        if count_opens(acts) == 1 {
            let st = self.m.state();
            assert!(
                st == ConnState::Connecting || st == ConnState::Reconnecting,
                "Open in {st:?}"
            );
        }
        for e in events(acts) {
            match e {
                Event::Disconnected { will_reconnect, .. } => {
                    assert_eq!(
                        *will_reconnect,
                        self.m.state() != ConnState::Closed,
                        "will_reconnect lied"
                    );
                }
                Event::ReconnectFailed { .. } => assert_eq!(self.m.state(), ConnState::Closed),
                Event::Reconnecting { attempt, .. } => {
                    assert_eq!(*attempt, self.m.attempt());
                    assert!(
                        self.o.auto_reconnect || op == Op::Online,
                        "{op:?} reconnects with autoReconnect off"
                    );
                }
                _ => {}
            }
        }
    }

    fn check_invariants(&self) {
        let m = &self.m;
        let st = m.state();
        assert_eq!(st, self.state, "state() disagrees with the state events");
        if let Some(s) = self.sock {
            assert_eq!(s.gen, m.generation(), "the shell's socket is not current");
        }
        match st {
            ConnState::Closed => {
                assert_eq!(m.next_deadline(), None, "a deadline while closed");
                assert!(self.sock.is_none() && !m.is_connected());
            }
            ConnState::Connecting => assert!(self.sock.is_some_and(|s| !s.opened)),
            ConnState::Open => assert!(self.sock.is_some_and(|s| s.opened)),
            ConnState::Reconnecting => assert!(!self.sock.is_some_and(|s| s.opened)),
        }
        if m.is_connected() {
            assert!(st == ConnState::Open && m.queued_messages() == 0);
        }
        // The queue: bounded, and exactly the model.
        assert!(m.queued_messages() as f64 <= self.o.max_queued_messages);
        assert!(m.queued_bytes() as f64 <= self.o.max_queued_bytes);
        assert_eq!(m.queued_messages(), self.queue.len());
        assert_eq!(
            m.queued_bytes(),
            self.queue.iter().map(|q| q.1).sum::<usize>()
        );
        // Nothing lost (except refusals, which are reported) or duplicated.
        assert_eq!(
            self.accepted,
            self.sent_user + m.queued_messages() as u64 + self.requeue_refused,
            "user frames lost or duplicated"
        );
        assert!(f64::from(m.attempt()) <= self.o.max_reconnect_attempts);
        if let Some(d) = m.next_deadline() {
            let longest = [
                self.cap(),
                self.o.heartbeat_timeout,
                self.o.heartbeat_interval,
                self.o.stable_after,
                self.o.welcome_timeout,
            ]
            .into_iter()
            .fold(0.0, f64::max);
            assert!(
                d.is_finite() && d <= self.max_now + longest + 1.0,
                "deadline {d} too far"
            );
        }
        if self.hidden && st != ConnState::Closed {
            assert!(self.sock.is_none(), "a socket while the page is hidden");
        }
        // Never stuck: waiting online and visible means a timer is set.
        if st == ConnState::Reconnecting && self.sock.is_none() && self.online && !self.hidden {
            assert!(
                m.next_deadline().is_some(),
                "reconnecting with nothing to wait for"
            );
        }
        assert_eq!(m.subscriptions(), &self.subs[..]);
        assert_eq!(m.is_online(), self.online);
        let s = m.stats();
        assert_eq!(s.messages_out, self.out_msgs, "messages_out");
        assert_eq!(s.bytes_out, self.out_bytes, "bytes_out");
        assert_eq!((s.messages_in, s.bytes_in), (self.in_msgs, self.in_bytes));
        assert_eq!(s.connections, self.connections);
        assert_eq!(s.reconnects, self.connections.saturating_sub(1));
        assert_eq!((s.errors, s.dropped_frames), (self.errors, self.dropped));
        assert_eq!(s.opened_at_ms.is_some(), st == ConnState::Open);
    }
}

fn excerpt_for_log(s: &str) -> String {
    frame::excerpt(s, 24)
}

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
        "core_properties machine: {} steps in {} runs over {} seed(s) in {:.2?}, no panic",
        cov.steps,
        cov.runs,
        seeds.len(),
        start.elapsed()
    );
    println!("core_properties machine coverage: {cov:?}");
    assert_eq!(cov.steps, per * seeds.len() as u64);
}

// ---------------------------------------------------------------------------
// 2. String and number functions on random and adversarial input
// ---------------------------------------------------------------------------

/// The host a browser's URL parser sees in the part after `scheme://`, for
/// the simple cases (no percent-escapes, tabs or newlines): the authority
/// ends at `/`, `\` (ws: is a special scheme), `?` or `#`.
fn oracle_host(rest: &str) -> &str {
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let hostport = rest[..end].rsplit('@').next().unwrap_or_default();
    match hostport.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => hostport.split(':').next().unwrap_or_default(),
    }
}

/// Whether browsers treat `host` as potentially trustworthy (Secure
/// Contexts §3.2): `localhost`, `*.localhost`, `::1`, or 127.0.0.0/8.
fn oracle_loopback(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    let v4 = h.strip_suffix('.').unwrap_or(&h);
    let labels: Vec<&str> = v4.split('.').collect();
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || ((2..=4).contains(&labels.len())
            && labels[0] == "127"
            && labels
                .iter()
                .all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_digit())))
}

fn gen_page(rng: &mut Rng) -> Option<(String, String)> {
    rng.chance(0.7).then(|| {
        let protocol = rng
            .pick(&["https:", "http:", "file:", "", "HTTPS:", "about:"])
            .to_string();
        let host = if rng.chance(0.8) {
            rng.pick(&[
                "app.example.com",
                "127.0.0.1:8080",
                "localhost:3000",
                "",
                "[::1]:443",
            ])
            .to_string()
        } else {
            gen_string(rng)
        };
        (protocol, host)
    })
}

#[test]
fn url_resolve_is_total_and_sound() {
    run_cases("url::resolve", 20_000, |rng| {
        let configured = match rng.below(10) {
            0 => None,
            1 => Some(gen_string(rng)),
            _ => Some(gen_url(rng)),
        };
        let page = gen_page(rng);
        let page = page
            .as_ref()
            .map(|(protocol, host)| Page { protocol, host });
        let secure = page.as_ref().is_some_and(|p| p.protocol == "https:");
        let r = url::resolve(configured.as_deref(), page.as_ref());
        match &r {
            Ok(u) => {
                let (scheme, rest) = u.split_once("://").expect("absolute");
                assert!(scheme == "ws" || scheme == "wss", "{u:?}");
                assert!(!u.contains('#'), "fragment kept: {u:?}");
                // Idempotent. (Whitespace left before a cut fragment is
                // trimmed by a second pass, which may then find no host: the
                // core leaves such malformed hosts to the browser's parser.)
                let again = url::resolve(Some(u), page.as_ref());
                if u.trim() == u {
                    assert_eq!(
                        again.as_ref(),
                        Ok(u),
                        "not idempotent: {configured:?} on {page:?}"
                    );
                } else if let Ok(v) = again {
                    assert_eq!(v, u.trim(), "{configured:?} on {page:?}");
                }
                if let Some(c) = configured.as_deref().map(str::trim) {
                    let lower = c.to_ascii_lowercase();
                    if lower.starts_with("https://") || lower.starts_with("wss://") {
                        assert_eq!(scheme, "wss", "{c:?} -> {u:?}");
                    } else if lower.starts_with("http://") || lower.starts_with("ws://") {
                        assert_eq!(scheme, "ws", "{c:?} -> {u:?}");
                    }
                }
                let simple = !rest.contains(['%', '\t', '\n', '\r']);
                if secure && scheme == "ws" && simple {
                    let host = oracle_host(rest);
                    assert!(
                        oracle_loopback(host),
                        "insecure {u:?} allowed on an https page (host {host:?})"
                    );
                }
            }
            Err(e) => {
                assert!(matches!(e.code(), "INVALID_URL" | "MIXED_CONTENT"), "{e:?}");
                if e.code() == "MIXED_CONTENT" {
                    assert!(secure);
                }
                assert!(!e.to_string().is_empty());
            }
        }
        // Exact answer for well-formed URLs.
        let scheme = rng.pick(&["ws", "wss", "http", "https", "WSS", "Http"]);
        let host = rng.pick(&CLEAN_HOSTS);
        let port = rng.pick(&["", ":8080", ":1"]);
        let path = rng.pick(&["", "/", "/ws", "/a/b?x=1&y", "?q"]);
        let frag = rng.pick(&["", "#", "#f?g"]);
        let input = format!("{scheme}://{host}{port}{path}{frag}");
        let ws = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => "ws",
            _ => "wss",
        };
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let want = format!("{ws}://{host}{port}{path}");
        match url::resolve(Some(&input), page.as_ref()) {
            Ok(u) => {
                assert_eq!(u, want);
                assert!(
                    !(secure && ws == "ws" && !oracle_loopback(bare)),
                    "{input:?}"
                );
            }
            Err(e) => {
                assert_eq!(e.code(), "MIXED_CONTENT", "{input:?}");
                assert!(
                    secure && ws == "ws" && !oracle_loopback(bare),
                    "{input:?} refused"
                );
            }
        }
        // No URL configured: the page's origin at /ws.
        if let Some(p) = &page {
            let blank = rng.pick(&["", " ", "\t\n"]);
            let known = [
                "app.example.com",
                "127.0.0.1:8080",
                "localhost:3000",
                "[::1]:443",
            ];
            if known.contains(&p.host) {
                let r = url::resolve(Some(blank), Some(p));
                let s = if secure { "wss" } else { "ws" };
                assert_eq!(r, Ok(format!("{s}://{}/ws", p.host)));
            }
        }
    });
}

#[test]
fn url_params_are_encoded_and_round_trip() {
    run_cases("url::with_params + encode_component", 8_000, |rng| {
        let s = gen_string(rng);
        let e = url::encode_component(&s);
        assert!(is_component_encoded(&e), "{s:?} -> {e:?}");
        assert_eq!(percent_decode(&e).as_deref(), Some(&*s));
        let plain = s.bytes().filter(|b| unreserved(*b)).count();
        assert_eq!(e.len(), plain + 3 * (s.len() - plain));

        let base = if rng.chance(0.5) {
            url::resolve(Some(&gen_url(rng)), None).unwrap_or_else(|_| "ws://h/ws".into())
        } else {
            gen_string(rng).replace('#', "")
        };
        let vals: [Option<String>; 3] =
            std::array::from_fn(|_| rng.chance(0.7).then(|| gen_string(rng)));
        let r = url::with_params(
            &base,
            vals[0].as_deref(),
            vals[1].as_deref(),
            vals[2].as_deref(),
        );
        assert!(r.starts_with(&base));
        let given: Vec<(&str, &str)> = ["userId", "role", "token"]
            .into_iter()
            .zip(&vals)
            .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
            .collect();
        if given.is_empty() {
            assert_eq!(r, base);
            return;
        }
        let suffix = &r[base.len()..];
        let sep = match base.split_once('?') {
            None => "?",
            Some((_, q)) if q.is_empty() || q.ends_with('&') => "",
            Some(_) => "&",
        };
        let params = suffix.strip_prefix(sep).expect("separator");
        let parts: Vec<&str> = params.split('&').collect();
        assert_eq!(parts.len(), given.len(), "{r:?}");
        for (part, (key, value)) in parts.iter().zip(&given) {
            let (k, v) = part.split_once('=').expect("key=value");
            assert_eq!(k, *key);
            assert!(is_component_encoded(v), "raw characters in {v:?}");
            assert_eq!(percent_decode(v).as_deref(), Some(*value));
        }
    });
}

#[test]
fn url_redact_never_leaks_a_token() {
    run_cases("url::redact", 8_000, |rng| {
        // Any string: never panics, touches only `token` parameters.
        let s = if rng.chance(0.5) {
            gen_url(rng)
        } else {
            gen_string(rng)
        };
        let r = url::redact(&s);
        match s.split_once('?') {
            None => assert_eq!(r, s),
            Some((head, query)) => {
                let (rhead, rquery) = r.split_once('?').expect("query kept");
                assert_eq!(rhead, head);
                let (a, b): (Vec<_>, Vec<_>) =
                    (query.split('&').collect(), rquery.split('&').collect());
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(&b) {
                    if x.split_once('=').is_some_and(|(k, _)| k == "token") {
                        assert_eq!(*y, "token=***");
                    } else {
                        assert_eq!(x, y);
                    }
                }
            }
        }
        // A URL as the shell builds it: the token never comes out.
        let base =
            url::resolve(Some(&gen_url(rng)), None).unwrap_or_else(|_| "wss://h/ws?a=1".into());
        let (user, role) = (
            rng.chance(0.7).then(|| gen_string(rng)),
            rng.chance(0.5).then(|| gen_string(rng)),
        );
        let token = if rng.chance(0.5) {
            format!("tok-{:016x}", rng.next_u64())
        } else {
            gen_string(rng)
        };
        let full = url::with_params(&base, user.as_deref(), role.as_deref(), Some(&token));
        let red = url::redact(&full);
        assert_eq!(
            red,
            url::with_params(
                &url::redact(&base),
                user.as_deref(),
                role.as_deref(),
                Some("***")
            )
        );
        let enc = url::encode_component(&token);
        let elsewhere = [Some(base.as_str()), user.as_deref(), role.as_deref()]
            .into_iter()
            .flatten()
            .any(|x| url::encode_component(x).contains(&enc) || x.contains(&enc));
        if enc.len() >= 8 && !elsewhere {
            assert!(!red.contains(&enc), "token {token:?} leaked in {red:?}");
        }
    });
}

#[test]
fn control_frames_are_valid_json_and_round_trip() {
    const KINDS: [FrameType; 6] = [
        FrameType::Subscribe,
        FrameType::Unsubscribe,
        FrameType::Message,
        FrameType::Ping,
        FrameType::Pong,
        FrameType::Connected,
    ];
    run_cases("frame::encode_control", 10_000, |rng| {
        let kind = rng.pick(&KINDS);
        assert_eq!(FrameType::parse(kind.as_str()), Some(kind));
        let channel = rng.chance(0.8).then(|| gen_string(rng));
        let now = gen_f64(rng);
        let text = frame::encode_control(kind, channel.as_deref(), now);
        assert!(
            !text.bytes().any(|b| b < 0x20),
            "raw control byte in {text:?}"
        );
        let want = {
            let mut kv = vec![("type".to_string(), Json::Str(kind.as_str().into()))];
            if let Some(c) = &channel {
                kv.push(("channel".into(), Json::Str(c.clone())));
            }
            kv.push(("timestamp".into(), Json::Str(frame::iso8601(now))));
            Json::Obj(kv)
        };
        assert_eq!(parse_json(&text), Ok(want), "{text:?}");
        let s = gen_string(rng);
        let mut lit = String::new();
        frame::push_json_string(&mut lit, &s);
        assert_eq!(parse_json(&lit), Ok(Json::Str(s)));
    });
}

#[test]
fn iso8601_is_total_and_exact() {
    const MIN: f64 = -62_167_219_200_000.0;
    const MAX: f64 = 253_402_300_799_999.0;
    run_cases("frame::iso8601", 40_000, |rng| {
        let (a, b) = (gen_f64(rng), gen_f64(rng));
        let (sa, sb) = (frame::iso8601(a), frame::iso8601(b));
        for (ms, s) in [(a, &sa), (b, &sb)] {
            assert_eq!(s.len(), 24, "{ms} -> {s}");
            let want = if ms.is_finite() {
                ms.clamp(MIN, MAX).trunc() as i64
            } else {
                0
            };
            assert_eq!(parse_iso(s), Some(want), "{ms} -> {s}");
        }
        // Chronological order is lexicographic order (finite inputs).
        if a.is_finite() && b.is_finite() && a <= b {
            assert!(sa <= sb, "{a} -> {sa}, {b} -> {sb}");
        }
    });
}

#[test]
fn excerpt_and_channel_checks_on_random_text() {
    run_cases("frame::excerpt + check_channel", 20_000, |rng| {
        let s = gen_string(rng);
        let max = match rng.below(4) {
            0 => rng.below(4) as usize,
            1 => rng.below(64) as usize,
            2 => s.chars().count(),
            _ => rng.next_u64() as usize,
        };
        let e = frame::excerpt(&s, max);
        let n = s.chars().count();
        if n <= max {
            assert_eq!(e, s);
        } else {
            assert_eq!(e.chars().count(), max + 1);
            assert!(e.ends_with('…'));
            assert_eq!(
                e.chars().take(max).collect::<String>(),
                s.chars().take(max).collect::<String>()
            );
        }

        let name = match rng.below(5) {
            0 => (rng.pick(&RESERVED_EVENTS)).to_string(),
            1 => rng
                .pick(&["x", "é", "😀"])
                .repeat(60 + rng.below(200) as usize),
            _ => gen_string(rng),
        };
        let got = frame::check_channel(&name).map_err(|e| e.code());
        let want = if name.is_empty() || name.len() > 256 {
            Err("INVALID_CHANNEL")
        } else if RESERVED_EVENTS.contains(&name.as_str()) {
            Err("RESERVED_CHANNEL")
        } else {
            Ok(())
        };
        assert_eq!(got, want, "{name:?}");
    });
}

fn number_option(o: &Options, name: &str) -> f64 {
    match name {
        "reconnectInterval" => o.reconnect_interval,
        "maxReconnectAttempts" => o.max_reconnect_attempts,
        "maxReconnectInterval" => o.max_reconnect_interval,
        "jitter" => o.jitter,
        "stableAfter" => o.stable_after,
        "heartbeatInterval" => o.heartbeat_interval,
        "heartbeatTimeout" => o.heartbeat_timeout,
        "maxQueuedMessages" => o.max_queued_messages,
        "maxQueuedBytes" => o.max_queued_bytes,
        "welcomeTimeout" => o.welcome_timeout,
        "maxFrameSize" => o.max_frame_size,
        _ => unreachable!("{name}"),
    }
}

#[test]
fn option_setters_accept_exactly_their_ranges() {
    run_cases("Options setters", 20_000, |rng| {
        let mut o = gen_options(rng);
        // set_number
        let entry = rng.pick(&options::NUMBER_OPTIONS);
        let name = match rng.below(6) {
            0 => gen_string(rng),
            1 => rng
                .pick(&["Jitter", "jitter ", "", "backoff", "autoReconnect"])
                .to_string(),
            _ => entry.0.to_string(),
        };
        let v = match rng.below(3) {
            0 => gen_f64(rng),
            _ => {
                let edge = rng.pick(&[entry.1, entry.2]);
                let ulps = rng.below(5) as i64 - 2;
                let moved = f64::from_bits((edge.to_bits() as i64 + ulps) as u64);
                let inside = rng.unit() * entry.2;
                rng.pick(&[edge, moved, edge + 0.5, edge - 1.0, edge + 1.0, inside])
            }
        };
        let before = o.clone();
        let r = o.set_number(&name, v);
        match options::NUMBER_OPTIONS.iter().find(|e| e.0 == name) {
            None => {
                assert_eq!(r, Ok(false), "{name:?}");
                assert_eq!(o, before);
            }
            Some(&(name, min, max, whole, infinite)) => {
                let ok = (infinite && v == f64::INFINITY)
                    || (v.is_finite() && v >= min && v <= max && (!whole || v == v.trunc()));
                if ok {
                    assert_eq!(r, Ok(true), "{name} = {v:e}");
                    assert_eq!(
                        number_option(&o, name).to_bits(),
                        v.to_bits(),
                        "{name} = {v:e}"
                    );
                } else {
                    let e = r.expect_err(&format!("{name} = {v:e} accepted"));
                    assert_eq!(e.code(), "INVALID_OPTION");
                    assert!(e.to_string().contains(name));
                    assert_eq!(o, before, "a refused value changed the options");
                }
            }
        }
        // add_close_code
        let n = rng.below(70_000);
        let code = match rng.below(8) {
            0 => gen_string(rng),
            1 => format!(" {n}\t"),
            2 => format!("+{n}"),
            3 => format!("0{n}"),
            4 => format!("{n}.0"),
            5 => rng
                .pick(&["-0", "1e3", "٤٠٠٠", "", "4000 4001", "0x0fa0"])
                .to_string(),
            _ => (1000 + rng.below(4000)).to_string(),
        };
        let reaction = if rng.chance(0.8) {
            rng.pick(&["reconnect", "slow", "stop"])
        } else {
            rng.pick(&["Stop", "", "stop ", "later"])
        };
        let before = o.clone();
        let r = o.add_close_code(&code, reaction);
        let t = code.trim();
        let digits = t.strip_prefix('+').unwrap_or(t);
        let num = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u64>().ok())
            .flatten()
            .filter(|c| (1000..=4999).contains(c));
        let parsed = CloseReaction::parse(reaction);
        match (num, parsed) {
            (Some(c), Some(re)) => {
                assert_eq!(r, Ok(()), "{code:?} {reaction:?}");
                let c = c as u16;
                assert_eq!(o.close_codes.last(), Some(&(c, re)));
                let d = o.close_policy().decide(c);
                assert!(d.overridden && d.reaction == re);
            }
            _ => {
                assert_eq!(
                    r.map_err(|e| e.code()),
                    Err("INVALID_OPTION"),
                    "{code:?} {reaction:?}"
                );
                assert_eq!(o, before);
            }
        }
        // set_backoff
        let s = if rng.chance(0.5) {
            rng.pick(&["linear", "exponential", "Linear", " linear", "exp", ""])
                .to_string()
        } else {
            gen_string(rng)
        };
        let before = o.clone();
        match (o.set_backoff(&s), s.as_str()) {
            (Ok(()), "linear") => assert_eq!(o.backoff, BackoffKind::Linear),
            (Ok(()), "exponential") => assert_eq!(o.backoff, BackoffKind::Exponential),
            (Err(e), x) if x != "linear" && x != "exponential" => {
                assert_eq!(e.code(), "INVALID_OPTION");
                assert_eq!(o, before);
            }
            (r, x) => panic!("set_backoff({x:?}) -> {r:?}"),
        }
    });
}

#[test]
fn backoff_delay_is_bounded_and_monotonic() {
    run_cases("Backoff::delay", 40_000, |rng| {
        let o = gen_options(rng);
        let b = o.backoff_policy();
        let cap = b.cap();
        assert_eq!(cap, o.max_reconnect_interval.max(o.reconnect_interval));
        let attempt = match rng.below(4) {
            0 => rng.pick(&[0, 1, 2, 62, 63, 64, 65, u32::MAX - 1, u32::MAX]),
            1 => rng.next_u64() as u32,
            _ => rng.below(40) as u32,
        };
        let random = if rng.chance(0.3) {
            gen_f64(rng)
        } else {
            rng.unit()
        };
        let d = b.delay(attempt, random);
        let l = b.longest(random);
        for x in [d, l] {
            assert!(
                !x.is_nan() && x >= 0.0 && x <= cap,
                "{x} outside [0, {cap}] for {b:?} attempt {attempt} random {random}"
            );
        }
        assert!(d <= l, "a delay above the longest one");
        let raw = match b.kind {
            BackoffKind::Linear => b.base_ms * f64::from(attempt.max(1)),
            BackoffKind::Exponential => {
                b.base_ms * 2f64.powi(attempt.max(1).saturating_sub(1).min(1000) as i32)
            }
        }
        .min(cap);
        assert!(d <= raw, "jitter lengthened a delay");
        if (0.0..1.0).contains(&random) {
            assert!(
                d > 0.0 && d >= raw * (1.0 - b.jitter) * (1.0 - 1e-12),
                "{d} below the jitter band of {raw}"
            );
            // Later attempts never wait less (same random number).
            if attempt < u32::MAX {
                assert!(b.delay(attempt + 1, random) >= d);
            }
        }
    });
}
