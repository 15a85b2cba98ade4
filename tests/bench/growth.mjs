#!/usr/bin/env node
// Growth benchmark: how the cost of the registry and subscription operations grows with their count. In headless
// Chromium, with the built package (pkg/index.js, served at /pkg/ to a cross-origin isolated page), for N and 10·N,
// each operation timed with performance.now() inside one page task, median of the runs:
//   dispatch     one inbound message (a real frame: the server's `websocket.send` to this user) reaching N `once`
//                handlers of one channel: from a `message` handler (which runs first) to a last channel handler;
//   off          off(event, f) × N on one event (N distinct functions, removed in the order they were added);
//   on           on(event, f) × N on one event;
//   subscribe    subscribe × N distinct channels (client not connected: autoConnect false);
//   unsubscribe  then unsubscribe × N, newest first.
// Linear growth gives a ratio near 10; the target is at most 15. Prints one line per operation and exits 0 whatever
// the timings (it fails only when an operation does the wrong thing, e.g. a handler count is off).
//
//   node tests/bench/growth.mjs [--n 3000] [--runs 3] [--pkg DIR]   # DIR: a built package (default pkg/)
//   node tests/bench/growth.mjs --smoke        # N = 300 and 3,000, one run (scripts/test.sh)

import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { startServer } from '../../www/server/server.js';

/* global __growth -- defined in the bench page by the first page.evaluate below */

function parseArgs(argv) {
  const o = { n: 3000, runs: 3, pkg: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'pkg') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--n') o.n = value();
    else if (flag === '--runs') o.runs = value();
    else if (flag === '--pkg') o.pkg = path.resolve(inline ?? argv[++i]);
    else if (flag === '--smoke') Object.assign(o, { n: 300, runs: 1 });
    else throw new Error(`unknown flag ${argv[i]} (usage: growth.mjs [--n N] [--runs R] [--smoke] [--pkg DIR])`);
  }
  if (!Number.isInteger(o.n) || o.n < 1 || !Number.isInteger(o.runs) || o.runs < 1) throw new Error('--n and --runs must be positive integers');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const USER = 'growth';
const OPS = ['dispatch', 'off', 'on', 'subscribe', 'unsubscribe'];
const STEP_MS = 120_000;

