// Presence and typing end to end (issue 12, docs/PROTOCOL.md "Presence and typing"): the release build
// (zantara-websocket.js + zantara-presence.js script tags) in headless Chromium, one page per user or tab,
// against the reference server with a short grace period and heartbeat so that the bounds are seconds.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../../www/server/server.js';
import { control, launchBrowser, sdkPage, waitUntil, withTimeout, STEP_MS } from './helpers.mjs';

/* global ZantaraWebSocket, ZantaraPresence -- page.evaluate callbacks run in the page, where the script tags define them */

const GRACE_MS = 1000;
const HEARTBEAT_MS = 500;
const env = { srv: null, browser: null };
before(async () => {
  env.srv = await withTimeout(startServer({ port: 0, faults: true, log: null, presenceGraceMs: GRACE_MS, heartbeatMs: HEARTBEAT_MS }), STEP_MS, 'server');
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.srv?.close();
});

/**
 * A page whose client `window.ws` of `user` has joined `channel`'s presence (`window.room`), sharing
 * `{name: user}`; `window.log` lists the room's events as strings, `window.sent` the typing frames the page sent.
 */
async function member(user, channel, options = {}) {
  const page = await sdkPage(env.browser, env.srv);
  await page.addScriptTag({ url: '/pkg/zantara-presence.js' });
  await page.evaluate(async ([url, user, channel, options]) => {
    window.sent = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (d) {
      if (typeof d === 'string' && d.includes('"type":"typing"')) window.sent.push([performance.now(), JSON.parse(d).typing]);
      return send.call(this, d);
    };
    window.ws = new ZantaraWebSocket(user, { wsUrl: url, reconnectInterval: 50, maxReconnectInterval: 200, jitter: 0, ...options });
    window.room = new ZantaraPresence(window.ws, channel, { data: { name: user } });
    window.log = [];
    window.typing = [];
    for (const e of ['join', 'leave', 'update']) window.room.on(e, (m) => window.log.push(`${e} ${m.userId} ${m.connections}`));
    window.room.on('sync', (ms) => window.log.push(`sync ${ms.map((m) => m.userId).join(',')}`));
    window.room.on('typing', (t) => window.typing.push([performance.now(), t.userId, t.typing]));
    await window.kit.connected(window.ws);
    await window.kit.until(() => window.log.some((l) => l.startsWith('sync')), 5000, 'sync');
  }, [env.srv.ws, user, channel, options]);
  return page;
}

const logOf = (page) => page.evaluate(() => window.log);
const membersOf = (page) => page.evaluate(() => window.room.members.map((m) => `${m.userId}:${m.connections}:${m.data?.name}`));

describe('presence in the browser', () => {
  test('two and three users: joins and leaves, the current list; a user with two tabs counted once', async () => {
    const ana = await member('ana', 'p-room');
    const ben = await member('ben', 'p-room');
    const cy = await member('cy', 'p-room');
    await waitUntil(async () => (await logOf(ana)).length === 4, { what: 'ana hears ben and cy' });
    assert.deepEqual(await logOf(ana), ['join ana 1', 'sync ana', 'join ben 1', 'join cy 1']);
    assert.deepEqual(await logOf(cy), ['join ana 1', 'join ben 1', 'join cy 1', 'sync ana,ben,cy']);
    assert.deepEqual(await membersOf(ben), ['ana:1:ana', 'ben:1:ben', 'cy:1:cy']);
    // A second tab of ben: one member with two connections, no join.
    const ben2 = await member('ben', 'p-room');
    await waitUntil(async () => (await logOf(ana)).includes('update ben 2'), { what: 'update' });
    assert.deepEqual(await membersOf(ana), ['ana:1:ana', 'ben:2:ben', 'cy:1:cy']);
    assert.deepEqual(await membersOf(ben2), ['ana:1:ana', 'ben:2:ben', 'cy:1:cy']);
    // cy leaves explicitly: a leave at once (no grace period).
    await cy.evaluate(() => window.room.close());
    await waitUntil(async () => (await logOf(ana)).includes('leave cy 1'), { timeout: GRACE_MS / 2, what: 'leave at once' });
    await waitUntil(async () => (await logOf(ben)).includes('leave cy 1'), { what: 'ben hears it' });
    assert.deepEqual(await logOf(ana), ['join ana 1', 'sync ana', 'join ben 1', 'join cy 1', 'update ben 2', 'leave cy 1']);
    assert.deepEqual(await membersOf(ben2), ['ana:1:ana', 'ben:2:ben']);
    for (const p of [ana, ben, ben2, cy]) {
      await p.evaluate(() => window.ws.free());
      assert.deepEqual(p.errors, []);
      await p.close();
    }
  });

  test('a reconnect inside the grace period shows nothing to the others; a vanished client (half-open) leaves within the bound', async () => {
    const watcher = await member('watcher', 'p-grace');
    const flaky = await member('flaky', 'p-grace');
    await waitUntil(async () => (await logOf(watcher)).includes('join flaky 1'), { what: 'join' });
    // The server drops flaky's connection; the client reconnects and rejoins within milliseconds.
    await control(env.srv, 'terminate', { target: { userId: 'flaky' } });
    await waitUntil(async () => (await logOf(flaky)).filter((l) => l.startsWith('sync')).length === 2, { what: 'flaky rejoined' });
    // A bounded quiet window past the grace period: the watcher heard nothing of it.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    assert.deepEqual(await logOf(watcher), ['join watcher 1', 'sync watcher', 'join flaky 1'], 'no leave, no join, no update');
    assert.deepEqual(await logOf(flaky), ['join watcher 1', 'join flaky 1', 'sync watcher,flaky', 'sync watcher,flaky'],
      'its own resync changes nothing either');
    // Gone unseen: the server hears nothing more from flaky (muted, its heartbeat unanswered), and the client is
    // kept from reconnecting.
    await flaky.evaluate(() => { window.ws.on('reconnecting', () => window.ws.disconnect()); });
    const t0 = Date.now();
    await control(env.srv, 'mute', { target: { userId: 'flaky' }, heartbeat: true });
    const bound = 2 * HEARTBEAT_MS + GRACE_MS + 1500;
    await waitUntil(async () => (await logOf(watcher)).includes('leave flaky 1'), { timeout: bound, what: 'leave within the bound' });
    const ms = Date.now() - t0;
    console.log(`FIGURE presence: a half-open client left after ${ms} ms (heartbeat ${HEARTBEAT_MS} ms, grace ${GRACE_MS} ms, bound ${bound} ms); a reconnect inside the grace period: 0 events`);
    assert.ok(ms >= GRACE_MS, `not before the grace period (${ms} ms)`);
    assert.deepEqual(await membersOf(watcher), ['watcher:1:watcher']);
    for (const p of [watcher, flaky]) {
      await p.evaluate(() => window.ws.free());
      await p.close();
    }
  });
});

