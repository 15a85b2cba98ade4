// The in-page half of fuzz.test.mjs: `fuzzPage` is handed to Playwright's `page.evaluate` (so it is
// serialised and must only use what it defines itself and the page's globals: `ZantaraWebSocket`).
//
// A seeded PRNG (mulberry32) drives `calls` API calls on a few clients with hostile arguments (revoked
// proxies, throwing traps and getters, `toJSON` that calls methods of the same or another client,
// symbols, BigInt, cyclic objects, huge and lone-surrogate strings, functions, null/undefined, NaN, -0,
// Infinity), from the top level and from inside handlers (connected, message, channel events, state,
// error, disconnected) and `toJSON`s, `free()` at random points (then calls on the freed client),
// connect/disconnect storms, page events (`offline`, `online`, `pagehide`, `pageshow`) and server-side
// drops. Every call's outcome is checked: it returns, or throws an `Error` whose `code` is one of the
// SDK's. Returns the outcome counts, the failures and the last calls made.

/* global ZantaraWebSocket -- this function runs in the page, where the script-tag build defines it */

/**
 * @param {{seed: number, calls: number, url: string, http: string, prefix: string, codes: string[]}} args
 *   `url` the WebSocket URL, `http` the server's origin (control routes), `prefix` of every userId,
 *   `codes` the error codes a call may throw.
 * @returns {Promise<{made: number, ran: number, clients: number, outcomes: object, failures: string[],
 *   failed: number, last: string[]}>} `last`: the calls before the first failure (else the last calls).
 */
