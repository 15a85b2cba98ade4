#!/usr/bin/env node
// Benchmarks: zantara-websocket against the browser's limit (a raw WebSocket + JSON.parse client) and against the
// alternatives users would pick (partysocket, socket.io-client with its own server), in headless Chromium.
//
//   node tests/bench/run.mjs [--runs N] [--smoke] [--out BENCHMARKS.md] [--chart docs/bench.png] [--pkg DIR]
//                            [--build] [--only raw,zantara,...] [--scenarios inSmall,...] [--profile] [--wasm FILE]
//
//   --runs N     runs per figure (default 5); each figure is the median with min and max, plus its ratio to raw
//   --smoke      tiny counts, 1 run, < 60 s; asserts every client produced sane numbers (what CI runs)
//   --out FILE   write the results into FILE (between its `bench:begin/end` markers; the rest of the file is kept)
//                and a bar chart of the ratios to --chart (default docs/bench.png when --out is given)
//   --pkg DIR    the built package to measure (default pkg/; built with `node scripts/build.mjs` if missing)
//   --build      run `node scripts/build.mjs` first even if pkg/ exists
//   --only LIST  clients to run (raw is always included: it is the reference)
//   --scenarios LIST  scenarios to run: inSmall,inMedium,disSmall,disMedium,out,rtt,connect,mem (default all)
//   --profile    instead of the benchmarks: CPU profiles (CDP) of raw and zantara (or the --only clients) in the
//                dispatch, inbound, outbound and round-trip scenarios, saved to .tmp/bench/profile-*.cpuprofile
//                with a self-time summary
//   --render FILE  no measuring: write --out and the chart again from a saved .tmp/bench/results.json
//   --wasm FILE  the zantara-web client loads this .wasm instead of pkg's (with --profile --only zantara-web: a
//                build with a name section shows Rust function names in the profiles)
//
// Method. Each client runs in its own browser context (so its own renderer process and heap), a fresh one for every
// run of every scenario, and the clients alternate (raw, zantara, partysocket, socket.io, raw, ...) so that drift
// of this shared machine hits them alike. Pages are served by a small static server here, cross-origin isolated
// (COOP/COEP) so that performance.now() has 5 µs rather than 100 µs resolution. The WebSocket peer is the reference
// server (www/server/server.js, in-process, faults on for /__control/flood); socket.io-client talks to
// tests/bench/socketio-server.mjs, which does the same job. All traffic is on loopback.
//
// Scenarios (per client, per run): inbound flood of ~130 B and ~800 B frames from the server, counted in the channel
// handler (first to last message, after a warm-up flood); the same frames dispatched as synthetic MessageEvents on
// the client's own WebSocket, so that only the client's cost is measured, in main-thread CPU time (CDP
// Performance.getMetrics ThreadTime: on a shared machine wall time also counts other processes); outbound burst of
// sendMessage calls timed until the server has read the last one (the server then sends an `ack` message, so both
// ends of the interval are in the page's clock), and the CPU time of the calls alone; sequential echo round trips;
// page navigation to the `connected` event; JS heap (CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage)
// plus wasm memory per connection with 200 clients in one page. Bytes loaded are the files a page imports, raw and
// gzip -9. With --smoke, each client runs its page scenarios in one page (sanity only, not figures).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

import { startServer } from '../../www/server/server.js';
import { startSocketIoServer } from './socketio-server.mjs';

/* global __bench -- page.evaluate callbacks run in the bench page, where page/driver.js defines it */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const WORK = path.join(ROOT, '.tmp', 'bench');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
];

