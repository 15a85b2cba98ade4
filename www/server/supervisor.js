#!/usr/bin/env node
// Supervisor of the reference server: lets a test that cannot start processes (a wasm test in a browser) kill and
// restart the server on the same port through HTTP.
//
//   node www/server/supervisor.js [--port N] [--control-port N] [--host H] [server flags...]
//
// Prints one line to stdout once the server is up and the control server listens:
//   ZANTARA_SUPERVISOR {"port":P,"http":"http://127.0.0.1:P","ws":"ws://127.0.0.1:P/ws","control":"http://127.0.0.1:C"}
// Control routes: POST /kill, POST /start {delayMs?, flags?}, POST /restart {downMs?}, GET /status (CORS, JSON answers).
// `flags` (strings) are added to the server's flags for that start only (a fault such as --crash-after-messages N).
// The server's own output goes to our stderr. The child is never left behind: it is killed on every exit path we
// see, and it exits by itself when our end of its stdin closes (which covers our being SIGKILLed).

import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { HttpError, readJsonBody, sendError, sendJson, sendPreflight } from './lib/http-util.js';

const SERVER_JS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.js');
const EXIT_ADDR_IN_USE = 98; // server.js exits with this when the port is taken
const READY_TIMEOUT_MS = 10_000;
const BIND_RETRY_MS = 3_000; // how long start keeps retrying a port still held by the killed server
const MAX_DELAY_MS = 600_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (msg) => process.stderr.write(`supervisor: ${msg}\n`);

/** Binds host:0, reads the port the kernel chose and releases it. */
function freePort(host) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host }, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Owns the one server child process. Lifecycle operations run one at a time (see `#serial`). */
class ChildServer {
  child = null;
  pid = null;
  upAt = null;
  starts = 0;
  #queue = Promise.resolve();
  #timers = new Set();

  constructor({ port, host, flags }) {
    this.port = port;
    this.host = host;
    this.flags = flags;
  }

  get running() {
    return this.child !== null;
  }

  /** Runs lifecycle operations in order, so a kill never races a start. */
  #serial(fn) {
    const result = this.#queue.then(fn);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Starts the server, with `extra` flags for this start only. */
  start(extra = []) {
    return this.#serial(() => this.#startWithRetry(extra));
  }

  kill() {
    return this.#serial(() => this.#kill('SIGKILL'));
  }

  restart(downMs) {
    return this.#serial(async () => {
      await this.#kill('SIGKILL');
      await sleep(downMs);
      return this.#startWithRetry();
    });
  }

  /** Starts after `delayMs` without waiting; failures are logged. */
  startLater(delayMs, extra = []) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.start(extra).catch((err) => log(`scheduled start failed: ${err.message}`));
    }, delayMs);
    this.#timers.add(timer);
  }

  /** Graceful stop for our own exit: SIGTERM (clients get 1001), SIGKILL if it lingers. */
  async stop() {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (!this.child) return;
    const exited = this.#kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** Last resort, synchronous (process 'exit' handler). */
  killNow() {
    this.child?.kill('SIGKILL');
  }

  async #kill(signal) {
    const child = this.child;
    if (!child) return { pid: null, wasRunning: false };
    child.expectedExit = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    return { pid: child.pid, wasRunning: true };
  }

  async #startWithRetry(extra = []) {
    if (this.child) return { pid: this.pid, upAt: this.upAt, alreadyRunning: true };
    const deadline = Date.now() + BIND_RETRY_MS;
    for (;;) {
      try {
        await this.#spawn(extra);
        this.starts++;
        return { pid: this.pid, upAt: this.upAt };
      } catch (err) {
        if (err.exitCode !== EXIT_ADDR_IN_USE || Date.now() > deadline) throw err;
        await sleep(100); // the old server's socket is still going away
      }
    }
  }

  /** Spawns server.js and resolves once it printed its ready line; rejects if it exits or stalls first. */
  #spawn(extra) {
    const args = [SERVER_JS, '--port', String(this.port), '--host', this.host, '--exit-on-stdin-close', ...this.flags, ...extra];
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    const tag = `[server ${child.pid}]`;
    readline.createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`${tag} ${line}\n`));
    const stdout = readline.createInterface({ input: child.stdout });

    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server did not print its ready line within ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      stdout.on('line', (line) => {
        process.stderr.write(`${tag} ${line}\n`);
        if (ready || !line.startsWith('ZANTARA_SERVER ')) return;
        ready = true;
        clearTimeout(timer);
        this.child = child;
        this.pid = child.pid;
        this.upAt = Date.now();
        resolve();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) {
          const err = new Error(`server exited before it was ready (code ${code}, signal ${signal})`);
          err.exitCode = code;
          reject(err);
          return;
        }
        if (this.child === child) {
          this.child = null;
          // Not restarted on purpose: tests decide when the server comes back.
          if (!child.expectedExit) log(`server ${child.pid} exited unexpectedly (code ${code}, signal ${signal})`);
        }
      });
    });
  }
}

