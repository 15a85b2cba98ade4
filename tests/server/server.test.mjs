// Tests of the reference server (www/server/server.js) and its supervisor (www/server/supervisor.js).
// Run: node --test tests/server/
// Every wait is raced against a timeout; the only fixed wait is the bounded window that proves a muted link silent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { startServer } from '../../www/server/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STEP_MS = 3000; // bound for any single awaited event
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// ---- helpers ----

/** Races `promise` against a timer; the timer never outlives the race. */
async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it returns truthy, at most `ms`. */
async function until(check, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(25);
  }
}

const openPeers = new Set();

/** A `ws` client that records every frame, ws ping and the close. */
class Peer {
  frames = [];
  pings = 0;
  errors = [];
  #waiters = [];

  constructor(url, wsOpts) {
    this.ws = new WebSocket(url, wsOpts);
    openPeers.add(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        openPeers.delete(this);
        resolve({ code, reason: reason.toString() });
      });
    });
    this.ws.on('error', (err) => this.errors.push(err)); // asserted through `opened`, `closed`, `errors`
    this.ws.on('ping', () => { this.pings++; });
    this.ws.on('message', (data, isBinary) => {
      const frame = { isBinary, data, text: isBinary ? null : data.toString() };
      try { frame.json = isBinary ? undefined : JSON.parse(frame.text); } catch { /* raw frames */ }
      this.frames.push(frame);
      for (const w of [...this.#waiters]) {
        if (w.pred(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
  }

  /** The first frame received so far or later that matches `pred`. */
  next(pred, what, ms = STEP_MS) {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return within(new Promise((resolve) => this.#waiters.push({ pred, resolve })), ms, what);
  }

  /** Frames of one protocol type received so far. */
  ofType(type) {
    return this.frames.filter((f) => f.json?.type === type);
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  /** Sends a ping and waits for the pong whose data carries `tag`: everything sent before it has arrived. */
  async roundTrip(tag = Math.random().toString(36).slice(2)) {
    this.send({ type: 'ping', data: { tag } });
    return this.next((f) => f.json?.type === 'pong' && f.json.data?.tag === tag, `pong ${tag}`);
  }

  closedWithin(ms = STEP_MS) {
    return within(this.closed, ms, 'close');
  }
}

function wsUrl(base, params = {}) {
  const qs = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${base}/ws${qs ? `?${qs}` : ''}`;
}

/** Opens a connection and waits for its welcome frame. */
async function connect(base, params, wsOpts) {
  const peer = new Peer(wsUrl(base, params), wsOpts);
  await within(peer.opened, STEP_MS, 'open');
  peer.welcome = (await peer.next((f) => f.json?.type === 'connected', 'welcome')).json;
  peer.clientId = peer.welcome.data.clientId;
  return peer;
}

/** Subscribes and waits until the server has processed it. */
async function subscribe(peer, channel) {
  peer.send({ type: 'subscribe', channel });
  await peer.roundTrip();
}

async function request(base, route, { method = 'POST', body, headers = {} } = {}) {
  const res = await fetch(base + route, {
    method,
    redirect: 'manual',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

/** A raw GET, so that `..` reaches the server as written (fetch would normalise it away). */
function rawGet(port, rawPath) {
  return within(new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end();
  }), STEP_MS, `GET ${rawPath}`);
}

/** Resolves with the JSON after `prefix` on the first matching stdout line of a child process. */
function readyLine(child, prefix) {
  const lines = readline.createInterface({ input: child.stdout });
  return within(new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith(`${prefix} `)) resolve({ line, info: JSON.parse(line.slice(prefix.length + 1)) });
    });
    child.once('exit', (code) => reject(new Error(`${prefix}: process exited with ${code} before its ready line`)));
  }), 10_000, `${prefix} line`);
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether `pid` runs. An exited orphan may stay a zombie until init reaps it: that counts as gone. */
function processAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

afterEach(() => {
  for (const peer of openPeers) peer.ws.terminate();
  openPeers.clear();
});

// ---- the server in this process, fault control on ----

describe('reference server', () => {
  let srv;
  let base; // http://127.0.0.1:P
  let wsBase; // ws://127.0.0.1:P
  let tmp;
  let hb; // heartbeat every 200 ms
  let hbBase;
  const control = (route, body, method) => request(base, `/__control/${route}`, { body, method });
  const call = (key, params) => request(base, '/call', { body: { key, params } });

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'zantara-server-test-'));
    await mkdir(path.join(tmp, 'public'));
    await mkdir(path.join(tmp, 'pkg', 'snippets'), { recursive: true });
    await writeFile(path.join(tmp, 'public', 'websocket-demo.html'), '<!doctype html><title>demo</title>');
    await writeFile(path.join(tmp, 'public', 'app.mjs'), 'export {};');
    await writeFile(path.join(tmp, 'public', 'style.css'), 'body{}');
    await writeFile(path.join(tmp, 'public', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(path.join(tmp, 'pkg', 'zantara_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await writeFile(path.join(tmp, 'pkg', 'zantara.js'), 'export default 1;');
    await writeFile(path.join(tmp, 'pkg', 'package.json'), '{}');
    await writeFile(path.join(tmp, 'secret.txt'), 'outside both roots');
    srv = await startServer({
      port: 0, faults: true, heartbeatMs: 0, log: null, publicDir: path.join(tmp, 'public'), pkgDir: path.join(tmp, 'pkg'),
    });
    base = srv.http;
    wsBase = srv.ws.replace(/\/ws$/, '');
    // A fast heartbeat only where a test is about it, so a busy machine cannot time out the other tests' clients.
    hb = await startServer({ port: 0, faults: true, heartbeatMs: 200, log: null });
    hbBase = hb.ws.replace(/\/ws$/, '');
  });

  after(async () => {
    await within(Promise.all([srv.close(), hb.close()]), 5000, 'server close');
    await rm(tmp, { recursive: true, force: true });
  });

  afterEach(async () => {
    await control('reset', {});
    await request(hb.http, '/__control/reset', { body: {} });
  });

  test('welcome frame carries a clientId, the userId and the role', async () => {
    const peer = await connect(wsBase, { userId: 'u1', role: 'owner' });
    assert.match(peer.clientId, /^client_\d{13}_[0-9a-z]{6}$/);
    assert.deepEqual(peer.welcome.data, { clientId: peer.clientId, userId: 'u1', role: 'owner' });
    assert.match(peer.welcome.timestamp, ISO);
  });

  test('URL-encoded userId, role and token arrive decoded; the token stays out of stats', async () => {
    const userId = 'a&b #c=d é';
    const role = 'r+ole/ü?';
    const token = 'tök&en=#1 %';
    const peer = await connect(wsBase, { userId, role, token, other: 'ignored' });
    assert.equal(peer.welcome.data.userId, userId);
    assert.equal(peer.welcome.data.role, role);
    const { json } = await control('clients', undefined, 'GET');
    const me = json.clients.find((c) => c.clientId === peer.clientId);
    assert.deepEqual([me.userId, me.role, me.token, me.echo], [userId, role, token, false]);
    const stats = await call('websocket.stats');
    assert.equal(stats.text.includes('tök'), false);
  });

  test('a message reaches the other subscribers, not the sender', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => connect(wsBase, { userId: `bc${n}` })));
    for (const p of [a, b, c]) await subscribe(p, 'bc-chat');
    a.send({ type: 'message', channel: 'bc-chat', data: { text: 'hi' } });
    for (const p of [b, c]) {
      const { json } = await p.next((f) => f.json?.type === 'message', 'broadcast');
      assert.deepEqual(json.data, { text: 'hi' });
      assert.equal(json.channel, 'bc-chat');
      assert.equal(json.from, a.clientId);
      assert.match(json.timestamp, ISO);
    }
    await a.roundTrip(); // the server answered a later frame of a's: any copy for a would be here by now
    assert.equal(a.ofType('message').length, 0);
  });

  test('echo=1 sends the message back to the sender too, subscribed or not', async () => {
    const sender = await connect(wsBase, { userId: 'echo', echo: '1' });
    assert.equal(sender.welcome.data.userId, 'echo');
    sender.send({ type: 'message', channel: 'echo-ch', data: 42 });
    const { json } = await sender.next((f) => f.json?.type === 'message', 'echo');
    assert.deepEqual([json.channel, json.data, json.from], ['echo-ch', 42, sender.clientId]);
  });

  test('unsubscribe stops delivery', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(wsBase)));
    for (const p of [b, c]) await subscribe(p, 'un-ch');
    b.send({ type: 'unsubscribe', channel: 'un-ch' });
    await b.roundTrip();
    a.send({ type: 'message', channel: 'un-ch', data: 'x' });
    await c.next((f) => f.json?.type === 'message', 'message at c');
    await b.roundTrip(); // sent after the message was fanned out, so a copy for b would precede this pong
    assert.equal(b.ofType('message').length, 0);
  });

  test('ping is answered with a pong carrying a timestamp and the ping data', async () => {
    const peer = await connect(wsBase);
    const pong = await peer.roundTrip('t-1');
    assert.match(pong.json.timestamp, ISO);
    assert.deepEqual(pong.json.data, { tag: 't-1' });
    peer.send({ type: 'ping' });
    const bare = await peer.next((f) => f.json?.type === 'pong' && !('data' in f.json), 'bare pong');
    assert.match(bare.json.timestamp, ISO);
  });

  test('malformed frames are counted and ignored', async () => {
    const peer = await connect(wsBase);
    const before = (await call('websocket.stats')).json.data.badFrames;
    peer.send('not json');
    peer.send('[1,2]');
    peer.send({ type: 'nope' });
    peer.send({ type: 'subscribe', channel: '' });
    peer.send({ type: 'message' });
    peer.ws.send(Buffer.from([1, 2, 3]));
    await peer.roundTrip();
    const stats = (await call('websocket.stats')).json.data;
    assert.equal(stats.badFrames - before, 6);
    assert.equal(peer.ws.readyState, WebSocket.OPEN);
  });

  test('the protocol heartbeat terminates a client that does not pong', async () => {
    const lazy = await connect(hbBase, {}, { autoPong: false });
    const { code } = await lazy.closedWithin(); // heartbeat is 200 ms here: gone after two rounds
    assert.equal(code, 1006);
  });

  describe('POST /call', () => {
    test('websocket.stats lists clients, channels and counters', async () => {
      const peers = await Promise.all([1, 2].map(() => connect(wsBase)));
      for (const p of peers) await subscribe(p, 'stats-ch');
      const { status, json } = await call('websocket.stats');
      assert.equal(status, 200);
      assert.equal(json.ok, true);
      assert.equal(json.data.enabled, true);
      assert.ok(json.data.activeClients >= 2);
      assert.deepEqual(json.data.channels.find((c) => c.name === 'stats-ch'), { name: 'stats-ch', subscribers: 2 });
      for (const key of ['messagesIn', 'messagesOut', 'badFrames', 'connectionsTotal']) {
        assert.equal(typeof json.data[key], 'number', key);
      }
    });

    test('websocket.broadcast reaches every subscriber', async () => {
      const [a, b, outsider] = await Promise.all([1, 2, 3].map(() => connect(wsBase)));
      for (const p of [a, b]) await subscribe(p, 'news');
      const { json } = await call('websocket.broadcast', { channel: 'news', data: { v: 1 } });
      assert.deepEqual(json, { ok: true, data: { delivered: 2 } });
      for (const p of [a, b]) {
        const msg = await p.next((f) => f.json?.type === 'message', 'broadcast');
        assert.deepEqual([msg.json.channel, msg.json.data], ['news', { v: 1 }]);
      }
      await outsider.roundTrip();
      assert.equal(outsider.ofType('message').length, 0);
    });

    test('websocket.send reaches every connection of the user, subscribed or not', async () => {
      const [one, two, other] = await Promise.all([
        connect(wsBase, { userId: 'ann@x' }), connect(wsBase, { userId: 'ann@x' }), connect(wsBase, { userId: 'bob' }),
      ]);
      await subscribe(one, 'docs');
      const { json } = await call('websocket.send', { userId: 'ann@x', channel: 'docs', data: 'ready' });
      assert.deepEqual(json, { ok: true, data: { delivered: 2 } });
      for (const p of [one, two]) {
        const msg = await p.next((f) => f.json?.type === 'message', 'direct message');
        assert.deepEqual([msg.json.channel, msg.json.data], ['docs', 'ready']);
      }
      await other.roundTrip();
      assert.equal(other.ofType('message').length, 0);
    });

    test('unknown key, bad JSON, bad params and oversize bodies are rejected', async () => {
      const unknown = await call('websocket.nope');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.ok, false);
      assert.match(unknown.json.error, /unknown key/);
      assert.equal((await request(base, '/call', { body: '{nope' })).status, 400);
      assert.equal((await call('websocket.broadcast', { data: 1 })).status, 400);
      const big = await request(base, '/call', { body: JSON.stringify({ key: 'x', pad: 'y'.repeat(1024 * 1024) }) });
      assert.equal(big.status, 413);
    });
  });

  test('CORS: preflight and headers on /call and /__control/*', async () => {
    for (const route of ['/call', '/__control/mute']) {
      const pre = await request(base, route, {
        method: 'OPTIONS',
        headers: { origin: 'http://other.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204, route);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
      assert.equal(pre.headers.get('access-control-max-age'), '600');
    }
    assert.equal((await call('websocket.stats')).headers.get('access-control-allow-origin'), '*');
    assert.equal((await control('clients', undefined, 'GET')).headers.get('access-control-allow-origin'), '*');
    assert.equal((await call('bad.key')).headers.get('access-control-allow-origin'), '*');
  });

  test('static files: the public folder at /, pkg at /pkg/, content types, no traversal', async () => {
    const root = await request(base, '/', { method: 'GET' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/websocket-demo.html');
    const types = {
      '/websocket-demo.html': 'text/html',
      '/app.mjs': 'text/javascript',
      '/style.css': 'text/css',
      '/logo.svg': 'image/svg+xml',
      '/pkg/zantara_bg.wasm': 'application/wasm',
      '/pkg/zantara.js': 'text/javascript',
      '/pkg/package.json': 'application/json',
    };
    for (const [route, type] of Object.entries(types)) {
      const res = await request(base, route, { method: 'GET' });
      assert.equal(res.status, 200, route);
      assert.equal(res.headers.get('content-type').split(';')[0], type, route);
    }
    const listing = await request(base, '/pkg/snippets/', { method: 'GET' });
    assert.equal(listing.status, 200);
    assert.equal((await request(base, '/missing.js', { method: 'GET' })).status, 404);
    assert.equal((await request(base, '/ws', { method: 'GET' })).status, 426);
    // Dot segments, even encoded, are resolved by the URL parser inside the mount (so never reach secret.txt);
    // what survives it as a `..` path segment (an encoded slash or backslash) is refused.
    for (const raw of ['/../secret.txt', '/pkg/../../secret.txt', '/%2e%2e/secret.txt', '/pkg/%2E%2E/secret.txt']) {
      assert.equal(await rawGet(srv.port, raw), 404, raw);
    }
    for (const raw of ['/..%2fsecret.txt', '/pkg/..%2F..%2fsecret.txt', '/..%5csecret.txt', '/pkg/%2e%2e%5csecret.txt']) {
      assert.equal(await rawGet(srv.port, raw), 403, raw);
    }
  });

  test('an upgrade on another path is refused with 404', async () => {
    const peer = new Peer(`${wsBase}/elsewhere`);
    await assert.rejects(within(peer.opened, STEP_MS, 'refusal'), /Unexpected server response: 404/);
  });

  describe('fault control', () => {
    test('mute: no pong, broadcast or heartbeat reaches a muted link, and it stays open', async () => {
      const hbControl = (route, body, method) => request(hb.http, `/__control/${route}`, { body, method });
      const hbCall = (key, params) => request(hb.http, '/call', { body: { key, params } });
      const peer = await connect(hbBase, { userId: 'mute-me' });
      await subscribe(peer, 'mute-ch');
      const muted = await hbControl('mute', { target: { clientId: peer.clientId }, muted: true });
      assert.deepEqual(muted.json, { ok: true, matched: 1, muted: true });
      // New connections under the mute policy hear nothing either, not even the welcome.
      await hbControl('policy', { onConnect: { action: 'mute' } });
      const late = new Peer(wsUrl(hbBase));
      await within(late.opened, STEP_MS, 'open of a muted connection');

      peer.send({ type: 'ping', data: { tag: 'held' } });
      const bc = await hbCall('websocket.broadcast', { channel: 'mute-ch', data: 1 });
      assert.equal(bc.json.data.delivered, 0);
      const [frames, pings] = [peer.frames.length, peer.pings];

      await delay(1000); // the bounded window: five heartbeat rounds at 200 ms
      assert.equal(peer.frames.length, frames, 'no frame on the muted link');
      assert.equal(peer.pings, pings, 'no protocol ping on the muted link');
      assert.equal(late.frames.length, 0, 'no welcome under the mute policy');
      assert.equal(peer.ws.readyState, WebSocket.OPEN, 'not terminated by the heartbeat');
      assert.equal(late.ws.readyState, WebSocket.OPEN);
      const listed = (await hbControl('clients', undefined, 'GET')).json.clients;
      const me = listed.find((c) => c.clientId === peer.clientId);
      assert.equal(me.muted, true);
      assert.equal(me.pingsIn, 1, 'the ping sent while muted was not read');

      // Unmuting resumes reading: the held ping is answered, like TCP delivering after a link recovers.
      await hbControl('mute', { target: { userId: 'mute-me' }, muted: false });
      await peer.next((f) => f.json?.data?.tag === 'held', 'pong after unmute');
    });

    test('close with 1013 and 4001 reaches the client with code and reason', async () => {
      const [a, b] = await Promise.all([connect(wsBase, { userId: 'c1' }), connect(wsBase, { userId: 'c2' })]);
      const one = await control('close', { target: { clientId: a.clientId }, code: 1013, reason: 'try again later' });
      assert.equal(one.json.matched, 1);
      await control('close', { target: { userId: 'c2' }, code: 4001, reason: 'custom' });
      assert.deepEqual(await a.closedWithin(), { code: 1013, reason: 'try again later' });
      assert.deepEqual(await b.closedWithin(), { code: 4001, reason: 'custom' });
      assert.equal((await control('close', { code: 1006.5 })).status, 400);
    });

    test('close codes 1000, 1001, 1011, 1012 and 4999 all work', async () => {
      for (const code of [1000, 1001, 1011, 1012, 4999]) {
        const peer = await connect(wsBase);
        await control('close', { target: { clientId: peer.clientId }, code, reason: `r${code}` });
        assert.deepEqual(await peer.closedWithin(), { code, reason: `r${code}` });
      }
    });

    test('terminate gives 1006 at the client', async () => {
      const peer = await connect(wsBase);
      const res = await control('terminate', { target: { clientId: peer.clientId } });
      assert.equal(res.json.matched, 1);
      assert.equal((await peer.closedWithin()).code, 1006);
    });

    test('policy close: accepted, welcomed, then closed with the code', async () => {
      await control('policy', { onConnect: { action: 'close', code: 1012, reason: 'service restart', delayMs: 0 } });
      const peer = new Peer(wsUrl(wsBase));
      assert.deepEqual(await peer.closedWithin(), { code: 1012, reason: 'service restart' });
      assert.equal(peer.ofType('connected').length, 1);

      await control('policy', { onConnect: { action: 'close', code: 4002, reason: 'flap', delayMs: 150 } });
      const flap = await connect(wsBase);
      await flap.roundTrip(); // usable until the delay runs out
      assert.deepEqual(await flap.closedWithin(), { code: 4002, reason: 'flap' });
    });

    test('policy refuse: the upgrade gets the status; clearing the policy lets connections in', async () => {
      const set = await control('policy', { onConnect: { action: 'refuse', status: 503 } });
      assert.deepEqual(set.json.policy, { action: 'refuse', status: 503 });
      const refused = new Peer(wsUrl(wsBase));
      await assert.rejects(within(refused.opened, STEP_MS, 'refusal'), /Unexpected server response: 503/);
      assert.equal((await control('clients', undefined, 'GET')).json.refusedTotal, 1);
      await control('policy', { onConnect: null });
      await connect(wsBase);
    });

    test('a rejected token is closed with 1008 without a welcome', async () => {
      await control('token', { reject: ['bad-token', 'worse'] });
      const peer = new Peer(wsUrl(wsBase, { userId: 'u', token: 'bad-token' }));
      assert.deepEqual(await peer.closedWithin(), { code: 1008, reason: 'invalid token' });
      assert.equal(peer.frames.length, 0);
      await connect(wsBase, { token: 'good-token' });
    });

    test('send: raw text, binary, invalid UTF-8 and padded big frames', async () => {
      const peer = await connect(wsBase, { userId: 'raw' });
      const target = { clientId: peer.clientId };
      await control('send', { target, text: 'not { json' });
      assert.equal((await peer.next((f) => f.text === 'not { json', 'raw text')).isBinary, false);

      await control('send', { target, base64: Buffer.from([0, 1, 254, 255]).toString('base64'), binary: true });
      const bin = await peer.next((f) => f.isBinary, 'binary frame');
      assert.deepEqual([...bin.data], [0, 1, 254, 255]);

      const mib = 1024 * 1024;
      const sent = await control('send', { target, repeatText: 'ab', bytes: mib });
      assert.equal(sent.json.bytes, mib);
      const big = await peer.next((f) => f.json?.channel === 'big', '1 MiB frame');
      assert.equal(big.data.length, mib);
      assert.equal(big.json.type, 'message');
      assert.match(big.json.data, /^(ab)+a?x*$/);

      await control('send', { target, repeatText: 'é', bytes: 1001 }); // odd size, two-byte unit
      const odd = await peer.next((f) => f.json?.channel === 'big' && f.data.length === 1001, 'padded frame');
      assert.match(odd.json.data, /^é+x?$/);

      // Raw invalid UTF-8 in a text frame: the client fails the connection. ws sends 1007 and stops reading, so
      // its own close event reports 1006 (Chromium, too, drops the connection: expect a reconnect, not a message).
      await control('send', { target, base64: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), invalidUtf8: true });
      assert.equal((await peer.closedWithin()).code, 1006);
      assert.deepEqual(peer.errors.map((e) => e.code), ['WS_ERR_INVALID_UTF8']);
    });

    test('flood: every frame arrives, in order, about the requested size', async () => {
      const peer = await connect(wsBase, { userId: 'flood' });
      const count = 2000;
      const res = await control('flood', { target: { userId: 'flood' }, channel: 'firehose', count, size: 300 });
      assert.deepEqual(res.json, { ok: true, matched: 1, frames: count });
      await peer.next((f) => f.json?.data?.seq === count - 1, 'last flood frame', 10_000);
      const flood = peer.frames.filter((f) => f.json?.channel === 'firehose');
      assert.equal(flood.length, count);
      assert.deepEqual(flood.map((f) => f.json.data.seq), [...Array(count).keys()]);
      assert.ok(flood.every((f) => Math.abs(f.data.length - 300) <= 5));
      assert.equal((await control('flood', { channel: 'x', count: 100_001 })).status, 400);
    });

    test('clients listing counts connections; reset zeroes the counters and closes nothing', async () => {
      const peer = await connect(wsBase);
      await control('reset', {});
      assert.equal((await control('clients', undefined, 'GET')).json.connectionsTotal, 0);
      await Promise.all([connect(wsBase), connect(wsBase)]);
      const { json } = await control('clients', undefined, 'GET');
      assert.equal(json.connectionsTotal, 2);
      assert.ok(json.open >= 3);
      assert.equal(peer.ws.readyState, WebSocket.OPEN);
      assert.equal((await call('websocket.stats')).json.data.connectionsTotal, 2);
    });

    test('bad control requests answer 400/404/405', async () => {
      assert.equal((await control('nope', {})).status, 404);
      assert.equal((await control('mute', undefined, 'GET')).status, 405);
      assert.equal((await control('mute', { target: 'all' })).status, 400);
      assert.equal((await control('policy', { onConnect: { action: 'explode' } })).status, 400);
      assert.equal((await control('close', { reason: 'r'.repeat(124) })).status, 400);
      assert.equal((await control('send', {})).status, 400);
    });
  });
});

// ---- fault control off ----

describe('reference server without --faults', () => {
  let srv;
  before(async () => {
    srv = await startServer({ port: 0, log: null, pkgDir: path.join(os.tmpdir(), 'zantara-no-such-pkg-dir') });
  });
  after(() => within(srv.close(), 5000, 'server close'));

  test('control routes are 404, preflight included; pkg/ missing is 404', async () => {
    assert.equal((await request(srv.http, '/__control/clients', { method: 'GET' })).status, 404);
    assert.equal((await request(srv.http, '/__control/mute', { body: { muted: true } })).status, 404);
    assert.equal((await request(srv.http, '/__control/mute', { method: 'OPTIONS' })).status, 404);
    assert.equal((await request(srv.http, '/pkg/zantara.js', { method: 'GET' })).status, 404);
  });

  test('a token is not rejected and /call still works', async () => {
    const peer = await connect(srv.ws.replace(/\/ws$/, ''), { token: 'bad-token' });
    await peer.roundTrip();
    const { json } = await request(srv.http, '/call', { body: { key: 'websocket.stats' } });
    assert.equal(json.data.activeClients, 1);
  });
});

// ---- what the default static root exposes: www/public/, never the server's own code in www/server/ ----

describe('reference server: only www/public/ is served at /', () => {
  const WWW = path.join(ROOT, 'www');
  let srv;
  before(async () => {
    srv = await startServer({ port: 0, log: null }); // the default roots, as `node www/server/server.js` uses them
  });
  after(() => within(srv.close(), 5000, 'server close'));

  const get = (route) => request(srv.http, route, { method: 'GET' });
  /** Every file below `dir`, as paths relative to it with `/` separators. */
  const filesBelow = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));

  test('the server\'s source is 404: /server.js, /server/server.js, /lib/control.js, /supervisor.js, /feed.js', async () => {
    for (const route of ['/server.js', '/server/server.js', '/lib/control.js', '/supervisor.js', '/feed.js']) {
      assert.equal((await get(route)).status, 404, route);
    }
    // Whatever www/server/ holds, now or later: neither at its own path nor below /server/.
    const own = filesBelow(path.join(WWW, 'server'));
    assert.ok(own.includes('server.js') && own.includes('lib/control.js'), own.join(', '));
    for (const file of own) {
      for (const route of [`/${file}`, `/server/${file}`, `/www/server/${file}`]) {
        assert.equal((await get(route)).status, 404, route);
      }
    }
  });

  test('path traversal never reaches www/server/ (404 or 403)', async () => {
    for (const raw of [
      '/../server/server.js', '/%2e%2e/server/server.js', '/pkg/../www/server/server.js', '/pkg/%2e%2e/www/server/server.js',
      '/..%2fserver%2fserver.js', '/..%5cserver%5cserver.js', '/pkg/..%2f..%2fwww%2fserver%2fserver.js',
      '/../../www/server/lib/control.js', '/%2e%2e/%2e%2e/www/server/supervisor.js',
    ]) {
      assert.ok([403, 404].includes(await rawGet(srv.port, raw)), raw);
    }
  });

  test('the pages still serve: /websocket-demo.html, /app.css and every file of www/public/ are 200', async () => {
    const root = await get('/');
    assert.deepEqual([root.status, root.headers.get('location')], [302, '/websocket-demo.html']);
    const demo = await get('/websocket-demo.html');
    assert.deepEqual([demo.status, demo.headers.get('content-type').split(';')[0]], [200, 'text/html']);
    const css = await get('/app.css');
    assert.deepEqual([css.status, css.headers.get('content-type').split(';')[0]], [200, 'text/css']);
    for (const file of filesBelow(path.join(WWW, 'public'))) assert.equal((await get(`/${file}`)).status, 200, file);
  });
});

// ---- the command line and the supervisor, as child processes ----

describe('processes', () => {
  const children = new Set();
  const launch = (script, args) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'www', 'server', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stderr.resume();
    child.once('exit', () => children.delete(child));
    return child;
  };
  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  test('CLI prints one ready line, and SIGTERM closes clients with 1001 and exits 0', async () => {
    const child = launch('server.js', ['--port', '0', '--host', '127.0.0.1', '--faults', '--heartbeat-ms', '0']);
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    const { line, info } = await readyLine(child, 'ZANTARA_SERVER');
    assert.equal(line, `ZANTARA_SERVER {"port":${info.port},"http":"http://127.0.0.1:${info.port}","ws":"ws://127.0.0.1:${info.port}/ws","faults":true}`);
    const peer = await connect(`ws://127.0.0.1:${info.port}`);
    child.kill('SIGTERM');
    assert.deepEqual(await peer.closedWithin(), { code: 1001, reason: 'server shutting down' });
    assert.equal(await within(exited(child), 5000, 'exit'), 0);
    assert.equal(stdout, `${line}\n`, 'nothing but the ready line on stdout');
  });

  test('supervisor: kill gives 1006, start brings the server back on the same port', async () => {
    const sup = launch('supervisor.js', ['--port', '0', '--faults']);
    const { line, info } = await readyLine(sup, 'ZANTARA_SUPERVISOR');
    const c = info.control;
    assert.equal(line, `ZANTARA_SUPERVISOR {"port":${info.port},"http":"http://127.0.0.1:${info.port}","ws":"ws://127.0.0.1:${info.port}/ws","control":"${c}"}`);
    const wsBase = `ws://127.0.0.1:${info.port}`;

    const status = await request(c, '/status', { method: 'GET' });
    assert.deepEqual([status.json.ok, status.json.running, status.json.restarts], [true, true, 0]);
    assert.equal(status.headers.get('access-control-allow-origin'), '*');
    assert.equal((await request(c, '/kill', { method: 'OPTIONS' })).status, 204);

    const peer = await connect(wsBase);
    const killed = await request(c, '/kill', { body: {} });
    assert.deepEqual(killed.json, { ok: true, pid: status.json.pid, wasRunning: true });
    assert.equal((await peer.closedWithin()).code, 1006);
    assert.equal((await request(c, '/status', { method: 'GET' })).json.running, false);
    const refused = new Peer(`${wsBase}/ws`);
    await assert.rejects(within(refused.opened, STEP_MS, 'refused connection'), /ECONNREFUSED/);

    const started = await request(c, '/start', { body: {} });
    assert.equal(started.json.ok, true);
    assert.ok(started.json.upAt <= Date.now());
    const again = await connect(wsBase);
    await again.roundTrip();

    // restart: the connection drops, the server is back when the call answers.
    const restarted = await request(c, '/restart', { body: { downMs: 100 } });
    assert.equal(restarted.json.ok, true);
    assert.equal((await again.closedWithin()).code, 1006);
    await connect(wsBase);

    // kill, then a scheduled start: the call answers at once, the server comes back later.
    await request(c, '/kill', { body: {} });
    const scheduled = await request(c, '/start', { body: { delayMs: 200 } });
    assert.deepEqual([scheduled.json.ok, scheduled.json.scheduled], [true, true]);
    const back = await until(async () => {
      const s = (await request(c, '/status', { method: 'GET' })).json;
      return s.running && s;
    }, STEP_MS, 'scheduled start');
    assert.equal(back.restarts, 3);
    const last = await connect(wsBase);

    // SIGTERM on the supervisor stops the server gracefully (1001) and leaves no child behind.
    sup.kill('SIGTERM');
    assert.equal((await last.closedWithin()).code, 1001);
    assert.equal(await within(exited(sup), 5000, 'supervisor exit'), 0);
    assert.equal(processAlive(back.pid), false);
  });

  test('supervisor killed with SIGKILL: its server exits by itself', async () => {
    const sup = launch('supervisor.js', ['--port', '0']);
    const { info } = await readyLine(sup, 'ZANTARA_SUPERVISOR');
    const { pid } = (await request(info.control, '/status', { method: 'GET' })).json;
    assert.equal(processAlive(pid), true);
    sup.kill('SIGKILL'); // no handler runs: the server notices its stdin closing
    await within(exited(sup), STEP_MS, 'supervisor exit');
    await until(() => !processAlive(pid), STEP_MS, 'the orphaned server to exit');
  });
});
