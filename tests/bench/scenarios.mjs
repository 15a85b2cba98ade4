// The measurements: inbound floods, synthetic dispatch (client CPU only), outbound bursts, echo round trips, page
// load to connected, memory per connection; and SCENARIOS, the table of them (filtered by --scenarios) that the
// runner and the report walk.

import { N, SIZE_MEDIUM, SIZE_SMALL, opts } from './config.mjs';
import { call, cpuTime, openMain, peer, withPage } from './harness.mjs';
import { guard, percentile, uid, until } from './util.mjs';

/* global __bench -- page.evaluate callbacks run in the bench page, where page/driver.js defines it */

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

/**
 * Acknowledged sends (the SDK's callback, socket.io's emit callback, raw's hand-made protocol v2): the rate of
 * `count` sends in one loop until the last is acknowledged, and the p50 of sequential send-to-acknowledgement
 * times. partysocket has no acknowledgements.
 */
async function acked(page, client, count) {
  const userId = uid(`ack-${client.id}`);
  await openMain(page, client, userId);
  const pass = async (n) => {
    const r = await call(page, (o) => __bench.ackedBurst(o), { count: n, channel: 'acked', timeoutMs: 60_000 }, 90_000, `${client.id} acked burst`);
    if (r.failed) throw new Error(`${client.id}: ${r.failed} of ${n} not acknowledged`);
    return r;
  };
  await pass(Math.max(50, Math.round(count / 10)));
  const r = await pass(count);
  const times = await call(page, (o) => __bench.ackedRoundTrips(o), { count: N.rtt, warmup: N.rttWarmup, timeoutMs: 60_000 }, 90_000,
    `${client.id} acked round trips`);
  if (times.length !== N.rtt) throw new Error(`${client.id}: ${times.length} of ${N.rtt} acknowledged round trips`);
  return {
    value: sane((count / (r.tLast - r.t0)) * 1000, 'acked msg/s'),
    p50: sane(percentile(times, 50), 'ack p50'),
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

/**
 * Memory per open connection: `count` clients connected and subscribed, in one page.
 *
 * Two batches. The first (after one client, so that code loaded or compiled on first use is not
 * counted) gives the wasm memory each connection takes: wasm memory only grows, in 64 KiB pages,
 * and a later batch would reuse what the first freed. Its clients are then closed, and the second
 * batch gives the JS heap each connection keeps: measured on the first, it also counts the code V8
 * compiles (and optimises) while the batch opens, about 100 KB per page whatever the number of
 * clients, which is no cost of a connection. Both are reported (`jsFirstBatch`).
 */
async function memory(page, cdp, client, count) {
  const prefix = uid(`mem-${client.id}`);
  const heap = async () => {
    for (let i = 0; i < 3; i++) await guard(cdp.send('HeapProfiler.collectGarbage'), 10_000, 'gc');
    const u = await guard(cdp.send('Runtime.getHeapUsage'), 10_000, 'heap usage');
    const wasm = await call(page, () => __bench.wasmBytes(), null, 5000, 'wasm bytes');
    return { js: u.usedSize, wasm };
  };
  const batch = async (name, extra) => {
    await call(page, (o) => __bench.openMany(o), { prefix: `${prefix}-${name}`, count, channel: 'mem', timeoutMs: 30_000 }, 40_000, `${count} clients`);
    await until(() => peer.countSubscribed(client, `${prefix}-`, 'mem') === count + extra, 20_000, `${count} clients subscribed`);
  };
  await call(page, () => __bench.init(), null, 15_000, 'init');
  await call(page, (o) => __bench.openMany(o), { prefix: `${prefix}-first`, count: 1, channel: 'mem', timeoutMs: 10_000 }, 15_000, 'first client');
  await until(() => peer.countSubscribed(client, `${prefix}-first`, 'mem') === 1, 5000, 'first client subscribed');
  const start = await heap();
  await batch('a', 1);
  const first = await heap();
  await call(page, () => __bench.closeAll(), null, 10_000, 'close all');
  await until(() => peer.countSubscribed(client, `${prefix}-`, 'mem') === 0, 20_000, 'first batch closed');
  const before = await heap();
  await batch('b', 0);
  const after = await heap();
  await call(page, () => __bench.closeAll(), null, 10_000, 'close all');
  const js = (after.js - before.js) / count;
  const wasm = (first.wasm - start.wasm) / count;
  return { value: sane(js + wasm, 'bytes per connection'), js, wasm, jsFirstBatch: (first.js - start.js) / count };
}

// `run(page, cdp, client)` runs in a page of the client's (a fresh one per run, or one per client in the smoke run);
// `own(client)` opens its own page (the connect scenario navigates).
export const SCENARIOS = [
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
  { id: 'acked', unit: 'msg/s', better: 'higher', run: (p, _, c) => acked(p, c, N.acked), clients: ['raw', 'zantara', 'socketio'],
    metrics: [
      { key: 'value', label: `acknowledged sends, ${N.acked} in one loop → last acknowledgement` },
      { key: 'p50', label: 'acknowledged send → its acknowledgement p50 (ms; lower is better)', unit: 'ms', better: 'lower' },
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
