#!/usr/bin/env node
// Size report of the built package (run scripts/build.mjs first):
//  1. raw, gzip -9 and brotli (quality 11) bytes of what each entry makes a page download (JS + wasm),
//     each file compressed on its own (a separate download each), summed per entry;
//  2. the libraries the README compares with, measured in the same run from node_modules: the builds
//     their authors ship minified as they are, the others bundled and minified here by esbuild (in memory);
//  3. (the limits and targets per entry are in size-budget.json: --check)
//  4. what costs most in the wasm: sections, the biggest functions and a per-crate sum, from a copy
//     of the release build that keeps its `name` section (target/size/, same profile except
//     `strip`), bound and optimised like the shipped one (without the short import and export
//     names of scripts/short-imports.mjs, so the import and export sections read larger).
//
//   node scripts/size.mjs [--no-breakdown] [--top N]   the report (1-4; --no-breakdown skips 4, which runs cargo)
//   node scripts/size.mjs --check                       pkg/ against size-budget.json (gzip bytes per entry): one
//                                                       line per entry, exit status 1 if one is over or missing
//   node scripts/size.mjs --markdown                    the README's size table (entries and libraries, gzip and brotli)
//
// --check and --markdown never run the breakdown (--no-breakdown is accepted with them).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.join(ROOT, 'pkg');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const BUDGET = path.join(ROOT, 'size-budget.json');
const CRATE = 'zantara_websocket';
const WASM = `${CRATE}_bg.wasm`;
const SIZE_TARGET_DIR = path.join(ROOT, 'target', 'size');
const WORK = path.join(ROOT, '.tmp', 'size');
const WASM_OPT = path.join(ROOT, 'node_modules', '.bin', 'wasm-opt');
// Same flags as scripts/build.mjs, plus -g to keep function names.
const WASM_OPT_ARGS = ['-Oz', '-g', '--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

// What each entry makes a page download. `id` names the entry in size-budget.json; `md` is its label in the
// README's table (rows without one are left out of it).
const ENTRIES = [
  { id: 'default', label: 'zantara-websocket (index.js, wasm inline)', md: '`zantara-websocket` (`index.js`, wasm inline)', files: ['index.js'] },
  { id: 'web', label: 'zantara-websocket/web (web.js + .wasm)', md: '`zantara-websocket/web` (`web.js` + `.wasm`)', files: ['web.js', WASM] },
  { id: 'web.wasm', label: '  of which the .wasm', md: '· the `.wasm` (after `wasm-opt -Oz`)', files: [WASM] },
  { id: 'web.js', label: '  of which web.js (glue + wrapper)', md: '· `web.js` (glue + wrapper)', files: ['web.js'] },
  { id: 'script', label: 'script tag (zantara-websocket.js, inline)', md: 'script tag (`zantara-websocket.js`, inline)', files: ['zantara-websocket.js'] },
  { id: 'react', label: 'zantara-websocket/react (react.js alone)', md: '`zantara-websocket/react` (`react.js` alone)', files: ['react.js'] },
  { id: 'react+default', label: '  react.js + index.js', files: ['react.js', 'index.js'] },
  { id: 'presence', label: 'zantara-websocket/presence (presence.js alone)', md: '`zantara-websocket/presence` (`presence.js` alone)', files: ['presence.js'] },
  { id: 'presence-script', label: 'presence script tag (zantara-presence.js)', md: 'presence script tag (`zantara-presence.js`)', files: ['zantara-presence.js'] },
];
// The entries each library is divided into in the comparison.
const RATIO_OF = [['default', 'index.js ÷'], ['web', 'web ÷'], ['script', 'script ÷']];

// The libraries the README compares with. `file`: a build shipped minified, measured as it is; `bundle`: an
// entry esbuild bundles and minifies here (the package ships no minified build of it). `md: false` keeps a
// row out of the README's table. Libraries that are not installed are skipped (centrifuge-js is not a
// devDependency: `npm install --no-save centrifuge` to include it).
const LIBRARIES = [
  { name: 'socket.io-client', pkg: 'socket.io-client', variant: 'ESM', file: 'dist/socket.io.esm.min.js' },
  { name: 'socket.io-client', pkg: 'socket.io-client', variant: 'script tag', file: 'dist/socket.io.min.js' },
  { name: 'Phoenix', pkg: 'phoenix', variant: 'ESM', bundle: "export * from 'phoenix';", unminified: 'priv/static/phoenix.mjs' },
  { name: 'Phoenix', pkg: 'phoenix', variant: 'script tag', file: 'priv/static/phoenix.min.js' },
  { name: 'partysocket', pkg: 'partysocket', variant: 'main entry', bundle: "export * from 'partysocket';" },
  { name: 'partysocket', pkg: 'partysocket', variant: 'partysocket/ws only', bundle: "export { default } from 'partysocket/ws';", md: false },
  { name: 'centrifuge-js', pkg: 'centrifuge', variant: 'main entry', bundle: "export * from 'centrifuge';" },
];
// As tests/bench/site.mjs bundles partysocket, so that the figures agree with BENCHMARKS.md.
const ESBUILD_OPTIONS = { bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'chrome120' };

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, {
  params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: buf.length },
}).length;
const fmt = (n) => n.toLocaleString('en-US');
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

