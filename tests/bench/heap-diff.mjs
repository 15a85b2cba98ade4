#!/usr/bin/env node
// Diagnostic (not the benchmark): what one zantara connection keeps on the JS heap, by object kind. Takes a heap
// snapshot (CDP, after forced GC) with one client connected and another after N more, and prints the difference per
// connection, grouped by V8 node type and name (closures, WeakCells of FinalizationRegistry, event listeners,
// timers, the Blink WebSocket objects every client has, the wasm memory's backing store...).
//
//   node tests/bench/heap-diff.mjs [N=200]

import { launchChromium } from './chromium.mjs';
import { startServer } from '../../www/server/server.js';

const K = Number(process.argv[2] ?? 200);
const srv = await startServer({ port: 0, faults: true, log: null });
const browser = await launchChromium();
const guard = (p, ms, what) => {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms); })]).finally(() => clearTimeout(t));
};
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await page.goto(`${srv.http}/pkg/package.json`, { timeout: 15_000 });
  const open = (n, prefix) => guard(page.evaluate(async ({ ws, n, prefix }) => {
    window.Z ??= await import('/pkg/index.js');
    window.clients ??= [];
    await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve) => {
      const c = new window.Z.ZantaraWebSocket(`${prefix}-${i}`, { wsUrl: ws });
      c.on('mem', () => {});
      c.on('connected', () => { c.subscribe('mem'); resolve(); });
      window.clients.push(c);
    })));
  }, { ws: srv.ws, n, prefix }), 60_000, `${n} clients`);

  async function snapshot() {
    for (let i = 0; i < 3; i++) await guard(cdp.send('HeapProfiler.collectGarbage'), 10_000, 'gc');
    const chunks = [];
    const onChunk = (e) => chunks.push(e.chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    await guard(cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }), 60_000, 'snapshot');
    cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    const s = JSON.parse(chunks.join(''));
    const f = s.snapshot.meta.node_fields;
    const types = s.snapshot.meta.node_types[0];
    const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
    const agg = new Map();
    for (let i = 0; i < s.nodes.length; i += f.length) {
      const type = types[s.nodes[i + iType]];
      const name = type.includes('string') ? '' : s.strings[s.nodes[i + iName]].slice(0, 70);
      const key = `${type}: ${name}`;
      const a = agg.get(key) ?? { n: 0, size: 0 };
      a.n++;
      a.size += s.nodes[i + iSize];
      agg.set(key, a);
    }
    return agg;
  }

  await open(1, 'first'); // the module is instantiated and its code warm before the baseline
  const before = await snapshot();
  await open(K, 'many');
  const after = await snapshot();
  const rows = [];
  let total = 0;
  for (const [key, a] of after) {
    const b = before.get(key) ?? { n: 0, size: 0 };
    const size = (a.size - b.size) / K;
    if (size > 0) { rows.push([key, (a.n - b.n) / K, size]); total += size; }
  }
  rows.sort((x, y) => y[2] - x[2]);
  process.stdout.write(`per connection, ${K} clients: ${total.toFixed(0)} B in the heap snapshot (V8 and Blink objects)\n`);
  for (const [key, n, size] of rows.slice(0, 30)) {
    process.stdout.write(`${size.toFixed(0).padStart(7)} B ${n.toFixed(2).padStart(6)} objects  ${key}\n`);
  }
} finally {
  await browser.close();
  await srv.close();
}
