// Shared pieces of the end-to-end tests: the reference server in-process, headless Chromium through
// playwright-core, timeouts on every await, and the server's control and admin routes.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startServer } from '../../www/server/server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PKG = path.join(ROOT, 'pkg');
export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');

/** Default bound of one await in these tests. */
export const STEP_MS = 10_000;

/** The Chromium flags that work on this machine (root, closed network). */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
  '--js-flags=--expose-gc', // window.gc(), for the garbage-collection test
];

/** Races `promise` against `ms`; the error names `what` timed out. */
export async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` (sync or async) until it returns a truthy value, at most `timeout` ms; for state
 * that only the server knows (no event reaches the test). Returns the value.
 */
export async function waitUntil(check, { timeout = STEP_MS, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await withTimeout(Promise.resolve(check()), timeout, what);
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * A bounded quiet window: the time within which something that should NOT happen would have
 * happened. Tests read counters after it to prove absence; it never stands in for an event.
 */
export const quietWindow = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the reference server (fault routes on, silent). */
export async function startRefServer() {
  if (!existsSync(path.join(PKG, 'zantara-websocket.js'))) {
    throw new Error('pkg/ is not built: run `node scripts/build.mjs` first');
  }
  return withTimeout(startServer({ port: 0, faults: true, log: null }), STEP_MS, 'reference server start');
}

async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  });
  const json = await res.json();
  if (!res.ok || json.ok === false) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A loopback port nobody listens on (just closed; free for a server to take, or to refuse a client). */
export async function freePort() {
  const s = net.createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** `POST /__control/<route>` (or GET for `clients`). */
export async function control(srv, route, body = {}) {
  if (route === 'clients') {
    const res = await fetch(`${srv.http}/__control/clients`, { signal: AbortSignal.timeout(STEP_MS) });
    return res.json();
  }
  return postJson(`${srv.http}/__control/${route}`, body);
}

/** The admin call `websocket.broadcast`; returns how many clients got it. */
export async function broadcast(srv, channel, data) {
  const { data: result } = await postJson(`${srv.http}/call`, { key: 'websocket.broadcast', params: { channel, data } });
  return result.delivered;
}

/** Open connections of `userId` as the server lists them. */
export async function clientsOf(srv, userId) {
  const { clients } = await control(srv, 'clients');
  return clients.filter((c) => c.userId === userId);
}

/** Waits until `userId` has one open connection subscribed to every channel of `channels`. */
export async function waitForSubscriptions(srv, userId, channels, what = `${userId} subscribed to ${channels}`) {
  return waitUntil(async () => {
    const mine = await clientsOf(srv, userId);
    return mine.find((c) => channels.every((ch) => c.channels.includes(ch)));
  }, { what });
}

/** Launches headless Chromium (Debian's, never a downloaded one). */
export async function launchBrowser() {
  return withTimeout(chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }), 30_000,
    'Chromium launch');
}

/**
 * A new page whose uncaught errors are collected in `page.errors` (tests assert it stays empty)
 * and whose playwright calls time out after STEP_MS.
 */
export async function newPage(browser, opts = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...opts });
  page.setDefaultTimeout(STEP_MS);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/favicon|Failed to load resource/.test(msg.text())) page.errors.push(msg.text());
  });
  return page;
}

/** Saves a full-page screenshot to artifacts/screenshots/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Runs a command, bounded by `timeout`; resolves with {stdout, stderr}, rejects with both on failure. */
export function sh(cmd, args, { cwd = ROOT, timeout = 120_000, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        reject(err);
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

// ----- pages with the SDK, for the boundary, resource and fuzz tests -----------------------------

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script-tag build defines it */

/**
 * A page of the reference server's origin with the script-tag build loaded (`window.ZantaraWebSocket`)
 * and `window.kit`, small in-page helpers:
 *  - `kit.connected(ws)`  a promise of the client's next `connected` event (`once`);
 *  - `kit.until(check, ms, what)`  resolves when `check()` is truthy, polled every 10 ms, rejects after `ms`;
 *  - `kit.sleep(ms)`;
 *  - `kit.outcome(call)`  runs `call()`: `'returned'`, or what it threw as `Name:code` (`Name:-` without a code).
 */
export async function sdkPage(browser, srv) {
  const page = await newPage(browser);
  await page.goto(`${srv.http}/pkg/package.json`);
  await page.addScriptTag({ url: '/pkg/zantara-websocket.js' });
  await page.evaluate(() => {
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    window.kit = {
      sleep,
      connected: (ws) => new Promise((resolve) => ws.once('connected', resolve)),
      async until(check, ms = 10_000, what = 'condition') {
        const deadline = Date.now() + ms;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
          await sleep(10);
        }
      },
      outcome(call) {
        try {
          call();
          return 'returned';
        } catch (e) {
          const name = e instanceof Error ? e.name : typeof e;
          return `${name}:${e?.code ?? '-'}`;
        }
      },
    };
  });
  return page;
}

/**
 * What `page.errors` holds that says the wasm module broke (a trap, a panic) or that wasm-bindgen's glue
 * refused a call (a freed or borrowed object, a dropped closure): each of those throws from inside wasm.
 */
const FATAL = /RuntimeError|unreachable|memory access|panicked|null pointer passed|recursive use|take ownership|closure invoked/i;
export const fatalErrors = (page) => page.errors.filter((t) => FATAL.test(t));

let freshCount = 0;

/**
 * Proves the page's module still works: a new client connects, subscribes to a channel of its own,
 * receives exactly one broadcast (after a quiet window, still one) and is freed.
 */
export async function assertFreshClientWorks(page, srv) {
  const user = `fresh-${++freshCount}-${Date.now()}`;
  const channel = `fresh-ch-${freshCount}`;
  await page.evaluate(async ([url, user, channel]) => {
    window.fresh = { got: [] };
    const ws = new ZantaraWebSocket(user, { wsUrl: url });
    window.fresh.ws = ws;
    ws.on(channel, (d) => window.fresh.got.push(d));
    const connected = window.kit.connected(ws);
    ws.subscribe(channel);
    await connected;
  }, [srv.ws, user, channel]);
  await waitForSubscriptions(srv, user, [channel]);
  assert.equal(await broadcast(srv, channel, { n: 1 }), 1, 'the server delivered the broadcast once');
  await page.waitForFunction(() => window.fresh.got.length >= 1);
  await quietWindow(100);
  assert.deepEqual(await page.evaluate(() => window.fresh.got), [{ n: 1 }]);
  await page.evaluate(() => window.fresh.ws.free());
  await waitUntil(async () => (await clientsOf(srv, user)).length === 0, { what: `${user} closed at the server` });
}

/**
 * `debugCounters()` after a bounded quiet window (in which a leftover would show), with the fields
 * that must be 0 when every client is freed (`instances` relative to `baseline`).
 */
export async function settledCounters(page, quietMs = 300) {
  await quietWindow(quietMs);
  return page.evaluate(() => ZantaraWebSocket.debugCounters());
}

/** Asserts that nothing of any client is left: no socket, timer, listener, live or extra instance. */
export function assertNothingLeft(k, baselineInstances = 0, what = 'counters') {
  assert.deepEqual(
    { sockets: k.sockets, timers: k.timers, listeners: k.listeners, live: k.live, instances: k.instances },
    { sockets: 0, timers: 0, listeners: 0, live: 0, instances: baselineInstances },
    what,
  );
}

/**
 * Starts the reference server and Chromium before the calling file's tests and stops them after;
 * returns `{srv, browser}`, filled in once they are up. Call it at the top level of a test file.
 */
export function serverAndBrowser() {
  const env = { srv: null, browser: null };
  before(async () => {
    env.srv = await startRefServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.srv?.close();
  });
  return env;
}
