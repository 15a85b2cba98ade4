// Unit tests of src/js/presence.js against the JS half's client state (createClient in boundary.js) and a stand-in
// client: frames the listener hands over, what goes on the socket, handles sharing one membership, a StrictMode
// remount that sends nothing, and typists that expire by themselves when the server's stop never comes (mock timers).
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';

import { createClient } from '../../src/shell/boundary.js';
import { Presence, TYPING_QUIET_MS, TYPING_REFRESH_MS, TYPING_TTL_MS } from '../../src/js/presence.js';
import { MAX, fakeSocket } from './support.mjs';

/** A stand-in client: its JS state with an open v2 socket, and the calls Presence makes on it. */
function client({ subscribed = [] } = {}) {
  const z = createClient(1, MAX);
  z.ws = fakeSocket(1);
  z.v2 = true;
  const subs = new Set(subscribed);
  return {
    z,
    calls: [],
    sent: () => z.ws.sent.map((f) => JSON.parse(f)),
    __state: () => z,
    get subscriptions() { return new Set(subs); },
    subscribe(c) { if (c === 'error') throw new TypeError('reserved'); this.calls.push(['subscribe', c]); subs.add(c); return true; },
    unsubscribe(c) { this.calls.push(['unsubscribe', c]); subs.delete(c); return true; },
  };
}
/** The frame `v` as the socket listener hands it over. */
const frame = (ws, channel, v) => ws.z.ph.get(channel).f({ channel, ...v });
const m = (userId, connections = 1, data = null) => ({ userId, data, connections });

