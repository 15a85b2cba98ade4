// Protocol v2 of the reference server (docs/PROTOCOL.md): the offer and the welcome, acknowledgements,
// the per-session duplicate filter across connections, refusals, and v1 clients and a v1-only server
// left as they were. Run: node --test tests/server/.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import { connect, subscribe, terminatePeers, useServers } from './helpers.mjs';
import { startServer } from '../../www/server/server.js';

afterEach(terminatePeers);

const msg = (id, channel, data) => ({ id, type: 'message', channel, data, timestamp: new Date().toISOString() });

describe('protocol v2', () => {
  const servers = useServers();

  test('the welcome accepts the offer with the session; without a valid session it is v1', async () => {
    const v2 = await connect(servers.wsBase, { userId: 'p1', protocol: '2', session: 'abc_DEF-1' });
    assert.deepEqual(v2.welcome.data, { clientId: v2.clientId, userId: 'p1', role: 'member', protocol: 2, session: 'abc_DEF-1' });
    for (const params of [{ protocol: '2' }, { protocol: '2', session: 'bad session!' }, { protocol: '3', session: 'x' }, {}]) {
      const p = await connect(servers.wsBase, { userId: 'p1', ...params });
      assert.equal(p.welcome.data.protocol, undefined, JSON.stringify(params));
    }
  });

  test('each message is acknowledged; a re-send on a new connection of the session is acknowledged, not delivered again', async () => {
    const rx = await connect(servers.wsBase, { userId: 'rx' });
    await subscribe(rx, 'v2-chat');
    const a = await connect(servers.wsBase, { userId: 'tx', protocol: '2', session: 's-dup' });
    a.send(msg(1, 'v2-chat', { n: 1 }));
    a.send(msg(2, 'v2-chat', { n: 2 }));
    await a.next((f) => f.json?.type === 'ack' && f.json.upTo === 2, 'ack up to 2');
    assert.ok(a.ofType('ack').length <= 2, 'cumulative: at most one ack per turn of the server');
    a.ws.terminate();
    const b = await connect(servers.wsBase, { userId: 'tx', protocol: '2', session: 's-dup' });
    b.send(msg(2, 'v2-chat', { n: 2 })); // its ack was lost with the old connection
    b.send(msg(3, 'v2-chat', { n: 3 }));
    await b.next((f) => f.json?.type === 'ack' && f.json.upTo === 3, 'ack up to 3');
    await rx.roundTrip();
    assert.deepEqual(rx.ofType('message').map((f) => f.json.data.n), [1, 2, 3], 'each delivered once');
    const stats = (await servers.call('websocket.stats')).json.data;
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.acknowledged, 4);
  });

  test('a v2 message reaches others with its origin and id; an echo to its sender carries `ack` instead of an ack frame', async () => {
    const rx = await connect(servers.wsBase, { userId: 'rx3' });
    await subscribe(rx, 'v2-origin');
    const a = await connect(servers.wsBase, { userId: 'tx3', protocol: '2', session: 's-echo', echo: '1' });
    a.send(msg(1, 'v2-origin', { n: 1 }));
    a.send(msg(2, 'v2-origin', { n: 2 }));
    await a.next((f) => f.json?.type === 'message' && f.json.data.n === 2, 'echo of 2');
    await a.roundTrip();
    const echoes = a.ofType('message').map((f) => f.json);
    assert.deepEqual(echoes.map((m) => m.ack), [1, 2], 'each echo acknowledges its message');
    assert.equal(a.ofType('ack').length, 0, 'no separate ack frame');
    assert.equal(a.frames.find((f) => f.json?.type === 'message').text.startsWith('{"ack":1,"type":"message"'), true);
    await rx.roundTrip();
    const got = rx.ofType('message').map((f) => f.json);
    assert.deepEqual(got.map((m) => m.id), [1, 2]);
    assert.match(got[0].origin, /^[\w-]{16}$/);
    assert.equal(got[0].origin, got[1].origin);
    assert.equal(got[0].ack, undefined, 'others get no ack');
    // The same session key names the same origin in every process (a restarted server), another user another.
    const other = await startServer({ port: 0, log: null });
    const base = other.ws.replace(/\/ws$/, '');
    try {
      const rx2 = await connect(base, { userId: 'rx3' });
      await subscribe(rx2, 'v2-origin');
      const b = await connect(base, { userId: 'tx3', protocol: '2', session: 's-echo' });
      const c = await connect(base, { userId: 'tx4', protocol: '2', session: 's-echo' });
      b.send(msg(1, 'v2-origin', { n: 1 }));
      c.send(msg(1, 'v2-origin', { n: 1 }));
      await rx2.next(() => rx2.ofType('message').length === 2, 'two messages');
      const [fromB, fromC] = rx2.ofType('message').map((f) => f.json.origin);
      assert.equal(fromB, got[0].origin);
      assert.notEqual(fromC, fromB);
    } finally {
      await other.close();
    }
    // A v1 sender's messages carry neither.
    const v1 = await connect(servers.wsBase, { userId: 'tx5' });
    v1.send({ type: 'message', channel: 'v2-origin', data: { n: 9 } });
    await rx.next((f) => f.json?.data?.n === 9, 'the v1 message');
    const last = rx.ofType('message').at(-1).json;
    assert.deepEqual([last.origin, last.id], [undefined, undefined]);
  });

  test('a refused message gets an ack with an error, again on a re-send, and is never delivered', async () => {
    const rx = await connect(servers.wsBase, { userId: 'rx2' });
    await subscribe(rx, 'readonly:news');
    const a = await connect(servers.wsBase, { userId: 'tx2', protocol: '2', session: 's-ro' });
    a.send(msg(1, 'readonly:news', 'x'));
    a.send(msg(1, 'readonly:news', 'x'));
    await a.next((f) => f.json?.type === 'ack' && a.ofType('ack').length === 2, 'two acks');
    const error = { code: 'FORBIDDEN', reason: 'channel is read-only' };
    assert.deepEqual(a.ofType('ack').map((f) => f.json), [{ type: 'ack', id: 1, error }, { type: 'ack', id: 1, error }]);
    await rx.roundTrip();
    assert.equal(rx.ofType('message').length, 0);
  });

  test('channel messages carry their position; a resubscribe with `since` gets what it missed, then `subscribed`', async () => {
    const a = await connect(servers.wsBase, { userId: 'r1', protocol: '2', session: 's-rec' });
    a.send({ type: 'subscribe', channel: 'rec' });
    const first = (await a.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
    assert.equal(first.recovered, undefined, 'no since: nothing to recover');
    for (let n = 1; n <= 3; n++) await servers.call('websocket.broadcast', { channel: 'rec', data: { n } });
    await a.next((f) => f.json?.data?.n === 3, 'three messages');
    const msgs = a.ofType('message').map((f) => f.json);
    assert.deepEqual(msgs.map((m) => m.offset), [first.offset + 1, first.offset + 2, first.offset + 3]);
    assert.ok(msgs.every((m) => m.epoch === first.epoch));
    a.ws.terminate();
    for (let n = 4; n <= 5; n++) await servers.call('websocket.broadcast', { channel: 'rec', data: { n } });
    const b = await connect(servers.wsBase, { userId: 'r1', protocol: '2', session: 's-rec' });
    b.send({ type: 'subscribe', channel: 'rec', since: { epoch: first.epoch, offset: msgs[1].offset } });
    const answer = (await b.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
    assert.deepEqual([answer.recovered, answer.replayed], [true, 3]);
    assert.deepEqual(b.frames.filter((f) => f.json?.type === 'message').map((f) => f.json.data.n), [3, 4, 5], 'replayed before the answer');
    // Another epoch, or a position the history no longer holds: recovered false.
    const c = await connect(servers.wsBase, { userId: 'r1', protocol: '2', session: 's-rec2' });
    c.send({ type: 'subscribe', channel: 'rec', since: { epoch: 'other', offset: 1 } });
    const no = (await c.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
    assert.deepEqual([no.recovered, no.replayed, no.epoch, no.offset], [false, 0, first.epoch, answer.offset]);
    assert.equal(c.ofType('message').length, 0);
  });

  test('history is bounded: past historySize the resubscribe reports a gap', async () => {
    const srv = await startServer({ port: 0, historySize: 2, log: null });
    const base = srv.ws.replace(/\/ws$/, '');
    try {
      const a = await connect(base, { userId: 'h', protocol: '2', session: 'h1' });
      a.send({ type: 'subscribe', channel: 'h' });
      const first = (await a.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
      for (let n = 1; n <= 5; n++) srv.hub.broadcast('h', { n });
      const b = await connect(base, { userId: 'h', protocol: '2', session: 'h1' });
      b.send({ type: 'subscribe', channel: 'h', since: { epoch: first.epoch, offset: 0 } });
      const gap = (await b.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
      assert.deepEqual([gap.recovered, gap.offset], [false, 5]);
      b.send({ type: 'subscribe', channel: 'h', since: { epoch: first.epoch, offset: 3 } });
      await b.next((f) => f.json?.type === 'subscribed' && f.json.recovered === true, 'recovered');
      assert.deepEqual(b.ofType('message').map((f) => f.json.data.n), [4, 5]);
    } finally {
      terminatePeers();
      await srv.close();
    }
  });

  test('requests run once per session: a re-send gets the same reply; a stream re-sent with `after` replays only later chunks', async () => {
    const a = await connect(servers.wsBase, { userId: 'q', protocol: '2', session: 'q1' });
    const req = (id, channel, data, extra = {}) => ({ id, ...extra, type: 'request', channel, data, timestamp: new Date().toISOString() });
    a.send(req(1, 'echo', { x: 1 }));
    a.send(req(2, 'missing', null));
    await a.next((f) => f.json?.type === 'ack' && a.ofType('ack').length === 2, 'two acks');
    assert.deepEqual(a.ofType('ack').map((f) => f.json).sort((x, y) => x.id - y.id), [
      { type: 'ack', id: 1, data: { x: 1 } },
      { type: 'ack', id: 2, error: { code: 'NOT_FOUND', reason: 'no request handler named missing' } },
    ]);
    a.send(req(1, 'echo', { x: 'other' })); // a re-send: the first answer again, not a second run
    await a.next((f) => f.json?.type === 'ack' && a.ofType('ack').length === 3, 'third ack');
    assert.deepEqual(a.ofType('ack')[2].json, { type: 'ack', id: 1, data: { x: 1 } });
    a.send({ id: 3, type: 'stream', channel: 'ask', data: { delayMs: 5, words: 6 }, timestamp: '' });
    await a.next((f) => f.json?.type === 'ack' && f.json.id === 3, 'stream done');
    assert.deepEqual(a.ofType('chunk').map((f) => f.json.seq), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(a.ofType('ack').at(-1).json, { type: 'ack', id: 3, data: { done: true, chunks: 6 } });
    const b = await connect(servers.wsBase, { userId: 'q', protocol: '2', session: 'q1' });
    b.send({ id: 3, after: 4, type: 'stream', channel: 'ask', data: {}, timestamp: '' });
    await b.next((f) => f.json?.type === 'ack' && f.json.id === 3, 'replayed stream done');
    assert.deepEqual(b.ofType('chunk').map((f) => f.json.seq), [5, 6]);
  });

  test('a replay skips what the client sent itself; a stream re-sent with `after` to a session that never saw it is EXPIRED', async () => {
    const a = await connect(servers.wsBase, { userId: 'own', protocol: '2', session: 'own1' });
    a.send({ type: 'subscribe', channel: 'own-ch' });
    const first = (await a.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
    a.send(msg(1, 'own-ch', { n: 'mine' }));
    await a.next((f) => f.json?.type === 'ack', 'ack');
    await servers.call('websocket.broadcast', { channel: 'own-ch', data: { n: 'theirs' } });
    await a.next((f) => f.json?.data?.n === 'theirs', 'theirs');
    a.ws.terminate();
    const b = await connect(servers.wsBase, { userId: 'own', protocol: '2', session: 'own1' });
    b.send({ type: 'subscribe', channel: 'own-ch', since: { epoch: first.epoch, offset: first.offset } });
    const answer = (await b.next((f) => f.json?.type === 'subscribed', 'subscribed')).json;
    assert.deepEqual([answer.recovered, answer.replayed], [true, 1]);
    assert.deepEqual(b.ofType('message').map((f) => f.json.data.n), ['theirs'], 'its own message is not replayed to it');
    b.send({ id: 9, after: 3, type: 'stream', channel: 'ask', data: {}, timestamp: '' });
    const expired = (await b.next((f) => f.json?.type === 'ack' && f.json.id === 9, 'expired')).json;
    assert.equal(expired.error.code, 'EXPIRED');
    assert.equal(b.ofType('chunk').length, 0, 'not run again');
  });

  test('v1 clients get no acks; a server started with protocol 1 accepts no offer', async () => {
    const v1 = await connect(servers.wsBase, { userId: 'old' });
    v1.send(msg(5, 'v1-chat', 1));
    await v1.roundTrip();
    assert.equal(v1.ofType('ack').length, 0);
    const srv = await startServer({ port: 0, protocol: 1, log: null });
    try {
      const p = await connect(srv.ws.replace(/\/ws$/, ''), { userId: 'x', protocol: '2', session: 'abc' });
      assert.equal(p.welcome.data.protocol, undefined);
      p.send(msg(1, 'c', 1));
      await p.roundTrip();
      assert.equal(p.ofType('ack').length, 0);
    } finally {
      terminatePeers();
      await srv.close();
    }
  });
});
