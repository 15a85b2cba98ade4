//! The server URL: resolving `wsUrl` against the page, the query parameters
//! `userId`, `role` and `token` (each URL-encoded), the mixed-content rule,
//! and redaction of the token for logs.

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
/// `None`) to an absolute `ws:` or `wss:` URL without a fragment.
///
/// `None` means the page's own origin at `/ws` (`wss:` on https pages), as
/// socket.io's `io()` defaults to its page. `http(s):` URLs are mapped to
/// `ws(s):`, and a path starting with `/` is taken relative to the page.
/// A `ws:` URL from an `https:` page is refused (browsers block mixed
/// content), except for loopback hosts, which browsers treat as trustworthy.
pub fn resolve(configured: Option<&str>, page: Option<&Page<'_>>) -> Result<String, Error> {
    let secure_page = page.is_some_and(|p| p.protocol == "https:");
    let page_origin = |path: &str| -> Result<String, Error> {
        match page {
            Some(p) if !p.host.is_empty() => Ok(format!(
                "{}://{}{}",
                if secure_page { "wss" } else { "ws" },
                p.host,
                path
            )),
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
    let raw = raw.split('#').next().unwrap_or_default();
    let (scheme, rest) = raw.split_once("://").ok_or_else(|| Error::InvalidUrl {
        reason: format!(
            "`{raw}` is not absolute (expected ws://, wss://, http://, https:// or /path)"
        ),
    })?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(Error::InvalidUrl {
                reason: format!("has the scheme `{other}:` (expected ws: or wss:)"),
            })
        }
    };
    let host = host_of(rest);
    if host.is_empty() {
        return Err(Error::InvalidUrl {
            reason: format!("`{raw}` has no host"),
        });
    }
    let url = format!("{scheme}://{rest}");
    if scheme == "ws" && secure_page && !is_loopback(host) {
        return Err(Error::MixedContent { url });
    }
    Ok(url)
}

/// The host (without port or user info) of the part after `scheme://`. As in
/// the URL parser of browsers, `\\` ends the authority like `/` for ws(s).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '\\']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
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
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
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

/// `url` with the value of every `token` parameter replaced by `***`, for
/// logs and errors: a token never leaves the SDK except to the server.
pub fn redact(url: &str) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("token", _)) => "token=***".to_string(),
            _ => kv.to_string(),
        })
        .collect();
    format!("{head}?{}", parts.join("&"))
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
        assert_eq!(redact(&u), "ws://h/ws?v=1?&token=***");
    }

    #[test]
    fn redaction_hides_tokens_only() {
        assert_eq!(
            redact("ws://h/ws?userId=u&token=secret%20x&role=r"),
            "ws://h/ws?userId=u&token=***&role=r"
        );
        assert_eq!(redact("ws://h/ws"), "ws://h/ws");
    }
}
