#!/usr/bin/env node
// Reference server for zantara-websocket: the protocol in docs/ARCHITECTURE.md ("Wire protocol"),
// plus the admin calls and, when enabled, the fault controls the tests use.
//
//   node www/server/server.js [--port N] [--host H] [--faults] [--heartbeat-ms N] [--protocol 1|2] [--history-size N] [--presence-grace-ms N] [--crash-after-messages N] [--redis URL] [--redis-prefix P] [--verbose]
//
// With --redis URL (or ZANTARA_REDIS_URL) it is one node of a cluster (lib/cluster.js: channels, history and the
// duplicate filter in Redis); GET /health answers {ok, mode, node, redis, clients}, 503 while Redis is unreachable.
//
// Serves www/public/ at / (not www/server/: its own source is not downloadable), the repository's pkg/ at /pkg/,
// WebSocket on /ws, the admin calls on POST /call and, with --faults only, the fault-control routes under /__control/. On listening it prints one line to stdout:
//   ZANTARA_SERVER {"port":P,"http":"http://127.0.0.1:P","ws":"ws://127.0.0.1:P/ws","faults":true}
// and logs only to stderr. Importable: `startServer(opts)`.

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

import { FaultControl } from './lib/control.js';
import { Hub, parseConnectQuery } from './lib/hub.js';
import { registerDemoResponders } from './lib/responders.js';
import {
  HttpError, readJsonBody, rejectUpgrade, sendError, sendJson, sendPreflight, serveStatic,
} from './lib/http-util.js';

const SERVER_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The pages and their assets; the server's code lives beside it in www/server/, outside every static root. */
const PUBLIC_DIR = path.resolve(SERVER_DIR, '..', 'public');
const PKG_DIR = path.resolve(SERVER_DIR, '..', '..', 'pkg');
const CALL_BODY_LIMIT = 1024 * 1024;
/** Exit status when the port is taken; the supervisor retries on it (Linux errno EADDRINUSE). */
export const EXIT_ADDR_IN_USE = 98;

/** The production backend's admin calls (`POST /call {key, params}`). */
async function adminCall(hub, { key, params }) {
  params ??= {};
  if (typeof params !== 'object') throw new HttpError(400, 'params must be an object');
  const needString = (name) => {
    if (typeof params[name] !== 'string' || params[name] === '' || !params[name].isWellFormed()) {
      throw new HttpError(400, `params.${name} must be a non-empty string (without lone surrogates)`);
    }
    return params[name];
  };
  // A cluster node that cannot reach Redis answers at once rather than after the outage.
  if (hub.health().redis === 'down') throw new HttpError(503, 'this node cannot reach Redis; try another node');
  switch (key) {
    case 'websocket.stats':
      return hub.clusterStats();
    case 'websocket.broadcast':
      return hub.publish(needString('channel'), params.data);
    case 'websocket.send':
      return { delivered: await hub.sendEverywhere(needString('userId'), needString('channel'), params.data) };
    default:
      throw new HttpError(400, `unknown key ${JSON.stringify(key)}`);
  }
}

/**
 * Starts the reference server.
 * @param {object} [opts]
 * @param {number} [opts.port=0] 0 picks a free port
 * @param {string} [opts.host='127.0.0.1']
 * @param {boolean} [opts.faults=false] mount /__control/
 * @param {number} [opts.heartbeatMs=30000] protocol-level ping period; 0 disables it
 * @param {1 | 2} [opts.protocol=2] the highest protocol spoken (1: seed 001 only; 2: docs/PROTOCOL.md)
 * @param {number} [opts.historySize=1000] channel messages kept per channel for recovery (protocol v2)
 * @param {number} [opts.historyTtlMs=300000] how long a channel message is kept for recovery
 * @param {string} [opts.publicDir] static root served at / (default www/public/)
 * @param {string} [opts.pkgDir] static root served at /pkg/
 * @param {((msg: string) => void) | null} [opts.log] defaults to stderr; null silences
 * @param {boolean} [opts.verbose=false] also log every connection
 * @param {number} [opts.presenceGraceMs=5000] how long a user whose connections all went away stays in a channel's presence
 * @param {number} [opts.typingTtlMs=6000] how long a typing indication lasts without a refresh
 * @param {number} [opts.crashAfterMessages=0] a fault for tests: SIGKILL this process right after taking that many
 *   client messages (see Hub's `crash`); 0: never
 * @param {string} [opts.redis] cluster mode: the Redis URL (`redis://127.0.0.1:6379`) every node of the cluster
 *   shares (lib/cluster.js); without it the server keeps everything in memory
 * @param {string} [opts.redisPrefix='zantara:'] the cluster's key prefix in that Redis
 * @returns {Promise<{port: number, host: string, http: string, ws: string, faults: boolean, hub: Hub, close(): Promise<void>}>}
 */
