// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): the small helpers the wasm side calls (welcome, iso,
// describe, tokenKind, awaitToken, makeError, objectKind, entries, consoleError, consoleLog, monotonicNow, wallOffset); none
// may throw.
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  awaitToken, consoleError, consoleLog, counters, describe as describeError, entries, install, iso, makeError, monotonicNow,
  navigatorOnline, objectKind, tokenKind, wallOffset, welcome, withParams, ackOf, ackOn, ackSettle, ackDrop, createClient,
  handlerOn,
} from '../../src/shell/boundary.js';
import { rules, H, recordSink, withConsole } from './support.mjs';

/** Lets every queued microtask run (but no timer task). */
async function microtasks() {
  for (let i = 0; i < 20; i++) await null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The index of error code `code` in rules.errorCodes. */
const codeIndex = (code) => {
  const i = rules.errorCodes.indexOf(code);
  assert.ok(i >= 0, code);
  return i;
};

describe('helpers', () => {
  test('welcome: [data, clientId, v2], clientId only when a string, v2 only for protocol 2 and our session', () => {
    const z = { s: 'sess1' };
    const data = { clientId: 'abc', userId: 'u' };
    const [d, id, v2] = welcome({ type: 'connected', data }, z);
    assert.equal(d, data);
    assert.equal(id, 'abc');
    assert.equal(v2, false);
    assert.deepEqual(welcome({ data: { clientId: 5 } }, z), [{ clientId: 5 }, undefined, false]);
    assert.deepEqual(welcome({ data: null }, z), [null, undefined, false]);
    assert.deepEqual(welcome({ data: 'abc' }, z), ['abc', undefined, false]);
    assert.deepEqual(welcome({}, z), [undefined, undefined, false]);
    assert.deepEqual(welcome({ data: { clientId: '' } }, z), [{ clientId: '' }, '', false]);
    assert.equal(welcome({ data: { protocol: 2, session: 'sess1' } }, z)[2], true);
    assert.equal(welcome({ data: { protocol: 2, session: 'other' } }, z)[2], false, 'another session');
    assert.equal(welcome({ data: { protocol: '2', session: 'sess1' } }, z)[2], false);
    assert.equal(welcome({ data: { protocol: 3, session: 'sess1' } }, z)[2], false);
  });

  test('withParams: the protocol v2 offer follows the other parameters when a session is given', () => {
    assert.equal(withParams('ws://h/ws', 'u', undefined, undefined, 'abc'), 'ws://h/ws?userId=u&protocol=2&session=abc');
    assert.equal(withParams('ws://h/ws', undefined, undefined, undefined, undefined), 'ws://h/ws');
  });

  test('ackOf: the id times 4, plus 1 for a refusal, plus 2 for a cumulative upTo; 0 without a usable id', () => {
    assert.equal(ackOf({ type: 'ack', id: 7 }), 28);
    assert.equal(ackOf({ type: 'ack', id: 7, error: { code: 'X' } }), 29);
    assert.equal(ackOf({ type: 'ack', upTo: 7 }), 30);
    for (const id of [0, -1, 1.5, '3', null, undefined, 2 ** 32, NaN]) {
      assert.equal(ackOf({ id }), 0, String(id));
      assert.equal(ackOf({ upTo: id }), 0, String(id));
    }
  });

  test('ackSettle: each outcome, from a microtask, once; a throwing callback reaches `error`', async () => {
    const z = createClient(1, 100);
    const got = [];
    for (const id of [1, 2, 3, 4]) ackOn(z, id, (a) => got.push(a));
    ackSettle(z, 1, 0, { type: 'ack', id: 1 });
    ackSettle(z, 2, 1, { type: 'ack', id: 2, error: { code: 'FORBIDDEN', reason: 'no' } });
    ackSettle(z, 3, 2);
    ackSettle(z, 3, 0, {}); // settled already: nothing
    ackDrop(z, []);
    assert.equal(got.length, 0, 'never inside the call');
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(got.map((a) => [a.id, a.success, a.confirmed, a.code]), [
      [1, true, true, undefined], [2, false, true, 'FORBIDDEN'], [3, true, false, undefined], [4, false, false, 'DISCONNECTED'],
    ]);
    assert.equal(got[1].reason, 'no');
    assert.equal(got[3].sent, false, 'never handed to a socket');
    assert.equal(got[1].error.code, 'FORBIDDEN');
    assert.equal(z.k.size, 0);
    const errors = [];
    handlerOn(z, 'error', (e) => errors.push(e), false);
    ackOn(z, 5, (a) => got.push(a));
    ackDrop(z, [5]);
    ackOn(z, 6, (a) => got.push(a));
    ackSettle(z, 6, 1, { id: 6, error: { toString: 0, reason: { toString: 0 } } }); // never throws
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(got[4].sent, true, 'handed to a socket before: may have arrived');
    assert.deepEqual([got[5].code, got[5].reason], ['REFUSED', 'refused by the server']);
    ackOn(z, 9, () => { throw new Error('boom'); });
    ackSettle(z, 9, 0, {});
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(errors.map((e) => e.message), ['boom']);
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

  test('awaitToken: a string resolution reports (TOKEN, id, wait, 1, 0, token) in a microtask; returns nothing', async () => {
    const calls = recordSink();
    assert.equal(awaitToken(Promise.resolve('tok'), 3, 7), undefined);
    assert.deepEqual(calls, [], 'never synchronously');
    await microtasks();
    assert.deepEqual(calls, [[H.TOKEN, 3, 7, 1, 0, 'tok']]);
    // The empty string is a token too; a thenable that is not a promise works.
    awaitToken({ then(res) { res(''); } }, 0, 1);
    await microtasks();
    assert.deepEqual(calls[1], [H.TOKEN, 0, 1, 1, 0, '']);
  });

  test('awaitToken: a thenable that settles twice, and both ways, reports once', async () => {
    const calls = recordSink();
    awaitToken({ then(res, rej) { res('a'); res('b'); rej(new Error('late')); } }, 1, 2);
    await sleep(10);
    assert.deepEqual(calls, [[H.TOKEN, 1, 2, 1, 0, 'a']]);
  });

  test('awaitToken: each call reports its own id and wait, whatever the order they settle in', async () => {
    const calls = recordSink();
    let resolveFirst;
    awaitToken(new Promise((r) => { resolveFirst = r; }), 10, 100);
    awaitToken(Promise.resolve('second'), 11, 101);
    await microtasks();
    resolveFirst('first');
    await microtasks();
    assert.deepEqual(calls, [[H.TOKEN, 11, 101, 1, 0, 'second'], [H.TOKEN, 10, 100, 1, 0, 'first']]);
  });

  test('awaitToken: a rejection reports (TOKEN, id, wait, 0, 0, description) from a timer task', async () => {
    const calls = recordSink();
    awaitToken(Promise.reject(new Error('no token')), 4, 9);
    awaitToken(Promise.reject('plain reason'), 4, 10);
    awaitToken(Promise.reject({ toString() { throw new Error('hostile'); } }), 4, 11);
    await microtasks();
    assert.deepEqual(calls, [], 'failures never come within the microtasks of the task that started them');
    await sleep(10);
    assert.deepEqual(calls, [
      [H.TOKEN, 4, 9, 0, 0, 'Error: no token'],
      [H.TOKEN, 4, 10, 0, 0, 'plain reason'],
      [H.TOKEN, 4, 11, 0, 0, 'unknown error'],
    ]);
  });

  test('awaitToken: a resolution to anything but a string fails, from a timer task', async () => {
    const calls = recordSink();
    const values = [undefined, null, 5, { token: 't' }, ['t'], new String('t')];
    values.forEach((v, i) => awaitToken(Promise.resolve(v), 2, i));
    await microtasks();
    assert.deepEqual(calls, []);
    await sleep(10);
    assert.deepEqual(calls, values.map((_, i) => [H.TOKEN, 2, i, 0, 0, 'its promise resolved to a non-string']));
  });

  test('awaitToken: a then that throws, or a promise whose constructor getter throws, fails with its description', async () => {
    const calls = recordSink();
    awaitToken({ then() { throw new Error('then threw'); } }, 1, 1);
    const hostile = Promise.resolve('x');
    Object.defineProperty(hostile, 'constructor', { get() { throw new TypeError('constructor getter'); } });
    assert.doesNotThrow(() => awaitToken(hostile, 1, 2));
    assert.deepEqual(calls, [], 'even the synchronous failure is reported later');
    await microtasks();
    assert.deepEqual(calls, []);
    await sleep(10);
    assert.equal(calls.length, 2);
    assert.ok(calls.some((c) => JSON.stringify(c) === JSON.stringify([H.TOKEN, 1, 1, 0, 0, 'Error: then threw'])));
    assert.ok(calls.some((c) => JSON.stringify(c) === JSON.stringify([H.TOKEN, 1, 2, 0, 0, 'TypeError: constructor getter'])));
  });

  test('awaitToken: a promise that never settles reports nothing', async () => {
    const calls = recordSink();
    awaitToken(new Promise(() => {}), 1, 1);
    awaitToken({ then() {} }, 1, 2);
    await sleep(10);
    assert.deepEqual(calls, []);
  });

  test('awaitToken: the report goes to the sink installed when the promise settles', async () => {
    const early = recordSink();
    let resolve;
    awaitToken(new Promise((r) => { resolve = r; }), 1, 1);
    const late = [];
    install({ __zantaraSink: (...args) => late.push(args) });
    resolve('t');
    await microtasks();
    assert.deepEqual(early, []);
    assert.deepEqual(late, [[H.TOKEN, 1, 1, 1, 0, 't']]);
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

describe('makeError', () => {
  test('one per error code: its code, the prefixed message, TypeError or Error as asked', () => {
    rules.errorCodes.forEach((code, i) => {
      for (const typeError of [true, false]) {
        const e = makeError(i, typeError, 'A', 'B');
        assert.ok(e instanceof Error, code);
        assert.equal(e instanceof TypeError, typeError, code);
        assert.equal(e.name, typeError ? 'TypeError' : 'Error');
        assert.equal(e.code, code);
        const expected = rules.templates[i].replaceAll('{0}', 'A').replaceAll('{1}', 'B');
        assert.equal(e.message, `ZantaraWebSocket: ${expected}`, code);
        assert.equal(Object.hasOwn(e, 'excerpt'), code === 'BAD_FRAME', code);
      }
    });
  });

  test('{0} and {1} are filled in (the core\'s own examples)', () => {
    const e = makeError(codeIndex('INVALID_OPTION'), true, 'jitter', 'a number from 0 to 1');
    assert.equal(e.message, 'ZantaraWebSocket: option `jitter` must be a number from 0 to 1');
    assert.equal(makeError(codeIndex('QUEUE_FULL'), false, 3, 1024).message,
      'ZantaraWebSocket: outbound queue full (3 messages, 1024 bytes); message not queued');
    assert.equal(makeError(codeIndex('FREED'), false, undefined, undefined).message, 'ZantaraWebSocket: this client was freed');
    assert.equal(makeError(codeIndex('FRAME_TOO_LARGE'), false, 70000, 65536).message,
      'ZantaraWebSocket: frame of 70000 UTF-16 code units exceeds maxFrameSize 65536; discarded');
  });

  test('replacement patterns in the arguments ($&, $1, $$, $`, $\') appear literally', () => {
    const tricky = "$& $1 $$ $` $' $<x> $0";
    assert.equal(makeError(codeIndex('INVALID_ARGUMENT'), true, tricky).message, `ZantaraWebSocket: ${tricky}`);
    const e = makeError(codeIndex('INVALID_OPTION'), true, '$&', '$$');
    assert.equal(e.message, 'ZantaraWebSocket: option `$&` must be $$');
    const url = "wss://h/$'?q=$`";
    assert.equal(makeError(codeIndex('MIXED_CONTENT'), true, url).message,
      `ZantaraWebSocket: \`${url}\` is an insecure ws:// URL on an https:// page, which browsers refuse; use wss://`);
  });

  test('an argument holding {0} or {1} is not filled in again', () => {
    const e = makeError(codeIndex('INVALID_OPTION'), true, '{1}', '{0}');
    assert.equal(e.message, 'ZantaraWebSocket: option `{1}` must be {0}');
    assert.equal(makeError(codeIndex('INVALID_ARGUMENT'), true, '{0}{1}', 'B').message, 'ZantaraWebSocket: {0}{1}');
  });

  test('arguments go through String (numbers, a Symbol)', () => {
    assert.equal(makeError(codeIndex('INVALID_ARGUMENT'), true, Symbol('s')).message, 'ZantaraWebSocket: Symbol(s)');
    assert.equal(makeError(codeIndex('INVALID_ARGUMENT'), true, 1.5).message, 'ZantaraWebSocket: 1.5');
  });

  test('BAD_FRAME carries the excerpt (its {1}) as excerpt', () => {
    const excerpt = '{"type":"nope","x":"$&"}';
    const e = makeError(codeIndex('BAD_FRAME'), false, 'unknown type', excerpt);
    assert.equal(e.excerpt, excerpt);
    assert.equal(e.message, `ZantaraWebSocket: bad frame (unknown type): ${excerpt}`);
    assert.equal(e.code, 'BAD_FRAME');
    assert.ok(!(e instanceof TypeError));
  });
});

describe('objectKind, monotonicNow, wallOffset', () => {
  test('objectKind: 0 undefined or null, 1 an object, 2 anything else (arrays, functions, primitives), 3 unreadable', () => {
    assert.equal(objectKind(undefined), 0);
    assert.equal(objectKind(null), 0);
    for (const o of [{}, { a: 1 }, Object.create(null), new Proxy({}, {})]) assert.equal(objectKind(o), 1);
    for (const o of [[], [1], new Proxy([], {}), () => {}, 'str', 0, false, 1n, Symbol('s')]) assert.equal(objectKind(o), 2);
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    assert.equal(objectKind(proxy), 3);
  });

  test('monotonicNow is performance.now(); wallOffset plus it is Date.now()', () => {
    const p0 = performance.now();
    const m = monotonicNow();
    const p1 = performance.now();
    assert.ok(m >= p0 && m <= p1);
    const d0 = Date.now();
    const wall = wallOffset() + monotonicNow();
    const d1 = Date.now();
    assert.ok(wall >= d0 - 2 && wall <= d1 + 2, `${wall} within [${d0}, ${d1}]`);
  });
});

describe('counters and navigatorOnline', () => {
  test('counters names the hub\'s counts in order and reads the memory size', () => {
    const memory = new WebAssembly.Memory({ initial: 2 });
    assert.deepEqual(counters([1, 2, 3, 4, 5], 6, memory), {
      sockets: 1, timers: 2, listeners: 3, instances: 4, live: 5, socketsOpened: 6, wasmMemoryBytes: 2 * 65536,
    });
  });

  test('navigatorOnline is navigator.onLine, undefined without a navigator or when reading throws', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    try {
      Object.defineProperty(globalThis, 'navigator', { value: { onLine: false }, configurable: true });
      assert.equal(navigatorOnline(), false);
      Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
      assert.equal(navigatorOnline(), undefined);
      Object.defineProperty(globalThis, 'navigator', { get() { throw new Error('no'); }, configurable: true });
      assert.equal(navigatorOnline(), undefined);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete globalThis.navigator;
    }
  });
});
