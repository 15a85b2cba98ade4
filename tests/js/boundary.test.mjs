// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): frame classification,
// dispatch, the socket listener, channel checks, encoding and sending, and the small helpers the
// wasm side calls. Codes are read by name from src/shell/rules.json (the core's rules).
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import {
  awaitToken, checkChannel, classify, consoleError, consoleLog, describe as describeError, dispatchFrame, encode,
  entries, hasRules, iso, listen, readFrame, sendNow, setRules, takeCounts, tokenKind, welcome,
} from '../../src/shell/boundary.js';
import { createRegistry, on } from '../../src/shell/emitter.js';

const rules = JSON.parse(readFileSync(new URL('../../src/shell/rules.json', import.meta.url), 'utf8'));
const V = rules.verdict;
const C = rules.channel;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX = 1 << 20;

before(() => setRules(rules));

/** Replaces `console[name]` for the duration of `fn` (restored even when it throws). */
function withConsole(name, stub, fn) {
  const saved = console[name];
  console[name] = stub;
  try {
    return fn();
  } finally {
    console[name] = saved;
  }
}

/** A stand-in for a WebSocket: `readyState` and a `send` that records frames. */
function fakeSocket(readyState) {
  const sent = [];
  return { readyState, sent, send: (f) => sent.push(f) };
}

describe('rules', () => {
  test('setRules installs the rules (a fresh module instance has none before)', async () => {
    const fresh = await import('../../src/shell/boundary.js?fresh');
    assert.equal(fresh.hasRules(), false);
    fresh.setRules(rules);
    assert.equal(fresh.hasRules(), true);
    assert.equal(hasRules(), true);
  });

  test('a frame type\'s verdict code is its index in rules.types (classify relies on it)', () => {
    rules.types.forEach((t, i) => assert.equal(V[t.toUpperCase()], i, t));
  });
});

