// Shared helpers of the reference server's tests (tests/server/*.test.mjs), not a test file itself: waits raced
// against a timeout, a recording `ws` peer, HTTP requests, child-process plumbing, and the two in-process servers
// (fault control on) that most suites run against.

import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, afterEach, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { startServer } from '../../www/server/server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STEP_MS = 3000; // bound for any single awaited event
export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Races `promise` against a timer; the timer never outlives the race. */
export async function within(promise, ms, what) {
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

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it returns truthy, at most `ms`. */
export async function until(check, ms, what) {
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
export class Peer {
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

export function wsUrl(base, params = {}) {
  const qs = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${base}/ws${qs ? `?${qs}` : ''}`;
}

/** Opens a connection and waits for its welcome frame. */
export async function connect(base, params, wsOpts) {
  const peer = new Peer(wsUrl(base, params), wsOpts);
  await within(peer.opened, STEP_MS, 'open');
  peer.welcome = (await peer.next((f) => f.json?.type === 'connected', 'welcome')).json;
  peer.clientId = peer.welcome.data.clientId;
  return peer;
}

/** Subscribes and waits until the server has processed it. */
export async function subscribe(peer, channel) {
  peer.send({ type: 'subscribe', channel });
  await peer.roundTrip();
}

export async function request(base, route, { method = 'POST', body, headers = {} } = {}) {
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
export function rawGet(port, rawPath) {
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
export function readyLine(child, prefix) {
  const lines = readline.createInterface({ input: child.stdout });
  return within(new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith(`${prefix} `)) resolve({ line, info: JSON.parse(line.slice(prefix.length + 1)) });
    });
    child.once('exit', (code) => reject(new Error(`${prefix}: process exited with ${code} before its ready line`)));
  }), 10_000, `${prefix} line`);
}

export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether `pid` runs. An exited orphan may stay a zombie until init reaps it: that counts as gone. */
export function processAlive(pid) {
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

/** An afterEach hook for every test file: no peer outlives its test. */
export function terminatePeers() {
  for (const peer of openPeers) peer.ws.terminate();
  openPeers.clear();
}

/**
 * Registers, in the calling suite, the servers its tests run against and returns them (the fields are set in
 * `before`): `srv` (static roots in a temporary folder, heartbeat off) at `base` (http) and `wsBase` (ws), `hb` (a
 * heartbeat every 200 ms) at `hbBase`, and `control(route, body, method)` / `call(key, params)` on `srv`. Fault
 * state is reset after each test.
 */
export function useServers() {
  const servers = {
    control: (route, body, method) => request(servers.base, `/__control/${route}`, { body, method }),
    call: (key, params) => request(servers.base, '/call', { body: { key, params } }),
  };
  let tmp;
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
    servers.srv = await startServer({
      port: 0, faults: true, heartbeatMs: 0, log: null, publicDir: path.join(tmp, 'public'), pkgDir: path.join(tmp, 'pkg'),
    });
    servers.base = servers.srv.http;
    servers.wsBase = servers.srv.ws.replace(/\/ws$/, '');
    // A fast heartbeat only where a test is about it, so a busy machine cannot time out the other tests' clients.
    servers.hb = await startServer({ port: 0, faults: true, heartbeatMs: 200, log: null });
    servers.hbBase = servers.hb.ws.replace(/\/ws$/, '');
  });

  after(async () => {
    await within(Promise.all([servers.srv.close(), servers.hb.close()]), 5000, 'server close');
    await rm(tmp, { recursive: true, force: true });
  });

  afterEach(async () => {
    await servers.control('reset', {});
    await request(servers.hb.http, '/__control/reset', { body: {} });
  });
  return servers;
}
