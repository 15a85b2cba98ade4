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
    if (!isNew && data !== undefined) m.data = shared; // a re-announce without data keeps what was shared
    ch.watchers.add(client);
    client.presence.add(channel);
    this.#send(client, JSON.stringify({ type: 'presence', channel, event: 'sync', members: [...ch.members.values()].map((x) => x.view()) }));
    this.#changed(ch, channel, m, isNew ? 'join' : 'update', client);
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
  }

  /** Tells the watchers (but `except`) of member `m`'s `event` when what they last heard of it changed. */
  #changed(ch, channel, m, event, except) {
    const view = m.view();
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
    ch.members.delete(m.userId);
    const text = JSON.stringify({ type: 'presence', channel, event: 'leave', member: m.view() });
    for (const w of ch.watchers) this.#send(w, text);
    if (ch.members.size === 0 && ch.watchers.size === 0) this.#channels.delete(channel);
  }
}

/** One user in one channel's presence. */
class Member {
  constructor(userId, data) {
    this.userId = userId;
    this.data = data;
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
