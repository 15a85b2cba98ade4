// The reference server's fault-control interface under /__control/ (mute, close, terminate, connect policies,
// token rejection, raw sends, floods, the clients listing and reset, bad requests), and that it is off without
// --faults. Run: node --test tests/server/ (helpers in helpers.mjs); the only fixed wait is the bounded window that
// proves a muted link silent.

import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { startServer } from '../../www/server/server.js';
import {
  Peer, STEP_MS, connect, delay, request, subscribe, terminatePeers, useServers, within, wsUrl,
} from './helpers.mjs';

afterEach(terminatePeers);

describe('reference server', () => {
  const servers = useServers();
  const { control, call } = servers;

  describe('fault control', () => {
    test('mute: no pong, broadcast or heartbeat reaches a muted link, and it stays open', async () => {
      const hbControl = (route, body, method) => request(servers.hb.http, `/__control/${route}`, { body, method });
      const hbCall = (key, params) => request(servers.hb.http, '/call', { body: { key, params } });
      const peer = await connect(servers.hbBase, { userId: 'mute-me' });
      await subscribe(peer, 'mute-ch');
      const muted = await hbControl('mute', { target: { clientId: peer.clientId }, muted: true });
      assert.deepEqual(muted.json, { ok: true, matched: 1, muted: true, heartbeat: false });
      // New connections under the mute policy hear nothing either, not even the welcome.
      await hbControl('policy', { onConnect: { action: 'mute' } });
      const late = new Peer(wsUrl(servers.hbBase));
      await within(late.opened, STEP_MS, 'open of a muted connection');

      peer.send({ type: 'ping', data: { tag: 'held' } });
      const bc = await hbCall('websocket.broadcast', { channel: 'mute-ch', data: 1 });
      assert.equal(bc.json.data.delivered, 0);
      const [frames, pings] = [peer.frames.length, peer.pings];

      await delay(1000); // the bounded window: five heartbeat rounds at 200 ms
      assert.equal(peer.frames.length, frames, 'no frame on the muted link');
      assert.equal(peer.pings, pings, 'no protocol ping on the muted link');
      assert.equal(late.frames.length, 0, 'no welcome under the mute policy');
      assert.equal(peer.ws.readyState, WebSocket.OPEN, 'not terminated by the heartbeat');
      assert.equal(late.ws.readyState, WebSocket.OPEN);
      const listed = (await hbControl('clients', undefined, 'GET')).json.clients;
      const me = listed.find((c) => c.clientId === peer.clientId);
      assert.equal(me.muted, true);
      assert.equal(me.pingsIn, 1, 'the ping sent while muted was not read');

      // Unmuting resumes reading: the held ping is answered, like TCP delivering after a link recovers.
      await hbControl('mute', { target: { userId: 'mute-me' }, muted: false });
      await peer.next((f) => f.json?.data?.tag === 'held', 'pong after unmute');
    });

    test('mute with heartbeat: the server keeps pinging the unread link, finds it dead and terminates it (a vanished client)', async () => {
      const hbControl = (route, body) => request(servers.hb.http, `/__control/${route}`, { body });
      const peer = await connect(servers.hbBase, { userId: 'vanish-me' });
      const t0 = Date.now();
      const muted = await hbControl('mute', { target: { clientId: peer.clientId }, heartbeat: true });
      assert.deepEqual(muted.json, { ok: true, matched: 1, muted: true, heartbeat: true });
      await within(peer.closed, 3000, 'terminated by the heartbeat');
      assert.ok(Date.now() - t0 <= 3 * 200 + 500, 'within two or three heartbeat rounds');
    });

    test('close with 1013 and 4001 reaches the client with code and reason', async () => {
      const [a, b] = await Promise.all([connect(servers.wsBase, { userId: 'c1' }), connect(servers.wsBase, { userId: 'c2' })]);
      const one = await control('close', { target: { clientId: a.clientId }, code: 1013, reason: 'try again later' });
      assert.equal(one.json.matched, 1);
      await control('close', { target: { userId: 'c2' }, code: 4001, reason: 'custom' });
      assert.deepEqual(await a.closedWithin(), { code: 1013, reason: 'try again later' });
      assert.deepEqual(await b.closedWithin(), { code: 4001, reason: 'custom' });
      assert.equal((await control('close', { code: 1006.5 })).status, 400);
    });

    test('close codes 1000, 1001, 1011, 1012 and 4999 all work', async () => {
      for (const code of [1000, 1001, 1011, 1012, 4999]) {
        const peer = await connect(servers.wsBase);
        await control('close', { target: { clientId: peer.clientId }, code, reason: `r${code}` });
        assert.deepEqual(await peer.closedWithin(), { code, reason: `r${code}` });
      }
    });

    test('terminate gives 1006 at the client', async () => {
      const peer = await connect(servers.wsBase);
      const res = await control('terminate', { target: { clientId: peer.clientId } });
      assert.equal(res.json.matched, 1);
      assert.equal((await peer.closedWithin()).code, 1006);
    });

    test('policy close: accepted, welcomed, then closed with the code', async () => {
      await control('policy', { onConnect: { action: 'close', code: 1012, reason: 'service restart', delayMs: 0 } });
      const peer = new Peer(wsUrl(servers.wsBase));
      assert.deepEqual(await peer.closedWithin(), { code: 1012, reason: 'service restart' });
      assert.equal(peer.ofType('connected').length, 1);

      await control('policy', { onConnect: { action: 'close', code: 4002, reason: 'flap', delayMs: 150 } });
      const flap = await connect(servers.wsBase);
      await flap.roundTrip(); // usable until the delay runs out
      assert.deepEqual(await flap.closedWithin(), { code: 4002, reason: 'flap' });
    });

    test('policy refuse: the upgrade gets the status; clearing the policy lets connections in', async () => {
      const set = await control('policy', { onConnect: { action: 'refuse', status: 503 } });
      assert.deepEqual(set.json.policy, { action: 'refuse', status: 503 });
      const refused = new Peer(wsUrl(servers.wsBase));
      await assert.rejects(within(refused.opened, STEP_MS, 'refusal'), /Unexpected server response: 503/);
      assert.equal((await control('clients', undefined, 'GET')).json.refusedTotal, 1);
      await control('policy', { onConnect: null });
      await connect(servers.wsBase);
    });

    test('a rejected token is closed with 1008 without a welcome', async () => {
      await control('token', { reject: ['bad-token', 'worse'] });
      const peer = new Peer(wsUrl(servers.wsBase, { userId: 'u', token: 'bad-token' }));
      assert.deepEqual(await peer.closedWithin(), { code: 1008, reason: 'invalid token' });
      assert.equal(peer.frames.length, 0);
      await connect(servers.wsBase, { token: 'good-token' });
    });

    test('send: raw text, binary, invalid UTF-8 and padded big frames', async () => {
      const peer = await connect(servers.wsBase, { userId: 'raw' });
      const target = { clientId: peer.clientId };
      await control('send', { target, text: 'not { json' });
      assert.equal((await peer.next((f) => f.text === 'not { json', 'raw text')).isBinary, false);

      await control('send', { target, base64: Buffer.from([0, 1, 254, 255]).toString('base64'), binary: true });
      const bin = await peer.next((f) => f.isBinary, 'binary frame');
      assert.deepEqual([...bin.data], [0, 1, 254, 255]);

      const mib = 1024 * 1024;
      const sent = await control('send', { target, repeatText: 'ab', bytes: mib });
      assert.equal(sent.json.bytes, mib);
      const big = await peer.next((f) => f.json?.channel === 'big', '1 MiB frame');
      assert.equal(big.data.length, mib);
      assert.equal(big.json.type, 'message');
      assert.match(big.json.data, /^(ab)+a?x*$/);

      await control('send', { target, repeatText: 'é', bytes: 1001 }); // odd size, two-byte unit
      const odd = await peer.next((f) => f.json?.channel === 'big' && f.data.length === 1001, 'padded frame');
      assert.match(odd.json.data, /^é+x?$/);

      // Raw invalid UTF-8 in a text frame: the client fails the connection. ws sends 1007 and stops reading, so
      // its own close event reports 1006 (Chromium, too, drops the connection: expect a reconnect, not a message).
      await control('send', { target, base64: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), invalidUtf8: true });
      assert.equal((await peer.closedWithin()).code, 1006);
      assert.deepEqual(peer.errors.map((e) => e.code), ['WS_ERR_INVALID_UTF8']);
    });

    test('flood: every frame arrives, in order, about the requested size', async () => {
      const peer = await connect(servers.wsBase, { userId: 'flood' });
      const count = 2000;
      const res = await control('flood', { target: { userId: 'flood' }, channel: 'firehose', count, size: 300 });
      assert.deepEqual(res.json, { ok: true, matched: 1, frames: count });
      await peer.next((f) => f.json?.data?.seq === count - 1, 'last flood frame', 10_000);
      const flood = peer.frames.filter((f) => f.json?.channel === 'firehose');
      assert.equal(flood.length, count);
      assert.deepEqual(flood.map((f) => f.json.data.seq), [...Array(count).keys()]);
      assert.ok(flood.every((f) => Math.abs(f.data.length - 300) <= 5));
      assert.equal((await control('flood', { channel: 'x', count: 100_001 })).status, 400);
    });

    test('clients listing counts connections; reset zeroes the counters and closes nothing', async () => {
      const peer = await connect(servers.wsBase);
      await control('reset', {});
      assert.equal((await control('clients', undefined, 'GET')).json.connectionsTotal, 0);
      await Promise.all([connect(servers.wsBase), connect(servers.wsBase)]);
      const { json } = await control('clients', undefined, 'GET');
      assert.equal(json.connectionsTotal, 2);
      assert.ok(json.open >= 3);
      assert.equal(peer.ws.readyState, WebSocket.OPEN);
      assert.equal((await call('websocket.stats')).json.data.connectionsTotal, 2);
    });

    test('bad control requests answer 400/404/405', async () => {
      assert.equal((await control('nope', {})).status, 404);
      assert.equal((await control('mute', undefined, 'GET')).status, 405);
      assert.equal((await control('mute', { target: 'all' })).status, 400);
      assert.equal((await control('policy', { onConnect: { action: 'explode' } })).status, 400);
      assert.equal((await control('close', { reason: 'r'.repeat(124) })).status, 400);
      assert.equal((await control('send', {})).status, 400);
    });
  });
});

// ---- fault control off ----

describe('reference server without --faults', () => {
  let srv;
  before(async () => {
    srv = await startServer({ port: 0, log: null, pkgDir: path.join(os.tmpdir(), 'zantara-no-such-pkg-dir') });
  });
  after(() => within(srv.close(), 5000, 'server close'));

  test('control routes are 404, preflight included; pkg/ missing is 404', async () => {
    assert.equal((await request(srv.http, '/__control/clients', { method: 'GET' })).status, 404);
    assert.equal((await request(srv.http, '/__control/mute', { body: { muted: true } })).status, 404);
    assert.equal((await request(srv.http, '/__control/mute', { method: 'OPTIONS' })).status, 404);
    assert.equal((await request(srv.http, '/pkg/zantara.js', { method: 'GET' })).status, 404);
  });

  test('a token is not rejected and /call still works', async () => {
    const peer = await connect(srv.ws.replace(/\/ws$/, ''), { token: 'bad-token' });
    await peer.roundTrip();
    const { json } = await request(srv.http, '/call', { body: { key: 'websocket.stats' } });
    assert.equal(json.data.activeClients, 1);
  });
});
