// The WebSocket hub of the reference server: connections, channels, the seed-001 protocol, the protocol-level
// heartbeat and the counters behind `websocket.stats`. It knows nothing about HTTP; server.js feeds it accepted
// sockets and the fault-control layer (control.js) pokes at it through the public methods below.

import { createHash, randomBytes, randomInt } from 'node:crypto';
import { WebSocket } from 'ws';

import { Presence } from './presence.js';

/** Frame types a client may send (`subscribe`, `unsubscribe`, `message`, `ping`). Anything else is a bad frame: counted, never fatal. */
const CLIENT_TYPES = new Set(['subscribe', 'unsubscribe', 'message', 'ping', 'pong', 'request', 'stream', 'cancel', 'presence', 'typing']);

/** The public name of v2 session key `key` on the frames it publishes (docs/PROTOCOL.md, "The duplicate filter"). */
function originOf(key) {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

/** The `offset` of a message frame's text (the number after `"offset":`; the data comes before it, never after). */
function offsetOf(text) {
  const at = text.lastIndexOf('"offset":');
  return at < 0 ? 0 : parseInt(text.slice(at + 9), 10);
}

/** The `id` of a message frame's text, 0 when it has none (parsed: the data may hold anything). */
function idOf(text) {
  try {
    const id = JSON.parse(text).id;
    return Number.isInteger(id) ? id : 0;
  } catch {
    return 0;
  }
}

/** A v2 echo: message frame `text` carrying `"ack": id` (it stands for the `ack` frame). */
const withAck = (id, text) => `{"ack":${id},${text.slice(1)}`;

/** The reported gap of `channel` (protocol v2): the client's position is now `offset` of `epoch`. */
const gapFrame = (channel, epoch, offset) => JSON.stringify({ type: 'subscribed', channel, epoch, offset, recovered: false, replayed: 0 });

/** Jobs (requests and streams) a session remembers for re-sends: the newest finished ones beyond this are forgotten. */
const MAX_JOBS = 32;
/** The most a channel's history keeps, in UTF-16 units of its frames (besides `historySize` and `historyTtlMs`). */
const HISTORY_BYTES = 8 * 1024 * 1024;
/** Chunks a stream keeps for replay after a reconnect. */
const MAX_CHUNKS = 10_000;

const now = () => new Date().toISOString();

/** `client_<Date.now()>_<6 base36 chars>`, the production backend's id shape. */
export function newClientId() {
  return `client_${Date.now()}_${randomInt(36 ** 6).toString(36).padStart(6, '0')}`;
}

/**
 * Reads the connection parameters from the upgrade request's URL. `URLSearchParams` undoes the percent-encoding
 * (and `+` as space, as the production backend's `URL` parsing does), so values such as `a&b #c=d é` survive.
 */
export function parseConnectQuery(reqUrl) {
  let params;
  try {
    params = new URL(reqUrl ?? '/', 'http://localhost').searchParams;
  } catch {
    params = new URLSearchParams();
  }
  const echo = params.get('echo');
  const session = params.get('session');
  return {
    userId: params.get('userId') || 'anonymous',
    role: params.get('role') || 'member',
    token: params.get('token'), // null when absent
    echo: echo === '1' || echo === 'true',
    // The protocol v2 offer (docs/PROTOCOL.md): `protocol=2` and a session id of 1-64 [A-Za-z0-9_-].
    protocol: params.get('protocol') === '2' && /^[\w-]{1,64}$/.test(session ?? '') ? 2 : 1,
    session: /^[\w-]{1,64}$/.test(session ?? '') ? session : null,
  };
}

/** Channels whose messages the server refuses (protocol v2 answers with an `ack` carrying this error). */
export const READ_ONLY_PREFIX = 'readonly:';
const READ_ONLY_ERROR = { code: 'FORBIDDEN', reason: 'channel is read-only' };

/** One accepted connection and what the server knows about it. */
class Client {
  constructor(ws, clientId, query) {
    this.ws = ws;
    this.clientId = clientId;
    this.userId = query.userId;
    this.role = query.role;
    this.token = query.token;
    this.echo = query.echo;
    this.channels = new Set();
    this.muted = false;
    this.alive = true; // answered the last protocol-level ping
    this.messagesIn = 0;
    this.pingsIn = 0;
    this.badFrames = 0;
    this.connectedAt = Date.now();
    this.timers = new Set(); // per-connection fault timers, cleared on close
    this.session = null; // the protocol v2 session (acknowledgements, duplicate filter), else null
    this.ackPending = false; // a cumulative ack is scheduled (Hub.#ackLater)
    this.presence = new Set(); // channels whose presence it joined (lib/presence.js)
    this.pending = null; // cluster mode: channel -> messages held until its subscribe is answered
    this.floor = null; // cluster mode: channel -> {e, o}, the position its subscribe was answered with
  }

  /** The fault-control listing (the only place the token is ever exposed). */
  describe() {
    return {
      clientId: this.clientId,
      userId: this.userId,
      role: this.role,
      token: this.token,
      channels: [...this.channels],
      echo: this.echo,
      muted: this.muted,
      messagesIn: this.messagesIn,
      pingsIn: this.pingsIn,
      badFrames: this.badFrames,
      connectedAt: this.connectedAt,
      protocol: this.session ? 2 : 1,
    };
  }
}

export class Hub {
  /** @type {Map<string, Client>} */
  #clients = new Map();
  /** @type {Map<string, Set<Client>>} channel name → subscribers; empty channels are deleted */
  #channels = new Map();
  /** @type {Map<string, {id: string, origin: string, lastId: number, conns: number, timer: any}>} protocol v2 sessions */
  #sessions = new Map();
  /**
   * Channel streams (docs/PROTOCOL.md, "Recovery"): each channel's `epoch` (new for every server process), the
   * `offset` of its last message and a bounded `history` of `{offset, at, text}`.
   * @type {Map<string, {epoch: string, offset: number, history: {offset: number, at: number, text: string}[]}>}
   */
  #streams = new Map();
  #historySize;
  #historyTtlMs;
  /** @type {Map<string, {stream: boolean, run: (data: unknown, ctx: object) => unknown}>} request and stream handlers */
  #handlers = new Map();
  #heartbeat = null;
  #log;
  #protocol;
  #sessionTtlMs;
  #crash;
  #crashAfter;
  #taken = 0;
  /** Cluster mode (lib/cluster.js): the Redis engine, else null (single process, everything in memory). */
  #engine = null;
  /**
   * Cluster mode: each channel with local subscribers, its position as this node last delivered it, and the bus
   * messages held while missed ones are read back from Redis (`queue`, null when none is being read).
   * @type {Map<string, {epoch: string, offset: number, queue: object[] | null}>}
   */
  #seen = new Map();

  /**
   * @param {object} [opts]
   * @param {number} [opts.heartbeatMs=30000] protocol-level ping period; 0 disables the heartbeat
   * @param {1 | 2} [opts.protocol=2] the highest protocol spoken: 1 is the seed-001 protocol only
   * @param {number} [opts.sessionTtlMs=120000] how long a v2 session (its duplicate filter) outlives its last connection
   * @param {number} [opts.historySize=1000] channel messages kept per channel for recovery
   * @param {number} [opts.historyTtlMs=300000] how long a channel message is kept for recovery
   * @param {(msg: string) => void} [opts.log]
   * @param {() => void} [opts.crash] a fault for tests: called right after the hub took its `crashAfter`-th client
   *   message (delivered it, before any acknowledgement of it went out); the CLI's `--crash-after-messages N` makes it
   *   SIGKILL the process
   * @param {number} [opts.crashAfter=0] see `crash`; 0: never
   * @param {number} [opts.presenceGraceMs=5000] how long a user whose connections all went away stays a member of a
   *   channel's presence (a reload or a short reconnect shows no leave and no join)
   * @param {number} [opts.typingTtlMs=6000] how long a typing indication lasts without a refresh
   */
  constructor({
    heartbeatMs = 30_000, protocol = 2, sessionTtlMs = 120_000, historySize = 1000, historyTtlMs = 300_000, log = () => {},
    crash = null, crashAfter = 0, presenceGraceMs = 5000, typingTtlMs = 6000,
  } = {}) {
    this.presence = new Presence({ send: (c, text) => this.deliver(c, text), graceMs: presenceGraceMs, typingTtlMs });
    this.#crash = crashAfter > 0 ? crash : null;
    this.#crashAfter = crashAfter;
    this.#log = log;
    this.#protocol = protocol;
    this.#sessionTtlMs = sessionTtlMs;
    this.#historySize = historySize;
    this.#historyTtlMs = historyTtlMs;
    this.counters = {
      messagesIn: 0, messagesOut: 0, badFrames: 0, connectionsTotal: 0, acknowledged: 0, duplicates: 0, refused: 0,
      recoveries: 0, gaps: 0, cancelled: 0,
    };
    if (heartbeatMs > 0) {
      // setImmediate: after an event-loop stall, read the pongs already waiting in the poll phase before judging.
      this.#heartbeat = setInterval(() => setImmediate(() => this.#beat()), heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /**
   * Cluster mode: from now on channel messages go through `engine` (lib/cluster.js), which hands every node's
   * publishes back to `clusterMessage` and `websocket.send` calls to `clusterUser`.
   */
  attach(engine) {
    this.#engine = engine;
    this.presence.attachCluster({ publish: (kind, payload) => engine.presence(kind, payload) });
  }

  /** Cluster mode: another node's presence news (see RedisEngine's `onPresence`). */
  clusterPresence(env) {
    if (typeof env.n !== 'string') return;
    if (env.k === 'pv' && typeof env.c === 'string' && typeof env.u === 'string') this.presence.remoteView(env.n, env.c, env.u, env.v ?? null, env.at);
    else if (env.k === 'pt' && typeof env.c === 'string' && typeof env.u === 'string') this.presence.remoteTyping(env.n, env.c, env.u, env.d ?? null, env.on === true);
    else if (env.k === 'ps') this.presence.snapshot(env.n, env.views);
  }

  /** The node's cluster state for `/health`: `{mode: 'single'}` or `{mode: 'cluster', node, redis: 'up' | 'down'}`. */
  health() {
    const e = this.#engine;
    return e === null ? { mode: 'single' } : { mode: 'cluster', node: e.node, redis: e.up ? 'up' : 'down' };
  }

  /**
   * Registers an accepted WebSocket.
   * @param {WebSocket} ws
   * @param {ReturnType<typeof parseConnectQuery>} query
   * @param {{welcome?: boolean}} [opts] welcome=false skips the `connected` frame (token rejected, muted on connect)
   */
  accept(ws, query, { welcome = true } = {}) {
    const client = new Client(ws, newClientId(), query);
    this.#clients.set(client.clientId, client);
    this.counters.connectionsTotal++;

    ws.on('message', (data, isBinary) => this.#onFrame(client, data, isBinary));
    ws.on('pong', () => { client.alive = true; });
    ws.on('error', (err) => this.#log(`[ws] ${client.clientId}: ${err.message}`));
    ws.on('close', () => this.#forget(client));
    // ws resumes the socket itself after draining its receiver; a muted link must stay unread.
    ws._socket?.on('resume', () => { if (client.muted) ws._socket.pause(); });

    // Sessions are the user's own: another user's connection cannot touch its duplicate filter.
    if (query.protocol === 2 && this.#protocol >= 2) client.session = this.#join(`${query.userId}\n${query.session}`);
    if (welcome) {
      const data = { clientId: client.clientId, userId: client.userId, role: client.role };
      if (client.session) Object.assign(data, { protocol: 2, session: query.session });
      this.deliver(client, JSON.stringify({ type: 'connected', data, timestamp: now() }));
    }
    return client;
  }

  /** The v2 session `id`, created on first use; it stays while a connection uses it, then `sessionTtlMs`. */
  #join(id) {
    let s = this.#sessions.get(id);
    // `origin`: the session's public name on the frames it publishes (receivers drop a message re-sent after a
    // restart by it and the message id); a hash of the session key, the same in every process, revealing nothing.
    if (!s) this.#sessions.set(id, (s = { id, origin: originOf(id), lastId: 0, conns: 0, timer: null, jobs: new Map() }));
    clearTimeout(s.timer);
    s.timer = null;
    s.conns++;
    return s;
  }

  #leaveSession(s, client) {
    for (const job of s.jobs.values()) if (job.client === client) job.client = null;
    if (--s.conns > 0) return;
    s.timer = setTimeout(() => {
      this.#sessions.delete(s.id);
      for (const job of s.jobs.values()) job.abort.abort();
    }, this.#sessionTtlMs);
    s.timer.unref?.();
  }

  /**
   * Registers the handler of requests (`stream: false`: `run(data, ctx)` returns the reply or a promise of it) or
   * streams (`stream: true`: `run` returns an async iterable of chunks) named `method` (docs/PROTOCOL.md).
   * `ctx` is `{userId, clientId, signal}`; `signal` aborts when the client cancels or its session ends.
   */
  handle(method, run, { stream = false } = {}) {
    this.#handlers.set(method, { stream, run });
  }

  /**
   * Sends `text` (a chunk or the answer of `job`) to the connection that sent the job last: a connection that
   * has not (re)sent it yet gets nothing live, so its replay (chunks after its `after`) comes first, in order.
   */
  #answer(job, text) {
    if (job.client !== null) this.deliver(job.client, text);
  }

  /** A v2 `request` or `stream` frame with id `id`: run once per session; a re-send gets the answer (so far). */
  #job(client, frame, id) {
    const s = client.session;
    const kind = frame.type;
    const after = Number.isInteger(frame.after) ? frame.after : 0;
    if (id <= s.lastId) {
      this.counters.duplicates++;
      const job = s.jobs.get(id);
      if (!job) return this.deliver(client, JSON.stringify({ type: 'ack', id, error: { code: 'EXPIRED', reason: 'the server no longer holds this request' } }));
      job.client = client;
      for (const c of job.chunks) if (c.seq > after) this.deliver(client, c.text);
      if (job.reply !== null) this.deliver(client, job.reply);
      return;
    }
    if (after > 0) {
      // A stream re-sent with chunks already received, to a session that never saw it (a restarted server, an
      // expired session): running it again would splice two different answers together.
      s.lastId = id;
      this.counters.refused++;
      return this.deliver(client, JSON.stringify({ type: 'ack', id, error: { code: 'EXPIRED', reason: 'the server no longer holds this stream' } }));
    }
    s.lastId = id;
    const handler = this.#handlers.get(frame.channel);
    if (!handler || handler.stream !== (kind === 'stream')) {
      this.counters.refused++;
      return this.deliver(client, JSON.stringify({ type: 'ack', id, error: { code: 'NOT_FOUND', reason: `no ${kind} handler named ${frame.channel}` } }));
    }
    const job = { chunks: [], reply: null, abort: new AbortController(), client };
    s.jobs.set(id, job);
    for (const [old, j] of s.jobs) {
      if (s.jobs.size <= MAX_JOBS) break;
      if (j.reply !== null) s.jobs.delete(old);
    }
    const ctx = { userId: client.userId, clientId: client.clientId, signal: job.abort.signal };
    const finish = (answer) => {
      try {
        job.reply = JSON.stringify({ type: 'ack', id, ...answer });
      } catch (err) {
        // A reply JSON cannot encode (BigInt, cyclic): an error, never a crash of the server.
        job.reply = JSON.stringify({ type: 'ack', id, error: { code: 'HANDLER_ERROR', reason: `the reply cannot be sent as JSON: ${err.message}` } });
      }
      this.counters[answer.error ? 'refused' : 'acknowledged']++;
      this.#answer(job, job.reply);
    };
    const fail = (err) => finish({ error: { code: job.abort.signal.aborted ? 'CANCELLED' : 'HANDLER_ERROR', reason: String(err?.message ?? err) } });
    if (!handler.stream) {
      Promise.resolve().then(() => handler.run(frame.data, ctx)).then((data) => finish({ data: data ?? null }), fail);
      return;
    }
    (async () => {
      let seq = 0;
      try {
        for await (const data of handler.run(frame.data, ctx)) {
          if (job.abort.signal.aborted) break;
          if (seq >= MAX_CHUNKS) throw new Error(`a stream may have at most ${MAX_CHUNKS} chunks (kept for replay)`);
          const text = JSON.stringify({ type: 'chunk', id, seq: ++seq, data });
          job.chunks.push({ seq, text });
          this.#answer(job, text);
        }
      } catch (err) {
        if (!job.abort.signal.aborted) throw err; // a handler that stops on its signal was cancelled, not failed
      }
      if (job.abort.signal.aborted) {
        this.counters.cancelled++;
        finish({ data: { done: false, chunks: seq, cancelled: true } });
      } else {
        finish({ data: { done: true, chunks: seq } });
      }
    })().catch(fail);
  }

  /** All open connections, or those matching `target` ({userId} and/or {clientId}). */
  select(target) {
    const all = [...this.#clients.values()];
    if (target == null) return all;
    return all.filter((c) =>
      (target.userId === undefined || c.userId === target.userId) &&
      (target.clientId === undefined || c.clientId === target.clientId));
  }

  get size() {
    return this.#clients.size;
  }

  /**
   * Sends one frame unless the connection is muted or no longer open. Every server-originated frame goes through
   * here, so a muted connection hears nothing. Returns whether the frame was handed to the socket.
   * @param {Client} client
   * @param {string | Buffer} payload
   * @param {{binary?: boolean}} [opts] binary:false with a Buffer sends its bytes as a text frame unvalidated
   * @param {(err?: Error) => void} [cb] called once written (or failed)
   */
  deliver(client, payload, opts = {}, cb) {
    if (client.muted || client.ws.readyState !== WebSocket.OPEN) return false;
    client.ws.send(payload, { binary: typeof payload !== 'string', ...opts }, cb);
    this.counters.messagesOut++;
    return true;
  }

  /** The stream of `channel`, created with a new epoch and offset 0 on first use. */
  #stream(channel) {
    let st = this.#streams.get(channel);
    if (!st) this.#streams.set(channel, (st = { epoch: randomBytes(6).toString('hex'), offset: 0, history: [], bytes: 0 }));
    return st;
  }

  /** Drops history entries beyond `historySize`, older than `historyTtlMs`, or beyond HISTORY_BYTES in all. */
  #trim(st) {
    const h = st.history;
    const oldest = Date.now() - this.#historyTtlMs;
    let cut = Math.max(0, h.length - this.#historySize);
    let bytes = st.bytes;
    for (let i = 0; i < cut; i++) bytes -= h[i].bytes;
    while (cut < h.length && (h[cut].at < oldest || bytes > HISTORY_BYTES)) bytes -= h[cut++].bytes;
    if (cut > 0) h.splice(0, cut);
    st.bytes = bytes;
  }

  /**
   * `websocket.broadcast` and client messages: a `message` frame to a channel's subscribers, stamped with its
   * position in the channel (`offset` within `epoch`) and kept in the channel's history for recovery.
   */
  broadcast(channel, data, { from, exclude, origin, id } = {}) {
    const st = this.#stream(channel);
    const offset = ++st.offset;
    const frame = JSON.stringify({ type: 'message', channel, data: data ?? null, timestamp: now(), from, origin, id, offset, epoch: st.epoch });
    // `by`: the sender's v2 session, so that a replay skips what the client sent itself (a live broadcast does).
    st.history.push({ offset, at: Date.now(), text: frame, by: exclude?.session ?? null, bytes: frame.length });
    st.bytes += frame.length;
    this.#trim(st);
    let delivered = 0;
    for (const c of this.#channels.get(channel) ?? []) {
      if (c !== exclude && this.deliver(c, frame)) delivered++;
    }
    return { delivered, frame };
  }

  /** `websocket.send`: a `message` frame to every connection of one user, subscribed or not. */
  sendToUser(userId, channel, data) {
    return this.#toUser(userId, JSON.stringify({ type: 'message', channel, data: data ?? null, timestamp: now() }));
  }

  /** Frame `text` to every connection of `userId` here; returns how many took it. */
  #toUser(userId, text) {
    let delivered = 0;
    for (const c of this.select({ userId })) if (this.deliver(c, text)) delivered++;
    return delivered;
  }

  /** `websocket.broadcast`: resolves with `{delivered}`, counted on every node in cluster mode. */
  async publish(channel, data) {
    if (this.#engine === null) return { delivered: this.broadcast(channel, data).delivered };
    const head = JSON.stringify({ type: 'message', channel, data: data ?? null, timestamp: now() }).slice(0, -1);
    return { delivered: (await this.#engine.broadcast(channel, head)).delivered };
  }

  /** `websocket.send`: resolves with the deliveries, on every node in cluster mode. */
  async sendEverywhere(userId, channel, data) {
    if (this.#engine === null) return this.sendToUser(userId, channel, data);
    const frame = JSON.stringify({ type: 'message', channel, data: data ?? null, timestamp: now() });
    return this.#engine.sendToUser(userId, frame);
  }

  /** Cluster mode: a `websocket.send` of any node (`env.u` the user, `env.x` the frame); returns the local deliveries. */
  clusterUser(env) {
    return this.#toUser(env.u, env.x);
  }

  /**
   * The `websocket.stats` answer, cluster-wide in cluster mode: clients, subscribers per channel and counters summed
   * over the live nodes (each reports every second), `presence` per node, and `nodes` ({node, activeClients}).
   */
  async clusterStats() {
    if (this.#engine === null) return this.stats();
    const nodes = await this.#engine.nodes();
    const out = { enabled: true, activeClients: 0, channels: [], presence: [], ...this.health(), nodes: [] };
    for (const key of Object.keys(this.counters)) out[key] = 0;
    const channels = new Map();
    for (const n of nodes) {
      out.activeClients += n.activeClients ?? 0;
      for (const ch of n.channels ?? []) channels.set(ch.name, (channels.get(ch.name) ?? 0) + ch.subscribers);
      out.presence.push(...(n.presence ?? []).map((p) => ({ ...p, node: n.node })));
      for (const key of Object.keys(this.counters)) out[key] += Number(n[key]) || 0;
      out.nodes.push({ node: n.node, activeClients: n.activeClients ?? 0 });
    }
    out.channels = [...channels].map(([name, subscribers]) => ({ name, subscribers }));
    return out;
  }

  /**
   * Cluster mode: a publish of any node, in Redis' order (`env`: `c` channel, `o` offset, `e` epoch, `x` the frame,
   * `b` the sender's origin, `i` its message id, `n` the node and `f` the connection that sent it). A message
   * after a hole (this node's bus subscription was down) waits while the hole is read back from the channel's
   * stream; a new epoch (Redis lost the channel) is a reported gap to every local subscriber. Returns the local
   * deliveries.
   */
  clusterMessage(env) {
    if (!this.#channels.has(env.c)) return 0;
    let st = this.#seen.get(env.c);
    if (st === undefined) this.#seen.set(env.c, (st = { epoch: env.e, offset: env.o - 1, queue: null }));
    if (st.queue !== null) {
      st.queue.push(env);
      return 0;
    }
    // A hole (the bus lost messages while this node's subscription was down) or a new epoch (Redis lost the
    // channel): read back what Redis holds before this message.
    if (env.e !== st.epoch || env.o > st.offset + 1) {
      st.queue = [env];
      this.#fill(env.c, st);
      return 0;
    }
    return this.#seenDeliver(env.c, st, env);
  }

  /** Delivers `env` to `channel`'s local subscribers unless already delivered; moves the channel's position. */
  #seenDeliver(channel, st, env) {
    if (env.e !== st.epoch || env.o <= st.offset) return 0; // another epoch's (a read-back comes first) or delivered
    st.offset = env.o;
    let delivered = 0;
    for (const c of this.#channels.get(channel) ?? []) if (this.#deliverEnv(c, env)) delivered++;
    return delivered;
  }

  /**
   * Reads back from Redis what the bus did not bring after `st`'s position (then the messages held meanwhile):
   * delivered in order, or, when the stream no longer holds it all or its epoch changed, a reported gap.
   */
  async #fill(channel, st) {
    try {
      let r = await this.#engine.position(channel, st.offset);
      // A new epoch starts its offsets anew: everything it holds is after the gap.
      if (r.epoch !== st.epoch) r = await this.#engine.position(channel, 0);
      if (this.#seen.get(channel) === st) {
        // What Redis holds and what the bus brought meanwhile (the latter may reach below a trimmed stream).
        const known = new Map();
        for (const e of r.entries) {
          const o = offsetOf(e.text);
          known.set(o, { c: channel, o, e: r.epoch, x: e.text, b: e.by ?? '', i: idOf(e.text), n: null });
        }
        for (const env of st.queue ?? []) if (env.e === r.epoch) known.set(env.o, env);
        const lowest = Math.min(r.first, ...known.keys()) - 1;
        const renewed = r.epoch !== st.epoch;
        // A new epoch (Redis lost the channel) starts anew; a history trimmed past our position skips what it lost:
        // either is a reported gap, at the lowest position from which everything is known.
        const base = renewed ? lowest : Math.max(st.offset, lowest);
        if (renewed || base > st.offset) {
          st.epoch = r.epoch;
          st.offset = base;
          this.#gap(channel, r.epoch, base);
        }
        for (const o of [...known.keys()].sort((a, b) => a - b)) {
          if (o <= st.offset) continue;
          if (o !== st.offset + 1) break; // a hole: what is left goes through clusterMessage, which reads it back
          this.#seenDeliver(channel, st, known.get(o));
        }
      }
    } catch (err) {
      this.#log(`cluster: reading back ${JSON.stringify(channel)} failed: ${err.message}`);
    }
    const queue = st.queue ?? [];
    st.queue = null;
    // Held meanwhile: in order, through the same checks (a position forgotten meanwhile starts anew).
    for (const env of queue) this.clusterMessage(env);
  }

  /** Cluster mode, Redis back: every channel with local subscribers checks for messages its node missed. */
  catchUp() {
    for (const [channel, st] of this.#seen) {
      if (st.queue !== null || !this.#channels.has(channel)) continue;
      st.queue = [];
      this.#fill(channel, st);
    }
  }

  /** A reported gap (`recovered: false`) to `channel`'s local v2 subscribers: its position is now `offset` of `epoch`. */
  #gap(channel, epoch, offset) {
    const text = gapFrame(channel, epoch, offset);
    for (const c of this.#channels.get(channel) ?? []) {
      if (c.session === null) continue;
      const held = c.pending?.get(channel);
      if (held !== undefined) held.push({ gap: true, e: epoch, o: offset });
      else if (this.deliver(c, text)) this.counters.gaps++;
    }
  }

  /**
   * One cluster message to connection `c`: held while its subscribe is answered; not to the connection that sent
   * it unless it asked for its echo (then the echo carries `ack`, as on one node); a message its own session sent
   * is skipped in a read-back unless it wants echoes.
   */
  #deliverEnv(c, env) {
    const held = c.pending?.get(env.c);
    if (held !== undefined) {
      held.push(env);
      return false;
    }
    // At or below the position its subscribe was answered with: it had it (replayed) or subscribed after it.
    const floor = c.floor?.get(env.c);
    if (floor !== undefined && floor.e === env.e && env.o <= floor.o) return false;
    const own = env.n === null ? env.b !== '' && env.b === c.session?.origin : env.n === this.#engine.node && env.f === c.clientId;
    if (!own) return this.deliver(c, env.x);
    if (!c.echo) return false;
    if (!(env.i > 0)) return this.deliver(c, env.x);
    const sent = this.deliver(c, withAck(env.i, env.x));
    if (sent) this.counters.acknowledged++;
    return sent;
  }

  /**
   * Cluster mode, a v2 `subscribe`: the channel's position from Redis, and, with `since`, the messages after it
   * (`recovered: true`) or a reported gap; live messages that arrive meanwhile are held, then delivered after the
   * answer, skipping what the replay held.
   */
  async #clusterResume(client, channel, since) {
    const held = [];
    (client.pending ??= new Map()).set(channel, held);
    const resume = since !== null && typeof since === 'object' && Number.isInteger(since.offset);
    let r;
    try {
      r = await this.#engine.position(channel, resume ? Math.max(0, since.offset) : -1);
    } catch (err) {
      this.#log(`cluster: the position of ${JSON.stringify(channel)} failed: ${err.message}`);
      if (client.pending?.get(channel) === held) client.pending.delete(channel);
      return this.close(client, 1011, 'cluster unavailable');
    }
    if (client.pending?.get(channel) !== held) return; // unsubscribed (or subscribed again) meanwhile
    client.pending.delete(channel);
    const answer = { type: 'subscribed', channel, epoch: r.epoch, offset: r.offset };
    if (resume) {
      const ok = since.epoch === r.epoch && since.offset >= 0 && since.offset <= r.offset && since.offset + 1 >= r.first;
      let replayed = 0;
      if (ok) {
        for (const e of r.entries) {
          if (e.by !== null && e.by === client.session.origin && !client.echo) continue;
          if (this.deliver(client, e.text)) replayed++;
        }
      }
      Object.assign(answer, { recovered: ok, replayed });
      this.counters[ok ? 'recoveries' : 'gaps']++;
    }
    this.deliver(client, JSON.stringify(answer));
    if (!this.#seen.has(channel)) this.#seen.set(channel, { epoch: r.epoch, offset: r.offset, queue: null });
    // The position reply can overtake older bus messages: those must not reach it after this answer.
    (client.floor ??= new Map()).set(channel, { e: r.epoch, o: r.offset });
    let { epoch, offset } = r;
    for (const env of held) {
      if (env.gap && env.e === epoch && env.o <= offset) continue; // the answer is already past that gap
      if (env.gap || env.e !== epoch) {
        epoch = env.e;
        offset = env.gap ? env.o : env.o - 1;
        if (this.deliver(client, gapFrame(channel, epoch, offset))) this.counters.gaps++;
        if (env.gap) continue;
      }
      if (env.o <= offset) continue;
      offset = env.o;
      this.#deliverEnv(client, env);
    }
  }

  /**
   * Cluster mode, a client message: published through Redis (which drops a v2 re-send it already took, on any
   * node), acknowledged once Redis holds it: by the echo for a client that asked for echoes, else by `ack`.
   */
  #clusterPublish(client, frame, tracked, id) {
    const s = client.session;
    const head = JSON.stringify({
      type: 'message', channel: frame.channel, data: frame.data ?? null, timestamp: now(), from: client.clientId,
      origin: tracked ? s.origin : undefined, id: tracked ? id : undefined,
    }).slice(0, -1);
    this.#engine.publish({ channel: frame.channel, head, origin: tracked ? s.origin : '', id: tracked ? id : 0, from: client.clientId }).then((r) => {
      if (r.dup) this.counters.duplicates++;
      else if (this.#crash !== null && ++this.#taken === this.#crashAfter) this.#crash();
      // The echo comes through the bus to a subscriber of the channel (in the channel's order); to a sender not
      // subscribed, from here (it tracks no position there).
      const viaBus = client.channels.has(frame.channel);
      if (!r.dup && client.echo && !viaBus) {
        const text = `${head},"offset":${r.offset},"epoch":"${r.epoch}"}`;
        if (this.deliver(client, tracked ? withAck(id, text) : text) && tracked) this.counters.acknowledged++;
        if (tracked && id > s.lastId) s.lastId = id;
        return;
      }
      if (!tracked) return;
      if (id > s.lastId) s.lastId = id;
      if (r.dup || !client.echo) {
        this.counters.acknowledged++;
        this.#ackLater(client);
      }
    }, (err) => {
      // Not taken: the client re-sends it on its next connection (here or on another node).
      this.#log(`cluster: publish to ${JSON.stringify(frame.channel)} failed: ${err.message}; closing ${client.clientId} (1011)`);
      this.close(client, 1011, 'cluster publish failed');
    });
  }

  /** The `websocket.stats` answer. Deliberately free of tokens and user ids. */
  stats() {
    return {
      enabled: true,
      activeClients: this.#clients.size,
      channels: [...this.#channels].map(([name, subs]) => ({ name, subscribers: subs.size })),
      presence: this.presence.stats(),
      ...this.counters,
    };
  }

  resetCounters() {
    for (const key of Object.keys(this.counters)) this.counters[key] = 0;
    for (const c of this.#clients.values()) c.messagesIn = c.pingsIn = c.badFrames = 0;
  }

  /**
   * Mutes or unmutes a connection. Muted: nothing is sent (see `deliver`), the heartbeat skips it, and its socket is
   * paused so nothing it sends is read — not even a close frame or a ws ping: a half-open link as the client sees it.
   * Unmuting resumes reading; whatever the client sent meanwhile is then read, as TCP delivers after a link recovers.
   */
  setMuted(client, muted, heartbeat = false) {
    // `heartbeat`: the server's heartbeat still pings it (unanswered, as the socket is unread), so the server finds
    // it dead and drops it: a link dead both ways, as a vanished client's is.
    client.beatWhileMuted = muted && heartbeat;
    if (client.muted === muted) return;
    client.muted = muted;
    const socket = client.ws._socket;
    if (muted) {
      socket?.pause();
    } else {
      client.alive = true; // it could not answer pings while muted
      socket?.resume();
    }
  }

  /** Runs `fn` after `ms` unless the connection closes first. */
  later(client, ms, fn) {
    const timer = setTimeout(() => { client.timers.delete(timer); fn(); }, ms);
    client.timers.add(timer);
  }

  /**
   * Closes a connection with `code`: 1006 is a `terminate()` (ws refuses to send it), 1005 a close frame without a
   * code; anything else must be a code ws can send. A muted connection is unmuted first so the close handshake can
   * complete instead of hanging until ws' close timeout.
   */
  close(client, code, reason = '') {
    if (code === 1006) return client.ws.terminate();
    this.setMuted(client, false);
    if (code === 1005) client.ws.close();
    else client.ws.close(code, reason);
  }

  /** Closes every connection with `code`/`reason`, terminating those still open after `graceMs`. */
  async shutdown(code = 1001, reason = 'server shutting down', graceMs = 1000) {
    clearInterval(this.#heartbeat);
    this.presence.close();
    const clients = [...this.#clients.values()];
    const closed = clients.map((c) => new Promise((resolve) => {
      if (c.ws.readyState === WebSocket.CLOSED) resolve();
      else c.ws.once('close', resolve);
    }));
    for (const c of clients) this.close(c, code, reason);
    let timer;
    await Promise.race([
      Promise.all(closed),
      new Promise((resolve) => { timer = setTimeout(resolve, graceMs); }),
    ]);
    clearTimeout(timer);
    for (const c of clients) c.ws.terminate();
  }

  // ---- internals ----

  #forget(client) {
    for (const timer of client.timers) clearTimeout(timer);
    client.timers.clear();
    if (client.session) this.#leaveSession(client.session, client);
    this.presence.drop(client); // gone: each channel's presence keeps the user for the grace period
    for (const name of client.channels) this.#leave(client, name);
    this.#clients.delete(client.clientId);
  }

  #leave(client, name) {
    if (client.presence.has(name)) this.presence.leave(client, name, true);
    client.channels.delete(name);
    client.pending?.delete(name);
    client.floor?.delete(name);
    const subs = this.#channels.get(name);
    if (!subs) return;
    subs.delete(client);
    if (subs.size === 0) {
      this.#channels.delete(name);
      this.#seen.delete(name); // a read-back in progress sees it is stale (#fill)
      const st = this.#streams.get(name);
      if (st) {
        this.#trim(st);
        if (st.history.length === 0) this.#streams.delete(name); // nothing to recover: a later subscribe starts a new epoch
      }
    }
  }

  #bad(client) {
    client.badFrames++;
    this.counters.badFrames++;
  }

  /** Handles one client frame. Malformed frames are counted and ignored; nothing here may throw. */
  #onFrame(client, raw, isBinary) {
    if (client.muted) return; // defensive: a paused socket should not deliver any
    if (isBinary) return this.#bad(client);
    let frame;
    try {
      frame = JSON.parse(raw.toString('utf8'));
    } catch {
      return this.#bad(client);
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame) || !CLIENT_TYPES.has(frame.type)) {
      return this.#bad(client);
    }
    const needsChannel = frame.type !== 'ping' && frame.type !== 'pong' && frame.type !== 'cancel';
    if (needsChannel && (typeof frame.channel !== 'string' || frame.channel === '')) return this.#bad(client);
    // Redis keys and the bus carry UTF-8: a lone surrogate would become U+FFFD and merge channels.
    if (needsChannel && this.#engine !== null && !frame.channel.isWellFormed()) return this.#bad(client);

    client.messagesIn++;
    this.counters.messagesIn++;
    switch (frame.type) {
      case 'subscribe': {
        // Protocol v2: replay what the client missed since its position, then answer `subscribed` (synchronously,
        // so no live message can come between the replay and the subscription).
        if (client.session && this.#engine !== null) this.#clusterResume(client, frame.channel, frame.since);
        else if (client.session) this.#resume(client, frame.channel, frame.since);
        let subs = this.#channels.get(frame.channel);
        if (!subs) this.#channels.set(frame.channel, (subs = new Set()));
        subs.add(client);
        client.channels.add(frame.channel);
        // Protocol v2: `presence` (what the user shares, or true) joins the channel's presence too.
        if (client.session && frame.presence !== undefined) {
          this.presence.join(client, frame.channel, frame.presence);
        }
        break;
      }
      case 'presence':
        // Protocol v2, on a subscribed channel: join (or share new data), or `leave: true`.
        if (client.session === null || !client.channels.has(frame.channel)) return this.#bad(client);
        if (frame.leave === true) this.presence.leave(client, frame.channel, true);
        else if (!this.presence.join(client, frame.channel, frame.data)) return this.#bad(client);
        break;
      case 'typing':
        if (client.session === null) return this.#bad(client);
        this.presence.typing(client, frame.channel, frame.typing === true);
        break;
      case 'unsubscribe':
        this.#leave(client, frame.channel);
        break;
      case 'message': {
        const s = client.session;
        const id = frame.id;
        const tracked = s !== null && Number.isInteger(id) && id >= 1 && id <= 0xffffffff;
        // Only a v2 message can be refused (a v1 sender would never hear of it).
        const refused = tracked && frame.channel.startsWith(READ_ONLY_PREFIX);
        // Protocol v2: an id at or below the session's last is a re-send of a message already taken: acknowledged
        // again (with the same answer), never delivered twice.
        if (this.#engine !== null && !refused) {
          this.#clusterPublish(client, frame, tracked, id);
          break;
        }
        if (tracked && id <= s.lastId) {
          this.counters.duplicates++;
        } else if (!refused) {
          if (tracked) s.lastId = id;
          // To the other subscribers (a v2 sender's message with its origin and id); back to the sender only if it
          // opted in with echo=1 (subscribed or not), where a v2 echo carries `ack` and stands for the `ack` frame.
          const { frame: text } = this.broadcast(frame.channel, frame.data, {
            from: client.clientId, exclude: client, origin: tracked ? s.origin : undefined, id: tracked ? id : undefined,
          });
          if (this.#crash !== null && ++this.#taken === this.#crashAfter) this.#crash();
          if (client.echo && this.deliver(client, tracked ? withAck(id, text) : text) && tracked) {
            this.counters.acknowledged++;
            break;
          }
        } else {
          s.lastId = id;
        }
        if (!tracked) break;
        if (refused) {
          this.counters.refused++;
          this.deliver(client, JSON.stringify({ type: 'ack', id, error: READ_ONLY_ERROR }));
        } else {
          this.counters.acknowledged++;
          this.#ackLater(client);
        }
        break;
      }
      case 'ping':
        client.pingsIn++;
        this.deliver(client, JSON.stringify({ type: 'pong', timestamp: now(), data: frame.data }));
        break;
      case 'pong': // an application-level pong needs no answer
        break;
      case 'request':
      case 'stream':
        if (client.session === null || !Number.isInteger(frame.id) || frame.id < 1) return this.#bad(client);
        this.#job(client, frame, frame.id);
        break;
      case 'cancel': {
        const job = client.session?.jobs.get(frame.id);
        if (job && job.reply === null) job.abort.abort();
        break;
      }
    }
  }

  /**
   * Answers a v2 `subscribe`: with `since` ({epoch, offset}), replays the channel messages after it when the epoch
   * is the channel's and its history still holds all of them (`recovered: true`), else says it cannot
   * (`recovered: false`); then `subscribed` with the channel's position.
   */
  #resume(client, channel, since) {
    const st = this.#stream(channel);
    this.#trim(st);
    const answer = { type: 'subscribed', channel, epoch: st.epoch, offset: st.offset };
    if (since !== null && typeof since === 'object' && Number.isInteger(since.offset)) {
      const h = st.history;
      const first = h.length > 0 ? h[0].offset : st.offset + 1;
      const ok = since.epoch === st.epoch && since.offset <= st.offset && since.offset + 1 >= first;
      let replayed = 0;
      if (ok) {
        for (const e of h) {
          if (e.offset <= since.offset || (e.by === client.session && !client.echo)) continue;
          if (this.deliver(client, e.text)) replayed++;
        }
      }
      Object.assign(answer, { recovered: ok, replayed });
      this.counters[ok ? 'recoveries' : 'gaps']++;
    }
    this.deliver(client, JSON.stringify(answer));
  }

  /**
   * A cumulative acknowledgement of everything the session took (`{"type":"ack","upTo":lastId}`), once per turn of
   * the event loop however many messages the turn read: a burst of thousands is acknowledged in a few frames.
   */
  #ackLater(client) {
    if (client.ackPending) return;
    client.ackPending = true;
    setImmediate(() => {
      client.ackPending = false;
      if (client.session) this.deliver(client, JSON.stringify({ type: 'ack', upTo: client.session.lastId }));
    });
  }

  /** Protocol-level heartbeat (WebSocket ping frames, RFC 6455 section 5.5.2): terminate connections that did not pong since the previous round. */
  #beat() {
    for (const c of this.#clients.values()) {
      if ((c.muted && !c.beatWhileMuted) || c.ws.readyState !== WebSocket.OPEN) continue;
      if (!c.alive) {
        this.#log(`[ws] ${c.clientId}: no pong since the last heartbeat, terminating`);
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
