// Cluster mode of the reference server (`--redis URL`): the channels' offsets, epochs and history, the duplicate
// filter of v2 sessions and the fan-out between nodes live in one Redis, so that any node can take a client.
// Modelled on Centrifugo's Redis engine (https://centrifugal.dev/docs/server/engines#redis-engine): a publish is one
// Lua script that checks the sender's last message id, increments the channel's offset, appends the frame to a
// capped stream and publishes it, atomically; history is read back from the stream on recovery; each stream has an
// epoch, so a Redis that lost its data shows as a new epoch (a reported gap), never as a silent one.
//
// Keys (`{p}` is the key prefix, `zantara:` by default):
//   {p}m:<channel>   hash {epoch, offset}: the channel's position (kept a day after its last publish)
//   {p}s:<channel>   stream of the channel's frames, entry id `<offset>-1`, fields t (the frame) and b (the sender's
//                    origin); capped at `historySize` entries, expires `historyTtlMs` after its last publish
//   {p}o:<origin>    a v2 session's last message id (the duplicate filter), expires `sessionTtlMs` after its last use
// Pub/sub channels: {p}bus (every publish, `websocket.send` and stats request, to every node), {p}reply:<node> (the
// answers, counts or stats, for the node that asked).

import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

/**
 * KEYS: 1 position hash, 2 stream, 3 the sender's duplicate-filter key (or the position hash again when none).
 * ARGV: 1 the frame without its closing brace, 2 the sender's origin ('' for none), 3 history size, 4 history TTL ms,
 * 5 a new epoch (used when the channel has none), 6 the message id (0: none), 7 session TTL ms, 8 the bus channel,
 * 9 the publishing node, 10 the sending connection's id, 11 the channel, 12 a reply ticket ('' for none), 13 how long
 * the position outlives the last publish (ms; longer than the history, so offsets never restart under a stream).
 * Returns {0} for a re-sent message (id at or below the session's last), else {1, offset, epoch, nodes}.
 */
const PUBLISH = `
local id = tonumber(ARGV[6])
if id > 0 then
  local last = tonumber(redis.call('GET', KEYS[3]) or '0')
  if id <= last then
    redis.call('PEXPIRE', KEYS[3], ARGV[7])
    return {0}
  end
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  -- A new epoch: a stream left from a lost position belongs to the old one (its ids would refuse our offsets).
  epoch = ARGV[5]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[13])
local text = ARGV[1] .. ',"offset":' .. offset .. ',"epoch":"' .. epoch .. '"}'
if tonumber(ARGV[3]) > 0 then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], offset .. '-1', 't', text, 'b', ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
local nodes = redis.call('PUBLISH', ARGV[8], cjson.encode({k = 'm', n = ARGV[9], f = ARGV[10], c = ARGV[11],
  o = offset, e = epoch, b = ARGV[2], i = id, x = text, q = ARGV[12]}))
-- The duplicate filter last: a script that failed above has not taken the message (a re-send must publish it).
if id > 0 then redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7]) end
return {1, offset, epoch, nodes}
`;

/**
 * KEYS: 1 position hash, 2 stream. ARGV: 1 the offset after which entries are wanted (-1: none wanted), 2 a new
 * epoch (set when the channel has none), 3 the position's TTL ms.
 * Returns {epoch, offset, first offset held, entries as [text, origin, ...]}.
 */
const POSITION = `
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[2]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('DEL', KEYS[2])
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset') or '0')
local first = offset + 1
local head = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if #head > 0 then first = tonumber(string.match(head[1][1], '^(%d+)')) end
local out = {}
local after = tonumber(ARGV[1])
if after >= 0 and after < offset then
  for _, e in ipairs(redis.call('XRANGE', KEYS[2], '(' .. after .. '-1', '+')) do
    local f = e[2]
    local t, b
    for i = 1, #f, 2 do
      if f[i] == 't' then t = f[i + 1] elseif f[i] == 'b' then b = f[i + 1] end
    end
    out[#out + 1] = t
    out[#out + 1] = b or ''
  end
end
return {epoch, offset, first, out}
`;

/** Each node's heartbeat on the bus (for cluster-wide presence), and the silence after which a node counts as gone. */
const HEARTBEAT_MS = 1000;
const NODE_GONE_MS = 3500;
/** How long `websocket.broadcast`, `websocket.send` and `websocket.stats` wait for the other nodes' answers. */
const REPLY_WAIT_MS = 1000;

