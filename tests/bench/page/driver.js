// The in-page half of the benchmarks (bundled by run.mjs with one adapter per client into .tmp/bench/<client>.js).
// Every client page runs the same scenarios through the same driver; only the adapter differs. The driver is
// driven by run.mjs through page.evaluate(() => __bench.<fn>(...)); every wait here has its own timeout, since
// page.evaluate itself never times out.
//
// An adapter is {name, init?(): Promise, create({ws, sio, userId, echo, onConnected}) -> client, wasmBytes?()},
// and a client is {on(channel, fn), subscribe(channel), send(channel, data) -> bool, close()}.
// Handlers receive the message's `data`, as each SDK routes it (by the frame's `channel`, or socket.io's event name).

/** When this module started to run (ms since navigation start): after its static imports (the SDK) loaded. */
const T_EVAL = performance.now();

function deadline(ms, what) {
  let timer;
  const p = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return { p, clear: () => clearTimeout(timer) };
}

async function within(ms, what, promise) {
  const d = deadline(ms, what);
  try {
    return await Promise.race([promise, d.p]);
  } finally {
    d.clear();
  }
}

/** The wire text of a channel message as the reference server sends it (adapters with another protocol override). */
const refFrame = (channel, data) => JSON.stringify({ type: 'message', channel, data, timestamp: new Date().toISOString() });