// ---------------------------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = { runs: 5, smoke: false, out: null, chart: null, pkg: path.join(ROOT, 'pkg'), only: null, scenarios: null, profile: false, build: false, wasm: null, render: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--runs': o.runs = Number(value()); break;
      case '--smoke': o.smoke = true; break;
      case '--out': o.out = path.resolve(value()); break;
      case '--chart': o.chart = path.resolve(value()); break;
      case '--pkg': o.pkg = path.resolve(value()); break;
      case '--only': o.only = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--scenarios': o.scenarios = value().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--profile': o.profile = true; break;
      case '--wasm': o.wasm = path.resolve(value()); break;
      case '--render': o.render = path.resolve(value()); break;
      case '--build': o.build = true; break;
      case '--help': case '-h':
        process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n// Method.')[0]
          .split('\n').slice(1).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown flag ${argv[i]} (see --help)`);
    }
  }
  if (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > 50) throw new Error('--runs must be an integer in 1..50');
  if (o.smoke) o.runs = 1;
  if (o.out && !o.chart) o.chart = path.join(ROOT, 'docs', 'bench.png');
  return o;
}

const opts = (() => {
  try {
    return parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
})();

/** Counts per scenario: full runs, and the smoke run's tiny ones. */
const N = opts.smoke
  // mem 8: Chromium opens one WebSocket to a host at a time and slows down after a dozen pending (~4 s for 20).
  ? { inSmall: 300, inMedium: 200, out: 300, rtt: 30, rttWarmup: 5, mem: 8 }
  : { inSmall: 20_000, inMedium: 10_000, out: 20_000, rtt: 1000, rttWarmup: 200, mem: 200 };
const SIZE_SMALL = 130;
const SIZE_MEDIUM = 800;

const CLIENTS = [
  { id: 'raw', label: 'raw WebSocket', peer: 'ref' },
  { id: 'zantara', label: 'zantara (index.js)', peer: 'ref' },
  { id: 'partysocket', label: 'partysocket 1.3.0', peer: 'ref' },
  { id: 'socketio', label: 'socket.io-client 4.8.4', peer: 'sio' },
];
const WEB_ENTRY = { id: 'zantara-web', label: 'zantara (web.js + .wasm)', peer: 'ref' };
const selected = CLIENTS.filter((c) => !opts.only || c.id === 'raw' || opts.only.includes(c.id));
const withWeb = !opts.only || opts.only.includes('zantara') || opts.only.includes('zantara-web');

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function guard(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `test` every 5 ms until it is true, for at most `ms`. */
async function until(test, ms, what) {
  const end = Date.now() + ms;
  for (let i = 0; i < 100_000; i++) {
    if (test()) return;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

let uniq = 0;
const uid = (prefix) => `${prefix}-${process.pid}-${++uniq}`;

// ---------------------------------------------------------------------------------------------------------------
// The package under test

function ensurePkg() {
  const index = path.join(opts.pkg, 'index.js');
  const isDefault = opts.pkg === path.join(ROOT, 'pkg');
  if ((opts.build || !fs.existsSync(index)) && isDefault) {
    log('building pkg/ with node scripts/build.mjs');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  }
  for (const f of ['index.js', 'web.js']) {
    if (!fs.existsSync(path.join(opts.pkg, f))) throw new Error(`${path.join(opts.pkg, f)} is missing: run node scripts/build.mjs`);
  }
}

/**
 * Copies the package to .tmp/bench/pkg and measures that copy, so that a rebuild of pkg/ by someone else during a
 * long run cannot mix two builds in one report. Returns what identifies the build (for the report).
 */
async function snapshotPkg() {
  const dest = path.join(WORK, 'pkg');
  const built = fs.statSync(path.join(opts.pkg, 'index.js')).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
  await fsp.rm(dest, { recursive: true, force: true });
  await fsp.cp(opts.pkg, dest, { recursive: true });
  const wasm = path.join(dest, 'zantara_websocket_bg.wasm');
  const hash = fs.existsSync(wasm) ? createHash('sha256').update(fs.readFileSync(wasm)).digest('hex').slice(0, 12) : 'none';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock'], { cwd: ROOT, encoding: 'utf8' }).trim()) commit += ' + uncommitted changes in src/';
  } catch { /* not a git checkout */ }
  const source = path.relative(ROOT, opts.pkg) || '.';
  opts.pkg = dest;
  return { source, built, wasmSha256: hash, commit };
}

// ---------------------------------------------------------------------------------------------------------------
// Pages: one bundle per client (the driver and its adapter; the SDK stays a separate file, as a page would load it)

async function buildPages() {
  await fsp.mkdir(path.join(WORK, 'lib'), { recursive: true });
  const entries = ['raw', 'zantara', 'zantara-web', 'partysocket', 'socketio'];
  await esbuild.build({
    entryPoints: Object.fromEntries(entries.map((e) => [e, path.join(HERE, 'page', `${e}.js`)])),
    outdir: WORK,
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'chrome120',
    external: ['/pkg/*', '/lib/*'],
    logLevel: 'error',
  });
  // partysocket ships no minified build: minify its main entry as a bundler would (PartySocket + its WebSocket).
  await esbuild.build({
    stdin: { contents: "export * from 'partysocket';", resolveDir: ROOT, loader: 'js' },
    outfile: path.join(WORK, 'lib', 'partysocket.min.js'),
    bundle: true, minify: true, format: 'esm', target: 'chrome120', logLevel: 'error',
  });
  await esbuild.build({
    stdin: { contents: "export { default } from 'partysocket/ws';", resolveDir: ROOT, loader: 'js' },
    outfile: path.join(WORK, 'lib', 'partysocket-ws.min.js'),
    bundle: true, minify: true, format: 'esm', target: 'chrome120', logLevel: 'error',
  });
  await fsp.copyFile(path.join(ROOT, 'node_modules', 'socket.io-client', 'dist', 'socket.io.esm.min.js'),
    path.join(WORK, 'lib', 'socket.io.esm.min.js'));
  for (const e of entries) {
    await fsp.writeFile(path.join(WORK, `${e}.html`),
      `<!doctype html><meta charset="utf-8"><title>bench ${e}</title><script type="module" src="${e}.js"></script>\n`);
  }
}

// Static server: .tmp/bench at /, the package at /pkg/. Cross-origin isolated, so that performance.now() is precise.
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

async function startStatic() {
  const server = http.createServer(async (req, res) => {
    try {
      const { pathname } = new URL(req.url, 'http://x');
      const [root, rel] = pathname === '/custom.wasm' && opts.wasm ? [path.dirname(opts.wasm), path.basename(opts.wasm)]
        : pathname.startsWith('/pkg/') ? [opts.pkg, pathname.slice(5)] : [WORK, pathname.slice(1)];
      const file = path.resolve(root, decodeURIComponent(rel));
      if (!file.startsWith(path.resolve(root) + path.sep)) throw Object.assign(new Error('forbidden'), { status: 403 });
      const body = await fsp.readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      res.end(body);
    } catch (e) {
      res.writeHead(e.status ?? 404, { 'Content-Type': 'text/plain' });
      res.end(String(e.message));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

// ---------------------------------------------------------------------------------------------------------------
// Servers, and what the harness asks of them (the same questions of both peers)

let ref; // reference server (www/server/server.js)
let sio; // socket.io server
let site; // static pages

const peer = {
  subscribed(client, userId, channel) {
    if (client.peer === 'sio') return sio.subscribed(userId, channel);
    return ref.hub.select({ userId }).some((c) => c.channels.has(channel));
  },
  countSubscribed(client, prefix, channel) {
    if (client.peer === 'sio') {
      let n = 0;
      for (const s of sio.io.sockets.sockets.values()) if (s.data.userId.startsWith(prefix) && s.rooms.has(channel)) n++;
      return n;
    }
    return ref.hub.select(null).filter((c) => c.userId.startsWith(prefix) && c.channels.has(channel)).length;
  },
  /** Floods `userId` with `count` messages on `channel` of about `size` bytes; resolves with the number sent. */
  async flood(client, userId, channel, count, size) {
    if (client.peer === 'sio') return sio.flood(userId, channel, count, size);
    const res = await fetch(`${ref.http}/__control/flood`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: { userId }, channel, count, size }),
    });
    const body = await res.json();
    if (!body.ok) throw new Error(`flood: ${JSON.stringify(body)}`);
    return body.frames;
  },
  /**
   * Counts the channel messages the server reads from `userId` on `channel`; at the `count`th it sends the user an
   * `ack` message {n}. Returns a function that removes the hook.
   */
  ackAfter(client, userId, channel, count) {
    let n = 0;
    if (client.peer === 'sio') {
      sio.onMessages(userId, (socket, ch) => {
        if (ch === channel && ++n === count) socket.emit('ack', { n, bytes: -1 });
      });
      return () => sio.onMessages(userId, null);
    }
    const [c] = ref.hub.select({ userId });
    if (!c) throw new Error(`no connection of ${userId}`);
    const needle = Buffer.from(`"channel":"${channel}"`);
    let bytes = 0;
    const onFrame = (buf) => {
      // After the hub's own listener (which parsed and broadcast it): the message has been read and handled.
      if (buf.indexOf(needle) === -1) return;
      bytes += buf.length;
      if (++n === count) {
        ref.hub.deliver(c, JSON.stringify({ type: 'message', channel: 'ack', data: { n, bytes }, timestamp: new Date().toISOString() }));
      }
    };
    c.ws.on('message', onFrame);
    return () => c.ws.off('message', onFrame);
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Pages

let browser;

/** Opens `client`'s page in a fresh context, runs `fn(page, cdp)`, and closes the context whatever happens. */
async function withPage(client, query, fn) {
  const ctx = await browser.newContext();
  const errors = [];
  let failed;
  // An uncaught page error ends the run at once rather than at the next timeout.
  const pageFailed = new Promise((_, reject) => { failed = reject; });
  pageFailed.catch(() => {});
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => { errors.push(`pageerror: ${e.message}`); failed(new Error(`page error in ${client.id}`)); });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    const qs = new URLSearchParams({ ws: ref.ws, sio: sio.url, ...(opts.wasm ? { wasm: '/custom.wasm' } : {}), ...query });
    await page.goto(`${site.url}/${client.id}.html?${qs}`, { waitUntil: 'domcontentloaded', timeout: 20_000 });
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    return await Promise.race([fn(page, cdp), pageFailed]);
  } catch (e) {
    if (errors.length) e.message += ` (page: ${errors.slice(0, 3).join(' | ')})`;
    throw e;
  } finally {
    await guard(ctx.close(), 10_000, 'closing a browser context').catch(() => {});
  }
}

/** page.evaluate never times out by itself: every call goes through here. */
function call(page, fn, arg, ms, what) {
  return guard(page.evaluate(fn, arg), ms, what);
}

async function readyPage(page) {
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 15_000 });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) throw new Error('page is not cross-origin isolated (timer precision would be 100 µs)');
}

/** CPU time of the page's main thread so far (ms), from CDP Performance.getMetrics in thread ticks. */
async function cpuTime(cdp) {
  const { metrics } = await guard(cdp.send('Performance.getMetrics'), 10_000, 'Performance.getMetrics');
  return metrics.find((m) => m.name === 'ThreadTime').value * 1000;
}

async function openMain(page, client, userId, { echo = false, channels = [], capture = false } = {}) {
  await call(page, (o) => __bench.openMain(o), { userId, echo, channels, capture, timeoutMs: 10_000 }, 15_000, `${client.id} open`);
  for (const ch of channels) await until(() => peer.subscribed(client, userId, ch), 5000, `${client.id} ${userId} subscribed to ${ch}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios: each returns {value, ...details}; `check` throws if the run is not sane.

