#!/usr/bin/env node
// `npx zantara-websocket check <url>`: checks a server the way the SDK uses it, the counterpart of the
// legacy guide's `node test-websocket.js` (seed 000, "Command Line Test"). Two clients of the SDK's
// default entry (Node 22+, its global WebSocket) connect; a second one subscribes to a fresh channel
// and the first sends to it until it arrives (the server relays channel messages); then one message
// with its acknowledgement, heartbeat round trips and the stats. Exit code 0 when every step passed,
// else 1 with the reason. `--json` prints one JSON object instead of lines.

import { ZantaraWebSocket } from './index.js';

const USAGE = `usage: zantara-websocket check <url> [options]

  Connects to <url> (ws://, wss://) with the SDK and checks: connect, the welcome frame, the
  protocol, subscribe and a message round trip between two clients, the acknowledgement (protocol
  v2), heartbeat round trips; prints the stats. Exit code 0 when all passed, else 1.

options:
  --user ID        userId to connect as (default zantara-check)
  --token TOKEN    sent as ?token= (never printed)
  --channel NAME   the channel for the round trip (default a fresh zantara-check-… name)
  --pings N        heartbeat round trips to time (default 3, 1-20)
  --timeout MS     how long each step may take (default 10000)
  --json           one JSON object: {ok, url, steps: [{name, ok, ms, detail}], stats, error?}`;

/** The command line as options, or a string saying what is wrong with it. */
function parseArgs(argv) {
  const o = { user: 'zantara-check', token: undefined, channel: undefined, pings: 3, timeout: 10_000, json: false, url: null };
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return 'help';
  if (command !== 'check') return `unknown command ${JSON.stringify(command)}`;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--json') o.json = true;
      else if (a === '--user') o.user = value();
      else if (a === '--token') o.token = value();
      else if (a === '--channel') o.channel = value();
      else if (a === '--pings') o.pings = Number(value());
      else if (a === '--timeout') o.timeout = Number(value());
      else if (a.startsWith('--')) return `unknown option ${a}`;
      else if (o.url === null) o.url = a;
      else return `unexpected argument ${JSON.stringify(a)}`;
    } catch (e) {
      return e.message;
    }
  }
  if (o.url === null) return 'the server URL is missing';
  if (!/^wss?:\/\//i.test(o.url)) return `the URL must start with ws:// or wss:// (got ${JSON.stringify(redact(o.url))})`;
  if (!Number.isInteger(o.pings) || o.pings < 1 || o.pings > 20) return '--pings must be a whole number from 1 to 20';
  if (!(o.timeout >= 100 && o.timeout <= 120_000)) return '--timeout must be a number of ms from 100 to 120000';
  return o;
}

/** `url` with its query values and user info hidden (the token travels there). */
function redact(url) {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) u.searchParams.set(key, '***');
    return u.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    return String(url).replace(/\/\/[^/]*@/, '//***@').replace(/[?#].*$/, '?***');
  }
}

/**
 * Waits for `client`'s next `event` (its payload), failing after `ms`, on `error`, or (`closeFails`)
 * when the client closes, with the close code and the last error seen.
 */
