// The package as built: what `npm pack` ships, that every entry carries the release wasm (after
// wasm-opt), that importing is free of work and browser globals (server-side rendering), and that
// the type declarations accept good code and reject bad code.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';

import { PKG, ROOT, sh, withTimeout } from './helpers.mjs';

const WASM = 'zantara_websocket_bg.wasm';
const read = (file) => readFileSync(path.join(PKG, file));

/** The module an inline entry carries: its longest base64 string literal, raw DEFLATE inflated. */
function inlinedWasm(file) {
  const literals = read(file).toString('utf8').match(/"[A-Za-z0-9+/=]{1000,}"/g) ?? [];
  assert.equal(literals.length, 1, `${file} inlines one module`);
  const wasm = inflateRawSync(Buffer.from(literals[0].slice(1, -1), 'base64'));
  assert.deepEqual([...wasm.subarray(0, 4)], [0, 0x61, 0x73, 0x6d], `${file}: the inflated literal is a wasm module`);
  return wasm;
}

describe('npm package', () => {
  test('npm pack ships exactly the expected files', async () => {
    const { stdout } = await sh('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PKG, timeout: 60_000 });
    const [report] = JSON.parse(stdout);
    const expected = ['index.js', 'index.d.ts', 'web.js', 'web.d.ts', WASM, 'react.js', 'react.d.ts',
      'presence.js', 'presence.d.ts', 'zantara-websocket.js', 'zantara-presence.js', 'cli.js', 'package.json'];
    for (const doc of ['README.md', 'LICENSE', 'CHANGELOG.md']) if (existsSync(path.join(ROOT, doc))) expected.push(doc);
    assert.deepEqual(report.files.map((f) => f.path).sort(), expected.sort());
    assert.equal(report.name, 'zantara-websocket');
  });

  test('npm publish --dry-run: the listed files, and nothing npm would auto-correct in the manifest', async () => {
    // npm 11 silently drops a `bin` it finds invalid (a leading ./ did it) when publishing; `npm pack` does not say.
    const { stdout, stderr } = await sh('npm', ['publish', '--dry-run', '--json'], { cwd: PKG, timeout: 60_000 });
    const out = JSON.parse(stdout);
    const report = out['zantara-websocket'] ?? out;
    const manifest = JSON.parse(read('package.json'));
    assert.deepEqual(report.files.map((f) => f.path).sort(), [...manifest.files, 'package.json'].sort());
    assert.doesNotMatch(stderr, /auto-corrected|errors corrected|invalid/);
  });

  test('package.json: entries, optional react peer, version from Cargo.toml', () => {
    const pkg = JSON.parse(read('package.json'));
    const cargoVersion = readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8').match(/^version\s*=\s*"([^"]+)"/m)[1];
    assert.equal(pkg.version, cargoVersion);
    assert.equal(pkg.type, 'module');
    assert.equal(pkg.license, 'MIT');
    assert.deepEqual(pkg.sideEffects, ['./zantara-websocket.js', './zantara-presence.js'], 'only the script-tag files have side effects');
    assert.deepEqual(pkg.exports['./presence'], { types: './presence.d.ts', default: './presence.js' });
    assert.deepEqual(pkg.exports['.'], { types: './index.d.ts', default: './index.js' });
    assert.deepEqual(pkg.exports['./react'], { types: './react.d.ts', default: './react.js' });
    assert.deepEqual(pkg.exports['./web'], { types: './web.d.ts', default: './web.js' });
    assert.equal(pkg.exports['./zantara-websocket.js'], './zantara-websocket.js');
    assert.equal(pkg.exports[`./${WASM}`], `./${WASM}`);
    assert.equal(pkg.types, './index.d.ts');
    assert.deepEqual(pkg.peerDependencies, { react: '>=18' });
    assert.deepEqual(pkg.bin, { 'zantara-websocket': 'cli.js' });
    assert.deepEqual(Object.keys(pkg.dependencies), ['ws'], 'ws only, for the command line on Node before 22');
    assert.equal(pkg.peerDependenciesMeta.react.optional, true);
    assert.equal(existsSync(path.join(PKG, '.gitignore')), false);
    // React stays optional: only the react entry imports it.
    for (const file of ['index.js', 'web.js', 'zantara-websocket.js']) {
      assert.doesNotMatch(read(file).toString(), /from\s*["']react["']|require\(["']react["']\)/, file);
    }
    assert.match(read('react.js').toString(), /from "\.\/index\.js"/, 'react.js must share index.js, not bundle a copy');
    assert.match(read('react.js').toString(), /from "\.\/presence\.js"/, 'and presence.js');
    assert.match(read('react.js').toString(), /^'use client';\n/, "react.js starts with 'use client' (Next.js app router)");
    assert.doesNotMatch(read('presence.js').toString(), /\bimport\b/, 'presence.js imports nothing: it takes a client');
  });

  test('every entry ships the same release wasm, after wasm-opt', () => {
    const shipped = read(WASM);
    assert.deepEqual(inlinedWasm('index.js'), shipped, 'index.js inlines pkg/' + WASM);
    assert.deepEqual(inlinedWasm('zantara-websocket.js'), shipped, 'the script-tag file inlines pkg/' + WASM);
    assert.match(read('web.js').toString(), /new URL\("\.\/zantara_websocket_bg\.wasm",import\.meta\.url\)/);
    // wasm-opt ran: smaller than wasm-bindgen's output, and without names.
    const bound = readFileSync(path.join(ROOT, '.tmp', 'build', 'bindgen', WASM));
    assert.ok(shipped.length < bound.length * 0.95, `not optimised: ${shipped.length} vs ${bound.length} bytes`);
    const module = new WebAssembly.Module(shipped);
    assert.equal(WebAssembly.Module.customSections(module, 'name').length, 0);
  });
});

describe('server-side rendering (Node, no DOM)', () => {
  const BROWSER_GLOBALS = ['window', 'document', 'location', 'navigator', 'WebSocket', 'self', 'addEventListener'];
  const touched = [];
  const saved = {};
  let compiled = 0;
  const RealModule = WebAssembly.Module;

  before(() => {
    // Record any read of a browser global, and any wasm compilation, during import.
    for (const name of BROWSER_GLOBALS) {
      saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          touched.push(name);
          return saved[name]?.get ? saved[name].get.call(globalThis) : saved[name]?.value;
        },
      });
    }
    WebAssembly.Module = new Proxy(RealModule, {
      construct(target, args) {
        compiled++;
        return Reflect.construct(target, args);
      },
    });
  });
  after(() => {
    for (const name of BROWSER_GLOBALS) {
      if (saved[name]) Object.defineProperty(globalThis, name, saved[name]);
      else delete globalThis[name];
    }
    WebAssembly.Module = RealModule;
  });

  test('importing index.js and react.js does no work and touches no browser global', async () => {
    const sdk = await withTimeout(import(pathToFileURL(path.join(PKG, 'index.js')).href), 10_000, 'import index.js');
    const react = await withTimeout(import(pathToFileURL(path.join(PKG, 'react.js')).href), 10_000, 'import react.js');
    assert.equal(typeof sdk.ZantaraWebSocket, 'function');
    assert.equal(typeof react.ZantaraProvider, 'function');
    assert.deepEqual(touched, [], `browser globals read at import: ${touched}`);
    assert.equal(compiled, 0, 'the wasm was compiled at import');
  });

  test('a provider renders on the server without a client; hooks give idle values', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { ZantaraProvider, useConnectionState, useZantara, useStats, usePresence, useTyping } = await import(
      pathToFileURL(path.join(PKG, 'react.js')).href);
    function Probe() {
      const client = useZantara();
      const members = usePresence('room', { data: { name: 'SSR' } });
      const { typists, typing } = useTyping('room');
      typing(); // a keystroke during a server render: nothing happens
      return createElement('p', null,
        `${useConnectionState()}|${client === null}|${useStats() === null}|${members.length}|${typists.length}`);
    }
    const html = renderToString(createElement(ZantaraProvider, { userId: 'ssr@example.com' }, createElement(Probe)));
    assert.equal(html, '<p>closed|true|true|0|0</p>', 'presence and typing: empty lists on the server, as in the first client render');
    assert.equal(compiled, 0, 'server rendering compiled the wasm');
  });

  test('the inline wasm instantiates synchronously on first use; free() releases everything', async () => {
    const { ZantaraWebSocket, debugCounters } = await import(pathToFileURL(path.join(PKG, 'index.js')).href);
    // A Node without a global WebSocket (before 22) needs the option (the ws package's); with neither,
    // the constructor says so at once instead of failing every attempt.
    const { WebSocket: WsPackage } = await import('ws');
    const ws = new ZantaraWebSocket('node@example.com', { wsUrl: 'ws://127.0.0.1:9/ws', autoConnect: false, WebSocket: WsPackage });
    assert.equal(compiled, 1);
    assert.ok(ws instanceof ZantaraWebSocket);
    assert.equal(ws.state, 'closed');
    assert.equal(ws.getStats().userId, 'node@example.com');
    assert.equal(ws.subscribe('chat'), true);
    assert.ok(ws.subscriptions.has('chat'));
    assert.throws(() => ws.subscribe('error'), TypeError);
    assert.throws(() => new ZantaraWebSocket('x', { backoff: 'quadratic', wsUrl: 'ws://127.0.0.1:9/ws' }), TypeError);
    assert.throws(() => new ZantaraWebSocket('x', { WebSocket: 'ws', wsUrl: 'ws://127.0.0.1:9/ws' }),
      { name: 'TypeError', code: 'INVALID_OPTION', message: 'ZantaraWebSocket: option `WebSocket` must be a WebSocket constructor (a function)' });
    if (typeof saved.WebSocket?.value !== 'function') {
      assert.throws(() => new ZantaraWebSocket('x', { wsUrl: 'ws://127.0.0.1:9/ws' }), {
        name: 'TypeError', code: 'UNSUPPORTED',
        message: "ZantaraWebSocket: no WebSocket here: pass options.WebSocket (Node before 22: the ws package's)",
      });
    }
    assert.equal(ZantaraWebSocket.debugCounters().instances, 1);
    ws.free();
    ws.free(); // a second free is a no-op
    assert.deepEqual({ ...debugCounters(), wasmMemoryBytes: 0 },
      { sockets: 0, timers: 0, listeners: 0, instances: 0, live: 0, socketsOpened: 0, wasmMemoryBytes: 0 });
  });
});

