#![cfg(not(target_arch = "wasm32"))]
//! Property tests of `core::url` on random and adversarial input: `resolve`
//! is total and sound (schemes, mixed content, the page's origin) and
//! refuses exactly the hosts and ports a browser refuses (against the WHATWG
//! oracle), `with_params` and `encode_component` encode exactly and
//! round-trip, `redact` never leaks a query value, user info or fragment,
//! alone or inside a message. See `core_support` for the seeds and budgets
//! (`ZANTARA_FUZZ_SEED`, `ZANTARA_FUZZ_ITERS`).

mod core_support;

use core_support::gen::{gen_clean, gen_string, gen_url, gen_ws_url_case, CLEAN_HOSTS};
use core_support::oracle::{is_component_encoded, percent_decode, unreserved, ws_url_valid};
use core_support::rng::{run_cases, Rng};
use zantara_websocket::core::url::{self, Page};

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
fn url_resolve_refuses_exactly_what_the_browser_refuses() {
    let (mut ok, mut refused) = (0, 0);
    run_cases("url::resolve against the WHATWG oracle", 20_000, |rng| {
        let input = if rng.chance(0.7) {
            gen_ws_url_case(rng)
        } else {
            gen_url(rng)
        };
        let Some(valid) = ws_url_valid(&input) else {
            return;
        };
        let r = url::resolve(Some(&input), None);
        assert_eq!(r.is_ok(), valid, "{input:?}: {r:?}");
        match r {
            Ok(u) => {
                ok += 1;
                assert!(!u.contains(|c: char| c <= ' ' || c == '\u{7f}'), "{u:?}");
            }
            Err(e) => {
                refused += 1;
                assert_eq!(e.code(), "INVALID_URL", "{input:?}");
            }
        }
    });
    assert!(
        ok > 1_000 && refused > 1_000,
        "{ok} accepted, {refused} refused"
    );
}

/// What `url::redact` must leave of an SDK-built URL, and the markers of
/// the secrets in it.
struct Built {
    url: String,
    redacted: String,
    markers: Vec<String>,
}

/// An adversarial string of at most 40 characters.
fn short(s: String) -> String {
    s.chars().take(40).collect()
}

/// `wsUrl` with user info and query values that are secrets, resolved, then
/// `userId`, `role` and `token` added as the shell does.
fn gen_built(rng: &mut Rng) -> Built {
    let mut markers = Vec::new();
    let mut secret = |rng: &mut Rng, inner: String| {
        let m = format!("Zq{:012x}", rng.next_u64() >> 16);
        markers.push(m.clone());
        format!("{}{m}{}", short(inner), short(gen_string(rng)))
    };
    let scheme = rng.pick(&["ws", "wss", "http", "HTTPS", "Wss"]);
    let ws = if scheme.len() == 2 || scheme == "http" {
        "ws"
    } else {
        "wss"
    };
    let host = rng.pick(&CLEAN_HOSTS);
    let port = rng.pick(&["", ":8080", ":1", ":"]);
    let path = rng.pick(&["", "/", "/ws", "/a/b", "/@x", "/é", "/a:b", "/'q'"]);
    let mut raw = format!("{scheme}://");
    let mut redacted = format!("{ws}://");
    if rng.chance(0.4) {
        let banned = ['/', '\\', '?', '#'];
        let user = gen_clean(rng, &banned);
        let user = secret(rng, user).replace(banned, "");
        raw.push_str(&(user + "@"));
        redacted.push_str("***@");
    }
    for part in [host, port, path] {
        raw.push_str(part);
        redacted.push_str(part);
    }
    let mut names = Vec::new();
    let pairs = rng.below(4);
    if pairs > 0 || rng.chance(0.3) {
        raw.push('?');
        for i in 0..pairs {
            let name = short(gen_clean(rng, &['=', '&', '#']));
            let value = gen_string(rng);
            let value = secret(rng, value).replace(['&', '#'], "");
            raw.push_str(&format!("{}{name}={value}", if i > 0 { "&" } else { "" }));
            names.push(name);
        }
    }
    if rng.chance(0.2) {
        raw.push('#');
        raw.push_str(&gen_string(rng));
    }
    let base = url::resolve(Some(&raw), None).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
    let params: [Option<String>; 3] = std::array::from_fn(|_| {
        rng.chance(0.6).then(|| {
            let s = gen_string(rng);
            secret(rng, s)
        })
    });
    for (name, value) in ["userId", "role", "token"].iter().zip(&params) {
        if value.is_some() {
            names.push(name.to_string());
        }
    }
    let url = url::with_params(
        &base,
        params[0].as_deref(),
        params[1].as_deref(),
        params[2].as_deref(),
    );
    if url.contains('?') {
        let parts: Vec<String> = names.iter().map(|n| format!("{n}=***")).collect();
        redacted.push('?');
        redacted.push_str(&parts.join("&"));
    }
    Built {
        url,
        redacted,
        markers,
    }
}

#[test]
fn url_redact_never_leaks_a_query_value_user_info_or_fragment() {
    run_cases("url::redact", 4_000, |rng| {
        // Any string: total, idempotent, the text before a URL untouched.
        let s = match rng.below(3) {
            0 => gen_url(rng),
            1 => gen_string(rng),
            _ => [gen_string(rng), gen_url(rng), gen_string(rng)]
                .join(rng.pick(&[" ", "'", "\"", ""])),
        };
        let r = url::redact(&s);
        assert_eq!(url::redact(&r), r, "not idempotent: {s:?}");
        let lead = s.find("://").map_or(s.len(), |i| {
            s[..i]
                .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "+-.".contains(c))
                .len()
        });
        assert!(r.starts_with(&s[..lead]), "{s:?} -> {r:?}");
        if lead == s.len() {
            assert_eq!(r, s);
        }

        // A URL as the SDK builds it: exactly its names, host and path stay.
        let b = gen_built(rng);
        assert_eq!(url::redact(&b.url), b.redacted, "{:?}", b.url);
        // With a fragment, or quoted in a message as browsers and the debug
        // log do.
        let frag = gen_clean(rng, &[]);
        let t = rng.pick(&[
            "connecting to {}",
            "SyntaxError: Failed to construct 'WebSocket': The URL '{}' is invalid.",
            "\"{}\" refused",
            "(`{}`)",
            "at {}\ttoo",
            "{}#",
        ]);
        let (url, want) = match t {
            "{}#" => (format!("{}#{frag}", b.url), format!("{}#***", b.redacted)),
            _ => (t.replace("{}", &b.url), t.replace("{}", &b.redacted)),
        };
        assert_eq!(url::redact(&url), want);
        // Inside any text: no secret comes out.
        let (open, close) = rng.pick(&[(" ", ""), (" '", "'"), ("\n\"", "\""), (" `", "`")]);
        let text = [&gen_string(rng), open, &b.url, close, &gen_string(rng)].concat();
        let red = url::redact(&text);
        for m in &b.markers {
            assert!(!red.contains(m.as_str()), "{m} leaked in {red:?}");
        }
    });
}