describe('readFrame and classify', () => {
  test('a channel message: MESSAGE, its UTF-16 length and the parsed value', () => {
    const raw = JSON.stringify({ type: 'message', channel: 'chat', data: { text: 'hé😀' } });
    const f = readFrame(raw, MAX);
    assert.deepEqual(f, { verdict: V.MESSAGE, n: raw.length, v: { type: 'message', channel: 'chat', data: { text: 'hé😀' } } });
  });

  test('each control frame type has its own verdict', () => {
    const cases = [
      [{ type: 'pong' }, V.PONG],
      [{ type: 'connected', data: { clientId: 'x' } }, V.CONNECTED],
      [{ type: 'ping' }, V.PING],
      [{ type: 'subscribe', channel: 'c' }, V.SUBSCRIBE],
      [{ type: 'unsubscribe', channel: 'c' }, V.UNSUBSCRIBE],
    ];
    for (const [obj, verdict] of cases) {
      const raw = JSON.stringify(obj);
      assert.deepEqual(readFrame(raw, MAX), { verdict, n: raw.length, v: obj }, obj.type);
      assert.equal(classify(obj), verdict);
    }
  });

  test('text that is not JSON: NOT_JSON, not parsed', () => {
    for (const raw of ['nope', '{"type":', '', "{'type':'pong'}"]) {
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NOT_JSON, n: raw.length, v: undefined }, raw);
    }
  });

  test('JSON that is not an object: NOT_OBJECT (array, null, string, number, boolean)', () => {
    const cases = [['[1,2]', [1, 2]], ['[]', []], ['null', null], ['"pong"', 'pong'], ['42', 42], ['true', true]];
    for (const [raw, v] of cases) {
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NOT_OBJECT, n: raw.length, v }, raw);
    }
    assert.equal(classify(undefined), V.NOT_OBJECT);
    assert.equal(classify([{ type: 'pong' }]), V.NOT_OBJECT);
  });

  test('no type or a non-string type: NO_TYPE', () => {
    for (const raw of ['{}', '{"type":1}', '{"type":null}', '{"type":["pong"]}', '{"type":{"a":1}}', '{"kind":"pong"}']) {
      const f = readFrame(raw, MAX);
      assert.equal(f.verdict, V.NO_TYPE, raw);
      assert.equal(f.n, raw.length);
      assert.deepEqual(f.v, JSON.parse(raw));
    }
  });

  test('an unknown type: UNKNOWN_TYPE (names match exactly)', () => {
    for (const t of ['hello', 'MESSAGE', 'Pong', '', 'message ', 'constructor', '__proto__', 'toString']) {
      const raw = JSON.stringify({ type: t, channel: 'c' });
      assert.equal(readFrame(raw, MAX).verdict, V.UNKNOWN_TYPE, t);
    }
  });

  test('a message without a usable channel: NO_CHANNEL (missing, empty, non-string), parsed', () => {
    const cases = [{ type: 'message', data: 1 }, { type: 'message', channel: '' }, { type: 'message', channel: 5 },
      { type: 'message', channel: null }, { type: 'message', channel: ['c'] }];
    for (const obj of cases) {
      const raw = JSON.stringify(obj);
      assert.deepEqual(readFrame(raw, MAX), { verdict: V.NO_CHANNEL, n: raw.length, v: obj }, raw);
    }
  });

  test('a binary frame: BINARY with its byteLength, not parsed', () => {
    assert.deepEqual(readFrame(new ArrayBuffer(7), MAX), { verdict: V.BINARY, n: 7, v: undefined });
    assert.deepEqual(readFrame(new ArrayBuffer(0), MAX), { verdict: V.BINARY, n: 0, v: undefined });
    // Binary frames are never too large here: the limit is in UTF-16 units of text.
    assert.deepEqual(readFrame(new ArrayBuffer(100), 10), { verdict: V.BINARY, n: 100, v: undefined });
  });

  test('text longer than max UTF-16 units: TOO_LARGE, not parsed; exactly max is parsed', () => {
    const raw = '{"type":"pong","x":"😀😀é"}'; // 27 UTF-16 units (33 UTF-8 bytes)
    assert.equal(raw.length, 27);
    assert.deepEqual(readFrame(raw, 27), { verdict: V.PONG, n: 27, v: { type: 'pong', x: '😀😀é' } });
    assert.deepEqual(readFrame(raw, 26), { verdict: V.TOO_LARGE, n: 27, v: undefined });
    assert.deepEqual(readFrame('x'.repeat(11), 10), { verdict: V.TOO_LARGE, n: 11, v: undefined });
    assert.deepEqual(readFrame('', 0), { verdict: V.NOT_JSON, n: 0, v: undefined });
  });
});

