#!/usr/bin/env node
// A local cluster for the demo pages (`bash scripts/demo.sh --cluster`): our own Redis, three reference-server nodes
// (`--redis`), nginx in front of them on PORT (deploy/nginx.conf), and the dashboard's feed through nginx. Every part
// runs on loopback with its files in a temporary directory; Ctrl-C stops them all by PID.
//
//   node scripts/cluster.mjs [--port 8080]

import { spawn } from 'node:child_process';
import path from 'node:path';

import { ROOT, startNginx, startNode, startRedis } from '../tests/cluster/procs.mjs';

const at = process.argv.indexOf('--port');
const port = Number(at > 0 ? process.argv[at + 1] : process.env.PORT ?? 8080);
const redis = await startRedis();
const nodes = await Promise.all([0, 1, 2].map(() => startNode(redis.url, { flags: ['--heartbeat-ms', '30000'] })));
const lb = await startNginx(nodes.map((n) => n.port), { port });
const feed = spawn(process.execPath, [path.join(ROOT, 'www/server/feed.js'), '--url', lb.http, '--interval', '1000'], { stdio: 'inherit' });

process.stdout.write(`
  zantara-websocket cluster demo is running (Ctrl-C to stop)

    Through nginx:    ${lb.http}/websocket-demo.html   ${lb.http}/chat.html   ${lb.http}/dashboard.html
    The nodes:        ${nodes.map((n) => n.ws).join('  ')}   (wsUrl entries; /health on each)
    Redis:            ${redis.url}
    Try: kill -9 one node's PID (${nodes.map((n) => n.pid).join(', ')}): its pages reconnect through nginx to another.

`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  feed.kill('SIGTERM');
  await lb.stop();
  for (const n of nodes) await n.kill('SIGTERM');
  await redis.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
