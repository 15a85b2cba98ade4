#!/usr/bin/env node
// Builds the npm package into pkg/ (git-ignored), from the release wasm and the hand-written
// sources in src/js/:
//
//   1. cargo build --release --target wasm32-unknown-unknown --lib
//   2. wasm-bindgen --target web            -> .tmp/build/bindgen/, import names then shortened in
//      the module and its glue (scripts/short-imports.mjs)
//   3. wasm-opt -Oz (binaryen 132 from npm)  -> .tmp/build/zantara_websocket_bg.wasm
//   4. esbuild bundles src/js/ with the glue:
//        pkg/index.js              default ESM entry, wasm inlined, instantiated lazily and synchronously
//        pkg/web.js (+ .wasm)      ESM entry loading the separate .wasm after `await init()`
//        pkg/zantara-websocket.js  script-tag IIFE defining window.ZantaraWebSocket, wasm inlined
//        pkg/react.js              zantara-websocket/react (imports react, ./index.js, ./presence.js)
//        pkg/presence.js           zantara-websocket/presence (Presence: members and typing)
//        pkg/zantara-presence.js   script-tag IIFE defining window.ZantaraPresence
//   5. type declarations, package.json, README/LICENSE/CHANGELOG.
//
//   node scripts/build.mjs [--skip-cargo]     (--skip-cargo reuses the last cargo build)

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

import { shortenExports, shortenImports } from './short-imports.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG = path.join(ROOT, 'pkg');
const WORK = path.join(ROOT, '.tmp', 'build');
const BINDGEN = path.join(WORK, 'bindgen');
const JS_SRC = path.join(ROOT, 'src', 'js');
const CRATE = 'zantara_websocket';
const RAW_WASM = path.join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', `${CRATE}.wasm`);
const GLUE = path.join(BINDGEN, `${CRATE}.js`);
const OPT_WASM = path.join(WORK, `${CRATE}_bg.wasm`);
const WASM_OPT = path.join(ROOT, 'node_modules', '.bin', 'wasm-opt');

// What rustc 1.95 emits for wasm32-unknown-unknown by default. wasm-opt must be told, since the
// `target_features` section is stripped (`strip = true`); a missing flag fails validation loudly.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-bulk-memory-opt',
  '--enable-sign-ext',
  '--enable-nontrapping-float-to-int',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];

/** Runs a command with inherited stderr; throws on failure. */
function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

/** The `version` of Cargo.toml's [package] table. */
async function crateVersion() {
  const toml = await fs.readFile(path.join(ROOT, 'Cargo.toml'), 'utf8');
  const pkgTable = toml.split(/^\[/m).find((t) => t.startsWith('package]'));
  const version = pkgTable?.match(/^version\s*=\s*"([^"]+)"/m)?.[1];
  if (!version) throw new Error('no [package] version in Cargo.toml');
  return version;
}

/**
 * rustc flags that shorten the source paths a panic location keeps in the module (the cargo
 * registry's, this checkout's and the standard library's prefixes dropped): fewer bytes, and the
 * same bytes on every machine whatever its home or checkout folder. Any RUSTFLAGS of the caller
 * come first.
 */
function remapFlags() {
  const home = process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
  const commit = execFileSync('rustc', ['-vV'], { encoding: 'utf8' }).match(/^commit-hash: (\w+)/m)?.[1];
  const registry = path.join(home, 'registry', 'src');
  const indexes = existsSync(registry) ? readdirSync(registry).map((d) => path.join(registry, d) + path.sep) : [];
  const prefixes = [...indexes, ROOT + path.sep];
  if (commit) prefixes.push(`/rustc/${commit}/`); // inlined std code keeps its own (already remapped) paths
  const own = (process.env.RUSTFLAGS ?? '').split(' ').filter(Boolean);
  return [...own, ...prefixes.map((p) => `--remap-path-prefix=${p}=`)].join('\x1f');
}

