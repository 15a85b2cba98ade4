#!/usr/bin/env node
// Size report of the built package (run scripts/build.mjs first):
//  1. raw and gzip bytes of what each entry makes a page download (JS + wasm);
//  2. the separate-wasm entry against the target (socket.io-client's minified gzip, 14,763 bytes);
//  3. what costs most in the wasm: sections, the biggest functions and a per-crate sum, from a copy
//     of the release build that keeps its `name` section (target/size/, same profile except
//     `strip`), bound and optimised exactly like the shipped one.
//
//   node scripts/size.mjs [--no-breakdown] [--top N]

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.join(ROOT, 'pkg');
const CRATE = 'zantara_websocket';
const TARGET_GZIP = 14_763; // socket.io-client 4.8 minified, gzip -9, as measured in tests/bench
const SIZE_TARGET_DIR = path.join(ROOT, 'target', 'size');
const WORK = path.join(ROOT, '.tmp', 'size');
const WASM_OPT = path.join(ROOT, 'node_modules', '.bin', 'wasm-opt');
// Same flags as scripts/build.mjs, plus -g to keep function names.
const WASM_OPT_ARGS = ['-Oz', '-g', '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const fmt = (n) => n.toLocaleString('en-US');

async function measure(files) {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const bytes = await fs.readFile(path.join(PKG, f));
    raw += bytes.length;
    gzip += gz(bytes); // each file is a separate download, compressed on its own
  }
  return { raw, gzip };
}

function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---- a minimal wasm reader: section sizes, function body sizes, the name section ----

function readVarU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const byte = buf[pos.at++];
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result >>> 0;
    shift += 7;
  }
  throw new Error('bad LEB128');
}

function readName(buf, pos) {
  const len = readVarU32(buf, pos);
  const s = buf.subarray(pos.at, pos.at + len).toString('utf8');
  pos.at += len;
  return s;
}

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start',
  'element', 'code', 'data', 'data count', 'tag'];

/** Parses `buf` into {sections: [{name, size}], bodies: [{index, size}], names: Map, imports: number}. */
function parseWasm(buf) {
  const pos = { at: 8 };
  const sections = [];
  const bodies = [];
  const names = new Map();
  let importedFuncs = 0;
  while (pos.at < buf.length) {
    const id = buf[pos.at++];
    const size = readVarU32(buf, pos);
    const start = pos.at;
    const end = start + size;
    let name = SECTION_NAMES[id] ?? `id ${id}`;
    if (id === 0) {
      const p = { at: start };
      const custom = readName(buf, p);
      name = `custom "${custom}"`;
      if (custom === 'name') readNameSection(buf, p, end, names);
    } else if (id === 2) {
      const p = { at: start };
      const count = readVarU32(buf, p);
      for (let i = 0; i < count; i++) {
        readName(buf, p);
        readName(buf, p);
        const kind = buf[p.at++];
        if (kind === 0) { readVarU32(buf, p); importedFuncs++; }
        else if (kind === 1) { p.at++; skipLimits(buf, p); }
        else if (kind === 2) skipLimits(buf, p);
        else if (kind === 3) p.at += 2;
        else if (kind === 4) { p.at++; readVarU32(buf, p); }
      }
    } else if (id === 10) {
      const p = { at: start };
      const count = readVarU32(buf, p);
      for (let i = 0; i < count; i++) {
        const bodySize = readVarU32(buf, p);
        bodies.push({ index: importedFuncs + i, size: bodySize });
        p.at += bodySize;
      }
    }
    sections.push({ name, size: end - start });
    pos.at = end;
  }
  return { sections, bodies, names, importedFuncs };
}

function skipLimits(buf, p) {
  const flags = buf[p.at++];
  readVarU32(buf, p);
  if (flags & 1) readVarU32(buf, p);
}

function readNameSection(buf, p, end, names) {
  while (p.at < end) {
    const sub = buf[p.at++];
    const size = readVarU32(buf, p);
    const subEnd = p.at + size;
    if (sub === 1) {
      const count = readVarU32(buf, p);
      for (let i = 0; i < count; i++) {
        const idx = readVarU32(buf, p);
        names.set(idx, readName(buf, p));
      }
    }
    p.at = subEnd;
  }
}

/** The crate a symbol belongs to, for the per-crate sum (`<T as Trait>::f` counts for T's crate, or
 * the trait's when T is a primitive); export shims (`zantarawebsocket_new ... shim`) hold the
 * exported method with the Rust code inlined into it. */
function crateOf(name) {
  if (!name) return '(unnamed)';
  const n = name.replace(/\[[0-9a-f]{16}\]/g, '');
  if (/^(__wbg|__wbindgen|__wasm_bindgen|__externref)/.test(n)) return 'wasm-bindgen runtime';
  if (/ shim$/.test(n) || /^[a-z]+_[a-zA-Z]+$/.test(n) || n === 'debugCounters') return '(exported methods, Rust inlined)';
  const impl = n.match(/^<+&?(?:mut )?(?:dyn )?([^<>\s]+?)(?:<.*?)? as ([A-Za-z_]\w*)::/);
  if (impl) {
    const self = impl[1].match(/^([A-Za-z_]\w*)::/);
    return self ? self[1] : impl[2];
  }
  const m = n.replace(/^<+/, '').match(/^([A-Za-z_]\w*)::/);
  return m ? m[1] : '(other)';
}

function shortName(name, width = 96) {
  if (!name) return '(unnamed)';
  const clean = name.replace(/::h[0-9a-f]{16}$/, '');
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean;
}

