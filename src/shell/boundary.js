// The JavaScript half of the shell: what is cheaper or only possible in the JS engine. Inbound
// frames are parsed and classified here once, and channel messages (the bulk of the traffic) are
// counted and dispatched without entering wasm; outbound user messages are encoded by
// `JSON.stringify` and sent from here, so payloads never enter wasm memory.
//
// Every rule here (reserved event names, frame types, verdict and channel-fault codes, the channel
// limit, error messages, the hub's event kinds) is defined in Rust (`src/core/codes.rs`,
// `src/core/error.rs`): `RULES` below is the core's `rules_json()`, kept equal by a native test
// (`ZANTARA_BLESS=1 cargo test --test rules` rewrites it).
//
// Nothing in this file lets an exception escape into wasm, except where the Rust binding is marked
// `catch` (calls that run user code, such as `JSON.stringify` of user data).

import { emit, has, off, on } from './emitter.js';

/** The core's rules. */
// prettier-ignore
export const RULES = /* BEGIN RULES */ {
  "reserved": ["connected", "disconnected", "error", "message", "reconnecting", "reconnect_failed", "state", "pong", "recovery"],
  "types": ["message", "pong", "connected", "ping", "subscribe", "unsubscribe", "ack", "subscribed", "chunk"],
  "verdict": {"MESSAGE": 0, "PONG": 1, "CONNECTED": 2, "PING": 3, "SUBSCRIBE": 4, "UNSUBSCRIBE": 5, "ACK": 6, "SUBSCRIBED": 7, "CHUNK": 8, "NOT_JSON": 9, "NOT_OBJECT": 10, "NO_TYPE": 11, "UNKNOWN_TYPE": 12, "NO_CHANNEL": 13, "BINARY": 14, "TOO_LARGE": 15},
  "channel": {"OK": 0, "NOT_STRING": 1, "LONE_SURROGATE": 2, "TOO_LONG": 3, "RESERVED": 4},
  "channelMaxBytes": 256,
  "errorCodes": ["INVALID_OPTION", "INVALID_ARGUMENT", "INVALID_CHANNEL", "RESERVED_CHANNEL", "INVALID_URL", "MIXED_CONTENT", "QUEUE_FULL", "FRAME_TOO_LARGE", "BAD_FRAME", "UNSERIALIZABLE", "TOKEN_FAILED", "HANDLER_THREW", "SOCKET_FAILED", "FREED", "TIMEOUT", "DISCONNECTED", "REFUSED", "UNSUPPORTED", "ABORTED"],
  "messagePrefix": "ZantaraWebSocket: ",
  "templates": ["option `{0}` must be {1}", "{0}", "channel {0}", "channel `{0}` is named like a built-in event; pick another name", "server URL {0}", "`{0}` is an insecure ws:// URL on an https:// page, which browsers refuse; use wss://", "outbound queue full ({0} messages, {1} bytes); message not queued", "frame of {0} UTF-16 code units exceeds maxFrameSize {1}; discarded", "bad frame ({0}): {1}", "data cannot be sent as JSON: {0}", "token function failed: {0}", "a handler of `{0}` threw", "could not open the socket: {0}", "this client was freed", "no acknowledgement within {0} ms (the message stays queued and may still be delivered)", "the client was freed before the message was acknowledged; it will not be sent", "the server refused the message: {0}", "requests and streams need protocol v2, which this server does not speak; not sent", "aborted"],
  "hub": {"OPEN": 0, "ERROR": 1, "CLOSE": 2, "FRAME": 3, "THROWN": 4, "TIMER": 5, "PAGE": 6, "TOKEN": 7, "CREDIT": 8},
  "closeReactions": ["reconnect", "slow", "stop"],
  "options": [
    {"name": "wsUrl", "kind": "text", "expected": "a string URL (ws://, wss://, http(s):// or /path)"},
    {"name": "autoReconnect", "kind": "bool", "expected": "true or false"},
    {"name": "reconnectInterval", "kind": "number", "min": 1, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 1 to 2147483647"},
    {"name": "maxReconnectAttempts", "kind": "number", "min": 0, "max": 4294967295, "whole": true, "infinity": true, "zeroOff": false, "expected": "a whole number >= 0, or Infinity"},
    {"name": "debug", "kind": "bool", "expected": "true or false"},
    {"name": "backoff", "kind": "choice", "choices": ["linear", "exponential"], "expected": "'linear' or 'exponential'"},
    {"name": "maxReconnectInterval", "kind": "number", "min": 1, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 1 to 2147483647"},
    {"name": "jitter", "kind": "number", "min": 0, "max": 1, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number from 0 to 1"},
    {"name": "stableAfter", "kind": "number", "min": 0, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 0 to 2147483647"},
    {"name": "heartbeatInterval", "kind": "number", "min": 0, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 0 to 2147483647"},
    {"name": "heartbeatTimeout", "kind": "number", "min": 100, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": true, "expected": "0 (off), or a number of milliseconds from 100 to 2147483647"},
    {"name": "role", "kind": "text", "expected": "a string"},
    {"name": "token", "kind": "token", "expected": "a string, or a function returning a string or a Promise of one"},
    {"name": "maxQueuedMessages", "kind": "number", "min": 0, "max": 4294967295, "whole": true, "infinity": false, "zeroOff": false, "expected": "a whole number >= 0"},
    {"name": "maxQueuedBytes", "kind": "number", "min": 0, "max": 4294967295, "whole": true, "infinity": false, "zeroOff": false, "expected": "a whole number >= 0"},
    {"name": "autoConnect", "kind": "bool", "expected": "true or false"},
    {"name": "welcomeTimeout", "kind": "number", "min": 0, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 0 to 2147483647"},
    {"name": "maxFrameSize", "kind": "number", "min": 1, "max": 4294967295, "whole": true, "infinity": false, "zeroOff": false, "expected": "a whole number >= 1"},
    {"name": "closeCodes", "kind": "closeCodes", "expected": "an object mapping close codes 1000-4999 to 'reconnect', 'slow' or 'stop'"},
    {"name": "connectTimeout", "kind": "number", "min": 1, "max": 2147483647, "whole": false, "infinity": false, "zeroOff": false, "expected": "a number of milliseconds from 1 to 2147483647"},
    {"name": "WebSocket", "kind": "constructor", "expected": "a WebSocket constructor (a function)"}
  ]
} /* END RULES */;

/** @type {{reserved: Set<string>, kind: Map<string, number>, V: Record<string, number>, C: Record<string, number>, H: Record<string, number>, message: string, maxBytes: number, prefix: string, templates: string[], codes: string[], options: object[], reactions: string[]}} */
let R = null;

/**
 * Installs `rules` (an object shaped like RULES; done once at load, and by the unit tests).
 * @param {typeof RULES} rules
 */
export function setRules(rules) {
  R = {
    reserved: new Set(rules.reserved),
    // A frame type's verdict code is its index in `types` (see Verdict in codes.rs).
    kind: new Map(rules.types.map((t, i) => [t, i])),
    V: rules.verdict,
    C: rules.channel,
    H: rules.hub,
    // The `type` of a channel message (the frame type with verdict MESSAGE).
    message: rules.types[rules.verdict.MESSAGE],
    maxBytes: rules.channelMaxBytes,
    prefix: rules.messagePrefix,
    templates: rules.templates,
    codes: rules.errorCodes,
    options: rules.options,
    reactions: rules.closeReactions,
  };
}
setRules(RULES);

/**
 * Classifies a parsed frame `v` (a value `JSON.parse` returned): the verdict code of its type, or
 * of what is wrong with it.
 */
export function classify(v) {
  const { V } = R;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return V.NOT_OBJECT;
  const t = v.type;
  if (typeof t !== 'string') return V.NO_TYPE;
  const k = R.kind.get(t);
  if (k === undefined) return V.UNKNOWN_TYPE;
  if (k === V.MESSAGE && (typeof v.channel !== 'string' || v.channel === '')) return V.NO_CHANNEL;
  return k;
}

/**
 * Reads one inbound frame `d` (a string, or an ArrayBuffer for binary frames) no longer than `max`
 * UTF-16 units: `{verdict, n, v}` with `n` its length (bytes when binary) and `v` the parsed value
 * (undefined when it was not parsed).
 */
export function readFrame(d, max) {
  if (typeof d !== 'string') return { verdict: R.V.BINARY, n: d.byteLength >>> 0, v: undefined };
  const n = d.length;
  if (n > max) return { verdict: R.V.TOO_LARGE, n, v: undefined };
  let v;
  try {
    v = JSON.parse(d);
  } catch {
    return { verdict: R.V.NOT_JSON, n, v: undefined };
  }
  return { verdict: classify(v), n, v };
}

/**
 * Emits `message` (the whole frame) and, for a channel message, the channel's event (its `data`).
 * Returns the handlers' throws as a flat array `[event, thrown[], event, thrown[], ...]`, or null.
 */
export function dispatchFrame(registry, v) {
  let thrown = null;
  const t1 = emit(registry, 'message', v);
  if (t1 !== null) thrown = ['message', t1];
  const c = v.type === R.message ? v.channel : undefined;
  if (c !== undefined && !R.reserved.has(c)) {
    const t2 = emit(registry, c, v.data);
    if (t2 !== null) (thrown ??= []).push(c, t2);
  }
  return thrown;
}

// ---- the hub: one set of socket listeners, one timer and one set of page listeners for every
// client of this module, reporting to the wasm side's one entry point (`sink`, installed once).
// A client's JS state `z` (see `createClient`) is found from its socket as `ws.z`, so a socket
// costs no closure of its own.

/** @type {((kind: number, id: number, gen: number, a?: number, b?: number, v?: any, w?: any) => void) | null} */
let sink = null;

/**
 * Installs the wasm side's entry point (once per module instance): `__zantaraSink` of the module's
 * raw exports, called without wasm-bindgen's glue (its arguments are numbers and JS values, which
 * cross as `externref`). Tests may pass `{__zantaraSink: f}`.
 */
export function install(exports) {
  sink = exports.__zantaraSink;
}

/**
 * A client's JS state: its handler registry `r`, the listener's counts (`n` frames, `b` UTF-16
 * units, `t` the monotonic time the last one arrived), the frame limit `max`, its id on the wasm
 * side, and its socket `ws` with the socket's generation `g` (null and 0 when it has none).
 */
export function createClient(id, max) {
  const z = {
    r: new Map(), n: 0, b: 0, t: 0, max, id, ws: null, g: 0,
    // Protocol v2: the session, acknowledgement callbacks, whether the link is v2, each channel's
    // position (`{e: epoch, o: offset}`), messages replayed and gaps reported (docs/PROTOCOL.md).
    // The maps are made on first use (see `map`): most clients never need some of them, and each
    // costs a connection about a hundred bytes.
    s: sessionId(), k: null, v2: false, o: null, rc: 0, gp: 0,
    // Streams in progress: id -> {f: the chunk callback, last: the last chunk's seq}.
    st: null,
    // The highest acknowledgement the listener took without entering wasm (see `acked`), until
    // `takeCounts` hands it to the core; `e` true while the core wants each one at once (messages
    // wait for room in flight).
    u: 0, e: false,
    // Duplicates dropped (`dp`) and each sender's last message id (`d`: origin -> id, see `fresh`).
    dp: 0, d: null,
    // Presence (src/js/presence.js), made by it: channel -> {f: takes the channel's `presence` and
    // `typing` frames, data: what a v2 `subscribe` of the channel carries, s: a message was sent}.
    ph: null,
    // Failover (`options.wsUrl` a list or a function, see `urlPool`): the pool, else null.
    w: take('w'),
    // The WebSocket constructor (`options.WebSocket`), else null: the global one.
    W: take('W'),
    // Events emitted while the constructor runs, and in the rest of its turn: handed to the handlers
    // from a microtask (`replay`), so that handlers attached right after `new` get them (an error of
    // the first attempt included), in order with any that follow.
    c: [],
  };
  queueMicrotask(() => replay(z));
  made = z;
  return z;
}

/** Hands client `z`'s events of its first turn to its handlers (see `c` in `createClient`). */
function replay(z) {
  const q = z.c;
  const thrown = [];
  // Handlers may emit more meanwhile: they join the queue, and keep their order.
  for (let i = 0; i < q.length; i += 2) {
    const t = emit(z.r, q[i], q[i + 1]);
    if (t !== null) thrown.push(q[i], t);
  }
  z.c = null;
  if (thrown.length > 0) sink(R.H.THROWN, z.id, z.g, 0, 0, thrown);
}

/** Whether `f` can be called with `new` (an arrow function cannot), without calling it. */
function isConstructor(f) {
  try {
    Reflect.construct(String, [], f);
    return true;
  } catch {
    return false;
  }
}


/**
 * What the constructor hands the next `createClient` (then cleared): `w` the URL pool (set by
 * src/js/client.js around the generated constructor), `W` the `WebSocket` option (set by `readOptions`).
 */
const handOver = { w: null, W: null };

/** Sets the pool the next client created takes (null: none). */
export function setPool(p) {
  handOver.w = p;
}

function take(key) {
  const v = handOver[key];
  handOver[key] = null;
  return v;
}


/**
 * `options.wsUrl` as a list of URLs or a function returning one, called before each connect (for a
 * cluster: Phoenix's and centrifuge-js' endpoint lists): null for anything else (the core checks a
 * string). Else the pool `{l: the resolved URLs, f: the function, i: the next index, b: the base}`:
 * the first URL is picked at random, and each later attempt another one at random (never the same
 * twice in a row), so a failed node moves the client on and the clients of a node that died spread
 * over the others, with the usual backoff and jitter between attempts. `b` is the URL the core is given (it adds the query);
 * `openSocket` puts the chosen URL in its place. Throws the `INVALID_URL` TypeError of an empty
 * list or of its first bad entry.
 */
export function urlPool(options) {
  let v;
  try {
    v = options?.wsUrl;
  } catch {
    return null; // a hostile options object: the core reports it
  }
  if (typeof v === 'function') return { l: null, f: v, i: 0, b: 'ws://127.0.0.1/' };
  if (!Array.isArray(v)) return null;
  if (v.length === 0) throw urlError('INVALID_URL', 'is an empty list');
  const l = [];
  for (let k = 0; k < v.length; k++) {
    // Every slot (a hole is undefined); an empty string would mean the page's own /ws, which no list means.
    const u = v[k];
    const r = typeof u === 'string' && u.trim() ? resolveUrl(u) : urlError('INVALID_URL', `[${k}] is not a URL string`);
    if (typeof r !== 'string') throw r;
    l.push(r);
  }
  return { l, f: null, i: Math.floor(Math.random() * l.length), b: l[0] };
}

/**
 * The URL of pool `w`'s next attempt with the query the core added to `url` (its base `w.b` plus
 * the query), or an `Error` when the function threw or returned what is not a usable URL (that
 * attempt fails; the next one comes after the backoff).
 */
function nextUrl(w, url) {
  const q = url.slice(w.b.length).replace(/^[?&]/, '');
  let next;
  if (w.f === null) {
    next = w.l[w.i];
    // The next attempt: another entry at random, so the clients of a node that died spread over the others.
    const n = w.l.length;
    w.i = (w.i + 1 + Math.floor(Math.random() * (n - 1))) % n;
  } else {
    try {
      const v = w.f();
      next = typeof v === 'string' ? resolveUrl(v) : urlError('INVALID_URL', `() returned no string (${typeof v})`);
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    if (typeof next !== 'string') return next;
  }
  if (q === '') return next;
  return next + (next.includes('?') ? (/[?&]$/.test(next) ? '' : '&') : '?') + q;
}

/** The JS state `createClient` made last (src/js/client.js takes its own right after construction). */
let made = null;
export function takeMade() {
  const z = made;
  made = null;
  return z;
}

/** Client `z`'s map `key` (`k` callbacks, `st` streams), made on first use. */
function map(z, key) {
  return (z[key] ??= new Map());
}

/**
 * Client `z`'s channel positions, made on first use: a null-prototype object by channel name (for
 * the few channels a client has, smaller than a Map; any name is a safe key on it).
 */
function positions(z) {
  return (z.o ??= Object.create(null));
}

/**
 * A new session id for protocol v2 (`docs/PROTOCOL.md`): 20 characters of `[0-9a-z]` from
 * `crypto.getRandomValues` where there is one (`Math.random` otherwise: the id only has to be
 * unique among the server's sessions, it grants nothing).
 */
export function sessionId() {
  const bytes = new Uint8Array(20);
  const c = globalThis.crypto;
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.random() * 256;
  let id = '';
  for (const b of bytes) id += (b % 36).toString(36);
  return id;
}

/** The client of socket `ws` when `ws` is still its socket (else a late event of an old one). */
function owner(ws) {
  const z = ws.z;
  return z !== undefined && z.ws === ws ? z : null;
}

function onOpen() {
  const z = owner(this);
  if (z !== null) sink(R.H.OPEN, z.id, z.g);
}

function onError() {
  const z = owner(this);
  if (z !== null) sink(R.H.ERROR, z.id, z.g);
}

function onClose(e) {
  const z = owner(this);
  if (z !== null) sink(R.H.CLOSE, z.id, z.g, e.code, e.wasClean ? 1 : 0, e.reason);
}

/**
 * The message listener of every socket. A channel message is counted and dispatched here; any
 * other frame goes to the wasm side parsed once (`FRAME` with its verdict, length, value and raw
 * text). What channel handlers threw goes over as `THROWN`.
 */
function onMessage(e) {
  const z = owner(this);
  if (z === null) return;
  const d = e.data;
  if (typeof d !== 'string' || d.length > z.max) {
    const f = readFrame(d, z.max);
    sink(R.H.FRAME, z.id, z.g, f.verdict, f.n, undefined, typeof d === 'string' ? d : undefined);
    return;
  }
  // The hot path, allocation-free: parse once, and dispatch a channel message right here.
  let v;
  try {
    v = JSON.parse(d);
  } catch {
    sink(R.H.FRAME, z.id, z.g, R.V.NOT_JSON, d.length, undefined, d);
    return;
  }
  const c = v?.channel; // undefined for null and primitives
  if (v?.type !== R.message || typeof c !== 'string' || c === '') {
    const verdict = classify(v);
    if (verdict === R.V.SUBSCRIBED && typeof c === 'string') return subscribed(this, z, v, d.length);
    if (verdict === R.V.CHUNK) return chunk(z, v, d.length);
    if (z.v2 && (v?.type === 'presence' || v?.type === 'typing')) {
      // Presence (src/js/presence.js): to the channel's Presence; a late one, after it left, dropped.
      count(z, d.length);
      return z.ph?.get(c)?.f(v);
    }
    if (verdict === R.V.ACK && v.id === undefined && z.v2) {
      // A cumulative acknowledgement: taken here, like a channel message (counted, no wasm).
      count(z, d.length);
      acked(z, v.upTo);
      return;
    }
    sink(R.H.FRAME, z.id, z.g, verdict, d.length, v, d);
    return;
  }
  count(z, d.length);
  // Protocol v2: the echo of one's own message acknowledges it (and every earlier one).
  if (v.ack !== undefined && z.v2) acked(z, v.ack);
  if (typeof v.offset === 'number' && !advance(z, c, v.epoch, v.offset)) return void (z.dp += 1); // a replayed duplicate
  if (v.origin !== undefined && !fresh(z, c, v.origin, v.id)) return void (z.dp += 1); // re-sent after a server restart
  const t = dispatchFrame(z.r, v);
  if (t === null) return;
  // A handler may have dropped this socket (disconnect, free): then the console hears it.
  if (z.ws === this) {
    sink(R.H.THROWN, z.id, z.g, 0, 0, t);
    return;
  }
  for (let i = 1; i < t.length; i += 2) t[i].forEach((x) => consoleError('a handler threw', x));
}

/** Counts a frame of `n` UTF-16 units that client `z`'s listener handled itself (see `takeCounts`). */
function count(z, n) {
  z.n += 1;
  z.b += n;
  z.t = performance.now();
}

/**
 * Moves client `z`'s position in `channel` to `offset` of `epoch` (protocol v2); false when the
 * message is at or before the position in the same epoch: a duplicate of one already delivered (a
 * replay overlapping what arrived live), which is dropped. Only a channel with a position (from its
 * `subscribed` answer) is tracked: a stray message of another channel makes none.
 */
export function advance(z, channel, epoch, offset) {
  const p = z.o?.[channel];
  if (p === undefined) return true;
  if (p.e !== epoch) {
    p.e = epoch;
    p.o = offset;
  } else if (offset <= p.o) {
    return false;
  } else {
    p.o = offset;
  }
  return true;
}

/** How many senders' last message ids a client remembers (`fresh`); the oldest is forgotten first. */
const ORIGINS = 1024;

/**
 * False when message `id` of sender `origin` in `channel` (protocol v2: the server names each
 * sender's session by a public `origin` and stamps its message id) is at or below the last one
 * client `z` saw from it there: the sender re-sent a message the server had already delivered, and
 * the server, restarted, no longer knew it (docs/PROTOCOL.md, "The duplicate filter"). Within one
 * channel a sender's messages arrive in id order (live, and replayed in offset order), so one
 * number per sender and channel is a complete filter; across channels they need not (replays come
 * channel by channel). Up to ORIGINS (sender, channel) pairs are remembered.
 */
export function fresh(z, channel, origin, id) {
  if (typeof origin !== 'string' || !Number.isInteger(id)) return true;
  const d = (z.d ??= new Map());
  const key = `${channel}\n${origin}`;
  const last = d.get(key);
  if (last !== undefined && id <= last) return false;
  if (last === undefined && d.size >= ORIGINS) d.delete(d.keys().next().value);
  d.set(key, id);
  return true;
}

/**
 * Acknowledgement of client `z`'s messages up to `id` (an echo's `ack`, a cumulative `ack`'s
 * `upTo`), taken by the listener: kept in `z.u` for the core, which hears it at its next entry
 * (`takeCounts`: every call that looks at the queue, every wake-up and stats read) and settles
 * callbacks then. Handed over at once (`CREDIT`) when a callback or a waiting message depends on it.
 */
function acked(z, id) {
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) return;
  if (id > z.u) z.u = id;
  if (z.e || (z.k !== null && z.k.size > 0)) sink(R.H.CREDIT, z.id, z.g);
}

/** Whether client `z`'s core wants each acknowledgement at once (`acked`). */
export function ackEager(z, on) {
  z.e = on;
}

/** Forgets client `z`'s position in `channel` (`unsubscribe()`: a later subscribe starts afresh). */
export function forgetPosition(z, channel) {
  if (z.o) delete z.o[channel];
}

/**
 * A `subscribed` frame `v` (protocol v2) on socket `ws` of client `z`: the channel's position
 * (`epoch`, `offset`) is the client's from now on when it had none, the epoch changed, or the server
 * could not replay what was missed; when the client asked to resume (`recovered` is a boolean), the
 * `recovery` event says whether it did (the replayed messages came before this frame). Counted as a
 * frame, like a channel message.
 */
function subscribed(ws, z, v, n) {
  count(z, n);
  const c = v.channel;
  const p = z.o?.[c];
  if (typeof v.epoch === 'string' && Number.isInteger(v.offset) && (p === undefined || p.e !== v.epoch || v.recovered === false)) {
    positions(z)[c] = { e: v.epoch, o: v.offset };
  }
  if (typeof v.recovered !== 'boolean') return;
  const replayed = Number.isInteger(v.replayed) ? v.replayed : 0;
  if (v.recovered) z.rc += replayed;
  else z.gp += 1;
  const t = emit(z.r, 'recovery', { channel: c, recovered: v.recovered, replayed });
  if (t !== null && z.ws === ws) sink(R.H.THROWN, z.id, z.g, 0, 0, ['recovery', t]);
}

/**
 * A `chunk` frame `v` of a stream (protocol v2): handed to the stream's callback once, in order (a
 * chunk at or before the last one, replayed after a reconnect, is dropped). Counted as a frame.
 */
function chunk(z, v, n) {
  count(z, n);
  const st = z.st?.get(v.id);
  if (st === undefined || !Number.isInteger(v.seq) || v.seq <= st.last) return;
  st.last = v.seq;
  try {
    st.f(v.data);
  } catch (e) {
    consoleError('a stream consumer threw', e);
  }
}

/** Registers `f` as the chunk callback of client `z`'s stream `id`. */
export function streamOn(z, id, f) {
  map(z, 'st').set(id, { f, last: 0 });
}

/** Tells the server that client `z` gave up request or stream `id`, when its socket is open. */
export function sendCancel(z, id) {
  z.st?.delete(id);
  const ws = z.ws;
  if (ws === null || ws.readyState !== 1) return;
  try {
    ws.send(`{"type":"cancel","id":${id}}`);
  } catch {
    // A closing socket: the server forgets the stream with the session.
  }
}

/**
 * Opens client `z`'s socket for generation `gen` (binary frames as ArrayBuffer: Blob payloads
 * convert through a promise and can reorder messages). Returns null, or a description of what
 * `new WebSocket` threw (redacted).
 */
export function openSocket(z, url, gen) {
  let ws;
  if (z.w !== null) {
    const u = nextUrl(z.w, url);
    if (typeof u !== 'string') return redact(u.message);
    url = u;
  }
  try {
    ws = new (z.W ?? WebSocket)(url);
  } catch (e) {
    return redact(describe(e)); // the browser's message may quote the URL: keep tokens out
  }
  ws.binaryType = 'arraybuffer';
  ws.z = z;
  z.ws = ws;
  z.g = gen;
  z.v2 = false; // until this socket's welcome says otherwise
  ws.onopen = onOpen;
  ws.onclose = onClose;
  ws.onerror = onError;
  ws.onmessage = onMessage;
  return null;
}

/**
 * Releases client `z`'s socket: its listeners are detached (so its late events never reach the
 * SDK), and it is closed with `code` and `reason` (code 0: without a code) unless already closing.
 */
function ignore() {}

export function shutSocket(z, code, reason) {
  const ws = z.ws;
  if (ws === null) return;
  z.ws = null;
  z.g = 0;
  ws.onopen = ws.onclose = ws.onmessage = null;
  // An error listener stays: Node's `ws` emits `error` for a socket closed while connecting, and an
  // `error` nobody listens to is an uncaught exception there (it ended the process).
  ws.onerror = ignore;
  if (ws.readyState > 1) return;
  try {
    if (code === 0) ws.close();
    else ws.close(code, reason);
  } catch {
    // Closing never fails for the codes the core picks (1000, 3000-4999).
  }
}

/** `readyState` of client `z`'s socket (3, CLOSED, when it has none). */
export function socketState(z) {
  return z.ws === null ? 3 : z.ws.readyState;
}

/** `bufferedAmount` of client `z`'s socket: bytes handed to it and not yet sent. */
export function socketUnsent(z) {
  return z.ws === null ? 0 : z.ws.bufferedAmount;
}

/**
 * Frame `f` (a JSON object's text) with message id `id` first in it: `{"id":7,...` (protocol v2);
 * with `after` (a stream's last chunk) when it is above 0.
 */
export function withId(f, id, after) {
  return after > 0 ? `{"id":${id},"after":${after},${f.slice(1)}` : `{"id":${id},${f.slice(1)}`;
}

/**
 * Control frame `f` as it goes out for client `z`: on a v2 link a `subscribe` for a channel with a
 * position carries it (`since: {epoch, offset}`), so the server replays what was missed, and one
 * for a channel with a Presence carries what the user shares (`presence`), so every resubscribe
 * joins the channel's presence again.
 */
function control(z, f) {
  if (!z.v2 || !f.startsWith('{"type":"subscribe"')) return f;
  const o = JSON.parse(f);
  const pr = z.ph?.get(o.channel);
  if (pr !== undefined) o.presence = pr.data; // joins the channel's presence (again)
  const p = z.o?.[o.channel];
  if (p === undefined) {
    // Until its `subscribed` answer, a position of no epoch: if the link dies first, the resubscribe
    // asks from there and the server reports a gap (messages may have come between), never silence.
    positions(z)[o.channel] = { e: null, o: 0 };
    return pr === undefined ? f : JSON.stringify(o);
  }
  o.since = { epoch: p.e, offset: p.o };
  return JSON.stringify(o);
}

/**
 * Sends frame `f` (a string) on client `z`'s socket, with message id `id` in it unless `id` is 0;
 * false when it is not open or `send` threw.
 */
export function sendFrame(z, f, id) {
  const ws = z.ws;
  if (ws === null || ws.readyState !== 1) return false;
  try {
    // A stream sent again tells the server the last chunk it got (`after`), so none is repeated.
    ws.send(id > 0 ? withId(f, id, z.st?.get(id)?.last) : control(z, f));
    return true;
  } catch {
    return false;
  }
}

let timer = 0;

function fire() {
  timer = 0;
  sink(R.H.TIMER, 0, 0);
}

/** Sets the one wake-up timer to `ms` from now (replacing the previous one); negative clears it. */
export function armTimer(ms) {
  if (timer !== 0) clearTimeout(timer);
  timer = ms < 0 ? 0 : setTimeout(fire, ms);
}

const PAGE = ['online', 'offline', 'pagehide', 'pageshow', 'visibilitychange'];
/** When the page was last hidden (monotonic ms; 0: visible), for the time it stayed hidden. */
let hiddenAt = 0;

/**
 * `visibilitychange` (fired at the document, bubbling to the window): reports `PAGE` 4 with how long
 * the page was hidden (ms) when it becomes visible; the wasm side probes the link after a long time.
 */
function onVisibility() {
  let hidden;
  try {
    hidden = globalThis.document?.visibilityState === 'hidden';
  } catch {
    return;
  }
  if (hidden) {
    hiddenAt = performance.now();
  } else if (hiddenAt > 0) {
    const ms = performance.now() - hiddenAt;
    hiddenAt = 0;
    sink(R.H.PAGE, 0, 0, 4, ms);
  }
}
const pageListeners = PAGE.map((_, i) => (i === 4 ? onVisibility : () => sink(R.H.PAGE, 0, 0, i)));

/**
 * Adds (`on`) or removes the page's `online`, `offline`, `pagehide`, `pageshow` and
 * `visibilitychange` listeners, which report `PAGE` with the event's index in that list (and, for a
 * page that becomes visible, how long it was hidden). Returns how many are attached (0 where the
 * global object is no event target).
 */
export function pageListen(on) {
  const g = globalThis;
  if (typeof g.addEventListener !== 'function') return 0;
  PAGE.forEach((name, i) => (on ? g.addEventListener : g.removeEventListener).call(g, name, pageListeners[i]));
  return on ? PAGE.length : 0;
}

/**
 * The shell's clock: monotonic milliseconds (`performance.now()`), which neither NTP nor a user
 * changing the time can step; and the wall clock's offset from it (`Date.now()` minus it), for
 * timestamps and for noticing a system sleep (see `set_wall_offset` in the core).
 */
export function monotonicNow() {
  return performance.now();
}

/**
 * `debugCounters()`: `c` is `[sockets, timers, listeners, instances, live]` (see hub.rs), then the
 * sockets opened so far and the wasm memory's size in bytes.
 */
export function counters(c, socketsOpened, memory) {
  const [sockets, timers, listeners, instances, live] = c;
  return { sockets, timers, listeners, instances, live, socketsOpened, wasmMemoryBytes: memory.buffer.byteLength };
}

/** `navigator.onLine`: a boolean, or undefined where there is no navigator (a worker without one, Node). */
export function navigatorOnline() {
  try {
    return globalThis.navigator?.onLine;
  } catch {
    return undefined;
  }
}

/** `Date.now() - performance.now()`: the wall clock is the monotonic one plus this. */
export function wallOffset() {
  return Date.now() - performance.now();
}

/**
 * Frames (`n`), UTF-16 units (`b`) and the last arrival time (`t`, ms) the listener counted for
 * client `z` since the last call, and the acknowledgement it took meanwhile (`u`, 0 for none, and
 * the socket's generation `g`: see `acked`), into `out` (a Float64Array of 5 in wasm memory's
 * view); the number of frames. A socket's acknowledgements are always taken before it is replaced
 * (the core hears them first thing in every call), so `g` is theirs.
 */
export function takeCounts(z, out) {
  const n = z.n;
  if (n === 0) return 0;
  out[0] = n;
  out[1] = z.b;
  out[2] = z.t;
  out[3] = z.u;
  out[4] = z.g;
  z.n = 0;
  z.b = 0;
  z.u = 0;
  return n;
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
let encoder = null;

/** Checks a channel argument: `rules.channel.OK` (0) when usable, else the fault's code. */
export function checkChannel(c) {
  const { C } = R;
  if (typeof c !== 'string' || c === '') return C.NOT_STRING;
  if (c.isWellFormed ? !c.isWellFormed() : LONE.test(c)) return C.LONE_SURROGATE;
  // A string of n UTF-16 units has at most 3n UTF-8 bytes: count only when it could be too long.
  if (c.length * 3 > R.maxBytes && (encoder ??= new TextEncoder()).encode(c).length > R.maxBytes) {
    return C.TOO_LONG;
  }
  return R.reserved.has(c) ? C.RESERVED : C.OK;
}

// ---- options. The table is the core's (`RULES.options`, from `OPTIONS` in
// src/core/options/table.rs); each value is checked here by its entry, and the core gets only
// values that passed (`Options::set_checked`), so a bad option is a `TypeError` naming it before
// anything else happens.

/** Whether number `v` is in the range of option entry `s` (`OptionSpec::accepts_number`). */
function inRange(s, v) {
  return (s.infinity && v === Infinity) || (s.zeroOff && v === 0) ||
    (Number.isFinite(v) && v >= s.min && v <= s.max && (!s.whole || v % 1 === 0));
}

/**
 * Reads the options object `o` (undefined and null give the defaults), each property once (through
 * `entries`, so a hostile object gives a clear error naming the option). Numbers, booleans (1/0)
 * and choices (their index) go into `out` at their option's index (NaN: not given); the returned
 * array holds, at the same index, the text options, the token (string or function) and `closeCodes`
 * as flat `[code, reaction index, ...]`. Returns instead the `INVALID_OPTION` error to throw.
 * Unknown keys are ignored, with a console line when `debug` is on. Never throws.
 */
export function readOptions(o, out) {
  handOver.W = null;
  const extra = readEach(o, out);
  if (Array.isArray(extra) && handOver.W === null && typeof WebSocket !== 'function') {
    // Node before 22, say: without a WebSocket every attempt would fail; say so once, at once.
    const e = new TypeError(`${R.prefix}no WebSocket here: pass options.WebSocket (Node before 22: the ws package's)`);
    e.code = 'UNSUPPORTED';
    return e;
  }
  return extra;
}

function readEach(o, out) {
  const specs = R.options;
  const bad = (name, expected) => makeError(0, true, name, expected);
  out.fill(NaN);
  const extra = [];
  if (o === undefined || o === null) return extra;
  const kind = objectKind(o);
  if (kind !== 1) return bad('options', kind === 3 ? 'an object whose properties can be read' : 'an object');
  const e = entries(o);
  if (!Array.isArray(e)) {
    const s = specs.find((x) => x.name === e);
    return s ? bad(s.name, 'readable (reading it threw)') : bad('options', 'an object whose properties can be read');
  }
  const unknown = [];
  for (let k = 0; k < e.length; k += 2) {
    const i = specs.findIndex((x) => x.name === e[k]);
    const s = specs[i];
    const v = e[k + 1];
    if (s === undefined) unknown.push(e[k]);
    if (s === undefined || v === undefined || v === null) continue;
    // The error is made only when needed (an Error captures a stack trace).
    const fail = () => bad(s.name, s.kind === 'number' && typeof v !== 'number' ? 'a number' : s.expected);
    switch (s.kind) {
      case 'number':
        if (typeof v !== 'number' || !inRange(s, v)) return fail();
        out[i] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') return fail();
        out[i] = v ? 1 : 0;
        break;
      case 'choice':
        out[i] = s.choices.indexOf(v);
        if (out[i] < 0) return fail();
        break;
      case 'text':
        if (typeof v !== 'string') return fail();
        extra[i] = v;
        break;
      case 'token':
        if (typeof v !== 'string' && typeof v !== 'function') return fail();
        extra[i] = v;
        break;
      case 'constructor':
        if (!isConstructor(v)) return fail();
        handOver.W = v;
        break;
      default: {
        // closeCodes: keys 1000-4999 (as written, blanks around allowed), reactions by name.
        const pairs = objectKind(v) === 1 ? entries(v) : null;
        if (!Array.isArray(pairs)) return fail();
        const flat = [];
        for (let p = 0; p < pairs.length; p += 2) {
          const code = /^\s*\+?\d{1,5}\s*$/.test(pairs[p]) ? Number(pairs[p]) : 0;
          const reaction = R.reactions.indexOf(pairs[p + 1]);
          if (code < 1000 || code > 4999 || reaction < 0) return fail();
          flat.push(code, reaction);
        }
        extra[i] = flat;
      }
    }
  }
  if (unknown.length > 0 && out[specs.findIndex((x) => x.name === 'debug')] === 1) {
    for (const key of unknown) consoleLog('log', '[ZantaraWebSocket]', `ignoring unknown option \`${key}\``);
  }
  return extra;
}

// ---- the server URL. The browser's own parser (`new URL`) decides, so what is accepted here is
// exactly what `new WebSocket` accepts (the WHATWG URL Standard; WebSockets Standard, "establish
// a WebSocket connection"); refusing at construction gives a clear `INVALID_URL` at once instead
// of an asynchronous failure.

/** The error with code `code` (a name in RULES.errorCodes) and message argument `a`. */
function urlError(code, a) {
  return makeError(R.codes.indexOf(code), true, a);
}

/**
 * A loopback host (browsers treat `ws:` to one as trustworthy from an https: page; Secure Contexts
 * §3.1: `localhost`, `*.localhost`, either with a final `.`, 127.0.0.0/8, `::1`).
 */
function isLoopback(host) {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Resolves the server URL: `configured` (`options.wsUrl`; when not a string, the global
 * `ZANTARA_WS_URL`), trimmed; when empty or absent, the page's origin at `/ws`, and a path starting
 * with one `/` is taken on the page's origin (`wss:` on https: pages, as socket.io's `io()`
 * defaults to its page). `http(s):` becomes `ws(s):`; a fragment is dropped. Returns the URL, or
 * the error to throw: `INVALID_URL` (not absolute, another scheme, what the URL parser refuses,
 * no page to default to) or `MIXED_CONTENT` (`ws:` from an https: page, loopback hosts excepted).
 * Errors quote the URL redacted. Never throws.
 */
export function resolveUrl(configured) {
  let raw = configured;
  if (typeof raw !== 'string') {
    try {
      raw = globalThis.ZANTARA_WS_URL;
    } catch {
      raw = undefined; // a throwing getter: as if unset
    }
  }
  raw = typeof raw === 'string' ? raw.trim() : '';
  let page = null;
  try {
    const loc = globalThis.location;
    if (loc && (loc.protocol === 'http:' || loc.protocol === 'https:') && loc.host) page = loc;
  } catch {
    // No page to default to.
  }
  const secure = page?.protocol === 'https:';
  if (raw === '' || (raw[0] === '/' && raw[1] !== '/')) {
    if (page === null) {
      return urlError('INVALID_URL', 'is not set and the page has no http(s) origin to default to; pass options.wsUrl');
    }
    raw = `${secure ? 'wss' : 'ws'}://${page.host}${raw || '/ws'}`;
  }
  let u;
  try {
    u = new URL(raw);
  } catch {
    return notAbsolute(raw);
  }
  const scheme = { 'ws:': 'ws:', 'http:': 'ws:', 'wss:': 'wss:', 'https:': 'wss:' }[u.protocol];
  if (scheme === undefined) {
    // `user:pw@host/ws` parses with the scheme `user:`: name a scheme only when `//` follows it.
    if (!/^[^:]*:[/\\]/.test(raw)) return notAbsolute(raw);
    return urlError('INVALID_URL', `has the scheme \`${u.protocol}\` (expected ws: or wss:)`);
  }
  u.protocol = scheme;
  u.hash = '';
  const url = u.href.replace(/#$/, '');
  if (scheme === 'ws:' && secure && !isLoopback(u.hostname)) return urlError('MIXED_CONTENT', redact(url));
  return url;
}

/**
 * The `INVALID_URL` error for `raw`, which the URL parser refused or which has no `scheme://`: `raw`
 * is redacted as one URL (it may hold spaces, or have no scheme), then for any URL inside it.
 */
function notAbsolute(raw) {
  const shown = redact(redactOne(raw));
  return urlError('INVALID_URL', `\`${shown}\` is not an absolute URL the browser accepts (expected ws://, wss://, http://, https:// or /path)`);
}

/**
 * `url` with `userId`, `role` and `token` (those that are strings) added to its query, encoded,
 * then, when `session` is a string, `protocol=2` and `session` (the protocol v2 offer of
 * docs/PROTOCOL.md, which a v1 server ignores).
 */
export function withParams(url, userId, role, token, session) {
  let out = url;
  const offer = typeof session === 'string' ? '2' : undefined;
  const params = [['userId', userId], ['role', role], ['token', token], ['protocol', offer], ['session', session]];
  for (const [key, value] of params) {
    if (typeof value !== 'string') continue;
    const q = out.indexOf('?');
    if (q < 0) out += '?';
    else if (q !== out.length - 1 && !out.endsWith('&')) out += '&';
    out += `${key}=${encodeURIComponent(value)}`;
  }
  return out;
}

/**
 * One URL, redacted: user info, every query value and the fragment become `***`. Its authority
 * follows `scheme:` and any slashes (as browsers read `ws:////h`), else starts the string.
 */
function redactOne(u) {
  // User info first, up to the last `@` before the path: a `?` or `#` typed into a password is
  // still the password (hiding a host that follows a bare query's `@` errs on the safe side).
  const a = /^(?:[\w+.-]*:(?=[/\\]))?[/\\]*/.exec(u)[0].length;
  const slash = u.slice(a).search(/[/\\]/);
  const end = slash < 0 ? u.length : a + slash;
  const at = u.lastIndexOf('@', end - 1);
  let rest = at >= a ? `${u.slice(0, a)}***${u.slice(at)}` : u;
  let frag = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    rest = rest.slice(0, hash);
    frag = '#***';
  }
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    const pairs = rest.slice(q + 1).split('&').map((p) => (p.includes('=') ? `${p.slice(0, p.indexOf('='))}=***` : p));
    query = `?${pairs.join('&')}`;
    rest = rest.slice(0, q);
  }
  return rest + query + frag;
}

/**
 * `text` (a URL, or a message quoting some, such as a browser's error) with every URL in it
 * redacted for logs and errors: user info, the value of every query parameter (names kept:
 * `?userId=***&token=***`) and a fragment become `***`. A URL starts at a scheme (or none) and
 * `://` and ends at a space or control character, or before another URL that starts in its
 * authority or path; quotes and closing punctuation at its end are left outside.
 */
export function redact(text) {
  // A scheme is matched from the start of its run only (`(?<!...)`): linear time on long words.
  // eslint-disable-next-line no-control-regex -- a URL ends at a control character
  return String(text).replace(/(?<![\w+.-])[\w+.-]*:\/\/[^\s\x00-\x1f\x7f]*/g, (m) => {
    let out = '';
    for (let rest = m; ; ) {
      const body = rest.indexOf('://') + 3;
      const inner = rest.indexOf('://', body);
      let cut = rest.length;
      if (inner >= 0 && !/[?#]/.test(rest.slice(body, inner))) {
        cut = inner;
        while (cut > body && /[\w+.-]/.test(rest[cut - 1])) cut--;
      }
      let end = cut;
      while (end > 0 && `'"\`)]}>,.;:!`.includes(rest[end - 1])) end--;
      out += redactOne(rest.slice(0, end)) + rest.slice(end, cut);
      if (cut === rest.length) return out;
      rest = rest.slice(cut);
    }
  });
}

/** `on(z.r, ...)`: adds a handler to client `z`'s registry (see emitter.js). */
export function handlerOn(z, name, f, once) {
  on(z.r, name, f, once);
}

/** `off(z.r, ...)`: removes handlers from client `z`'s registry. */
export function handlerOff(z, name, f) {
  off(z.r, name, f);
}

/** `has(z.r, name)`: whether client `z` has a handler for `name`. */
export function handlerHas(z, name) {
  return has(z.r, name);
}

/** `emit(z.r, ...)`: calls client `z`'s handlers of `name`; what they threw, or null. */
export function handlerEmit(z, name, payload) {
  if (z.c !== null) {
    z.c.push(name, payload); // the client's first turn: see `replay`
    return null;
  }
  return emit(z.r, name, payload);
}

/** `dispatchFrame(z.r, v)` for client `z`. */
export function dispatchOf(z, v) {
  return dispatchFrame(z.r, v);
}

/** A user message frame. Throws what `JSON.stringify` throws (cyclic data, BigInt, a `toJSON`). */
export function encode(channel, data) {
  return JSON.stringify({ type: R.message, channel, data, timestamp: new Date().toISOString() });
}

/** The client's frame types of protocol v2 requests, by kind (docs/PROTOCOL.md, "Requests and streams"). */
const REQUEST_TYPES = [undefined, 'request', 'stream'];

/**
 * A request (`kind` 1) or stream (2) frame for `method` (in `channel`, under a channel's rules) with
 * `data`. Throws what `JSON.stringify` throws.
 */
export function encodeAs(kind, method, data) {
  return JSON.stringify({ type: REQUEST_TYPES[kind] ?? 'request', channel: method, data, timestamp: new Date().toISOString() });
}

/**
 * `sendMessage` on client `z`'s socket while open, in one call: the frame's length once sent; `-1` when the socket is not
 * open (nothing done); `-2` when `encode` threw (the error is in `out.error`); `-3` when the data's
 * `toJSON` closed the socket (the encoded frame is in `out.frame`, for the queue); or minus
 * (16 + a channel-fault code).
 */
export function sendNow(z, channel, data, out, id, room) {
  const bad = checkChannel(channel);
  if (bad !== 0) return -16 - bad;
  const ws = z.ws;
  if (ws === null || ws.readyState !== 1) return -1;
  let f;
  try {
    f = encode(channel, data);
  } catch (err) {
    out.error = err;
    return -2;
  }
  // The user's `toJSON` may have closed the socket meanwhile: `send` on a closing socket is a
  // silent drop, so check again, and hand the frame back for the queue (encoding it again would
  // run the user's `toJSON` twice). A v2 frame too large for the queue's room goes that way too:
  // the core refuses it (QUEUE_FULL) before anything is sent.
  if (ws.readyState !== 1 || f.length > room) {
    out.frame = f;
    return -3;
  }
  try {
    ws.send(id > 0 ? withId(f, id) : f);
  } catch {
    // A socket implementation that throws (the `WebSocket` option): queued, as on a closing socket.
    out.frame = f;
    return -3;
  }
  if (id > 0) out.frame = f; // kept in flight until acknowledged
  z.ph?.get(channel)?.s(); // a message ends the page's typing in its channel
  return f.length;
}

/** The frame `sendNow` left in `out` (`out.frame`), without a property name crossing from wasm. */
export function frameOf(out) {
  return out.frame;
}

/**
 * `[data, clientId, v2]` of a welcome frame's parsed value for client `z` (clientId undefined when
 * not a string; v2 true when `data` has `protocol: 2` and `z`'s session: `docs/PROTOCOL.md`).
 */
export function welcome(v, z) {
  const d = v.data;
  const o = d !== null && typeof d === 'object';
  const id = o && typeof d.clientId === 'string' ? d.clientId : undefined;
  z.v2 = o && d.protocol === 2 && d.session === z.s;
  return [d, id, z.v2];
}

/**
 * What an `ack` frame's parsed value `v` says: its message id (0 unless a whole number from 1 to
 * 2^32 - 1) times 4, plus 1 when it refuses the message (has an `error`), or plus 2 when it is
 * cumulative (`upTo` instead of `id`: every message up to it, requests and streams excepted).
 */
export function ackOf(v) {
  const cumulative = v.id === undefined && v.upTo !== undefined;
  const id = cumulative ? v.upTo : v.id;
  if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) return 0;
  return id * 4 + (cumulative ? 2 : v.error != null ? 1 : 0);
}

/** Settles the acknowledgement callbacks of client `z`'s messages `ids` (a cumulative `ack`). */
export function ackSettleAll(z, ids) {
  if (z.k === null || z.k.size === 0) return;
  for (const id of ids) ackSettle(z, id, 0);
}

/** Registers `cb` as the acknowledgement callback of client `z`'s message `id`. */
export function ackOn(z, id, cb) {
  map(z, 'k').set(id, cb);
}

/**
 * Settles the acknowledgement callback of client `z`'s message `id`, if it has one: `how` 0
 * acknowledged, 1 refused (`v` is the `ack` frame, with `error: {code, reason}`), 2 sent on a
 * protocol v1 link (which cannot confirm), 3 never to be sent (`DISCONNECTED`; `v` true when it
 * had been handed to a socket and may have arrived: `sent: true`), 4 refused by the queue
 * (`QUEUE_FULL`, `v` the error). The callback gets `{success, confirmed, id}` (and `code`,
 * `reason`, `error` when not successful), always from a microtask (never inside the call that
 * sent); what it throws goes to the client's `error` handlers, else the console.
 */
export function ackSettle(z, id, how, v) {
  const cb = z.k?.get(id);
  if (cb === undefined) return;
  z.k.delete(id);
  const ack = { success: how === 0 || how === 2, confirmed: how < 2, id };
  if (how === 0 && v?.data !== undefined) ack.data = v.data; // a request's reply
  z.st?.delete(id);
  if (how === 1) {
    const e = v.error;
    ack.code = typeof e?.code === 'string' ? e.code : 'REFUSED';
    ack.reason = typeof e?.reason === 'string' ? e.reason : typeof e === 'string' ? e : 'refused by the server';
    ack.error = makeError(R.codes.indexOf('REFUSED'), false, ack.reason);
    ack.error.code = ack.code;
    ack.error.reason = ack.reason;
  } else if (how > 2) {
    ack.error = how === 3 ? makeError(R.codes.indexOf('DISCONNECTED'), false) : v;
    ack.code = ack.error.code;
    ack.reason = ack.error.message;
    // Handed to a socket before: it may have reached the server (unconfirmed).
    if (how === 3) ack.sent = ack.error.sent = v === true;
  }
  queueMicrotask(() => {
    try {
      cb(ack);
    } catch (err) {
      const t = emit(z.r, 'error', err);
      if (t !== null || !has(z.r, 'error')) consoleError('an acknowledgement callback threw', err);
    }
  });
}

/**
 * Settles every acknowledgement callback of client `z` as never to be sent (it was freed): `sent`
 * lists the ids handed to a socket before, which may have reached the server (`sent: true`).
 */
export function ackDrop(z, sent) {
  const before = new Set(sent);
  for (const id of [...(z.k?.keys() ?? [])]) ackSettle(z, id, 3, before.has(id));
}

/** `new Date(ms).toISOString()`. */
export function iso(ms) {
  return new Date(ms).toISOString();
}

/** A short description of a thrown value; never throws. */
export function describe(e) {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'unknown error';
  }
}

/**
 * What the token function returned: 0 a string, 1 a thenable, 2 anything else, 3 reading it threw
 * (a `then` getter that throws). Never throws.
 */
export function tokenKind(v) {
  if (typeof v === 'string') return 0;
  try {
    return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function' ? 1 : 2;
  } catch {
    return 3;
  }
}

/**
 * Waits for a thenable, then reports `TOKEN` for client `id` and wait `wait` with 1 and the token,
 * or 0 and a description of what went wrong. Anything but a string fails the connect: that is
 * reported from a timer task, so that page code that calls connect() again on `closed` cannot loop
 * within one task (in microtasks). The wasm side ignores the report of a wait it gave up.
 */
export function awaitToken(p, id, wait) {
  const ok = (v) => sink(R.H.TOKEN, id, wait, 1, 0, v);
  const fail = (why) => setTimeout(() => sink(R.H.TOKEN, id, wait, 0, 0, why), 0);
  try {
    Promise.resolve(p).then(
      // A thenable may call back synchronously: the report always comes from a microtask or later.
      (v) => (typeof v === 'string' ? queueMicrotask(() => ok(v)) : fail('its promise resolved to a non-string')),
      (e) => fail(describe(e)),
    );
  } catch (e) {
    // `Promise.resolve` reads a promise's `constructor`, which a hostile object may make throw.
    fail(describe(e));
  }
}

/**
 * The error for code `i` of the core's list (`errorCodes`), its message made from the code's
 * template with `a` and `b` in its `{0}` and `{1}`: a `TypeError` for misuse, else an `Error`; both
 * carry `code` (and `excerpt`, `b`, for a bad frame).
 */
export function makeError(i, typeError, a, b) {
  const message = R.templates[i].replace(/\{([01])\}/g, (_, k) => String(k === '0' ? a : b));
  const e = new (typeError ? TypeError : Error)(R.prefix + message);
  e.code = R.codes[i];
  if (e.code === 'BAD_FRAME') e.excerpt = b;
  return e;
}

/** `console.error(message, detail)`; a console that throws is ignored. */
export function consoleError(message, detail) {
  try {
    console.error(R.prefix + message, detail);
  } catch {
    // Nothing else to report to.
  }
}

/** `console[level](a, b)`, or `(a, b, c)` when `c` is given, for the debug log; a console that throws is ignored. */
export function consoleLog(level, a, b, c) {
  try {
    if (c === undefined) console[level](a, b);
    else console[level](a, b, c);
  } catch {
    // Nothing else to report to.
  }
}

/**
 * What an options value is: 0 `undefined` or `null`, 1 a plain object (not an array or a
 * function), 2 anything else, 3 unreadable (a revoked Proxy: `Array.isArray` throws). Never throws.
 */
export function objectKind(o) {
  if (o === undefined || o === null) return 0;
  if (typeof o !== 'object') return 2;
  try {
    return Array.isArray(o) ? 2 : 1;
  } catch {
    return 3;
  }
}

/**
 * The own enumerable properties of `o` as a flat `[key, value, key, value, ...]` array, each read
 * once. When reading throws (a revoked Proxy, a throwing `ownKeys` trap or getter), the key being
 * read instead (`''` while listing the keys). Never throws.
 */
export function entries(o) {
  let key = '';
  try {
    const out = [];
    for (key of Object.keys(o)) out.push(key, o[key]);
    return out;
  } catch {
    return key;
  }
}