async function buildWasm({ skipCargo }) {
  if (!skipCargo) {
    run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features'],
      { env: { ...process.env, CARGO_ENCODED_RUSTFLAGS: remapFlags() } });
  }
  await fs.rm(BINDGEN, { recursive: true, force: true });
  // Its warning about the missing `target_features` section (the release profile strips it) is
  // expected: wasm-opt gets the features explicitly below. Anything else it says is shown.
  const bindgen = spawnSync('wasm-bindgen', ['--target', 'web', '--out-dir', BINDGEN, RAW_WASM],
    { cwd: ROOT, encoding: 'utf8' });
  const said = `${bindgen.stdout ?? ''}${bindgen.stderr ?? ''}`.split('\n')
    .filter((line) => line.trim() && !/`target_features` custom section is missing/.test(line)).join('\n');
  if (said) console.error(said);
  if (bindgen.status !== 0) throw new Error(`wasm-bindgen failed (${bindgen.error?.message ?? `exit ${bindgen.status}`})`);
  // Short import names in the module and its glue (see scripts/short-imports.mjs).
  const boundWasm = path.join(BINDGEN, `${CRATE}_bg.wasm`);
  const short = shortenImports(await fs.readFile(boundWasm), await fs.readFile(GLUE, 'utf8'));
  // `memory` and the hub's entry point are found by name (wasm_bindgen::memory(), boundary.js).
  const shorter = shortenExports(short.wasm, short.glue, ['memory', '__zantaraSink']);
  await fs.writeFile(boundWasm, shorter.wasm);
  await fs.writeFile(GLUE, trimGlueWarnings(shorter.glue));
  if (!existsSync(WASM_OPT)) throw new Error('node_modules/.bin/wasm-opt missing: run bash scripts/setup.sh');
  run(WASM_OPT, [boundWasm, '-Oz', ...WASM_FEATURES,
    '--strip-debug', '--strip-producers', '-o', OPT_WASM]);
}

/**
 * The glue's console warnings, shorter (every byte of web.js counts against the size budget):
 * the two about deprecated init parameters cannot happen (src/js/load-web.js passes an object),
 * and the one about a .wasm served without `application/wasm` says the same in fewer words.
 * Each must be found: wasm-bindgen is pinned, and a new version is checked here first.
 */
function trimGlueWarnings(glue) {
  const swaps = [
    ['"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\\n"',
      '"zantara-websocket: the .wasm is not served as application/wasm, so it compiles without streaming (slower):"'],
    ["'using deprecated parameters for `initSync()`; pass a single object instead'", "'deprecated initSync() parameters'"],
    ["'using deprecated parameters for the initialization function; pass a single object instead'", "'deprecated init() parameters'"],
  ];
  let out = glue;
  for (const [from, to] of swaps) {
    if (!out.includes(from)) throw new Error(`the wasm-bindgen glue no longer says ${from}: update trimGlueWarnings`);
    out = out.replace(from, to);
  }
  return out;
}

/** The glue's copy of src/shell/boundary.js (wasm-bindgen's snippets folder, one per crate hash). */
function gluedBoundary() {
  const snippets = path.join(BINDGEN, 'snippets');
  const dirs = existsSync(snippets) ? readdirSync(snippets) : [];
  if (dirs.length !== 1) throw new Error(`expected one snippets folder in ${snippets}, found ${dirs.length}`);
  return path.join(snippets, dirs[0], 'src', 'shell', 'boundary.js');
}

/**
 * Resolves the virtual imports of src/js/client.js and the loaders:
 *   zantara:glue         -> the wasm-bindgen glue
 *   zantara:loader       -> src/js/load-inline.js or src/js/load-web.js
 *   zantara:boundary     -> the glue's copy of src/shell/boundary.js (so client.js shares its state)
 *   zantara:wasm-base64  -> the optimised wasm as a base64 string (inline entries only)
 */
