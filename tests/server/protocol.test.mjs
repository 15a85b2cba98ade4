// The reference server's WebSocket protocol (www/server/server.js): the welcome frame, URL-encoded parameters,
// channel messages and echo, unsubscribe, ping/pong, malformed frames, the protocol heartbeat, upgrades on other
// paths. Run: node --test tests/server/ (helpers in helpers.mjs; every wait is raced against a timeout).

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import WebSocket from 'ws';

import { ISO, Peer, STEP_MS, connect, subscribe, terminatePeers, useServers, within } from './helpers.mjs';

afterEach(terminatePeers);

describe('reference server', () => {
  const servers = useServers();
  const { control, call } = servers;

  test('welcome frame carries a clientId, the userId and the role', async () => {
    const peer = await connect(servers.wsBase, { userId: 'u1', role: 'owner' });
    assert.match(peer.clientId, /^client_\d{13}_[0-9a-z]{6}$/);
    assert.deepEqual(peer.welcome.data, { clientId: peer.clientId, userId: 'u1', role: 'owner' });
    assert.match(peer.welcome.timestamp, ISO);
  });

  test('URL-encoded userId, role and token arrive decoded; the token stays out of stats', async () => {
    const userId = 'a&b #c=d é';
    const role = 'r+ole/ü?';
    const token = 'tök&en=#1 %';
    const peer = await connect(servers.wsBase, { userId, role, token, other: 'ignored' });
    assert.equal(peer.welcome.data.userId, userId);
    assert.equal(peer.welcome.data.role, role);
    const { json } = await control('clients', undefined, 'GET');
    const me = json.clients.find((c) => c.clientId === peer.clientId);
    assert.deepEqual([me.userId, me.role, me.token, me.echo], [userId, role, token, false]);
    const stats = await call('websocket.stats');
    assert.equal(stats.text.includes('tök'), false);
  });

  test('a message reaches the other subscribers, not the sender', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => connect(servers.wsBase, { userId: `bc${n}` })));
    for (const p of [a, b, c]) await subscribe(p, 'bc-chat');
    a.send({ type: 'message', channel: 'bc-chat', data: { text: 'hi' } });
    for (const p of [b, c]) {
      const { json } = await p.next((f) => f.json?.type === 'message', 'broadcast');
      assert.deepEqual(json.data, { text: 'hi' });
      assert.equal(json.channel, 'bc-chat');
      assert.equal(json.from, a.clientId);
      assert.match(json.timestamp, ISO);
    }
    await a.roundTrip(); // the server answered a later frame of a's: any copy for a would be here by now
    assert.equal(a.ofType('message').length, 0);
  });

  test('echo=1 sends the message back to the sender too, subscribed or not', async () => {
    const sender = await connect(servers.wsBase, { userId: 'echo', echo: '1' });
    assert.equal(sender.welcome.data.userId, 'echo');
    sender.send({ type: 'message', channel: 'echo-ch', data: 42 });
    const { json } = await sender.next((f) => f.json?.type === 'message', 'echo');
    assert.deepEqual([json.channel, json.data, json.from], ['echo-ch', 42, sender.clientId]);
  });

  test('unsubscribe stops delivery', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connect(servers.wsBase)));
    for (const p of [b, c]) await subscribe(p, 'un-ch');
    b.send({ type: 'unsubscribe', channel: 'un-ch' });
    await b.roundTrip();
    a.send({ type: 'message', channel: 'un-ch', data: 'x' });
    await c.next((f) => f.json?.type === 'message', 'message at c');
    await b.roundTrip(); // sent after the message was fanned out, so a copy for b would precede this pong
    assert.equal(b.ofType('message').length, 0);
  });

  test('ping is answered with a pong carrying a timestamp and the ping data', async () => {
    const peer = await connect(servers.wsBase);
    const pong = await peer.roundTrip('t-1');
    assert.match(pong.json.timestamp, ISO);
    assert.deepEqual(pong.json.data, { tag: 't-1' });
    peer.send({ type: 'ping' });
    const bare = await peer.next((f) => f.json?.type === 'pong' && !('data' in f.json), 'bare pong');
    assert.match(bare.json.timestamp, ISO);
  });

  test('malformed frames are counted and ignored', async () => {
    const peer = await connect(servers.wsBase);
    const before = (await call('websocket.stats')).json.data.badFrames;
    peer.send('not json');
    peer.send('[1,2]');
    peer.send({ type: 'nope' });
    peer.send({ type: 'subscribe', channel: '' });
    peer.send({ type: 'message' });
    peer.ws.send(Buffer.from([1, 2, 3]));
    await peer.roundTrip();
    const stats = (await call('websocket.stats')).json.data;
    assert.equal(stats.badFrames - before, 6);
    assert.equal(peer.ws.readyState, WebSocket.OPEN);
  });

  test('the protocol heartbeat terminates a client that does not pong', async () => {
    const lazy = await connect(servers.hbBase, {}, { autoPong: false });
    const { code } = await lazy.closedWithin(); // heartbeat is 200 ms here: gone after two rounds
    assert.equal(code, 1006);
  });
  test('an upgrade on another path is refused with 404', async () => {
    const peer = new Peer(`${servers.wsBase}/elsewhere`);
    await assert.rejects(within(peer.opened, STEP_MS, 'refusal'), /Unexpected server response: 404/);
  });
});
