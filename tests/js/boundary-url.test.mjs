// Unit tests of the server URL in the JavaScript half of the shell (src/shell/boundary.js): resolveUrl (the page's origin,
// schemes, what the URL parser refuses, mixed content, secrets kept out of errors), withParams (the query parameters) and
// redact (query values, user info and fragments hidden in logs and errors). Ported from the Rust tests of the former
// `core::url` (tests/core_url.rs, src/core/url/tests.rs) where the behaviour is the same; where the browser's URL parser
// normalises differently, the JS behaviour is asserted (noted `parser:`).
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { redact, resolveUrl, withParams } from '../../src/shell/boundary.js';
import { rules } from './support.mjs';

const HTTPS = { protocol: 'https:', host: 'app.example.com' };
const HTTP = { protocol: 'http:', host: '127.0.0.1:8080' };
const NO_URL = 'is not set and the page has no http(s) origin to default to; pass options.wsUrl';
const NOT_ABSOLUTE = 'is not an absolute URL the browser accepts (expected ws://, wss://, http://, https:// or /path)';

/**
 * Runs `fn` with `globalThis.location` set to `page` and `globalThis.ZANTARA_WS_URL` to `wsUrl` (each left absent when
 * undefined), restoring what was there (or its absence) afterwards, even when `fn` throws.
 */
function onPage(page, wsUrl, fn) {
  const saved = ['location', 'ZANTARA_WS_URL'].map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)]);
  try {
    for (const [k, v] of [['location', page], ['ZANTARA_WS_URL', wsUrl]]) {
      if (v === undefined) delete globalThis[k];
      else Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
    }
    return fn();
  } finally {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(globalThis, k, d);
      else delete globalThis[k];
    }
  }
}

/** resolveUrl(configured) on `page` (none when undefined). */
const resolveOn = (page, configured) => onPage(page, undefined, () => resolveUrl(configured));

/** The message of error `code` made from its template (rules.templates) with `a`. */
function message(code, a) {
  const i = rules.errorCodes.indexOf(code);
  assert.ok(i >= 0, code);
  return `ZantaraWebSocket: ${rules.templates[i].replace('{0}', a)}`;
}

/** Asserts that `r` is the TypeError with `code` and exactly `text` in its template; returns its message. */
function assertError(r, code, text) {
  assert.ok(r instanceof TypeError, `a TypeError, not ${typeof r === 'string' ? JSON.stringify(r) : r}`);
  assert.equal(r.code, code);
  if (text !== undefined) assert.equal(r.message, message(code, text));
  return r.message;
}

/** Asserts the INVALID_URL error quoting `quoted` as not an absolute URL the parser accepts. */
const assertNotAbsolute = (r, quoted) => assertError(r, 'INVALID_URL', `\`${quoted}\` ${NOT_ABSOLUTE}`);

/** Asserts the MIXED_CONTENT error quoting `quoted`. */
const assertMixed = (r, quoted) => assertError(r, 'MIXED_CONTENT', quoted);

