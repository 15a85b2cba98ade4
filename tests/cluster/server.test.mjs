// Cluster mode of the reference server, protocol level (Node `ws` clients, no browser): the cases a review found
// broken in the first version, each with exact frames. A real redis-server and two node processes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Redis } from 'ioredis';
import { WebSocket } from 'ws';

import { waitUntil } from '../e2e/helpers.mjs';
import { startNode, startRedis } from './procs.mjs';

const env = { redis: null, a: null, b: null };
before(async () => {
  env.redis = await startRedis();
  [env.a, env.b] = await Promise.all([startNode(env.redis.url), startNode(env.redis.url)]);
});
after(async () => {
  for (const n of [env.a, env.b]) await n?.kill('SIGTERM');
  await env.redis?.close();
});

let n = 0;
/** A v2 client on `node`: `frames` (parsed), `acked` (highest upTo or echo ack), `send(frame)`. */
async function peer(node, { echo = false } = {}) {
  const user = `p${++n}`;
  const ws = new WebSocket(`${node.ws}?userId=${user}&protocol=2&session=${user}s${echo ? '&echo=1' : ''}`);
  const p = { ws, frames: [], acked: 0, id: 0 };
  ws.on('message', (d) => {
    const f = JSON.parse(d.toString());
    p.frames.push(f);
    if (Number.isInteger(f.upTo)) p.acked = Math.max(p.acked, f.upTo);
    if (Number.isInteger(f.ack)) p.acked = Math.max(p.acked, f.ack);
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  p.send = (f) => ws.send(JSON.stringify(f));
  p.publish = (channel, data) => p.send({ type: 'message', channel, data, id: ++p.id });
  p.subscribe = async (channel, since) => {
    const before = p.frames.filter((f) => f.type === 'subscribed' && f.channel === channel).length;
    p.send({ type: 'subscribe', channel, since });
    await waitUntil(() => p.frames.filter((f) => f.type === 'subscribed' && f.channel === channel).length > before, { what: `subscribed ${channel}` });
  };
  p.messages = (channel) => p.frames.filter((f) => f.type === 'message' && f.channel === channel);
  return p;
}

describe('cluster mode, protocol level', () => {
  test('an echo=1 sender not subscribed to the channel: each message acknowledged by its echo, as on one node', async () => {
    const s = await peer(env.a, { echo: true });
    s.publish('echo-free', { k: 1 });
    s.publish('echo-free', { k: 2 });
    await waitUntil(() => s.acked === 2, { what: 'both acknowledged' });
    assert.deepEqual(s.messages('echo-free').map((f) => [f.ack, f.data.k, f.offset]), [[1, 1, 1], [2, 2, 2]]);
    s.ws.close();
  });

  test('a subscriber arriving under load gets nothing at or below the offset its subscribe was answered with', async () => {
    const pub = await peer(env.b);
    let on = true;
    // Bounded: 20 every 5 ms (about 4,000/s, the order of one node's publish rate), at most 3,000 in all.
    const flood = (async () => {
      for (let sent = 0; on && sent < 3000; sent += 20) {
        for (let k = 0; k < 20; k++) pub.publish('busy', { k });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const late = [];
    for (let i = 0; i < 10; i++) {
      const s = await peer(env.a);
      await s.subscribe('busy');
      late.push(s);
    }
    on = false;
    await flood;
    await waitUntil(() => pub.acked === pub.id, { timeout: 30_000, what: 'the flood acknowledged' });
    const last = pub.id;
    await waitUntil(() => late.every((s) => s.messages('busy').at(-1)?.offset === last), { timeout: 20_000, what: 'all delivered' });
    for (const s of late) {
      const answer = s.frames.find((f) => f.type === 'subscribed');
      const offsets = s.messages('busy').map((f) => f.offset);
      assert.deepEqual(offsets, Array.from({ length: last - answer.offset }, (_, k) => answer.offset + 1 + k), 'each after the answer once, in order, nothing before it');
      s.ws.close();
    }
    pub.ws.close();
  });

  test('a channel whose position Redis lost (evicted) while its stream stayed: publishing goes on in a new epoch, a reported gap', async () => {
    const sub = await peer(env.a);
    await sub.subscribe('evict');
    const pub = await peer(env.b);
    for (let k = 0; k < 3; k++) pub.publish('evict', { k });
    await waitUntil(() => sub.messages('evict').length === 3, { what: 'three delivered' });
    const r = new Redis(env.redis.url);
    assert.equal(await r.del('zantara:m:evict'), 1);
    r.disconnect();
    pub.publish('evict', { k: 3 });
    pub.publish('evict', { k: 4 });
    await waitUntil(() => pub.acked === 5, { what: 'acknowledged after the loss' });
    await waitUntil(() => sub.messages('evict').length === 5, { what: 'delivered after the loss' });
    const after = sub.frames.filter((f) => f.channel === 'evict').slice(4).map((f) => (f.type === 'message' ? `m${f.data.k}@${f.offset}` : `${f.type}:${f.recovered}@${f.offset}`));
    assert.deepEqual(after, ['subscribed:false@0', 'm3@1', 'm4@2']);
    sub.ws.close();
    pub.ws.close();
  });

  test('presence over two nodes: one member per user (connections summed), typing relayed; a SIGKILLed node\'s members leave', async () => {
    const events = (p) => p.frames.filter((f) => f.type === 'presence' && f.channel === 'pres')
      .map((f) => (f.event === 'sync' ? `sync ${f.members.map((m) => `${m.userId}:${m.connections}`).join(',')}` : `${f.event} ${f.member.userId}:${f.member.connections}`));
    const w = await peer(env.a);
    w.send({ type: 'subscribe', channel: 'pres', presence: { name: 'w' } });
    await waitUntil(() => events(w).length === 1, { what: 'the watcher joined' });
    const xb = await peer(env.b);
    const x = xb.ws.url.match(/userId=([^&]+)/)[1];
    xb.send({ type: 'subscribe', channel: 'pres', presence: { name: 'x' } });
    await waitUntil(() => events(w).length === 2, { what: 'join across nodes' });
    await waitUntil(() => events(xb).some((e) => e.startsWith('sync')), { what: 'x synced' });
    const wUser = w.ws.url.match(/userId=([^&]+)/)[1];
    const sync = events(xb).find((e) => e.startsWith('sync')).slice(5).split(',').sort();
    assert.deepEqual(sync, [`${wUser}:1`, `${x}:1`].sort(), 'the sync lists the other node\'s members');
    // The same user on the watcher's node too: one member with two connections.
    const xa = new WebSocket(`${env.a.ws}?userId=${x}&protocol=2&session=${x}s2`);
    await new Promise((resolve) => xa.once('open', resolve));
    xa.send(JSON.stringify({ type: 'subscribe', channel: 'pres', presence: { name: 'x' } }));
    await waitUntil(() => events(w).length === 3, { what: 'update' });
    // Typing on node b reaches the watcher on node a.
    xb.send({ type: 'typing', channel: 'pres', typing: true });
    await waitUntil(() => w.frames.some((f) => f.type === 'typing' && f.userId === x && f.typing === true), { what: 'typing relayed' });
    xb.send({ type: 'unsubscribe', channel: 'pres' });
    await waitUntil(() => events(w).length === 4, { what: 'one connection fewer' });
    xa.send(JSON.stringify({ type: 'unsubscribe', channel: 'pres' }));
    await waitUntil(() => events(w).length === 5, { what: 'leave' });
    assert.deepEqual(events(w), [`sync ${wUser}:1`, `join ${x}:1`, `update ${x}:2`, `update ${x}:1`, `leave ${x}:1`]);
    assert.ok(w.frames.some((f) => f.type === 'typing' && f.userId === x && f.typing === false), 'the stop relayed too (its typist left)');
    // A third node's member, then the node SIGKILLed: gone after its heartbeat silence (3.5 s) and the watcher's
    // node's grace period (5 s by default: the user may come back on another node meanwhile).
    const c = await startNode(env.redis.url, { flags: ['--presence-grace-ms', '300'] });
    const yc = await peer(c);
    const y = yc.ws.url.match(/userId=([^&]+)/)[1];
    yc.send({ type: 'subscribe', channel: 'pres', presence: true });
    await waitUntil(() => events(w).length === 6, { what: 'join from a third node' });
    const t0 = Date.now();
    await c.kill('SIGKILL');
    await waitUntil(() => events(w).length === 7, { timeout: 12_000, what: 'leave of the dead node\'s member' });
    const ms = Date.now() - t0;
    console.log(`FIGURE cluster presence: a SIGKILLed node's member left the other nodes' presence after ${ms} ms (heartbeat 1 s, gone after 3.5 s of silence, then the 5 s grace)`);
    assert.ok(ms >= 5000, `not before the grace period (${ms} ms)`);
    assert.deepEqual(events(w).slice(5), [`join ${y}:1`, `leave ${y}:1`]);
    for (const p of [w, xb]) p.ws.close();
    xa.close();
  });

  test('a channel name with a lone surrogate is refused (Redis would merge it with U+FFFD); a well-formed one works', async () => {
    const s = await peer(env.a);
    s.send({ type: 'subscribe', channel: '\ud800' });
    s.publish('\ud800', { k: 1 });
    await s.subscribe('\ufffd-ok');
    // A bounded quiet window for an answer that must not come.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(s.frames.filter((f) => f.channel === '\ud800' || f.channel === '\ufffd'), []);
    assert.equal(s.acked, 0, 'the refused message is not acknowledged');
    const res = await fetch(`${env.a.http}/call`, { method: 'POST', body: JSON.stringify({ key: 'websocket.broadcast', params: { channel: '\ud800' } }) });
    assert.equal(res.status, 400);
    s.ws.close();
  });
});