/** A node id: 8 hex characters, new for every process. */
const newNodeId = () => randomBytes(4).toString('hex');

/**
 * One node's link to the cluster's Redis. It holds no channel state of its own: the hub calls `publish`, `position`
 * and `sendToUser`, and hears every publish of every node through `onMessage(envelope)` in Redis' order, and each
 * `websocket.send` through `onUser(envelope) -> delivered`.
 */
export class RedisEngine {
  #cmd;
  #sub;
  #prefix;
  #opts;
  #replies = new Map(); // ticket -> {want, got, sum, items, done}
  #seenNodes = new Map(); // node -> Date.now() of its last heartbeat (cluster-wide presence)
  #beat = null;
  #up = false;
  #wasUp = false;

  /**
   * @param {object} opts
   * @param {string} opts.url `redis://host:port[/db]`
   * @param {string} [opts.prefix='zantara:'] key and channel prefix (two clusters can share one Redis)
   * @param {number} opts.historySize entries kept per channel stream (0: none)
   * @param {number} opts.historyTtlMs a stream expires this long after its last publish
   * @param {number} opts.sessionTtlMs a session's duplicate filter expires this long after its last message
   * @param {(env: object) => void} opts.onMessage a publish from any node, in Redis' order
   * @param {(env: object) => number} opts.onUser a `websocket.send` from any node: returns the local deliveries
   * @param {(up: boolean) => void} opts.onLink Redis reachable (again) or lost
   * @param {() => object} opts.localStats this node's `websocket.stats`
   * @param {(env: object) => void} [opts.onPresence] another node's presence news: `pv` a member's view, `pt` a
   *   typing frame, `ps` a snapshot of its members
   * @param {() => void} [opts.onPresenceRequest] our members must be told again (Redis was away)
   * @param {() => object[]} [opts.presenceSnapshot] this node's members, for another node that asks
   * @param {(node: string) => void} [opts.onNodeGone] a node sent no heartbeat for NODE_GONE_MS, or said goodbye
   * @param {(node: string) => void} [opts.onNodeBack] a node heard from first, or again after it was gone
   * @param {(msg: string) => void} opts.log
   */
  constructor(opts) {
    this.#opts = opts;
    this.#prefix = opts.prefix ?? 'zantara:';
    this.node = newNodeId();
    // maxRetriesPerRequest null: while Redis is away, commands wait in ioredis' offline queue and run once it is
    // back, so a message taken meanwhile is published (and acknowledged) late, never dropped.
    const base = { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(50 * n, 200), lazyConnect: true };
    this.#cmd = new Redis(opts.url, { ...base, connectionName: `zantara-${this.node}` });
    this.#sub = new Redis(opts.url, { ...base, connectionName: `zantara-${this.node}-sub` });
    this.#cmd.defineCommand('zPublish', { numberOfKeys: 3, lua: PUBLISH });
    this.#cmd.defineCommand('zPosition', { numberOfKeys: 2, lua: POSITION });
    for (const r of [this.#cmd, this.#sub]) {
      r.on('error', () => {}); // reported through 'close' / 'ready' below, once per change
      r.on('close', () => this.#link());
      r.on('ready', () => this.#link());
    }
    this.#sub.on('message', (ch, text) => this.#onBus(ch, text));
  }

  /** Whether both connections to Redis are ready. */
  get up() {
    return this.#up;
  }

  /** Connects and subscribes; rejects when Redis cannot be reached at start. */
  async start() {
    await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
    await this.#sub.subscribe(`${this.#prefix}bus`, `${this.#prefix}reply:${this.node}`);
    this.#link();
    this.#beat = setInterval(() => this.#heartbeat(), HEARTBEAT_MS);
    this.#beat.unref();
    await this.#askPresence();
  }

  /**
   * Asks every other node for its presence members and waits (at most REPLY_WAIT_MS) for them, so that this node's
   * first joiner's `sync` lists them all.
   */
  async #askPresence() {
    const t = this.#ticket();
    const nodes = await this.#cmd.publish(`${this.#prefix}bus`, JSON.stringify({ k: 'prq', n: this.node, q: t.ticket })).catch((err) => this.#drop(t, err));
    t.expect(nodes - 1); // every subscriber of the bus but this node
    await t.promise;
  }

  async close() {
    clearInterval(this.#beat);
    // Going away on purpose: the others apply their grace period to our members at once (no heartbeat wait).
    if (this.#up) await this.#cmd.publish(`${this.#prefix}bus`, JSON.stringify({ k: 'bye', n: this.node })).catch(() => {});
    this.#cmd.disconnect();
    this.#sub.disconnect();
  }

  #link() {
    const up = this.#cmd.status === 'ready' && this.#sub.status === 'ready';
    if (up === this.#up) return;
    this.#up = up;
    if (!up) this.#opts.log(`cluster: node ${this.node} lost Redis; keeping its connections, publishes wait`);
    else if (this.#wasUp) this.#opts.log(`cluster: node ${this.node} reached Redis again`);
    if (up && this.#wasUp) {
      // Back: the others may have given this node up meanwhile, and presence news sent meanwhile may be lost:
      // tell them our members, and ask for theirs (snapshots: each replaces what the other nodes held).
      this.#opts.onPresenceRequest?.();
      this.#askPresence().catch(() => {});
    }
    this.#wasUp ||= up;
    this.#opts.onLink(up);
  }

  /** Publishes `env` (this node's name added) on the bus; a failure is only logged (presence is best effort). */
  #bus(env) {
    this.#cmd.publish(`${this.#prefix}bus`, JSON.stringify({ ...env, n: this.node })).catch(() => {});
  }

  /** Cluster-wide presence: this node's `view` of a member ({c, u, v}) or a typing frame ({c, u, d, on}). */
  presence(kind, payload) {
    this.#bus({ k: { view: 'pv', typing: 'pt', snapshot: 'ps' }[kind], ...payload });
  }

  /** Sends this node's heartbeat; the nodes silent for NODE_GONE_MS are gone (their members leave). */
  #heartbeat() {
    if (!this.#up) return;
    this.#bus({ k: 'hb' });
    const now = Date.now();
    for (const [node, at] of this.#seenNodes) {
      if (now - at <= NODE_GONE_MS) continue;
      this.#seenNodes.delete(node);
      this.#opts.onNodeGone?.(node);
    }
  }

  /**
   * Publishes frame `head` (a `message` frame's JSON without `offset`, `epoch` and the closing brace) to `channel`:
   * `{dup: true}` when `id` (a v2 session's message id, 0 for none) was already taken from `origin`, else
   * `{dup: false, offset, epoch, nodes}` once Redis holds it (the frame reaches every node's `onMessage`).
   */
  async publish({ channel, head, origin = '', id = 0, from = '', ticket = '' }) {
    const p = this.#prefix;
    const o = this.#opts;
    const dupKey = origin && id ? `${p}o:${origin}` : `${p}m:${channel}`;
    const r = await this.#cmd.zPublish(`${p}m:${channel}`, `${p}s:${channel}`, dupKey, head, origin, o.historySize,
      o.historyTtlMs, randomBytes(6).toString('hex'), id, o.sessionTtlMs, `${p}bus`, this.node, from, channel, ticket,
      this.#positionTtl());
    if (r[0] === 0) return { dup: true };
    return { dup: false, offset: r[1], epoch: r[2], nodes: r[3] };
  }

  /** How long a channel's position outlives its last publish: a day, or twice the history's TTL. */
  #positionTtl() {
    return Math.max(86_400_000, 2 * this.#opts.historyTtlMs);
  }

  /**
   * The position of `channel` (`{epoch, offset, first}`: `first` the oldest offset the history holds, `offset + 1`
   * when it holds none), given a new epoch when it had none, and, when `after` >= 0, the frames held after offset
   * `after` as `[{text, by}]` in order (`by`: the sender's origin, or null).
   */
  async position(channel, after = -1) {
    const p = this.#prefix;
    const [epoch, offset, first, flat] = await this.#cmd.zPosition(`${p}m:${channel}`, `${p}s:${channel}`, after,
      randomBytes(6).toString('hex'), this.#positionTtl());
    const entries = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ text: flat[i], by: flat[i + 1] || null });
    return { epoch, offset, first, entries };
  }

  /**
   * Opens a reply ticket: resolves with `{sum, items}`, the sum of the counts and the list of stats the nodes send
   * back, once `expect(n)` of them did or after REPLY_WAIT_MS (a node that died meanwhile does not hold it up).
   */
  #ticket() {
    const ticket = randomBytes(6).toString('hex');
    let done;
    const promise = new Promise((resolve) => { done = resolve; });
    const entry = { want: Infinity, got: 0, sum: 0, items: [], done, timer: null };
    this.#replies.set(ticket, entry);
    // The wait starts once the request is out (Redis may have held it): `n` nodes received it.
    const expect = (n) => {
      entry.want = n;
      if (entry.got >= n) return this.#settle(ticket);
      entry.timer = setTimeout(() => this.#settle(ticket), REPLY_WAIT_MS);
      entry.timer.unref();
    };
    return { ticket, promise, expect };
  }

  /** A request that never went out: its ticket is forgotten, `err` thrown on. */
  #drop(t, err) {
    this.#replies.delete(t.ticket);
    throw err;
  }

  #settle(ticket) {
    const e = this.#replies.get(ticket);
    if (!e) return;
    clearTimeout(e.timer);
    this.#replies.delete(ticket);
    e.done({ sum: e.sum, items: e.items });
  }