function sane(x, what) {
  if (!Number.isFinite(x) || x <= 0) throw new Error(`${what}: not a finite positive number (${x})`);
  return x;
}

async function inbound(page, client, size, count) {
  const userId = uid(`in-${client.id}`);
  await openMain(page, client, userId, { channels: ['bench'] });
  const pass = async (n) => {
    await call(page, (k) => __bench.expectInbound(k), n, 5000, 'arm inbound');
    const [sent, got] = await Promise.all([
      guard(peer.flood(client, userId, 'bench', n, size), 120_000, `${client.id} flood`),
      call(page, (ms) => __bench.waitInbound(ms), 60_000, 90_000, `${client.id} inbound`),
    ]);
    if (got.error) throw new Error(got.error);
    if (sent !== n || got.received !== n) throw new Error(`${client.id}: sent ${sent}, received ${got.received} of ${n}`);
    if (got.bad) throw new Error(`${client.id}: ${got.bad} messages out of order or lost`);
    return got;
  };
  await pass(Math.max(50, Math.round(count / 10))); // warm-up: JIT tiers, wasm tier-up
  const got = await pass(count);
  const ms = got.last - got.first;
  return { value: sane(((count - 1) / ms) * 1000, 'inbound msg/s'), ms };
}

/**
 * The client's own cost per inbound message: synthetic MessageEvents dispatched on its socket (no network). The
 * figure is messages per second of the main thread's CPU time, which preemption by other processes does not inflate
 * (wall-clock time is kept as a detail).
 */
async function synthetic(page, cdp, client, size, count) {
  const userId = uid(`syn-${client.id}`);
  await openMain(page, client, userId, { channels: ['bench'], capture: true });
  const pass = async (n) => {
    await call(page, (o) => __bench.prepareSynthetic(o), { count: n, size }, 60_000, `${client.id} prepare`);
    const c0 = await cpuTime(cdp);
    const r = await call(page, (o) => __bench.runSynthetic(o), { timeoutMs: 30_000 }, 60_000, `${client.id} dispatch`);
    const cpu = (await cpuTime(cdp)) - c0;
    if (r.error) throw new Error(r.error);
    if (r.received !== n) throw new Error(`${client.id}: handler got ${r.received} of ${n} dispatched messages`);
    if (r.bad) throw new Error(`${client.id}: ${r.bad} dispatched messages out of order`);
    return { ...r, cpu };
  };
  await pass(Math.max(50, Math.round(count / 10)));
  // Best of three passes: interference from other processes only ever adds time, so the least is the estimate.
  let r = null;
  for (let i = 0; i < (opts.smoke ? 1 : 3); i++) {
    const x = await pass(count);
    if (!r || x.cpu < r.cpu) r = x;
  }
  return {
    value: sane((count / r.cpu) * 1000, 'dispatch msg per CPU-s'),
    wall: (count / r.ms) * 1000,
    usPerMsg: (r.cpu * 1000) / count,
  };
}