describe('checkChannel', () => {
  test('a usable name is OK (code 0)', () => {
    assert.equal(C.OK, 0);
    for (const c of ['chat', 'a', 'room:1/x', ' ', 'Connected', 'MESSAGE', 'messages', '😀', 'a\uD83D\uDE00b']) {
      assert.equal(checkChannel(c), C.OK, c);
    }
  });

  test('not a string, or empty: NOT_STRING', () => {
    for (const c of [undefined, null, 1, 0, true, {}, ['chat'], Symbol('x'), () => 'chat', new String('chat'), '']) {
      assert.equal(checkChannel(c), C.NOT_STRING, String(typeof c));
    }
  });

  test('a lone surrogate, high or low: LONE_SURROGATE; a valid pair is OK', () => {
    for (const c of ['\uD800', 'a\uD83Db', 'ab\uD83D', '\uDC00', 'a\uDE00b', '\uDE00\uD83D', '\uD83D\uD83D\uDE00', '\uD83D\uDE00\uDE00']) {
      assert.equal(checkChannel(c), C.LONE_SURROGATE, JSON.stringify(c));
    }
    assert.equal(checkChannel('\uD83D\uDE00'), C.OK);
  });

  test('the same without String.prototype.isWellFormed (older engines: the regular expression)', () => {
    const desc = Object.getOwnPropertyDescriptor(String.prototype, 'isWellFormed');
    delete String.prototype.isWellFormed;
    try {
      assert.equal(''.isWellFormed, undefined);
      for (const c of ['\uD800', 'a\uD83Db', 'ab\uD83D', '\uDC00', 'a\uDE00b', '\uDE00\uD83D', '\uD83D\uD83D\uDE00', '\uD83D\uDE00\uDE00']) {
        assert.equal(checkChannel(c), C.LONE_SURROGATE, JSON.stringify(c));
      }
      assert.equal(checkChannel('\uD83D\uDE00'), C.OK);
      assert.equal(checkChannel('a\uD83D\uDE00\uD83D\uDE00b'), C.OK);
    } finally {
      if (desc) Object.defineProperty(String.prototype, 'isWellFormed', desc);
    }
  });

  test('at most rules.channelMaxBytes UTF-8 bytes: 256 is OK, 257 is TOO_LONG (multibyte counted in bytes)', () => {
    assert.equal(rules.channelMaxBytes, 256);
    const cases = [
      ['a'.repeat(256), C.OK],
      ['a'.repeat(257), C.TOO_LONG],
      ['é'.repeat(128), C.OK], // 2 bytes each
      ['é'.repeat(128) + 'a', C.TOO_LONG],
      ['€'.repeat(85) + 'a', C.OK], // 3 bytes each: 255 + 1
      ['€'.repeat(85) + 'é', C.TOO_LONG], // 255 + 2
      ['😀'.repeat(64), C.OK], // 4 bytes each, 128 UTF-16 units
      ['😀'.repeat(64) + 'a', C.TOO_LONG],
      ['€'.repeat(86), C.TOO_LONG],
    ];
    for (const [c, code] of cases) {
      assert.equal(Buffer.byteLength(c, 'utf8') <= 256, code === C.OK, 'the case itself');
      assert.equal(checkChannel(c), code, `${c.length} units, ${Buffer.byteLength(c, 'utf8')} bytes`);
    }
  });

  test('each reserved event name: RESERVED', () => {
    assert.ok(rules.reserved.length >= 8);
    for (const c of rules.reserved) assert.equal(checkChannel(c), C.RESERVED, c);
  });
});

describe('encode and sendNow', () => {
  test('encode: a message frame with channel, data and an ISO timestamp of now', () => {
    const t0 = Date.now();
    const f = encode('chat', { text: 'hé😀', n: [1, null] });
    const t1 = Date.now();
    const v = JSON.parse(f);
    assert.deepEqual(Object.keys(v), ['type', 'channel', 'data', 'timestamp']);
    assert.equal(v.type, 'message');
    assert.equal(v.channel, 'chat');
    assert.deepEqual(v.data, { text: 'hé😀', n: [1, null] });
    assert.match(v.timestamp, ISO);
    const t = Date.parse(v.timestamp);
    assert.ok(t >= t0 && t <= t1, `${v.timestamp} within the call`);
  });

  test('encode: data undefined is left out; a toJSON is used', () => {
    assert.deepEqual(Object.keys(JSON.parse(encode('c', undefined))), ['type', 'channel', 'timestamp']);
    assert.equal(JSON.parse(encode('c', { toJSON: () => 'j' })).data, 'j');
  });

  test('encode throws for cyclic data and BigInt', () => {
    const cyclic = { a: 1 };
    cyclic.self = cyclic;
    assert.throws(() => encode('c', cyclic), TypeError);
    assert.throws(() => encode('c', 10n), TypeError);
    assert.throws(() => encode('c', { deep: [1n] }), TypeError);
  });

  test('sendNow while open: sends one frame and returns its length', () => {
    const ws = fakeSocket(1);
    const out = {};
    const n = sendNow(ws, 'chat', { x: 1 }, out);
    assert.equal(ws.sent.length, 1);
    assert.equal(n, ws.sent[0].length);
    const v = JSON.parse(ws.sent[0]);
    assert.equal(v.channel, 'chat');
    assert.deepEqual(v.data, { x: 1 });
    assert.deepEqual(out, {});
  });

  test('sendNow when not open (CONNECTING 0, CLOSING 2, CLOSED 3): -1, nothing sent, data not encoded', () => {
    for (const state of [0, 2, 3]) {
      const ws = fakeSocket(state);
      let encoded = false;
      const data = { toJSON: () => { encoded = true; return 1; } };
      assert.equal(sendNow(ws, 'chat', data, {}), -1, `readyState ${state}`);
      assert.deepEqual(ws.sent, []);
      assert.equal(encoded, false);
    }
  });

  test('sendNow: a toJSON that closes the socket mid-encode returns -1 and sends nothing', () => {
    const ws = fakeSocket(1);
    const data = { toJSON: () => { ws.readyState = 3; return 'x'; } };
    assert.equal(sendNow(ws, 'chat', data, {}), -1);
    assert.deepEqual(ws.sent, []);
  });

  test('sendNow: encoding failure returns -2 with the error in out.error, nothing sent', () => {
    const ws = fakeSocket(1);
    const cyclic = [];
    cyclic.push(cyclic);
    const out = {};
    assert.equal(sendNow(ws, 'chat', cyclic, out), -2);
    assert.ok(out.error instanceof TypeError);
    const out2 = {};
    assert.equal(sendNow(ws, 'chat', 5n, out2), -2);
    assert.ok(out2.error instanceof TypeError);
    const boom = new Error('boom');
    const out3 = {};
    assert.equal(sendNow(ws, 'chat', { toJSON: () => { throw boom; } }, out3), -2);
    assert.equal(out3.error, boom);
    assert.deepEqual(ws.sent, []);
  });

  test('sendNow: a bad channel returns -(16 + fault), before looking at the socket', () => {
    for (const ws of [fakeSocket(1), fakeSocket(3)]) {
      assert.equal(sendNow(ws, '', 1, {}), -16 - C.NOT_STRING);
      assert.equal(sendNow(ws, 7, 1, {}), -16 - C.NOT_STRING);
      assert.equal(sendNow(ws, '\uD800', 1, {}), -16 - C.LONE_SURROGATE);
      assert.equal(sendNow(ws, 'x'.repeat(257), 1, {}), -16 - C.TOO_LONG);
      assert.equal(sendNow(ws, 'error', 1, {}), -16 - C.RESERVED);
      assert.deepEqual(ws.sent, []);
    }
  });
});

