// Presence and typing of the reference server (www/server/lib/presence.js, docs/PROTOCOL.md "Presence and
// typing"): members are users (tabs counted once), a vanished connection leaves only after the grace period, a
// reconnect within it shows nothing, typing is relayed to the other users and ends by itself.
// Run: node --test tests/server/.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';

import { connect, delay, terminatePeers, within } from './helpers.mjs';
import { startServer } from '../../www/server/server.js';

afterEach(terminatePeers);

const GRACE_MS = 300;
const TYPING_TTL_MS = 400;
let srv;
let base;
before(async () => {
  srv = await startServer({ port: 0, heartbeatMs: 0, log: null, presenceGraceMs: GRACE_MS, typingTtlMs: TYPING_TTL_MS });
  base = srv.ws.replace(/\/ws$/, '');
});
after(() => within(srv.close(), 5000, 'server close'));

let n = 0;
/** A v2 connection of `userId` (its own session unless `session` is given). */
const peer = (userId, session = `s${++n}`) => connect(base, { userId, protocol: '2', session });
/** Subscribes `p` to `channel` joining its presence with `data`, and returns the `sync` it gets. */
async function join(p, channel, data) {
  p.send({ type: 'subscribe', channel, presence: data });
  return (await p.next((f) => f.json?.type === 'presence' && f.json.event === 'sync' && f.json.channel === channel, 'sync')).json;
}
/** Presence events (not syncs) `p` got in `channel`, as [event, userId, connections]. */
const events = (p, channel) => p.ofType('presence').map((f) => f.json)
  .filter((j) => j.channel === channel && j.event !== 'sync').map((j) => [j.event, j.member.userId, j.member.connections]);

describe('presence', () => {
  test('two and three users: each gets the members on joining, the others a join; data as shared', async () => {
    const a = await peer('ana');
    const b = await peer('ben');
    const c = await peer('cy');
    assert.deepEqual((await join(a, 'p1', { name: 'Ana' })).members, [{ userId: 'ana', data: { name: 'Ana' }, connections: 1 }]);
    const syncB = await join(b, 'p1', { name: 'Ben' });
    assert.deepEqual(syncB.members.map((m) => m.userId), ['ana', 'ben']);
    await join(c, 'p1', true);
    await a.roundTrip();
    await b.roundTrip();
    assert.deepEqual(events(a, 'p1'), [['join', 'ben', 1], ['join', 'cy', 1]]);
    assert.deepEqual(events(b, 'p1'), [['join', 'cy', 1]]);
    assert.equal(c.ofType('presence').find((f) => f.json.event === 'sync').json.members[2].data, null, 'true shares nothing');
    // An explicit unsubscribe leaves at once.
    b.send({ type: 'unsubscribe', channel: 'p1' });
    await a.next((f) => f.json?.event === 'leave', 'leave');
    await c.roundTrip();
    assert.deepEqual(events(c, 'p1'), [['leave', 'ben', 1]]);
  });

  test('a user with three tabs is one member; tabs coming and going are updates, the last explicit one a leave', async () => {
    const watcher = await peer('watcher');
    await join(watcher, 'p2', true);
    const tabs = [await peer('multi'), await peer('multi'), await peer('multi')];
    for (const t of tabs) await join(t, 'p2', { name: 'M' });
    await watcher.roundTrip();
    assert.deepEqual(events(watcher, 'p2'), [['join', 'multi', 1], ['update', 'multi', 2], ['update', 'multi', 3]]);
    const sync = tabs[2].ofType('presence').find((f) => f.json.event === 'sync').json;
    assert.deepEqual(sync.members.map((m) => [m.userId, m.connections]), [['watcher', 1], ['multi', 3]]);
    tabs[0].ws.close();
    await watcher.next((f) => f.json?.event === 'update' && f.json.member.connections === 2, 'two tabs');
    for (const t of tabs.slice(1)) t.send({ type: 'presence', channel: 'p2', leave: true });
    await watcher.next((f) => f.json?.event === 'leave', 'leave');
    assert.deepEqual(events(watcher, 'p2').slice(3), [['update', 'multi', 2], ['update', 'multi', 1], ['leave', 'multi', 1]]);
  });

  test('a connection that goes away: nothing within the grace period, a reconnect inside it shows nothing, else a leave after it', async () => {
    const watcher = await peer('w3');
    await join(watcher, 'p3', true);
    const first = await peer('flaky', 'flaky-session');
    await join(first, 'p3', { v: 1 });
    await watcher.next((f) => f.json?.event === 'join', 'join');
    first.ws.terminate();
    await delay(GRACE_MS / 3);
    const again = await peer('flaky', 'flaky-session');
    await join(again, 'p3', { v: 1 });
    // A bounded quiet window past the grace period: the watcher heard nothing of the reconnect.
    await delay(GRACE_MS * 2);
    await watcher.roundTrip();
    assert.deepEqual(events(watcher, 'p3'), [['join', 'flaky', 1]], 'no leave, no join, no update');
    const gone = Date.now();
    again.ws.terminate();
    await watcher.next((f) => f.json?.event === 'leave', 'leave', GRACE_MS + 3000);
    const ms = Date.now() - gone;
    assert.ok(ms >= GRACE_MS - 20, `left after ${ms} ms, not before the grace period`);
    assert.deepEqual(events(watcher, 'p3'), [['join', 'flaky', 1], ['leave', 'flaky', 1]]);
  });

  test('presence frames: only on a subscribed channel and a v2 connection; oversized data refused', async () => {
    const a = await peer('solo');
    a.send({ type: 'presence', channel: 'p4', data: 1 });
    a.send({ type: 'subscribe', channel: 'p4' });
    a.send({ type: 'presence', channel: 'p4', data: 'x'.repeat(3000) });
    await a.roundTrip();
    assert.equal(a.ofType('presence').length, 0);
    a.send({ type: 'presence', channel: 'p4', data: { late: true } });
    const sync = await a.next((f) => f.json?.event === 'sync', 'sync');
    assert.deepEqual(sync.json.members, [{ userId: 'solo', data: { late: true }, connections: 1 }]);
    const v1 = await connect(base, { userId: 'old' });
    v1.send({ type: 'subscribe', channel: 'p4', presence: true });
    v1.send({ type: 'typing', channel: 'p4', typing: true });
    await v1.roundTrip();
    assert.equal(v1.ofType('presence').length, 0, 'a v1 connection never joins');
    const stats = (await (await fetch(`${srv.http}/call`, { method: 'POST', body: JSON.stringify({ key: 'websocket.stats' }) })).json()).data;
    assert.deepEqual(stats.presence.find((p) => p.channel === 'p4'), { channel: 'p4', members: 1 });
  });
});