async function outbound(page, cdp, client, count) {
  const userId = uid(`out-${client.id}`);
  await openMain(page, client, userId);
  const pass = async (n) => {
    const unhook = peer.ackAfter(client, userId, 'out', n);
    try {
      const c0 = await cpuTime(cdp);
      const b = await call(page, (o) => __bench.burst(o), { count: n, channel: 'out' }, 60_000, `${client.id} burst`);
      const cpu = (await cpuTime(cdp)) - c0;
      const a = await call(page, (ms) => __bench.waitAck(ms), 60_000, 90_000, `${client.id} ack`);
      if (a.error) throw new Error(a.error);
      if (b.refused) throw new Error(`${client.id}: ${b.refused} sends refused`);
      if (a.serverCount !== n) throw new Error(`${client.id}: server read ${a.serverCount} of ${n}`);
      return { ...b, ...a, cpu };
    } finally {
      unhook();
    }
  };
  await pass(Math.max(50, Math.round(count / 10)));
  const r = await pass(count);
  return {
    value: sane((count / (r.tAck - r.t0)) * 1000, 'outbound msg/s'),
    callsPerSec: sane((count / r.cpu) * 1000, 'send calls per CPU-s'),
    callsWall: (count / (r.tCalls - r.t0)) * 1000,
    frameBytes: r.serverBytes > 0 ? r.serverBytes / count : null,
  };
}

async function roundTrips(page, client, count, warmup) {
  const userId = uid(`rtt-${client.id}`);
  await openMain(page, client, userId, { echo: true, channels: ['rtt'] });
  const times = await call(page, (o) => __bench.roundTrips(o), { count, warmup, timeoutMs: 5000 }, 120_000, `${client.id} round trips`);
  if (times.length !== count) throw new Error(`${client.id}: ${times.length} of ${count} round trips`);
  for (const t of times) if (!Number.isFinite(t) || t < 0) throw new Error(`${client.id}: bad round-trip time ${t}`);
  return { value: sane(percentile(times, 50), 'rtt p50'), p99: sane(percentile(times, 99), 'rtt p99') };
}

async function connectTime(client) {
  const userId = uid(`conn-${client.id}`);
  return withPage(client, { scenario: 'connect', userId }, async (page) => {
    await page.waitForFunction(() => window.__connected !== undefined || window.__connectError !== undefined, null, { timeout: 15_000 });
    const r = await page.evaluate(() => ({ connected: window.__connected, error: window.__connectError, tEval: __bench.tEval }));
    if (r.error) throw new Error(r.error);
    return { value: sane(r.connected, 'connect ms'), scriptStart: r.tEval, scriptToConnected: r.connected - r.tEval };
  });
}

async function memory(page, cdp, client, count) {
  const prefix = uid(`mem-${client.id}`);
  const heap = async () => {
    for (let i = 0; i < 3; i++) await guard(cdp.send('HeapProfiler.collectGarbage'), 10_000, 'gc');
    const u = await guard(cdp.send('Runtime.getHeapUsage'), 10_000, 'heap usage');
    const wasm = await call(page, () => __bench.wasmBytes(), null, 5000, 'wasm bytes');
    return { js: u.usedSize, wasm };
  };
  await call(page, () => __bench.init(), null, 15_000, 'init');
  // One client first, so that code loaded or compiled on first use (the wasm module) is not counted per connection.
  await call(page, (o) => __bench.openMany(o), { prefix: `${prefix}-first`, count: 1, channel: 'mem', timeoutMs: 10_000 }, 15_000, 'first client');
  await until(() => peer.countSubscribed(client, `${prefix}-first`, 'mem') === 1, 5000, 'first client subscribed');
  const before = await heap();
  await call(page, (o) => __bench.openMany(o), { prefix, count, channel: 'mem', timeoutMs: 30_000 }, 40_000, `${count} clients`);
  await until(() => peer.countSubscribed(client, `${prefix}-`, 'mem') === count + 1, 20_000, `${count} clients subscribed`);
  const after = await heap();
  await call(page, () => __bench.closeAll(), null, 10_000, 'close all');
  const js = (after.js - before.js) / count;
  const wasm = (after.wasm - before.wasm) / count;
  return { value: sane(js + wasm, 'bytes per connection'), js, wasm };
}

