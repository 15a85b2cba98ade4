// Unit tests of the JavaScript half of the shell (src/shell/boundary.js): the hub, which reports to the wasm side's one
// entry point (install): a client's socket (createClient, openSocket, shutSocket, socketState, socketUnsent, sendFrame) and
// its shared listeners, which count and dispatch channel messages and report everything else (OPEN, ERROR, CLOSE, FRAME,
// THROWN); takeCounts after listening; the one timer (armTimer, TIMER) and the page listeners (pageListen, PAGE).
// The global WebSocket is a stand-in (FakeWebSocket in support.mjs); events are fired by calling a socket's `on...`
// property with the socket as `this`, as browsers do.
// Run: node --test tests/js/

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import {
  ackEager, ackOn, armTimer, createClient, forgetPosition, fresh, handlerOn, install, openSocket, pageListen, sendFrame, sendNow, shutSocket, socketState,
  socketUnsent, takeCounts,
} from '../../src/shell/boundary.js';
import { H, V, MAX, FakeWebSocket, recordSink, withConsole, withWebSocket } from './support.mjs';

const URL_A = 'wss://example.test/ws?user=a';

/** Fires event `name` (open, close, error, message) on socket `ws` as a browser does: `ws.on<name>` with `this` = ws. */
function fire(ws, name, event = {}) {
  const f = ws[`on${name}`];
  if (typeof f === 'function') f.call(ws, event);
}

/** Sends text (or an ArrayBuffer) `data` to `ws` as an inbound frame. */
function frame(ws, data) {
  fire(ws, 'message', { data });
}

