// Next.js 16, app router (issue 14): an app whose page is the README's React snippet, built from the
// packed tarball, run with `next dev` and with `next build` + `next start`, each opened in headless
// Chromium: one socket at the reference server, a channel message rendered, the hooks hydrated with
// no mismatch (no hydration error or React #418 in the console).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  PKG, ROOT, broadcast, clientsOf, freePort, launchBrowser, newPage, sh, startRefServer, waitForSubscriptions, waitUntil,
} from './helpers.mjs';

const NEXT = path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');
const USER = 'next-user@example.com';
let srv;
let browser;
let app;
const children = [];

before(async () => {
  app = mkdtempSync(path.join(ROOT, '.tmp', 'next-app-'));
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', app], { cwd: PKG, timeout: 60_000 });
  const tarball = JSON.parse(stdout)[0].filename;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'next-app', private: true }));
  // Next and React resolve from the repository's node_modules; the app installs only the tarball.
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps', `./${tarball}`], { cwd: app, timeout: 180_000 });
  cpSync(path.join(ROOT, 'tests', 'e2e', 'apps', 'next', 'app'), path.join(app, 'app'), { recursive: true });
  srv = await startRefServer();
  browser = await launchBrowser();
});

after(async () => {
  for (const child of children) stop(child);
  await browser?.close();
  await srv?.close();
  if (app && !process.env.KEEP_APP) rmSync(app, { recursive: true, force: true });
});

const env = () => ({ ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_PUBLIC_ZANTARA_WS_URL: srv.ws });

/** `next <args>` in the app, in its own process group (stopped with `stop`), with its output kept. */
function next(args) {
  const child = spawn(process.execPath, [NEXT, ...args], { cwd: app, env: env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.out = '';
  child.stdout.on('data', (d) => { child.out += d; });
  child.stderr.on('data', (d) => { child.out += d; });
  children.push(child);
  return child;
}

function stop(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Opens the app at `port` and checks what a user sees: one socket, a message rendered, no hydration error. */
async function check(port, what) {
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(base, { signal: AbortSignal.timeout(5_000) }).catch(() => null))?.ok, { timeout: 120_000, what: `${what} serving` });
  const page = await newPage(browser);
  const logs = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  await page.goto(base, { timeout: 120_000 });
  await page.waitForSelector('#send:text("open")', { timeout: 60_000 });
  await waitForSubscriptions(srv, USER, ['chat']);
  await broadcast(srv, 'chat', { text: `hello ${what}` });
  await page.waitForSelector(`#messages li:text("hello ${what}")`);
  await page.waitForSelector('#stats:text-matches("^in \\\\d+$")');
  assert.equal((await clientsOf(srv, USER)).length, 1, `${what}: one socket`);
  const hydration = logs.filter((l) => /hydrat|#418|did not match/i.test(l));
  assert.deepEqual(hydration, [], `${what}: no hydration error`);
  assert.deepEqual(page.errors, [], `${what}: no page error`);
  await page.close();
  await waitUntil(async () => (await clientsOf(srv, USER)).length === 0, { what: `${what}: closed on leaving` });
}

/** Runs `next <command>` on a free port and checks it (see `check`), with its output in a failure's message. */
async function serveAndCheck(command) {
  const port = await freePort();
  const child = next([command, '--port', String(port), '--hostname', '127.0.0.1']);
  try {
    await check(port, `next ${command}`);
  } catch (e) {
    e.message += `\n--- next ${command} output\n${child.out}`;
    throw e;
  } finally {
    stop(child);
  }
}

test('next dev: the README snippet renders, connects once, hydrates without a mismatch', { timeout: 300_000 }, async () => {
  await serveAndCheck('dev');
});

test('next build + next start: the same, from the production build', { timeout: 400_000 }, async () => {
  await sh(process.execPath, [NEXT, 'build'], { cwd: app, env: env(), timeout: 300_000 });
  await serveAndCheck('start');
});
