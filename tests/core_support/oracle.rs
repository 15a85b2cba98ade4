//! Oracles written independently of the core: a percent-decoder, the
//! `encodeURIComponent` output set, a proleptic Gregorian calendar, and
//! which server URLs a browser's `new WebSocket()` takes (the WHATWG URL
//! standard's parser, transcribed step by step).

/// Decodes `%XX` escapes; `None` on a malformed escape or invalid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
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
pub fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

/// True when `s` is exactly what `encodeURIComponent` may output: unreserved
/// bytes and `%XX` with upper-case hex.
pub fn is_component_encoded(s: &str) -> bool {
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
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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
pub fn parse_iso(s: &str) -> Option<i64> {
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

/// Whether the browser's `new WebSocket()` accepts the URL that
/// `url::resolve(Some(input), None)` hands it, or `None` when that takes
/// IDNA (a non-ASCII or `xn--` host): the WHATWG URL standard's scheme,
/// authority, host (domain, IPv4, IPv6) and port states, transcribed from the
/// spec, after the SDK's own steps (trim, cut the fragment and the blanks
/// before it, drop tabs and newlines), and with its one stricter rule: the
/// host must follow `scheme://` at once (browsers skip more slashes).
pub fn ws_url_valid(input: &str) -> Option<bool> {
    let s = input.trim();
    let s = s.split('#').next().unwrap_or("");
    let s = s.trim_end_matches(|c: char| c <= ' ' || c == '\u{7f}');
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some(i) = s.find("://") else {
        return Some(false);
    };
    if !["ws", "wss", "http", "https"].contains(&s[..i].to_ascii_lowercase().as_str()) {
        return Some(false);
    }
    let rest: Vec<char> = s[i + 3..].chars().collect();
    let ends = |c: Option<&char>| matches!(c, None | Some('/' | '\\' | '?' | '#'));
    if matches!(rest.first(), Some('/' | '\\')) {
        return Some(false);
    }
    // Authority state: the host starts after the last `@`.
    let (mut p, mut host_start) = (0, 0);
    while !ends(rest.get(p)) {
        if rest[p] == '@' {
            host_start = p + 1;
        }
        p += 1;
    }
    // Host state.
    let (mut p, mut inside, mut host) = (host_start, false, String::new());
    while !ends(rest.get(p)) && (rest[p] != ':' || inside) {
        inside = match rest[p] {
            '[' => true,
            ']' => false,
            _ => inside,
        };
        host.push(rest[p]);
        p += 1;
    }
    if host.is_empty() {
        return Some(false);
    }
    // Port state.
    if rest.get(p) == Some(&':') {
        let mut digits = String::new();
        p += 1;
        while !ends(rest.get(p)) {
            if !rest[p].is_ascii_digit() {
                return Some(false);
            }
            digits.push(rest[p]);
            p += 1;
        }
        let value = digits.trim_start_matches('0');
        if value.len() > 5 || value.parse::<u32>().unwrap_or(0) > 65_535 {
            return Some(false);
        }
    }
    host_valid(&host)
}

/// The host parser for a special scheme.
fn host_valid(input: &str) -> Option<bool> {
    if let Some(inner) = input.strip_prefix('[') {
        return Some(inner.strip_suffix(']').is_some_and(ipv6_valid));
    }
    let Ok(domain) = String::from_utf8(percent_decode_lenient(input)) else {
        return Some(false); // U+FFFD, which IDNA refuses
    };
    if !domain.is_ascii() || domain.to_ascii_lowercase().contains("xn--") {
        return None;
    }
    if domain
        .chars()
        .any(|c| c.is_ascii_control() || " #%/:<>?@[\\]^|".contains(c))
    {
        return Some(false);
    }
    Some(!ends_in_a_number(&domain) || ipv4_valid(&domain))
}

/// Percent-decoding as the URL standard does it: a `%` not followed by two
/// hex digits stays.
fn percent_decode_lenient(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
        });
        match (b[i], hex) {
            (b'%', Some(h)) => {
                out.push(u8::from_str_radix(h, 16).unwrap());
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn ends_in_a_number(domain: &str) -> bool {
    let mut parts: Vec<&str> = domain.split('.').collect();
    if parts.last() == Some(&"") {
        if parts.len() == 1 {
            return false;
        }
        parts.pop();
    }
    let last = parts[parts.len() - 1];
    (!last.is_empty() && last.chars().all(|c| c.is_ascii_digit())) || ipv4_number(last).is_some()
}

fn ipv4_number(s: &str) -> Option<u128> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = if s.starts_with("0x") || s.starts_with("0X") {
        (&s[2..], 16)
    } else if s.len() >= 2 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    let mut n: u128 = 0;
    for c in digits.chars() {
        n = n
            .saturating_mul(radix.into())
            .saturating_add(c.to_digit(radix)?.into());
    }
    Some(n)
}

fn ipv4_valid(domain: &str) -> bool {
    let mut parts: Vec<&str> = domain.split('.').collect();
    if parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() > 4 {
        return false;
    }
    let Some(numbers) = parts
        .iter()
        .map(|p| ipv4_number(p))
        .collect::<Option<Vec<u128>>>()
    else {
        return false;
    };
    let (last, init) = numbers.split_last().unwrap();
    init.iter().all(|&n| n <= 255) && *last < 256u128.pow(5 - numbers.len() as u32)
}

/// The IPv6 parser, step by step.
fn ipv6_valid(input: &str) -> bool {
    let c: Vec<char> = input.chars().collect();
    let at = |i: usize| c.get(i).copied();
    let (mut piece, mut compress, mut p) = (0usize, None, 0usize);
    if at(0) == Some(':') {
        if at(1) != Some(':') {
            return false;
        }
        p = 2;
        piece = 1;
        compress = Some(1);
    }
    while let Some(ch) = at(p) {
        if piece == 8 {
            return false;
        }
        if ch == ':' {
            if compress.is_some() {
                return false;
            }
            p += 1;
            piece += 1;
            compress = Some(piece);
            continue;
        }
        let mut length = 0;
        while length < 4 && at(p).is_some_and(|x| x.is_ascii_hexdigit()) {
            p += 1;
            length += 1;
        }
        if at(p) == Some('.') {
            if length == 0 || piece > 6 {
                return false;
            }
            p -= length;
            let mut seen = 0;
            while at(p).is_some() {
                if seen > 0 {
                    if at(p) == Some('.') && seen < 4 {
                        p += 1;
                    } else {
                        return false;
                    }
                }
                let mut v4: Option<u32> = None;
                if !at(p).is_some_and(|x| x.is_ascii_digit()) {
                    return false;
                }
                while let Some(d) = at(p).and_then(|x| x.to_digit(10)) {
                    v4 = match v4 {
                        None => Some(d),
                        Some(0) => return false,
                        Some(v) => Some(v * 10 + d),
                    };
                    if v4 > Some(255) {
                        return false;
                    }
                    p += 1;
                }
                seen += 1;
                if seen == 2 || seen == 4 {
                    piece += 1;
                }
            }
            return seen == 4 && (compress.is_some() || piece == 8);
        } else if at(p) == Some(':') {
            p += 1;
            if at(p).is_none() {
                return false;
            }
        } else if at(p).is_some() {
            return false;
        }
        piece += 1;
    }
    compress.is_some() || piece == 8
}