function within(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${STEP_MS / 1000} s`)), STEP_MS); }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Serves an empty page at / and pkg/ at /pkg/, cross-origin isolated so that performance.now() has 5 µs rather than
 * 100 µs resolution (the reference server sends no such headers).
 */
function servePages() {
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    try {
      const body = pathname === '/' ? '<!doctype html><title>growth</title>'
        : await fsp.readFile(path.join(opts.pkg, path.basename(pathname))); // the package is one flat folder
      const type = pathname === '/' ? 'text/html' : pathname.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      res.writeHead(200, { ...headers, 'Content-Type': type }).end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Installs `__growth` in the page: a connected client and one function per operation, each returning ms. */
function installPage({ ws, user }) {
  return import('/pkg/index.js').then((Z) => new Promise((resolve, reject) => {
    const c = new Z.ZantaraWebSocket(user, { wsUrl: ws });
    let t0 = 0;
    c.on('message', () => { t0 = performance.now(); });
    const fns = (n) => Array.from({ length: n }, () => () => {}); // n distinct functions
    const timed = (f) => {
      const t = performance.now();
      f();
      return performance.now() - t;
    };
    globalThis.__growth = {
      // Registers n once handlers and a last one on `ch`; `done` settles when the frame reached the last one.
      arm(n, ch) {
        let fired = 0;
        for (let i = 0; i < n; i++) c.once(ch, () => { fired += 1; });
        this.done = new Promise((res) => c.once(ch, () => res({ ms: performance.now() - t0, fired })));
      },
      off(n, ev) {
        const fs = fns(n);
        for (const f of fs) c.on(ev, f);
        return timed(() => { for (const f of fs) c.off(ev, f); });
      },
      on(n, ev) {
        const fs = fns(n);
        const ms = timed(() => { for (const f of fs) c.on(ev, f); });
        c.off(ev);
        return ms;
      },
      subscriptions(n, prefix) {
        const z = new Z.ZantaraWebSocket(user, { wsUrl: ws, autoConnect: false });
        const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
        let ok = 0;
        const subscribe = timed(() => { for (const ch of names) ok += z.subscribe(ch) ? 1 : 0; });
        const tracked = z.subscriptions.size;
        const unsubscribe = timed(() => { for (let i = n - 1; i >= 0; i--) ok += z.unsubscribe(names[i]) ? 1 : 0; });
        const left = z.subscriptions.size;
        z.free();
        if (ok !== 2 * n || tracked !== n || left !== 0) throw new Error(`subscriptions: ${ok} calls true of ${2 * n}, ${tracked} tracked, ${left} left`);
        return { subscribe, unsubscribe };
      },
    };
    c.on('connected', () => resolve());
    c.on('error', (e) => reject(new Error(`client error: ${e.message}`)));
  }));
}

/** One run of every operation at count n: `{op: ms}`. */
async function measure(page, srv, n, run) {
  const ch = `dispatch-${n}-${run}`;
  await page.evaluate(({ n, ch }) => __growth.arm(n, ch), { n, ch });
  if (srv.hub.sendToUser(USER, ch, { run }) !== 1) throw new Error('the server did not deliver the frame');
  const d = await within(page.evaluate(() => __growth.done), 'dispatch');
  if (d.fired !== n) throw new Error(`dispatch: ${d.fired} of ${n} once handlers ran`);
  const off = await page.evaluate(({ n, ev }) => __growth.off(n, ev), { n, ev: `off-${n}-${run}` });
  const on = await page.evaluate(({ n, ev }) => __growth.on(n, ev), { n, ev: `on-${n}-${run}` });
  const subs = await within(page.evaluate(({ n, p }) => __growth.subscriptions(n, p), { n, p: `s${run}` }), 'subscriptions');
  return { dispatch: d.ms, off, on, ...subs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

const srv = await startServer({ port: 0, log: null });
const pages = await servePages();
const browser = await launchChromium();
try {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => process.stderr.write(`[growth] page error: ${e.message}\n`));
  await page.goto(`http://127.0.0.1:${pages.address().port}/`, { timeout: 15_000 });
  if (!(await page.evaluate(() => crossOriginIsolated))) process.stderr.write('[growth] page not cross-origin isolated: timer resolution 0.1 ms\n');
  await within(page.evaluate(installPage, { ws: srv.ws, user: USER }).then(() => {}), 'connect');
  const sizes = [opts.n, 10 * opts.n];
  const times = Object.fromEntries(sizes.map((n) => [n, Object.fromEntries(OPS.map((op) => [op, []]))]));
  await measure(page, srv, opts.n, 'warm-up'); // JIT and wasm warm-up, not counted
  for (let run = 0; run < opts.runs; run++) {
    // Both sizes in every run, so that drift of a shared machine hits them alike.
    for (const n of sizes) {
      const r = await measure(page, srv, n, run);
      for (const op of OPS) times[n][op].push(r[op]);
      process.stderr.write(`[growth] run ${run + 1}/${opts.runs} N=${n}: ${OPS.map((op) => `${op} ${fmt(r[op])} ms`).join(', ')}\n`);
    }
  }
  process.stderr.write(`[growth] ${browser.version()}, median of ${opts.runs} run(s)\n`);
  for (const op of OPS) {
    const [a, b] = sizes.map((n) => median(times[n][op]));
    const ratio = a > 0 ? (b / a).toFixed(1) : 'n/a (below the timer resolution at N)';
    process.stdout.write(`FIGURE growth ${op}: N=${sizes[0]} ${fmt(a)} ms, N=${sizes[1]} ${fmt(b)} ms, ratio ${ratio}\n`);
  }
} finally {
  await browser.close();
  await srv.close();
  pages.close();
}
