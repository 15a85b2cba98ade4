// Fault-control interface of the reference server (`/__control/*`), only mounted with --faults.
// Tests use it to make the server misbehave on purpose: mute (half-open), close with a code, terminate (1006),
// send raw or malformed frames, flood, refuse or drop new connections, reject tokens.

import { HttpError, readJsonBody, sendJson } from './http-util.js';

const BODY_LIMIT = 32 * 1024 * 1024; // base64 payloads for big binary frames
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const MAX_FLOOD_COUNT = 100_000;
const MAX_FLOOD_SIZE = 1024 * 1024;
const FLOOD_HIGH_WATER = 4 * 1024 * 1024; // wait for the socket to drain above this many buffered bytes

/** Close codes the control routes accept: what ws can send, plus 1005 (no code) and 1006 (terminate). */
function checkCloseCode(code) {
  if (!Number.isInteger(code)) throw new HttpError(400, 'code must be an integer');
  const sendable = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
  if (!sendable && code !== 1005 && code !== 1006) throw new HttpError(400, `close code ${code} cannot be used`);
  return code;
}

function checkReason(reason) {
  if (reason === undefined || reason === null) return '';
  if (typeof reason !== 'string') throw new HttpError(400, 'reason must be a string');
  if (Buffer.byteLength(reason) > 123) throw new HttpError(400, 'reason is over 123 bytes (RFC 6455 5.5.1)');
  return reason;
}

function checkTarget(target) {
  if (target === undefined || target === null) return null;
  if (typeof target !== 'object' || Array.isArray(target)) throw new HttpError(400, 'target must be an object');
  for (const key of ['userId', 'clientId']) {
    if (target[key] !== undefined && typeof target[key] !== 'string') {
      throw new HttpError(400, `target.${key} must be a string`);
    }
  }
  return target;
}

