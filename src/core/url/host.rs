//! The host of a server URL as the browser's URL parser reads it (WHATWG URL
//! standard, authority, host and port states): IPv6 and IPv4 literals,
//! percent-decoding, and what makes a host or port invalid.

use super::{find, is_blank, upto};
#[allow(unused_imports)]
use crate::prelude::*;

/// The host (without brackets, port or user info) of the part after
/// `scheme://`, or why the browser's URL parser (WHATWG URL standard,
/// authority, host and port states) would refuse it: no host, a port that
/// is not a number up to 65535, a `[` not closed by `]` at the host's end,
/// an invalid IPv6 address, a space, control character or one of
/// `#%/:<>?@[\]^|` in the host (after percent-decoding), or a host that ends
/// in a number but is no IPv4 address. `\\` ends the authority like `/`.
/// International names are left to the browser.
pub(super) fn host_of(rest: &str) -> Result<&str, &'static str> {
    let b = rest.as_bytes();
    let end = upto(b, |c| matches!(c, b'/' | b'?' | b'\\'));
    let start = last_of(&b[..end], b'@').map_or(0, |i| i + 1);
    // A `:` inside `[...]` belongs to an IPv6 address, not to the port.
    let mut inside = false;
    let colon = b[start..end]
        .iter()
        .position(|&c| {
            inside = (inside || c == b'[') && c != b']';
            c == b':' && !inside
        })
        .map_or(end, |i| start + i);
    let host = &rest[start..colon];
    let port = b[colon..end].get(1..).unwrap_or_default();
    let port = port.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit()
            .then(|| (n * 10 + u32::from(c - b'0')).min(65_536))
    });
    let h = host.as_bytes();
    match (h, port) {
        ([], _) => Err("has no host"),
        (_, None | Some(65_536)) => Err("has a port that is not a number up to 65535"),
        ([b'[', v6 @ .., b']'], _) if is_ipv6(v6) => Ok(&host[1..host.len() - 1]),
        ([b'[', .., b']'], _) => Err("has an invalid IPv6 address in `[]`"),
        ([b'[', ..], _) => Err("has a `[` with no `]` at the end of its host"),
        _ => {
            let d = percent_decode(h);
            if d.iter()
                .any(|&c| is_blank(c) || b"#%/:<>?@[\\]^|".contains(&c))
                || core::str::from_utf8(&d).is_err()
            {
                Err("has a space, a control character or one of `#%/:<>?@[]\\^|` in its host")
            } else if !ipv4_ok(&d) {
                Err("has a host that ends in a number but is no IPv4 address")
            } else {
                Ok(host)
            }
        }
    }
}

/// The value of a hex digit, else 99.
pub(super) fn hex_value(c: u8) -> u64 {
    match c {
        b'0'..=b'9' => u64::from(c - b'0'),
        b'a'..=b'f' => u64::from(c - b'a') + 10,
        b'A'..=b'F' => u64::from(c - b'A') + 10,
        _ => 99,
    }
}

/// `%XX` escapes decoded; any other `%` kept as it is.
pub(super) fn percent_decode(b: &[u8]) -> Vec<u8> {
    let hex = |i: usize| b.get(i).map_or(99, |&c| hex_value(c));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let (h, l) = (hex(i + 1), hex(i + 2));
        if c == b'%' && h < 16 && l < 16 {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// An IPv6 address as browsers read it (RFC 4291 text): eight groups of one
/// to four hex digits, or fewer with one `::` standing for at least one zero
/// group; the last two groups may be a dotted IPv4 address.
pub(super) fn is_ipv6(s: &[u8]) -> bool {
    let mut s = s;
    let mut groups = 0;
    if let Some(i) = last_of(s, b':') {
        let v4 = &s[i + 1..];
        if v4.contains(&b'.') {
            let quad = parts(v4, b'.').count() == 4
                && parts(v4, b'.').all(|p| {
                    matches!(p, [b'0'] | [b'1'..=b'9', ..])
                        && ipv4_number(p).is_some_and(|v| v < 256)
                });
            if !quad {
                return false;
            }
            groups = 2;
            // Keep the `:` of a `::` before the IPv4 part.
            s = &s[..i + usize::from(i > 0 && s[i - 1] == b':')];
        }
    }
    let double = find(s, b"::");
    let (head, tail) = match double {
        Some(i) => (&s[..i], &s[i + 2..]),
        None => (s, &s[s.len()..]),
    };
    for part in [head, tail] {
        if part.is_empty() {
            continue;
        }
        for g in parts(part, b':') {
            if g.is_empty() || g.len() > 4 || !g.iter().all(u8::is_ascii_hexdigit) {
                return false;
            }
            groups += 1;
        }
    }
    if double.is_some() {
        groups <= 7
    } else {
        groups == 8
    }
}

/// False when the WHATWG host parser takes `host` for an IPv4 address (its
/// last label, a final `.` aside, is a number: digits, or `0x` and hex
/// digits) and it is none: one to four numbers (decimal, `0` octal or `0x`
/// hex), each but the last up to 255, the last filling the remaining bytes.
pub(super) fn ipv4_ok(host: &[u8]) -> bool {
    let host = host.strip_suffix(b".").unwrap_or(host);
    let last = &host[last_of(host, b'.').map_or(0, |i| i + 1)..];
    let n = parts(host, b'.').count();
    let number =
        ipv4_number(last).is_some() || (!last.is_empty() && last.iter().all(u8::is_ascii_digit));
    !number
        || n <= 4
            && parts(host, b'.').enumerate().all(|(i, p)| {
                let max = if i + 1 < n { 256 } else { 1 << (8 * (5 - n)) };
                ipv4_number(p).is_some_and(|v| v < max)
            })
}

/// A number as the WHATWG IPv4 parser reads it (past 2^40, any value).
pub(super) fn ipv4_number(p: &[u8]) -> Option<u64> {
    let (digits, radix) = match p {
        [] => return None,
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', rest @ ..] if !rest.is_empty() => (rest, 8),
        _ => (p, 10),
    };
    digits.iter().try_fold(0u64, |n, &c| {
        let d = hex_value(c);
        (d < radix).then(|| (n * radix + d).min(1 << 40))
    })
}

/// The pieces of `b` between the `sep` bytes.
pub(super) fn parts(b: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    b.split(move |&c| c == sep)
}

/// Where the last `c` is in `b`.
pub(super) fn last_of(b: &[u8], c: u8) -> Option<usize> {
    b.iter().rposition(|&x| x == c)
}
