#!/usr/bin/env node
// Diagnostic (not the benchmark): where zantara's inbound cost per message goes, measured in ONE page so that drift
// of this shared machine cancels. Three clients, each with its own open WebSocket to the reference server, get the
// same synthetic channel messages (MessageEvents dispatched on their socket) in interleaved batches:
//   raw      WebSocket + JSON.parse + a Map of handlers by channel (the limit);
//   js-half  zantara's JS half alone, no wasm: zws_frame + zws_dispatch/zws_emit as in src/shell/js.rs (copied at
//            commit 54415bb; keep in sync by hand) plus the Date.now() the shell reads per frame;
//   zantara  pkg/index.js;
//   proposed the path suggested in BENCHMARKS.md, in plain JS: the socket's message listener is JS (no wasm
//            closure), channel messages are parsed, classified with a switch, counted in a JS state object that
//            Rust would read when it needs to (stats, heartbeat tick) and dispatched from a channel Map that
//            holds no built-in event names; only other frames would call into wasm.
// So zantara - js-half is what the wasm side (closure trampoline, crossings, externref table, Rust) costs, and
// js-half - raw what the JS half's extra work costs. Prints µs per message (min and median of the batches), and the
// same for send calls (sendMessage against JSON.stringify + WebSocket.send) and echo round trips (alternating).
//
//   node tests/bench/inpage-ab.mjs [size=130] [rounds=40]

import { launchChromium } from './chromium.mjs';
import { startServer } from '../../www/server/server.js';

