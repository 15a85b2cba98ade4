//! The server URL: resolving `wsUrl` against the page (refusing what the
//! browser's `new WebSocket()` would throw on), the query parameters
//! `userId`, `role` and `token` (each URL-encoded), the mixed-content rule,
//! and redaction of secrets (query values, user info, fragments) for logs
//! and errors.
//!
//! The files: this one (resolving, parameters, the mixed-content rule and
//! the small byte helpers the others share), `host.rs` (what the browser's
//! URL parser accepts as a host and port), `redact.rs` (redaction).

#[allow(unused_imports)]
use crate::prelude::*;
mod host;
mod redact;

pub use redact::redact;
use redact::redact_url;

use super::Error;
use host::host_of;

/// Where the page is, as `location.protocol` and `location.host` give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a> {
    /// `"https:"`, `"http:"`, `"file:"`, ...
    pub protocol: &'a str,
    /// `"example.com:8443"`.
    pub host: &'a str,
}

/// Resolves the configured URL (`options.wsUrl`, else `ZANTARA_WS_URL`, else
/// `None`) to an absolute `ws:` or `wss:` URL without a fragment, and with no
/// space or control character (tabs and newlines dropped, the others
/// percent-encoded, as the browser's URL parser does).
///
/// `None` means the page's own origin at `/ws` (`wss:` on https pages), as
/// socket.io's `io()` defaults to its page. `http(s):` URLs are mapped to
/// `ws(s):`, and a path starting with `/` is taken relative to the page.
/// A host or port that the browser would throw a `SyntaxError` for is refused
/// here (see [`host_of`]). A `ws:` URL from an `https:` page is refused
/// (browsers block mixed content), except for loopback hosts, which browsers
/// treat as trustworthy. Errors quote the URL [`redact`]ed.
pub fn resolve(configured: Option<&str>, page: Option<&Page<'_>>) -> Result<String, Error> {
    let secure_page = page.is_some_and(|p| p.protocol == "https:");
    let page_origin = |path: &str| -> Result<String, Error> {
        match page {
            Some(p) if !p.host.is_empty() => {
                Ok([if secure_page { "wss://" } else { "ws://" }, p.host, path].concat())
            }
            _ => Err(Error::InvalidUrl {
                reason: "is not set and the page has no http(s) origin to default to; pass options.wsUrl"
                    .into(),
            }),
        }
    };
    let raw = match configured.map(str::trim) {
        None | Some("") => page_origin("/ws")?,
        Some(path) if path.starts_with('/') && !path.starts_with("//") => page_origin(path)?,
        Some(url) => url.to_string(),
    };
    // As the browser's parser does: the fragment goes (a WebSocket URL has
    // none) with the blanks before it, and tabs and newlines are dropped.
    let raw = raw.split('#').next().unwrap_or_default();
    let end = raw.bytes().rposition(|b| !is_blank(b)).map_or(0, |i| i + 1);
    let raw: String = raw[..end]
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let refuse = |why: &str| Error::InvalidUrl {
        reason: ["`", &redact(&redact_url(&raw)), "` ", why].concat(),
    };
    let b = raw.as_bytes();
    let sep = find(b, b"://")
        .filter(|&i| b[0].is_ascii_alphabetic() && scheme_start(b, 0, i) == 0)
        .ok_or_else(|| {
            refuse("is not absolute (expected ws://, wss://, http://, https:// or /path)")
        })?;
    let rest = &raw[sep + 3..];
    let scheme = match raw[..sep].to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(Error::InvalidUrl {
                reason: ["has the scheme `", other, ":` (expected ws: or wss:)"].concat(),
            })
        }
    };
    let host = host_of(rest).map_err(refuse)?;
    let mut url = [scheme, "://"].concat();
    for c in rest.chars() {
        if c <= '\x7f' && is_blank(c as u8) {
            push_escaped(&mut url, c as u8);
        } else {
            url.push(c);
        }
    }
    if scheme == "ws" && secure_page && !is_loopback(host) {
        return Err(Error::MixedContent { url: redact(&url) });
    }
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost") || is_loopback_v4(&host) || host == "::1"
}

/// 127.0.0.0/8 in dotted-decimal form (`127.0.0.1`, `127.1`, `127.0.0.1.`),
/// not a name that merely starts with `127.` (`127.0.0.1.example.com`).
fn is_loopback_v4(host: &str) -> bool {
    let mut labels = host.strip_suffix('.').unwrap_or(host).split('.');
    labels.next() == Some("127")
        && (1..=3).contains(&labels.clone().count())
        && labels.all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
}

/// Percent-encodes `s` as `encodeURIComponent` does.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
    out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
}

/// Appends `userId`, `role` and `token` (those given) to `base`'s query.
pub fn with_params(
    base: &str,
    user_id: Option<&str>,
    role: Option<&str>,
    token: Option<&str>,
) -> String {
    let mut url = base.to_string();
    for (key, value) in [("userId", user_id), ("role", role), ("token", token)] {
        let Some(value) = value else { continue };
        // No `&` only after the `?` that starts an empty query, or after a
        // `&`: a `?` later in the query is just a character of it.
        match url.split_once('?') {
            None => url.push('?'),
            Some((_, query)) if query.is_empty() || query.ends_with('&') => {}
            Some(_) => url.push('&'),
        }
        url.push_str(key);
        url.push('=');
        url.push_str(&encode_component(value));
    }
    url
}

/// A space, a control character or DEL: never inside a URL that [`resolve`]
/// returns, so [`redact`] ends a URL there.
pub(super) fn is_blank(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

pub(super) fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// Where the scheme ending at `sep` starts: the run of letters, digits, `+`,
/// `-` and `.` before it, not before `from`.
pub(super) fn scheme_start(b: &[u8], from: usize, sep: usize) -> usize {
    let mut i = sep;
    while i > from && is_scheme_byte(b[i - 1]) {
        i -= 1;
    }
    i
}

/// The index of the first byte of `b` that `f` holds for, else `b.len()`.
pub(super) fn upto(b: &[u8], f: fn(u8) -> bool) -> usize {
    b.iter().position(|&c| f(c)).unwrap_or(b.len())
}

/// Where `pat` first occurs in `b`.
pub(super) fn find(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).position(|w| w == pat)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