describe('dispatchFrame', () => {
  test('emits message with the whole frame, then the channel event with its data', () => {
    const r = createRegistry();
    const log = [];
    on(r, 'message', (v) => log.push(['message', v]), false);
    on(r, 'chat', (d) => log.push(['chat', d]), false);
    const v = { type: 'message', channel: 'chat', data: { a: 1 } };
    assert.equal(dispatchFrame(r, v), null);
    assert.equal(log.length, 2);
    assert.equal(log[0][1], v);
    assert.equal(log[1][1], v.data);
  });

  test('a message to a reserved name does not fire that built-in event (message fires once)', () => {
    for (const name of rules.reserved) {
      const r = createRegistry();
      const log = [];
      for (const ev of rules.reserved) on(r, ev, (p) => log.push([ev, p]), false);
      const v = { type: 'message', channel: name, data: 'spoof' };
      assert.equal(dispatchFrame(r, v), null);
      assert.deepEqual(log, [['message', v]], name);
    }
  });

  test('a frame of another type emits message only', () => {
    const r = createRegistry();
    const log = [];
    on(r, 'message', () => log.push('message'), false);
    on(r, 'c', () => log.push('c'), false);
    dispatchFrame(r, { type: 'subscribe', channel: 'c' });
    assert.deepEqual(log, ['message']);
  });

  test('what handlers throw comes back as [event, thrown[], ...] pairs', () => {
    const r = createRegistry();
    const e1 = new Error('m');
    const e2 = new Error('c1');
    on(r, 'message', () => { throw e1; }, false);
    on(r, 'chat', () => { throw e2; }, false);
    on(r, 'chat', () => { throw 'c2'; }, false);
    assert.deepEqual(dispatchFrame(r, { type: 'message', channel: 'chat' }), ['message', [e1], 'chat', [e2, 'c2']]);
    const r2 = createRegistry();
    on(r2, 'chat', () => { throw e2; }, false);
    assert.deepEqual(dispatchFrame(r2, { type: 'message', channel: 'chat' }), ['chat', [e2]]);
  });
});

