// The reference server as a cluster (issue 13, README "Running more than one server"): a real Redis, three node
// processes, and the release SDK in headless Chromium with `wsUrl` a list of the nodes (then one nginx URL in front
// of them), plus Node `ws` clients speaking protocol v2 by hand as extra users. Traffic both ways on two channels;
// nodes are SIGKILLed mid-flow, restarted, and Redis itself restarted empty. Counted at every receiver's handlers:
// each message once, in per-channel order, or a reported gap (`recovery` with `recovered: false`), never a silent one.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { WebSocket } from 'ws';

import { launchBrowser, sdkPage, waitUntil } from '../e2e/helpers.mjs';
import { startNginx, startNode, startRedis } from './procs.mjs';

/* global ZantaraWebSocket -- page.evaluate callbacks run in the page, where the script tag defines it */

const CHANNELS = ['room-a', 'room-b'];
const CLIENTS = 9; // SDK clients in the page, spread over the nodes by their random first pick
const PER_ROUND = 150; // messages each sender sends to each channel in a round

const env = { redis: null, nodes: [], browser: null };
before(async () => {
  env.redis = await startRedis();
  env.nodes = await Promise.all([0, 1, 2].map(() => startNode(env.redis.url)));
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  for (const n of env.nodes) await n.kill('SIGTERM');
  await env.redis?.close();
});

const health = async (n) => (await fetch(`${n.http}/health`)).json();

/**
 * A Node `ws` client speaking protocol v2 by hand on `url`: it subscribes to the channels and records what it gets
 * (`got[channel/from]`: seqs), and `publish(n, round)` sends n messages per channel with ids, resolving once the
 * server acknowledged them all.
 */