  /** `websocket.broadcast` on this node: published like a client message; resolves with the deliveries on every node. */
  async broadcast(channel, head) {
    const t = this.#ticket();
    const r = await this.publish({ channel, head, ticket: t.ticket }).catch((err) => this.#drop(t, err));
    t.expect(r.nodes);
    return { delivered: (await t.promise).sum, offset: r.offset, epoch: r.epoch };
  }

  /** `websocket.send` on this node: every node delivers `text` to the user's connections; resolves with the total. */
  async sendToUser(userId, text) {
    const t = this.#ticket();
    const nodes = await this.#cmd.publish(`${this.#prefix}bus`, JSON.stringify({ k: 'u', n: this.node, u: userId, x: text, q: t.ticket }))
      .catch((err) => this.#drop(t, err));
    t.expect(nodes);
    return (await t.promise).sum;
  }

  /** Every node's `websocket.stats` (`[{node, ...stats}]`), asked over the bus; this node's first. */
  async nodes() {
    const t = this.#ticket();
    const nodes = await this.#cmd.publish(`${this.#prefix}bus`, JSON.stringify({ k: 's', n: this.node, q: t.ticket }))
      .catch((err) => this.#drop(t, err));
    t.expect(nodes);
    const { items } = await t.promise;
    return items.sort((a, b) => (a.node === this.node ? -1 : b.node === this.node ? 1 : a.node < b.node ? -1 : 1));
  }

  #onBus(ch, text) {
    let env;
    try {
      env = JSON.parse(text);
    } catch {
      return;
    }
    if (ch !== `${this.#prefix}bus`) {
      // A count for one of our tickets.
      const e = this.#replies.get(env.q);
      if (!e) return;
      e.got++;
      e.sum += Number(env.d) || 0;
      if (env.s) e.items.push({ node: env.from, ...env.s });
      if (env.p) this.#opts.onPresence?.({ k: 'ps', n: env.from, views: env.p });
      if (e.got >= e.want) this.#settle(env.q);
      return;
    }
    if (env.n !== this.node) {
      if (env.k === 'bye') {
        this.#seenNodes.delete(env.n);
        return this.#opts.onNodeGone?.(env.n);
      }
      // A node heard from for the first time, or again after it was given up (a stall longer than NODE_GONE_MS):
      // it may have dropped our members meanwhile, so it gets them again.
      if (!this.#seenNodes.has(env.n)) this.#opts.onNodeBack?.(env.n);
      this.#seenNodes.set(env.n, Date.now());
      if (env.k === 'prq') {
        const views = this.#opts.presenceSnapshot?.() ?? [];
        this.#cmd.publish(`${this.#prefix}reply:${env.n}`, JSON.stringify({ q: env.q, from: this.node, p: views })).catch(() => {});
        return;
      }
      if (env.k === 'pv' || env.k === 'pt' || env.k === 'ps') return this.#opts.onPresence?.(env);
    }
    let answer;
    if (env.k === 'm') answer = { d: this.#opts.onMessage(env) ?? 0 };
    else if (env.k === 'u') answer = { d: this.#opts.onUser(env) ?? 0 };
    else if (env.k === 's') answer = { s: this.#opts.localStats(), from: this.node };
    if (env.q && answer) this.#cmd.publish(`${this.#prefix}reply:${env.n}`, JSON.stringify({ q: env.q, ...answer })).catch(() => {});
  }
}