describe('typing', () => {
  test('relayed to the other users only; a stop; the server ends it after its TTL; and when the typist goes away', async () => {
    const a = await peer('typist');
    const a2 = await peer('typist');
    const b = await peer('reader');
    await join(a, 't1', { name: 'T' });
    await join(a2, 't1', { name: 'T' });
    await join(b, 't1', true);
    const typing = (p) => p.ofType('typing').map((f) => [f.json.userId, f.json.typing]);
    a.send({ type: 'typing', channel: 't1', typing: true });
    await b.next((f) => f.json?.type === 'typing', 'typing');
    assert.deepEqual(b.ofType('typing')[0].json, { type: 'typing', channel: 't1', userId: 'typist', data: { name: 'T' }, typing: true });
    a.send({ type: 'typing', channel: 't1', typing: true }); // a refresh: relayed, so receivers keep it on
    a.send({ type: 'typing', channel: 't1', typing: false });
    await b.next((f) => f.json?.typing === false, 'stop');
    await a2.roundTrip();
    assert.deepEqual(typing(b), [['typist', true], ['typist', true], ['typist', false]]);
    assert.deepEqual(typing(a2), [], "the typist's own tabs hear nothing");
    // No refresh: the server stops it after its TTL.
    const t0 = Date.now();
    a.send({ type: 'typing', channel: 't1', typing: true });
    await b.next((f) => f.json?.typing === false && typing(b).length === 5, 'expired', TYPING_TTL_MS + 3000);
    assert.ok(Date.now() - t0 >= TYPING_TTL_MS - 20);
    // The typist's connection terminated: stopped at once (long before the TTL or the grace period).
    a.send({ type: 'typing', channel: 't1', typing: true });
    await b.next(() => typing(b).length === 6, 'typing again');
    const t1 = Date.now();
    a.ws.terminate();
    await b.next(() => typing(b).length === 7, 'stopped');
    assert.ok(Date.now() - t1 < TYPING_TTL_MS, 'before the TTL');
    assert.deepEqual(typing(b).slice(5), [['typist', true], ['typist', false]]);
    // From a connection not in the channel's presence: ignored.
    const stranger = await peer('stranger');
    stranger.send({ type: 'typing', channel: 't1', typing: true });
    await stranger.roundTrip();
    await b.roundTrip();
    assert.equal(typing(b).length, 7);
  });
});
