// The JavaScript half of the shell: what is cheaper or only possible in the JS engine. Inbound
// frames are parsed and classified here once, and channel messages (the bulk of the traffic) are
// counted and dispatched without entering wasm; outbound user messages are encoded by
// `JSON.stringify` and sent from here, so payloads never enter wasm memory.
//
// Every rule here (reserved event names, frame types, verdict and channel-fault codes, the channel
// limit) is defined in Rust (`src/core/codes.rs`) and handed over once by `setRules` before any
// client exists; `src/shell/rules.json` is the same object, for the unit tests in tests/js/.
//
// Nothing in this file lets an exception escape into wasm, except where the Rust binding is marked
// `catch` (calls that run user code, such as `JSON.stringify` of user data).

import { emit } from './emitter.js';

/** @type {{reserved: Set<string>, kind: Map<string, number>, V: Record<string, number>, C: Record<string, number>, message: string, maxBytes: number} | null} */
let R = null;

/**
 * Installs the rules (the object of rules.json). Called once by the wasm side at start-up.
 * @param {{reserved: string[], types: string[], verdict: Record<string, number>,
 *   channel: Record<string, number>, channelMaxBytes: number}} rules
 */
export function setRules(rules) {
  R = {
    reserved: new Set(rules.reserved),
    // A frame type's verdict code is its index in `types` (see Verdict in codes.rs).
    kind: new Map(rules.types.map((t, i) => [t, i])),
    V: rules.verdict,
    C: rules.channel,
    // The `type` of a channel message (the frame type with verdict MESSAGE).
    message: rules.types[rules.verdict.MESSAGE],
    maxBytes: rules.channelMaxBytes,
  };
}

/** True once `setRules` ran. */
export function hasRules() {
  return R !== null;
}

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

/**
 * Installs the socket's message listener. A channel message is counted in `counts` (`n` frames,
 * `b` UTF-16 units, `t` the monotonic time the last one arrived) and dispatched here; any other frame goes
 * to `other(verdict, length, parsed, raw)` on the wasm side, parsed once. What channel handlers
 * threw goes to `thrown(pairs)`.
 */
export function listen(ws, registry, counts, max, other, thrown) {
  const onMessage = (e) => {
    const d = e.data;
    if (typeof d !== 'string' || d.length > max) {
      const f = readFrame(d, max);
      other(f.verdict, f.n, undefined, typeof d === 'string' ? d : undefined);
      return;
    }
    // The hot path, allocation-free: parse once, and dispatch a channel message right here.
    let v;
    try {
      v = JSON.parse(d);
    } catch {
      other(R.V.NOT_JSON, d.length, undefined, d);
      return;
    }
    const c = v?.channel; // undefined for null and primitives
    if (v?.type !== R.message || typeof c !== 'string' || c === '') {
      other(classify(v), d.length, v, d);
      return;
    }
    counts.n += 1;
    counts.b += d.length;
    counts.t = performance.now();
    const t = dispatchFrame(registry, v);
    if (t === null) return;
    // A handler that dropped this socket (disconnect, free) freed its callbacks: calling one would
    // throw from inside wasm (leaking wasm's stack), so the console hears it instead.
    if (ws.onmessage === onMessage) {
      try {
        thrown(t);
        return;
      } catch {
        // reported below
      }
    }
    for (let i = 1; i < t.length; i += 2) t[i].forEach((x) => consoleError('a handler threw', x));
  };
  ws.onmessage = onMessage;
}

/**
 * The shell's clock: monotonic milliseconds (`performance.now()`), which neither NTP nor a user
 * changing the time can step; and the wall clock's offset from it (`Date.now()` minus it), for
 * timestamps and for noticing a system sleep (see `set_wall_offset` in the core).
 */
export function monotonicNow() {
  return performance.now();
}

/** `Date.now() - performance.now()`: the wall clock is the monotonic one plus this. */
export function wallOffset() {
  return Date.now() - performance.now();
}

/** Frames (`n`), UTF-16 units (`b`) and the last arrival time (`t`, ms) counted since the last call. */
export function takeCounts(counts) {
  const r = [counts.n, counts.b, counts.t];
  counts.n = 0;
  counts.b = 0;
  return r;
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

/** A user message frame. Throws what `JSON.stringify` throws (cyclic data, BigInt, a `toJSON`). */
export function encode(channel, data) {
  return JSON.stringify({ type: R.message, channel, data, timestamp: new Date().toISOString() });
}

/**
 * `sendMessage` while open, in one call: the frame's length once sent; `-1` when the socket is not
 * open (nothing done); `-2` when `encode` threw (the error is in `out.error`); `-3` when the data's
 * `toJSON` closed the socket (the encoded frame is in `out.frame`, for the queue); or minus
 * (16 + a channel-fault code).
 */
export function sendNow(ws, channel, data, out) {
  const bad = checkChannel(channel);
  if (bad !== 0) return -16 - bad;
  if (ws.readyState !== 1) return -1;
  let f;
  try {
    f = encode(channel, data);
  } catch (err) {
    out.error = err;
    return -2;
  }
  // The user's `toJSON` may have closed the socket meanwhile: `send` on a closing socket is a
  // silent drop, so check again, and hand the frame back for the queue (encoding it again would
  // run the user's `toJSON` twice).
  if (ws.readyState !== 1) {
    out.frame = f;
    return -3;
  }
  ws.send(f);
  return f.length;
}

/** `[data, clientId]` of a welcome frame's parsed value (clientId undefined when not a string). */
export function welcome(v) {
  const d = v.data;
  const id = d !== null && typeof d === 'object' && typeof d.clientId === 'string' ? d.clientId : undefined;
  return [d, id];
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
 * Waits for a thenable: `ok(value)` or `err(reason)` is called once, unless the returned cancel
 * function ran first (then neither is, so wasm may free both callbacks at once).
 */
export function awaitToken(p, ok, err) {
  let live = true;
  const settle = (f) => (v) => {
    if (!live) return;
    live = false;
    f(v);
  };
  // Anything but a string fails the connect: that is reported from a timer task, so that page code
  // that calls connect() again on `closed` cannot loop within one task (in microtasks).
  const later = (f) => (v) => setTimeout(() => settle(f)(v), 0);
  try {
    Promise.resolve(p).then((v) => (typeof v === 'string' ? settle(ok)(v) : later(ok)(v)), later(err));
  } catch (e) {
    // `Promise.resolve` reads a promise's `constructor`, which a hostile object may make throw.
    later(err)(e);
  }
  return () => {
    live = false;
  };
}

/** `console.error(message, detail)`; a console that throws is ignored. */
export function consoleError(message, detail) {
  try {
    console.error(`ZantaraWebSocket: ${message}`, detail);
  } catch {
    // Nothing else to report to.
  }
}

/** `console[level](...args)` for the debug log; a console that throws is ignored. */
export function consoleLog(level, a, b) {
  try {
    console[level](a, b);
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