function next(client, event, ms, what, closeFails = false) {
  return new Promise((resolve, reject) => {
    let lastError = null;
    const timer = setTimeout(() => done(reject, new Error(`no ${what} within ${ms} ms${lastError ? ` (${lastError})` : ''}`)), ms);
    const onEvent = (v) => done(resolve, v);
    const onError = (e) => {
      lastError = e?.message ?? String(e);
      if (!closeFails) done(reject, e);
    };
    // A failed attempt without reconnects ends in state `closed` (a link that never opened has no
    // `disconnected`); the close code is in the stats.
    const onState = (st) => {
      if (st.to !== 'closed') return;
      const { lastCloseCode: code, lastCloseReason: reason } = client.getStats();
      const why = lastError ?? (reason ? `reason ${JSON.stringify(reason)}` : code === 1006 ? 'refused or unreachable' : 'no reason given');
      done(reject, new Error(`closed before the ${what} (code ${code ?? '-'}): ${why}`));
    };
    function done(settle, v) {
      clearTimeout(timer);
      client.off(event, onEvent);
      client.off('error', onError);
      client.off('state', onState);
      settle(v);
    }
    client.on(event, onEvent);
    client.on('error', onError);
    if (closeFails) client.on('state', onState);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (ms) => Math.round(ms * 10) / 10;

/** Runs the checks; the report `{ok, url, steps, stats, error?}`. */
async function check(o) {
  const steps = [];
  const report = { ok: false, url: redact(o.url), steps, stats: null };
  const step = async (name, run) => {
    const t0 = performance.now();
    try {
      const detail = await run();
      steps.push({ name, ok: true, ms: round(performance.now() - t0), detail });
    } catch (e) {
      const detail = e?.message ?? String(e);
      steps.push({ name, ok: false, ms: round(performance.now() - t0), detail });
      throw Object.assign(new Error(`${name}: ${detail}`), { reported: true });
    }
  };
  const options = {
    wsUrl: o.url, token: o.token, WebSocket: o.WebSocket, autoReconnect: false, connectTimeout: o.timeout, welcomeTimeout: 500,
    heartbeatInterval: 0, heartbeatTimeout: Math.max(o.timeout, 100),
  };
  const channel = o.channel ?? `zantara-check-${Math.random().toString(36).slice(2, 10)}`;
  const clients = [];
  try {
    let sender;
    let welcome;
    await step('connect', async () => {
      sender = new ZantaraWebSocket(o.user, { ...options, autoConnect: false, heartbeatInterval: 250 });
      clients.push(sender);
      const connected = next(sender, 'connected', o.timeout, 'connection', true);
      sender.connect();
      welcome = await connected;
      return 'open';
    });
    await step('welcome', async () => {
      const id = welcome?.clientId;
      if (typeof id !== 'string') throw new Error('the server sent no welcome frame (`connected` with data.clientId)');
      return `clientId ${id}`;
    });
    await step('protocol', async () => {
      const p = sender.getStats().protocol;
      return p === 2 ? '2 (acknowledgements, recovery, requests)' : `${p ?? 1} (the seed-001 protocol: no acknowledgements)`;
    });
    let receiver;
    const got = [];
    let onRoundTrip = null; // the message step's wait
    await step('subscribe', async () => {
      receiver = new ZantaraWebSocket(`${o.user}-receiver`, { ...options, autoConnect: false });
      clients.push(receiver);
      receiver.on(channel, (d) => {
        got.push(d);
        if (d?.check === 'round trip') onRoundTrip?.(performance.now());
      });
      receiver.subscribe(channel);
      const connected = next(receiver, 'connected', o.timeout, 'connection of the second client', true);
      receiver.connect();
      await connected;
      // The subscription is in place once a message sent after it arrives: probe until one does.
      const t0 = performance.now();
      let n = 0;
      while (got.length === 0) {
        if (performance.now() - t0 > o.timeout) {
          throw new Error(`a second client subscribed to ${channel} received none of ${n} messages in ${o.timeout} ms (does the server relay channel messages?)`);
        }
        sender.sendMessage(channel, { check: 'probe', n: n++ });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return `a second client received on ${channel}`;
    });
    await step('message', async () => {
      const t0 = performance.now();
      const arrived = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not received within ${o.timeout} ms`)), o.timeout);
        onRoundTrip = (at) => {
          clearTimeout(timer);
          resolve(at - t0);
        };
      });
      const ack = sender.sendWithAck(channel, { check: 'round trip' }, { timeout: o.timeout });
      const [a, ms] = await Promise.all([ack, arrived]);
      const acked = a.confirmed ? `acknowledged by the server in ${round(performance.now() - t0)} ms` : 'sent (a v1 server cannot confirm)';
      return `${acked}; received by the second client in ${round(ms)} ms`;
    });
    await step('ping', async () => {
      const rtts = [];
      while (rtts.length < o.pings) rtts.push((await next(sender, 'pong', o.timeout, 'pong')).rtt);
      return `${rtts.length} round trips: min ${round(Math.min(...rtts))} ms, median ${round(median(rtts))} ms, max ${round(Math.max(...rtts))} ms`;
    });
    report.stats = sender.getStats();
    report.ok = true;
  } catch (e) {
    report.error = e.reported ? e.message : `check: ${e?.message ?? e}`;
    try {
      report.stats = clients[0]?.getStats() ?? null;
    } catch {
      // freed
    }
  } finally {
    for (const c of clients) c.free();
  }
  return report;
}

function print(report) {
  const lines = [`zantara-websocket check ${report.url}`];
  for (const s of report.steps) lines.push(`  ${s.ok ? '✓' : '✗'} ${s.name.padEnd(10)} ${`${s.ms} ms`.padStart(9)}  ${s.detail}`);
  if (report.stats) {
    const s = report.stats;
    lines.push(`  stats: state ${s.state}, protocol ${s.protocol ?? '-'}, messagesIn ${s.messagesIn}, messagesOut ${s.messagesOut}, ` +
      `acknowledged ${s.acknowledged}, queuedMessages ${s.queuedMessages}, rtt ${s.rtt === null ? '-' : round(s.rtt)} ms, lastCloseCode ${s.lastCloseCode ?? '-'}`);
  }
  lines.push(report.ok ? 'OK' : `FAILED: ${report.error}`);
  return lines.join('\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof o === 'string') {
    console.error(`zantara-websocket: ${o}\n\n${USAGE}`);
    return 1;
  }
  // Node before 22 has no global WebSocket: the `ws` package's (a dependency of this package) is
  // given to the SDK as its `WebSocket` option.
  let impl = typeof globalThis.WebSocket === 'function' ? undefined : null;
  if (impl === null) {
    try {
      impl = (await import('ws')).WebSocket;
    } catch {
      const msg = `this Node (${process.version}) has no global WebSocket and the ws package is not installed: use Node 22 or later, or npm install ws`;
      if (o.json) console.log(JSON.stringify({ ok: false, url: redact(o.url), steps: [], stats: null, error: msg }));
      else console.error(`zantara-websocket: ${msg}`);
      return 1;
    }
  }
  o.WebSocket = impl;
  const report = await check(o);
  console.log(o.json ? JSON.stringify(report, null, 2) : print(report));
  return report.ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`zantara-websocket: ${e?.stack ?? e}`);
  process.exit(1);
});
