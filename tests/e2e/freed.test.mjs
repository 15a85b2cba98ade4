// Calls on a freed client, end to end on the release build (script tag) in Chromium: each throws a
// JS `Error` with `code: 'FREED'` before entering wasm (entering it with a freed object would throw
// from inside wasm and leak its shadow stack, until the module fails for every instance on the page),
// and `free()` called from page code that the instance's own call runs (a handler, a `toJSON`) works.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  assertFreshClientWorks, assertNothingLeft, clientsOf, fatalErrors, sdkPage, serverAndBrowser, settledCounters,
  waitUntil,
} from './helpers.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script-tag build defines it */

const env = serverAndBrowser();

/** Calls on the freed instance: far past the few thousand leaked unwinds that broke the module. */
const CALLS = 22_000;

describe('calls after free()', () => {
  test(`${CALLS.toLocaleString('en')} calls of every member on a freed client each throw FREED; others still work`, async () => {
    const user = 'freed-calls-e2e';
    const page = await sdkPage(env.browser, env.srv);
    await page.evaluate(async ([url, user]) => {
      window.ws = new ZantaraWebSocket(user, { wsUrl: url });
      await window.kit.connected(window.ws);
    }, [env.srv.ws, user]);
    await waitUntil(async () => (await clientsOf(env.srv, user)).length === 1, { what: 'connected at the server' });

    const r = await page.evaluate((n) => {
      const { ws, kit } = window;
      ws.free();
      // Every member of the class and of the generated class it extends, found by walking them.
      const members = new Map();
      for (let p = ZantaraWebSocket.prototype; p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        for (const key of Reflect.ownKeys(p)) {
          if (key === 'constructor' || key === 'free' || key === Symbol.dispose || members.has(key)) continue;
          if (typeof key === 'string' && key.startsWith('__')) continue; // the glue's own helpers
          const d = Object.getOwnPropertyDescriptor(p, key);
          members.set(key, d.get ? 'get' : 'call');
        }
      }
      const args = [[], ['chat'], ['chat', { a: 1 }], ['connected', () => {}], [undefined, null], [Symbol('s'), 1n]];
      const outcomes = {};
      const messages = new Set();
      const list = [...members];
      for (let i = 0; i < n; i++) {
        const [key, how] = list[i % list.length];
        const a = args[i % args.length];
        const o = kit.outcome(() => {
          try {
            if (how === 'get') return ws[key];
            return ws[key](...a);
          } catch (e) {
            messages.add(e?.message);
            throw e;
          }
        });
        outcomes[o] = (outcomes[o] ?? 0) + 1;
      }
      const again = [kit.outcome(() => ws.free()), kit.outcome(() => ws.free()), kit.outcome(() => ws[Symbol.dispose]())];
      return { members: list.map(([k]) => String(k)).sort(), outcomes, messages: [...messages], again };
    }, CALLS);
    assert.deepEqual(r.members, [
      'cancel', 'connect', 'disconnect', 'getStats', 'isConnected', 'off', 'on', 'once', 'request', 'sendMessage', 'sendRequest',
      'sendWithAck', 'shutDown', 'state', 'stream', 'subscribe', 'subscriptions', 'unsubscribe',
    ]);
    assert.deepEqual(r.outcomes, { 'Error:FREED': CALLS });
    assert.deepEqual(r.messages, ['ZantaraWebSocket: this client was freed']);
    assert.deepEqual(r.again, ['returned', 'returned', 'returned'], 'free() and Symbol.dispose again do nothing');
    await waitUntil(async () => (await clientsOf(env.srv, user)).length === 0, { what: 'closed at the server' });
    assertNothingLeft(await settledCounters(page));
    await assertFreshClientWorks(page, env.srv);
    assert.deepEqual(fatalErrors(page), []);
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('Symbol.dispose frees like free(): disconnects, then calls throw FREED', async () => {
    const user = 'dispose-e2e';
    const page = await sdkPage(env.browser, env.srv);
    const r = await page.evaluate(async ([url, user]) => {
      const ws = new ZantaraWebSocket(user, { wsUrl: url });
      await window.kit.connected(ws);
      const disposed = window.kit.outcome(() => ws[Symbol.dispose]());
      return { disposed, state: window.kit.outcome(() => ws.state), dispose: ZantaraWebSocket.prototype[Symbol.dispose].name };
    }, [env.srv.ws, user]);
    assert.deepEqual(r, { disposed: 'returned', state: 'Error:FREED', dispose: 'free' });
    await waitUntil(async () => (await clientsOf(env.srv, user)).length === 0, { what: 'closed at the server' });
    assertNothingLeft(await settledCounters(page));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('free() from page code run by one of the instance\'s own calls', () => {
  // How the page reaches free() while a call of the same instance is still running in wasm; whether
  // the client is connected first.
  const ways = {
    stateInConnect: ['a state handler run by connect()', false],
    toJSONInSend: ['a toJSON run by sendMessage() while open', true],
    disconnectedInDisconnect: ['a disconnected handler run by disconnect()', true],
  };
  for (const [way, [name, connectFirst]] of Object.entries(ways)) {
    test(`${name}: free() returns, the object is released when the call returns, nothing is left`, async () => {
      const page = await sdkPage(env.browser, env.srv);
      const user = `free-inside-${way}-e2e`;
      const r = await page.evaluate(async ([url, user, way, connectFirst]) => {
        const ws = new ZantaraWebSocket(user, { wsUrl: url, autoConnect: connectFirst });
        if (connectFirst) await window.kit.connected(ws);
        // Past the constructor's turn, whose events are handed over from a microtask: the call's own
        // handlers then run inside it.
        else await new Promise((resolve) => setTimeout(resolve, 0));
        const errors = [];
        ws.on('error', (e) => errors.push(`${e.name}:${e.code}`));
        const run = {
          stateInConnect() {
            ws.on('state', (s) => { if (s.to === 'connecting') ws.free(); });
            ws.connect();
          },
          toJSONInSend: () => ws.sendMessage('c', { toJSON() { ws.free(); return 1; } }),
          disconnectedInDisconnect() {
            ws.on('disconnected', () => ws.free());
            ws.disconnect();
          },
        }[way];
        const call = window.kit.outcome(run);
        return { call, errors, after: window.kit.outcome(() => ws.isConnected()) };
      }, [env.srv.ws, user, way, connectFirst]);
      assert.deepEqual(r, { call: 'returned', errors: [], after: 'Error:FREED' });
      await waitUntil(async () => (await clientsOf(env.srv, user)).length === 0, { what: 'closed at the server' });
      assertNothingLeft(await settledCounters(page));
      assert.deepEqual(fatalErrors(page), []);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});
