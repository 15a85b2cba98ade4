// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): the small helpers the wasm side calls (welcome, iso,
// describe, tokenKind, awaitToken, entries, consoleError, consoleLog); none may throw.
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { awaitToken, consoleError, consoleLog, describe as describeError, entries, iso, setRules, tokenKind, welcome } from '../../src/shell/boundary.js';
import { rules, withConsole } from './support.mjs';

before(() => setRules(rules));

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
    await new Promise((r) => setTimeout(r, 5)); // failures come from a timer task
    assert.deepEqual(calls, [['err', reason]]);
    // A thenable whose then throws, and a promise whose constructor getter throws, are rejections too.
    const calls2 = [];
    const boom = new Error('then threw');
    awaitToken({ then() { throw boom; } }, (v) => calls2.push(['ok', v]), (e) => calls2.push(['err', e]));
    const hostile = Promise.resolve('x');
    const boom2 = new Error('constructor getter');
    Object.defineProperty(hostile, 'constructor', { get() { throw boom2; } });
    awaitToken(hostile, (v) => calls2.push(['ok', v]), (e) => calls2.push(['err', e]));
    await new Promise((r) => setTimeout(r, 5));
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
