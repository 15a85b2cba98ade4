// webpack 5 with no config (issue 14): an app importing the packed tarball's default entry, and one
// importing `zantara-websocket/web` with `await init()`, each built by `webpack --mode production`
// (no webpack.config.js), served under the reference server's origin and run in headless Chromium:
// connected, a broadcast rendered, one socket, no page error. Each build is the static root of its
// own reference server (a page fulfilled by the test itself would be a public origin, which Chromium's
// local network access checks forbid to open sockets to loopback).

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startServer } from '../../www/server/server.js';
import { PKG, ROOT, broadcast, clientsOf, launchBrowser, newPage, sh, waitForSubscriptions } from './helpers.mjs';

const SOURCES = path.join(ROOT, 'tests', 'e2e', 'apps', 'webpack');
const WEBPACK = path.join(ROOT, 'node_modules', 'webpack-cli', 'bin', 'cli.js');
let browser;
let app;

before(async () => {
  // A fresh project with the tarball installed (webpack itself resolves from the repository's node_modules).
  app = mkdtempSync(path.join(ROOT, '.tmp', 'webpack-app-'));
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', app], { cwd: PKG, timeout: 60_000 });
  const tarball = JSON.parse(stdout)[0].filename;
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'webpack-app', private: true }));
  await sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--legacy-peer-deps', `./${tarball}`], { cwd: app, timeout: 180_000 });
  cpSync(SOURCES, path.join(app, 'src'), { recursive: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (app && !process.env.KEEP_APP) rmSync(app, { recursive: true, force: true });
});

/** Builds `entry` with webpack's defaults into `out`; the files it wrote. */
async function build(entry, out) {
  await sh(process.execPath, [WEBPACK, '--mode', 'production', '--entry', `./src/${entry}`, '--output-path', out], { cwd: app, timeout: 180_000 });
  assert.equal(existsSync(path.join(app, 'webpack.config.js')), false, 'no config');
  return readdirSync(path.join(app, out));
}

/** Serves `dir` (built by webpack, plus an index.html) with a reference server: the page, once connected, and the server. */
async function open(dir, user) {
  writeFileSync(path.join(app, dir, 'index.html'), '<!doctype html><title>webpack</title><body><script src="main.js"></script></body>');
  const srv = await startServer({ port: 0, faults: true, log: null, publicDir: path.join(app, dir) });
  const page = await newPage(browser);
  await page.goto(`${srv.http}/index.html`);
  await page.waitForSelector('body[data-state="open"]', { state: 'attached' });
  await waitForSubscriptions(srv, user, ['room']);
  return { page, srv };
}

for (const [entry, user, wasmFile] of [['index.js', 'webpack-default', false], ['web.js', 'webpack-web', true]]) {
  test(`webpack, no config, ${entry === 'index.js' ? 'the default entry' : 'the /web entry with await init()'}: builds, connects, receives`, async () => {
    const out = `dist-${path.basename(entry, '.js')}`;
    const files = await build(entry, out);
    assert.ok(files.includes('main.js'), JSON.stringify(files));
    assert.equal(files.some((f) => f.endsWith('.wasm')), wasmFile, `a separate .wasm asset only for /web: ${files}`);
    const { page, srv } = await open(out, user);
    try {
      await broadcast(srv, 'room', { text: `hello ${entry}` });
      await page.waitForSelector(`body[data-got="hello ${entry}"]`, { state: 'attached' });
      assert.equal((await clientsOf(srv, user)).length, 1, 'one socket');
      assert.deepEqual(page.errors, []);
      await page.close();
    } finally {
      await srv.close();
    }
  });
}
