// The running pieces every measurement uses: the reference server, the socket.io server, the static pages and the
// browser (started here, read by the other modules), what the harness asks of either peer (subscribed? flood,
// ack after n messages), and a client's page (a fresh browser context, page.evaluate with a timeout, CPU time from
// CDP, opening the client that is measured).


import { startServer } from '../../www/server/server.js';
import { launchChromium } from './chromium.mjs';
import { opts } from './config.mjs';
import { startStatic } from './site.mjs';
import { startSocketIoServer } from './socketio-server.mjs';
import { guard, until } from './util.mjs';

/* global __bench -- page.evaluate callbacks run in the bench page, where page/driver.js defines it */

let ref; // reference server (www/server/server.js)
let sio; // socket.io server
let site; // static pages
let browser;

/** Starts the reference server, the socket.io server and the static pages. */
export async function startServers() {
  ref = await startServer({ port: 0, faults: true, log: null, heartbeatMs: 30_000 });
  sio = await startSocketIoServer({ port: 0 });
  site = await startStatic();
}

/** Launches headless Chromium. */
export async function launchBrowser() {
  browser = await launchChromium();
}

export { browser, ref, site, sio };

export const peer = {
  subscribed(client, userId, channel) {
    if (client.peer === 'sio') return sio.subscribed(userId, channel);
    return ref.hub.select({ userId }).some((c) => c.channels.has(channel));
  },
  countSubscribed(client, prefix, channel) {
    if (client.peer === 'sio') {
      let n = 0;
      for (const s of sio.io.sockets.sockets.values()) if (s.data.userId.startsWith(prefix) && s.rooms.has(channel)) n++;
      return n;
    }
    return ref.hub.select(null).filter((c) => c.userId.startsWith(prefix) && c.channels.has(channel)).length;
  },
  /** Floods `userId` with `count` messages on `channel` of about `size` bytes; resolves with the number sent. */
  async flood(client, userId, channel, count, size) {
    if (client.peer === 'sio') return sio.flood(userId, channel, count, size);
    const res = await fetch(`${ref.http}/__control/flood`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: { userId }, channel, count, size }),
    });
    const body = await res.json();
    if (!body.ok) throw new Error(`flood: ${JSON.stringify(body)}`);
    return body.frames;
  },
  /**
   * Counts the channel messages the server reads from `userId` on `channel`; at the `count`th it sends the user an
   * `ack` message {n}. Returns a function that removes the hook.
   */
  ackAfter(client, userId, channel, count) {
    let n = 0;
    if (client.peer === 'sio') {
      sio.onMessages(userId, (socket, ch) => {
        if (ch === channel && ++n === count) socket.emit('ack', { n, bytes: -1 });
      });
      return () => sio.onMessages(userId, null);
    }
    const [c] = ref.hub.select({ userId });
    if (!c) throw new Error(`no connection of ${userId}`);
    const needle = Buffer.from(`"channel":"${channel}"`);
    let bytes = 0;
    const onFrame = (buf) => {
      // After the hub's own listener (which parsed and broadcast it): the message has been read and handled.
      if (buf.indexOf(needle) === -1) return;
      bytes += buf.length;
      if (++n === count) {
        ref.hub.deliver(c, JSON.stringify({ type: 'message', channel: 'ack', data: { n, bytes }, timestamp: new Date().toISOString() }));
      }
    };
    c.ws.on('message', onFrame);
    return () => c.ws.off('message', onFrame);
  },
};

/** Opens `client`'s page in a fresh context, runs `fn(page, cdp)`, and closes the context whatever happens. */
export async function withPage(client, query, fn) {
  const ctx = await browser.newContext();
  const errors = [];
  let failed;
  // An uncaught page error ends the run at once rather than at the next timeout.
  const pageFailed = new Promise((_, reject) => { failed = reject; });
  pageFailed.catch(() => {});
  try {
    const page = await ctx.newPage();
    page.on('pageerror', (e) => { errors.push(`pageerror: ${e.message}`); failed(new Error(`page error in ${client.id}`)); });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    const qs = new URLSearchParams({ ws: ref.ws, sio: sio.url, ...(opts.wasm ? { wasm: '/custom.wasm' } : {}), ...query });
    await page.goto(`${site.url}/${client.id}.html?${qs}`, { waitUntil: 'domcontentloaded', timeout: 20_000 });
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    return await Promise.race([fn(page, cdp), pageFailed]);
  } catch (e) {
    if (errors.length) e.message += ` (page: ${errors.slice(0, 3).join(' | ')})`;
    throw e;
  } finally {
    await guard(ctx.close(), 10_000, 'closing a browser context').catch(() => {});
  }
}

/** page.evaluate never times out by itself: every call goes through here. */
export function call(page, fn, arg, ms, what) {
  return guard(page.evaluate(fn, arg), ms, what);
}

export async function readyPage(page) {
  await page.waitForFunction(() => window.__bench !== undefined, null, { timeout: 15_000 });
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) throw new Error('page is not cross-origin isolated (timer precision would be 100 µs)');
}

/** CPU time of the page's main thread so far (ms), from CDP Performance.getMetrics in thread ticks. */
export async function cpuTime(cdp) {
  const { metrics } = await guard(cdp.send('Performance.getMetrics'), 10_000, 'Performance.getMetrics');
  return metrics.find((m) => m.name === 'ThreadTime').value * 1000;
}

export async function openMain(page, client, userId, { echo = false, channels = [], capture = false } = {}) {
  await call(page, (o) => __bench.openMain(o), { userId, echo, channels, capture, timeoutMs: 10_000 }, 15_000, `${client.id} open`);
  for (const ch of channels) await until(() => peer.subscribed(client, userId, ch), 5000, `${client.id} ${userId} subscribed to ${ch}`);
}