test('Node with the ws package as its WebSocket option: connects, subscribes, sends and receives, frees', async () => {
  const { startRefServer, broadcast } = await import('./helpers.mjs');
  const srv = await startRefServer();
  const { ZantaraWebSocket, debugCounters } = await import(pathToFileURL(path.join(PKG, 'index.js')).href);
  const { WebSocket: WsPackage } = await import('ws');
  const a = new ZantaraWebSocket('node-a', { wsUrl: srv.ws, WebSocket: WsPackage });
  const b = new ZantaraWebSocket('node-b', { wsUrl: srv.ws, WebSocket: WsPackage });
  try {
    const got = [];
    b.on('room', (d) => got.push(d.n));
    b.subscribe('room');
    await withTimeout(Promise.all([a, b].map((c) => new Promise((resolve) => c.once('connected', resolve)))), 10_000, 'connected');
    const { waitForSubscriptions } = await import('./helpers.mjs');
    await waitForSubscriptions(srv, 'node-b', ['room']);
    const ack = await a.sendWithAck('room', { n: 1 });
    assert.equal(ack.confirmed, true, 'protocol v2 over the ws package');
    await broadcast(srv, 'room', { n: 2 });
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(got, [1, 2]);
    // Closed while connecting (free() right after new): the ws package then emits `error` on the
    // socket, which must have a listener (an unheard `error` ended the process); a bounded quiet window.
    for (let i = 0; i < 5; i++) new ZantaraWebSocket(`node-c${i}`, { wsUrl: srv.ws, WebSocket: WsPackage }).free();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A constructor that cannot be called with new is refused at once.
    assert.throws(() => new ZantaraWebSocket('x', { wsUrl: srv.ws, WebSocket: (url) => url }), { code: 'INVALID_OPTION' });
  } finally {
    a.free();
    b.free();
    await srv.close();
  }
  assert.deepEqual({ ...debugCounters(), wasmMemoryBytes: 0, socketsOpened: 0 },
    { sockets: 0, timers: 0, listeners: 0, instances: 0, live: 0, socketsOpened: 0, wasmMemoryBytes: 0 });
});

test('type declarations: good usage compiles, bad usage is rejected', async () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await sh(process.execPath, [tsc, '-p', path.join(ROOT, 'tests', 'e2e', 'tsconfig.json')], { timeout: 90_000 });
});
