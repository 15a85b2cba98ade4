#!/usr/bin/env node
// Load figures of the reference server, single and as a cluster (issue 13; BENCHMARKS.md "Cluster"). Each run starts
// its own redis-server and node processes on loopback (tests/cluster/procs.mjs) and drives them from this process
// with Node `ws` clients speaking protocol v2:
//  - fan-out: one publisher sends a burst of messages to a channel with S subscribers (S = 1, 100, 1,000); the rate
//    is deliveries per second from the first send to the last delivery;
//  - latency: the same channel, one message every max(5, S / 25) ms (below saturation); publish-to-delivery time at
//    every subscriber, p50 and p99 (the publisher and the subscribers share this process's clock);
//  - memory per server connection: the node's resident memory (/proc/PID/status VmRSS) with 1,000 subscribed idle
//    connections minus before, over 1,000.
// Setups, all measured in the same run: `memory` (one node, no Redis: the baseline), `redis-1` (one node with
// Redis), `redis-3` (three nodes, subscribers spread over them, the publisher on the first). Ratios are against
// `memory`. Medians of --runs (default 3).
//
//   node tests/bench/cluster.mjs [--runs 3] [--smoke] [--out file.md]

import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { WebSocket } from 'ws';

import { startNode, startRedis } from '../cluster/procs.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const smoke = args.includes('--smoke');
const RUNS = Number(flag('--runs', smoke ? 1 : 3));
const SIZES = smoke ? [1, 20] : [1, 100, 1000];
/** Messages of the fan-out burst at S subscribers: about 100,000 deliveries, at least 100 messages. */
const burstOf = (s) => (smoke ? 50 : Math.max(100, Math.min(5000, Math.round(100_000 / s))));
const LATENCY_MESSAGES = smoke ? 20 : 100;

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let sessions = 0;
/** A v2 client of `url`; `onMessage(frame)` for each channel message. Resolves once welcomed. */
function client(url, onMessage = () => {}) {
  const n = ++sessions;
  const ws = new WebSocket(`${url}?userId=bench${n}&protocol=2&session=s${n}-${process.pid}`, { perMessageDeflate: false });
  const c = { ws, acked: 0, subscribed: 0 };
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    if (f.type === 'message') onMessage(f);
    else if (f.type === 'ack' && Number.isInteger(f.upTo)) c.acked = f.upTo;
    else if (f.type === 'subscribed') c.subscribed++;
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(c));
    ws.once('error', reject);
  });
}

async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(5);
  }
}

const rss = async (pid) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** One setup's figures for one run: {fanout: {S: rate}, p50: {S: ms}, p99: {S: ms}, memory: bytes per connection}. */
async function measure(setup) {
  const redis = setup === 'memory' ? null : await startRedis();
  const nodes = await Promise.all(Array.from({ length: setup === 'redis-3' ? 3 : 1 }, () => startNode(redis?.url, { flags: ['--heartbeat-ms', '30000'] })));
  const out = { fanout: {}, p50: {}, p99: {}, memory: null };
  try {
    for (const S of SIZES) {
      const channel = `bench-${S}`;
      let got = 0;
      const lat = [];
      let mode = 'burst';
      const subs = [];
      for (let i = 0; i < S; i++) {
        subs.push(await client(nodes[i % nodes.length].ws, (f) => {
          got++;
          if (mode === 'latency') lat.push(performance.now() - f.data.t);
        }));
      }
      for (const c of subs) c.ws.send(JSON.stringify({ type: 'subscribe', channel }));
      await until(() => subs.every((c) => c.subscribed === 1), 30_000, 'subscribed');
      const pub = await client(nodes[0].ws);
      let id = 0;
      // Fan-out burst: sent in slices of 100 per turn, so the publisher's socket never holds it all at once.
      const burst = burstOf(S);
      const t0 = performance.now();
      for (let k = 0; k < burst; k++) {
        pub.ws.send(JSON.stringify({ type: 'message', channel, data: { k, t: 0 }, id: ++id }));
        if (k % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => got === burst * S, 120_000, `fan-out at ${S}`);
      out.fanout[S] = (burst * S) / ((performance.now() - t0) / 1000);
      // Latency below saturation: one message every max(5, S / 25) ms (25,000 deliveries/s at most, under half of
      // the fan-out rate measured above), so the figure is the path's, not a queue's.
      mode = 'latency';
      got = 0;
      const every = Math.max(5, S / 25);
      for (let k = 0; k < LATENCY_MESSAGES; k++) {
        pub.ws.send(JSON.stringify({ type: 'message', channel, data: { k, t: performance.now() }, id: ++id }));
        await sleep(every);
      }
      await until(() => got === LATENCY_MESSAGES * S, 60_000, `latency at ${S}`);
      out.p50[S] = pct(lat, 0.5);
      out.p99[S] = pct(lat, 0.99);
      for (const c of [...subs, pub]) c.ws.terminate();
      await sleep(200);
    }
    if (!smoke && setup !== 'redis-3') {
      // Memory per connection: a fresh node, 1,000 subscribed idle connections.
      const fresh = await startNode(redis?.url, { flags: ['--heartbeat-ms', '30000'] });
      try {
        await sleep(300);
        const before = await rss(fresh.pid);
        const conns = [];
        for (let i = 0; i < 1000; i++) conns.push(await client(fresh.ws));
        for (const c of conns) c.ws.send(JSON.stringify({ type: 'subscribe', channel: 'idle' }));
        await until(() => conns.every((c) => c.subscribed === 1), 30_000, 'idle subscribed');
        await sleep(500);
        out.memory = ((await rss(fresh.pid)) - before) / 1000;
        for (const c of conns) c.ws.terminate();
      } finally {
        await fresh.kill('SIGTERM');
      }
    }
  } finally {
    for (const n of nodes) await n.kill('SIGTERM');
    await redis?.close();
  }
  return out;
}

const SETUPS = ['memory', 'redis-1', 'redis-3'];
const results = Object.fromEntries(SETUPS.map((s) => [s, []]));
for (let r = 0; r < RUNS; r++) {
  for (const s of SETUPS) {
    results[s].push(await measure(s));
    process.stderr.write(`run ${r + 1}/${RUNS} ${s} done\n`);
  }
}

const fmt = (n, d = 0) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const med = (s, key, S) => median(results[s].map((x) => (S === undefined ? x[key] : x[key][S])));
const lines = [];
lines.push(`Cluster load, ${RUNS} run(s), medians (node tests/bench/cluster.mjs${smoke ? ' --smoke' : ''}; ${new Date().toISOString().slice(0, 10)}).`);
lines.push('');
lines.push('| setup | subscribers | fan-out (deliveries/s) | vs memory | p50 publish→delivery (ms) | p99 (ms) |');
lines.push('|---|---:|---:|---:|---:|---:|');
for (const s of SETUPS) {
  for (const S of SIZES) {
    const rate = med(s, 'fanout', S);
    lines.push(`| ${s} | ${fmt(S)} | ${fmt(rate)} | ${fmt(rate / med('memory', 'fanout', S), 2)}x | ${fmt(med(s, 'p50', S), 2)} | ${fmt(med(s, 'p99', S), 2)} |`);
  }
}
if (!smoke) {
  lines.push('');
  lines.push('| setup | memory per server connection (B, RSS, 1,000 idle subscribed) |');
  lines.push('|---|---:|');
  for (const s of ['memory', 'redis-1']) lines.push(`| ${s} | ${fmt(med(s, 'memory'))} |`);
}
const text = lines.join('\n');
process.stdout.write(`${text}\n`);
if (flag('--out')) writeFileSync(flag('--out'), `${text}\n`);
