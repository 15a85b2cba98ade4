// Platform failures that say what to do (issue 14): a page whose Content-Security-Policy lacks
// 'wasm-unsafe-eval' gets an error naming it (and warning off 'unsafe-eval'), from the script-tag
// file and from the /web entry; the /web entry given an HTML page for its .wasm (what Vite's dev
// server serves without the documented exclude) names the optimizeDeps.exclude fix. Headless
// Chromium against the reference server, the page's CSP set by intercepting its HTML.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newPage, serverAndBrowser } from './helpers.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page */

const env = serverAndBrowser();

/** A page of the server's origin served with `csp` (null: none) that loads `script`, if any. */
async function pageWith(csp, script) {
  const page = await newPage(env.browser);
  const url = `${env.srv.http}/platform-errors.html`;
  await page.route(url, (route) => route.fulfill({
    status: 200,
    headers: { 'content-type': 'text/html', ...(csp ? { 'content-security-policy': csp } : {}) },
    body: `<!doctype html><title>t</title>${script ? `<script src="${script}"></script>` : ''}`,
  }));
  await page.goto(url);
  return page;
}

/** What `new ZantaraWebSocket()` (script tag) throws in the page: [name, message], or null. */
const constructing = (page) => page.evaluate(() => {
  try {
    new ZantaraWebSocket('csp', { autoConnect: false }).free();
    return null;
  } catch (e) {
    return [e.name, e.message, e.cause?.message ?? null];
  }
});

test("a CSP without 'wasm-unsafe-eval': the error names it, and warns against 'unsafe-eval'", async () => {
  const blocked = await pageWith("script-src 'self'", '/pkg/zantara-websocket.js');
  const [name, message, cause] = await constructing(blocked);
  assert.equal(name, 'CompileError');
  assert.match(message, /^ZantaraWebSocket: the page's CSP must allow 'wasm-unsafe-eval' in script-src \(not 'unsafe-eval'\)\. /);
  assert.ok(cause && message.endsWith(cause), 'the browser\'s own message follows, and is the cause');
  // The /web entry under the same policy: init() rejects with the same advice.
  const web = await blocked.evaluate(async () => {
    const m = await import('/pkg/web.js');
    return m.init().then(() => null, (e) => e.message);
  });
  assert.match(web, /^ZantaraWebSocket: the page's CSP must allow 'wasm-unsafe-eval'/);
  await blocked.close();

  const allowed = await pageWith("script-src 'self' 'wasm-unsafe-eval'", '/pkg/zantara-websocket.js');
  assert.equal(await constructing(allowed), null, "with 'wasm-unsafe-eval' it works");
  assert.deepEqual(allowed.errors, []);
  await allowed.close();
});

test('the /web entry given an HTML page for its .wasm names the Vite optimizeDeps.exclude fix', async () => {
  const page = await pageWith(null, null);
  const message = await page.evaluate(async () => {
    const m = await import('/pkg/web.js');
    return m.init('/websocket-demo.html').then(() => null, (e) => `${e.name}: ${e.message}`);
  });
  assert.match(message, /^CompileError: ZantaraWebSocket: the \.wasm URL served no wasm: under Vite's dev server add optimizeDeps\.exclude \['zantara-websocket'\]\. /);
  assert.match(message, /expected magic word 00 61 73 6d, found 3c 21 44 4f|expected magic word 00 61 73 6d, found 3c 21 64 6f/);
  // A later init() with the right file still works (the failure is not cached).
  assert.equal(await page.evaluate(async () => (await import('/pkg/web.js')).init().then(() => 'ok')), 'ok');
  await page.close();
});

test('events of the constructor\'s turn reach handlers attached right after `new`, in order', async () => {
  const { sdkPage } = await import('./helpers.mjs');
  const page = await sdkPage(env.browser, env.srv);
  const seen = await page.evaluate(async (url) => {
    const log = [];
    // The token function throws inside the constructor's first attempt: TOKEN_FAILED, before any
    // handler could be attached. It must not be lost.
    const ws = new ZantaraWebSocket('ctor', { wsUrl: url, token: () => { throw new Error('no session yet'); }, reconnectInterval: 50, maxReconnectAttempts: 0 });
    ws.on('error', (e) => log.push(['error', e.code]));
    ws.on('state', (s) => log.push(['state', s.to]));
    const sync = log.length; // nothing is delivered inside the constructor's turn...
    await new Promise((resolve) => setTimeout(resolve, 300));
    ws.free();
    return { sync, log };
  }, env.srv.ws);
  assert.equal(seen.sync, 0);
  // ...and all of it right after: the attempt's state, its error, then what followed.
  assert.deepEqual(seen.log.slice(0, 2), [['state', 'connecting'], ['error', 'TOKEN_FAILED']]);
  assert.ok(seen.log.some(([k, v]) => k === 'state' && v === 'closed'), JSON.stringify(seen.log));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a socket the page's CSP connect-src blocks: SOCKET_FAILED naming connect-src within a second", async () => {
  const page = await pageWith("connect-src 'self'", '/pkg/zantara-websocket.js');
  const r = await page.evaluate(async () => {
    const t0 = performance.now();
    // Another origin than the page's: connect-src 'self' blocks it (Chromium fires `error`, never `close`).
    const ws = new ZantaraWebSocket('csp-connect', { wsUrl: 'ws://127.0.0.1:9/ws', reconnectInterval: 5000 });
    const e = await new Promise((resolve) => ws.on('error', resolve));
    ws.free();
    return { code: e.code, message: e.message, ms: performance.now() - t0 };
  });
  assert.equal(r.code, 'SOCKET_FAILED');
  assert.match(r.message, /Content-Security-Policy connect-src/);
  assert.ok(r.ms < 1500, `reported after ${Math.round(r.ms)} ms`);
  await page.close();
});
