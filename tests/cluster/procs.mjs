// The real parts of a cluster, each started on a free loopback port with a temporary directory and stopped by PID:
// Redis (Debian's redis-server), reference-server nodes (`www/server/server.js --redis URL`, separate processes so
// that one can be SIGKILLed), and nginx as a WebSocket-aware load balancer (deploy/nginx.conf's shape).
// Used by tests/cluster/*.test.mjs, scripts/demo.sh --cluster and tests/bench/cluster.mjs.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `port` on 127.0.0.1 accepts a TCP connection; rejects after `ms`. */
async function reachable(port, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Resolves when `child` has exited (at once if it already has). */
const exited = (child) => new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.once('exit', resolve);
});

/**
 * A Redis server of our own: `redis-server` on a free port, its files in a temporary directory, no persistence
 * (`save ""`, no AOF), so a restart loses its data as a crashed cache would. `{url, port, stop(), restart()}`:
 * `stop()` ends it (SIGKILL: as a crash), `restart()` starts it again on the same port, empty.
 */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zantara-redis-'));
  let child = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: 'ignore' });
    child.once('error', () => {});
    await reachable(port, 10_000, 'redis-server');
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() { return child?.pid; },
    async stop() {
      if (child === null) return;
      const c = child;
      child = null;
      c.kill('SIGKILL');
      await exited(c);
    },
    /** Starts it again after `stop()`, on the same port, empty. */
    async start() {
      if (child === null) await start();
    },
    async restart() {
      await this.stop();
      await start();
    },
    async close() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A reference-server node in its own process: `node www/server/server.js --port P --redis URL ...flags`.
 * Resolves with `{port, http, ws, pid, log, kill(signal), stopped}` once it printed its ZANTARA_SERVER line.
 * `port` 0 picks a free one; pass a node's old port to restart it in place.
 */
export async function startNode(redisUrl, { port = 0, flags = [] } = {}) {
  const args = [path.join(ROOT, 'www/server/server.js'), '--port', String(port), '--heartbeat-ms', '30000', ...flags];
  if (redisUrl) args.push('--redis', redisUrl);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.setEncoding('utf8').on('data', (d) => log.push(d));
  const info = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /^ZANTARA_SERVER (.*)$/m.exec(out);
      if (m) resolve(JSON.parse(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node exited (${code}) before listening: ${log.join('')}`)));
  });
  return {
    ...info,
    pid: child.pid,
    log,
    stopped: exited(child),
    /** SIGKILL by default (a crash); resolves once the process is gone. */
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      await exited(child);
    },
  };
}

/**
 * nginx in front of `ports` (round robin, WebSocket upgrade passed through, as deploy/nginx.conf does), listening
 * on `port` (0: a free one), its config, logs and temp files in a temporary directory. `{port, http, ws, stop()}`.
 */
export async function startNginx(ports, { port = 0 } = {}) {
  port ||= await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zantara-nginx-'));
  const template = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const conf = template
    .replace(/^\s*server 127\.0\.0\.1:\d+.*$/gm, '')
    .replace('upstream zantara_nodes {', `upstream zantara_nodes {\n${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}`)
    .replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${port};`);
  const head = `daemon off;\nworker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 4096; }\n`;
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `${head}http {\n  access_log off;\n${temps}\n${conf}\n}\n`);
  const child = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  child.once('error', () => {});
  await Promise.race([
    reachable(port, 10_000, 'nginx'),
    exited(child).then(() => { throw new Error(`nginx exited: ${err}`); }),
  ]);
  return {
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