function virtualModules(loader) {
  return {
    name: 'zantara-virtual',
    setup(build) {
      build.onResolve({ filter: /^zantara:/ }, ({ path: id }) => {
        switch (id) {
          case 'zantara:glue': return { path: GLUE };
          case 'zantara:loader': return { path: path.join(JS_SRC, `load-${loader}.js`) };
          case 'zantara:boundary': return { path: gluedBoundary() };
          case 'zantara:wasm-base64':
            if (loader !== 'inline') return { errors: [{ text: 'the web entry must not inline the wasm' }] };
            return { path: OPT_WASM, namespace: 'wasm-base64' };
          default: return { errors: [{ text: `unknown virtual module ${id}` }] };
        }
      });
      // The module deflated (raw DEFLATE, level 9), then base64: gzip cannot shrink base64 of the
      // raw module much (6 bits per character defeat its matching), so the inline entries carry it
      // compressed, and src/js/load-inline.js inflates it (fflate) before compiling.
      build.onLoad({ filter: /.*/, namespace: 'wasm-base64' }, async ({ path: file }) => ({
        contents: `export default ${JSON.stringify(deflateRawSync(await fs.readFile(file), { level: 9 }).toString('base64'))};`,
        loader: 'js',
      }));
    },
  };
}

async function bundle(version) {
  const banner = `/*! zantara-websocket ${version} | MIT License */`;
  // The inline entries bundle fflate's inflateSync: its MIT notice goes with it.
  const inlineBanner = { js: `${banner}\n/*! fflate 0.8.2 (inflateSync) | MIT License | (c) 2023 Arjun Barrett */` };
  const common = {
    bundle: true,
    minify: true,
    keepNames: false,
    legalComments: 'none',
    target: 'es2022',
    platform: 'browser',
    logLevel: 'warning',
    // wasm-bindgen 0.2.130 names the snippet module once per import group in its imports object;
    // the duplicate keys hold the same namespace, so the warning is noise.
    logOverride: { 'duplicate-object-key': 'silent' },
    banner: { js: banner },
  };
  await Promise.all([
    esbuild.build({
      ...common, entryPoints: [path.join(JS_SRC, 'index.js')], outfile: path.join(PKG, 'index.js'),
      format: 'esm', plugins: [virtualModules('inline')], banner: inlineBanner,
    }),
    esbuild.build({
      ...common, entryPoints: [path.join(JS_SRC, 'web.js')], outfile: path.join(PKG, 'web.js'),
      format: 'esm', plugins: [virtualModules('web')],
    }),
    esbuild.build({
      ...common, entryPoints: [path.join(JS_SRC, 'global.js')], outfile: path.join(PKG, 'zantara-websocket.js'),
      format: 'iife', plugins: [virtualModules('inline')], banner: inlineBanner,
      // The glue's async loader (which reads import.meta.url) is unused here and tree-shaken away.
      logOverride: { ...common.logOverride, 'empty-import-meta': 'silent' },
    }),
    esbuild.build({
      // Not minified: small, and readable in an app's dev tools. `./index.js` stays an import so the
      // app shares one SDK (and one wasm instance) between 'zantara-websocket' and '/react'.
      // 'use client' first (before the licence comment): Next.js' app router needs it to use the
      // hooks from a server component's tree, and esbuild drops a directive written in the source.
      ...common, minify: false, entryPoints: [path.join(JS_SRC, 'react.js')], outfile: path.join(PKG, 'react.js'),
      format: 'esm', external: ['react', './index.js', './presence.js'], banner: { js: `'use client';\n${banner}` },
    }),
    // Presence and typing: a module of its own (it takes a client, imports nothing), and as a
    // classic script defining window.ZantaraPresence for pages that use the script-tag file.
    esbuild.build({
      ...common, entryPoints: [path.join(JS_SRC, 'presence.js')], outfile: path.join(PKG, 'presence.js'), format: 'esm',
    }),
    esbuild.build({
      ...common, entryPoints: [path.join(JS_SRC, 'presence-global.js')], outfile: path.join(PKG, 'zantara-presence.js'),
      format: 'iife',
    }),
  ]);
  await fs.copyFile(OPT_WASM, path.join(PKG, `${CRATE}_bg.wasm`));
  for (const dts of ['index.d.ts', 'web.d.ts', 'react.d.ts', 'presence.d.ts']) {
    await fs.copyFile(path.join(JS_SRC, dts), path.join(PKG, dts));
  }
}

