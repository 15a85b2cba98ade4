// Shared pieces of the end-to-end tests: the reference server in-process, headless Chromium through
// playwright-core, timeouts on every await, and the server's control and admin routes.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
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