function checkInt(value, name, min, max, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name} must be an integer in ${min}..${max}`);
  }
  return value;
}

/**
 * `{"type":"message","channel":"big","data":"…"}` of exactly `bytes` bytes, the data filled with `unit`.
 * `unit` must need no JSON escaping so that the byte count is exact.
 */
export function paddedFrame(unit, bytes) {
  if (typeof unit !== 'string' || unit === '') throw new HttpError(400, 'repeatText must be a non-empty string');
  if (JSON.stringify(unit) !== `"${unit}"`) throw new HttpError(400, 'repeatText must need no JSON escaping');
  const head = '{"type":"message","channel":"big","data":"';
  const tail = '"}';
  const need = bytes - Buffer.byteLength(head + tail);
  if (!Number.isInteger(bytes) || need < 0 || bytes > MAX_FRAME_BYTES) {
    throw new HttpError(400, `bytes must be an integer in ${Buffer.byteLength(head + tail)}..${MAX_FRAME_BYTES}`);
  }
  const unitBytes = Buffer.byteLength(unit);
  let fill = unit.repeat(Math.floor(need / unitBytes));
  // Top up with whole characters of unit that still fit, then ASCII 'x' for a multi-byte remainder.
  let left = need - Buffer.byteLength(fill);
  for (const ch of unit) {
    const n = Buffer.byteLength(ch);
    if (n > left) break;
    fill += ch;
    left -= n;
  }
  return head + fill + 'x'.repeat(left) + tail;
}

export class FaultControl {
  /** @type {null | {action: 'close', code: number, reason: string, delayMs: number} | {action: 'refuse', status: number} | {action: 'mute'}} */
  policy = null;
  rejectTokens = new Set();
  refusedTotal = 0;

  /** @param {import('./hub.js').Hub} hub */
  constructor(hub) {
    this.hub = hub;
  }

  /** Called before the upgrade is accepted: returns the HTTP status to refuse it with, or 0. */
  refuseStatus() {
    if (this.policy?.action !== 'refuse') return 0;
    this.refusedTotal++;
    return this.policy.status;
  }

  /** How a new connection is to be treated: {welcome, after(client)} applied around hub.accept. */
  onConnect(query) {
    if (query.token !== null && this.rejectTokens.has(query.token)) {
      return { welcome: false, after: (c) => this.hub.close(c, 1008, 'invalid token') };
    }
    const policy = this.policy;
    if (policy?.action === 'mute') return { welcome: false, after: (c) => this.hub.setMuted(c, true) };
    if (policy?.action === 'close') {
      const close = (c) => this.hub.close(c, policy.code, policy.reason);
      return {
        welcome: true,
        after: (c) => (policy.delayMs > 0 ? this.hub.later(c, policy.delayMs, () => close(c)) : close(c)),
      };
    }
    return { welcome: true, after: () => {} };
  }

  /** Handles `/__control/<route>`. */
  async handle(req, res, route) {
    const routes = {
      'GET clients': () => this.#clients(),
      'POST mute': (b) => this.#mute(b),
      'POST close': (b) => this.#close(b),
      'POST terminate': (b) => this.#terminate(b),
      'POST send': (b) => this.#send(b),
      'POST flood': (b) => this.#flood(b),
      'POST policy': (b) => this.#policy(b),
      'POST token': (b) => this.#token(b),
      'POST reset': () => this.#reset(),
    };
    const handler = routes[`${req.method} ${route}`];
    if (!handler) {
      const known = Object.keys(routes).some((k) => k.endsWith(` ${route}`));
      throw new HttpError(known ? 405 : 404, known ? `${req.method} not allowed here` : `no control route ${route}`);
    }
    const body = req.method === 'POST' ? await readJsonBody(req, BODY_LIMIT) : {};
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'body must be a JSON object');
    }
    sendJson(res, 200, { ok: true, ...(await handler(body)) });
  }

  #clients() {
    const clients = this.hub.select(null).map((c) => c.describe());
    return {
      clients,
      connectionsTotal: this.hub.counters.connectionsTotal,
      open: clients.length,
      refusedTotal: this.refusedTotal,
      policy: this.policy,
      rejectTokens: [...this.rejectTokens],
    };
  }

  #mute({ target, muted = true, heartbeat = false }) {
    if (typeof muted !== 'boolean') throw new HttpError(400, 'muted must be a boolean');
    if (typeof heartbeat !== 'boolean') throw new HttpError(400, 'heartbeat must be a boolean');
    const clients = this.hub.select(checkTarget(target));
    for (const c of clients) this.hub.setMuted(c, muted, heartbeat);
    return { matched: clients.length, muted, heartbeat };
  }

  #close({ target, code = 1000, reason }) {
    checkCloseCode(code);
    reason = checkReason(reason);
    const clients = this.hub.select(checkTarget(target));
    for (const c of clients) this.hub.close(c, code, reason);
    return { matched: clients.length };
  }

  #terminate({ target }) {
    const clients = this.hub.select(checkTarget(target));
    for (const c of clients) c.ws.terminate();
    return { matched: clients.length };
  }

  #send(body) {
    const clients = this.hub.select(checkTarget(body.target));
    let payload;
    let opts;
    if (typeof body.text === 'string') {
      [payload, opts] = [body.text, { binary: false }];
    } else if (typeof body.base64 === 'string' && (body.binary === true || body.invalidUtf8 === true)) {
      // ws does not validate outbound text, so binary:false puts these bytes in a text frame as they are.
      [payload, opts] = [Buffer.from(body.base64, 'base64'), { binary: body.binary === true }];
    } else if (body.repeatText !== undefined || body.bytes !== undefined) {
      [payload, opts] = [paddedFrame(body.repeatText ?? 'x', body.bytes), { binary: false }];
    } else {
      throw new HttpError(400, 'send needs text, {base64, binary:true}, {base64, invalidUtf8:true} or {repeatText, bytes}');
    }
    let delivered = 0;
    for (const c of clients) if (this.hub.deliver(c, payload, opts)) delivered++;
    return { matched: clients.length, delivered, bytes: Buffer.byteLength(payload) };
  }

  async #flood({ target, channel, count, size = 64 }) {
    if (typeof channel !== 'string' || channel === '') throw new HttpError(400, 'channel must be a non-empty string');
    count = checkInt(count, 'count', 1, MAX_FLOOD_COUNT, undefined);
    if (count === undefined) throw new HttpError(400, 'count is required');
    size = checkInt(size, 'size', 0, MAX_FLOOD_SIZE, 64);
    const clients = this.hub.select(checkTarget(target));

    // Pad so that each frame is about `size` bytes (exact for the largest seq).
    const base = JSON.stringify({ type: 'message', channel, data: { seq: count - 1, pad: '' }, timestamp: new Date().toISOString() });
    const pad = 'x'.repeat(Math.max(0, size - Buffer.byteLength(base)));

    const floodOne = async (c) => {
      let sent = 0;
      for (let seq = 0; seq < count; seq++) {
        const frame = JSON.stringify({ type: 'message', channel, data: { seq, pad }, timestamp: new Date().toISOString() });
        let written;
        const drained = new Promise((resolve) => { written = resolve; });
        if (!this.hub.deliver(c, frame, {}, written)) break;
        sent++;
        if (c.ws.bufferedAmount > FLOOD_HIGH_WATER) await drained; // keep memory bounded
      }
      return sent;
    };
    const sent = await Promise.all(clients.map(floodOne));
    return { matched: clients.length, frames: sent.reduce((a, b) => a + b, 0) };
  }

  #policy({ onConnect }) {
    if (onConnect === null || onConnect === undefined) {
      this.policy = null;
    } else if (onConnect?.action === 'close') {
      this.policy = {
        action: 'close',
        code: checkCloseCode(onConnect.code ?? 1000),
        reason: checkReason(onConnect.reason),
        delayMs: checkInt(onConnect.delayMs, 'delayMs', 0, 3_600_000, 0),
      };
    } else if (onConnect?.action === 'refuse') {
      this.policy = { action: 'refuse', status: checkInt(onConnect.status, 'status', 400, 599, 503) };
    } else if (onConnect?.action === 'mute') {
      this.policy = { action: 'mute' };
    } else {
      throw new HttpError(400, 'onConnect must be null or {action: "close" | "refuse" | "mute", ...}');
    }
    return { policy: this.policy };
  }

  #token({ reject }) {
    if (!Array.isArray(reject) || !reject.every((t) => typeof t === 'string')) {
      throw new HttpError(400, 'reject must be an array of strings');
    }
    this.rejectTokens = new Set(reject);
    return { reject };
  }

  #reset() {
    this.policy = null;
    this.rejectTokens.clear();
    this.refusedTotal = 0;
    for (const c of this.hub.select(null)) this.hub.setMuted(c, false);
    this.hub.resetCounters();
    return {};
  }
}
