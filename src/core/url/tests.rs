//! Unit tests of URL resolution, parameters and redaction.

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