export async function startServer(opts = {}) {
  const {
    port = 0,
    host = '127.0.0.1',
    faults = false,
    heartbeatMs = 30_000,
    protocol = 2,
    historySize = 1000,
    historyTtlMs = 300_000,
    publicDir = PUBLIC_DIR,
    pkgDir = PKG_DIR,
    verbose = false,
  } = opts;
  const log = opts.log === null ? () => {} : (opts.log ?? ((msg) => process.stderr.write(`${msg}\n`)));

  const crash = () => {
    log(`server: --crash-after-messages ${opts.crashAfterMessages}: killing the process (SIGKILL)`);
    process.kill(process.pid, 'SIGKILL');
  };
  const hub = new Hub({
    heartbeatMs, protocol, historySize, historyTtlMs, log, crash, crashAfter: opts.crashAfterMessages ?? 0,
    presenceGraceMs: opts.presenceGraceMs, typingTtlMs: opts.typingTtlMs,
  });
  registerDemoResponders(hub);
  let engine = null;
  if (opts.redis) {
    // Cluster mode: imported only here, so a single server needs nothing but Node and `ws`.
    const { RedisEngine } = await import('./lib/cluster.js');
    engine = new RedisEngine({
      url: opts.redis, prefix: opts.redisPrefix, historySize, historyTtlMs, sessionTtlMs: opts.sessionTtlMs ?? 120_000, log,
      onMessage: (env) => hub.clusterMessage(env),
      onUser: (env) => hub.clusterUser(env),
      onLink: (up) => { if (up) hub.catchUp(); },
      localStats: () => hub.stats(),
      onPresence: (env) => hub.clusterPresence(env),
      onPresenceRequest: () => hub.presence.republish(),
      presenceSnapshot: () => hub.presence.localViews(),
      onNodeGone: (node) => hub.presence.dropNode(node),
      onNodeBack: (node) => {
        hub.presence.nodeBack(node);
        hub.presence.republish();
      },
    });
    hub.attach(engine);
    try {
      await engine.start();
    } catch (err) {
      await engine.close();
      throw new Error(`cannot reach Redis at ${opts.redis}: ${err.message}`, { cause: err });
    }
    log(`cluster: node ${engine.node} on ${opts.redis}`);
  }
  const control = faults ? new FaultControl(hub) : null;
  // Inbound limit well above the 16 MB frames tests exchange; no compression, so raw frames go out as built.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024, perMessageDeflate: false, clientTracking: false });
  const pages = { root: path.resolve(publicDir), mount: '/', indexRedirect: 'websocket-demo.html' };
  const pkg = { root: path.resolve(pkgDir), mount: '/pkg/' };

  const server = http.createServer(async (req, res) => {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (pathname === '/call') {
        if (req.method === 'OPTIONS') return sendPreflight(req, res);
        if (req.method !== 'POST') throw new HttpError(405, 'use POST');
        const body = await readJsonBody(req, CALL_BODY_LIMIT);
        if (body === null || typeof body !== 'object' || typeof body.key !== 'string') {
          throw new HttpError(400, 'body must be {"key": string, "params": object}');
        }
        return sendJson(res, 200, { ok: true, data: await adminCall(hub, body) });
      }
      if (pathname === '/health') {
        // For load balancers and operators: 503 while a cluster node cannot reach Redis (it keeps its clients).
        const h = { ...hub.health(), clients: hub.size };
        return sendJson(res, h.redis === 'down' ? 503 : 200, { ok: h.redis !== 'down', ...h });
      }
      if (pathname.startsWith('/__control/')) {
        if (!control) throw new HttpError(404, 'fault control is off (start the server with --faults)');
        if (req.method === 'OPTIONS') return sendPreflight(req, res);
        return await control.handle(req, res, pathname.slice('/__control/'.length));
      }
      if (pathname === '/ws') throw new HttpError(426, 'WebSocket endpoint: connect with an Upgrade request');
      if (pathname === '/pkg') return await serveStatic(req, res, '', pkg);
      if (pathname.startsWith('/pkg/')) return await serveStatic(req, res, pathname.slice('/pkg/'.length), pkg);
      return await serveStatic(req, res, pathname.slice(1), pages);
    } catch (err) {
      if (!(err instanceof HttpError)) log(`[http] ${req.method} ${req.url}: ${err.stack ?? err}`);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {}); // a reset before the handshake ends must not crash the server
    let pathname;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return rejectUpgrade(socket, 400);
    }
    if (pathname !== '/ws') return rejectUpgrade(socket, 404);
    const refuse = control?.refuseStatus() ?? 0;
    if (refuse) return rejectUpgrade(socket, refuse);

    wss.handleUpgrade(req, socket, head, (ws) => {
      const query = parseConnectQuery(req.url);
      const plan = control?.onConnect(query) ?? { welcome: true, after: () => {} };
      const client = hub.accept(ws, query, { welcome: plan.welcome });
      if (verbose) log(`[ws] ${client.clientId} connected (userId ${JSON.stringify(client.userId)})`);
      plan.after(client);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`[http] ${err.message}`));

  const actualPort = server.address().port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing = null;
  return {
    port: actualPort,
    host,
    http: `http://${urlHost}:${actualPort}`,
    ws: `ws://${urlHost}:${actualPort}/ws`,
    faults,
    hub,
    /** Closes every client with 1001 "server shutting down", then the HTTP server. Idempotent. */
    close() {
      closing ??= (async () => {
        const stopped = new Promise((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await hub.shutdown(1001, 'server shutting down');
        server.closeAllConnections();
        await stopped;
        await engine?.close();
      })();
      return closing;
    },
  };
}

// ---- command line ----

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8080), host: '127.0.0.1', faults: false, heartbeatMs: 30_000, protocol: 2 };
  const value = (i, flag) => {
    if (i >= argv.length) throw new Error(`${flag} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    let [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const next = () => inline ?? value(++i, flag);
    switch (flag) {
      case '--port': opts.port = Number(next()); break;
      case '--host': opts.host = next(); break;
      case '--faults': opts.faults = true; break;
      case '--heartbeat-ms': opts.heartbeatMs = Number(next()); break;
      case '--protocol': opts.protocol = Number(next()); break;
      case '--history-size': opts.historySize = Number(next()); break;
      case '--crash-after-messages': opts.crashAfterMessages = Number(next()); break;
      case '--presence-grace-ms': opts.presenceGraceMs = Number(next()); break;
      case '--redis': opts.redis = next(); break;
      case '--redis-prefix': opts.redisPrefix = next(); break;
      case '--verbose': opts.verbose = true; break;
      // Used by the supervisor: exit when its end of our stdin goes away, so no orphan outlives it.
      case '--exit-on-stdin-close': opts.exitOnStdinClose = true; break;
      default: throw new Error(`unknown flag ${argv[i]}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
  if (!Number.isInteger(opts.heartbeatMs) || opts.heartbeatMs < 0) throw new Error('--heartbeat-ms must be >= 0');
  if (opts.protocol !== 1 && opts.protocol !== 2) throw new Error('--protocol must be 1 or 2');
  if (opts.presenceGraceMs !== undefined && (!Number.isInteger(opts.presenceGraceMs) || opts.presenceGraceMs < 0)) {
    throw new Error('--presence-grace-ms must be >= 0');
  }
  if (opts.crashAfterMessages !== undefined && (!Number.isInteger(opts.crashAfterMessages) || opts.crashAfterMessages < 1)) {
    throw new Error('--crash-after-messages must be >= 1');
  }
  if (opts.historySize !== undefined && (!Number.isInteger(opts.historySize) || opts.historySize < 0)) {
    throw new Error('--history-size must be >= 0');
  }
  return opts;
}

async function main() {
  // A closed pipe (the supervisor went away) must not crash us with EPIPE.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});

  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
    opts.redis ??= process.env.ZANTARA_REDIS_URL || undefined;
  } catch (err) {
    process.stderr.write(`server: ${err.message}\nusage: node www/server/server.js [--port N] [--host H] [--faults] [--heartbeat-ms N] [--protocol 1|2] [--history-size N] [--presence-grace-ms N] [--crash-after-messages N] [--redis URL] [--redis-prefix P] [--verbose]\n`);
    process.exit(2);
  }

  let srv;
  try {
    srv = await startServer(opts);
  } catch (err) {
    process.stderr.write(`server: cannot start on ${opts.host}:${opts.port}: ${err.message}\n`);
    process.exit(err.code === 'EADDRINUSE' ? EXIT_ADDR_IN_USE : 1);
  }
  process.stdout.write(`ZANTARA_SERVER ${JSON.stringify({ port: srv.port, http: srv.http, ws: srv.ws, faults: srv.faults })}\n`);

  let stopping = false;
  const stop = async (why) => {
    if (stopping) process.exit(0); // a second signal: do not wait any longer
    stopping = true;
    process.stderr.write(`server: ${why}, shutting down\n`);
    setTimeout(() => process.exit(0), 5000).unref();
    await srv.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (opts.exitOnStdinClose) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin closed'));
    process.stdin.resume();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
