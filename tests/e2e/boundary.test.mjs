// The boundary between page code and wasm, end to end on the release build (script tag) in Chromium:
// hostile input that throws while the SDK reads it (options, a token's `then`, a message's `toJSON` or
// getters) and user code that throws while the SDK calls it (channel handlers, `console.error`). A JS
// exception that unwinds through wasm frames leaks wasm's shadow stack, and after some thousands the
// module fails for every instance on the page (`RuntimeError: memory access out of bounds`), so each
// input runs often enough to reach that point, and the module is proven to work afterwards.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  assertFreshClientWorks, assertNothingLeft, clientsOf, control, fatalErrors, sdkPage, serverAndBrowser,
  settledCounters, waitForSubscriptions, waitUntil,
} from './helpers.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script-tag build defines it */

const env = serverAndBrowser();

/** Constructions per hostile `options` kind: past the ~960 leaked unwinds that broke the module. */
const CONSTRUCTIONS = 1310;

describe('options that throw while they are read', () => {
  const kinds = {
    revoked: 'a revoked Proxy',
    ownKeys: 'a Proxy whose ownKeys trap throws',
    closeCodes: 'a closeCodes getter that throws',
  };
  for (const [kind, name] of Object.entries(kinds)) {
    test(`${name}: ${CONSTRUCTIONS} constructions each throw TypeError INVALID_OPTION; the module still works`, async () => {
      const page = await sdkPage(env.browser, env.srv);
      const r = await page.evaluate(([kind, n]) => {
        const make = {
          revoked() {
            const { proxy, revoke } = Proxy.revocable({}, {});
            revoke();
            return proxy;
          },
          ownKeys: () => new Proxy({}, { ownKeys() { throw new Error('ownKeys'); } }),
          closeCodes: () => ({ get closeCodes() { throw new Error('closeCodes getter'); } }),
        }[kind];
        const outcomes = {};
        let namesCloseCodes = 0;
        for (let i = 0; i < n; i++) {
          const o = window.kit.outcome(() => {
            try {
              new ZantaraWebSocket('hostile-options', make());
            } catch (e) {
              if (typeof e?.message === 'string' && e.message.includes('closeCodes')) namesCloseCodes++;
              throw e;
            }
          });
          outcomes[o] = (outcomes[o] ?? 0) + 1;
        }
        return { outcomes, namesCloseCodes, instances: ZantaraWebSocket.debugCounters().instances };
      }, [kind, CONSTRUCTIONS]);
      assert.deepEqual(r.outcomes, { 'TypeError:INVALID_OPTION': CONSTRUCTIONS });
      if (kind === 'closeCodes') assert.equal(r.namesCloseCodes, CONSTRUCTIONS, 'the message names closeCodes');
      assert.equal(r.instances, 0);
      await assertFreshClientWorks(page, env.srv);
      assert.deepEqual(fatalErrors(page), []);
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  }
});

describe('user code that throws while the SDK calls it', () => {
  test('30,000 channel messages to a handler that throws, console.error throwing, no error listener', async () => {
    const user = 'flood-throw-e2e';
    const FRAMES = 30_000;
    const page = await sdkPage(env.browser, env.srv);
    await page.evaluate(async ([url, user]) => {
      window.flood = { handled: 0, consoleErrors: 0, connected: 0 };
      console.error = () => {
        window.flood.consoleErrors++;
        throw new Error('console.error throws too');
      };
      const ws = new ZantaraWebSocket(user, { wsUrl: url, reconnectInterval: 50, jitter: 0 });
      window.ws = ws;
      ws.on('connected', () => { window.flood.connected++; });
      ws.on('flood', () => {
        window.flood.handled++;
        throw new Error('handler throws');
      });
      const connected = window.kit.connected(ws);
      ws.subscribe('flood');
      await connected;
    }, [env.srv.ws, user]);
    const first = await waitForSubscriptions(env.srv, user, ['flood']);

    const t0 = Date.now();
    const { frames } = await control(env.srv, 'flood', { target: { userId: user }, channel: 'flood', count: FRAMES, size: 64 });
    assert.equal(frames, FRAMES);
    await page.waitForFunction((n) => window.flood.handled >= n, FRAMES, { timeout: 60_000 });
    console.log(`FIGURE ${FRAMES} throwing-handler messages handled in ${Date.now() - t0} ms`);
    const r = await page.evaluate(() => ({ ...window.flood, errors: window.ws.getStats().errors }));
    assert.equal(r.handled, FRAMES);
    assert.equal(r.errors, FRAMES, 'every throw counted in getStats().errors');
    assert.equal(r.consoleErrors, FRAMES, 'every throw reported to the (throwing) console');
    assert.deepEqual(page.errors, [], 'no page error escaped');

    await assertFreshClientWorks(page, env.srv);

    // The server drops it: it reconnects, resubscribes, and the old socket is closed at the server.
    await control(env.srv, 'terminate', { target: { userId: user } });
    await page.waitForFunction(() => window.flood.connected === 2);
    const second = await waitForSubscriptions(env.srv, user, ['flood'], 'the resubscription after the reconnect');
    assert.notEqual(second.clientId, first.clientId);
    const mine = await clientsOf(env.srv, user);
    assert.deepEqual(mine.map((c) => c.clientId), [second.clientId], 'only the new socket is open at the server');

    await page.evaluate(() => window.ws.free());
    assertNothingLeft(await settledCounters(page));
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('message data whose encoding runs page code', () => {
  /**
   * Connects `user`'s client, sends while open the data built by the page's `window.hostileData[kind](ws)`,
   * then frees it: returns the outcomes; asserts the server holds no connection of it afterwards.
   */
  async function sendThenFree(user, kind) {
    const page = await sdkPage(env.browser, env.srv);
    await page.evaluate(async ([url, user]) => {
      window.hostileData = {
        // Closes the socket while sendMessage encodes.
        toJSONDisconnects: (ws) => ({
          toJSON() {
            ws.disconnect();
            return 1;
          },
        }),
        // The page is being hidden while sendMessage encodes (the SDK closes the socket).
        getterPagehide: () => ({
          get data() {
            window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
            return 1;
          },
        }),
      };
      window.ws = new ZantaraWebSocket(user, { wsUrl: url });
      await window.kit.connected(window.ws);
    }, [env.srv.ws, user]);
    await waitUntil(async () => (await clientsOf(env.srv, user)).length === 1, { what: `${user} open at the server` });
    const r = await page.evaluate((kind) => {
      const { ws, kit } = window;
      const sent = kit.outcome(() => ws.sendMessage('c', window.hostileData[kind](ws)));
      const state = ws.state;
      const freed = kit.outcome(() => ws.free());
      return { sent, state, freed, after: kit.outcome(() => ws.state) };
    }, kind);
    await waitUntil(async () => (await clientsOf(env.srv, user)).length === 0, { what: `${user} closed at the server` });
    assertNothingLeft(await settledCounters(page));
    assert.deepEqual(fatalErrors(page), []);
    assert.deepEqual(page.errors, []);
    await page.close();
    return r;
  }

  test('sendMessage(c, {toJSON() { ws.disconnect(); return 1; }}) while open', async () => {
    const r = await sendThenFree('tojson-disconnect-e2e', 'toJSONDisconnects');
    assert.deepEqual(r, { sent: 'returned', state: 'closed', freed: 'returned', after: 'Error:FREED' });
  });

  test('sendMessage(c, data) whose `data` getter dispatches pagehide, while open', async () => {
    const r = await sendThenFree('getter-pagehide-e2e', 'getterPagehide');
    // A hidden page's client waits for pageshow to reconnect.
    assert.deepEqual(r, { sent: 'returned', state: 'reconnecting', freed: 'returned', after: 'Error:FREED' });
  });
});

describe('a token function whose result has a `then` getter that throws', () => {
  test('autoConnect: false, then connect(): one TOKEN_FAILED error event, instances back after free()', async () => {
    const page = await sdkPage(env.browser, env.srv);
    const r = await page.evaluate(async (url) => {
      const token = () => ({ get then() { throw new Error('then getter'); } });
      const before = ZantaraWebSocket.debugCounters();
      const ws = new ZantaraWebSocket('then-getter-e2e', { wsUrl: url, token, autoConnect: false, autoReconnect: false });
      const errors = [];
      ws.on('error', (e) => errors.push(`${e.name}:${e.code}`));
      const connect = window.kit.outcome(() => ws.connect());
      await window.kit.sleep(200);
      const state = ws.state;
      ws.free();
      const k = ZantaraWebSocket.debugCounters();
      return { connect, errors, state, instancesBefore: before.instances, instancesAfter: k.instances,
        opened: k.socketsOpened - before.socketsOpened };
    }, env.srv.ws);
    assert.deepEqual(r, {
      connect: 'returned', errors: ['Error:TOKEN_FAILED'], state: 'closed', instancesBefore: 0, instancesAfter: 0, opened: 0,
    });
    assertNothingLeft(await settledCounters(page));
    assert.deepEqual(page.errors, []);
    await page.close();
  });

  test('at construction (autoConnect): no uncaught error; retries fail with TOKEN_FAILED until free()', async () => {
    const page = await sdkPage(env.browser, env.srv);
    const r = await page.evaluate(async (url) => {
      const token = () => ({ get then() { throw new Error('then getter'); } });
      const errors = [];
      let ws;
      const built = window.kit.outcome(() => {
        ws = new ZantaraWebSocket('then-getter-auto-e2e', { wsUrl: url, token, reconnectInterval: 50, jitter: 0 });
      });
      ws.on('error', (e) => errors.push(`${e.name}:${e.code}`));
      await window.kit.until(() => errors.length >= 2, 5000, 'two retries');
      ws.free();
      return { built, codes: [...new Set(errors)], opened: ZantaraWebSocket.debugCounters().socketsOpened };
    }, env.srv.ws);
    assert.deepEqual(r, { built: 'returned', codes: ['Error:TOKEN_FAILED'], opened: 0 });
    assertNothingLeft(await settledCounters(page));
    // Before the page attached an `error` listener, the first failure went to the console.
    assert.deepEqual(page.errors.filter((t) => !/TOKEN_FAILED|token/i.test(t)), []);
    assert.deepEqual(fatalErrors(page), []);
    await page.close();
  });
});

describe('a handler that calls connect() on `closed` while the token keeps failing', () => {
  // Each failure closes the client (no reconnect left), and the handler connects again: the next
  // failure must come in a later task (as a socket's would), or the loop never yields and the page
  // freezes. The handler stops after LIMIT calls so that the test ends either way.
  const LIMIT = 5000;
  const kinds = {
    'the token function throws': ['throws', { autoReconnect: false }],
    'its promise rejects (maxReconnectAttempts: 0)': ['rejects', { maxReconnectAttempts: 0 }],
    'its result has a `then` getter that throws': ['thenGetter', { autoReconnect: false }],
  };
  for (const [name, [kind, extra]] of Object.entries(kinds)) {
    test(`${name}: no more than one connect() answered in the task that made it`, async () => {
      const page = await sdkPage(env.browser, env.srv);
      const r = await page.evaluate(async ([url, kind, extra, limit]) => {
        const token = {
          throws: () => { throw new Error('no token'); },
          rejects: () => Promise.reject(new Error('no token')),
          thenGetter: () => ({ get then() { throw new Error('then getter'); } }),
        }[kind];
        const ws = new ZantaraWebSocket('closed-loop-e2e', { wsUrl: url, token, autoConnect: false, ...extra });
        ws.on('error', () => {});
        let calls = 0;
        ws.on('state', (s) => {
          if (s.to === 'closed' && calls < limit) {
            calls++;
            ws.connect();
          }
        });
        let inFirstTask = -1;
        setTimeout(() => { inFirstTask = calls; }, 0);
        ws.connect();
        await window.kit.sleep(100);
        const total = calls;
        ws.free();
        return { inFirstTask, looped: total > 0 };
      }, [env.srv.ws, kind, extra, LIMIT]);
      assert.ok(r.inFirstTask <= 1, `${r.inFirstTask} connect() calls answered in one task (a synchronous loop)`);
      assert.equal(r.looped, true, 'the handler ran');
      assertNothingLeft(await settledCounters(page));
      assert.deepEqual(fatalErrors(page), []);
      await page.close();
    });
  }
});