describe('listen and takeCounts', () => {
  /** A fake socket with a listener installed; `calls` records `other` and `thrown`. */
  function listening(max = MAX, thrownFn) {
    const ws = {};
    const registry = createRegistry();
    const counts = { n: 0, b: 0, t: 0 };
    const calls = { other: [], thrown: [] };
    listen(ws, registry, counts, max,
      (...args) => calls.other.push(args),
      thrownFn ?? ((pairs) => calls.thrown.push(pairs)));
    assert.equal(typeof ws.onmessage, 'function');
    return { ws, registry, counts, calls };
  }

  test('channel messages are counted (n, b, t) and dispatched without calling other', () => {
    const { ws, registry, counts, calls } = listening();
    const got = [];
    on(registry, 'chat', (d) => got.push(d), false);
    on(registry, 'message', (v) => got.push(v.type), false);
    const a = JSON.stringify({ type: 'message', channel: 'chat', data: 1 });
    const b = JSON.stringify({ type: 'message', channel: 'other', data: 'é😀' });
    const t0 = Date.now();
    ws.onmessage({ data: a });
    ws.onmessage({ data: b });
    const t1 = Date.now();
    assert.deepEqual(got, ['message', 1, 'message']);
    assert.equal(counts.n, 2);
    assert.equal(counts.b, a.length + b.length);
    assert.ok(counts.t >= t0 && counts.t <= t1);
    assert.deepEqual(calls.other, []);
    assert.deepEqual(calls.thrown, []);
  });

  test('a message to a reserved channel is counted and fires message only', () => {
    const { ws, registry, counts, calls } = listening();
    const got = [];
    on(registry, 'error', () => got.push('error'), false);
    on(registry, 'message', () => got.push('message'), false);
    ws.onmessage({ data: JSON.stringify({ type: 'message', channel: 'error', data: 1 }) });
    assert.deepEqual(got, ['message']);
    assert.equal(counts.n, 1);
    assert.deepEqual(calls.other, []);
  });

  test('other frames call other(verdict, n, parsed, raw) once each, and are not counted', () => {
    const { ws, registry, counts, calls } = listening(64);
    const got = [];
    on(registry, 'message', () => got.push('message'), false);
    const pong = JSON.stringify({ type: 'pong', t: 1 });
    const welcomeFrame = JSON.stringify({ type: 'connected', data: { clientId: 'c1' } });
    const noChannel = JSON.stringify({ type: 'message', data: 1 });
    const big = JSON.stringify({ type: 'message', channel: 'c', data: 'x'.repeat(64) });
    const bin = new ArrayBuffer(5);
    for (const data of [pong, welcomeFrame, 'not json', '[1]', noChannel, big, bin]) ws.onmessage({ data });
    assert.deepEqual(calls.other, [
      [V.PONG, pong.length, { type: 'pong', t: 1 }, pong],
      [V.CONNECTED, welcomeFrame.length, { type: 'connected', data: { clientId: 'c1' } }, welcomeFrame],
      [V.NOT_JSON, 8, undefined, 'not json'],
      [V.NOT_OBJECT, 3, [1], '[1]'],
      [V.NO_CHANNEL, noChannel.length, { type: 'message', data: 1 }, noChannel],
      [V.TOO_LARGE, big.length, undefined, big],
      [V.BINARY, 5, undefined, undefined],
    ]);
    assert.deepEqual(got, [], 'the listener does not dispatch other frames');
    assert.deepEqual([counts.n, counts.b, counts.t], [0, 0, 0]);
  });

  test('what channel handlers threw goes to thrown(pairs); a thrown() that throws reports to the console', () => {
    const e1 = new Error('h');
    const frame = JSON.stringify({ type: 'message', channel: 'chat', data: 1 });
    const { ws, registry, calls } = listening();
    on(registry, 'chat', () => { throw e1; }, false);
    ws.onmessage({ data: frame });
    assert.deepEqual(calls.thrown, [['chat', [e1]]]);

    const errors = [];
    const broken = listening(MAX, () => { throw new Error('freed'); });
    on(broken.registry, 'message', () => { throw 'm'; }, false);
    on(broken.registry, 'chat', () => { throw e1; }, false);
    withConsole('error', (...args) => errors.push(args), () => broken.ws.onmessage({ data: frame }));
    assert.deepEqual(errors, [['ZantaraWebSocket: a handler threw', 'm'], ['ZantaraWebSocket: a handler threw', e1]]);
    // Even with a console that throws, nothing escapes the listener.
    withConsole('error', () => { throw new Error('console'); }, () => broken.ws.onmessage({ data: frame }));
  });

  test('takeCounts returns [n, b, t] and resets n and b', () => {
    const counts = { n: 3, b: 120, t: 1234 };
    assert.deepEqual(takeCounts(counts), [3, 120, 1234]);
    assert.deepEqual(counts, { n: 0, b: 0, t: 1234 });
    assert.deepEqual(takeCounts(counts), [0, 0, 1234]);
  });

  test('takeCounts after listening counts what arrived since the last call', () => {
    const { ws, counts } = listening();
    const f = JSON.stringify({ type: 'message', channel: 'c', data: 0 });
    ws.onmessage({ data: f });
    ws.onmessage({ data: f });
    const [n, b, t] = takeCounts(counts);
    assert.deepEqual([n, b], [2, 2 * f.length]);
    assert.equal(t, counts.t);
    ws.onmessage({ data: f });
    assert.deepEqual(takeCounts(counts).slice(0, 2), [1, f.length]);
  });
});