/** A client `id` with frame limit `max` and an open socket of generation `gen`; the sink's calls in `calls`. */
function openClient({ id = 5, max = MAX, gen = 3 } = {}) {
  const calls = recordSink();
  const z = createClient(id, max);
  assert.equal(openSocket(z, URL_A, gen), null);
  const ws = z.ws;
  ws.readyState = 1;
  return { z, ws, calls };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pred()` holds, polling; fails after `ms` (generous: the machine may be busy). */
async function until(pred, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred()) {
    assert.ok(Date.now() < end, 'timed out');
    await sleep(2);
  }
}

describe('openSocket', () => {
  test('makes new WebSocket(url), binary frames as ArrayBuffer, and links client and socket', () => {
    withWebSocket(() => {
      const z = createClient(9, MAX);
      assert.equal(openSocket(z, URL_A, 4), null);
      assert.equal(FakeWebSocket.made.length, 1);
      const ws = FakeWebSocket.made[0];
      assert.deepEqual(ws.args, [URL_A], 'the URL only: no protocols');
      assert.equal(ws.binaryType, 'arraybuffer');
      assert.equal(ws.z, z);
      assert.equal(z.ws, ws);
      assert.equal(z.g, 4);
      for (const name of ['onopen', 'onclose', 'onerror', 'onmessage']) assert.equal(typeof ws[name], 'function', name);
      assert.deepEqual(ws.sent, []);
      assert.deepEqual(ws.closes, []);
    });
  });

  test('every socket shares the same four listeners (no closure per socket)', () => {
    withWebSocket(() => {
      const a = createClient(1, MAX);
      const b = createClient(2, MAX);
      openSocket(a, URL_A, 1);
      openSocket(b, URL_A, 1);
      for (const name of ['onopen', 'onclose', 'onerror', 'onmessage']) assert.equal(a.ws[name], b.ws[name], name);
      assert.notEqual(a.ws, b.ws);
    });
  });

  test('when new WebSocket throws: a description of it, and the client is left as it was', () => {
    const cases = [
      [new SyntaxError("The URL 'x' is invalid."), "SyntaxError: The URL 'x' is invalid."],
      ['plain text', 'plain text'],
      [{ toString() { throw new Error('hostile'); } }, 'unknown error'],
    ];
    for (const [thrown, text] of cases) {
      class Throwing {
        constructor() {
          throw thrown;
        }
      }
      withWebSocket(() => {
        const z = createClient(1, MAX);
        assert.equal(openSocket(z, 'nope', 2), text);
        assert.equal(z.ws, null);
        assert.equal(z.g, 0);
      }, Throwing);
    }
  });
});

describe('socket events reach the sink', () => {
  test('open and error: (OPEN | ERROR, id, generation)', () => {
    withWebSocket(() => {
      const { ws, calls } = openClient({ id: 5, gen: 3 });
      fire(ws, 'open');
      fire(ws, 'error');
      assert.deepEqual(calls, [[H.OPEN, 5, 3], [H.ERROR, 5, 3]]);
    });
  });

  test('close: (CLOSE, id, generation, code, wasClean as 1 or 0, reason)', () => {
    withWebSocket(() => {
      const { ws, calls } = openClient({ id: 0, gen: 1 });
      fire(ws, 'close', { code: 4001, wasClean: true, reason: 'bye' });
      fire(ws, 'close', { code: 1006, wasClean: false, reason: '' });
      assert.deepEqual(calls, [[H.CLOSE, 0, 1, 4001, 1, 'bye'], [H.CLOSE, 0, 1, 1006, 0, '']]);
    });
  });

  test('install replaces the sink: later events go to the new one', () => {
    withWebSocket(() => {
      const { ws, calls } = openClient();
      const later = [];
      install({ __zantaraSink: (...args) => later.push(args) });
      fire(ws, 'open');
      assert.deepEqual(calls, []);
      assert.deepEqual(later, [[H.OPEN, 5, 3]]);
    });
  });

  test('channel messages are counted (n, b, t) and dispatched without calling the sink', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient();
      const got = [];
      handlerOn(z, 'chat', (d) => got.push(d), false);
      handlerOn(z, 'message', (v) => got.push(v.type), false);
      const a = JSON.stringify({ type: 'message', channel: 'chat', data: 1 });
      const b = JSON.stringify({ type: 'message', channel: 'other', data: 'é😀' });
      const t0 = performance.now();
      frame(ws, a);
      frame(ws, b);
      const t1 = performance.now();
      assert.deepEqual(got, ['message', 1, 'message']);
      assert.equal(z.n, 2);
      assert.equal(z.b, a.length + b.length);
      assert.ok(z.t >= t0 && z.t <= t1);
      assert.deepEqual(calls, []);
    });
  });

  test('a message to a reserved channel is counted and fires message only', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient();
      const got = [];
      handlerOn(z, 'error', () => got.push('error'), false);
      handlerOn(z, 'message', () => got.push('message'), false);
      frame(ws, JSON.stringify({ type: 'message', channel: 'error', data: 1 }));
      assert.deepEqual(got, ['message']);
      assert.equal(z.n, 1);
      assert.deepEqual(calls, []);
    });
  });

  test('other frames: (FRAME, id, generation, verdict, length, parsed, raw) once each, not counted or dispatched', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient({ id: 2, gen: 8, max: 64 });
      const got = [];
      handlerOn(z, 'message', () => got.push('message'), false);
      const pong = JSON.stringify({ type: 'pong', t: 1 });
      const welcomeFrame = JSON.stringify({ type: 'connected', data: { clientId: 'c1' } });
      const noChannel = JSON.stringify({ type: 'message', data: 1 });
      const emptyChannel = JSON.stringify({ type: 'message', channel: '' });
      const big = JSON.stringify({ type: 'message', channel: 'c', data: 'x'.repeat(64) });
      const bin = new ArrayBuffer(5);
      for (const data of [pong, welcomeFrame, 'not json', '[1]', 'null', '"message"', noChannel, emptyChannel, '{"type":7}',
        '{"type":"hello"}', big, bin]) {
        frame(ws, data);
      }
      const f = (verdict, n, v, raw) => [H.FRAME, 2, 8, verdict, n, v, raw];
      assert.deepEqual(calls, [
        f(V.PONG, pong.length, { type: 'pong', t: 1 }, pong),
        f(V.CONNECTED, welcomeFrame.length, { type: 'connected', data: { clientId: 'c1' } }, welcomeFrame),
        f(V.NOT_JSON, 8, undefined, 'not json'),
        f(V.NOT_OBJECT, 3, [1], '[1]'),
        f(V.NOT_OBJECT, 4, null, 'null'),
        f(V.NOT_OBJECT, 9, 'message', '"message"'),
        f(V.NO_CHANNEL, noChannel.length, { type: 'message', data: 1 }, noChannel),
        f(V.NO_CHANNEL, emptyChannel.length, { type: 'message', channel: '' }, emptyChannel),
        f(V.NO_TYPE, 10, { type: 7 }, '{"type":7}'),
        f(V.UNKNOWN_TYPE, 16, { type: 'hello' }, '{"type":"hello"}'),
        f(V.TOO_LARGE, big.length, undefined, big),
        f(V.BINARY, 5, undefined, undefined),
      ]);
      assert.deepEqual(got, [], 'the listener does not dispatch other frames');
      assert.deepEqual([z.n, z.b, z.t], [0, 0, 0]);
    });
  });

  test('a text frame of exactly max units is read; one more is TOO_LARGE', () => {
    withWebSocket(() => {
      const msg = JSON.stringify({ type: 'message', channel: 'c', data: 1 });
      const { z, ws, calls } = openClient({ max: msg.length });
      frame(ws, msg);
      assert.equal(z.n, 1);
      frame(ws, `${msg} `);
      assert.deepEqual(calls, [[H.FRAME, 5, 3, V.TOO_LARGE, msg.length + 1, undefined, `${msg} `]]);
    });
  });

  test('what channel handlers threw: (THROWN, id, generation, 0, 0, [event, thrown[], ...])', () => {
    withWebSocket(() => {
      const e1 = new Error('h');
      const { z, ws, calls } = openClient({ id: 4, gen: 6 });
      handlerOn(z, 'message', () => { throw 'm'; }, false);
      handlerOn(z, 'chat', () => { throw e1; }, false);
      frame(ws, JSON.stringify({ type: 'message', channel: 'chat', data: 1 }));
      assert.deepEqual(calls, [[H.THROWN, 4, 6, 0, 0, ['message', ['m'], 'chat', [e1]]]]);
      assert.equal(z.n, 1, 'counted all the same');
    });
  });

  test('a handler that drops the socket (or replaces it) and throws: the console hears it, not the sink', () => {
    withWebSocket(() => {
      const e1 = new Error('h');
      const frameText = JSON.stringify({ type: 'message', channel: 'chat', data: 1 });

      const { z, ws, calls } = openClient();
      handlerOn(z, 'message', () => { throw 'm'; }, false);
      handlerOn(z, 'chat', () => {
        shutSocket(z, 1000, '');
        throw e1;
      }, false);
      const errors = [];
      withConsole('error', (...args) => errors.push(args), () => frame(ws, frameText));
      assert.deepEqual(errors, [['ZantaraWebSocket: a handler threw', 'm'], ['ZantaraWebSocket: a handler threw', e1]]);
      assert.deepEqual(calls, []);

      // Replaced by a new socket (a reconnect from inside the handler): the same.
      const other = openClient();
      const listener = other.ws.onmessage;
      handlerOn(other.z, 'chat', () => {
        openSocket(other.z, URL_A, 99);
        throw e1;
      }, false);
      const seen = [];
      withConsole('error', (...args) => seen.push(args), () => listener.call(other.ws, { data: frameText }));
      assert.deepEqual(seen, [['ZantaraWebSocket: a handler threw', e1]]);
      assert.deepEqual(other.calls, []);

      // Even with a console that throws, nothing escapes the listener.
      const third = openClient();
      handlerOn(third.z, 'chat', () => {
        shutSocket(third.z, 0, '');
        throw e1;
      }, false);
      const saved = third.ws.onmessage;
      withConsole('error', () => { throw new Error('console'); }, () => saved.call(third.ws, { data: frameText }));
    });
  });

  test('events of a socket that is no longer the client\'s are ignored', () => {
    withWebSocket(() => {
      const { z, ws: old, calls } = openClient({ gen: 1 });
      const got = [];
      handlerOn(z, 'chat', (d) => got.push(d), false);
      const listeners = { open: old.onopen, close: old.onclose, error: old.onerror, message: old.onmessage };
      // A second socket replaces the first (its listeners still attached: openSocket does not close it).
      assert.equal(openSocket(z, URL_A, 2), null);
      const fresh = z.ws;
      assert.notEqual(fresh, old);
      assert.equal(old.onmessage, listeners.message, 'the old socket still has its listeners');
      const chat = JSON.stringify({ type: 'message', channel: 'chat', data: 1 });
      fire(old, 'open');
      fire(old, 'error');
      fire(old, 'close', { code: 1006, wasClean: false, reason: '' });
      frame(old, chat);
      frame(old, 'not json');
      assert.deepEqual(calls, []);
      assert.deepEqual(got, []);
      assert.equal(z.n, 0);
      fire(fresh, 'open');
      frame(fresh, chat);
      assert.deepEqual(calls, [[H.OPEN, 5, 2]]);
      assert.deepEqual(got, [1]);

      // Once shut, even a saved listener called on it reports nothing; so does one called on a foreign object.
      shutSocket(z, 1000, '');
      calls.length = 0;
      listeners.open.call(fresh, {});
      listeners.message.call(fresh, { data: chat });
      listeners.close.call(fresh, { code: 1000, wasClean: true, reason: '' });
      listeners.error.call({}, {});
      listeners.message.call({ z: undefined }, { data: chat });
      assert.deepEqual(calls, []);
      assert.deepEqual(got, [1]);
    });
  });

  test('takeCounts after listening: what arrived since the last call', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      const f = JSON.stringify({ type: 'message', channel: 'c', data: 0 });
      const out = new Float64Array(3);
      assert.equal(takeCounts(z, out), 0);
      frame(ws, f);
      frame(ws, f);
      assert.equal(takeCounts(z, out), 2);
      assert.deepEqual([out[0], out[1]], [2, 2 * f.length]);
      assert.equal(out[2], z.t);
      frame(ws, f);
      assert.equal(takeCounts(z, out), 1);
      assert.deepEqual([out[0], out[1]], [1, f.length]);
      frame(ws, 'not json');
      assert.equal(takeCounts(z, out), 0, 'other frames are not counted');
    });
  });
});

describe('shutSocket, socketState, socketUnsent, sendFrame', () => {
  test('shutSocket detaches the listeners, forgets the socket and closes it with code and reason', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      shutSocket(z, 4000, 'going away');
      assert.equal(z.ws, null);
      assert.equal(z.g, 0);
      for (const name of ['onopen', 'onclose', 'onmessage']) assert.equal(ws[name], null, name);
      // An error listener that does nothing stays (Node's ws emits `error` for a socket closed while
      // connecting; unheard, it is an uncaught exception).
      assert.equal(typeof ws.onerror, 'function');
      assert.equal(ws.onerror(), undefined);
      assert.deepEqual(ws.closes, [[4000, 'going away']]);
      shutSocket(z, 4000, 'again'); // no socket: nothing
      assert.deepEqual(ws.closes, [[4000, 'going away']]);
    });
  });

  test('code 0 closes without a code; a connecting socket is closed too', () => {
    withWebSocket(() => {
      const z = createClient(1, MAX);
      openSocket(z, URL_A, 1);
      const ws = z.ws;
      assert.equal(ws.readyState, 0);
      shutSocket(z, 0, 'ignored');
      assert.deepEqual(ws.closes, [[]]);
    });
  });

  test('a socket already closing or closed is not closed again, but is detached', () => {
    withWebSocket(() => {
      for (const state of [2, 3]) {
        const { z, ws } = openClient();
        ws.readyState = state;
        shutSocket(z, 1000, '');
        assert.deepEqual(ws.closes, [], `readyState ${state}`);
        assert.equal(ws.onmessage, null);
        assert.equal(z.ws, null);
      }
    });
  });

  test('a close that throws is swallowed', () => {
    class Throws extends FakeWebSocket {
      close() {
        throw new DOMException('bad code', 'InvalidAccessError');
      }
    }
    withWebSocket(() => {
      const { z, ws } = openClient();
      assert.ok(ws instanceof Throws);
      assert.doesNotThrow(() => shutSocket(z, 1005, ''));
      assert.equal(z.ws, null);
    }, Throws);
  });

  test('socketState: the readyState, 3 without a socket; socketUnsent: bufferedAmount, 0 without one', () => {
    withWebSocket(() => {
      const z = createClient(1, MAX);
      assert.equal(socketState(z), 3);
      assert.equal(socketUnsent(z), 0);
      openSocket(z, URL_A, 1);
      for (const s of [0, 1, 2, 3]) {
        z.ws.readyState = s;
        assert.equal(socketState(z), s);
      }
      z.ws.bufferedAmount = 12345;
      assert.equal(socketUnsent(z), 12345);
      shutSocket(z, 1000, '');
      assert.equal(socketState(z), 3);
      assert.equal(socketUnsent(z), 0);
    });
  });

  test('sendFrame: sends and returns true while open; false without a socket, when not open, or when send throws', () => {
    withWebSocket(() => {
      const z = createClient(1, MAX);
      assert.equal(sendFrame(z, 'a'), false);
      openSocket(z, URL_A, 1);
      const ws = z.ws;
      for (const s of [0, 2, 3]) {
        ws.readyState = s;
        assert.equal(sendFrame(z, 'b'), false, `readyState ${s}`);
      }
      ws.readyState = 1;
      assert.equal(sendFrame(z, '{"type":"ping"}'), true);
      assert.deepEqual(ws.sent, ['{"type":"ping"}']);
      ws.send = () => {
        throw new Error('send failed');
      };
      assert.equal(sendFrame(z, 'c'), false);
    });
  });

  test('sendNow on an opened socket; a toJSON that disconnects mid-encode gets -3 and the frame back', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      const n = sendNow(z, 'chat', [1], {});
      assert.deepEqual(ws.sent.map((f) => JSON.parse(f).data), [[1]]);
      assert.equal(n, ws.sent[0].length);
      let calls = 0;
      const out = {};
      const data = {
        toJSON() {
          calls += 1;
          shutSocket(z, 1000, 'bye');
          return 'x';
        },
      };
      assert.equal(sendNow(z, 'chat', data, out), -3);
      assert.equal(calls, 1);
      assert.equal(ws.sent.length, 1, 'nothing more sent');
      assert.deepEqual(ws.closes, [[1000, 'bye']]);
      assert.equal(JSON.parse(out.frame).data, 'x');
      assert.equal(sendNow(z, 'chat', 1, {}), -1, 'no socket now');
    });
  });
});

describe('armTimer', () => {
  afterEach(() => armTimer(-1));

  test('fires once after ms: (TIMER, 0, 0)', async () => {
    const calls = recordSink();
    armTimer(5);
    await sleep(40);
    assert.deepEqual(calls, [[H.TIMER, 0, 0]]);
    await sleep(20);
    assert.equal(calls.length, 1, 'not periodic');
  });

  test('arming again replaces the previous timer; 0 fires on the next turn', async () => {
    const calls = recordSink();
    armTimer(10);
    armTimer(30);
    armTimer(0);
    await sleep(80);
    assert.deepEqual(calls, [[H.TIMER, 0, 0]]);
  });

  test('a negative ms clears it (twice is harmless)', async () => {
    const calls = recordSink();
    armTimer(5);
    armTimer(-1);
    armTimer(-1);
    await sleep(40);
    assert.deepEqual(calls, []);
  });

  test('the sink may arm it again from inside TIMER', async () => {
    const calls = [];
    install({
      __zantaraSink: (...args) => {
        calls.push(args);
        if (calls.length < 3) armTimer(1);
      },
    });
    armTimer(1);
    await until(() => calls.length >= 3);
    await sleep(20);
    assert.equal(calls.length, 3, 'no more once the sink stops arming it');
    for (const c of calls) assert.deepEqual(c, [H.TIMER, 0, 0]);
  });
});

describe('pageListen', () => {
  test('0 where the global object is no event target (Node)', () => {
    assert.equal(typeof globalThis.addEventListener, 'undefined');
    assert.equal(pageListen(true), 0);
    assert.equal(pageListen(false), 0);
  });

  test('attaches online, offline, pagehide, pageshow, visibilitychange (PAGE, 0, 0, index); removes the same listeners', () => {
    const target = new EventTarget();
    const added = [];
    const removed = [];
    globalThis.addEventListener = function (name, f) {
      assert.equal(this, globalThis);
      added.push([name, f]);
      target.addEventListener(name, f);
    };
    globalThis.removeEventListener = function (name, f) {
      assert.equal(this, globalThis);
      removed.push([name, f]);
      target.removeEventListener(name, f);
    };
    try {
      const calls = recordSink();
      assert.equal(pageListen(true), 5);
      const names = ['online', 'offline', 'pagehide', 'pageshow'];
      assert.deepEqual(added.map((a) => a[0]), [...names, 'visibilitychange']);
      for (const name of [...names, 'focus']) target.dispatchEvent(new Event(name));
      assert.deepEqual(calls, names.map((_, i) => [H.PAGE, 0, 0, i]));
      // visibilitychange: reported when the page becomes visible, with how long it was hidden.
      const doc = { visibilityState: 'hidden' };
      globalThis.document = doc;
      try {
        target.dispatchEvent(new Event('visibilitychange'));
        assert.equal(calls.length, 4, 'hiding reports nothing');
        doc.visibilityState = 'visible';
        target.dispatchEvent(new Event('visibilitychange'));
        assert.equal(calls.length, 5);
        const [kind, , , index, hiddenMs] = calls[4];
        assert.deepEqual([kind, index], [H.PAGE, 4]);
        assert.ok(hiddenMs >= 0 && hiddenMs < 1000, String(hiddenMs));
        target.dispatchEvent(new Event('visibilitychange'));
        assert.equal(calls.length, 5, 'visible again without a hide: nothing');
      } finally {
        delete globalThis.document;
        calls.length = 4;
      }
      assert.equal(pageListen(false), 0);
      assert.deepEqual(removed, added, 'the same functions');
      calls.length = 0;
      for (const name of names) target.dispatchEvent(new Event(name));
      assert.deepEqual(calls, []);
      // Attaching again attaches the same functions again (an event target keeps one of each).
      pageListen(true);
      assert.deepEqual(added.slice(5), added.slice(0, 5));
      pageListen(false);
    } finally {
      delete globalThis.addEventListener;
      delete globalThis.removeEventListener;
    }
  });
});

describe('protocol v2 in the listener: positions, replays, `subscribed` and `since`', () => {
  const msg = (channel, seq, offset, epoch = 'e1') => JSON.stringify({ type: 'message', channel, data: { seq }, offset, epoch });

  test('a channel message at or before the position in the same epoch is dropped; a new epoch moves the position', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      const got = [];
      handlerOn(z, 'news', (d) => got.push(d.seq), false);
      handlerOn(z, 'other', (d) => got.push(`other ${d.seq}`), false);
      frame(ws, msg('other', 5, 5));
      assert.equal(z.o, null, 'no position from a message: only a `subscribed` answer makes one');
      frame(ws, JSON.stringify({ type: 'subscribed', channel: 'news', epoch: 'e1', offset: 0 }));
      for (const [seq, off, ep] of [[1, 1, 'e1'], [2, 2, 'e1'], [2, 2, 'e1'], [1, 1, 'e1'], [3, 3, 'e1'], [9, 1, 'e2']]) frame(ws, msg('news', seq, off, ep));
      assert.deepEqual(got, ['other 5', 1, 2, 3, 9]);
      assert.deepEqual(z.o.news, { e: 'e2', o: 1 });
      frame(ws, JSON.stringify({ type: 'message', channel: 'news', data: { seq: 10 } }));
      assert.deepEqual(got, ['other 5', 1, 2, 3, 9, 10], 'a message without a position is always delivered');
      assert.equal(z.n, 9, 'every frame is counted');
    });
  });

  test('`subscribed`: the position is taken; with `recovered` a `recovery` event, counted; it never reaches wasm or `message`', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient();
      const events = [];
      handlerOn(z, 'recovery', (r) => events.push(r), false);
      handlerOn(z, 'message', (m) => events.push(['message', m.type]), false);
      frame(ws, JSON.stringify({ type: 'subscribed', channel: 'a', epoch: 'e1', offset: 4 }));
      assert.deepEqual(z.o.a, { e: 'e1', o: 4 });
      frame(ws, JSON.stringify({ type: 'subscribed', channel: 'a', epoch: 'e1', offset: 9, recovered: true, replayed: 5 }));
      frame(ws, JSON.stringify({ type: 'subscribed', channel: 'b', epoch: 'e7', offset: 3, recovered: false, replayed: 0 }));
      assert.deepEqual(events, [{ channel: 'a', recovered: true, replayed: 5 }, { channel: 'b', recovered: false, replayed: 0 }]);
      assert.deepEqual([z.rc, z.gp], [5, 1]);
      assert.deepEqual(z.o.b, { e: 'e7', o: 3 });
      assert.deepEqual(calls.filter((c) => c[0] === H.FRAME), [], 'handled in JavaScript');
    });
  });

  test('sendFrame: a v2 subscribe carries `since` for a channel with a position; unsubscribe forgets it; v1 sends as is', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      z.o = Object.assign(Object.create(null), { a: { e: 'e1', o: 7 } });
      const sub = '{"type":"subscribe","channel":"a","timestamp":"t"}';
      sendFrame(z, sub, 0);
      assert.equal(ws.sent.at(-1), sub, 'v1: byte for byte');
      z.v2 = true;
      sendFrame(z, sub, 0);
      assert.deepEqual(JSON.parse(ws.sent.at(-1)), { type: 'subscribe', channel: 'a', timestamp: 't', since: { epoch: 'e1', offset: 7 } });
      sendFrame(z, '{"type":"subscribe","channel":"b","timestamp":"t"}', 0);
      assert.equal(JSON.parse(ws.sent.at(-1)).since, undefined, 'no position: no since');
      sendFrame(z, '{"type":"subscribe","channel":"b","timestamp":"t"}', 0);
      assert.deepEqual(JSON.parse(ws.sent.at(-1)).since, { epoch: null, offset: 0 },
        'subscribed never came: the resubscribe asks from nothing, and the server reports the gap');
      forgetPosition(z, 'a');
      assert.equal('a' in z.o, false, 'unsubscribe() forgets the position');
      assert.equal(z.st, null, 'no stream: no map');
      sendFrame(z, '{"type":"message","channel":"a","data":1}', 5);
      assert.equal(ws.sent.at(-1), '{"id":5,"type":"message","channel":"a","data":1}');
    });
  });
});

describe('protocol v2 in the listener: acknowledgements taken without wasm, duplicates of re-sent messages', () => {
  const echo = (seq, ack, extra = {}) => JSON.stringify({ ack, type: 'message', channel: 'chat', data: { seq }, ...extra });

  test('an echo with `ack` and a cumulative `ack` are counted and kept for the core (z.u), with no sink call', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient({ gen: 3 });
      z.v2 = true;
      const got = [];
      handlerOn(z, 'chat', (d) => got.push(d.seq), false);
      frame(ws, echo(1, 4));
      frame(ws, echo(2, 5));
      assert.deepEqual(got, [1, 2], 'the echo reaches the handlers as any channel message');
      assert.deepEqual([z.u, z.n], [5, 2]);
      frame(ws, JSON.stringify({ type: 'ack', upTo: 9 }));
      assert.deepEqual([z.u, z.n], [9, 3], 'a cumulative ack: counted as a frame, no wasm');
      frame(ws, JSON.stringify({ type: 'ack', upTo: 7 }));
      assert.equal(z.u, 9, 'an older one changes nothing');
      assert.deepEqual(calls, []);
      const out = [0, 0, 0, 0, 0];
      assert.equal(takeCounts(z, out), 4);
      assert.deepEqual(out.slice(3), [9, 3]);
      assert.equal(z.u, 0);
    });
  });

  test('the core hears it at once (CREDIT) while a callback waits or it asked (ackEager); one-by-one acks and v1 go to wasm', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient({ id: 4, gen: 2 });
      z.v2 = true;
      ackOn(z, 8, () => {});
      frame(ws, echo(1, 8));
      assert.deepEqual(calls, [[H.CREDIT, 4, 2]]);
      z.k.clear();
      calls.length = 0;
      ackEager(z, true);
      frame(ws, JSON.stringify({ type: 'ack', upTo: 9 }));
      assert.deepEqual(calls, [[H.CREDIT, 4, 2]]);
      ackEager(z, false);
      calls.length = 0;
      const one = JSON.stringify({ type: 'ack', id: 10 });
      frame(ws, one);
      assert.deepEqual(calls.map((c) => c.slice(0, 4)), [[H.FRAME, 4, 2, V.ACK]], 'an ack of one id (a refusal, a reply) goes to wasm');
      z.v2 = false;
      calls.length = 0;
      z.u = 0;
      frame(ws, echo(3, 11));
      assert.equal(z.u, 0, 'on a v1 link `ack` means nothing');
      frame(ws, JSON.stringify({ type: 'ack', upTo: 12 }));
      assert.deepEqual(calls.map((c) => c[3]), [V.ACK], 'nor is a cumulative ack taken there');
    });
  });

  test('on a v2 link, null, primitives and arrays still go to wasm as bad frames (the presence branch reads nothing from them)', () => {
    withWebSocket(() => {
      const { z, ws, calls } = openClient();
      z.v2 = true;
      for (const text of ['null', '7', '"x"', '[1]']) frame(ws, text);
      assert.deepEqual(calls.map((c) => c[0]), [H.FRAME, H.FRAME, H.FRAME, H.FRAME]);
      assert.deepEqual(calls.map((c) => c[3]), [V.NOT_OBJECT, V.NOT_OBJECT, V.NOT_OBJECT, V.NOT_OBJECT]);
    });
  });

  test('a message re-sent after a server restart (same origin, id at or below the last seen) is dropped and counted', () => {
    withWebSocket(() => {
      const { z, ws } = openClient();
      const got = [];
      handlerOn(z, 'chat', (d) => got.push(d.seq), false);
      const m = (seq, origin, id) => JSON.stringify({ type: 'message', channel: 'chat', data: { seq }, origin, id });
      for (const [seq, origin, id] of [[1, 'A', 1], [2, 'A', 2], [10, 'B', 1], [2, 'A', 2], [1, 'A', 1], [3, 'A', 3], [11, 'B', 2], [10, 'B', 1]]) {
        frame(ws, m(seq, origin, id));
      }
      assert.deepEqual(got, [1, 2, 10, 3, 11]);
      assert.equal(z.dp, 3);
      frame(ws, JSON.stringify({ type: 'message', channel: 'chat', data: { seq: 99 } }));
      assert.deepEqual(got.at(-1), 99, 'without origin (a server broadcast, a v1 sender) always delivered');
    });
  });

  test('fresh remembers up to 1024 (sender, channel) pairs, forgetting the oldest first; channels apart', () => {
    const z = createClient(1, MAX);
    for (let i = 0; i < 1024; i++) assert.equal(fresh(z, 'c', `o${i}`, 5), true);
    assert.equal(fresh(z, 'c', 'o0', 5), false);
    assert.equal(fresh(z, 'c', 'new', 1), true);
    assert.equal(z.d.size, 1024);
    assert.equal(fresh(z, 'c', 'o0', 5), true, 'the oldest went: a forgotten sender starts afresh');
    assert.equal(fresh(z, 'c', 'x', 1.5), true, 'not a whole id: not filtered');
    // A replay after a reconnect comes channel by channel: id 2 on one channel, then id 1 on another.
    const y = createClient(1, MAX);
    assert.equal(fresh(y, 'dA', 'S', 2), true);
    assert.equal(fresh(y, 'dB', 'S', 1), true, 'an older id of the same sender on another channel is not a duplicate');
    assert.equal(fresh(y, 'dB', 'S', 1), false);
  });
});