// `run(page, cdp, client)` runs in a page of the client's (a fresh one per run, or one per client in the smoke run);
// `own(client)` opens its own page (the connect scenario navigates).
const SCENARIOS = [
  { id: 'inSmall', unit: 'msg/s', better: 'higher', run: (p, _, c) => inbound(p, c, SIZE_SMALL, N.inSmall),
    metrics: [{ key: 'value', label: `inbound ~${SIZE_SMALL} B frames, server → handler` }] },
  { id: 'inMedium', unit: 'msg/s', better: 'higher', run: (p, _, c) => inbound(p, c, SIZE_MEDIUM, N.inMedium),
    metrics: [{ key: 'value', label: `inbound ~${SIZE_MEDIUM} B frames, server → handler` }] },
  { id: 'disSmall', unit: 'msg/s', better: 'higher', run: (p, cdp, c) => synthetic(p, cdp, c, SIZE_SMALL, N.inSmall),
    metrics: [{ key: 'value', label: `inbound ~${SIZE_SMALL} B, client CPU only (synthetic dispatch; msg per CPU-s)` }] },
  { id: 'disMedium', unit: 'msg/s', better: 'higher', run: (p, cdp, c) => synthetic(p, cdp, c, SIZE_MEDIUM, N.inMedium),
    metrics: [{ key: 'value', label: `inbound ~${SIZE_MEDIUM} B, client CPU only (synthetic dispatch; msg per CPU-s)` }] },
  { id: 'out', unit: 'msg/s', better: 'higher', run: (p, cdp, c) => outbound(p, cdp, c, N.out),
    metrics: [
      { key: 'value', label: 'outbound sendMessage → read by the server' },
      { key: 'callsPerSec', label: 'outbound send calls, client CPU only (msg per CPU-s)' },
    ] },
  { id: 'rtt', unit: 'ms', better: 'lower', run: (p, _, c) => roundTrips(p, c, N.rtt, N.rttWarmup),
    metrics: [{ key: 'value', label: 'echo round trip p50' }, { key: 'p99', label: 'echo round trip p99' }] },
  { id: 'connect', unit: 'ms', better: 'lower', own: (c) => connectTime(c), web: true,
    metrics: [{ key: 'value', label: 'page load → connected' }] },
  { id: 'mem', unit: 'B', better: 'lower', run: (p, cdp, c) => memory(p, cdp, c, N.mem),
    metrics: [{ key: 'value', label: `memory per connection (${N.mem} in a page, JS heap + wasm)` }] },
];
if (opts.scenarios) {
  const unknown = opts.scenarios.filter((id) => !SCENARIOS.some((sc) => sc.id === id));
  if (unknown.length) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}\n`);
    process.exit(2);
  }
  SCENARIOS.splice(0, SCENARIOS.length, ...SCENARIOS.filter((sc) => opts.scenarios.includes(sc.id)));
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes loaded

function bytesLoaded() {
  const rows = [];
  const add = (sdk, entry, files) => {
    const present = files.filter((f) => fs.existsSync(f));
    if (present.length !== files.length) return;
    const bufs = present.map((f) => fs.readFileSync(f));
    rows.push({
      sdk,
      entry,
      raw: bufs.reduce((a, b) => a + b.length, 0),
      gzip: bufs.reduce((a, b) => a + gz(b), 0),
      parts: present.map((f, i) => ({ file: path.basename(f), raw: bufs[i].length, gzip: gz(bufs[i]) })),
    });
  };
  const p = (f) => path.join(opts.pkg, f);
  add('zantara', 'index.js (wasm inline, default)', [p('index.js')]);
  add('zantara', 'web.js + zantara_websocket_bg.wasm', [p('web.js'), p('zantara_websocket_bg.wasm')]);
  add('zantara', 'zantara-websocket.js (script tag)', [p('zantara-websocket.js')]);
  add('partysocket', 'main entry, minified by esbuild', [path.join(WORK, 'lib', 'partysocket.min.js')]);
  add('partysocket', 'partysocket/ws only, minified by esbuild', [path.join(WORK, 'lib', 'partysocket-ws.min.js')]);
  const sioDist = path.join(ROOT, 'node_modules', 'socket.io-client', 'dist');
  add('socket.io-client', 'dist/socket.io.esm.min.js', [path.join(sioDist, 'socket.io.esm.min.js')]);
  add('socket.io-client', 'dist/socket.io.min.js (script tag)', [path.join(sioDist, 'socket.io.min.js')]);
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Profiling (--profile)

async function profile() {
  const all = [...CLIENTS, WEB_ENTRY];
  const targets = [CLIENTS[0], ...(opts.only ?? ['zantara']).filter((id) => id !== 'raw').map((id) => all.find((c) => c.id === id)).filter(Boolean)];
  const jobs = [
    ['dispatch-small', (page) => profiledDispatch(page, SIZE_SMALL)],
    ['dispatch-medium', (page) => profiledDispatch(page, SIZE_MEDIUM)],
    ['inbound', (page, client, userId) => profiledInbound(page, client, userId)],
    ['outbound', (page, client, userId) => profiledOutbound(page, client, userId)],
    ['rtt', (page, client, userId) => profiledRtt(page, client, userId)],
  ];
  for (const [name, job] of jobs) {
    for (const client of targets) {
      await withPage(client, {}, async (page, cdp) => {
        await readyPage(page);
        const userId = uid(`prof-${client.id}`);
        await openMain(page, client, userId, {
          echo: name === 'rtt',
          channels: name === 'outbound' ? [] : [name === 'rtt' ? 'rtt' : 'bench'],
          capture: name.startsWith('dispatch'),
        });
        await job(page, client, userId); // warm-up pass
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
        await cdp.send('Profiler.start');
        const t = await job(page, client, userId);
        const { profile: prof } = await cdp.send('Profiler.stop');
        const file = path.join(WORK, `profile-${client.id}-${name}.cpuprofile`);
        await fsp.writeFile(file, JSON.stringify(prof));
        process.stdout.write(`\n## ${client.id} ${name}: ${t}\n${summarize(prof)}(${path.relative(ROOT, file)})\n`);
      });
    }
  }
}

async function profiledDispatch(page, size) {
  const n = 20_000;
  await call(page, (o) => __bench.prepareSynthetic(o), { count: n, size }, 60_000, 'prepare');
  const r = await call(page, (o) => __bench.runSynthetic(o), {}, 60_000, 'dispatch');
  if (r.received !== n) throw new Error(`dispatch: ${r.received} of ${n}`);
  return `${Math.round((n / r.ms) * 1000)} msg/s, ${((r.ms * 1000) / n).toFixed(2)} µs/msg`;
}

async function profiledInbound(page, client, userId) {
  const n = 20_000;
  await call(page, (k) => __bench.expectInbound(k), n, 5000, 'arm');
  const [, got] = await Promise.all([peer.flood(client, userId, 'bench', n, SIZE_SMALL), call(page, (ms) => __bench.waitInbound(ms), 60_000, 90_000, 'inbound')]);
  return `${Math.round(((n - 1) / (got.last - got.first)) * 1000)} msg/s`;
}

async function profiledOutbound(page, client, userId) {
  const n = 20_000;
  const unhook = peer.ackAfter(client, userId, 'out', n);
  try {
    const b = await call(page, (o) => __bench.burst(o), { count: n, channel: 'out' }, 60_000, 'burst');
    const r = { ...b, ...(await call(page, (ms) => __bench.waitAck(ms), 60_000, 90_000, 'ack')) };
    return `${Math.round((n / (r.tAck - r.t0)) * 1000)} msg/s reaching the server, ${Math.round((n / (r.tCalls - r.t0)) * 1000)} calls/s`;
  } finally {
    unhook();
  }
}

async function profiledRtt(page) {
  const times = await call(page, (o) => __bench.roundTrips(o), { count: 1000, warmup: 0, timeoutMs: 5000 }, 120_000, 'rtt');
  return `p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms`;
}

/** Self time by function over a CPU profile: the top entries as text. */
function summarize(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const node = byId.get(prof.samples[i]);
    const cf = node.callFrame;
    const where = cf.url ? `${cf.url.replace(/^.*\//, '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 18);
  return top.map(([k, us]) => `  ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const fmtRate = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));
const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const fmtBytes = (x) => `${Math.round(x).toLocaleString('en-US')}`;
const FMT = { 'msg/s': fmtRate, ms: fmtMs, B: fmtBytes };

