// --profile: instead of the benchmarks, CPU profiles (CDP) of raw and zantara (or the --only clients) in the
// dispatch, inbound, outbound and round-trip scenarios, saved to .tmp/bench/profile-*.cpuprofile with a self-time
// summary on stdout.

import fsp from 'node:fs/promises';
import path from 'node:path';

import { CLIENTS, ROOT, SIZE_MEDIUM, SIZE_SMALL, WEB_ENTRY, WORK, opts } from './config.mjs';
import { call, openMain, peer, readyPage, withPage } from './harness.mjs';
import { percentile, uid } from './util.mjs';

/* global __bench -- page.evaluate callbacks run in the bench page, where page/driver.js defines it */

export async function profile() {
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
