// The example React app (www/react-app) with the package installed from its packed tarball, as a
// user gets it: no bundler plugin, no optimizeDeps entry. Development mode under the Vite dev server
// (which pre-bundles the package) with StrictMode, then `vite build` and the production bundle.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import WebSocket from 'ws';

import {
  PKG, ROOT, STEP_MS, broadcast, clientsOf, control, launchBrowser, newPage, quietWindow, screenshot, sh,
  startRefServer, waitForSubscriptions, waitUntil, withTimeout,
} from './helpers.mjs';

const APP = path.join(ROOT, 'www', 'react-app');
const PACK_DIR = path.join(ROOT, '.tmp', 'pack');
// A fixed name, so the app's package.json need not change with the version; installed explicitly
// each run because npm would otherwise keep the copy it cached for an unchanged version.
const TARBALL = path.join(PACK_DIR, 'zantara-websocket.tgz');
const VITE = path.join(APP, 'node_modules', 'vite', 'bin', 'vite.js');

let srv;
let browser;
const children = new Set();

/** A free loopback port (Vite's CLI has no "port 0"). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `vite <args>` in the app, resolving with its URL once it listens. */
async function startVite(args, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [VITE, ...args, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: APP,
    // CI=true makes Vite colour its output (picocolors), splitting the URL with escape codes.
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += stripVTControlCharacters(String(chunk));
      if (output.includes(`127.0.0.1:${port}`)) resolve(`http://127.0.0.1:${port}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`vite exited (${code}):\n${output}`)));
  });
  const url = await withTimeout(ready, 30_000, `vite ${args[0] ?? 'dev'} to listen`);
  return { url, child, output: () => output };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await withTimeout(exited, 5000, 'vite to exit').catch(() => child.kill('SIGKILL'));
  children.delete(child);
}

/** A plain `ws` client subscribed to `channel`, collecting what it receives. */
async function observer(channel) {
  const sock = new WebSocket(`${srv.ws}?userId=observer`);
  const frames = [];
  sock.on('message', (data) => frames.push(JSON.parse(String(data))));
  await withTimeout(new Promise((resolve, reject) => sock.once('open', resolve).once('error', reject)), STEP_MS,
    'observer open');
  sock.send(JSON.stringify({ type: 'subscribe', channel }));
  await waitForSubscriptions(srv, 'observer', [channel]);
  return { frames, close: () => sock.terminate() };
}

before(async () => {
  srv = await startRefServer();
  // Pack pkg/ and install the tarball into the example app (everything else comes from the npm
  // cache on later runs; `npm install`, never `npm ci`).
  rmSync(TARBALL, { force: true });
  mkdirSync(PACK_DIR, { recursive: true }); // npm pack does not create it (a fresh clone has none)
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', PACK_DIR], { cwd: PKG, timeout: 60_000 });
  renameSync(path.join(PACK_DIR, JSON.parse(stdout)[0].filename), TARBALL);
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', path.relative(APP, TARBALL)],
    { cwd: APP, timeout: 180_000 });
  browser = await launchBrowser();
});

after(async () => {
  for (const child of children) await stopChild(child);
  await browser?.close();
  await srv?.close();
});

describe('example React app, package from the packed tarball', () => {
  test('the installed package is the one just built', () => {
    const installed = readFileSync(path.join(APP, 'node_modules', 'zantara-websocket', 'index.js'));
    assert.deepEqual(installed, readFileSync(path.join(PKG, 'index.js')));
    const config = readFileSync(path.join(APP, 'vite.config.js'), 'utf8').replace(/\/\/.*$/gm, ''); // code only
    assert.doesNotMatch(config, /optimizeDeps|zantara|wasm/i, 'the app must need no config for the SDK');
  });

  test('the app type-checks against the package\'s declarations', async () => {
    await sh(process.execPath, [path.join(APP, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', APP], { timeout: 90_000 });
  });

  test('dev server + StrictMode: one socket, useChannel gets messages, unmount closes it', async () => {
    const user = 'react-dev@example.com';
    await control(srv, 'reset'); // connectionsTotal counts from here
    const vite = await startVite(['--force'], { NODE_ENV: 'development', VITE_ZANTARA_WS_URL: srv.ws });
    const page = await newPage(browser);
    await page.goto(`${vite.url}/?user=${encodeURIComponent(user)}`);
    await page.waitForSelector('[data-testid="state"][data-state="open"]', { timeout: 30_000 }); // first load pre-bundles
    assert.equal(await page.getAttribute('[data-testid="counters"]', 'data-mode'), 'development');
    await waitForSubscriptions(srv, user, ['chat', 'analytics']);

    // StrictMode mounted, unmounted and remounted the provider's effect: still exactly one socket.
    await quietWindow(500);
    const { connectionsTotal } = await control(srv, 'clients');
    assert.equal(connectionsTotal, 1, 'sockets the server accepted');
    assert.equal((await clientsOf(srv, user)).length, 1);
    await page.waitForSelector('[data-testid="counters"][data-opened="1"][data-sockets="1"]');
    // usePresence under StrictMode: the user is a member once (the simulated unmount left no trace).
    await page.waitForSelector(`[data-testid="presence"][data-count="1"]:has-text("${user}")`);

    // useChannel: broadcasts reach the components.
    await broadcast(srv, 'chat', { text: 'Hello React', user: 'ZANTARA' });
    await page.waitForSelector('[data-testid="messages"] li:has-text("Hello React")');
    await broadcast(srv, 'analytics', { activeUsers: 7, tokensUsed: 1234, apiCalls: 56, avgResponseTime: 78 });
    await page.waitForSelector('[data-testid="metrics"] dd:has-text("1,234")');

    // useDelivery: our message reaches another subscriber through the server.
    const watcher = await observer('chat');
    try {
      await page.fill('input', 'Hi from React');
      await page.click('form button');
      await waitUntil(() => watcher.frames.find((f) => f.channel === 'chat' && f.data?.text === 'Hi from React'),
        { what: 'the observer to receive the React app\'s message' });
      // useDelivery: the server's acknowledgement turns the message's tick to confirmed.
      await page.waitForSelector('[data-testid="messages"] li[data-delivery="confirmed"]:has-text("Hi from React")');
    } finally {
      watcher.close();
    }
    await screenshot(page, 'react-app-dev');

    // Unmounting the provider disconnects; nothing reconnects.
    await page.click('[data-testid="toggle"]');
    await page.waitForSelector('[data-testid="unmounted"]');
    await waitUntil(async () => (await clientsOf(srv, user)).length === 0, { what: 'the server to see the close' });
    await quietWindow(500);
    await page.waitForSelector('[data-testid="counters"][data-sockets="0"][data-timers="0"][data-live="0"]');
    assert.equal((await control(srv, 'clients')).connectionsTotal, 2, 'the app\'s socket and the observer\'s, no more');
    assert.deepEqual(page.errors, []);
    await page.close();
    await stopChild(vite.child);
  });

  test('vite build inlines the wasm; the production bundle connects', async () => {
    const user = 'react-prod@example.com';
    const dist = path.join(APP, 'dist');
    rmSync(dist, { recursive: true, force: true });
    await sh(process.execPath, [VITE, 'build', '--logLevel', 'warn'], {
      cwd: APP, timeout: 120_000, env: { ...process.env, NODE_ENV: 'production', VITE_ZANTARA_WS_URL: srv.ws },
    });
    const assets = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
    // The inline entries carry the module deflated, then base64 (see scripts/build.mjs).
    const wasmBase64 = deflateRawSync(readFileSync(path.join(PKG, 'zantara_websocket_bg.wasm')), { level: 9 }).toString('base64');
    assert.ok(assets.some((f) => readFileSync(path.join(dist, 'assets', f), 'utf8').includes(wasmBase64)),
      'no bundle carries the inline wasm');
    assert.equal(existsSync(path.join(dist, 'assets', 'zantara_websocket_bg.wasm')), false);

    const preview = await startVite(['preview'], { VITE_ZANTARA_WS_URL: srv.ws });
    const page = await newPage(browser);
    await page.goto(`${preview.url}/?user=${encodeURIComponent(user)}`);
    await page.waitForSelector('[data-testid="state"][data-state="open"]');
    assert.equal(await page.getAttribute('[data-testid="counters"]', 'data-mode'), 'production');
    await waitForSubscriptions(srv, user, ['chat', 'analytics']);
    await broadcast(srv, 'chat', { text: 'Hello production', user: 'ZANTARA' });
    await page.waitForSelector('[data-testid="messages"] li:has-text("Hello production")');
    assert.deepEqual(page.errors, []);
    await page.close();
    await stopChild(preview.child);
  });
});
