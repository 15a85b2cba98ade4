// Server rendering then hydration of zantara-websocket/react (issue 14, "Next.js and SSR"): the HTML React renders
// on the server from the hooks must be what the first client render produces, or React reports a hydration error.
// The tree is rendered here with react-dom/server, then hydrated in headless Chromium by a bundle of react-dom/client
// and the built package (development React, which reports every mismatch on the console), against the reference
// server; after hydration the hooks update (connected, stats, members).

import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

import { PKG, ROOT, newPage, serverAndBrowser } from './helpers.mjs';

const env = serverAndBrowser();

/** The app, written once for both sides: `React` and `Z` (zantara-websocket/react) are passed in. */
function app(React, Z, wsUrl) {
  const h = React.createElement;
  function Probe() {
    const client = Z.useZantara();
    const state = Z.useConnectionState();
    const stats = Z.useStats(200);
    const members = Z.usePresence('ssr-room', { data: { name: 'SSR' } });
    const { typists } = Z.useTyping('ssr-room');
    return h('p', { id: 'probe' }, `${state}|${client === null ? 'no client' : 'client'}|${stats?.userId ?? 'no stats'}|${members.length}|${typists.length}`);
  }
  return h(Z.ZantaraProvider, { userId: 'ssr@example.com', options: { wsUrl } }, h(Probe));
}

test('server-rendered HTML hydrates without a mismatch; then the hooks update (open, stats, the member)', async () => {
  const React = await import('react');
  const { renderToString } = await import('react-dom/server');
  const Z = await import(pathToFileURL(path.join(PKG, 'react.js')).href);
  const html = renderToString(app(React, Z, env.srv.ws));
  assert.equal(html, '<p id="probe">closed|no client|no stats|0|0</p>');

  const bundle = await esbuild.build({
    stdin: {
      contents: `
        import * as React from 'react';
        import { hydrateRoot } from 'react-dom/client';
        import * as Z from ${JSON.stringify(path.join(PKG, 'react.js'))};
        const app = ${app.toString()};
        window.firstText = document.getElementById('probe').textContent;
        hydrateRoot(document.getElementById('root'), app(React, Z, ${JSON.stringify(env.srv.ws)}), {
          onRecoverableError: (e) => console.error('recoverable: ' + e.message),
        });`,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    write: false,
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  const page = await newPage(env.browser);
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text()); });
  await page.goto(`${env.srv.http}/pkg/package.json`);
  await page.setContent(`<!doctype html><div id="root">${html}</div>`);
  await page.addScriptTag({ content: bundle.outputFiles[0].text, type: 'module' });
  await page.waitForFunction(() => /^open\|client\|ssr@example\.com\|1\|0$/.test(document.getElementById('probe')?.textContent ?? ''), null, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => window.firstText), 'closed|no client|no stats|0|0');
  assert.deepEqual(consoleErrors.filter((t) => /hydrat|did not match|recoverable|#418|#423|#425/i.test(t)), [], 'no hydration error');
  assert.deepEqual(page.errors, []);
  await page.close();
});
