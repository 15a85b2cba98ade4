// What the benchmark pages are made of and served from: the package under test (built if missing, then copied so
// a rebuild during a run cannot mix two builds), the page bundles (esbuild), the cross-origin-isolated static server,
// and the bytes each SDK entry loads.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import * as esbuild from 'esbuild';

import { HERE, ROOT, WORK, log, opts } from './config.mjs';
import { gz } from './util.mjs';

export function ensurePkg() {
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
export async function snapshotPkg() {
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

// Pages: one bundle per client (the driver and its adapter; the SDK stays a separate file, as a page would load it)

export async function buildPages() {
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

export async function startStatic() {
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

export function bytesLoaded() {
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
