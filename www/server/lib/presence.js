// Presence and typing of the reference server (docs/PROTOCOL.md, "Presence and typing"), in memory.
//
// A channel's members are users, not connections: a user with three tabs in a channel is one member with
// `connections: 3`. A connection joins a channel's presence with a `subscribe` carrying `presence` (or a
// `presence` frame on a channel it is subscribed to) and leaves it with `unsubscribe`, a `presence` frame with
// `leave: true`, or by going away. Going away (a closed or terminated socket, a dead link the heartbeat found) is
// not a leave at once: the user stays a member for `graceMs`, so a page that reloads or reconnects within it
// causes no `leave` and no `join`. Every connection in a channel's presence (a watcher) hears the others' events.
//
// Typing: a member's `typing` frames (`typing: true` while the user types, refreshed by the client at most once
// per its interval; `typing: false` when they stop) go to the other users' watchers of the channel. The server
// ends a typing indication by itself when no refresh came for `typingTtlMs` or when the typist's connection goes
// away, so an indicator never outlives its typist.

/** The largest `data` a member may share, in UTF-16 units of its JSON text (larger: the frame is refused). */
export const MAX_PRESENCE_DATA = 2048;

export class Presence {
  /** @type {Map<string, {members: Map<string, Member>, watchers: Set<object>}>} */
  #channels = new Map();
  #graceMs;
  #typingTtlMs;
  #send;
  /**
   * Cluster mode: what the other nodes' members are, channel -> userId -> node -> view (each node's own view of its
   * member: its connections there), and `#cluster.publish(kind, payload)` telling them ours. Null on one server.
   * @type {Map<string, Map<string, Map<string, {userId: string, data: unknown, connections: number}>>>}
   */
  #remote = new Map();
  #cluster = null;
  /** Cluster mode: remote typists, `channel\nuserId` -> their node; nodes whose members leave after the grace. */
  #remoteTypists = new Map();
  #gone = new Map();

  /**
   * @param {object} opts
   * @param {(client: object, text: string) => boolean} opts.send sends a frame to one connection
   * @param {number} [opts.graceMs=5000] how long a user whose last connection went away stays a member
   * @param {number} [opts.typingTtlMs=6000] how long a typing indication lasts without a refresh
   */
  constructor({ send, graceMs = 5000, typingTtlMs = 6000 }) {
    this.#send = send;
    this.#graceMs = graceMs;
    this.#typingTtlMs = typingTtlMs;
  }

  /**
   * Cluster mode: `cluster.publish(kind, payload)` tells the other nodes `'view'` `{c, u, v, at}` (this node's view
   * `v` of member `u` of channel `c`, null: gone from this node; `at` when its data was last set), `'typing'`
   * `{c, u, d, on}`, `'snapshot'` `{views: [{c, u, v, at}]}` (every member of this node: it replaces what the others
   * held of it). Members are then users over every node: connections summed, the data last set on any node, a join
   * when the first node has them, a leave when the last lets them go (each node applies its grace period, also to
   * a node that went away).
   */
  attachCluster(cluster) {
    this.#cluster = cluster;
  }

  /** Cluster mode: node `node`'s view `view` of member `userId` in `channel` (null: gone there), data set at `at`. */
  remoteView(node, channel, userId, view, at = 0) {
    const before = this.#view(channel, userId);
    let users = this.#remote.get(channel);
    if (view === null || view === undefined) {
      if (!users?.get(userId)?.delete(node)) return;
      if (users.get(userId).size === 0) users.delete(userId);
      if (users.size === 0) this.#remote.delete(channel);
      this.#remoteStop(node, channel, userId);
    } else {
      if (!users) this.#remote.set(channel, (users = new Map()));
      if (!users.has(userId)) users.set(userId, new Map());
      users.get(userId).set(node, { data: view.data ?? null, connections: Math.max(1, view.connections | 0), at: Number(at) || 0 });
    }
    this.#tell(channel, userId, before, this.#view(channel, userId));
  }