// Each file of pkg/ is read once, so a rebuild during the run cannot mix two builds in one entry's figures
// (it can still mix them across entries).
const pkgFiles = new Map();
async function pkgFile(f) {
  if (!pkgFiles.has(f)) {
    pkgFiles.set(f, await fs.readFile(path.join(PKG, f)).catch((e) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    }));
  }
  return pkgFiles.get(f);
}

/** Sizes of buffers downloaded separately: each compressed on its own, summed. */
function sizes(bufs) {
  return bufs.reduce((s, b) => ({ raw: s.raw + b.length, gzip: s.gzip + gz(b), brotli: s.brotli + br(b) }),
    { raw: 0, gzip: 0, brotli: 0 });
}

/** {entry, missing: [file], raw, gzip, brotli} per entry of ENTRIES (sizes null when a file is missing). */
async function measureEntries() {
  const out = [];
  for (const entry of ENTRIES) {
    const bufs = await Promise.all(entry.files.map(pkgFile));
    const missing = entry.files.filter((_, i) => !bufs[i]);
    out.push({ entry, missing, ...(missing.length ? { raw: null, gzip: null, brotli: null } : sizes(bufs)) });
  }
  return out;
}

async function readJson(file) {
  return JSON.parse(await fs.readFile(file, 'utf8'));
}

/** A failure to report in one line, without a stack. */
class Refusal extends Error {}

/** The libraries of LIBRARIES that are installed, measured: {lib, version, measured, how, raw, gzip, brotli},
 * or {lib, absent: reason}. */