describe('helpers', () => {
  test('welcome: [data, clientId], clientId only when a string', () => {
    const data = { clientId: 'abc', userId: 'u' };
    const [d, id] = welcome({ type: 'connected', data });
    assert.equal(d, data);
    assert.equal(id, 'abc');
    assert.deepEqual(welcome({ data: { clientId: 5 } }), [{ clientId: 5 }, undefined]);
    assert.deepEqual(welcome({ data: null }), [null, undefined]);
    assert.deepEqual(welcome({ data: 'abc' }), ['abc', undefined]);
    assert.deepEqual(welcome({}), [undefined, undefined]);
    assert.deepEqual(welcome({ data: { clientId: '' } }), [{ clientId: '' }, '']);
  });

  test('iso and describe', () => {
    assert.equal(iso(0), '1970-01-01T00:00:00.000Z');
    assert.equal(describeError(new TypeError('bad')), 'TypeError: bad');
    assert.equal(describeError('text'), 'text');
    assert.equal(describeError(null), 'null');
    assert.equal(describeError({ toString() { throw new Error('x'); } }), 'unknown error');
    assert.equal(describeError(Object.create(null)), 'unknown error');
  });

  test('tokenKind: 0 string, 1 thenable, 2 anything else, 3 when reading then throws', () => {
    assert.equal(tokenKind('t'), 0);
    assert.equal(tokenKind(''), 0);
    assert.equal(tokenKind(Promise.resolve('t')), 1);
    assert.equal(tokenKind({ then() {} }), 1);
    const fn = () => {};
    fn.then = () => {};
    assert.equal(tokenKind(fn), 1);
    assert.equal(tokenKind({ token: 't' }), 2);
    assert.equal(tokenKind({ then: 'not a function' }), 2);
    for (const v of [null, undefined, 5, true, Symbol('s'), 1n, () => 't']) assert.equal(tokenKind(v), 2);
    assert.equal(tokenKind({ get then() { throw new Error('hostile'); } }), 3);
    assert.equal(tokenKind(new Proxy({}, { get() { throw new Error('trap'); } })), 3);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(tokenKind(proxy), 3);
  });

  test('awaitToken: a resolved thenable calls ok once with the value', async () => {
    const calls = [];
    awaitToken(Promise.resolve('tok'), (v) => calls.push(['ok', v]), (e) => calls.push(['err', e]));
    // A thenable that settles twice, and both ways, still calls back once.
    awaitToken({ then(res, rej) { res('a'); res('b'); rej(new Error('late')); } },
      (v) => calls.push(['ok2', v]), (e) => calls.push(['err2', e]));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.find((c) => c[0] === 'ok'), ['ok', 'tok']);
    assert.deepEqual(calls.find((c) => c[0] === 'ok2'), ['ok2', 'a']);
  });

  test('awaitToken: a rejected thenable calls err once with the reason', async () => {
    const calls = [];
    const reason = new Error('no token');
    awaitToken(Promise.reject(reason), (v) => calls.push(['ok', v]), (e) => calls.push(['err', e]));
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(calls, [['err', reason]]);
    // A thenable whose then throws, and a promise whose constructor getter throws, are rejections too.
    const calls2 = [];
    const boom = new Error('then threw');
    awaitToken({ then() { throw boom; } }, (v) => calls2.push(['ok', v]), (e) => calls2.push(['err', e]));
    const hostile = Promise.resolve('x');
    const boom2 = new Error('constructor getter');
    Object.defineProperty(hostile, 'constructor', { get() { throw boom2; } });
    awaitToken(hostile, (v) => calls2.push(['ok', v]), (e) => calls2.push(['err', e]));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(calls2.length, 2);
    assert.ok(calls2.some((c) => c[0] === 'err' && c[1] === boom));
    assert.ok(calls2.some((c) => c[0] === 'err' && c[1] === boom2));
  });

  test('awaitToken: cancel before settling means neither callback runs', async () => {
    const calls = [];
    let resolve;
    const p = new Promise((r) => { resolve = r; });
    const cancel = awaitToken(p, (v) => calls.push(['ok', v]), (e) => calls.push(['err', e]));
    cancel();
    resolve('late');
    const cancel2 = awaitToken(Promise.reject(new Error('x')), (v) => calls.push(['ok', v]), (e) => calls.push(['err', e]));
    cancel2();
    const cancel3 = awaitToken(Promise.resolve('now'), (v) => calls.push(['ok', v]), (e) => calls.push(['err', e]));
    cancel3(); // even an already resolved promise calls back later, so cancelling right away wins
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(calls, []);
    cancel(); // cancelling twice is harmless
  });

  test('entries: [key, value, ...] of own enumerable properties', () => {
    assert.deepEqual(entries({ a: 1, b: 'x', c: null }), ['a', 1, 'b', 'x', 'c', null]);
    assert.deepEqual(entries({}), []);
    const o = Object.create({ inherited: 1 }, { hidden: { value: 2, enumerable: false }, shown: { value: 3, enumerable: true } });
    assert.deepEqual(entries(o), ['shown', 3]);
  });

  test('entries: a revoked Proxy gives \'\'; a throwing getter gives its key', () => {
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    assert.equal(entries(proxy), '');
    assert.equal(entries(new Proxy({}, { ownKeys() { throw new Error('keys'); } })), '');
    assert.equal(entries({ a: 1, get b() { throw new Error('getter'); }, c: 3 }), 'b');
    assert.equal(entries(null), '');
  });

  test('consoleError and consoleLog never throw, even when the console does', () => {
    const seen = [];
    withConsole('error', (...a) => seen.push(['error', ...a]), () => consoleError('msg', 42));
    withConsole('log', (...a) => seen.push(['log', ...a]), () => consoleLog('log', 'a', 'b'));
    assert.deepEqual(seen, [['error', 'ZantaraWebSocket: msg', 42], ['log', 'a', 'b']]);
    const thrower = () => { throw new Error('console is broken'); };
    withConsole('error', thrower, () => assert.doesNotThrow(() => consoleError('msg', 1)));
    withConsole('log', thrower, () => assert.doesNotThrow(() => consoleLog('log', 'a', 'b')));
    withConsole('debug', thrower, () => assert.doesNotThrow(() => consoleLog('debug', 'a', 'b')));
    withConsole('error', undefined, () => assert.doesNotThrow(() => consoleError('msg', 1)));
    assert.doesNotThrow(() => consoleLog('noSuchLevel', 'a', 'b'));
    withConsole('error', () => {}, () => assert.doesNotThrow(() => consoleError(Symbol('not text'), 1)));
  });
});