const size = Number(process.argv[2] ?? 130);
const rounds = Number(process.argv[3] ?? 40);
const srv = await startServer({ port: 0, faults: true, log: null });
const browser = await launchChromium();
let timer;
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${srv.http}/pkg/package.json`, { timeout: 15_000 }); // any page of the server's origin
  const r = await Promise.race([
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out after 120 s')), 120_000); }),
    page.evaluate(async ({ ws, size, rounds }) => {
      const Z = await import('/pkg/index.js');
      const counts = { raw: 0, js: 0, z: 0, p: 0 };
      const opened = (s) => new Promise((resolve, reject) => { s.addEventListener('open', () => resolve(s)); s.addEventListener('error', reject); });

      // raw
      const rawHandlers = new Map([['bench', [() => { counts.raw++; }]]]);
      const raw = await opened(new WebSocket(`${ws}?userId=ab-raw`));
      raw.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.type === 'message') {
          const l = rawHandlers.get(f.channel);
          if (l) for (const h of l) h(f.data);
        }
      };

      // js-half (src/shell/js.rs at 54415bb)
      const RESERVED = new Set(['connected', 'disconnected', 'error', 'message', 'reconnecting', 'reconnect_failed', 'state', 'pong']);
      const KIND = new Map([['message', 0], ['pong', 1], ['connected', 2], ['ping', 3], ['subscribe', 4], ['unsubscribe', 5]]);
      const zws_emit = (m, name, payload) => {
        const l = m.get(name);
        if (l === undefined) return null;
        let thrown = null;
        for (const e of l) {
          if (e.once) { if (e.done) continue; e.done = true; }
          try { e.f(payload); } catch (err) { (thrown ??= []).push(err); }
        }
        return thrown;
      };
      const zws_frame = (data, max, out) => {
        out.v = undefined;
        if (typeof data !== 'string') return (data.byteLength >>> 0) * 32 + 1;
        const n = data.length;
        if (n > max) return n * 32;
        let v;
        try { v = JSON.parse(data); } catch { return n * 32 + 7; }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return n * 32 + 10;
        const k = KIND.get(v.type);
        if (k === undefined) return n * 32 + (typeof v.type === 'string' ? 8 : 9);
        out.v = v;
        if (k === 0 && (typeof v.channel !== 'string' || v.channel === '')) return n * 32 + 6;
        return n * 32 + k + 11;
      };
      const zws_dispatch = (m, out) => {
        const v = out.v;
        out.v = undefined;
        let thrown = null;
        const t1 = zws_emit(m, 'message', v);
        if (t1 !== null) thrown = ['message', t1];
        const c = v.type === 'message' ? v.channel : undefined;
        if (c !== undefined && !RESERVED.has(c)) {
          const t2 = zws_emit(m, c, v.data);
          if (t2 !== null) (thrown ??= []).push(c, t2);
        }
        return thrown;
      };
      const jsHandlers = new Map([['bench', [{ f: () => { counts.js++; }, once: false, done: false }]]]);
      const out = { v: undefined };
      const half = await opened(new WebSocket(`${ws}?userId=ab-js`));
      // eslint-disable-next-line no-unused-vars -- never read: it stands for the clock read the shell does per frame
      let lastRx = 0;
      half.onmessage = (e) => {
        lastRx = Date.now();
        const code = zws_frame(e.data, 1 << 24, out);
        if (code % 32 >= 11) zws_dispatch(jsHandlers, out);
      };

      // proposed
      const state = { frames: 0, bytes: 0, toWasm: 0 };
      const channels = new Map([['bench', [{ f: () => { counts.p++; }, once: false }]]]);
      const events = new Map(); // built-in events: `message` handlers would live here
      const prop = await opened(new WebSocket(`${ws}?userId=ab-p`));
      prop.onmessage = (e) => {
        const data = e.data;
        if (typeof data === 'string' && data.length <= 1 << 24) {
          let v;
          try { v = JSON.parse(data); } catch { v = undefined; }
          if (v !== null && typeof v === 'object' && v.type === 'message' && typeof v.channel === 'string' && v.channel !== '') {
            state.frames++;
            state.bytes += data.length;
            const m = events.get('message');
            if (m !== undefined) for (const h of m) h.f(v);
            const l = channels.get(v.channel);
            if (l !== undefined) {
              for (const h of l) {
                try { h.f(v.data); } catch { state.toWasm++; }
              }
            }
            return;
          }
        }
        state.toWasm++; // other frames: one call into wasm
      };

      // zantara: its WebSocket is the one that sends the `subscribe`
      let zSocket = null;
      let zClient = null;
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function capture(d) { zSocket ??= this; return send.call(this, d); };
      try {
        await new Promise((resolve, reject) => {
          const c = new Z.ZantaraWebSocket('ab-z', { wsUrl: ws });
          zClient = c;
          c.on('bench', () => { counts.z++; });
          c.on('connected', () => { c.subscribe('bench'); resolve(); });
          setTimeout(() => reject(new Error('zantara did not connect in 10 s')), 10_000);
        });
      } finally {
        WebSocket.prototype.send = send;
      }

      const B = 2000;
      const frame = (seq, pad) => JSON.stringify({ type: 'message', channel: 'bench', data: { seq, pad }, timestamp: new Date().toISOString() });
      const pad = 'x'.repeat(Math.max(0, size - frame(B, '').length));
      const batch = () => Array.from({ length: B }, (_, seq) => new MessageEvent('message', { data: frame(seq, pad) }));
      const times = { raw: [], js: [], z: [], p: [] };
      const run = (socket, key) => {
        const events = batch();
        const t = performance.now();
        for (const e of events) socket.dispatchEvent(e);
        times[key].push(((performance.now() - t) * 1000) / B);
      };
      const order = [[raw, 'raw'], [half, 'js'], [zSocket, 'z'], [prop, 'p']];
      for (let i = 0; i < rounds; i++) {
        // Rotate the order each round, so that no client always follows the same one (and its garbage).
        for (let j = 0; j < order.length; j++) run(...order[(i + j) % order.length]);
      }
      // Outbound: sendMessage against the raw client's send (JSON.stringify of the same frame + WebSocket.send).
      const sendTimes = { raw: [], z: [] };
      const text = 'x'.repeat(60);
      const rawSend = (ch, data) => raw.send(JSON.stringify({ type: 'message', channel: ch, data, timestamp: new Date().toISOString() }));
      const zSend = (ch, data) => zClient.sendMessage(ch, data);
      const sendRun = (fn, key) => {
        const t = performance.now();
        for (let seq = 0; seq < B / 4; seq++) fn('out', { seq, text });
        sendTimes[key].push(((performance.now() - t) * 1000) / (B / 4));
      };
      for (let i = 0; i < rounds; i++) {
        if (i % 2) { sendRun(rawSend, 'raw'); sendRun(zSend, 'z'); } else { sendRun(zSend, 'z'); sendRun(rawSend, 'raw'); }
        await new Promise((r) => setTimeout(r, 20)); // let the sockets drain
      }
      // Echo round trips, alternating raw and zantara one by one (both connected with echo=1, channel `rtt`).
      const rawEcho = await opened(new WebSocket(`${ws}?echo=1&userId=ab-raw-echo`));
      let rawBack = null;
      rawEcho.onmessage = (e) => {
        const f = JSON.parse(e.data);
        if (f.type === 'message' && f.channel === 'rtt') rawBack?.(performance.now());
      };
      let zBack = null;
      const zEcho = await new Promise((resolve, reject) => {
        const c = new Z.ZantaraWebSocket('ab-z-echo', { wsUrl: `${ws}?echo=1` });
        c.on('rtt', () => zBack?.(performance.now()));
        c.on('connected', () => resolve(c));
        setTimeout(() => reject(new Error('zantara (echo) did not connect in 10 s')), 10_000);
      });
      const rtt = { raw: [], z: [] };
      const trip = async (key, sendFn, setBack) => {
        const back = new Promise((resolve) => setBack(resolve));
        const t0 = performance.now();
        sendFn();
        const t1 = await Promise.race([back, new Promise((r) => setTimeout(() => r(NaN), 2000))]);
        rtt[key].push(t1 - t0);
      };
      for (let i = 0; i < rounds * 25; i++) {
        const r1 = () => trip('raw', () => rawEcho.send(JSON.stringify({ type: 'message', channel: 'rtt', data: { i }, timestamp: new Date().toISOString() })), (f) => { rawBack = f; });
        const z1 = () => trip('z', () => zEcho.sendMessage('rtt', { i }), (f) => { zBack = f; });
        if (i % 2) { await r1(); await z1(); } else { await z1(); await r1(); }
      }
      const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];
      const skip = Math.min(10, rounds >> 2); // warm-up rounds
      const stat = (k) => ({ min: q(times[k], 0), median: q(times[k].slice(skip), 0.5) });
      const sstat = (k) => ({ min: q(sendTimes[k], 0), median: q(sendTimes[k].slice(skip), 0.5) });
      return { counts, expected: rounds * B, raw: stat('raw'), js: stat('js'), z: stat('z'), p: stat('p'), send: { raw: sstat('raw'), z: sstat('z') },
        rtt: { raw: [q(rtt.raw, 0.5), q(rtt.raw, 0.99)], z: [q(rtt.z, 0.5), q(rtt.z, 0.99)], n: rtt.raw.length } };
    }, { ws: srv.ws, size, rounds }),
  ]);
  for (const k of ['raw', 'js', 'z', 'p']) if (r.counts[k] !== r.expected) throw new Error(`${k}: ${r.counts[k]} of ${r.expected} handled`);
  const f = (x) => x.toFixed(2);
  process.stdout.write(`${size} B frames, µs per message (min / median of ${rounds} batches of 2000):\n` +
    `  raw      ${f(r.raw.min)} / ${f(r.raw.median)}\n` +
    `  js-half  ${f(r.js.min)} / ${f(r.js.median)}   (+${f(r.js.median - r.raw.median)} over raw)\n` +
    `  zantara  ${f(r.z.min)} / ${f(r.z.median)}   (+${f(r.z.median - r.js.median)} over js-half; ratio to raw ${f(r.raw.median / r.z.median)})\n` +
    `  proposed ${f(r.p.min)} / ${f(r.p.median)}   (ratio to raw ${f(r.raw.median / r.p.median)})\n` +
    `send calls, µs per call (min / median of ${rounds} batches of 500):\n` +
    `  raw      ${f(r.send.raw.min)} / ${f(r.send.raw.median)}\n` +
    `  zantara  ${f(r.send.z.min)} / ${f(r.send.z.median)}   (ratio to raw ${f(r.send.raw.median / r.send.z.median)})\n` +
    `echo round trips, alternating (${r.rtt.n} each), ms p50 / p99 (timer resolution 0.1 ms here):\n` +
    `  raw      ${f(r.rtt.raw[0])} / ${f(r.rtt.raw[1])}\n` +
    `  zantara  ${f(r.rtt.z[0])} / ${f(r.rtt.z[1])}\n`);
} finally {
  clearTimeout(timer);
  await browser.close();
  await srv.close();
}