describe('typing in the browser', () => {
  test('starts, throttles (frames counted), stops on quiet and on send, and ends when the typist\'s socket is terminated', async () => {
    const typist = await member('typist', 't-room');
    const reader = await member('reader', 't-room');
    await waitUntil(async () => (await logOf(typist)).includes('join reader 1'), { what: 'join' });
    // 45 keystrokes, one every 100 ms (4.4 s), then quiet.
    const r = await typist.evaluate(async () => {
      const t0 = performance.now();
      for (let i = 0; i < 45; i++) {
        window.room.typing();
        await window.kit.sleep(100);
      }
      const typed = performance.now();
      await window.kit.until(() => window.sent.some((s) => s[1] === false), 6000, 'the stop');
      return { t0, typed, sent: window.sent.map(([t, on]) => [Math.round(t - t0), on]) };
    });
    const starts = r.sent.filter((s) => s[1]).length;
    const stop = r.sent.find((s) => !s[1]);
    console.log(`FIGURE typing: 45 keystrokes over ${Math.round(r.typed - r.t0)} ms sent ${starts} typing frames (refresh 2000 ms) and one stop ${stop[0] - Math.round(r.typed - r.t0) + 100} ms after the last keystroke (quiet 3000 ms)`);
    assert.equal(starts, 3, `at most one frame per 2 s: ${JSON.stringify(r.sent)}`);
    assert.equal(r.sent.length, 4);
    assert.ok(stop[0] >= 4400 + 2900, `the stop after 3 s of quiet: ${JSON.stringify(r.sent)}`);
    await waitUntil(async () => (await reader.evaluate(() => window.typing.length)) === 2, { what: 'reader: start and stop' });
    assert.deepEqual(await reader.evaluate(() => window.typing.map((t) => [t[1], t[2]])), [['typist', true], ['typist', false]],
      'refreshes change nothing for the reader');
    // Stop on send: the message ends the indication at once.
    await reader.evaluate(() => { window.ws.on('t-room', (d) => window.typing.push([performance.now(), 'message', d.text])); });
    await typist.evaluate(() => {
      window.room.typing();
      setTimeout(() => window.ws.sendMessage('t-room', { text: 'hi' }), 300);
    });
    await waitUntil(async () => (await reader.evaluate(() => window.typing.length)) === 5, { what: 'typing, stop, message' });
    const seen = await reader.evaluate(() => window.typing.slice(2).map((t) => [t[1], t[2]]));
    assert.deepEqual(seen.filter((x) => x[0] === 'typist'), [['typist', true], ['typist', false]]);
    assert.ok(seen.some((x) => x[0] === 'message' && x[1] === 'hi'));
    const [start, end] = await reader.evaluate(() => window.typing.slice(2).filter((t) => t[1] === 'typist').map((t) => t[0]));
    assert.ok(end - start < 1500, `stopped by the send, not by quiet (${Math.round(end - start)} ms)`);
    // The typist's socket terminated mid-typing: the indication ends long before the 6 s TTL.
    await typist.evaluate(() => window.room.typing());
    await waitUntil(async () => (await reader.evaluate(() => window.typing.length)) === 6, { what: 'typing again' });
    const t0 = Date.now();
    await control(env.srv, 'terminate', { target: { userId: 'typist' } });
    await waitUntil(async () => (await reader.evaluate(() => window.typing.length)) === 7, { what: 'stopped' });
    const ms = Date.now() - t0;
    console.log(`FIGURE typing: the typist's socket terminated, the reader's indicator cleared after ${ms} ms`);
    assert.ok(ms < 3000, `cleared at once (${ms} ms), not by the TTL`);
    assert.deepEqual(await reader.evaluate(() => window.room.typists), []);
    for (const p of [typist, reader]) {
      await p.evaluate(() => window.ws.free());
      assert.deepEqual(p.errors, []);
      await p.close();
    }
  });
  test('typing for 9 s without a pause (longer than the 6 s expiry): the reader sees it the whole time, one start and one stop', async () => {
    const typist = await member('steady', 't-long');
    const reader = await member('watching', 't-long');
    await waitUntil(async () => (await logOf(typist)).includes('join watching 1'), { what: 'join' });
    // A keystroke every 150 ms for 9 s. The reader logs every typing event: an expiry while it lasts would show
    // as a stop (and a second start).
    const r = await typist.evaluate(async () => {
      const t0 = performance.now();
      while (performance.now() - t0 < 9000) {
        window.room.typing();
        await window.kit.sleep(150);
      }
      return { typed: performance.now() - t0, frames: window.sent.filter((x) => x[1]).length };
    });
    const seen = await reader.evaluate(() => window.typing.map((t) => [t[1], t[2]]));
    assert.deepEqual(seen, [['steady', true]], `still typing after ${Math.round(r.typed)} ms: ${JSON.stringify(seen)}`);
    assert.deepEqual(await reader.evaluate(() => window.room.typists.map((t) => t.userId)), ['steady']);
    await waitUntil(async () => (await reader.evaluate(() => window.typing.length)) === 2, { timeout: 6000, what: 'the stop after quiet' });
    assert.deepEqual(await reader.evaluate(() => window.typing.map((t) => [t[1], t[2]])), [['steady', true], ['steady', false]]);
    console.log(`FIGURE typing: ${Math.round(r.typed)} ms of steady typing sent ${r.frames} typing frames; the reader saw 1 start, 0 expiries, 1 stop`);
    for (const p of [typist, reader]) {
      await p.evaluate(() => window.ws.free());
      assert.deepEqual(p.errors, []);
      await p.close();
    }
  });
});