async function rawClient(url, user) {
  const ws = new WebSocket(`${url}?userId=${user}&protocol=2&session=${user}-s`);
  const c = { ws, user, got: {}, acked: 0, frames: [] };
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    if (f.type === 'ack' && Number.isInteger(f.upTo)) c.acked = Math.max(c.acked, f.upTo);
    if (f.type === 'message') (c.got[`${f.channel}/${f.data.from}`] ??= []).push(f.data.seq);
    if (f.type === 'subscribed') c.frames.push(f);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  for (const channel of CHANNELS) ws.send(JSON.stringify({ type: 'subscribe', channel }));
  await waitUntil(() => c.frames.length === CHANNELS.length, { what: `${user} subscribed` });
  let id = 0;
  /** Sends `seqs` to each channel (ids in order); `c.sent` is the last id. */
  c.send = async (seqs) => {
    for (const seq of seqs) {
      for (const channel of CHANNELS) ws.send(JSON.stringify({ type: 'message', channel, data: { from: user, seq }, id: ++id }));
      if (seq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    c.sent = id;
  };
  c.allAcked = () => waitUntil(() => c.acked === id, { timeout: 20_000, what: `${user}: every message acknowledged` }).catch((e) => {
    throw new Error(`${e.message}: ${c.acked} of ${id}; the nodes' logs: ${env.nodes.map((n) => n.log.join('')).join(' | ')}`, { cause: e });
  });
  c.publish = async (round) => {
    await c.send(Array.from({ length: PER_ROUND }, (_, k) => round * PER_ROUND + k));
    await c.allAcked();
  };
  return c;
}

/** The page's SDK clients: `window.cs[k]` of user `sdk<k>`, `wsUrl: urls`; see `send` and `report` below. */
async function sdkClients(page, urls) {
  await page.evaluate(([urls, n, channels]) => {
    window.cs = [];
    for (let k = 0; k < n; k++) {
      const ws = new ZantaraWebSocket(`sdk${k}`, {
        wsUrl: urls, reconnectInterval: 100, maxReconnectInterval: 500, jitter: 0.5, maxReconnectAttempts: Infinity,
        heartbeatInterval: 1000, heartbeatTimeout: 2000,
      });
      const c = { ws, got: {}, recoveries: [], downAt: null, failovers: [], errors: [] };
      for (const ch of channels) {
        ws.on(ch, (d) => (c.got[`${ch}/${d.from}`] ??= []).push(d.seq));
        ws.subscribe(ch);
      }
      ws.on('recovery', (r) => c.recoveries.push(r));
      ws.on('error', (e) => c.errors.push(e?.code ?? String(e)));
      ws.on('disconnected', () => { c.downAt ??= performance.now(); });
      ws.on('connected', () => {
        if (c.downAt !== null) c.failovers.push(performance.now() - c.downAt);
        c.downAt = null;
      });
      window.cs.push(c);
    }
    /** Round `round`: every client sends PER_ROUND messages to each channel, 5 per channel every 20 ms. */
    window.send = (round, per) => Promise.all(window.cs.map((c, k) => new Promise((resolve) => {
      let seq = round * per;
      const step = () => {
        for (let i = 0; i < 5 && seq < (round + 1) * per; i++, seq++) for (const ch of channels) c.ws.sendMessage(ch, { from: `sdk${k}`, seq });
        if (seq < (round + 1) * per) setTimeout(step, 20);
        else resolve();
      };
      step();
    })));
  }, [urls, CLIENTS, CHANNELS]);
  await page.waitForFunction(() => window.cs.every((c) => c.ws.isConnected() && c.ws.getStats().protocol === 2), null, { timeout: 15_000 });
}

const report = (page) => page.evaluate(() => window.cs.map((c) => ({
  got: c.got, recoveries: c.recoveries, failovers: c.failovers, errors: c.errors, stats: c.ws.getStats(),
})));

/**
 * What receiver `got` (channel/sender -> seqs) shows for round `round` of `senders`: lost, duplicated and
 * reordered counts over every channel and sender.
 */
function tally(got, senders, round) {
  const t = { lost: 0, duplicated: 0, reordered: 0, delivered: 0 };
  for (const ch of CHANNELS) {
    for (const s of senders) {
      const seqs = (got[`${ch}/${s}`] ?? []).filter((x) => x >= round * PER_ROUND && x < (round + 1) * PER_ROUND);
      const seen = new Set(seqs);
      t.delivered += seqs.length;
      t.lost += PER_ROUND - seen.size;
      t.duplicated += seqs.length - seen.size;
      for (let i = 1; i < seqs.length; i++) if (seqs[i] < seqs[i - 1]) t.reordered++;
    }
  }
  return t;
}

/** Every sender: the SDK clients and the raw publisher `pubUser`. */
const senders = (pubUser) => [...Array.from({ length: CLIENTS }, (_, k) => `sdk${k}`), pubUser];

/** Sums the tallies of every SDK client and raw client for `round` (the raw publisher is `pubUser`). */
function tallyAll(sdk, raws, round, pubUser) {
  const users = senders(pubUser);
  const sum = { lost: 0, duplicated: 0, reordered: 0, delivered: 0 };
  const add = (t) => { for (const k of Object.keys(sum)) sum[k] += t[k]; };
  sdk.forEach((r, k) => add(tally(r.got, users.filter((u) => u !== `sdk${k}`), round)));
  for (const raw of raws) add(tally(raw.got, users, round));
  return sum;
}

/** The node of `candidates` with the most connections now. */
async function busiest(candidates) {
  const counts = await Promise.all(candidates.map(async (i) => (await health(env.nodes[i])).clients));
  const best = counts.indexOf(Math.max(...counts));
  return { index: candidates[best], clients: counts[best] };
}

/** One round: SDK clients and the raw publisher send while node `kill` (an index, or null) is SIGKILLed mid-flow. */
async function round(page, raws, pub, r, kill) {
  const sending = page.evaluate(([r, per]) => window.send(r, per), [r, PER_ROUND]);
  const publishing = pub.publish(r);
  let killed = null;
  if (kill !== null) {
    await page.waitForFunction(([r, per]) => window.cs.every((c) => Object.values(c.got).some((s) => s.some((x) => x >= r * per + per / 3))), [r, PER_ROUND], { timeout: 15_000 });
    killed = await busiest(kill);
    const t0 = Date.now();
    await env.nodes[killed.index].kill('SIGKILL');
    killed.at = t0;
  }
  await Promise.all([sending, publishing]);
  await page.waitForFunction(() => window.cs.every((c) => c.ws.isConnected() && c.ws.getStats().queuedMessages === 0), null, { timeout: 30_000 });
  // Every sender's queue is empty (acknowledged): wait until the receivers have it all, or 10 s; the counts the
  // test then asserts say what is missing.
  const want = CHANNELS.length * PER_ROUND * CLIENTS; // CLIENTS senders besides oneself: the others and raw-pub
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const rep = await report(page);
    const sdkDone = rep.every((x, k) => tally(x.got, senders(pub.user).filter((u) => u !== `sdk${k}`), r).delivered >= want);
    if (sdkDone && raws.every((raw) => tally(raw.got, senders(pub.user), r).delivered >= want + CHANNELS.length * PER_ROUND)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return killed;
}

describe('a cluster of three nodes over Redis, browser clients with a list of nodes', () => {
  let page;
  let raws;
  let pub;
  before(async () => {
    page = await sdkPage(env.browser, env.nodes[2]);
    await sdkClients(page, env.nodes.map((n) => n.ws));
    // The raw clients stay on node 2, which is never killed.
    raws = await Promise.all(['raw-1', 'raw-2'].map((u) => rawClient(env.nodes[2].ws, u)));
    pub = await rawClient(env.nodes[2].ws, 'raw-pub');
  });
  after(async () => {
    await page?.evaluate(() => { for (const c of window.cs) c.ws.free(); });
    for (const c of [...(raws ?? []), pub]) c?.ws.close();
    await page?.close();
  });

  test('a node SIGKILLed mid-flow: its clients move to another node; each message once, in order, at every subscriber', async () => {
    const spread = await Promise.all(env.nodes.map(async (n) => (await health(n)).clients));
    const killed = await round(page, raws, pub, 0, [0, 1]);
    assert.ok(killed.clients > 0, `the killed node had clients (${spread})`);
    const rep = await report(page);
    const t = tallyAll(rep, raws, 0, pub.user);
    const failovers = rep.flatMap((x) => x.failovers).sort((a, b) => a - b);
    const st = await (await fetch(`${env.nodes[2].http}/call`, { method: 'POST', body: JSON.stringify({ key: 'websocket.stats' }) })).json();
    console.log(`FIGURE cluster failover (list of 3 nodes, connections per node ${spread.join('/')}): node ${killed.index} SIGKILLed with ${killed.clients} connections; ${failovers.length} clients reconnected elsewhere, failover p50 ${Math.round(failovers[failovers.length >> 1] ?? 0)} ms, max ${Math.round(failovers.at(-1) ?? 0)} ms (reconnectInterval 100 ms, heartbeat timeout 2000 ms); messages ${t.delivered} delivered, ${t.lost} lost, ${t.duplicated} duplicated, ${t.reordered} out of order; re-sent ${rep.reduce((a, x) => a + x.stats.resent, 0)}, dropped as copies ${rep.reduce((a, x) => a + x.stats.duplicates, 0)}`);
    if (t.lost > 0) {
      console.log(`LOSS the nodes' logs ${env.nodes.map((n) => n.log.join('')).join(' | ')} raw closed ${raws.map((r) => r.ws.readyState)}`);
      const users = senders(pub.user);
      const who = [...rep.map((x, k) => [`sdk${k}`, x.got, x.recoveries]), ...raws.map((r) => [r.user, r.got, r.frames])];
      for (const [name, got, rec] of who) {
        for (const ch of CHANNELS) for (const u of users) {
          if (u === name) continue;
          const seqs = new Set(got[`${ch}/${u}`] ?? []);
          const miss = [];
          for (let i = 0; i < PER_ROUND; i++) if (!seqs.has(i)) miss.push(i);
          if (miss.length) console.log(`LOSS ${name} ${ch} from ${u}: missing ${miss.length}: ${miss.slice(0, 5)}..${miss.at(-1)} rec ${JSON.stringify(rec)}`);
        }
      }
    }
    assert.deepEqual([t.lost, t.duplicated, t.reordered], [0, 0, 0]);
    assert.ok(failovers.length >= 1, 'the clients of the killed node reconnected');
    assert.ok(failovers.at(-1) < 5000, `every failover within 5 s (${failovers.at(-1)} ms)`);
    assert.ok(rep.every((x) => x.recoveries.every((r) => r.recovered)), 'a node failing over never loses history: recovered');
    assert.equal(st.data.nodes.length, 2, 'websocket.stats: the two live nodes');
    assert.equal(st.data.activeClients, CLIENTS + 3, 'websocket.stats counts every node');
  });

  test('the killed node restarted, another killed; then Redis restarted empty: a reported gap per channel, then nothing lost', async () => {
    // Restart every node that is down, in place (same port: the clients' lists stay valid).
    for (let i = 0; i < 2; i++) {
      const ok = await health(env.nodes[i]).then(() => true, () => false);
      if (!ok) env.nodes[i] = await startNode(env.redis.url, { port: env.nodes[i].port });
    }
    const killed = await round(page, raws, pub, 1, [0, 1]);
    let rep = await report(page);
    let t = tallyAll(rep, raws, 1, pub.user);
    console.log(`FIGURE cluster, second kill (node ${killed.index}, ${killed.clients} connections): ${t.delivered} delivered, ${t.lost} lost, ${t.duplicated} duplicated, ${t.reordered} out of order`);
    assert.deepEqual([t.lost, t.duplicated, t.reordered], [0, 0, 0]);
    // Redis restarted with no data: every channel gets a new epoch. Each subscriber hears of it once per channel.
    const before = rep.map((x) => x.recoveries.length);
    const rawBefore = raws.map((raw) => raw.frames.length);
    await env.redis.stop();
    const status = () => Promise.all(env.nodes.map((n) => fetch(`${n.http}/health`).then(async (r) => `${r.status} ${(await r.json()).redis}`, () => 'down')));
    await waitUntil(async () => (await status()).every((x) => x === '503 down' || x === 'down'), { what: 'every node says it lost Redis' });
    // Sent while Redis is away: taken, not acknowledged; published and acknowledged once it is back.
    const outage = [10_000, 10_001, 10_002, 10_003, 10_004];
    const ackedBefore = pub.acked;
    await pub.send(outage);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a bounded quiet window: no acknowledgement comes
    assert.equal(pub.acked, ackedBefore, 'nothing acknowledged while Redis is away');
    await env.redis.start();
    await waitUntil(async () => (await status()).every((x) => x === '200 up' || x === 'down'), { timeout: 15_000, what: 'every node reached Redis again' });
    await pub.allAcked();
    await page.waitForFunction((b) => window.cs.every((c, k) => c.recoveries.length >= b[k] + 2), before, { timeout: 15_000 });
    await round(page, raws, pub, 2, null);
    rep = await report(page);
    t = tallyAll(rep, raws, 2, pub.user);
    const gaps = rep.map((x, k) => x.recoveries.slice(before[k]).map((r) => `${r.channel}:${r.recovered}`).sort());
    const rawGaps = raws.map((raw, k) => raw.frames.slice(rawBefore[k]).map((f) => `${f.channel}:${f.recovered}`).sort());
    console.log(`FIGURE cluster, Redis restarted empty: every subscriber told of a gap per channel (${gaps.length + rawGaps.length} subscribers); then ${t.delivered} delivered, ${t.lost} lost, ${t.duplicated} duplicated, ${t.reordered} out of order`);
    for (const g of [...gaps, ...rawGaps]) assert.deepEqual(g, CHANNELS.map((c) => `${c}:false`), 'one reported gap per channel, nothing silent');
    assert.deepEqual([t.lost, t.duplicated, t.reordered], [0, 0, 0]);
    const outageSeen = [...rep.map((x) => x.got), ...raws.map((raw) => raw.got)]
      .map((got) => CHANNELS.map((ch) => (got[`${ch}/${pub.user}`] ?? []).filter((x) => x >= 10_000).join(',')));
    for (const seen of outageSeen) assert.deepEqual(seen, CHANNELS.map(() => outage.join(',')), 'the messages sent while Redis was away: each once, in order');
  });
});

describe('the same behind nginx (one URL, the nodes upstream)', () => {
  test('a node SIGKILLed mid-flow: its clients reconnect through nginx to another node; each message once, in order', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await health(env.nodes[i]).then(() => true, () => false);
      if (!ok) env.nodes[i] = await startNode(env.redis.url, { port: env.nodes[i].port });
    }
    const lb = await startNginx(env.nodes.map((n) => n.port));
    const page = await sdkPage(env.browser, lb);
    try {
      await sdkClients(page, lb.ws);
      const raws = await Promise.all(['raw-1', 'raw-2'].map((u) => rawClient(env.nodes[2].ws, `${u}-lb`)));
      // New users and sessions for the raw clients (the first publisher's session is still in Redis' duplicate filter).
      const pub = await rawClient(env.nodes[2].ws, 'raw-pub-lb');
      const killed = await round(page, raws, pub, 3, [0, 1]);
      const rep = await report(page);
      const t = tallyAll(rep, raws, 3, pub.user);
      const failovers = rep.flatMap((x) => x.failovers).sort((a, b) => a - b);
      console.log(`FIGURE cluster behind nginx: node ${killed.index} SIGKILLed with ${killed.clients} connections; failover p50 ${Math.round(failovers[failovers.length >> 1] ?? 0)} ms, max ${Math.round(failovers.at(-1) ?? 0)} ms; ${t.delivered} delivered, ${t.lost} lost, ${t.duplicated} duplicated, ${t.reordered} out of order`);
      assert.ok(killed.clients > 0, 'the killed node had clients');
      assert.deepEqual([t.lost, t.duplicated, t.reordered], [0, 0, 0]);
      assert.ok(failovers.length >= 1 && failovers.at(-1) < 5000, `failovers ${failovers}`);
      await page.evaluate(() => { for (const c of window.cs) c.ws.free(); });
      for (const c of [...raws, pub]) c.ws.close();
    } finally {
      await page.close();
      await lb.stop();
    }
  });
});
