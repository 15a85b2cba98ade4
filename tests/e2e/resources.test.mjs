// What a client leaves behind, end to end on the release build (script tag) in Chromium: after `free()`
// (even with handlers that call `connect()` while it disconnects), after `free()` or `disconnect()` and
// garbage collection while a token promise is pending, and after a refused huge channel name. Absence
// is proven by `debugCounters()` and the server's own list after a bounded quiet window.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  assertNothingLeft, clientsOf, fatalErrors, quietWindow, sdkPage, serverAndBrowser, settledCounters,
} from './helpers.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script-tag build defines it */

const env = serverAndBrowser();

/** Long enough for a reconnect (50 ms delay) or a socket's handshake to show at the server. */
const QUIET_MS = 500;

describe('free() with handlers that call connect() while it disconnects', () => {
  const handlers = {
    disconnected: 'ws.on(\'disconnected\', () => ws.connect())',
    state: 'ws.on(\'state\', (s) => { if (s.to === \'closed\') ws.connect(); })',
  };
  for (const [kind, name] of Object.entries(handlers)) {
    test(`${name}; ws.free(): no socket, timer, listener or live instance; 0 connections at the server`, async () => {
      const user = `resurrect-${kind}-e2e`;
      const page = await sdkPage(env.browser, env.srv);
      const r = await page.evaluate(async ([url, user, kind]) => {
        const ws = new ZantaraWebSocket(user, { wsUrl: url, reconnectInterval: 50, jitter: 0 });
        await window.kit.connected(ws);
        const calls = { connect: 0 };
        const connect = () => {
          calls.connect++;
          ws.connect();
        };
        if (kind === 'disconnected') ws.on('disconnected', connect);
        else ws.on('state', (s) => { if (s.to === 'closed') connect(); });
        const opened = ZantaraWebSocket.debugCounters().socketsOpened;
        ws.free();
        await window.kit.sleep(0);
        return { ...calls, opened: ZantaraWebSocket.debugCounters().socketsOpened - opened };
      }, [env.srv.ws, user, kind]);
      assert.deepEqual(r, { connect: 1, opened: 0 }, 'the handler ran, its connect() opened nothing');
      const k = await settledCounters(page, QUIET_MS);
      assertNothingLeft(k);
      assert.deepEqual(await clientsOf(env.srv, user), [], 'no connection of the user at the server');
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});

describe('a token promise that settles after the client stopped', () => {
  /**
   * In a new page: a client whose token function returns a promise the test resolves (`window.resolveToken`),
   * connecting; `stop` (page-side name) runs while the promise is pending; then the promise resolves.
   * Returns what the page saw; asserts nothing is left and no page error appeared.
   */
  async function settleAfter(stop, options = {}) {
    const page = await sdkPage(env.browser, env.srv);
    const r = await page.evaluate(async ([url, stop, options]) => {
      let resolveToken;
      const token = () => new Promise((resolve) => { resolveToken = resolve; });
      let ws = new ZantaraWebSocket(`token-${stop}-e2e`, { wsUrl: url, token, ...options });
      await window.kit.until(() => resolveToken, 2000, 'the token function called');
      const before = ZantaraWebSocket.debugCounters();
      const pending = before.listeners; // the page's 5 listeners and the pending token promise
      if (stop === 'free') {
        ws.free();
        ws = null;
      } else {
        ws.disconnect();
        if (stop === 'disconnectGc') {
          ws = null; // the only reference: the wrapper is collected, and wasm-bindgen's finalizer frees it
          for (let i = 0; i < 50 && ZantaraWebSocket.debugCounters().instances > 0; i++) {
            window.gc();
            await window.kit.sleep(20);
          }
        }
      }
      resolveToken('the-token');
      await window.kit.sleep(200);
      const k = ZantaraWebSocket.debugCounters();
      const result = { pending, opened: k.socketsOpened - before.socketsOpened, listeners: k.listeners };
      if (ws) {
        result.state = ws.state;
        ws.free();
      }
      return result;
    }, [env.srv.ws, stop, options]);
    assertNothingLeft(await settledCounters(page), 0, `counters after ${stop}`);
    assert.deepEqual(fatalErrors(page), []);
    assert.deepEqual(page.errors, [], 'no page error (a closure invoked after being dropped would show here)');
    await page.close();
    return r;
  }

  test('free() while the token promise is pending, then it resolves: nothing opened, no page error', async () => {
    assert.deepEqual(await settleAfter('free'), { pending: 6, opened: 0, listeners: 0 });
  });

  test('disconnect() and garbage collection while it is pending, then it resolves: nothing opened', async () => {
    assert.deepEqual(await settleAfter('disconnectGc'), { pending: 6, opened: 0, listeners: 0 });
  });

  test('disconnect() with autoReconnect: false while it is pending, then it resolves: no socket opened', async () => {
    assert.deepEqual(await settleAfter('disconnect', { autoReconnect: false }),
      { pending: 6, opened: 0, listeners: 0, state: 'closed' });
  });
});

describe('a huge channel name', () => {
  test('subscribe() with a 64 MiB channel name: INVALID_CHANNEL, wasm memory grows by less than 1 MiB', async () => {
    const page = await sdkPage(env.browser, env.srv);
    const r = await page.evaluate((url) => {
      const ws = new ZantaraWebSocket('huge-channel-e2e', { wsUrl: url, autoConnect: false });
      const huge = 'x'.repeat(64 * 1024 * 1024);
      const before = ZantaraWebSocket.debugCounters().wasmMemoryBytes;
      const outcome = window.kit.outcome(() => ws.subscribe(huge));
      const grown = ZantaraWebSocket.debugCounters().wasmMemoryBytes - before;
      const subscriptions = ws.subscriptions.size;
      ws.free();
      return { outcome, grown, subscriptions };
    }, env.srv.ws);
    console.log(`FIGURE subscribe(64 MiB name): wasm memory grew by ${r.grown} bytes`);
    assert.equal(r.outcome, 'TypeError:INVALID_CHANNEL');
    assert.equal(r.subscriptions, 0);
    assert.ok(r.grown < 1024 * 1024, `wasm memory grew by ${r.grown} bytes`);
    await quietWindow(100);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
