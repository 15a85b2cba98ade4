//! Redaction of URLs for logs and errors: query values, user info and
//! fragments become `***`, in a whole URL or in a message quoting some.

use super::host::last_of;
use super::{find, is_blank, is_scheme_byte, scheme_start, upto};
#[allow(unused_imports)]
use crate::prelude::*;

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
pub(super) fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    push_redacted(&mut out, url);
    out
}

pub(super) fn push_redacted(out: &mut String, url: &str) {
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