export function start(adapter) {
  const q = new URLSearchParams(location.search);
  const servers = { ws: q.get('ws'), sio: q.get('sio') };

  // The synthetic-dispatch scenario needs the client's own WebSocket object: every SDK sends through
  // WebSocket.prototype.send (its `subscribe` frame), so a patched send records `this`, and is then restored so that
  // nothing else is measured through the patch.
  const sockets = new Set();
  const nativeSend = WebSocket.prototype.send;
  const capturing = (on) => {
    WebSocket.prototype.send = on
      ? function send(data) {
        sockets.add(this);
        return nativeSend.call(this, data);
      }
      : nativeSend;
  };

  // Inbound counting: a handler on channel `bench` that reads only what it must (the timestamps of the first and
  // the expected last message, and the sequence number to catch loss or reordering).
  const inbound = { n: 0, expect: 0, first: 0, last: 0, bad: 0, done: null };
  const onBench = (d) => {
    const i = inbound.n++;
    if (i === 0) inbound.first = performance.now();
    if (d.seq !== i) inbound.bad++;
    if (inbound.n === inbound.expect) {
      inbound.last = performance.now();
      inbound.done?.();
    }
  };
  // Round trips: the echo of the message in flight resolves its wait.
  let rttWait = null;
  const onRtt = (d) => {
    if (rttWait && d.seq === rttWait.seq) rttWait.resolve(performance.now());
  };
  // Outbound: the server sends one `ack` message once it has read the last message of a burst.
  let ackWait = null;
  let acked = null;
  const onAck = (d) => ackWait?.resolve({ t: performance.now(), n: d.n, bytes: d.bytes });

  let main = null; // the client of the throughput and latency scenarios
  let synthetic = null; // the MessageEvents prepared for runSynthetic
  let many = []; // the clients of the memory scenario

  function open({ userId, echo = false, channels = [], timeoutMs = 10_000 }) {
    let connected;
    const ready = new Promise((resolve) => { connected = resolve; });
    const client = adapter.create({ ...servers, userId, echo, onConnected: () => connected() });
    client.on('bench', onBench);
    client.on('rtt', onRtt);
    client.on('ack', onAck);
    return within(timeoutMs, `${adapter.name} ${userId} connected`, ready).then(() => {
      for (const ch of channels) client.subscribe(ch);
      return client;
    });
  }

  const api = {
    name: adapter.name,
    tEval: T_EVAL,

    async init() {
      await adapter.init?.();
    },

    /** Opens the main client; with `capture`, records its WebSocket (for dispatchSynthetic) as it subscribes. */
    async openMain({ capture = false, ...opts }) {
      await api.init();
      main?.close(); // a page may run several scenarios (the smoke run): one main client at a time
      main = null;
      sockets.clear();
      capturing(capture);
      try {
        main = await open(opts);
      } finally {
        capturing(false);
      }
      return true;
    },

    /** Arms the inbound counter for `count` messages (call before the flood starts). */
    expectInbound(count) {
      Object.assign(inbound, { n: 0, expect: count, first: 0, last: 0, bad: 0, done: null });
      return true;
    },

    /** Waits until the armed count arrived: {received, first, last, bad}. */
    async waitInbound(timeoutMs) {
      if (inbound.n < inbound.expect) {
        const arrived = new Promise((resolve) => { inbound.done = resolve; });
        try {
          await within(timeoutMs, `${adapter.name}: ${inbound.expect} inbound messages (got ${inbound.n})`, arrived);
        } catch (e) {
          return { received: inbound.n, first: inbound.first, last: inbound.last, bad: inbound.bad, error: String(e) };
        }
      }
      return { received: inbound.n, first: inbound.first, last: inbound.last, bad: inbound.bad };
    },

    /**
     * Sends `count` messages on `channel` in one synchronous loop; the server acks the last one (see waitAck).
     * Returns {t0, tCalls, refused}, in this page's clock.
     */
    burst({ count, channel, textLen = 60 }) {
      const text = 'x'.repeat(textLen);
      acked = new Promise((resolve) => { ackWait = { resolve }; });
      let refused = 0;
      const t0 = performance.now();
      for (let seq = 0; seq < count; seq++) {
        if (main.send(channel, { seq, text }) === false) refused++;
      }
      return { t0, tCalls: performance.now(), refused };
    },

    /** Waits for the server's ack of the last burst: {tAck, serverCount}. */
    async waitAck(timeoutMs) {
      try {
        const ack = await within(timeoutMs, `${adapter.name}: server ack`, acked);
        return { tAck: ack.t, serverCount: ack.n, serverBytes: ack.bytes };
      } catch (e) {
        return { tAck: NaN, serverCount: -1, error: String(e) };
      } finally {
        ackWait = null;
      }
    },

    /**
     * Acknowledged sends: `count` messages on `channel` in one synchronous loop, each with the client's
     * acknowledgement callback; resolves when every one is acknowledged. Returns {t0, tLast, failed}.
     */
    async ackedBurst({ count, channel, textLen = 60, timeoutMs }) {
      const text = 'x'.repeat(textLen);
      let n = 0;
      let failed = 0;
      let tLast = 0;
      let resolve;
      const all = new Promise((r) => { resolve = r; });
      const t0 = performance.now();
      for (let seq = 0; seq < count; seq++) {
        main.sendAcked(channel, { seq, text }, (ok) => {
          if (!ok) failed++;
          if (++n === count) {
            tLast = performance.now();
            resolve();
          }
        });
      }
      await within(timeoutMs, `${adapter.name}: ${count} acknowledgements`, all);
      return { t0, tLast, failed };
    },

    /** `count` sequential acknowledged sends after `warmup`: the time from each send to its acknowledgement, ms. */
    async ackedRoundTrips({ count, warmup, timeoutMs }) {
      const times = [];
      const d = deadline(timeoutMs, `${adapter.name}: ${warmup + count} acknowledged round trips`);
      try {
        for (let seq = 0; seq < warmup + count; seq++) {
          const t0 = performance.now();
          const t1 = await Promise.race([new Promise((r) => main.sendAcked('acked-rtt', { seq }, () => r(performance.now()))), d.p]);
          if (seq >= warmup) times.push(t1 - t0);
        }
      } finally {
        d.clear();
      }
      return times;
    },

    /**
     * `count` sequential round trips through channel `rtt` (the server echoes to us): the times in ms. One deadline
     * for the whole series (no timer per round trip, which would be measured too).
     */
    async roundTrips({ count, warmup, timeoutMs }) {
      const times = [];
      const d = deadline(timeoutMs, `${adapter.name}: ${warmup + count} round trips`);
      try {
        for (let seq = 0; seq < warmup + count; seq++) {
          const back = new Promise((resolve) => { rttWait = { seq, resolve }; });
          const t0 = performance.now();
          main.send('rtt', { seq });
          const t1 = await Promise.race([back, d.p]);
          if (seq >= warmup) times.push(t1 - t0);
        }
      } finally {
        d.clear();
        rttWait = null;
      }
      return times;
    },

    /**
     * The client's own cost per inbound message, without the network: `count` channel messages of about `size`
     * bytes, as its server would send them, made into MessageEvents here (not measured), then dispatched on the
     * client's WebSocket in one synchronous loop by runSynthetic (measured, in its own evaluate, so that run.mjs can
     * read the main thread's CPU time around it).
     */
    prepareSynthetic({ count, size, channel = 'bench' }) {
      if (sockets.size !== 1) throw new Error(`${adapter.name}: expected one captured WebSocket, got ${sockets.size}`);
      const frame = adapter.frame ?? refFrame;
      const base = frame(channel, { seq: count - 1, pad: '' }).length;
      const pad = 'x'.repeat(Math.max(0, size - base));
      synthetic = [];
      for (let seq = 0; seq < count; seq++) synthetic.push(new MessageEvent('message', { data: frame(channel, { seq, pad }) }));
      api.expectInbound(count);
      return true;
    },

    /**
     * Dispatches the prepared events, timed until the handler has seen the last one (socket.io-client hands decoded
     * packets on in microtasks, after the loop). Returns {ms, received, bad}.
     */
    async runSynthetic({ timeoutMs = 30_000 } = {}) {
      const [socket] = sockets;
      const events = synthetic;
      synthetic = null;
      const t0 = performance.now();
      for (let i = 0; i < events.length; i++) socket.dispatchEvent(events[i]);
      const r = await api.waitInbound(timeoutMs);
      return { ms: r.last - t0, received: r.received, bad: r.bad, error: r.error };
    },

    /** Opens `count` more clients, each subscribed to `channel`, and waits until all are connected. */
    async openMany({ prefix, count, channel, timeoutMs }) {
      const opened = [];
      for (let i = 0; i < count; i++) {
        opened.push(open({ userId: `${prefix}-${i}`, channels: [channel], timeoutMs }).then((c) => many.push(c)));
      }
      await Promise.all(opened);
      return many.length;
    },

    wasmBytes() {
      return adapter.wasmBytes?.() ?? 0;
    },

    closeAll() {
      for (const c of many) c.close();
      many = [];
      main?.close();
      main = null;
      return true;
    },
  };
  window.__bench = api;

  // The connect scenario: construct at once (as a page's own script would) and stamp the `connected` event.
  if (q.get('scenario') === 'connect') {
    (async () => {
      try {
        await api.init();
        adapter.create({
          ...servers,
          userId: q.get('userId') ?? 'connect',
          echo: false,
          onConnected: () => {
            window.__connected ??= performance.now();
          },
        });
      } catch (e) {
        window.__connectError = String(e?.stack ?? e);
      }
    })();
  }
}
