// Reliability end to end, on the release build loaded by a script tag: Playwright's offline mode
// (the browser's own network emulation, not synthetic events), and what calls after free() do.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { broadcast, clientsOf, control, launchBrowser, newPage, quietWindow, startRefServer, waitUntil } from './helpers.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script-tag build defines it */

let srv;
let browser;

before(async () => {
  srv = await startRefServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** A same-origin page with the script-tag build loaded and `window.log` recording events. */
async function sdkPage() {
  const page = await newPage(browser);
  await page.goto(`${srv.http}/pkg/package.json`);
  await page.addScriptTag({ url: '/pkg/zantara-websocket.js' });
  await page.evaluate(() => {
    window.log = [];
    window.record = (ws) => {
      for (const e of ['connected', 'disconnected', 'reconnecting', 'state', 'error']) {
        ws.on(e, (p) => window.log.push({ e, p }));
      }
      return ws;
    };
  });
  return page;
}

const count = (page, e) => page.evaluate((name) => window.log.filter((x) => x.e === name).length, e);

describe('offline mode (Playwright)', () => {
  test('no attempt while the browser is offline, an attempt at once when it is back', async () => {
    const user = 'offline-e2e';
    const page = await sdkPage();
    await page.evaluate(([url, user]) => {
      window.ws = window.record(new ZantaraWebSocket(user, {
        wsUrl: url, reconnectInterval: 4000, maxReconnectInterval: 4000, jitter: 0,
      }));
    }, [srv.ws, user]);
    await page.waitForFunction(() => window.log.some((x) => x.e === 'connected'));

    await page.context().setOffline(true);
    await page.waitForFunction(() => window.ws.getStats().online === false);
    // The server drops the connection while the browser is offline.
    await control(srv, 'terminate', { target: { userId: user } });
    await page.waitForFunction(() => window.log.some((x) => x.e === 'disconnected'));
    const opened = await page.evaluate(() => ZantaraWebSocket.debugCounters().socketsOpened);
    await quietWindow(600);
    assert.equal(await count(page, 'reconnecting'), 0, 'no attempt while offline');
    assert.equal(await page.evaluate(() => ZantaraWebSocket.debugCounters().socketsOpened), opened);
    assert.equal(await page.evaluate(() => window.ws.state), 'reconnecting');

    // Back online: connected well before the 4 s reconnect delay.
    const t0 = Date.now();
    await page.context().setOffline(false);
    await page.waitForFunction(() => window.log.filter((x) => x.e === 'connected').length === 2, null, { timeout: 3000 });
    const first = await page.evaluate(() => window.log.find((x) => x.e === 'reconnecting').p);
    assert.deepEqual(first, { attempt: 1, delay: 0 });
    console.log(`FIGURE Playwright offline -> online -> connected: ${Date.now() - t0} ms`);
    await waitUntil(async () => (await clientsOf(srv, user)).length === 1, { what: 'one connection' });
    await page.evaluate(() => window.ws.disconnect());
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('calls after free()', () => {
  test('free() disconnects; later calls throw a clear Error and nothing panics', async () => {
    const user = 'free-e2e';
    const page = await sdkPage();
    await page.evaluate(([url, user]) => {
      window.ws = window.record(new ZantaraWebSocket(user, { wsUrl: url }));
    }, [srv.ws, user]);
    await page.waitForFunction(() => window.log.some((x) => x.e === 'connected'));
    const results = await page.evaluate(() => {
      window.ws.free();
      const out = {};
      for (const [name, call] of Object.entries({
        subscribe: () => window.ws.subscribe('chat'),
        sendMessage: () => window.ws.sendMessage('chat', 1),
        getStats: () => window.ws.getStats(),
        state: () => window.ws.state,
        disconnect: () => window.ws.disconnect(),
      })) {
        try {
          call();
          out[name] = 'returned';
        } catch (e) {
          out[name] = e instanceof Error ? 'Error' : typeof e;
        }
      }
      window.ws.free(); // a second free() does nothing
      return out;
    });
    for (const [name, outcome] of Object.entries(results)) assert.equal(outcome, 'Error', name);
    await waitUntil(async () => (await clientsOf(srv, user)).length === 0, { what: 'socket closed by free()' });
    // The module still works: a new client connects.
    await page.evaluate(([url]) => { window.ws2 = window.record(new ZantaraWebSocket('after-free', { wsUrl: url })); }, [srv.ws]);
    await page.waitForFunction(() => window.log.filter((x) => x.e === 'connected').length === 2);
    const k = await page.evaluate(() => { window.ws2.disconnect(); return ZantaraWebSocket.debugCounters(); });
    assert.equal(k.sockets, 0);
    assert.equal(k.live, 0);
    await page.close();
  });
});

describe('re-entrancy', () => {
  test('a channel handler that disconnects while the next one throws: no uncaught error, nothing left', async () => {
    const user = 'reentrant-e2e';
    const page = await sdkPage();
    await page.evaluate(([url, user]) => {
      window.ws = window.record(new ZantaraWebSocket(user, { wsUrl: url }));
      window.ws.on('room', () => window.ws.disconnect());
      window.ws.on('room', () => { throw new Error('thrown after disconnect'); });
      window.ws.subscribe('room');
    }, [srv.ws, user]);
    await page.waitForFunction(() => window.log.some((x) => x.e === 'connected'));
    await waitUntil(async () => (await clientsOf(srv, user))[0]?.channels.includes('room'), { what: 'subscribed' });
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await broadcast(srv, 'room', { n: 1 });
    await page.waitForFunction(() => window.ws.state === 'closed');
    await waitUntil(() => consoleErrors.some((t) => t.includes('thrown after disconnect')), { what: 'the error on the console' });
    const uncaught = page.errors.filter((t) => !t.includes('thrown after disconnect'));
    assert.deepEqual(uncaught, []);
    const k = await page.evaluate(() => ZantaraWebSocket.debugCounters());
    assert.equal(k.sockets, 0);
    assert.equal(k.timers, 0);
    await page.close();
  });
});