/** {median, min, max} of the values, and of the per-run ratios to raw (paired by run, so drift cancels). */
function summarizeRows(results) {
  const rows = [];
  for (const sc of SCENARIOS) {
    for (const m of sc.metrics) {
      const clients = [...selected, ...(sc.web && withWeb ? [WEB_ENTRY] : [])];
      const row = { scenario: sc.id, metric: m.key, label: m.label, unit: sc.unit, better: sc.better, cells: {} };
      for (const c of clients) {
        const runs = results[sc.id]?.[c.id] ?? [];
        const vals = runs.map((r) => r?.[m.key]).filter(Number.isFinite);
        if (!vals.length) continue;
        const rawRuns = results[sc.id]?.raw ?? [];
        const ratios = runs.map((r, i) => r?.[m.key] / rawRuns[i]?.[m.key]).filter(Number.isFinite);
        row.cells[c.id] = {
          n: vals.length, median: median(vals), min: Math.min(...vals), max: Math.max(...vals),
          ratio: ratios.length ? { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) } : null,
          details: runs,
        };
      }
      rows.push(row);
    }
  }
  return rows;
}

const TARGETS = {
  'inSmall/value': { test: (r) => r >= 0.9, text: '≥ 0.9' },
  'inMedium/value': { test: (r) => r >= 0.9, text: '≥ 0.9' },
  'disSmall/value': { test: (r) => r >= 0.9, text: '≥ 0.9' },
  'disMedium/value': { test: (r) => r >= 0.9, text: '≥ 0.9' },
  'out/value': { test: (r) => r >= 0.9, text: '≥ 0.9' },
  'rtt/value': { test: (r) => r <= 1.1, text: '≤ 1.1' },
};

function renderMarkdown({ rows, bytes, meta }) {
  const cols = selected;
  const L = [];
  L.push(`Measured ${meta.date} with \`${meta.command}\` (${meta.runs} run${meta.runs > 1 ? 's' : ''} per figure${meta.smoke ? ', SMOKE counts: not figures to quote' : ''}).`);
  L.push('');
  if (meta.build) L.push(`Package: ${meta.build.source}/ built ${meta.build.built}; git HEAD at the run ${meta.build.commit} (wasm sha256 ${meta.build.wasmSha256}…), copied before the run.`);
  L.push('');
  L.push(`Machine: ${meta.nproc} CPUs (${meta.cpu}), ${meta.memGiB} GiB, Linux ${meta.kernel}; ${meta.chromium} (headless); Node ${meta.node}. ` +
    `Load average (1/5/15 min) ${meta.loadBefore} before, ${meta.loadAfter} after${meta.quiet ? '' : ': **the machine was busy with other work, so the figures are noisy**'}.`);
  L.push('');
  L.push(`Each cell: median (min–max) of the runs. Ratio: the median (min–max) of per-run ratios to raw, the runs paired ` +
    'in time; for msg/s higher is better, for ms and bytes lower is better. Targets for zantara: inbound and outbound ≥ 0.9 of raw, ' +
    'round-trip p50 ≤ 1.1 of raw.');
  L.push('');
  L.push(`| metric | ${cols.map((c) => (c.id === 'raw' ? c.label : `${c.label} | ratio`)).join(' | ')} |`);
  L.push(`|---|${cols.map((c) => (c.id === 'raw' ? '---:' : '---:|---:')).join('|')}|`);
  const cell = (x, unit) => (x ? `${FMT[unit](x.median)} (${FMT[unit](x.min)}–${FMT[unit](x.max)})` : 'n/a');
  const ratio = (x) => {
    if (!x?.ratio) return 'n/a';
    return `${x.ratio.median.toFixed(2)} (${x.ratio.min.toFixed(2)}–${x.ratio.max.toFixed(2)})`;
  };
  for (const r of rows) {
    const key = `${r.scenario}/${r.metric}`;
    const parts = cols.map((c) => {
      const x = r.cells[c.id];
      if (c.id === 'raw') return cell(x, r.unit);
      let rt = ratio(x);
      if (c.id === 'zantara' && TARGETS[key] && x?.ratio) rt += TARGETS[key].test(x.ratio.median) ? ' ✓' : ` ✗ (target ${TARGETS[key].text})`;
      return `${cell(x, r.unit)} | ${rt}`;
    });
    L.push(`| ${r.label} (${r.unit}) | ${parts.join(' | ')} |`);
    if (r.cells['zantara-web']) {
      const x = r.cells['zantara-web'];
      L.push(`| ${r.label}, zantara web.js entry (${r.unit}) | ${cols.map((c) => (c.id === 'zantara' ? `${cell(x, r.unit)} | ${ratio(x)}` : c.id === 'raw' ? '—' : '— | —')).join(' | ')} |`);
    }
  }
  L.push('');
  // Details that do not fit the table.
  const mem = rows.find((r) => r.scenario === 'mem');
  if (mem) {
    L.push(`Memory per connection, split (median of runs, bytes): ${cols.map((c) => {
      const d = mem.cells[c.id]?.details?.filter(Boolean);
      if (!d?.length) return null;
      return `${c.id} JS heap ${fmtBytes(median(d.map((x) => x.js)))} + wasm ${fmtBytes(median(d.map((x) => x.wasm)))}`;
    }).filter(Boolean).join('; ')}. Wasm memory grows in 64 KiB pages and never shrinks.`);
    L.push('');
  }
  const conn = rows.find((r) => r.scenario === 'connect');
  if (conn) {
    L.push(`Page load → connected, the part after the page's module started running (its static imports, the SDK, loaded and evaluated), median ms: ${
      [...cols, WEB_ENTRY].map((c) => {
        const d = conn.cells[c.id]?.details?.filter(Boolean);
        return d?.length ? `${c.id} ${fmtMs(median(d.map((x) => x.scriptToConnected)))}` : null;
      }).filter(Boolean).join(', ')}. socket.io needs one more round trip (its CONNECT packet) before \`connect\`.`);
    L.push('');
  }
  const out = rows.find((r) => r.scenario === 'out' && r.metric === 'value');
  if (out) {
    const sizes = cols.map((c) => {
      const d = out.cells[c.id]?.details?.filter((x) => x?.frameBytes);
      return d?.length ? `${c.id} ${median(d.map((x) => x.frameBytes)).toFixed(0)} B` : null;
    }).filter(Boolean);
    if (sizes.length) {
      L.push(`Outbound frames as the reference server read them (same job, same bytes): ${sizes.join(', ')}; socket.io ` +
        'sends its own, shorter packets (`42["out",{...}]`, no timestamp).');
      L.push('');
    }
  }
  L.push('Bytes loaded (what a page imports; gzip -9):');
  L.push('');
  L.push('| SDK | entry | raw B | gzip B |');
  L.push('|---|---|---:|---:|');
  for (const b of bytes) {
    const parts = b.parts.length > 1 ? ` (${b.parts.map((p) => `${path.basename(p.file)} ${fmtBytes(p.raw)} / ${fmtBytes(p.gzip)}`).join(' + ')})` : '';
    L.push(`| ${b.sdk} | ${b.entry}${parts} | ${fmtBytes(b.raw)} | ${fmtBytes(b.gzip)} |`);
  }
  L.push('| raw WebSocket | (built into the browser) | 0 | 0 |');
  L.push('');
  L.push(`Counts per run: inbound ${N.inSmall} × ~${SIZE_SMALL} B and ${N.inMedium} × ~${SIZE_MEDIUM} B frames (after a warm-up flood of a tenth), ` +
    `outbound ${N.out} messages (after a warm-up burst), ${N.rtt} round trips (after ${N.rttWarmup}), ${N.mem} connections for memory.`);
  if (meta.failures.length) {
    L.push('');
    L.push(`Failed runs (left out of the figures): ${meta.failures.map((f) => `${f.scenario}/${f.client} run ${f.run}: ${f.error}`).join('; ')}`);
  }
  if (meta.chart) {
    L.push('');
    L.push(`![Speed relative to raw WebSocket](${meta.chart})`);
  }
  return L.join('\n');
}