/** The package.json of the published package: this script owns it. */
function packageJson(version, docs) {
  return {
    name: 'zantara-websocket',
    version,
    description: 'Browser WebSocket client SDK (Rust compiled to WebAssembly): channels, reconnect with backoff, ' +
      'heartbeats, offline queue. Script tag, ESM and React.',
    license: 'MIT',
    type: 'module',
    main: './index.js',
    module: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './web': { types: './web.d.ts', default: './web.js' },
      './react': { types: './react.d.ts', default: './react.js' },
      './presence': { types: './presence.d.ts', default: './presence.js' },
      './zantara-presence.js': './zantara-presence.js',
      './zantara-websocket.js': './zantara-websocket.js',
      './zantara_websocket_bg.wasm': './zantara_websocket_bg.wasm',
      './package.json': './package.json',
    },
    // `npx zantara-websocket check <url>` (src/js/cli.js, Node 22+).
    // No leading ./: npm 11's publish drops a bin it calls invalid otherwise (npm pkg fix).
    bin: { 'zantara-websocket': 'cli.js' },
    // For CDNs that serve the script-tag file by default (unpkg, jsDelivr).
    unpkg: './zantara-websocket.js',
    jsdelivr: './zantara-websocket.js',
    files: [
      'index.js', 'index.d.ts', 'web.js', 'web.d.ts', `${CRATE}_bg.wasm`,
      'react.js', 'react.d.ts', 'presence.js', 'presence.d.ts', 'zantara-websocket.js', 'zantara-presence.js', 'cli.js',
      ...docs,
    ],
    // Every module is free of side effects except the script-tag file, whose whole point is to
    // define window.ZantaraWebSocket: `import 'zantara-websocket/zantara-websocket.js'` must survive
    // tree-shaking.
    sideEffects: ['./zantara-websocket.js', './zantara-presence.js'],
    // The command line's WebSocket on Node before 22 (src/js/cli.js); the browser entries never import it.
    dependencies: { ws: '^8.18.0' },
    peerDependencies: { react: '>=18' },
    peerDependenciesMeta: { react: { optional: true } },
    keywords: ['websocket', 'realtime', 'pubsub', 'reconnect', 'wasm', 'react'],
  };
}

async function main() {
  const skipCargo = process.argv.includes('--skip-cargo');
  const t0 = performance.now();
  const version = await crateVersion();
  await fs.mkdir(WORK, { recursive: true });
  await buildWasm({ skipCargo });

  await fs.rm(PKG, { recursive: true, force: true });
  await fs.mkdir(PKG, { recursive: true });
  await bundle(version);
  // npm packs README and LICENSE by itself, but CHANGELOG only when listed in `files`.
  const docs = ['README.md', 'LICENSE', 'CHANGELOG.md'].filter((doc) => existsSync(path.join(ROOT, doc)));
  for (const doc of docs) await fs.copyFile(path.join(ROOT, doc), path.join(PKG, doc));
  await fs.writeFile(path.join(PKG, 'package.json'), `${JSON.stringify(packageJson(version, docs), null, 2)}\n`);
  await fs.rm(path.join(PKG, '.gitignore'), { force: true }); // npm pack would honour it
  // The command line, as written (it imports ./index.js); executable for `npx`.
  await fs.copyFile(path.join(JS_SRC, 'cli.js'), path.join(PKG, 'cli.js'));
  await fs.chmod(path.join(PKG, 'cli.js'), 0o755);

  const files = (await fs.readdir(PKG)).sort();
  const sizes = await Promise.all(files.map(async (f) => {
    const bytes = await fs.readFile(path.join(PKG, f));
    return `${f} ${(bytes.length / 1024).toFixed(1)}K/${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)}K gz`;
  }));
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`pkg/ zantara-websocket@${version} in ${secs}s: ${sizes.join(', ')}`);
}

main().catch((err) => {
  console.error(`build failed: ${err.stack ?? err}`);
  process.exit(1);
});
