//! URL generators: URLs of every scheme and odd hosts for `resolve` and
//! `redact`, and edge cases of hosts, ports and characters for the WHATWG
//! oracle.

use super::super::rng::Rng;
#[allow(unused_imports)]
use super::*;

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
pub const CLEAN_HOSTS: [&str; 14] = [
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
pub fn gen_url(rng: &mut Rng) -> String {
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

/// Hosts and ports around what a browser's URL parser refuses: brackets,
/// IPv6 and IPv4 forms, percent-escapes, blanks, ports out of range.
const EDGE_HOSTS: [&str; 40] = [
    "[::1",
    "[::1]x",
    "[zz]",
    "[]",
    "[",
    "]",
    "a]b",
    "a[b]",
    "[::1]]",
    "[:1]",
    "[1:]",
    "[1:2:3:4:5:6:7:8]",
    "[1:2:3:4:5:6:7:8:9]",
    "[1::2::3]",
    "[::ffff:1.2.3.4]",
    "[::1.2.3.256]",
    "[::01.2.3.4]",
    "[1:2:3:4:5:6:7::]",
    "[12345::]",
    "[::1%25x]",
    "1.2.3.256",
    "1.2.3.4.5",
    "0x7f.1",
    "0xg",
    "08",
    "0x",
    "example.123",
    "4294967296",
    "4294967295",
    "1.2.3.4.",
    "1..2",
    "a b",
    "a\u{1}b",
    "a%20b",
    "a%zz",
    "a%41",
    "%ff",
    "a^b",
    "a|b<c>",
    "a\u{7f}",
];
const EDGE_PORTS: [&str; 12] = [
    "",
    ":",
    ":80",
    ":65535",
    ":65536",
    ":99999",
    ":abc",
    ":8o",
    ":0080",
    "::80",
    ":-1",
    ":000000000080",
];
const EDGE_CHARS: [&str; 16] = [
    "[", "]", ":", "%", "0", "9", ".", " ", "\t", "\u{1}", "@", "x", "0x", "%2", "%5B", "/",
];

/// A URL aimed at the cases `url::resolve` refuses as the browser would:
/// `scheme://`, maybe user info, a host from [`CLEAN_HOSTS`] or the edge
/// cases, a port, a path, query and fragment, sometimes with a character
/// from the edge set inserted anywhere.
pub fn gen_ws_url_case(rng: &mut Rng) -> String {
    let mut s = String::from(rng.pick(&["ws", "wss", "http", "HTTPS"]));
    s.push_str("://");
    s.push_str(rng.pick(&["", "", "", "u@", "u:p@", "@", "a@b@", "[@", "u:p]@"]));
    if rng.chance(0.3) {
        s.push_str(rng.pick(&CLEAN_HOSTS));
    } else {
        s.push_str(rng.pick(&EDGE_HOSTS));
    }
    s.push_str(rng.pick(&EDGE_PORTS));
    s.push_str(rng.pick(&["", "/", "/ws", "\\x", "?q=1", "/a b", "#f", "/?x#y"]));
    while rng.chance(0.3) {
        let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
        let at = rng.pick(&bounds[1..]);
        s.insert_str(at, rng.pick(&EDGE_CHARS));
    }
    s
}