async function writeOut(file, body) {
  const begin = '<!-- bench:begin (generated by tests/bench/run.mjs; edit outside these markers) -->';
  const end = '<!-- bench:end -->';
  let text = fs.existsSync(file) ? await fsp.readFile(file, 'utf8') : '';
  const block = `${begin}\n${body}\n${end}`;
  const i = text.indexOf('<!-- bench:begin');
  const j = text.indexOf(end);
  if (i !== -1 && j !== -1) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `# Benchmarks\n\n${block}\n${text ? `\n${text}` : ''}`;
  await fsp.writeFile(file, text.endsWith('\n') ? text : `${text}\n`);
}

/** A bar chart of speed relative to raw (higher is better), rendered as SVG and screenshot to PNG. */
async function renderChart(rows, file) {
  const metrics = [
    ['inSmall/value', `inbound ~${SIZE_SMALL} B`, 'higher'],
    ['inMedium/value', `inbound ~${SIZE_MEDIUM} B`, 'higher'],
    ['disSmall/value', `client cost ~${SIZE_SMALL} B`, 'higher'],
    ['disMedium/value', `client cost ~${SIZE_MEDIUM} B`, 'higher'],
    ['out/value', 'outbound', 'higher'],
    ['out/callsPerSec', 'send calls', 'higher'],
    ['rtt/value', 'round trip p50', 'lower'],
    ['rtt/p99', 'round trip p99', 'lower'],
    ['connect/value', 'load → connected', 'lower'],
  ];
  const series = selected.filter((c) => c.id !== 'raw');
  const colors = { zantara: '#e8590c', partysocket: '#1c7ed6', socketio: '#495057' };
  const rowH = 18 * series.length + 18;
  const W = 860; const left = 150; const right = 60; const top = 52;
  const H = top + rowH * metrics.length + 40;
  const maxV = 1.6;
  const x = (v) => left + (Math.min(v, maxV) / maxV) * (W - left - right);
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`;
  svg += `<rect width="${W}" height="${H}" fill="#fff"/>`;
  svg += `<text x="8" y="18" font-size="14" font-weight="bold">Speed relative to a raw WebSocket + JSON.parse client (1.0 = raw; higher is better)</text>`;
  series.forEach((c, i) => {
    svg += `<rect x="${left + i * 170}" y="28" width="12" height="12" fill="${colors[c.id]}"/><text x="${left + i * 170 + 16}" y="38">${esc(c.label)}</text>`;
  });
  for (const v of [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5]) {
    svg += `<line x1="${x(v)}" x2="${x(v)}" y1="${top - 4}" y2="${H - 34}" stroke="${v === 1 ? '#000' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`;
    svg += `<text x="${x(v)}" y="${H - 20}" text-anchor="middle" fill="#555">${v}</text>`;
  }
  svg += `<line x1="${x(0.9)}" x2="${x(0.9)}" y1="${top - 4}" y2="${H - 34}" stroke="#e8590c" stroke-dasharray="4 3"/>`;
  svg += `<text x="${x(0.9) - 4}" y="${H - 6}" text-anchor="end" fill="#e8590c" font-size="11">zantara target: 0.9 of raw (round trip: 1/1.1)</text>`;
  svg += `<text x="${W - 8}" y="${H - 6}" text-anchor="end" fill="#555" font-size="11">bar: median of runs; line: min–max; times: raw ÷ client</text>`;
  metrics.forEach(([key, label, better], mi) => {
    const y0 = top + mi * rowH;
    const row = rows.find((r) => `${r.scenario}/${r.metric}` === key);
    svg += `<text x="${left - 8}" y="${y0 + rowH / 2 + 2}" text-anchor="end">${esc(label)}</text>`;
    series.forEach((c, si) => {
      const r = row?.cells[c.id]?.ratio;
      if (!r) return;
      const speed = (v) => (better === 'higher' ? v : 1 / v);
      const [v, lo, hi] = [speed(r.median), speed(better === 'higher' ? r.min : r.max), speed(better === 'higher' ? r.max : r.min)];
      const y = y0 + 6 + si * 18;
      svg += `<rect x="${left}" y="${y}" width="${x(v) - left}" height="14" fill="${colors[c.id]}"/>`;
      svg += `<line x1="${x(lo)}" x2="${x(hi)}" y1="${y + 7}" y2="${y + 7}" stroke="#222" stroke-opacity="0.55" stroke-width="1"/>`;
      const clipped = v > maxV ? '+' : '';
      svg += `<text x="${Math.min(x(v), W - right) + 4}" y="${y + 11}" font-size="11" stroke="#fff" stroke-width="3" paint-order="stroke">${v.toFixed(2)}${clipped}</text>`;
    });
  });
  svg += '</svg>';
  await fsp.mkdir(path.dirname(file), { recursive: true });
  if (file.endsWith('.svg')) return fsp.writeFile(file, svg);
  const ctx = await browser.newContext({ viewport: { width: W, height: H }, deviceScaleFactor: 1 });
  try {
    const page = await ctx.newPage();
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`, { timeout: 10_000 });
    await page.locator('svg').screenshot({ path: file, timeout: 10_000 });
  } finally {
    await ctx.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const la = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  return {
    nproc: (() => { try { return execFileSync('nproc', { encoding: 'utf8' }).trim(); } catch { return String(os.availableParallelism()); } })(),
    cpu: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown CPU',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    node: process.version,
    load: la,
  };
}

/** --render: the report and chart again from saved results (say, after changing the report's layout). */
async function rerender() {
  const saved = JSON.parse(await fsp.readFile(opts.render, 'utf8'));
  Object.assign(N, saved.meta.counts ?? {});
  const rows = summarizeRows(saved.results);
  const md = renderMarkdown({ rows, bytes: saved.bytes, meta: { ...saved.meta, chart: opts.out && opts.chart ? path.relative(path.dirname(opts.out), opts.chart) : null } });
  process.stdout.write(`${md}\n`);
  if (!opts.out) return;
  await writeOut(opts.out, md);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true, timeout: 30_000 });
  try {
    await renderChart(rows, opts.chart);
  } finally {
    await browser.close();
  }
  log(`wrote ${path.relative(ROOT, opts.out)} and ${path.relative(ROOT, opts.chart)}`);
}

async function main() {
  if (opts.render) return rerender();
  const started = Date.now();
  const m = machine();
  const loadBefore = m.load();
  ensurePkg();
  const build = await snapshotPkg();
  await buildPages();
  ref = await startServer({ port: 0, faults: true, log: null, heartbeatMs: 30_000 });
  sio = await startSocketIoServer({ port: 0 });
  site = await startStatic();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true, timeout: 30_000 });
  const chromiumVersion = `Chromium ${browser.version()}`;
  log(`${chromiumVersion}; pages ${site.url}, reference server ${ref.http}, socket.io ${sio.url}; ${build.source}/ (git ${build.commit}, wasm ${build.wasmSha256})`);

  let exit = 0;
  try {
    if (opts.profile) {
      await profile();
      return;
    }
    const results = {};
    const failures = [];
    const record = (sc, c, run, r, ms) => {
      ((results[sc.id] ??= {})[c.id] ??= [])[run] = r;
      if (r) log(`run ${run + 1}/${opts.runs} ${sc.id.padEnd(9)} ${c.id.padEnd(12)} ${FMT[sc.unit](r.value)} ${sc.unit}${r.p99 ? ` (p99 ${fmtMs(r.p99)})` : ''} [${ms} ms]`);
    };
    const attempt = async (sc, c, run, fn) => {
      const t = Date.now();
      let r = null;
      try {
        r = await fn();
      } catch (e) {
        failures.push({ scenario: sc.id, client: c.id, run: run + 1, error: e.message.slice(0, 300) });
        log(`FAILED ${sc.id} ${c.id} run ${run + 1}: ${e.message}`);
        if (opts.smoke) throw e;
      }
      record(sc, c, run, r, Date.now() - t);
    };
    const clientsOf = (sc) => [...selected, ...(sc.web && withWeb ? [WEB_ENTRY] : [])];
    if (opts.smoke) {
      // Sanity only: one page per client runs all its page scenarios in turn (new pages cost ~0.5 s each here).
      for (const c of selected) {
        await withPage(c, {}, async (page, cdp) => {
          await readyPage(page);
          for (const sc of SCENARIOS.filter((x) => x.run)) await attempt(sc, c, 0, () => sc.run(page, cdp, c));
        });
      }
      for (const sc of SCENARIOS.filter((x) => x.own)) for (const c of clientsOf(sc)) await attempt(sc, c, 0, () => sc.own(c));
    } else {
      // Figures: a fresh page (context, renderer process, heap) for every run of every scenario, clients alternating.
      for (let run = 0; run < opts.runs; run++) {
        for (const sc of SCENARIOS) {
          for (const c of clientsOf(sc)) {
            await attempt(sc, c, run, () => (sc.own ? sc.own(c) : withPage(c, {}, async (page, cdp) => {
              await readyPage(page);
              return sc.run(page, cdp, c);
            })));
          }
        }
      }
    }
    const rows = summarizeRows(results);
    const bytes = bytesLoaded();
    if (opts.smoke) {
      // Sanity of everything: each client produced a figure for each scenario, and every SDK file has a size.
      for (const r of rows) for (const c of selected) if (!r.cells[c.id]) throw new Error(`no ${r.label} figure for ${c.id}`);
      for (const b of bytes) if (!(b.raw > 0 && b.gzip > 0)) throw new Error(`no size for ${b.sdk} ${b.entry}`);
      if (!bytes.some((b) => b.sdk === 'zantara')) throw new Error('no zantara entry measured');
    }
    const loadAfter = m.load();
    const meta = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      command: `node tests/bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      runs: opts.runs, smoke: opts.smoke, counts: { ...N }, build, nproc: m.nproc, cpu: m.cpu, memGiB: m.memGiB, kernel: m.kernel, node: m.node,
      chromium: chromiumVersion, loadBefore, loadAfter,
      quiet: Math.max(...[loadBefore, loadAfter].map((s) => Number(s.split(' / ')[0]))) < 0.5 * Number(m.nproc),
      failures,
      chart: opts.out && opts.chart ? path.relative(path.dirname(opts.out), opts.chart) : null,
    };
    const md = renderMarkdown({ rows, bytes, meta });
    process.stdout.write(`${md}\n`);
    await fsp.writeFile(path.join(WORK, 'results.json'), JSON.stringify({ meta, results, bytes }, null, 1));
    if (opts.out) {
      await writeOut(opts.out, md);
      log(`wrote ${path.relative(ROOT, opts.out)}`);
      if (opts.chart) {
        await renderChart(rows, opts.chart);
        log(`wrote ${path.relative(ROOT, opts.chart)} (${fs.statSync(opts.chart).size} B)`);
      }
    }
    if (failures.length) exit = 1;
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s${opts.smoke ? ': smoke OK' : ''}`);
  } finally {
    await guard(browser.close(), 15_000, 'closing the browser').catch((e) => log(e.message));
    await Promise.all([ref.close(), sio.close(), site.close()].map((p) => guard(p, 10_000, 'closing a server').catch(() => {})));
  }
  process.exit(exit);
}

main().catch((e) => {
  log(`error: ${e.stack ?? e}`);
  process.exit(1);
});
