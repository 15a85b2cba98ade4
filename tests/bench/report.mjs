// The report: figures summarized per scenario and client (median, min–max, ratio to raw paired by run), the
// Markdown written to stdout and between the bench markers of --out, and the bar chart of speed relative to raw.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

import { N, SIZE_MEDIUM, SIZE_SMALL, WEB_ENTRY, selected, withWeb } from './config.mjs';
import { browser } from './harness.mjs';
import { SCENARIOS } from './scenarios.mjs';
import { median } from './util.mjs';

const fmtRate = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x >= 1000 ? `${(x / 1000).toFixed(2)}k` : x.toFixed(0));
export const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const fmtBytes = (x) => `${Math.round(x).toLocaleString('en-US')}`;
export const FMT = { 'msg/s': fmtRate, ms: fmtMs, B: fmtBytes };

/** {median, min, max} of the values, and of the per-run ratios to raw (paired by run, so drift cancels). */
export function summarizeRows(results) {
  const rows = [];
  for (const sc of SCENARIOS) {
    for (const m of sc.metrics) {
      const clients = [...selected, ...(sc.web && withWeb ? [WEB_ENTRY] : [])];
      const row = {
        scenario: sc.id, metric: m.key, label: m.label, unit: m.unit ?? sc.unit, better: m.better ?? sc.better, cells: {},
        only: sc.clients ?? null, // the clients the scenario applies to (all when null)
      };
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

export function renderMarkdown({ rows, bytes, meta }) {
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
      const first = d.every((x) => Number.isFinite(x.jsFirstBatch))
        ? ` (first batch ${fmtBytes(median(d.map((x) => x.jsFirstBatch)))})` : '';
      return `${c.id} JS heap ${fmtBytes(median(d.map((x) => x.js)))}${first} + wasm ${fmtBytes(median(d.map((x) => x.wasm)))}`;
    }).filter(Boolean).join('; ')}. The JS heap is measured on a second batch, after the first was closed: on the ` +
      'first it also counts the code V8 compiles while the clients open (a cost per page, not per connection). The ' +
      'wasm memory is measured on the first batch (a later one reuses what it freed); it grows in 64 KiB pages and ' +
      'never shrinks.');
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

export async function writeOut(file, body) {
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
export async function renderChart(rows, file) {
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
