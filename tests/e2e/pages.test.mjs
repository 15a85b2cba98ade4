// The pages of www/public/ in headless Chromium against the reference server, each including the SDK the
// legacy way: `<script src="/pkg/zantara-websocket.js">` (the release build, wasm inlined).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ROOT, STEP_MS, broadcast, clientsOf, control, launchBrowser, newPage, quietWindow, screenshot, startRefServer,
  waitForSubscriptions, waitUntil, withTimeout,
} from './helpers.mjs';

/* global ZantaraWebSocket, ws, sendChatMessage -- page.evaluate callbacks run in the pages, which define them */

/** The legacy integration guide, when the repository sits beside the project's shared documents. */
const GUIDE = path.resolve(ROOT, '..', 'shared', 'seeds', '000_877bfb6a79887898.txt');

let srv;
let browser;

before(async () => {
  srv = await startRefServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

describe('dashboard.html (script tag)', () => {
  const user = 'dashboard-e2e@example.com';

  test('connects, shows every channel\'s broadcasts, reconnects after the server drops it', async () => {
    const page = await newPage(browser);
    await page.goto(`${srv.http}/dashboard.html?user=${encodeURIComponent(user)}`);
    await page.waitForSelector('#badge[data-state="open"]');
    const first = await waitForSubscriptions(srv, user, ['chat', 'notifications', 'analytics', 'documents']);

    await broadcast(srv, 'analytics', { activeUsers: 42, tokensUsed: 15000, apiCalls: 1234, avgResponseTime: 87 });
    await broadcast(srv, 'chat', { text: 'Hello from ZANTARA', user: 'ZANTARA' });
    await broadcast(srv, 'notifications', { type: 'document_edited', user: 'Amanda', text: 'Amanda edited visa.pdf' });
    await broadcast(srv, 'documents', { file: 'visa.pdf', progress: 85 });
    await page.waitForFunction(() => document.getElementById('kpi-activeUsers').textContent === '42');
    assert.equal(await page.textContent('#kpi-tokensUsed'), '15,000');
    assert.equal(await page.textContent('#kpi-avgResponseTime'), '87 ms');
    await page.waitForSelector('#messages .msg:has-text("Hello from ZANTARA")');
    await page.waitForSelector('#notices li:has-text("Amanda edited visa.pdf")');
    assert.equal(await page.textContent('#notif-count'), '1');
    await page.waitForSelector('.doc[data-file="visa.pdf"] .top span:has-text("85%")');

    // Our own chat message: shown at once, relayed by the server to the other subscribers.
    await page.fill('#chat-input', 'Hi team');
    await page.click('#chat-form button[type="submit"]');
    await page.waitForSelector('#messages .msg.mine:has-text("Hi team")');
    await waitUntil(async () => (await clientsOf(srv, user))[0]?.messagesIn >= 5, { what: 'the chat frame at the server' });
    // Its delivery tick turns once the server acknowledges it.
    await page.waitForSelector('#messages .msg.mine[data-delivery="confirmed"]:has-text("Hi team")');

    // The assistant's answer streams in word by word (the reference server's `ask` stream).
    await page.fill('#chat-input', 'What is a KITAS?');
    await page.click('#ask');
    await page.waitForSelector('#messages .msg[data-streaming="true"]');
    await page.waitForSelector('#messages .msg[data-streaming="false"]:has-text("renewable while the sponsorship lasts.")', { timeout: 20_000 });
    await screenshot(page, 'dashboard');

    // The server drops the connection (1006): the badge shows the countdown, then it is back.
    await control(srv, 'terminate', { target: { userId: user } });
    await page.waitForSelector('#badge[data-state="reconnecting"]');
    await page.waitForFunction(() => /reconnecting in \d+ s · attempt 1/.test(document.getElementById('countdown').textContent));
    await screenshot(page, 'dashboard-reconnecting');
    await page.waitForSelector('#badge[data-state="open"]');
    const second = await waitForSubscriptions(srv, user, ['chat', 'notifications', 'analytics', 'documents'],
      'the resubscription after the reconnect');
    assert.notEqual(second.clientId, first.clientId);
    assert.equal(await page.textContent('#countdown'), '');

    await broadcast(srv, 'analytics', { activeUsers: 43, tokensUsed: 15100, apiCalls: 1240, avgResponseTime: 90 });
    await page.waitForFunction(() => document.getElementById('kpi-activeUsers').textContent === '43');
    assert.equal((await clientsOf(srv, user)).length, 1, 'exactly one connection after the reconnect');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('websocket-demo.html (script tag)', () => {
  test('subscribe, send with echo, live stats and log; disconnect leaves nothing behind', async () => {
    const user = 'demo-e2e@example.com';
    const page = await newPage(browser);
    await page.goto(`${srv.http}/websocket-demo.html`);
    await page.fill('#user', user);
    // The page connected at load as demo@zantara.io: reconnect as our user.
    await page.click('#disconnect');
    await page.waitForSelector('#badge[data-state="closed"]');
    await page.click('#connect');
    await page.waitForSelector('#badge[data-state="open"]');
    await waitForSubscriptions(srv, user, ['chat']);

    await page.click('.chip[data-channel="notifications"]');
    await waitForSubscriptions(srv, user, ['chat', 'notifications']);
    await page.selectOption('#send-channel', 'chat');
    await page.fill('#payload', '{"text": "ping from the demo"}');
    await page.click('#send');
    await page.waitForSelector('#log .line:has(.tag.channel):has-text("ping from the demo")');
    await page.waitForSelector('#log .line:has(.tag.ack):has-text("acknowledged by the server")');
    // A streamed answer, stopped halfway: the server is told.
    await page.click('#stream');
    await page.waitForFunction(() => document.getElementById('answer').textContent.split(' ').length >= 5);
    await page.click('#stop');
    await page.waitForSelector('#answer[data-state="stopped"]');
    await page.click('#stream');
    await page.waitForSelector('#answer[data-state="done"]', { timeout: 20_000 });
    assert.match(await page.textContent('#answer'), /^A KITAS is the limited stay permit/);
    await broadcast(srv, 'notifications', { type: 'mention', user: 'Dea' });
    await page.waitForSelector('#log .line:has(.tag.channel):has-text("#notifications")');
    await page.waitForFunction(() => Number(document.querySelector('[data-stat="messagesOut"]').textContent) >= 1);
    await page.waitForFunction(() => document.querySelector('[data-stat="subscriptions"]').textContent === 'chat, notifications');
    await screenshot(page, 'websocket-demo');

    await page.click('#disconnect');
    await page.waitForSelector('#badge[data-state="closed"]');
    await waitUntil(async () => (await clientsOf(srv, user)).length === 0, { what: 'the server to see the close' });
    // Nothing may come back: with no socket, timer or (online/pageshow) listener left, nothing can
    // reopen it; the quiet window gives a stray close or timer callback time to show up.
    await quietWindow(500);
    const counters = await page.evaluate(() => ZantaraWebSocket.debugCounters());
    assert.equal(counters.sockets, 0);
    assert.equal(counters.timers, 0);
    assert.equal(counters.listeners, 0);
    assert.equal(counters.live, 0);
    assert.equal((await clientsOf(srv, user)).length, 0);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('client lifetime (script-tag build)', () => {
  test('a garbage-collected client stays connected; free() and Symbol.dispose disconnect', async () => {
    const page = await newPage(browser);
    await page.goto(`${srv.http}/pkg/`);
    await page.addScriptTag({ url: '/pkg/zantara-websocket.js' });
    await page.evaluate(() => {
      window.got = [];
      window.collected = false;
      // No reference kept (not even by a handler): only the SDK's registry holds the connection.
      (() => {
        const ws = new ZantaraWebSocket('gc@example.com');
        ws.subscribe('chat');
        ws.on('chat', (data) => window.got.push(data));
        window.ref = new WeakRef(ws);
        window.registry = new FinalizationRegistry(() => { window.collected = true; }); // kept, or it never calls back
        window.registry.register(ws, 0);
      })();
    });
    await waitForSubscriptions(srv, 'gc@example.com', ['chat']);
    // Collect the JS wrapper; wasm-bindgen's own finalizer (which frees the Rust handle) is queued
    // with ours, so once ours ran, the handle has been released too.
    await page.waitForFunction(() => {
      window.gc();
      return window.ref.deref() === undefined && window.collected;
    }, null, { polling: 50 });
    await quietWindow(200); // let any other queued finalizer run
    assert.equal((await page.evaluate(() => ZantaraWebSocket.debugCounters())).live, 1);
    await broadcast(srv, 'chat', { text: 'still here' });
    await page.waitForFunction(() => window.got.some((d) => d.text === 'still here'));
    assert.equal((await clientsOf(srv, 'gc@example.com')).length, 1);

    // An explicit free() disconnects first; so does `using` (Symbol.dispose).
    await page.evaluate(() => {
      window.a = new ZantaraWebSocket('free@example.com');
      window.b = new ZantaraWebSocket('dispose@example.com');
    });
    await waitUntil(async () => (await clientsOf(srv, 'free@example.com')).length === 1 &&
      (await clientsOf(srv, 'dispose@example.com')).length === 1, { what: 'both clients connected' });
    await page.evaluate(() => {
      window.a.free();
      window.b[Symbol.dispose]();
    });
    await waitUntil(async () => (await clientsOf(srv, 'free@example.com')).length === 0 &&
      (await clientsOf(srv, 'dispose@example.com')).length === 0, { what: 'the server to see both closes' });
    await quietWindow(300);
    const counters = await page.evaluate(() => ZantaraWebSocket.debugCounters());
    assert.deepEqual([counters.live, counters.sockets, counters.instances], [1, 1, 1], 'only the collected-but-live client remains');
    assert.equal(await page.evaluate(() => typeof Symbol.dispose === 'symbol' &&
      ZantaraWebSocket.prototype[Symbol.dispose] === ZantaraWebSocket.prototype.free), true);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('zantara-websocket/web (separate .wasm file)', () => {
  test('init() fetches the wasm next to web.js; a client before init() throws a clear error', async () => {
    const page = await newPage(browser);
    const wasmRequests = [];
    page.on('request', (req) => { if (req.url().endsWith('.wasm')) wasmRequests.push(new URL(req.url()).pathname); });
    await page.goto(`${srv.http}/pkg/`);
    const result = await withTimeout(page.evaluate(async () => {
      const { default: init, init: sameInit, ZantaraWebSocket, debugCounters } = await import('/pkg/web.js');
      let early;
      try {
        new ZantaraWebSocket('web@example.com');
      } catch (err) {
        early = err.message;
      }
      await Promise.all([init(), sameInit()]); // one load, however many calls
      const ws = new ZantaraWebSocket('web@example.com');
      const info = await new Promise((resolve) => ws.once('connected', resolve));
      const out = { early, info, isInstance: ws instanceof ZantaraWebSocket, counters: debugCounters() };
      ws.free();
      return out;
    }), STEP_MS, 'the web entry to load and connect');
    assert.match(result.early, /call `await init\(\)`/);
    assert.equal(result.info.userId, 'web@example.com');
    assert.equal(result.isInstance, true);
    assert.equal(result.counters.sockets, 1);
    assert.deepEqual(wasmRequests, ['/pkg/zantara_websocket_bg.wasm']);
    await waitUntil(async () => (await clientsOf(srv, 'web@example.com')).length === 0, { what: 'free() to close' });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('legacy-examples.html: the guide\'s own code, unmodified', () => {
  test('the page carries the guide\'s Quick Start and Examples 1-3 byte for byte', async (t) => {
    if (!existsSync(GUIDE)) return t.skip(`the guide is not at ${GUIDE}`);
    const guide = readFileSync(GUIDE, 'utf8');
    const blocks = [...guide.matchAll(/```javascript\n([\s\S]*?)```/g)].map((m) => m[1]);
    const html = readFileSync(path.join(ROOT, 'www', 'public', 'legacy-examples.html'), 'utf8');
    const copies = Object.fromEntries([...html.matchAll(/<script type="text\/plain" id="([\w-]+)"[^>]*>\n([\s\S]*?)<\/script>/g)]
      .map((m) => [m[1], m[2]]));
    const quickStart = blocks.find((b) => b.startsWith('// Create connection'));
    const examples = blocks.filter((b) => /^const ws = new ZantaraWebSocket\('(user|admin)@example\.com'\);/.test(b));
    assert.equal(examples.length, 3);
    assert.equal(copies['quick-start'], quickStart);
    assert.deepEqual([copies['example-1'], copies['example-2'], copies['example-3']], examples);
  });

  test('Quick Start and Examples 1-3 run against the reference server and feed the page\'s helpers', async () => {
    const page = await newPage(browser);
    await page.goto(`${srv.http}/legacy-examples.html`);
    const frameOf = async (id) => {
      const handle = await page.waitForSelector(`iframe[src*="example=${id}"]`);
      const frame = await handle.contentFrame();
      await frame.waitForFunction(() => typeof ws !== 'undefined' && ws.state === 'open');
      return frame;
    };
    const [quick, chat, notes, dash] = [await frameOf('quick-start'), await frameOf('example-1'),
      await frameOf('example-2'), await frameOf('example-3')];
    // Subscribed from their `connected` handlers: chat by two, notifications by two, analytics by one.
    await waitUntil(async () => {
      const { clients } = await control(srv, 'clients');
      const count = (ch) => clients.filter((c) => c.channels.includes(ch) && /^(user|admin)@example\.com$/.test(c.userId)).length;
      return count('chat') === 2 && count('notifications') === 2 && count('analytics') === 1;
    }, { what: 'the examples\' subscriptions' });

    const calls = (frame, fn) => frame.evaluate((name) => window.legacyCalls.filter((c) => c.fn === name).map((c) => c.args), fn);
    const waitCall = (frame, fn, predicate) => frame.waitForFunction(
      ([name, src]) => window.legacyCalls.some((c) => c.fn === name && new Function('args', `return ${src}`)(c.args)),
      [fn, predicate]);

    // Quick Start and Example 1 (chat).
    await broadcast(srv, 'chat', { text: 'Hello from the server', user: 'ZANTARA' });
    await waitCall(quick, 'displayMessage', "args[0].text === 'Hello from the server'");
    await waitCall(chat, 'addMessageToUI', "args[0] === 'Hello from the server' && args[1] === 'ZANTARA'");
    // Example 1's own sendChatMessage() reaches the Quick Start page through the server.
    await chat.evaluate(() => sendChatMessage('Hi from Example 1'));
    await waitCall(quick, 'displayMessage', "args[0].text === 'Hi from Example 1' && args[0].user === 'user@example.com'");

    // Example 2 (notifications): banner, sound and count for each one.
    await broadcast(srv, 'notifications', { type: 'document_edited', user: 'Amanda' });
    await broadcast(srv, 'notifications', { type: 'comment_added', user: 'Zero' });
    await waitCall(notes, 'updateNotificationCount', 'args[0] === 2');
    assert.deepEqual(await calls(notes, 'showNotificationBanner'),
      [[{ type: 'document_edited', user: 'Amanda' }], [{ type: 'comment_added', user: 'Zero' }]]);
    assert.equal((await calls(notes, 'playNotificationSound')).length, 2);

    // Example 3 (analytics).
    const metrics = { activeUsers: 42, tokensUsed: 15000, apiCalls: 321, avgResponseTime: 95, extra: 'ignored' };
    await broadcast(srv, 'analytics', metrics);
    await waitCall(dash, 'updateDashboard', 'args[0].activeUsers === 42');
    assert.deepEqual(await calls(dash, 'updateDashboard'),
      [[{ activeUsers: 42, tokensUsed: 15000, apiCalls: 321, avgResponseTime: 95 }]]);

    // Channels the examples did not subscribe to never reach them.
    assert.deepEqual(await calls(dash, 'displayMessage'), []);
    assert.deepEqual(await calls(chat, 'showNotificationBanner'), []);
    await screenshot(page, 'legacy-examples');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});

describe('every page at phone width', () => {
  test('390 px wide: no sideways scroll on the demo, the dashboard, the guide examples and the chat', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      for (const name of ['websocket-demo.html', 'dashboard.html', 'legacy-examples.html', 'chat.html']) {
        const page = await ctx.newPage();
        await page.goto(`${srv.http}/${name}`);
        await page.waitForSelector('.topbar nav a[href="chat.html"]');
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.equal(overflow, 0, `${name} scrolls sideways by ${overflow} px`);
        await screenshot(page, `phone-${name.replace('.html', '')}`);
        await page.close();
      }
    } finally {
      await ctx.close();
    }
  });
});