/** The control server's routes. */
async function route(server, req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'OPTIONS') return sendPreflight(req, res);
  const key = `${req.method} ${pathname}`;
  const body = req.method === 'POST' ? await readJsonBody(req, 64 * 1024) : {};
  const ms = (value, name) => {
    if (value === undefined) return 0;
    if (!Number.isInteger(value) || value < 0 || value > MAX_DELAY_MS) {
      throw new HttpError(400, `${name} must be an integer in 0..${MAX_DELAY_MS}`);
    }
    return value;
  };
  switch (key) {
    case 'GET /status':
      return sendJson(res, 200, {
        ok: true, running: server.running, pid: server.running ? server.pid : null, lastPid: server.pid, restarts: Math.max(0, server.starts - 1), port: server.port,
      });
    case 'POST /kill':
      return sendJson(res, 200, { ok: true, ...(await server.kill()) });
    case 'POST /start': {
      const delayMs = ms(body?.delayMs, 'delayMs');
      const flags = body?.flags ?? [];
      if (!Array.isArray(flags) || flags.length > 16 || !flags.every((f) => typeof f === 'string' && f.length <= 200)) {
        throw new HttpError(400, 'flags must be an array of at most 16 strings');
      }
      if (delayMs > 0) {
        server.startLater(delayMs, flags);
        return sendJson(res, 200, { ok: true, scheduled: true, delayMs });
      }
      return sendJson(res, 200, { ok: true, ...(await server.start(flags)) });
    }
    case 'POST /restart': {
      const downMs = ms(body?.downMs, 'downMs');
      return sendJson(res, 200, { ok: true, downMs, ...(await server.restart(downMs)) });
    }
    default:
      throw new HttpError(404, `no route ${key} (POST /kill, POST /start, POST /restart, GET /status)`);
  }
}

function parseArgs(argv) {
  const opts = { port: 0, controlPort: 0, host: '127.0.0.1', flags: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const next = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') opts.port = Number(next());
    else if (flag === '--control-port') opts.controlPort = Number(next());
    else if (flag === '--host') opts.host = next();
    else opts.flags.push(argv[i]); // the server's own flags, checked by server.js
  }
  for (const name of ['port', 'controlPort']) {
    if (!Number.isInteger(opts[name]) || opts[name] < 0 || opts[name] > 65535) throw new Error(`bad ${name}`);
  }
  return opts;
}

async function main() {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`supervisor: ${err.message}\nusage: node www/server/supervisor.js [--port N] [--control-port N] [--host H] [server flags...]\n`);
    process.exit(2);
  }

  const port = opts.port || (await freePort(opts.host));
  const server = new ChildServer({ port, host: opts.host, flags: opts.flags });
  process.on('exit', () => server.killNow());

  let exiting = false;
  const exit = async (code, why) => {
    if (exiting) return;
    exiting = true;
    if (why) log(why);
    setTimeout(() => { server.killNow(); process.exit(code); }, 4000).unref();
    await server.stop();
    process.exit(code);
  };
  process.on('SIGTERM', () => exit(0, 'SIGTERM'));
  process.on('SIGINT', () => exit(0, 'SIGINT'));
  process.on('SIGHUP', () => exit(0, 'SIGHUP'));
  process.on('uncaughtException', (err) => exit(1, `uncaught: ${err.stack ?? err}`));
  process.on('unhandledRejection', (err) => exit(1, `unhandled rejection: ${err?.stack ?? err}`));

  try {
    await server.start();
  } catch (err) {
    return exit(1, `cannot start the server: ${err.message}`);
  }

  const control = http.createServer((req, res) => {
    route(server, req, res).catch((err) => {
      if (!(err instanceof HttpError)) log(`${req.method} ${req.url}: ${err.stack ?? err}`);
      if (!res.headersSent) sendError(res, err);
    });
  });
  control.on('error', (err) => exit(1, `control server: ${err.message}`));
  control.listen({ port: opts.controlPort, host: opts.host }, () => {
    const { host } = opts;
    const hostInUrl = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const line = {
      port,
      http: `http://${hostInUrl}:${port}`,
      ws: `ws://${hostInUrl}:${port}/ws`,
      control: `http://${hostInUrl}:${control.address().port}`,
    };
    process.stdout.write(`ZANTARA_SUPERVISOR ${JSON.stringify(line)}\n`);
  });
}

main();
