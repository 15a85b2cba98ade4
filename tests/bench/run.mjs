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
//
// The code: config.mjs (flags, counts, clients), util.mjs, site.mjs (package, pages, static server, bytes loaded),
// harness.mjs (servers, browser, pages), scenarios.mjs (the measurements), profile.mjs (--profile), report.mjs
// (Markdown and chart); this file runs them.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { N, ROOT, WEB_ENTRY, WORK, log, opts, selected, withWeb } from './config.mjs';
import { browser, launchBrowser, readyPage, ref, sio, site, startServers, withPage } from './harness.mjs';
import { profile } from './profile.mjs';
import { FMT, fmtMs, renderChart, renderMarkdown, summarizeRows, writeOut } from './report.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { bytesLoaded, buildPages, ensurePkg, snapshotPkg } from './site.mjs';
import { guard } from './util.mjs';

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
  await launchBrowser();
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
  await startServers();
  await launchBrowser();
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
    const applies = (sc, c) => !sc.clients || sc.clients.includes(c.id);
    const clientsOf = (sc) => [...selected, ...(sc.web && withWeb ? [WEB_ENTRY] : [])].filter((c) => applies(sc, c));
    if (opts.smoke) {
      // Sanity only: one page per client runs all its page scenarios in turn (new pages cost ~0.5 s each here).
      for (const c of selected) {
        await withPage(c, {}, async (page, cdp) => {
          await readyPage(page);
          for (const sc of SCENARIOS.filter((x) => x.run && applies(x, c))) await attempt(sc, c, 0, () => sc.run(page, cdp, c));
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
      for (const r of rows) {
        for (const c of selected) if (!r.cells[c.id] && (!r.only || r.only.includes(c.id))) throw new Error(`no ${r.label} figure for ${c.id}`);
      }
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
