// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): encoding and sending (encode, sendNow), dispatch of a
// parsed frame, and the socket listener with its counts.
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { dispatchFrame, encode, listen, sendNow, setRules, takeCounts } from '../../src/shell/boundary.js';
import { createRegistry, on } from '../../src/shell/emitter.js';
import { rules, V, C, ISO, MAX, withConsole, fakeSocket } from './support.mjs';

before(() => setRules(rules));

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

  test('sendNow: a toJSON that closes the socket mid-encode returns -3, sends nothing, hands back the frame', () => {
    const ws = fakeSocket(1);
    let calls = 0;
    const data = { toJSON: () => { calls += 1; ws.readyState = 3; return 'x'; } };
    const out = {};
    assert.equal(sendNow(ws, 'chat', data, out), -3);
    assert.deepEqual(ws.sent, []);
    assert.equal(calls, 1, 'toJSON ran once: the frame is reused for the queue');
    const f = JSON.parse(out.frame);
    assert.equal(f.type, 'message');
    assert.equal(f.channel, 'chat');
    assert.equal(f.data, 'x');
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
    const t0 = performance.now();
    ws.onmessage({ data: a });
    ws.onmessage({ data: b });
    const t1 = performance.now();
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

    // A socket whose listener was detached (a handler disconnected) never calls `thrown`: its
    // wasm callback is freed by then.
    const detached = listening(MAX, () => assert.fail('thrown() called after the listener was detached'));
    const listener = detached.ws.onmessage;
    on(detached.registry, 'chat', () => {
      detached.ws.onmessage = null;
      throw e1;
    }, false);
    const seen = [];
    withConsole('error', (...args) => seen.push(args), () => listener({ data: frame }));
    assert.deepEqual(seen, [['ZantaraWebSocket: a handler threw', e1]]);
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