export async function fuzzPage({ seed, calls, url, http, prefix, codes }) {
  // ----- the PRNGs and their helpers. The main loop's own choices draw from `main`, everything
  // decided inside handlers and toJSONs from `side`, so that the main loop's sequence of calls does
  // not depend on when socket events arrive (a rerun of a seed is close, not identical).
  const mulberry32 = (a) => () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const main = mulberry32(seed >>> 0);
  const side = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  let inMain = false; // the main loop is running (not awaiting)
  const rnd = () => (inMain && depth === 0 ? main() : side());
  const int = (n) => Math.floor(rnd() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rnd() < p;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ----- the record: outcome counts, failures, the last calls
  const known = new Set(codes);
  const outcomes = {};
  const failures = [];
  const last = [];
  const firstFailureLast = [];
  window.fuzzLast = last; // for a debugger when the page hangs
  let made = 0;
  let ran = 0; // handlers that ran
  const count = (key) => { outcomes[key] = (outcomes[key] ?? 0) + 1; };
  const note = (text) => {
    last.push(`#${made} ${text}`);
    if (last.length > 30) last.shift();
  };
  const describeValue = (v) => {
    try {
      if (typeof v === 'string') return v.length > 24 ? `string(${v.length})` : JSON.stringify(v);
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
      return v === null || typeof v !== 'object' ? String(v) : 'object';
    } catch {
      return 'unprintable';
    }
  };

  // ----- clients; calls on any of them (freed ones included) go through `call`
  const clients = [];
  let created = 0;
  const created_ = {}; // name -> how it was created
  const CHANNELS = ['fz-a', 'fz-b', 'fz-c'];
  const RESERVED = ['connected', 'disconnected', 'error', 'message', 'reconnecting', 'reconnect_failed', 'state', 'pong'];
  const members = [];
  for (let p = ZantaraWebSocket.prototype; p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === 'constructor' || key.startsWith('__') || members.some((m) => m.key === key)) continue;
      members.push({ key, get: Boolean(Object.getOwnPropertyDescriptor(p, key).get) });
    }
  }
  let depth = 0; // calls nested in handlers and toJSONs
  let stopped = false; // set at the end: handlers and toJSONs call nothing more
  let inTask = 0; // calls made in the current task (reset by a timer, which runs only between tasks)
  const RUNAWAY = 2000; // calls in one task that mean a synchronous loop

  /** Runs `f` as the SDK call `what`, checks and counts its outcome. False when it was not run. */
  function call(what, f, { always = false } = {}) {
    if (stopped && !always) return false;
    if (inTask++ === 0) setTimeout(() => { inTask = 0; }, 0);
    if (inTask > RUNAWAY) {
      // Page code that calls again from each event the call causes (a `state` handler that calls
      // connect() on `closed`, say) keeps the page's thread busy for good if the SDK answers each
      // call synchronously: refuse the call to end the loop, and fail (once per loop).
      const client = made > 0 ? `; ${created_[what.split('.')[0]] ?? ''}` : '';
      if (inTask === RUNAWAY + 1 && failures.push(`${RUNAWAY} calls in one task: a synchronous loop, at ${what}${client}`) === 1) {
        firstFailureLast.push(...last);
      }
      return false;
    }
    made++;
    note(`${'  '.repeat(depth)}${what}`);
    depth++;
    const refused = (e, how) => {
      const code = e instanceof Error && typeof e.code === 'string' ? e.code : undefined;
      // A promise may also reject with the server's refusal: its code and `reason` are the server's.
      const server = how === 'rejected with' && code !== undefined && typeof e.reason === 'string';
      if ((code === undefined || !(known.has(code) || server)) && failures.push(`${what} ${how} ${e?.name}: ${e?.message}`) === 1) {
        firstFailureLast.push(...last);
      }
      count(code ?? `uncoded ${e?.name}`);
    };
    try {
      const r = f();
      count('returned');
      // A promise (sendWithAck) must settle with a result or a coded SDK error, like any call.
      if (r instanceof Promise) r.then(() => count('resolved'), (e) => refused(e, 'rejected with'));
    } catch (e) {
      refused(e, 'threw');
    } finally {
      depth--;
    }
    return true;
  }

  // ----- hostile values, built fresh each time
  const huge = 'h'.repeat(1 << 20);
  const throwing = (what) => () => { throw new Error(`fuzz: ${what}`); };
  const values = [
    () => undefined, () => null, () => NaN, () => -0, () => Infinity, () => -Infinity, () => 7, () => 2 ** 53,
    () => 1n, () => Symbol('fz'), () => true, () => '', () => '\uD800', () => 'a\uDFFFb', () => 'x'.repeat(300),
    () => huge, () => 'é'.repeat(200), () => '__proto__', () => 'constructor', () => pick(RESERVED),
    () => pick(CHANNELS), () => pick(CHANNELS), () => new String('fz-a'), () => [1, [2]], () => new Date(NaN),
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
    () => new Proxy({}, {
      get: throwing('get trap'), ownKeys: throwing('ownKeys trap'), has: throwing('has trap'),
      getPrototypeOf: throwing('getPrototypeOf trap'), getOwnPropertyDescriptor: throwing('gOPD trap'),
    }),
    () => ({ get x() { throw new Error('fuzz: getter'); }, y: 1 }),
    () => {
      const o = { a: 1 };
      o.self = o;
      return o;
    },
    () => ({ toJSON: () => 2n }),
    () => ({ toJSON: throwing('toJSON') }),
    () => ({ [Symbol.toPrimitive]: throwing('toPrimitive'), toString: throwing('toString') }),
    () => function notAHandler() {},
    // A toJSON (and a getter) that call methods of this or another client, free() included.
    () => ({ toJSON() { if (depth < 3) randomCall(); return 'j'; } }),
    () => ({ get data() { if (depth < 3) randomCall(); return 'g'; } }),
  ];
  const hostile = () => pick(values)();
  const channel = () => (chance(0.6) ? pick(CHANNELS) : hostile());
  const event = () => (chance(0.4) ? pick(RESERVED) : chance(0.5) ? pick(CHANNELS) : hostile());

  /** A handler: records, makes nested calls, throws, frees its client, or is not a function at all. */
  function handler(c) {
    const kinds = [
      () => () => {},
      () => () => { if (depth < 3) randomCall(); },
      () => () => { if (depth < 3) { randomCall(); randomCall(); } },
      () => throwing('handler'),
      () => () => free(c),
      () => (s) => {
        if (s?.to === 'closed' && depth < 3) call(`${c.name}.connect() on closed (${s.reason})`, () => c.ws.connect());
      },
      hostile,
    ];
    const h = pick(kinds)();
    return typeof h === 'function' ? (payload) => { ran++; return h(payload); } : h;
  }

  // The token option: [what it is, the value].
  const tokens = [
    ['none', () => undefined], ['a string', () => 'tok en&=é'], ['fn -> string', () => () => 'fn-token'],
    ['fn -> resolved', () => () => Promise.resolve('p-token')],
    ['fn -> resolved later', () => () => new Promise((resolve) => setTimeout(() => resolve('late'), int(30)))],
    ['fn -> rejected', () => () => Promise.reject(new Error('fuzz: token rejected'))],
    ['fn throws', () => throwing('token function')],
    ['fn -> then getter throws', () => () => ({ get then() { throw new Error('fuzz: then getter'); } })],
    ['fn -> 42', () => () => 42], ['hostile', hostile],
  ];

  /** Options for a new client, and a short description of them for the record. */
  function options() {
    if (chance(0.05)) return [hostile(), 'hostile'];
    const [tokenKind, token] = pick(tokens);
    const o = {
      wsUrl: chance(0.92) ? url : pick(['ws://127.0.0.1:1/refused', 'not a url', hostile()]),
      reconnectInterval: pick([5, 20, 50]), maxReconnectInterval: 100, jitter: rnd(), stableAfter: pick([0, 50]),
      autoConnect: chance(0.8), autoReconnect: chance(0.8), maxReconnectAttempts: pick([0, 2, 5, Infinity]),
      heartbeatInterval: pick([0, 100, 200]), heartbeatTimeout: pick([0, 150, 300]), welcomeTimeout: pick([0, 50]),
      connectTimeout: pick([100, 500]), maxQueuedMessages: pick([0, 3, 100]), token: token(),
    };
    if (chance(0.2)) o.closeCodes = chance(0.5) ? { 4001: 'stop', 1011: pick(['reconnect', 'slow', 'stop']) } : hostile();
    if (chance(0.1)) o[pick(['extra', 'role', 'maxFrameSize', 'backoff'])] = hostile();
    const text = `{wsUrl: ${o.wsUrl === url ? 'the server' : describeValue(o.wsUrl)}, token: ${tokenKind}, ` +
      `autoConnect: ${o.autoConnect}, autoReconnect: ${o.autoReconnect}, maxReconnectAttempts: ${o.maxReconnectAttempts}, …}`;
    return [o, text];
  }

  function create() {
    const name = `c${created}`;
    const userId = chance(0.95) ? `${prefix}-${created}` : hostile();
    created++;
    const c = { name, ws: null, freed: false };
    const [o, text] = options();
    created_[name] = `new ${name}(${describeValue(userId)}, ${text})`;
    call(created_[name], () => {
      c.ws = new ZantaraWebSocket(userId, o);
    });
    if (c.ws === null) return;
    clients.push(c);
    // Keep a few freed clients for calls on them; forget older ones (every one was freed already).
    const freed = clients.filter((x) => x.freed);
    if (freed.length > 6) clients.splice(clients.indexOf(freed[0]), 1);
    for (const e of ['connected', 'message', 'state', 'error', 'disconnected', pick(CHANNELS)]) {
      if (chance(0.6)) call(`${name}.on(${e})`, () => c.ws.on(e, handler(c)));
    }
  }

  /** `free()` (or `[Symbol.dispose]()`) of client `c`. */
  function free(c, how = 'free', opts = {}) {
    const what = `${c.name}.${how === 'free' ? 'free()' : '[Symbol.dispose]()'}`;
    if (call(what, () => (how === 'free' ? c.ws.free() : c.ws[Symbol.dispose]()), opts)) c.freed = true;
  }

  /** One random API call on a random client (mostly live ones, sometimes freed ones). */
  function randomCall() {
    const live = clients.filter((c) => !c.freed);
    if (clients.length === 0 || (depth === 0 && live.length < 4 && chance(0.05))) return create();
    const c = live.length > 0 && chance(0.9) ? pick(live) : pick(clients);
    const r = rnd();
    if (r < 0.006) return free(c);
    if (r < 0.008) return free(c, 'dispose');
    if (r < 0.35) {
      const [ch, data] = chance(0.7) ? [pick(CHANNELS), { n: made, from: c.name }] : [channel(), hostile()];
      return call(`${c.name}.sendMessage(${describeValue(ch)}, ${describeValue(data)})`, () => c.ws.sendMessage(ch, data));
    }
    let m = r < 0.45 ? members.find((x) => x.key === 'subscribe') : pick(members);
    if (m.key === 'free' || (m.key === 'shutDown' && chance(0.8))) m = members.find((x) => x.key === 'connect');
    if (m.get) return call(`${c.name}.${m.key}`, () => c.ws[m.key]);
    const args = {
      sendMessage: () => [channel(), hostile()],
      sendWithAck: () => [channel(), hostile(), chance(0.5) ? { timeout: 50 } : hostile()],
      request: () => [chance(0.5) ? 'echo' : channel(), hostile(), chance(0.5) ? { timeout: 50 } : hostile()],
      subscribe: () => [channel()],
      unsubscribe: () => [channel()],
      on: () => [event(), handler(c)],
      once: () => [event(), handler(c)],
      off: () => [event(), chance(0.5) ? undefined : hostile()],
    }[m.key]?.() ?? (chance(0.2) ? [hostile()] : []);
    return call(`${c.name}.${m.key}(${args.map(describeValue).join(', ')})`, () => c.ws[m.key](...args));
  }

  function storm() {
    const live = clients.filter((x) => !x.freed);
    const c = live.length > 0 ? pick(live) : pick(clients);
    for (let i = 0, n = 10 + int(40); i < n; i++) {
      const m = i % 2 ? 'disconnect' : 'connect';
      call(`${c.name}.${m}() (storm)`, () => c.ws[m]());
    }
  }

  const post = (route, body) => fetch(`${http}${route}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  }).catch(() => {});

  // ----- the run
  const pageEvents = ['offline', 'online', 'pagehide', 'pageshow'];
  while (made < calls) {
    inMain = true;
    const r = rnd();
    if (r < 0.01 && clients.length > 0) {
      storm();
    } else if (r < 0.025) {
      const e = pick(pageEvents);
      note(`window: ${e}`);
      window.dispatchEvent(e.startsWith('page') ? new PageTransitionEvent(e, { persisted: true }) : new Event(e));
    } else if (r < 0.03 && clients.length > 0) {
      const target = { userId: `${prefix}-${int(created)}` };
      note(`server: terminate ${target.userId}`);
      post('/__control/terminate', { target });
    } else if (r < 0.04) {
      note('server: broadcast');
      post('/call', { key: 'websocket.broadcast', params: { channel: pick(CHANNELS), data: { n: made } } });
    } else {
      randomCall();
    }
    const pause = chance(0.15) ? int(10) : -1;
    inMain = false;
    if (pause >= 0) await sleep(pause);
  }

  // Back to a visible, online page; every client freed.
  stopped = true;
  window.dispatchEvent(new Event('online'));
  window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  await sleep(50);
  for (const c of clients) free(c, 'free', { always: true });
  return { made, ran, clients: created, outcomes, failures: failures.slice(0, 5), failed: failures.length,
    last: failures.length > 0 ? firstFailureLast : last };
}
