// The Rust API's example page (examples/rust_chat.rs, built by scripts/rust-app.sh into
// www/public/rust-app/pkg/) in headless Chromium against the reference server: two copies chat over
// the `chat` channel with delivery ticks, a payload of another shape does not stop the typed stream,
// the streamed answer arrives word by word, and the page fits a phone's width.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, broadcast, launchBrowser, newPage, screenshot, startRefServer, waitForSubscriptions } from './helpers.mjs';

let srv;
let browser;

before(async () => {
  assert.ok(existsSync(path.join(ROOT, 'www/public/rust-app/pkg/rust_chat_bg.wasm')),
    'build the example first: bash scripts/rust-app.sh (scripts/test.sh does)');
  srv = await startRefServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

async function open(user, viewport) {
  const page = await newPage(browser, viewport ? { viewport } : {});
  await page.goto(`${srv.http}/rust-app/?user=${encodeURIComponent(user)}`);
  await page.waitForSelector('#state[data-state="open"]');
  return page;
}

const lines = (page) => page.$$eval('#lines .line', (els) => els.map((e) => [e.querySelector('b').textContent, e.querySelector('span').textContent]));

test('two copies of the Rust page chat: typed stream, delivery ticks, a bad payload skipped, a streamed answer', async () => {
  const a = await open('rust-a');
  const b = await open('rust-b');
  await waitForSubscriptions(srv, 'rust-a', ['chat']);
  await waitForSubscriptions(srv, 'rust-b', ['chat']);

  await broadcast(srv, 'chat', { text: 'from the server', user: 'ZANTARA' });
  for (const p of [a, b]) await p.waitForFunction(() => document.querySelectorAll('#lines .line').length === 1);
  assert.deepEqual(await lines(b), [['ZANTARA', 'from the server']]);

  await a.fill('#text', 'hello from A');
  await a.press('#text', 'Enter');
  await a.waitForSelector('#lines .line.mine .tick[data-status="confirmed"]');
  assert.equal(await a.textContent('#lines .line.mine .tick'), '✓✓', 'confirmed by the server (protocol v2)');
  await b.waitForFunction(() => document.querySelectorAll('#lines .line').length === 2);
  assert.deepEqual((await lines(b))[1], ['rust-a', 'hello from A']);
  assert.equal((await lines(a)).length, 2, 'the sender shows its own line once (the server does not echo it)');

  // A payload that does not match the page's `Chat` type: an item error shown as such; the stream goes on.
  await broadcast(srv, 'chat', { text: 5 });
  await broadcast(srv, 'chat', { text: 'still here', user: 'ZANTARA' });
  await b.waitForFunction(() => document.querySelectorAll('#lines .line').length === 4);
  const got = await lines(b);
  assert.equal(got[2][0], '?');
  assert.match(got[2][1], /does not match the requested type/);
  assert.deepEqual(got[3], ['ZANTARA', 'still here']);

  await a.click('#ask');
  await a.waitForFunction(() => document.querySelector('#answer').textContent.split(' ').length > 5, null, { timeout: 15_000 });

  for (const p of [a, b]) {
    assert.deepEqual(p.errors, []);
    await p.close();
  }
});

test('the Rust page fits a phone (390 px) without sideways scroll', async () => {
  const page = await open('rust-phone', { width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await screenshot(page, 'rust-app-390');
  assert.ok(overflow <= 0, `sideways overflow ${overflow}px`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