/** A small deterministic generator (mulberry32), for the property tests. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    below: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick(xs) {
      return xs[this.below(xs.length)];
    },
  };
}

describe('the test page helper', () => {
  test('restores location and ZANTARA_WS_URL (or their absence) even when the callback throws', () => {
    assert.equal('location' in globalThis, false);
    assert.throws(() => onPage(HTTPS, 'wss://x.io', () => {
      assert.equal(globalThis.location, HTTPS);
      assert.equal(globalThis.ZANTARA_WS_URL, 'wss://x.io');
      throw new Error('boom');
    }), /boom/);
    assert.equal('location' in globalThis, false);
    assert.equal('ZANTARA_WS_URL' in globalThis, false);
    globalThis.ZANTARA_WS_URL = 'kept';
    try {
      onPage(HTTP, undefined, () => assert.equal('ZANTARA_WS_URL' in globalThis, false));
      assert.equal(globalThis.ZANTARA_WS_URL, 'kept');
    } finally {
      delete globalThis.ZANTARA_WS_URL;
    }
  });
});

describe('resolveUrl: the page', () => {
  test('no URL: the page origin at /ws, ws: on http: pages and wss: on https: pages', () => {
    assert.equal(resolveOn(HTTPS, undefined), 'wss://app.example.com/ws');
    assert.equal(resolveOn(HTTP, ''), 'ws://127.0.0.1:8080/ws');
    assert.equal(resolveOn(HTTP, null), 'ws://127.0.0.1:8080/ws');
    assert.equal(resolveOn({ protocol: 'https:', host: 'localhost:3000' }, ' \t\n '), 'wss://localhost:3000/ws');
    assert.equal(resolveOn({ protocol: 'http:', host: '[::1]:443' }, undefined), 'ws://[::1]:443/ws');
  });

  test('a /path is taken on the page origin, its query kept', () => {
    assert.equal(resolveOn(HTTPS, '/realtime'), 'wss://app.example.com/realtime');
    assert.equal(resolveOn(HTTP, '  /a/b?x=1&y  '), 'ws://127.0.0.1:8080/a/b?x=1&y');
    assert.equal(resolveOn(HTTPS, '/'), 'wss://app.example.com/');
    assert.equal(resolveOn(HTTPS, '/ws#frag'), 'wss://app.example.com/ws');
  });

  test('//host is not a page path: it is not absolute', () => {
    assertNotAbsolute(resolveOn(HTTPS, '//api.example.com/ws'), '//api.example.com/ws');
    assertNotAbsolute(resolveOn(undefined, '//h/x'), '//h/x');
  });

  test('no page (or no http(s) page) and no URL: refused, telling to pass options.wsUrl', () => {
    for (const page of [undefined, null, { protocol: 'file:', host: '' }, { protocol: 'https:', host: '' }, { protocol: 'about:', host: 'x' }]) {
      for (const configured of [undefined, '', '   ', '/ws']) {
        const m = assertError(resolveOn(page, configured), 'INVALID_URL', `${NO_URL}`);
        assert.match(m, /pass options\.wsUrl/);
      }
    }
    // A page whose location cannot be read is no page.
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'location');
    Object.defineProperty(globalThis, 'location', { configurable: true, get: () => { throw new Error('denied'); } });
    try {
      assertError(resolveUrl(undefined), 'INVALID_URL', `${NO_URL}`);
      assert.equal(resolveUrl('wss://x.io/ws'), 'wss://x.io/ws');
    } finally {
      if (saved) Object.defineProperty(globalThis, 'location', saved);
      else delete globalThis.location;
    }
  });

  test('an absolute URL needs no page', () => {
    assert.equal(resolveOn(undefined, 'wss://x.io/ws'), 'wss://x.io/ws');
    assert.equal(resolveOn({ protocol: 'file:', host: '' }, 'ws://x.io/ws'), 'ws://x.io/ws');
  });

  test('ZANTARA_WS_URL is used only when wsUrl is not a string', () => {
    onPage(HTTPS, 'wss://global.example/g', () => {
      assert.equal(resolveUrl(undefined), 'wss://global.example/g');
      assert.equal(resolveUrl(null), 'wss://global.example/g');
      assert.equal(resolveUrl(42), 'wss://global.example/g');
      assert.equal(resolveUrl({ toString: () => 'wss://object.example/' }), 'wss://global.example/g');
      assert.equal(resolveUrl('wss://own.example/o'), 'wss://own.example/o');
      // An empty string is a string: the page's default, not the global.
      assert.equal(resolveUrl(''), 'wss://app.example.com/ws');
      assert.equal(resolveUrl('  '), 'wss://app.example.com/ws');
    });
    onPage(HTTP, '  /from-global  ', () => assert.equal(resolveUrl(undefined), 'ws://127.0.0.1:8080/from-global'));
    // A global that is not a string is ignored.
    onPage(HTTPS, 42, () => assert.equal(resolveUrl(undefined), 'wss://app.example.com/ws'));
    onPage(undefined, 'ws://x.io', () => assert.equal(resolveUrl(undefined), 'ws://x.io/'));
    onPage(undefined, 42, () => assertError(resolveUrl(undefined), 'INVALID_URL', `${NO_URL}`));
  });
});

describe('resolveUrl: the URL', () => {
  test('trimmed; http: becomes ws: and https: wss: (any case); the fragment dropped', () => {
    for (const [input, want] of [
      ['  wss://x.io/ws \n', 'wss://x.io/ws'],
      ['\twss://x.io/ws', 'wss://x.io/ws'],
      ['https://x.io/ws#frag', 'wss://x.io/ws'],
      ['HTTP://x.io/ws', 'ws://x.io/ws'],
      ['hTTp://x.io/ws', 'ws://x.io/ws'],
      ['HTTPS://X.IO/WS', 'wss://x.io/WS'],
      ['WS://x.io', 'ws://x.io/'],
      ['Wss://x.io/a/b?x=1&y#f?g', 'wss://x.io/a/b?x=1&y'],
      ['ws://x.io/ws#', 'ws://x.io/ws'],
      ['ws://x.io/?q#', 'ws://x.io/?q'],
      ['ws://x.io?token=abc#t', 'ws://x.io/?token=abc'],
    ]) {
      assert.equal(resolveOn(undefined, input), want, input);
    }
  });

  test('user info is kept in the result (the browser sends it)', () => {
    assert.equal(resolveOn(undefined, 'wss://user:pass@x.io/ws'), 'wss://user:pass@x.io/ws');
    assert.equal(resolveOn(undefined, 'https://u@x.io'), 'wss://u@x.io/');
    // parser: characters outside the userinfo set are percent-encoded.
    assert.equal(resolveOn(undefined, 'ws://u:p[@h/'), 'ws://u:p%5B@h/');
  });

  test('ports: kept, the default one dropped as the URL parser does, out of range refused', () => {
    for (const [input, want] of [
      ['ws://h:8080/ws', 'ws://h:8080/ws'],
      ['ws://h:65535/', 'ws://h:65535/'],
      ['ws://h:0/', 'ws://h:0/'],
      ['ws://h:1', 'ws://h:1/'],
      // parser: the scheme's default port, leading zeros and an empty port are dropped or normalised.
      ['ws://h:80/ws', 'ws://h/ws'],
      ['wss://h:443/ws', 'wss://h/ws'],
      ['http://h:80/', 'ws://h/'],
      ['https://h:443/', 'wss://h/'],
      ['ws://h:0080/x', 'ws://h/x'],
      ['ws://h:/', 'ws://h/'],
      ['ws://h:08080/', 'ws://h:8080/'],
      // Not the new scheme's default: kept.
      ['https://h:80/', 'wss://h:80/'],
      ['http://h:443/', 'ws://h:443/'],
      ['ws://h:443/', 'ws://h:443/'],
      ['wss://h:80/', 'wss://h:80/'],
      ['ws://[::1]:80/', 'ws://[::1]/'],
      ['ws://[::1]:8080/', 'ws://[::1]:8080/'],
    ]) {
      assert.equal(resolveOn(undefined, input), want, input);
    }
    for (const bad of ['ws://h:65536/', 'ws://h:99999/', 'ws://h:abc/', 'ws://h:8o/', 'ws://h:-1/', 'ws://h:1:2/', 'ws://[::1]:x/']) {
      assertNotAbsolute(resolveOn(undefined, bad), bad);
    }
  });

  test('IPv4 and IPv6 hosts', () => {
    for (const [input, want] of [
      ['ws://10.0.0.1/ws', 'ws://10.0.0.1/ws'],
      ['ws://[2001:db8::1]/ws', 'ws://[2001:db8::1]/ws'],
      ['ws://[::1]/', 'ws://[::1]/'],
      ['ws://[::]/', 'ws://[::]/'],
      // parser: IPv4 shorthand, hex and single numbers become dotted-decimal; IPv6 is compressed, lower-cased and its
      // dotted tail written in hex; a final `.` after an IPv4 address goes.
      ['ws://127.1/', 'ws://127.0.0.1/'],
      ['ws://0x7f.1/', 'ws://127.0.0.1/'],
      ['ws://4294967295/', 'ws://255.255.255.255/'],
      ['ws://1.2.3.4./', 'ws://1.2.3.4/'],
      ['ws://[0:0:0:0:0:0:0:1]/', 'ws://[::1]/'],
      ['ws://[2001:DB8:0::1]/', 'ws://[2001:db8::1]/'],
      ['ws://[::ffff:1.2.3.4]/', 'ws://[::ffff:102:304]/'],
      ['ws://[1:2:3:4:5:6:7::]/', 'ws://[1:2:3:4:5:6:7:0]/'],
      ['ws://[1:2:3:4:5:6:1.2.3.4]/', 'ws://[1:2:3:4:5:6:102:304]/'],
    ]) {
      assert.equal(resolveOn(undefined, input), want, input);
    }
  });

  test('hosts: normalised by the parser (case, percent-escapes, IDN); a host with a space or a forbidden character refused', () => {
    for (const [input, want] of [
      ['ws://API.Example.COM/ws', 'ws://api.example.com/ws'],
      ['ws://api-2.example.co.uk/ws', 'ws://api-2.example.co.uk/ws'],
      ['ws://a..b/', 'ws://a..b/'],
      // parser: percent-decoded, IDN to punycode.
      ['ws://%41.example/', 'ws://a.example/'],
      ['ws://bücher.example/', 'ws://xn--bcher-kva.example/'],
      // parser: tabs and newlines anywhere are dropped; spaces and controls outside the host are percent-encoded.
      ['ws://ex\tample.com/w\ns', 'ws://example.com/ws'],
      ['ws://h/a b?x=1 2\u00013 ', 'ws://h/a%20b?x=1%202%013'],
      // parser: `\` is `/` in a ws: URL (the user info is not `evil.com\`).
      ['ws://evil.com\\@127.0.0.1/ws', 'ws://evil.com/@127.0.0.1/ws'],
    ]) {
      assert.equal(resolveOn(undefined, input), want, JSON.stringify(input));
    }
    for (const bad of [
      'ws://a b/', 'ws://a b.example.com/ws', 'ws://a%20b/', 'ws://a%2Fb/', 'ws://%zz/', 'ws://%ff/', 'ws://a^b|c<d>/',
      'ws://a]b/', 'ws://]/', 'ws://a[b]/', 'ws://[::1', 'ws://[::1/ws', 'ws://[::1]x/', 'ws://[/', 'ws://[zz]/', 'ws://[]/',
      'ws://[::1]]/', 'ws://[1:2:3:4:5:6:7:8:9]/', 'ws://[1::2::3]/', 'ws://[::1.2.3.256]/', 'ws://[fe80::1%25eth0]/',
      'ws://1.2.3.256/', 'ws://1.2.3.4.5/', 'ws://example.123/', 'ws://127.0.0.08/', 'ws://4294967296/', 'ws://0xg.0x1/',
      'ws://u@/x', 'ws://:80/', 'ws://', 'ws:// ', 'wss://?x',
    ]) {
      const r = resolveOn(undefined, bad);
      assertError(r, 'INVALID_URL');
      assert.ok(r.message.endsWith(NOT_ABSOLUTE), `${bad}: ${r.message}`);
    }
    // Control characters are quoted as given.
    assertNotAbsolute(resolveOn(undefined, 'ws://a\u0001b/'), 'ws://a\u0001b/');
    assertNotAbsolute(resolveOn(undefined, 'ws://a\u007f/'), 'ws://a\u007f/');
  });

  test('parser: what the browser reads as a ws: URL without `//` is accepted', () => {
    assert.equal(resolveOn(undefined, 'ws:host'), 'ws://host/');
    assert.equal(resolveOn(undefined, 'ws:/host/ws'), 'ws://host/ws');
    assert.equal(resolveOn(undefined, 'ws:///path'), 'ws://path/');
    assert.equal(resolveOn(undefined, 'https:\\\\x.io\\ws'), 'wss://x.io/ws');
  });

  test('other schemes are refused with the scheme named', () => {
    for (const [input, scheme] of [
      ['ftp://x.io', 'ftp:'],
      ['FTP://u:p@x.io/?token=abc', 'ftp:'],
      ['file:///etc/passwd', 'file:'],
      ['wsx://x.io', 'wsx:'],
      ['web+app://x.io/ws', 'web+app:'],
      ['http+unix://x/y', 'http+unix:'],
    ]) {
      const m = assertError(resolveOn(HTTPS, input), 'INVALID_URL', `has the scheme \`${scheme}\` (expected ws: or wss:)`);
      assert.ok(!m.includes('abc') && !m.includes(':p@'), m);
    }
  });

  test('what is not absolute is refused, quoted redacted', () => {
    for (const [input, quoted] of [
      ['x.io/ws', 'x.io/ws'],
      ['ws', 'ws'],
      ['localhost:8080/ws', 'localhost:8080/ws'],
      ['://x.io', '://x.io'],
      ['h/ws?access_token=abc', 'h/ws?access_token=***'],
      ['user:pass@host/ws', '***@host/ws'],
      ['//u:pass@h/ws?token=abc', '//***@h/ws?token=***'],
      // A scheme with no `//` after it: not named (it may be user info); quoted redacted.
      ['mailto:someone@x.io', '***@x.io'],
      ['javascript:alert(1)', 'javascript:alert(1)'],
    ]) {
      assertNotAbsolute(resolveOn(HTTP, input), quoted);
    }
  });

  test('results are stable: resolving a result again gives it back', () => {
    for (const input of ['wss://x.io', 'http://U:P@X.io:80/a b?c=d e#f', 'ws://127.1:8080', 'ws://[0::1]/', 'ws://bücher.example/?é']) {
      const once = resolveOn(HTTP, input);
      assert.equal(typeof once, 'string', input);
      assert.equal(resolveOn(HTTP, once), once, input);
    }
  });

  test('exact answers for well-formed URLs (schemes x hosts x ports x paths x fragments), on every page', () => {
    // Hosts as written, and as the parser serialises them.
    const hosts = [
      ['example.com', 'example.com'], ['x.io', 'x.io'], ['localhost', 'localhost'], ['LOCALHOST', 'localhost'],
      ['a.localhost', 'a.localhost'], ['localhost.example.com', 'localhost.example.com'], ['127.0.0.1', '127.0.0.1'],
      ['127.1', '127.0.0.1'], ['127.255.0.9', '127.255.0.9'], ['10.0.0.1', '10.0.0.1'], ['128.0.0.1', '128.0.0.1'],
      ['[::1]', '[::1]'], ['[2001:db8::1]', '[2001:db8::1]'], ['api-2.example.co.uk', 'api-2.example.co.uk'],
    ];
    const loopback = new Set(['localhost', 'a.localhost', '127.0.0.1', '127.255.0.9', '[::1]']);
    const pages = [undefined, HTTP, HTTPS, { protocol: 'file:', host: '' }];
    let checked = 0;
    for (const scheme of ['ws', 'wss', 'http', 'https', 'WSS', 'Http']) {
      const ws = /^(ws|http)$/i.test(scheme) ? 'ws' : 'wss';
      for (const [host, serialised] of hosts) {
        for (const port of ['', ':8080', ':1']) {
          for (const [path, outPath] of [['', '/'], ['/', '/'], ['/ws', '/ws'], ['/a/b?x=1&y', '/a/b?x=1&y'], ['?q', '/?q']]) {
            for (const frag of ['', '#', '#f?g']) {
              const input = `${scheme}://${host}${port}${path}${frag}`;
              const want = `${ws}://${serialised}${port}${outPath}`;
              for (const page of pages) {
                const r = resolveOn(page, input);
                if (page === HTTPS && ws === 'ws' && !loopback.has(serialised)) assertMixed(r, want.replace('x=1', 'x=***'));
                else assert.equal(r, want, `${input} on ${page?.protocol}`);
                checked++;
              }
            }
          }
        }
      }
    }
    assert.equal(checked, 6 * 14 * 3 * 5 * 3 * 4);
  });
});

describe('resolveUrl: mixed content', () => {
  test('ws: from an https: page is refused with MIXED_CONTENT; wss:, and ws: from an http: page, are not', () => {
    assertMixed(resolveOn(HTTPS, 'ws://api.example.com/ws'), 'ws://api.example.com/ws');
    assertMixed(resolveOn(HTTPS, 'http://api.example.com/ws'), 'ws://api.example.com/ws');
    assert.match(resolveOn(HTTPS, 'ws://api.example.com/ws').message, /use wss:\/\//);
    assert.equal(resolveOn(HTTPS, 'wss://api.example.com/ws'), 'wss://api.example.com/ws');
    assert.equal(resolveOn(HTTPS, 'https://api.example.com/ws'), 'wss://api.example.com/ws');
    assert.equal(resolveOn(HTTP, 'ws://api.example.com/ws'), 'ws://api.example.com/ws');
    assert.equal(resolveOn(undefined, 'ws://api.example.com/ws'), 'ws://api.example.com/ws');
    assert.equal(resolveOn({ protocol: 'file:', host: '' }, 'ws://api.example.com/ws'), 'ws://api.example.com/ws');
  });

  test('except loopback hosts: localhost, *.localhost, 127.0.0.0/8 (in any form the parser normalises), [::1]', () => {
    for (const [input, want] of [
      ['ws://localhost:1/ws', 'ws://localhost:1/ws'],
      ['ws://LOCALHOST/ws', 'ws://localhost/ws'],
      ['ws://a.localhost/ws', 'ws://a.localhost/ws'],
      ['ws://a.b.LocalHost:9/', 'ws://a.b.localhost:9/'],
      ['ws://127.0.0.1:9/ws', 'ws://127.0.0.1:9/ws'],
      ['ws://user@127.0.0.2/ws', 'ws://user@127.0.0.2/ws'],
      ['ws://127.255.255.255/', 'ws://127.255.255.255/'],
      ['ws://127.1/ws', 'ws://127.0.0.1/ws'],
      ['ws://127.0.1/ws', 'ws://127.0.0.1/ws'],
      ['ws://127.0.0.1./ws', 'ws://127.0.0.1/ws'],
      ['ws://0x7f.1/', 'ws://127.0.0.1/'],
      ['ws://0177.0.0.1/', 'ws://127.0.0.1/'],
      ['ws://2130706433/', 'ws://127.0.0.1/'],
      ['ws://%31%32%37.0.0.1/', 'ws://127.0.0.1/'],
      ['ws://[::1]:9/ws', 'ws://[::1]:9/ws'],
      ['ws://[0:0:0:0:0:0:0:1]/', 'ws://[::1]/'],
      ['ws://[::0:1]/', 'ws://[::1]/'],
      // Secure Contexts §3.1: `localhost.` and `*.localhost.` too.
      ['ws://localhost./ws', 'ws://localhost./ws'],
      ['ws://a.localhost./ws', 'ws://a.localhost./ws'],
    ]) {
      assert.equal(resolveOn(HTTPS, input), want, input);
    }
  });

  test('names that only look like loopback are not: refused', () => {
    for (const [input, quoted] of [
      ['ws://127.example/ws', 'ws://127.example/ws'],
      ['ws://127.0.0.1.evil.com/ws', 'ws://127.0.0.1.evil.com/ws'],
      ['ws://evil.com\\@127.0.0.1/ws', 'ws://evil.com/@127.0.0.1/ws'],
      ['ws://127/ws', 'ws://0.0.0.127/ws'],
      ['ws://128.0.0.1/', 'ws://128.0.0.1/'],
      ['ws://localhost.example.com/', 'ws://localhost.example.com/'],
      ['ws://mylocalhost/', 'ws://mylocalhost/'],
      ['ws://localhost..evil/', 'ws://localhost..evil/'],
      ['ws://[::2]/', 'ws://[::2]/'],
      ['ws://[::ffff:127.0.0.1]/', 'ws://[::ffff:7f00:1]/'],
      ['ws://0.0.0.0/', 'ws://0.0.0.0/'],
    ]) {
      assertMixed(resolveOn(HTTPS, input), quoted);
    }
  });
});

describe('resolveUrl: errors keep secrets out', () => {
  const SECRET = 'Zq5ecret7oken';

  test('the error quoting the URL has no query value, user info or fragment', () => {
    for (const [input, page, code, quoted] of [
      [`ws://u:${SECRET}@api.example.com/ws?key=${SECRET}#${SECRET}`, HTTPS, 'MIXED_CONTENT', 'ws://***@api.example.com/ws?key=***'],
      [`http://${SECRET}@api.example.com/?token=${SECRET}&userId=u`, HTTPS, 'MIXED_CONTENT', 'ws://***@api.example.com/?token=***&userId=***'],
      [`/ws?token=${SECRET}`, { protocol: 'https:', host: 'app.example.com' }, null, null],
      [`h/ws?access_token=${SECRET}`, HTTP, 'INVALID_URL', 'h/ws?access_token=***'],
      [`user:${SECRET}@host/ws`, undefined, 'INVALID_URL', '***@host/ws'],
      [`${SECRET}@host/ws`, undefined, 'INVALID_URL', '***@host/ws'],
      [`//u:${SECRET}@h/ws`, undefined, 'INVALID_URL', '//***@h/ws'],
      [`wss://u:${SECRET}@h:99999/ws?key=${SECRET}#${SECRET}`, undefined, 'INVALID_URL', 'wss://***@h:99999/ws?key=***#***'],
      [`ws://u:${SECRET}@[::1/ws?key=${SECRET}`, undefined, 'INVALID_URL', 'ws://***@[::1/ws?key=***'],
      // Blanks in what the parser refuses do not end the redaction.
      [`ws://ho st/?token=${SECRET}`, undefined, 'INVALID_URL', 'ws://ho st/?token=***'],
      [`ws://h st/?token=a ${SECRET}`, undefined, 'INVALID_URL', 'ws://h st/?token=***'],
      [`ws://us er:${SECRET}@ho st/#${SECRET}`, undefined, 'INVALID_URL', 'ws://***@ho st/#***'],
      [`ws://h:99999/?token=x\n${SECRET}#f`, undefined, 'INVALID_URL', 'ws://h:99999/?token=***#***'],
      [`ws://h:0x/ ws://u:${SECRET}@g/`, undefined, 'INVALID_URL', 'ws://h:0x/ ws://***@g/'],
      [`example.com/ws?token=${SECRET}`, undefined, 'INVALID_URL', 'example.com/ws?token=***'],
      [`mailto:${SECRET}@x.io?body=${SECRET}`, undefined, 'INVALID_URL', '***@x.io?body=***'],
    ]) {
      const r = resolveOn(page, input);
      if (code === null) {
        assert.equal(r, `wss://app.example.com/ws?token=${SECRET}`);
        continue;
      }
      const m = code === 'MIXED_CONTENT' ? assertMixed(r, quoted) : assertNotAbsolute(r, quoted);
      assert.ok(!m.includes(SECRET), `${input}: ${m}`);
    }
  });

  test('the errors that quote no URL have no secret either', () => {
    for (const input of [`ftp://u:${SECRET}@h/?t=${SECRET}#${SECRET}`, `file:///x?t=${SECRET}`]) {
      const r = resolveOn(undefined, input);
      assertError(r, 'INVALID_URL');
      assert.ok(!r.message.includes(SECRET), r.message);
    }
  });

  test('property: on any page, the error for a URL with secrets never shows them', () => {
    const r = rng(0x5eed);
    const pages = [undefined, HTTP, HTTPS];
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const scheme = r.pick(['ws://', 'wss://', 'http://', 'HTTPS://', 'ftp://', '//', '', 'ws:', 'ws:///']);
      const user = r.chance(0.4) ? `${r.pick(['', 'u:', 'a b:', 'x@y:'])}${SECRET}${r.pick(['', ' z', '%20'])}@` : '';
      const host = r.pick(['api.example.com', 'localhost', '127.1', '[::1]', 'ho st', '[::1', 'h:99999', 'a^b', '', 'x.io:8o']);
      const path = r.pick(['', '/', '/ws', '/a b', '/@x']);
      const query = r.chance(0.6) ? `?${r.pick(['', 'a&'])}token=${r.pick(['', 'x ', 'é'])}${SECRET}${r.pick(['', ' y', '&b=1'])}` : '';
      const frag = r.chance(0.3) ? `#${r.pick(['', '?t=', ' '])}${SECRET}` : '';
      const input = `${r.pick(['', ' '])}${scheme}${user}${host}${path}${query}${frag}`;
      const res = resolveOn(r.pick(pages), input);
      if (typeof res === 'string') continue;
      errors++;
      assert.ok(res instanceof TypeError, input);
      assert.ok(res.code === 'INVALID_URL' || res.code === 'MIXED_CONTENT', input);
      assert.ok(!res.message.includes(SECRET), `${JSON.stringify(input)}: ${res.message}`);
    }
    assert.ok(errors > 500, `${errors} errors`);
  });
});

describe('withParams', () => {
  test('appends userId, role and token, those that are strings, in that order', () => {
    assert.equal(withParams('ws://h/ws', 'u', 'owner', 't'), 'ws://h/ws?userId=u&role=owner&token=t');
    assert.equal(withParams('ws://h/ws', undefined, undefined, undefined), 'ws://h/ws');
    assert.equal(withParams('ws://h/ws', null, 42, { toString: () => 'x' }), 'ws://h/ws');
    assert.equal(withParams('ws://h/ws', undefined, 'r', undefined), 'ws://h/ws?role=r');
    assert.equal(withParams('ws://h/ws', 7, undefined, 'secret'), 'ws://h/ws?token=secret');
    assert.equal(withParams('ws://h/ws', '', '', ''), 'ws://h/ws?userId=&role=&token=');
  });

  test('? versus &: none after a bare `?` or a trailing `&`; an existing query is kept', () => {
    assert.equal(withParams('ws://h/ws?echo=1', 'u', undefined, undefined), 'ws://h/ws?echo=1&userId=u');
    assert.equal(withParams('ws://h/ws?echo=1', 'u', 'r', 't'), 'ws://h/ws?echo=1&userId=u&role=r&token=t');
    assert.equal(withParams('ws://h/ws?', undefined, 'r', undefined), 'ws://h/ws?role=r');
    assert.equal(withParams('ws://h/ws?', 'u', 'r', undefined), 'ws://h/ws?userId=u&role=r');
    assert.equal(withParams('ws://h/ws?a=1&', 'u', undefined, 't'), 'ws://h/ws?a=1&userId=u&token=t');
    assert.equal(withParams('ws://h/ws?a', 'u', undefined, undefined), 'ws://h/ws?a&userId=u');
    assert.equal(withParams('ws://h/ws?&', 'u', undefined, undefined), 'ws://h/ws?&userId=u');
    // A query that ends with `?` is not empty: gluing `token=` to its last parameter would hide the token from the
    // server and from redact.
    const u = withParams('ws://h/ws?v=1?', undefined, undefined, 'secret');
    assert.equal(u, 'ws://h/ws?v=1?&token=secret');
    assert.equal(redact(u), 'ws://h/ws?v=***&token=***');
    assert.equal(withParams('ws://h/ws?a?b', 'u', undefined, undefined), 'ws://h/ws?a?b&userId=u');
  });

  test('values are encoded as encodeURIComponent does', () => {
    assert.equal(withParams('ws://h/ws', 'a&b #c=d é', undefined, undefined), 'ws://h/ws?userId=a%26b%20%23c%3Dd%20%C3%A9');
    assert.equal(withParams('ws://h/ws', undefined, undefined, '😀?/+%'), 'ws://h/ws?token=%F0%9F%98%80%3F%2F%2B%25');
    assert.equal(withParams('ws://h/ws', 'A-z_0.!~*\'()', undefined, undefined), 'ws://h/ws?userId=A-z_0.!~*\'()');
    assert.equal(
      withParams('ws://h/ws', 'u@x.com', 'owner', 't=1&2'),
      'ws://h/ws?userId=u%40x.com&role=owner&token=t%3D1%262',
    );
    assert.equal(withParams('ws://h/ws', '\u0000\n\u007f', undefined, undefined), 'ws://h/ws?userId=%00%0A%7F');
  });

  test('property: every value round-trips through decodeURIComponent, encoded exactly', () => {
    const r = rng(0xc0ffee);
    const alphabet = ['a', 'Z', '0', '-', '_', '.', '!', '~', '*', '\'', '(', ')', ' ', '&', '=', '?', '#', '%', '+', '/', 'é', '😀', '\u0000', '€'];
    const str = () => Array.from({ length: r.below(8) }, () => r.pick(alphabet)).join('');
    for (let i = 0; i < 2000; i++) {
      const base = r.pick(['ws://h/ws', 'wss://h/', 'ws://h/ws?', 'ws://h/?a=1', 'ws://h/?a=1&', 'ws://h/?v=1?']);
      const vals = [0, 1, 2].map(() => (r.chance(0.7) ? str() : r.pick([undefined, null, 1])));
      const out = withParams(base, ...vals);
      assert.ok(out.startsWith(base));
      const given = ['userId', 'role', 'token'].map((k, j) => [k, vals[j]]).filter(([, v]) => typeof v === 'string');
      if (given.length === 0) {
        assert.equal(out, base);
        continue;
      }
      const q = base.indexOf('?');
      const sep = q < 0 ? '?' : q === base.length - 1 || base.endsWith('&') ? '' : '&';
      const rest = out.slice(base.length);
      assert.ok(rest.startsWith(sep), out);
      const parts = rest.slice(sep.length).split('&');
      assert.equal(parts.length, given.length, out);
      parts.forEach((p, j) => {
        const [k, v] = given[j];
        assert.equal(p, `${k}=${encodeURIComponent(v)}`);
        assert.match(p.slice(k.length + 1), /^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})*$/);
        assert.equal(decodeURIComponent(p.slice(k.length + 1)), v);
      });
    }
  });
});

describe('redact', () => {
  test('a whole URL: query values, user info and fragment become ***, names kept', () => {
    for (const [url, want] of [
      ['ws://h/ws?userId=u&token=secret%20x&role=r', 'ws://h/ws?userId=***&token=***&role=***'],
      ['wss://h/ws?access_token=abc', 'wss://h/ws?access_token=***'],
      ['wss://h/ws?key=k1&sig=a=b', 'wss://h/ws?key=***&sig=***'],
      ['ws://user:pass@host/ws', 'ws://***@host/ws'],
      ['ws://a@b:c@host:80/ws?', 'ws://***@host:80/ws?'],
      ['ws://h/ws#frag', 'ws://h/ws#***'],
      ['ws://h/ws#', 'ws://h/ws#***'],
      ['ws://h/?a&b=&=c&&d=1=2#f?x=1', 'ws://h/?a&b=***&=***&&d=***#***'],
      ['ws://h/?a=1&b', 'ws://h/?a=***&b'],
      ['HTTPS://u@h?x=1', 'HTTPS://***@h?x=***'],
      ['ws://h/p@q?x=1', 'ws://h/p@q?x=***'],
      ['ws://h\\u:p@x', 'ws://h\\u:p@x'],
      ['ws://u:p@h\\x?t=1', 'ws://***@h\\x?t=***'],
      ['ws://h/ws', 'ws://h/ws'],
      ['ws://[::1]:80/ws?t=1', 'ws://[::1]:80/ws?t=***'],
      ['ws://u:p@[::1]/', 'ws://***@[::1]/'],
      // As browsers read `ws:////h`: the slashes before the authority are skipped.
      ['ws:////u:p@h/', 'ws:////***@h/'],
      ['wss://u:p@h:8443/a/b?userId=me&role=r&token=eyJ.x-y_z#s', 'wss://***@h:8443/a/b?userId=***&role=***&token=***#***'],
    ]) {
      assert.equal(redact(url), want, url);
      assert.equal(redact(want), want, `idempotent: ${want}`);
    }
  });

  test('text without URLs is unchanged', () => {
    for (const text of ['', 'no URL here, token=abc', 'a:b/c?d=e#f', 'user:pass@host', 'ws:/h?t=1', '://', 'é 😀 \u0000', 'x'.repeat(1000)]) {
      assert.equal(redact(text), text);
    }
  });

  test('non-strings are stringified', () => {
    assert.equal(redact(42), '42');
    assert.equal(redact(null), 'null');
    assert.equal(redact(undefined), 'undefined');
    assert.equal(redact(true), 'true');
    assert.equal(redact({ toString: () => 'see ws://u:p@h/?t=1' }), 'see ws://***@h/?t=***');
    assert.equal(redact(new Error('ws://h/?t=1')), 'Error: ws://h/?t=***');
    assert.equal(redact(['x', 'ws://h/?t=1']), 'x,ws://h/?t=***');
  });

  test('a URL quoted in a message: the quotes stay outside', () => {
    for (const [text, want] of [
      ['\'ws://h/?t=abc\'', '\'ws://h/?t=***\''],
      ['"ws://h/?t=abc"', '"ws://h/?t=***"'],
      ['`ws://h/?t=abc`', '`ws://h/?t=***`'],
      ['(`wss://u:p@h/ws?t=abc#f`)', '(`wss://***@h/ws?t=***#***`)'],
      ['"ws://h/?t=1" and \'ws://u@g/x\'.', '"ws://h/?t=***" and \'ws://***@g/x\'.'],
      [
        'SyntaxError: Failed to construct \'WebSocket\': The URL \'wss://u:p@h/ws?key=abc&token=t\'x\' is invalid.',
        'SyntaxError: Failed to construct \'WebSocket\': The URL \'wss://***@h/ws?key=***&token=***\' is invalid.',
      ],
      [
        'SyntaxError: The URL\'s scheme must be either \'http\', \'https\', \'ws\', or \'wss\'. \'ftp://u:p@h/?t=1\' is not allowed.',
        'SyntaxError: The URL\'s scheme must be either \'http\', \'https\', \'ws\', or \'wss\'. \'ftp://***@h/?t=***\' is not allowed.',
      ],
      ['"ws://h/#frag"', '"ws://h/#***"'],
    ]) {
      assert.equal(redact(text), want, text);
    }
  });

  test('trailing punctuation stays outside the URL', () => {
    for (const [text, want] of [
      ['Error: no socket to https://h/a?b=c', 'Error: no socket to https://h/a?b=***'],
      ['connecting to ws://h/?t=abc.', 'connecting to ws://h/?t=***.'],
      ['(see ws://u:p@h/?t=abc), then', '(see ws://***@h/?t=***), then'],
      ['at ws://h/#f!', 'at ws://h/#***!'],
      ['ws://h/?t=1;', 'ws://h/?t=***;'],
      ['<ws://h/?t=1>', '<ws://h/?t=***>'],
      ['[ws://h/?t=1]', '[ws://h/?t=***]'],
      ['{ws://h/?t=1}:', '{ws://h/?t=***}:'],
      ['ws://h/ws.', 'ws://h/ws.'],
      ['ws://u:p@h.', 'ws://***@h.'],
      // A value's own trailing punctuation cannot be told from the text's: it is shown after the ***.
      ['token in ws://h/?t=abc!)', 'token in ws://h/?t=***!)'],
      ['The URL \'wss://h/?token=abc\'\' is invalid.', 'The URL \'wss://h/?token=***\'\' is invalid.'],
    ]) {
      assert.equal(redact(text), want, text);
    }
  });

  test('several URLs in one text, and a URL followed by another', () => {
    for (const [text, want] of [
      ['see ws://a/x#y\tthen ws://u:p@b/', 'see ws://a/x#***\tthen ws://***@b/'],
      ['ws://a/?t=1 wss://b/?t=2\nhttp://u@c/', 'ws://a/?t=*** wss://b/?t=***\nhttp://***@c/'],
      ['tried ws://a/?t=1, ws://b/?t=2.', 'tried ws://a/?t=***, ws://b/?t=***.'],
      // A URL in another's authority or path is a URL of its own; in its query or fragment, part of a value.
      ['ws://a/x/ws://u:p@b/?t=1', 'ws://a/x/ws://***@b/?t=***'],
      ['ws://a/x,wss://u:p@b/?t=2', 'ws://a/x,wss://***@b/?t=***'],
      ['ws://a/xhttp://u:p@b/', 'ws://a/xhttp://***@b/'],
      ['ws://a/\'+\'ws://u:p@b/\'', 'ws://a/\'+\'ws://***@b/\''],
      ['ws://u:p@a/ws://v:q@b/ws://w:r@c/', 'ws://***@a/ws://***@b/ws://***@c/'],
      ['ws://a/?t=1ws://u:p@b/?t=2', 'ws://a/?t=***'],
      ['ws://h/?next=https://u:p@x/&token=abc', 'ws://h/?next=***&token=***'],
      ['ws://h/#ws://u:p@x/', 'ws://h/#***'],
      // A `://` with no scheme before it is still redacted.
      ['x ://u:p@h/ ://', 'x ://***@h/ ://'],
      ['ws://a/://u:p@b/', 'ws://a/://***@b/'],
      ['ws://\u0000é://@?#\'', 'ws://\u0000é://***@?#***\''],
      ['1ws://u:p@h/?t=1', '1ws://***@h/?t=***'],
    ]) {
      assert.equal(redact(text), want, text);
      assert.equal(redact(want), want, `idempotent: ${want}`);
    }
  });

  test('total on anything, in linear time', () => {
    const inputs = [
      '\'ws://'.repeat(50_000) + '?' + 'ws://a/'.repeat(50_000),
      'a'.repeat(100_000),
      'ws://h/' + '.'.repeat(100_000) + 'x',
      'ws://' + 'a'.repeat(100_000) + '://x',
      '://'.repeat(50_000),
      'ws://h/?' + '&='.repeat(50_000),
      'a.'.repeat(50_000) + '://u:p@h/',
    ];
    const t0 = performance.now();
    for (const s of inputs) assert.equal(typeof redact(s), 'string');
    // Quadratic time took over 10 s on the second and third inputs.
    assert.ok(performance.now() - t0 < 2_000, `${performance.now() - t0} ms`);
    assert.equal(redact('a.'.repeat(50_000) + '://u:p@h/?t=1'), 'a.'.repeat(50_000) + '://***@h/?t=***');
  });

  test('property: an SDK-built URL is redacted exactly, alone or inside any message, and no secret leaks', () => {
    const r = rng(0xbadcafe);
    let n = 0;
    const secret = () => `Zq${(n++).toString(36).padStart(6, '0')}`;
    const junk = ['', ' ', 'a b', '&', '=', '#', '?', '@', ':', '/', '\'', '"', '`', 'é', '😀', '%', '\t', '.', ')'];
    const noise = () => Array.from({ length: r.below(4) }, () => r.pick(junk)).join('');
    for (let i = 0; i < 2000; i++) {
      const markers = [];
      const mark = (banned) => {
        const m = secret();
        markers.push(m);
        // Ends with a letter: a value's trailing punctuation is shown after the *** (see above).
        let s = `${noise()}${m}${noise()}z`;
        for (const c of banned) s = s.split(c).join('');
        return s;
      };
      const scheme = r.pick(['ws', 'wss', 'http', 'HTTPS', 'Wss']);
      const host = r.pick(['example.com', 'localhost', '127.0.0.1', '[::1]', 'api-2.example.co.uk']);
      const port = r.pick(['', ':8080', ':1']);
      const path = r.pick(['', '/', '/ws', '/a/b', '/@x', '/\'q\'', '/a:b']);
      const user = r.chance(0.4) ? `${mark(['/', '\\', '?', '#', '@', ' ', '\t'])}@` : '';
      const names = [];
      let query = '';
      const pairs = r.below(4);
      if (pairs > 0 || r.chance(0.3)) {
        query = '?';
        for (let k = 0; k < pairs; k++) {
          const name = `n${k}${r.pick(['', '_x', '.y'])}`;
          query += `${k > 0 ? '&' : ''}${name}=${mark(['&', '#'])}`;
          names.push(name);
        }
      }
      const frag = r.chance(0.2) ? `#${mark([])}` : '';
      const base = resolveUrl(`${scheme}://${user}${host}${port}${path}${query}${frag}`);
      assert.equal(typeof base, 'string');
      const params = [0, 1, 2].map(() => (r.chance(0.6) ? mark([]) : undefined));
      ['userId', 'role', 'token'].forEach((k, j) => params[j] !== undefined && names.push(k));
      const url = withParams(base, ...params);
      // The URL as resolved, with ***: its host, port and path as the parser wrote them.
      const u = new URL(url);
      let want = `${u.protocol}//${user ? '***@' : ''}${u.host}${u.pathname}`;
      if (url.includes('?')) want += `?${names.map((k) => `${k}=***`).join('&')}`;
      assert.equal(redact(url), want, url);
      for (const [text, expected] of [
        [`connecting to ${url}`, `connecting to ${want}`],
        [`The URL '${url}' is invalid.`, `The URL '${want}' is invalid.`],
        [`"${url}" refused`, `"${want}" refused`],
        [`(\`${url}\`)`, `(\`${want}\`)`],
        [`at ${url}\ttoo`, `at ${want}\ttoo`],
        // A fragment as browsers may quote it (up to a blank, where a URL ends).
        [`${url}#${noise().replace(/\s/g, '')}x`, `${want}#***`],
      ]) {
        assert.equal(redact(text), expected, text);
      }
      const text = `${noise()}${r.pick([' ', ' \'', '\n"', ' `'])}${url}${r.pick(['', '\'', '"', '`', '.'])}${noise()}`;
      const red = redact(text);
      for (const m of markers) assert.ok(!red.includes(m), `${m} leaked in ${JSON.stringify(red)}`);
      assert.equal(redact(red), red, 'idempotent');
    }
  });
});

describe('found by a review', () => {
  test('a password with an unescaped ? or # is still user info: redacted, in errors too', () => {
    assert.equal(redact('ws://user:pa?ssSECRET@host/'), 'ws://***@host/');
    assert.equal(redact('ws://user:pa#ssSECRET@host/x?t=1'), 'ws://***@host/x?t=***');
    const r = resolveOn({ protocol: 'http:', host: 'page.example' }, 'ws://user:pa?ss SECRET@ho st/');
    assert.ok(r instanceof TypeError && r.code === 'INVALID_URL', String(r));
    assert.ok(!r.message.includes('SECRET'), r.message);
  });

  test('a ZANTARA_WS_URL getter that throws counts as unset', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'ZANTARA_WS_URL');
    const savedLocation = Object.getOwnPropertyDescriptor(globalThis, 'location');
    try {
      Object.defineProperty(globalThis, 'ZANTARA_WS_URL', { get() { throw new Error('getter'); }, configurable: true });
      Object.defineProperty(globalThis, 'location', { value: { protocol: 'https:', host: 'app.example' }, configurable: true });
      assert.equal(resolveUrl(undefined), 'wss://app.example/ws');
    } finally {
      if (saved) Object.defineProperty(globalThis, 'ZANTARA_WS_URL', saved);
      else delete globalThis.ZANTARA_WS_URL;
      if (savedLocation) Object.defineProperty(globalThis, 'location', savedLocation);
      else delete globalThis.location;
    }
  });
});
