// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): encoding and sending (encode, sendNow), dispatch of a
// parsed frame (dispatchFrame), a client's handler registry (handlerOn, handlerOff, handlerHas, handlerEmit, dispatchOf) and
// takeCounts. The socket listeners that count and dispatch are tested in boundary-hub.test.mjs.
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  createClient, dispatchFrame, dispatchOf, encode, handlerEmit, handlerHas, handlerOff, handlerOn, sendNow, takeCounts,
} from '../../src/shell/boundary.js';
import { createRegistry, on } from '../../src/shell/emitter.js';
import { rules, C, ISO, MAX, fakeSocket } from './support.mjs';

/** A client whose socket is a fake one in `readyState` (`z.ws`, with its `sent` frames). */
function clientWith(readyState) {
  const z = createClient(1, MAX);
  z.ws = fakeSocket(readyState);
  return z;
}

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

  test('sendNow while open: sends one frame on z.ws and returns its length', () => {
    const z = clientWith(1);
    const ws = z.ws;
    const out = {};
    const n = sendNow(z, 'chat', { x: 1 }, out);
    assert.equal(ws.sent.length, 1);
    assert.equal(n, ws.sent[0].length);
    const v = JSON.parse(ws.sent[0]);
    assert.equal(v.channel, 'chat');
    assert.deepEqual(v.data, { x: 1 });
    assert.deepEqual(out, {});
  });

  test('sendNow when not open (CONNECTING 0, CLOSING 2, CLOSED 3): -1, nothing sent, data not encoded', () => {
    for (const state of [0, 2, 3]) {
      const z = clientWith(state);
      let encoded = false;
      const data = { toJSON: () => { encoded = true; return 1; } };
      assert.equal(sendNow(z, 'chat', data, {}), -1, `readyState ${state}`);
      assert.deepEqual(z.ws.sent, []);
      assert.equal(encoded, false);
    }
  });

  test('sendNow on a client without a socket (z.ws null): -1, data not encoded', () => {
    const z = createClient(1, MAX);
    assert.equal(z.ws, null);
    let encoded = false;
    const out = {};
    assert.equal(sendNow(z, 'chat', { toJSON: () => { encoded = true; return 1; } }, out), -1);
    assert.equal(encoded, false);
    assert.deepEqual(out, {});
  });

  test('sendNow: a toJSON that closes the socket mid-encode returns -3, sends nothing, hands back the frame', () => {
    const z = clientWith(1);
    const ws = z.ws;
    let calls = 0;
    const data = { toJSON: () => { calls += 1; ws.readyState = 3; return 'x'; } };
    const out = {};
    assert.equal(sendNow(z, 'chat', data, out), -3);
    assert.deepEqual(ws.sent, []);
    assert.equal(calls, 1, 'toJSON ran once: the frame is reused for the queue');
    const f = JSON.parse(out.frame);
    assert.equal(f.type, 'message');
    assert.equal(f.channel, 'chat');
    assert.equal(f.data, 'x');
  });

  test('sendNow: encoding failure returns -2 with the error in out.error, nothing sent', () => {
    const z = clientWith(1);
    const ws = z.ws;
    const cyclic = [];
    cyclic.push(cyclic);
    const out = {};
    assert.equal(sendNow(z, 'chat', cyclic, out), -2);
    assert.ok(out.error instanceof TypeError);
    const out2 = {};
    assert.equal(sendNow(z, 'chat', 5n, out2), -2);
    assert.ok(out2.error instanceof TypeError);
    const boom = new Error('boom');
    const out3 = {};
    assert.equal(sendNow(z, 'chat', { toJSON: () => { throw boom; } }, out3), -2);
    assert.equal(out3.error, boom);
    assert.deepEqual(ws.sent, []);
  });

  test('sendNow: a bad channel returns -(16 + fault), before looking at the socket', () => {
    for (const z of [clientWith(1), clientWith(3), createClient(1, MAX)]) {
      assert.equal(sendNow(z, '', 1, {}), -16 - C.NOT_STRING);
      assert.equal(sendNow(z, 7, 1, {}), -16 - C.NOT_STRING);
      assert.equal(sendNow(z, '\uD800', 1, {}), -16 - C.LONE_SURROGATE);
      assert.equal(sendNow(z, 'x'.repeat(257), 1, {}), -16 - C.TOO_LONG);
      assert.equal(sendNow(z, 'error', 1, {}), -16 - C.RESERVED);
      if (z.ws !== null) assert.deepEqual(z.ws.sent, []);
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

/** `z` once its first turn is over (its events are delivered at once from then on). */
async function pastFirstTurn(z) {
  await Promise.resolve();
  return z;
}

describe('a client\'s handler registry: handlerOn, handlerOff, handlerHas, handlerEmit, dispatchOf', () => {
  test('createClient: an empty registry, no counts, no socket', () => {
    const z = createClient(7, 1234);
    assert.match(z.s, /^[0-9a-z]{20}$/, 'a protocol v2 session id');
    assert.deepEqual(z, {
      r: new Map(), n: 0, b: 0, t: 0, max: 1234, id: 7, ws: null, g: 0, s: z.s, k: null, v2: false, o: null, rc: 0, gp: 0, st: null,
      u: 0, e: false, dp: 0, d: null, ph: null, w: null, W: null, c: [],
    });
    const other = createClient(7, 1234);
    assert.notEqual(other.r, z.r, 'each client has its own registry');
    assert.notEqual(other.s, z.s, 'and its own session');
  });

  test('the first turn: handlerEmit keeps the events, and a microtask hands them over in order, with what they threw', async () => {
    const z = createClient(3, MAX);
    const log = [];
    assert.equal(handlerEmit(z, 'state', 'a'), null, 'kept, not delivered');
    handlerOn(z, 'state', (p) => {
      log.push(p);
      if (p === 'a') handlerEmit(z, 'state', 'c'); // emitted while replaying: after those before it
    }, false);
    assert.equal(handlerEmit(z, 'state', 'b'), null);
    assert.deepEqual(log, [], 'nothing inside the first turn');
    await Promise.resolve();
    assert.deepEqual(log, ['a', 'b', 'c']);
    assert.equal(z.c, null);
    handlerEmit(z, 'state', 'd');
    assert.deepEqual(log, ['a', 'b', 'c', 'd'], 'then at once');
  });

  test('handlerOn adds to z.r (once handlers run once); handlerEmit calls them in order and returns null', async () => {
    const z = await pastFirstTurn(createClient(1, MAX));
    const log = [];
    assert.equal(handlerHas(z, 'chat'), false);
    handlerOn(z, 'chat', (p) => log.push(['a', p]), false);
    handlerOn(z, 'chat', (p) => log.push(['once', p]), true);
    assert.equal(handlerHas(z, 'chat'), true);
    assert.ok(z.r.has('chat'), 'stored in z.r');
    assert.equal(handlerEmit(z, 'chat', 1), null);
    assert.equal(handlerEmit(z, 'chat', 2), null);
    assert.deepEqual(log, [['a', 1], ['once', 1], ['a', 2]]);
    assert.equal(handlerEmit(z, 'nothing', 3), null, 'an event without handlers');
  });

  test('handlerOff removes one function, or every handler of the name when f is undefined', async () => {
    const z = await pastFirstTurn(createClient(1, MAX));
    const log = [];
    const f = () => log.push('f');
    const g = () => log.push('g');
    handlerOn(z, 'e', f, false);
    handlerOn(z, 'e', g, false);
    handlerOn(z, 'e', f, false);
    handlerOff(z, 'e', f);
    handlerEmit(z, 'e');
    assert.deepEqual(log, ['g']);
    assert.equal(handlerHas(z, 'e'), true);
    handlerOff(z, 'e', undefined);
    assert.equal(handlerHas(z, 'e'), false);
    assert.equal(handlerEmit(z, 'e'), null);
    assert.deepEqual(log, ['g']);
    handlerOff(z, 'never-added', f); // harmless
  });

  test('handlerEmit returns what the handlers threw; the others still run', async () => {
    const z = await pastFirstTurn(createClient(1, MAX));
    const e1 = new Error('one');
    const log = [];
    handlerOn(z, 'e', () => { throw e1; }, false);
    handlerOn(z, 'e', () => log.push('ran'), false);
    handlerOn(z, 'e', () => { throw 'two'; }, false);
    assert.deepEqual(handlerEmit(z, 'e', 0), [e1, 'two']);
    assert.deepEqual(log, ['ran']);
  });

  test('clients do not share handlers', async () => {
    const a = await pastFirstTurn(createClient(1, MAX));
    const b = await pastFirstTurn(createClient(2, MAX));
    const log = [];
    handlerOn(a, 'chat', () => log.push('a'), false);
    assert.equal(handlerHas(b, 'chat'), false);
    handlerEmit(b, 'chat');
    dispatchOf(b, { type: 'message', channel: 'chat', data: 1 });
    assert.deepEqual(log, []);
  });

  test('dispatchOf is dispatchFrame on z.r: message, then the channel event; thrown pairs back', () => {
    const z = createClient(1, MAX);
    const log = [];
    const e1 = new Error('c');
    handlerOn(z, 'message', (v) => log.push(['message', v]), false);
    handlerOn(z, 'chat', (d) => log.push(['chat', d]), false);
    const v = { type: 'message', channel: 'chat', data: { a: 1 } };
    assert.equal(dispatchOf(z, v), null);
    assert.deepEqual(log, [['message', v], ['chat', v.data]]);
    assert.equal(log[0][1], v);
    handlerOn(z, 'chat', () => { throw e1; }, false);
    assert.deepEqual(dispatchOf(z, v), ['chat', [e1]]);
    log.length = 0;
    assert.equal(dispatchOf(z, { type: 'message', channel: 'error', data: 'spoof' }), null);
    assert.deepEqual(log.map((x) => x[0]), ['message'], 'a reserved channel fires message only');
  });
});

describe('takeCounts', () => {
  test('writes [n, b, t, u, g] into out, resets n, b and u (not t), returns n', () => {
    const z = createClient(1, MAX);
    Object.assign(z, { n: 3, b: 120, t: 1234.5, u: 17, g: 4 });
    const out = new Float64Array(5);
    assert.equal(takeCounts(z, out), 3);
    assert.deepEqual([...out], [3, 120, 1234.5, 17, 4]);
    assert.deepEqual([z.n, z.b, z.t, z.u], [0, 0, 1234.5, 0]);
  });

  test('nothing counted: returns 0 and leaves out untouched', () => {
    const z = createClient(1, MAX);
    Object.assign(z, { n: 0, b: 0, t: 99 });
    const out = new Float64Array([7, 8, 9]);
    assert.equal(takeCounts(z, out), 0);
    assert.deepEqual([...out], [7, 8, 9]);
    assert.equal(z.t, 99);
    // Any array-like of 3 will do.
    Object.assign(z, { n: 1, b: 5 });
    const arr = [0, 0, 0, 0, 0];
    assert.equal(takeCounts(z, arr), 1);
    assert.deepEqual(arr, [1, 5, 99, 0, 0]);
    assert.equal(takeCounts(z, arr), 0, 'a second call has nothing new');
    assert.deepEqual(arr, [1, 5, 99, 0, 0]);
  });
});
