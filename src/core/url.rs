//! The server URL: resolving `wsUrl` against the page (refusing what the
//! browser's `new WebSocket()` would throw on), the query parameters
//! `userId`, `role` and `token` (each URL-encoded), the mixed-content rule,
//! and redaction of secrets (query values, user info, fragments) for logs
//! and errors.

use super::Error;

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

/// A space, a control character or DEL: never inside a URL that [`resolve`]
/// returns, so [`redact`] ends a URL there.
fn is_blank(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// Where the scheme ending at `sep` starts: the run of letters, digits, `+`,
/// `-` and `.` before it, not before `from`.
fn scheme_start(b: &[u8], from: usize, sep: usize) -> usize {
    let mut i = sep;
    while i > from && is_scheme_byte(b[i - 1]) {
        i -= 1;
    }
    i
}

/// The index of the first byte of `b` that `f` holds for, else `b.len()`.
fn upto(b: &[u8], f: fn(u8) -> bool) -> usize {
    b.iter().position(|&c| f(c)).unwrap_or(b.len())
}

/// Where `pat` first occurs in `b`.
fn find(b: &[u8], pat: &[u8]) -> Option<usize> {
    b.windows(pat.len()).position(|w| w == pat)
}

/// The host (without brackets, port or user info) of the part after
/// `scheme://`, or why the browser's URL parser (WHATWG URL standard,
/// authority, host and port states) would refuse it: no host, a port that
/// is not a number up to 65535, a `[` not closed by `]` at the host's end,
/// an invalid IPv6 address, a space, control character or one of
/// `#%/:<>?@[\]^|` in the host (after percent-decoding), or a host that ends
/// in a number but is no IPv4 address. `\\` ends the authority like `/`.
/// International names are left to the browser.
fn host_of(rest: &str) -> Result<&str, &'static str> {
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
                || std::str::from_utf8(&d).is_err()
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
fn hex_value(c: u8) -> u64 {
    match c {
        b'0'..=b'9' => u64::from(c - b'0'),
        b'a'..=b'f' => u64::from(c - b'a') + 10,
        b'A'..=b'F' => u64::from(c - b'A') + 10,
        _ => 99,
    }
}

/// `%XX` escapes decoded; any other `%` kept as it is.
fn percent_decode(b: &[u8]) -> Vec<u8> {
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
fn is_ipv6(s: &[u8]) -> bool {
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
fn ipv4_ok(host: &[u8]) -> bool {
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
fn ipv4_number(p: &[u8]) -> Option<u64> {
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
fn parts(b: &[u8], sep: u8) -> impl Iterator<Item = &[u8]> {
    b.split(move |&c| c == sep)
}

/// Where the last `c` is in `b`.
fn last_of(b: &[u8], c: u8) -> Option<usize> {
    b.iter().rposition(|&x| x == c)
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

/// `text` with every URL in it redacted, for logs and errors: the value of
/// every query parameter becomes `***` (names kept: `?userId=***&token=***`),
/// so do user info (`ws://***@host/`) and a fragment (`#***`). Nothing else
/// changes.
///
/// `text` may be a URL or a message quoting some (a browser's error). A URL
/// starts at a scheme and `://`; it ends at a space or control character
/// (never inside one [`resolve`] returns), after a quote at the last such
/// quote before that (`'ws://h/?t=***' is invalid.`), and before another URL
/// that starts in its authority or path.
pub fn redact(text: &str) -> String {
    const QUOTES: [u8; 3] = *b"'\"`";
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut run = 0;
    while run < b.len() {
        let len = run + upto(&b[run..], is_blank);
        let mut done = run;
        // The last of each quote in the run, where a URL after one ends.
        let closes = QUOTES.map(|q| last_of(&b[run..len], q).map(|i| run + i));
        while let Some(sep) = find(&b[done..len], b"://").map(|i| done + i) {
            let start = scheme_start(b, done, sep);
            let end = start
                .checked_sub(1)
                .and_then(|i| QUOTES.iter().position(|&q| q == b[i]))
                .and_then(|k| closes[k])
                .filter(|&c| c > sep);
            let mut end = end.unwrap_or(len);
            let body = &b[sep + 3..end];
            if let Some(n) = find(body, b"://") {
                if upto(&body[..n], |c| c == b'?' || c == b'#') == n {
                    end = scheme_start(b, sep + 3, sep + 3 + n);
                }
            }
            out.push_str(&text[done..start]);
            push_redacted(&mut out, &text[start..end]);
            done = end;
        }
        run = b.len().min(len + 1);
        out.push_str(&text[done..run]);
    }
    out
}

/// `url`, one whole URL, redacted as [`redact`] does, whether it has a scheme
/// or not: the authority follows `scheme:` and any slashes (as browsers read
/// `ws:`), else starts the string, and runs to the first `/`, `\`, `?` or `#`;
/// its user info is everything up to its last `@`.
fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    push_redacted(&mut out, url);
    out
}

fn push_redacted(out: &mut String, url: &str) {
    let b = url.as_bytes();
    let colon = upto(b, |c| !is_scheme_byte(c));
    let mut a = match (b.get(colon), b.get(colon + 1)) {
        (Some(b':'), Some(b'/' | b'\\')) => colon + 1,
        _ => 0,
    };
    while matches!(b.get(a), Some(b'/' | b'\\')) {
        a += 1;
    }
    let frag = a + upto(&b[a..], |c| c == b'#');
    let query = a + upto(&b[a..frag], |c| c == b'?');
    let path = a + upto(&b[a..query], |c| c == b'/' || c == b'\\');
    out.push_str(&url[..a]);
    match last_of(&b[a..path], b'@') {
        Some(at) => {
            out.push_str("***");
            out.push_str(&url[a + at..query]);
        }
        None => out.push_str(&url[a..query]),
    }
    if query < frag {
        out.push('?');
        // Names are kept; a value, up to the next `&`, becomes `***`.
        let mut value = false;
        for c in url[query + 1..frag].chars() {
            match c {
                '&' => value = false,
                '=' if !value => {
                    value = true;
                    out.push_str("=***");
                }
                _ => {}
            }
            if !value {
                out.push(c);
            }
        }
    }
    if frag < b.len() {
        out.push_str("#***");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPS: Page<'static> = Page {
        protocol: "https:",
        host: "app.example.com",
    };
    const HTTP: Page<'static> = Page {
        protocol: "http:",
        host: "127.0.0.1:8080",
    };

    #[test]
    fn defaults_to_the_page_origin() {
        assert_eq!(
            resolve(None, Some(&HTTPS)).unwrap(),
            "wss://app.example.com/ws"
        );
        assert_eq!(
            resolve(Some(""), Some(&HTTP)).unwrap(),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(
            resolve(Some("/realtime"), Some(&HTTPS)).unwrap(),
            "wss://app.example.com/realtime"
        );
        let file = Page {
            protocol: "file:",
            host: "",
        };
        assert_eq!(
            resolve(None, Some(&file)).unwrap_err().code(),
            "INVALID_URL"
        );
        assert_eq!(resolve(None, None).unwrap_err().code(), "INVALID_URL");
    }

    #[test]
    fn schemes_and_fragments() {
        assert_eq!(
            resolve(Some("https://x.io/ws#frag"), None).unwrap(),
            "wss://x.io/ws"
        );
        assert_eq!(
            resolve(Some("HTTP://x.io/ws"), None).unwrap(),
            "ws://x.io/ws"
        );
        assert_eq!(
            resolve(Some("ftp://x.io"), None).unwrap_err().code(),
            "INVALID_URL"
        );
        assert_eq!(
            resolve(Some("x.io/ws"), None).unwrap_err().code(),
            "INVALID_URL"
        );
        assert_eq!(
            resolve(Some("ws:///ws"), None).unwrap_err().code(),
            "INVALID_URL"
        );
    }

    #[test]
    fn mixed_content_is_refused_except_loopback() {
        let e = resolve(Some("ws://api.example.com/ws"), Some(&HTTPS)).unwrap_err();
        assert_eq!(e.code(), "MIXED_CONTENT");
        assert!(e.to_string().contains("wss://"));
        for ok in [
            "ws://localhost:1/ws",
            "ws://127.0.0.1:9/ws",
            "ws://[::1]:9/ws",
            "ws://user@127.0.0.2/ws",
        ] {
            assert!(resolve(Some(ok), Some(&HTTPS)).is_ok(), "{ok}");
        }
        // Found by the property tests (tests/core_url.rs): names that only look like a
        // loopback address are not one, and `\\` ends the host like `/`. The
        // browser refuses these insecure sockets anyway; the SDK must say so
        // at once (MIXED_CONTENT), not retry a socket that cannot open.
        for bad in [
            "ws://127.example/ws",
            "ws://127.0.0.1.evil.com/ws",
            "ws://evil.com\\@127.0.0.1/ws",
            "ws://127/ws",
        ] {
            let e = resolve(Some(bad), Some(&HTTPS)).unwrap_err();
            assert_eq!(e.code(), "MIXED_CONTENT", "{bad}");
        }
        for ok in ["ws://127.1/ws", "ws://127.0.0.1./ws", "ws://LOCALHOST/ws"] {
            assert!(resolve(Some(ok), Some(&HTTPS)).is_ok(), "{ok}");
        }
        assert!(resolve(Some("wss://api.example.com/ws"), Some(&HTTPS)).is_ok());
        assert!(resolve(Some("ws://api.example.com/ws"), Some(&HTTP)).is_ok());
    }

    #[test]
    fn params_are_encoded_like_encode_uri_component() {
        assert_eq!(encode_component("a&b #c=d é"), "a%26b%20%23c%3Dd%20%C3%A9");
        assert_eq!(encode_component("A-z_0.!~*'()"), "A-z_0.!~*'()");
        assert_eq!(
            with_params("ws://h/ws", Some("u@x.com"), Some("owner"), Some("t=1&2")),
            "ws://h/ws?userId=u%40x.com&role=owner&token=t%3D1%262"
        );
        assert_eq!(
            with_params("ws://h/ws?echo=1", Some("u"), None, None),
            "ws://h/ws?echo=1&userId=u"
        );
        assert_eq!(
            with_params("ws://h/ws?", None, Some("r"), None),
            "ws://h/ws?role=r"
        );
        assert_eq!(with_params("ws://h/ws", None, None, None), "ws://h/ws");
        // Found by the property tests (tests/core_url.rs): a query that ends with `?` is not
        // empty; gluing `token=` to its last parameter hid the token from
        // the server and from `redact` (so from the debug log).
        let u = with_params("ws://h/ws?v=1?", None, None, Some("secret"));
        assert_eq!(u, "ws://h/ws?v=1?&token=secret");
        assert_eq!(redact(&u), "ws://h/ws?v=***&token=***");
    }

    #[test]
    fn redaction_hides_every_query_value_user_info_and_fragment() {
        for (url, want) in [
            (
                "ws://h/ws?userId=u&token=secret%20x&role=r",
                "ws://h/ws?userId=***&token=***&role=***",
            ),
            ("wss://h/ws?access_token=abc", "wss://h/ws?access_token=***"),
            ("wss://h/ws?key=k1&sig=a=b", "wss://h/ws?key=***&sig=***"),
            ("ws://user:pass@host/ws", "ws://***@host/ws"),
            ("ws://a@b:c@host:80/ws?", "ws://***@host:80/ws?"),
            ("ws://h/ws#frag", "ws://h/ws#***"),
            ("ws://h/ws#", "ws://h/ws#***"),
            (
                "ws://h/?a&b=&=c&&d=1=2#f?x=1",
                "ws://h/?a&b=***&=***&&d=***#***",
            ),
            ("HTTPS://u@h?x=1", "HTTPS://***@h?x=***"),
            ("ws://h/p@q?x=1", "ws://h/p@q?x=***"),
            ("ws://h\\u:p@x", "ws://h\\u:p@x"),
            ("ws://h/ws", "ws://h/ws"),
            ("no URL here, token=abc", "no URL here, token=abc"),
            ("", ""),
        ] {
            assert_eq!(redact(url), want, "{url}");
            assert_eq!(redact(want), want, "idempotent: {want}");
        }
    }

    #[test]
    fn redaction_finds_urls_inside_messages() {
        for (text, want) in [
            // What Chromium says when `new WebSocket()` throws.
            (
                "SyntaxError: Failed to construct 'WebSocket': The URL 'wss://u:p@h/ws?key=abc&token=t'x' is invalid.",
                "SyntaxError: Failed to construct 'WebSocket': The URL 'wss://***@h/ws?key=***&token=***' is invalid.",
            ),
            (
                "\"ws://h/?t=1\" and 'ws://u@g/x'.",
                "\"ws://h/?t=***\" and 'ws://***@g/x'.",
            ),
            ("Error: no socket to https://h/a?b=c", "Error: no socket to https://h/a?b=***"),
            ("see ws://a/x#y\tthen ws://u:p@b/", "see ws://a/x#***\tthen ws://***@b/"),
            // A URL in another's path is a URL of its own; in its query, a value.
            ("ws://a/x/ws://u:p@b/?t=1", "ws://a/x/ws://***@b/?t=***"),
            ("ws://a/'+'ws://u:p@b/'", "ws://a/'+'ws://***@b/'"),
            ("ws://h/?next=https://u:p@x/&token=abc", "ws://h/?next=***&token=***"),
            ("x ://u:p@h/ ://", "x ://***@h/ ://"),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
        // Total on anything, in linear time.
        let odd = "'ws://".repeat(50_000) + "?" + &"ws://a/".repeat(50_000);
        assert!(!redact(&odd).is_empty());
        assert_eq!(redact("ws://\u{0}é://@?#'"), "ws://\u{0}é://***@?#***");
    }

    #[test]
    fn errors_quote_the_url_redacted() {
        let cases = [
            (
                "h/ws?access_token=abc",
                Some(&HTTP),
                "`h/ws?access_token=***` is not absolute",
            ),
            ("user:pass@host/ws", None, "`***@host/ws` is not absolute"),
            ("//u:pass@h/ws", None, "`//***@h/ws` is not absolute"),
            (
                "wss://u:pass@h:99999/ws?key=abc#f",
                None,
                "`wss://***@h:99999/ws?key=***` has a port",
            ),
            (
                "ws://u:pass@[::1/ws?key=abc",
                None,
                "`ws://***@[::1/ws?key=***` has a `[`",
            ),
            (
                "ws://u:pass@api.example.com/ws?key=abc",
                Some(&HTTPS),
                "`ws://***@api.example.com/ws?key=***` is an insecure",
            ),
        ];
        for (url, page, want) in cases {
            let e = resolve(Some(url), page).unwrap_err().to_string();
            assert!(e.contains(want), "{url}: {e}");
            assert!(!e.contains("abc") && !e.contains("pass"), "{url}: {e}");
        }
    }

    #[test]
    fn malformed_hosts_and_ports_are_refused() {
        for (bad, why) in [
            ("ws://[::1", "with no `]`"),
            ("ws://[::1/ws", "with no `]`"),
            ("ws://[::1]x/", "with no `]`"),
            ("ws://[/", "with no `]`"),
            ("ws://[zz]/", "invalid IPv6"),
            ("ws://[]/", "invalid IPv6"),
            ("ws://[::1]]/", "invalid IPv6"),
            ("ws://[1:2:3:4:5:6:7:8:9]/", "invalid IPv6"),
            ("ws://[1::2::3]/", "invalid IPv6"),
            ("ws://[::1.2.3.256]/", "invalid IPv6"),
            ("ws://[fe80::1%25eth0]/", "invalid IPv6"),
            ("ws://a]b/", "in its host"),
            ("ws://]/", "in its host"),
            ("ws://a[b]/", "in its host"),
            ("ws://a b/", "in its host"),
            ("ws://a\u{1}b/", "in its host"),
            ("ws://a\u{7f}/", "in its host"),
            ("ws://a%20b/", "in its host"),
            ("ws://a%2Fb/", "in its host"),
            ("ws://%zz/", "in its host"),
            ("ws://%ff/", "in its host"),
            ("ws://a^b|c<d>/", "in its host"),
            ("ws://h:99999/", "port"),
            ("ws://h:65536/", "port"),
            ("ws://h:abc/", "port"),
            ("ws://h:8o/", "port"),
            ("ws://h:-1/", "port"),
            ("ws://h:1:2/", "port"),
            ("ws://[::1]:x/", "port"),
            ("ws://1.2.3.256/", "IPv4"),
            ("ws://1.2.3.4.5/", "IPv4"),
            ("ws://example.123/", "IPv4"),
            ("ws://127.0.0.08/", "IPv4"),
            ("ws://4294967296/", "IPv4"),
            ("ws://0xg.0x1/", "IPv4"),
            ("ws:///path", "no host"),
            ("ws://u@/x", "no host"),
            ("ws://:80/", "no host"),
        ] {
            let e = resolve(Some(bad), None).unwrap_err();
            assert_eq!(e.code(), "INVALID_URL", "{bad}");
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        for (ok, want) in [
            ("ws://h:65535/", "ws://h:65535/"),
            ("ws://h:/", "ws://h:/"),
            ("ws://h:0080/x", "ws://h:0080/x"),
            ("ws://[::1]:80/", "ws://[::1]:80/"),
            ("ws://[::]/", "ws://[::]/"),
            ("ws://[::ffff:1.2.3.4]/", "ws://[::ffff:1.2.3.4]/"),
            ("ws://[1:2:3:4:5:6:7::]/", "ws://[1:2:3:4:5:6:7::]/"),
            ("ws://[1:2:3:4:5:6:1.2.3.4]/", "ws://[1:2:3:4:5:6:1.2.3.4]/"),
            ("ws://%41.example/", "ws://%41.example/"),
            ("ws://0x7f.1/", "ws://0x7f.1/"),
            ("ws://1.2.3.4./", "ws://1.2.3.4./"),
            ("ws://4294967295/", "ws://4294967295/"),
            ("ws://a..b/", "ws://a..b/"),
            ("ws://bücher.example/", "ws://bücher.example/"),
            ("ws://u:p[@h/", "ws://u:p[@h/"),
            // As the browser would: tabs and newlines dropped, spaces and
            // other control characters percent-encoded.
            ("ws://ex\tample.com/w\ns", "ws://example.com/ws"),
            ("ws://h/a b?x=1 2\u{1}3 ", "ws://h/a%20b?x=1%202%013"),
            ("ws://h/ws #f", "ws://h/ws"),
        ] {
            assert_eq!(resolve(Some(ok), None).as_deref(), Ok(want), "{ok}");
        }
    }
}