  /** Cluster mode: every member node `node` has now (`views`), replacing what this node held of it. */
  snapshot(node, views) {
    const fresh = new Set();
    for (const x of Array.isArray(views) ? views : []) {
      if (typeof x?.c !== 'string' || typeof x?.u !== 'string' || !x.v) continue;
      fresh.add(`${x.c}\n${x.u}`);
      this.remoteView(node, x.c, x.u, x.v, x.at);
    }
    for (const [channel, users] of [...this.#remote]) {
      for (const [userId, nodes] of [...users]) if (nodes.has(node) && !fresh.has(`${channel}\n${userId}`)) this.remoteView(node, channel, userId, null);
    }
  }

  /** Cluster mode: this node's members, for a snapshot. */
  localViews() {
    const out = [];
    for (const [channel, ch] of this.#channels) for (const m of ch.members.values()) out.push({ c: channel, u: m.userId, v: m.view(), at: m.dataAt });
    return out;
  }

  /** Cluster mode: tells the other nodes every member of this one (a node came back or asked). */
  republish() {
    this.#cluster?.publish('snapshot', { views: this.localViews() });
  }

  /**
   * Cluster mode: node `node` went away (no heartbeat, or it said goodbye): its typists stop at once; its members
   * leave after the grace period, unless it comes back meanwhile (its snapshot then replaces them).
   */
  dropNode(node) {
    for (const [key, n] of [...this.#remoteTypists]) {
      if (n !== node) continue;
      const [channel, userId] = key.split('\n');
      this.#remoteStop(node, channel, userId);
    }
    this.#gone.set(node, setTimeout(() => {
      this.#gone.delete(node);
      this.snapshot(node, []);
    }, this.#graceMs));
    this.#gone.get(node).unref?.();
  }

  /** Cluster mode: node `node` is heard from (again): a pending drop of its members is cancelled. */
  nodeBack(node) {
    clearTimeout(this.#gone.get(node));
    this.#gone.delete(node);
  }

  /** Cluster mode: a typing frame of another node's member, to this node's watchers of the channel. */
  remoteTyping(node, channel, userId, data, on) {
    const key = `${channel}\n${userId}`;
    if (on) this.#remoteTypists.set(key, node);
    else if (this.#remoteTypists.get(key) === node) this.#remoteTypists.delete(key);
    else return;
    this.#typingTo(channel, userId, data, on);
  }

  /** A remote typist of `node` in `channel` stops (its node lost it or went away). */
  #remoteStop(node, channel, userId) {
    const key = `${channel}\n${userId}`;
    if (this.#remoteTypists.get(key) !== node) return;
    this.#remoteTypists.delete(key);
    this.#typingTo(channel, userId, null, false);
  }

  #typingTo(channel, userId, data, on) {
    const ch = this.#channels.get(channel);
    if (!ch) return;
    const text = JSON.stringify({ type: 'typing', channel, userId, data, typing: on });
    for (const w of ch.watchers) if (w.userId !== userId) this.#send(w, text);
  }

  /**
   * Member `userId` of `channel` over every node, or null: this node's member combined with the others' views
   * (connections summed; the data set last on any node).
   */
  #view(channel, userId) {
    const local = this.#channels.get(channel)?.members.get(userId);
    const remote = this.#remote.get(channel)?.get(userId);
    if (local === undefined && !remote?.size) return null;
    const v = local ? local.view() : { userId, data: null, connections: 0 };
    let at = local ? local.dataAt : -1;
    for (const r of remote?.values() ?? []) {
      v.connections += r.connections;
      if (r.at > at) {
        at = r.at;
        v.data = r.data;
      }
    }
    return v;
  }

  /** Tells this node's watchers of `channel` what changed for a member, from view `before` to `after`. */
  #tell(channel, userId, before, after, except = null) {
    const ch = this.#channels.get(channel);
    if (!ch) return;
    const event = before === null ? (after === null ? null : 'join') : after === null ? 'leave' : 'update';
    if (event === null || (event === 'update' && JSON.stringify(before) === JSON.stringify(after))) return;
    const local = ch.members.get(userId);
    if (local !== undefined && after !== null) local.announced = JSON.stringify(after);
    const text = JSON.stringify({ type: 'presence', channel, event, member: after ?? before });
    for (const w of ch.watchers) if (w !== except) this.#send(w, text);
  }

  /**
   * Connection `client` (with `userId` and `presence`, its Set of channels) joins `channel`'s presence, sharing
   * `data` (any JSON value; `true` or undefined share nothing): it gets the members (`sync`), the others a `join`
   * when its user was not a member, or an `update` when the member changed. False when `data` is too large.
   */
  join(client, channel, data) {
    const shared = data === true || data === undefined ? null : data;
    if (shared !== null && JSON.stringify(shared).length > MAX_PRESENCE_DATA) return false;
    let ch = this.#channels.get(channel);
    if (!ch) this.#channels.set(channel, (ch = { members: new Map(), watchers: new Set() }));
    let m = ch.members.get(client.userId);
    const isNew = m === undefined;
    if (isNew) ch.members.set(client.userId, (m = new Member(client.userId, shared)));
    clearTimeout(m.leaveTimer);
    m.leaveTimer = null;
    m.conns.add(client);
    if (!isNew && data !== undefined) {
      m.data = shared; // a re-announce without data keeps what was shared
      m.dataAt = Date.now();
    }
    ch.watchers.add(client);
    client.presence.add(channel);
    const members = [...ch.members.values()].map((x) => this.#view(channel, x.userId));
    for (const userId of this.#remote.get(channel)?.keys() ?? []) if (!ch.members.has(userId)) members.push(this.#view(channel, userId));
    this.#send(client, JSON.stringify({ type: 'presence', channel, event: 'sync', members }));
    this.#changed(ch, channel, m, isNew && !this.#remote.get(channel)?.has(client.userId) ? 'join' : 'update', client);
    return true;
  }

  /**
   * Connection `client` leaves `channel`'s presence: at once when `explicit` (unsubscribe, a `leave`), else (it
   * went away) its user stays a member for the grace period unless another of its connections remains.
   */
  leave(client, channel, explicit) {
    const ch = this.#channels.get(channel);
    client.presence.delete(channel);
    const m = ch?.members.get(client.userId);
    if (!ch || !m || !m.conns.delete(client)) return;
    ch.watchers.delete(client);
    if (m.typist === client) this.#stopTyping(ch, channel, m);
    if (m.conns.size > 0) return this.#changed(ch, channel, m, 'update', null);
    if (explicit) return this.#remove(ch, channel, m);
    m.leaveTimer = setTimeout(() => this.#remove(ch, channel, m), this.#graceMs);
    m.leaveTimer.unref?.();
  }

  /** Connection `client` went away: it leaves every channel's presence (with the grace period). */
  drop(client) {
    for (const channel of [...client.presence]) this.leave(client, channel, false);
  }

  /** A `typing` frame of `client` in `channel` (`on`: typing or stopped); ignored from a non-member. */
  typing(client, channel, on) {
    const ch = this.#channels.get(channel);
    const m = ch?.members.get(client.userId);
    if (!m || !m.conns.has(client)) return;
    if (!on) return this.#stopTyping(ch, channel, m);
    clearTimeout(m.typingTimer);
    m.typingTimer = setTimeout(() => this.#stopTyping(ch, channel, m), this.#typingTtlMs);
    m.typingTimer.unref?.();
    m.typist = client;
    // Every start and refresh is relayed (the client sends at most one per 2 s): receivers expire a
    // typist who sent nothing for 6 s, so a long message must keep refreshing them.
    this.#typingFrame(ch, channel, m, true);
  }

  /** `{channel, members}` of every channel with members (for `websocket.stats`). */
  stats() {
    return [...this.#channels].map(([channel, ch]) => ({ channel, members: ch.members.size }));
  }

  /** Stops every timer (the server is closing). */
  close() {
    for (const ch of this.#channels.values()) {
      for (const m of ch.members.values()) {
        clearTimeout(m.leaveTimer);
        clearTimeout(m.typingTimer);
      }
    }
    this.#channels.clear();
    for (const t of this.#gone.values()) clearTimeout(t);
    this.#gone.clear();
  }

  #stopTyping(ch, channel, m) {
    clearTimeout(m.typingTimer);
    m.typingTimer = null;
    if (m.typist === null) return;
    m.typist = null;
    this.#typingFrame(ch, channel, m, false);
  }

  #typingFrame(ch, channel, m, on) {
    const text = JSON.stringify({ type: 'typing', channel, userId: m.userId, data: m.data, typing: on });
    for (const w of ch.watchers) if (w.userId !== m.userId) this.#send(w, text);
    this.#cluster?.publish('typing', { c: channel, u: m.userId, d: m.data, on });
  }

  /** Tells the watchers (but `except`) of member `m`'s `event` when what they last heard of it changed. */
  #changed(ch, channel, m, event, except) {
    this.#cluster?.publish('view', { c: channel, u: m.userId, v: m.view(), at: m.dataAt });
    const view = this.#view(channel, m.userId);
    const seen = JSON.stringify(view);
    if (event === 'update' && seen === m.announced) return; // back within the grace period, as it was
    m.announced = seen;
    const text = JSON.stringify({ type: 'presence', channel, event, member: view });
    for (const w of ch.watchers) if (w !== except) this.#send(w, text);
  }

  #remove(ch, channel, m) {
    if (ch.members.get(m.userId) !== m || m.conns.size > 0) return;
    clearTimeout(m.leaveTimer);
    this.#stopTyping(ch, channel, m);
    const before = this.#view(channel, m.userId);
    ch.members.delete(m.userId);
    this.#cluster?.publish('view', { c: channel, u: m.userId, v: null });
    // Still a member through another node: an update (fewer connections), not a leave.
    this.#tell(channel, m.userId, { ...before, data: m.data }, this.#view(channel, m.userId));
    if (ch.members.size === 0 && ch.watchers.size === 0) this.#channels.delete(channel);
  }
}

/** One user in one channel's presence. */
class Member {
  constructor(userId, data) {
    this.userId = userId;
    this.data = data;
    /** when `data` was set (ms since the epoch): over a cluster, the data set last wins */
    this.dataAt = Date.now();
    /** @type {Set<object>} its connections in the channel's presence */
    this.conns = new Set();
    this.leaveTimer = null;
    this.typingTimer = null;
    /** the connection it types in, or null */
    this.typist = null;
    /** the JSON of the view its watchers last heard */
    this.announced = '';
  }

  /** What watchers see: `{userId, data, connections}` (during the grace period, the connections it had). */
  view() {
    return { userId: this.userId, data: this.data, connections: Math.max(1, this.conns.size) };
  }
}
