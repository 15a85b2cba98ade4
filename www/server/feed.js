#!/usr/bin/env node
// Demo feed: makes the dashboard come alive by broadcasting through the reference server's admin
// call (`POST /call {key: 'websocket.broadcast', params: {channel, data}}`), as the production
// backend's services do: live analytics every tick, document progress, team notifications and the
// odd chat line from ZANTARA.
//
//   node www/server/feed.js [--url http://127.0.0.1:8080] [--interval 1000]
//
// Importable: `startFeed({url, intervalMs})` returns `{stop()}`.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEAM = ['Amanda', 'Zero', 'Krisna', 'Dea', 'Veronika', 'Adit'];
const FILES = ['visa-application.pdf', 'kitas-renewal.docx', 'company-setup.pdf', 'tax-report-q3.xlsx', 'lease-contract.pdf'];
const NOTICES = [
  ['document_edited', 'edited'],
  ['comment_added', 'commented on'],
  ['mention', 'mentioned you in'],
  ['document_shared', 'shared'],
];
const CHAT = [
  'The KITAS checklist is updated for this month.',
  'Reminder: tax filings for PT PMA close on Friday.',
  'New client onboarding call at 15:00.',
  'I summarised the visa regulation changes in #documents.',
  'Average response time is back under 200 ms.',
];

const pick = (list, i) => list[Math.floor(i) % list.length];

/**
 * Broadcasts demo traffic to the server at `url` every `intervalMs`.
 * @param {{url?: string, intervalMs?: number, log?: (msg: string) => void}} [opts]
 * @returns {{stop(): void}}
 */
export function startFeed({ url = 'http://127.0.0.1:8080', intervalMs = 1000, log = () => {} } = {}) {
  let tick = 0;
  let activeUsers = 42;
  let tokensUsed = 15_000;
  let apiCalls = 1_200;
  const progress = new Map();

  const broadcast = async (channel, data) => {
    try {
      const res = await fetch(new URL('/call', url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: 'websocket.broadcast', params: { channel, data } }),
        signal: AbortSignal.timeout(2000),
      });
      if (!res.ok) log(`feed: ${channel}: HTTP ${res.status}`);
    } catch (err) {
      log(`feed: ${channel}: ${err.message}`); // the server is restarting: try again next tick
    }
  };

  const step = () => {
    tick++;
    activeUsers = Math.max(5, activeUsers + Math.round((Math.random() - 0.45) * 6));
    tokensUsed += 200 + Math.round(Math.random() * 900);
    apiCalls += 5 + Math.round(Math.random() * 20);
    broadcast('analytics', {
      activeUsers,
      tokensUsed,
      apiCalls,
      avgResponseTime: 120 + Math.round(Math.random() * 140),
    });

    const file = pick(FILES, Math.floor(tick / 8));
    const p = Math.min(100, (progress.get(file) ?? 0) + 7 + Math.round(Math.random() * 10));
    progress.set(file, p >= 100 ? 0 : p);
    broadcast('documents', { file, progress: p, status: p >= 100 ? 'done' : 'processing' });

    if (tick % 4 === 1) {
      const [type, verb] = pick(NOTICES, tick / 4);
      const user = pick(TEAM, tick * 7);
      broadcast('notifications', { type, user, file: pick(FILES, tick), text: `${user} ${verb} ${pick(FILES, tick)}` });
    }
    if (tick % 6 === 3) broadcast('chat', { text: pick(CHAT, tick / 6), user: 'ZANTARA', timestamp: new Date().toISOString() });
  };

  const timer = setInterval(step, intervalMs);
  step();
  return { stop: () => clearInterval(timer) };
}

function parseArgs(argv) {
  const opts = { url: `http://127.0.0.1:${process.env.PORT ?? 8080}`, intervalMs: 1000 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--url') opts.url = argv[++i];
    else if (argv[i] === '--interval') opts.intervalMs = Number(argv[++i]);
    else throw new Error(`unknown flag ${argv[i]} (usage: node www/server/feed.js [--url URL] [--interval MS])`);
  }
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs < 50) throw new Error('--interval must be >= 50 ms');
  return opts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  const feed = startFeed({ ...opts, log: (msg) => process.stderr.write(`${msg}\n`) });
  process.stderr.write(`feed: broadcasting to ${opts.url} every ${opts.intervalMs} ms\n`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { feed.stop(); process.exit(0); });
}