async function breakdown(top) {
  // A release build keeping names: same profile, `strip` off, in its own target dir so the two
  // builds do not invalidate each other's cache.
  execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib',
    '--target-dir', SIZE_TARGET_DIR], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, CARGO_PROFILE_RELEASE_STRIP: 'false', CARGO_PROFILE_RELEASE_DEBUG: 'false' },
  });
  await fs.rm(WORK, { recursive: true, force: true });
  execFileSync('wasm-bindgen', ['--target', 'web', '--out-dir', WORK,
    path.join(SIZE_TARGET_DIR, 'wasm32-unknown-unknown', 'release', `${CRATE}.wasm`)], { cwd: ROOT, stdio: ['ignore', 'inherit', 'ignore'] });
  const named = path.join(WORK, `${CRATE}_named.wasm`);
  execFileSync(WASM_OPT, [path.join(WORK, `${CRATE}_bg.wasm`), ...WASM_OPT_ARGS, '--strip-dwarf', '-o', named], { cwd: ROOT, stdio: 'inherit' });

  const buf = await fs.readFile(named);
  const { sections, bodies, names } = parseWasm(buf);
  const code = bodies.reduce((a, b) => a + b.size, 0);
  console.log(`\nwasm sections (named copy, ${fmt(buf.length)} bytes; the shipped module lacks only the name section):`);
  console.log(table(sections.filter((s) => s.size > 0).sort((a, b) => b.size - a.size)
    .map((s) => [s.name, fmt(s.size)]), ['section', 'bytes']));

  const fns = bodies.map((b) => ({ ...b, name: names.get(b.index) }));
  fns.sort((a, b) => b.size - a.size);
  console.log(`\nbiggest of ${fns.length} functions (code section ${fmt(code)} bytes):`);
  console.log(table(fns.slice(0, top).map((f) => [shortName(f.name), fmt(f.size), `${((100 * f.size) / code).toFixed(1)}%`]),
    ['function', 'bytes', 'of code']));

  const byCrate = new Map();
  for (const f of fns) {
    const c = crateOf(f.name);
    const e = byCrate.get(c) ?? { size: 0, count: 0 };
    e.size += f.size;
    e.count++;
    byCrate.set(c, e);
  }
  console.log('\ncode by crate (monomorphised generics count where they were instantiated from):');
  console.log(table([...byCrate].sort((a, b) => b[1].size - a[1].size).slice(0, 15)
    .map(([c, e]) => [c, fmt(e.count), fmt(e.size), `${((100 * e.size) / code).toFixed(1)}%`]),
  ['crate', 'functions', 'bytes', 'of code']));

  const plain = (f) => (f.name ?? '').replace(/\[[0-9a-f]{16}\]/g, ''); // drop crate disambiguators
  const sum = (re) => fns.filter((f) => re.test(plain(f))).reduce((a, f) => a + f.size, 0);
  console.log('\nfamilies worth slimming (bytes of code):');
  console.log(table([
    ['float formatting (f64 Display: flt2dec, dragon, grisu, bignum)', fmt(sum(/f64 as .*Display|flt2dec|bignum|float_to_decimal|fmt::float/))],
    ['all of core::fmt (Formatter, write, pad, Display/Debug impls)', fmt(sum(/fmt::|Formatter|Display|Debug/))],
    ['Debug escaping (char/str Debug)', fmt(sum(/(char|str) as core::fmt::Debug/))],
    ['BTreeMap / BTreeSet', fmt(sum(/btree/i))],
    ['allocator (dlmalloc)', fmt(sum(/dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)|__rustc::/))],
    ['panic and bounds paths', fmt(sum(/panic|unwrap_failed|expect_failed|slice_error_fail|index_out_of_bounds|slice_.*_fail/))],
  ], ['family', 'bytes']));
  console.log(`data section (string constants: messages, option names, panic locations): ${fmt(sections.find((x) => x.name === 'data')?.size ?? 0)} bytes`);
}

async function main() {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const entries = [
    ['zantara-websocket (index.js, wasm inline)', ['index.js']],
    ['zantara-websocket/web (web.js + .wasm)', ['web.js', `${CRATE}_bg.wasm`]],
    ['  of which the .wasm', [`${CRATE}_bg.wasm`]],
    ['  of which web.js (glue + wrapper)', ['web.js']],
    ['script tag (zantara-websocket.js, inline)', ['zantara-websocket.js']],
    ['zantara-websocket/react (react.js alone)', ['react.js']],
    ['  react.js + index.js', ['react.js', 'index.js']],
  ];
  const rows = [];
  let webGzip = 0;
  for (const [label, files] of entries) {
    const m = await measure(files);
    if (files.length === 2 && files[0] === 'web.js') webGzip = m.gzip;
    rows.push([label, fmt(m.raw), fmt(m.gzip)]);
  }
  console.log('what each entry loads (gzip -9, each file compressed on its own; react excluded):');
  console.log(table(rows, ['entry', 'raw bytes', 'gzip bytes']));
  const verdict = webGzip <= TARGET_GZIP ? 'within' : `OVER by ${fmt(webGzip - TARGET_GZIP)} bytes (${(webGzip / TARGET_GZIP).toFixed(2)}x)`;
  console.log(`\ntarget: separate-wasm entry <= ${fmt(TARGET_GZIP)} gzip bytes (socket.io-client): ${fmt(webGzip)}, ${verdict}`);

  if (!args.includes('--no-breakdown')) await breakdown(top);
}

main().catch((err) => {
  console.error(`size report failed: ${err.stack ?? err}`);
  process.exit(1);
});