async function measureLibraries() {
  let esbuild = null;
  const out = [];
  for (const lib of LIBRARIES) {
    const dir = path.join(NODE_MODULES, lib.pkg);
    let version;
    try {
      ({ version } = await readJson(path.join(dir, 'package.json')));
    } catch {
      out.push({ lib, absent: `not installed (node_modules/${lib.pkg})` });
      continue;
    }
    if (lib.file) {
      const buf = await fs.readFile(path.join(dir, lib.file)).catch(() => null);
      if (!buf) {
        out.push({ lib, version, absent: `node_modules/${lib.pkg}/${lib.file} missing` });
        continue;
      }
      out.push({ lib, version, measured: `node_modules/${lib.pkg}/${lib.file}`, how: 'minified by its authors, measured as shipped', ...sizes([buf]) });
      continue;
    }
    esbuild ??= await import('esbuild');
    const result = await esbuild.build({
      ...ESBUILD_OPTIONS,
      stdin: { contents: lib.bundle, resolveDir: ROOT, loader: 'js' },
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((f) => f !== '<stdin>');
    const buf = Buffer.from(result.outputFiles[0].contents);
    const opts = `esbuild ${esbuild.version}: ${ESBUILD_OPTIONS.format}, platform ${ESBUILD_OPTIONS.platform}, target ${ESBUILD_OPTIONS.target}, minified, in memory`;
    out.push({
      lib, version, inputs, measured: `\`${lib.bundle}\` bundled from ${inputs.join(' + ')}`,
      how: `${lib.unminified ? `${lib.unminified} is not minified; ` : 'no minified build shipped; '}bundled and minified here by ${opts}`,
      ...sizes([buf]),
    });
  }
  return out;
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
  execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features',
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

const libLabel = (m) => `${m.lib.name} ${m.version ?? ''} (${m.lib.variant})`.replace('  ', ' ');

async function report(args) {
  const entries = await measureEntries();
  const cell = (m, k) => (!m.missing.length ? fmt(m[k]) : k === 'raw' ? `missing ${m.missing.join(', ')}` : '-');
  console.log('what each entry loads (gzip -9 and brotli quality 11, each file compressed on its own, summed; React itself not counted):');
  console.log(table(entries.map((m) => [m.entry.label, cell(m, 'raw'), cell(m, 'gzip'), cell(m, 'brotli')]),
    ['entry', 'raw bytes', 'gzip bytes', 'brotli bytes']));

  const ours = new Map(entries.map((m) => [m.entry.id, m]));
  const libs = await measureLibraries();
  const present = libs.filter((m) => !m.absent);
  const ratios = (m) => RATIO_OF.map(([id]) => {
    const o = ours.get(id);
    return o.missing.length ? 'missing' : `${ratio(o.gzip, m.gzip)} / ${ratio(o.brotli, m.brotli)}`;
  });
  console.log('\ncompared with (same run; same compression; ratios: our entry divided by the library, gzip / brotli):');
  console.log(table(present.map((m) => [libLabel(m), fmt(m.raw), fmt(m.gzip), fmt(m.brotli), ...ratios(m)]),
    ['library', 'raw bytes', 'gzip bytes', 'brotli bytes', ...RATIO_OF.map(([, h]) => h)]));
  console.log('files measured:');
  for (const m of present) console.log(`  ${libLabel(m)}: ${m.measured}; ${m.how}`);
  for (const m of libs.filter((x) => x.absent)) console.log(`  ${m.lib.name} (${m.lib.variant}): skipped, ${m.absent}`);

  console.log('\nlimits and targets per entry: size-budget.json (node scripts/size.mjs --check)');
  const missing = [...new Set(entries.flatMap((m) => m.missing))];
  if (missing.length) {
    console.error(`\nsize report: pkg/ lacks ${missing.join(', ')} (run node scripts/build.mjs)`);
    process.exitCode = 1;
  }

  if (!args.includes('--no-breakdown')) {
    const topAt = args.indexOf('--top');
    await breakdown(topAt >= 0 ? Number(args[topAt + 1]) : 25);
  }
}

/** pkg/ against size-budget.json: one line per budgeted entry; exit status 1 if one is over or missing, or the
 * budget names an entry this script does not know, has no valid limit, or lists other files than the entry loads
 * (`files`, optional, is there for the reader and must agree with ENTRIES). */
async function check() {
  const budget = await readJson(BUDGET).catch((e) => {
    throw new Refusal(`size budget: cannot read ${path.relative(ROOT, BUDGET)}: ${e.message}`);
  });
  const entries = new Map((await measureEntries()).map((m) => [m.entry.id, m]));
  const keys = Object.keys(budget).filter((k) => !k.startsWith('$'));
  if (!keys.length) throw new Refusal(`size budget: ${path.relative(ROOT, BUDGET)} budgets no entry`);
  const failed = [];
  for (const id of keys) {
    const limit = budget[id]?.limit;
    const m = entries.get(id);
    if (!m) {
      console.log(`size budget: ${id} is not an entry of scripts/size.mjs (known: ${[...entries.keys()].join(', ')})`);
      failed.push(id);
    } else if (!Number.isInteger(limit) || limit <= 0) {
      console.log(`size budget: ${id} has no valid "limit" in ${path.relative(ROOT, BUDGET)}`);
      failed.push(id);
    } else if (budget[id].files !== undefined && budget[id].files !== m.entry.files.join(' + ')) {
      console.log(`size budget: ${id} says its files are "${budget[id].files}" but the entry loads "${m.entry.files.join(' + ')}"`);
      failed.push(id);
    } else if (m.missing.length) {
      console.log(`size budget: ${id} cannot be measured: pkg/${m.missing.join(', pkg/')} missing (run node scripts/build.mjs), limit ${fmt(limit)} B`);
      failed.push(id);
    } else if (m.gzip > limit) {
      console.log(`size budget: ${id} is ${fmt(m.gzip)} B gzip, limit ${fmt(limit)} B: ${fmt(m.gzip - limit)} B over`);
      failed.push(id);
    } else {
      const target = budget[id].target;
      const goal = Number.isInteger(target) && target < limit
        ? `; target ${fmt(target)} B: ${m.gzip > target ? `${fmt(m.gzip - target)} B to go` : 'reached'}`
        : '';
      console.log(`size budget: ${id} is ${fmt(m.gzip)} B gzip, limit ${fmt(limit)} B: within, ${fmt(limit - m.gzip)} B to spare${goal}`);
    }
  }
  if (failed.length) {
    console.error(`size budget FAILED for ${failed.join(', ')} (${path.relative(ROOT, BUDGET)}; raising a limit is a commit that says why)`);
    process.exitCode = 1;
  }
}

/** The README's size table: our entries, then the libraries it compares with, raw, gzip and brotli. */
async function markdown() {
  const entries = await measureEntries();
  const missing = [...new Set(entries.flatMap((m) => m.missing))];
  if (missing.length) throw new Refusal(`size report: pkg/ lacks ${missing.join(', ')} (run node scripts/build.mjs)`);
  const libs = (await measureLibraries()).filter((m) => !m.absent && m.lib.md !== false);
  const inPkg = (m, f) => path.relative(path.join(NODE_MODULES, m.lib.pkg), path.join(ROOT, f));
  const how = (m) => (m.lib.file ? `\`${m.lib.file}\`, minified by its authors`
    : `${m.inputs.map((f) => `\`${inPkg(m, f)}\``).join(' + ')} bundled and minified by esbuild`);
  const row = (label, m) => `| ${label} | ${fmt(m.raw)} | ${fmt(m.gzip)} | ${fmt(m.brotli)} |`;
  const web = entries.find((m) => m.entry.id === 'web');
  const lines = ['| entry | raw bytes | gzip bytes | brotli bytes |', '|---|---:|---:|---:|'];
  for (const m of entries) if (m.entry.md) lines.push(row(m.entry.md, m));
  for (const m of libs) lines.push(row(`${m.lib.name} ${m.version}, ${m.lib.variant} (${how(m)})`, m));
  lines.push('', 'gzip -9 and brotli (quality 11), each file compressed on its own and summed per entry; libraries '
    + 'from node_modules, measured in the same run (`node scripts/size.mjs --markdown` prints this table). '
    + `The separate-wasm entry is ${libs.map((m) => `${ratio(web.gzip, m.gzip)} ${m.lib.name} (${m.lib.variant})`).join(', ')} in gzip bytes.`);
  console.log(lines.join('\n'));
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--check')) await check();
  else if (args.includes('--markdown')) await markdown();
  else await report(args);
}

main().catch((err) => {
  console.error(err instanceof Refusal ? err.message : `size report failed: ${err.stack ?? err}`);
  process.exit(1);
});