describe('the two-window chat page (www/public/chat.html)', () => {
  test('customer and agent in two browser contexts: who is online, typing, delivery ticks, the offline banner with queued messages; no sideways scroll at phone width', async () => {
    const open = async (as, width) => {
      const ctx = await env.browser.newContext({ viewport: { width, height: 800 } });
      const page = await ctx.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${env.srv.http}/chat.html?as=${as}&c=e2e-chat`);
      return { ctx, page, errors, q: (id) => page.locator(`[data-testid=pane-${as}] [data-testid=${id}]`) };
    };
    const ana = await open('customer', 1280);
    const ben = await open('agent', 390);
    try {
      await waitUntil(async () => /Ben \(support agent\) online/.test(await ana.q('online').textContent()), { what: 'ana sees ben' });
      await waitUntil(async () => /Ana \(customer\) online/.test(await ben.q('online').textContent()), { what: 'ben sees ana' });
      assert.equal(await ana.q('state').textContent(), 'Online');
      // Typing shows on the other side, then the message clears it; the sender's tick turns to ✓✓.
      await ana.q('input').pressSequentially('Hello', { delay: 30 });
      await waitUntil(async () => /Ana is typing/.test(await ben.q('typing').textContent()), { what: 'typing shown' });
      await ana.q('send').click();
      await waitUntil(async () => (await ben.q('message').allTextContents()).some((t) => t.includes('Hello')), { what: 'message arrives' });
      await waitUntil(async () => (await ben.q('typing').textContent()) === '', { what: 'typing cleared by the send' });
      await waitUntil(async () => (await ana.q('tick').getAttribute('data-status')) === 'confirmed', { what: 'delivered tick' });
      // Offline: the banner counts the queued message; back online, it is delivered and confirmed.
      await ana.q('toggle').click();
      await ana.q('input').fill('Are you there?');
      await ana.q('send').click();
      await waitUntil(async () => /1 message will be sent/.test(await ana.q('banner').textContent()), { what: 'banner with the queue' });
      assert.equal(await ana.q('banner').isVisible(), true);
      assert.equal(await ana.q('tick').nth(1).getAttribute('data-status'), 'pending');
      await ana.q('toggle').click();
      await waitUntil(async () => (await ben.q('message').allTextContents()).some((t) => t.includes('Are you there?')), { what: 'queued message arrives' });
      await waitUntil(async () => (await ana.q('tick').nth(1).getAttribute('data-status')) === 'confirmed', { what: 'second tick' });
      await waitUntil(async () => !(await ana.q('banner').isVisible()), { what: 'banner gone' });
      const overflow = await ben.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.equal(overflow, 0, 'no sideways scroll at 390 px');
      assert.deepEqual([...ana.errors, ...ben.errors], []);
    } finally {
      await ana.ctx.close();
      await ben.ctx.close();
    }
  });
});