describe('Presence', () => {
  test('subscribes with the data in the subscribe frame, or announces on a subscribed channel; bad arguments throw', () => {
    const ws = client();
    const p = new Presence(ws, 'room', { data: { name: 'Ana' } });
    assert.deepEqual(ws.calls, [['subscribe', 'room']]);
    assert.deepEqual(ws.z.ph.get('room').data, { name: 'Ana' }, 'what control() adds to the subscribe frame');
    assert.deepEqual(ws.sent(), []);
    const ws2 = client({ subscribed: ['room'] });
    new Presence(ws2, 'room');
    assert.deepEqual(ws2.sent(), [{ channel: 'room', type: 'presence', data: true }]);
    assert.throws(() => new Presence({}, 'room'), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new Presence(ws, 'x', { data: 1n }), { code: 'UNSERIALIZABLE' });
    assert.throws(() => new Presence(ws, 'x', { data: 'x'.repeat(3000) }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new Presence(ws, 'error'), TypeError);
    assert.equal(ws.z.ph.has('error'), false, 'nothing kept for a bad channel');
    assert.throws(() => p.on('nope', () => {}), { code: 'INVALID_ARGUMENT' });
  });

  test('sync, join, update, leave: the list and the events, a resync giving only the differences', () => {
    const ws = client();
    const p = new Presence(ws, 'room');
    const log = [];
    for (const e of ['join', 'leave', 'update']) p.on(e, (x) => log.push(`${e} ${x.userId} ${x.connections}`));
    p.on('sync', (ms) => log.push(`sync ${ms.length}`));
    let changes = 0;
    p.on('change', () => changes++);
    frame(ws, 'room', { type: 'presence', event: 'sync', members: [m('me'), m('a')] });
    frame(ws, 'room', { type: 'presence', event: 'join', member: m('b') });
    frame(ws, 'room', { type: 'presence', event: 'update', member: m('b', 2) });
    frame(ws, 'room', { type: 'presence', event: 'leave', member: m('a') });
    frame(ws, 'room', { type: 'presence', event: 'leave', member: m('nobody') });
    assert.deepEqual(p.members.map((x) => `${x.userId}:${x.connections}`), ['me:1', 'b:2']);
    // After a reconnect: the server's list again; only what changed is an event.
    frame(ws, 'room', { type: 'presence', event: 'sync', members: [m('me'), m('b', 2), m('c')] });
    assert.deepEqual(log, ['join me 1', 'join a 1', 'sync 2', 'join b 1', 'update b 2', 'leave a 1', 'join c 1', 'sync 3']);
    assert.equal(changes, 5);
    assert.ok(Object.isFrozen(p.members[0]));
  });

  test('typing: one frame, refreshes at most every TYPING_REFRESH_MS, a stop after TYPING_QUIET_MS or on send', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    let now = 0;
    const clock = mock.method(performance, 'now', () => now);
    const tick = (ms) => { now += ms; mock.timers.tick(ms); };
    try {
      const ws = client();
      const p = new Presence(ws, 'room');
      const typing = () => ws.sent().filter((f) => f.type === 'typing').map((f) => f.typing);
      for (let t = 0; t < 4500; t += 100) {
        p.typing();
        tick(100);
      }
      assert.deepEqual(typing(), [true, true, true], 'at 0, 2000 and 4000 ms');
      tick(TYPING_QUIET_MS - 100);
      assert.deepEqual(typing(), [true, true, true, false], 'stopped after the quiet time');
      tick(TYPING_REFRESH_MS * 3);
      assert.equal(typing().length, 4, 'nothing more');
      p.typing();
      ws.z.ph.get('room').s(); // sendNow: a message went to the channel
      assert.deepEqual(typing().slice(4), [true, false]);
      ws.z.ws.readyState = 3;
      p.typing();
      p.stopTyping();
      assert.equal(typing().length, 6, 'a closed socket gets nothing (typing is never queued)');
    } finally {
      mock.timers.reset();
      clock.mock.restore();
    }
  });

  test('a typist expires by itself after TYPING_TTL_MS without a refresh; a leave or a stop ends it at once', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const ws = client();
      const p = new Presence(ws, 'room');
      const events = [];
      p.on('typing', (t) => events.push(`${t.userId} ${t.typing}`));
      frame(ws, 'room', { type: 'typing', userId: 'a', data: { name: 'A' }, typing: true });
      mock.timers.tick(TYPING_TTL_MS - 1000);
      frame(ws, 'room', { type: 'typing', userId: 'a', data: { name: 'A' }, typing: true }); // a refresh: no event
      mock.timers.tick(TYPING_TTL_MS - 1);
      assert.deepEqual(p.typists, [{ userId: 'a', data: { name: 'A' } }]);
      mock.timers.tick(1);
      assert.deepEqual(p.typists, []);
      assert.deepEqual(events, ['a true', 'a false'], 'expired: the server\'s stop never came');
      frame(ws, 'room', { type: 'presence', event: 'sync', members: [m('b')] });
      frame(ws, 'room', { type: 'typing', userId: 'b', typing: true });
      frame(ws, 'room', { type: 'presence', event: 'leave', member: m('b') });
      assert.deepEqual(p.typists, [], 'a member who left types no more');
      frame(ws, 'room', { type: 'typing', userId: 'c', typing: true });
      frame(ws, 'room', { type: 'typing', userId: 'c', typing: false });
      frame(ws, 'room', { type: 'typing', userId: 'c', typing: false });
      assert.deepEqual(events, ['a true', 'a false', 'b true', 'c true', 'c false']);
    } finally {
      mock.timers.reset();
    }
  });

  test('two handles share one membership; a StrictMode remount sends nothing; the last close leaves', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const ws = client();
      const a = new Presence(ws, 'room', { data: { name: 'A' } });
      frame(ws, 'room', { type: 'presence', event: 'sync', members: [m('me')] });
      const b = new Presence(ws, 'room');
      assert.deepEqual(b.members, a.members, 'the second sees the state the first heard');
      a.close();
      a.close();
      mock.timers.tick(10);
      assert.deepEqual(ws.calls, [['subscribe', 'room']], 'still joined while b lives');
      // StrictMode: close and create again in the same task: no leave, no join on the wire.
      b.close();
      const c = new Presence(ws, 'room');
      mock.timers.tick(10);
      assert.deepEqual(ws.sent(), []);
      assert.deepEqual(ws.calls, [['subscribe', 'room']]);
      assert.deepEqual(c.members.map((x) => x.userId), ['me']);
      c.close();
      mock.timers.tick(0);
      assert.deepEqual(ws.calls, [['subscribe', 'room'], ['unsubscribe', 'room']], 'it subscribed, so it unsubscribes');
      assert.equal(ws.z.ph.has('room'), false);
      // On a channel the page subscribed itself: a leave frame, the subscription kept.
      const ws2 = client({ subscribed: ['room'] });
      new Presence(ws2, 'room').close();
      mock.timers.tick(0);
      assert.deepEqual(ws2.sent().map((f) => f.leave ?? f.data), [true, true]);
      assert.deepEqual(ws2.calls, []);
    } finally {
      mock.timers.reset();
    }
  });
});
