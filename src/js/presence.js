// `zantara-websocket/presence`: who is in a channel and who is typing in it (protocol v2,
// docs/PROTOCOL.md "Presence and typing"). A module of its own, like Phoenix's `Presence`: pages that
// do not use it do not load it.
//
//   const room = new Presence(ws, 'conversation-123', { data: { name: 'Ana' } });
//   room.on('change', () => render(room.members, room.typists));
//   input.oninput = () => room.typing();       // at most one frame per REFRESH_MS while typing
//   room.close();                               // leaves (and unsubscribes if it subscribed)
//
// Members are users: a user with three tabs is one member with `connections: 3`. The server keeps a
// user whose connections all went away for a grace period, so a reload or a short reconnect shows
// neither a `leave` nor a `join`. Frames go straight to the client's socket (never queued: presence
// is re-announced on every resubscribe, and a typing frame is worthless late); the listener hands
// this channel's `presence` and `typing` frames here without entering wasm.

/** Seed 002's auto-stop: typing stops after this long without a keystroke (ms). */
export const TYPING_QUIET_MS = 3000;
/** While the user types, a `typing` frame goes at most once per this (ms), refreshing receivers. */
export const TYPING_REFRESH_MS = 2000;
/** A typist shown without a refresh for this long is dropped (ms): the server's stop may never come. */
export const TYPING_TTL_MS = 6000;

const EVENTS = ['change', 'sync', 'join', 'leave', 'update', 'typing'];

function fail(Type, code, text) {
  const e = new Type(`Presence: ${text}`);
  e.code = code;
  return e;
}

/** A member as the page sees it: `{userId, data, connections}`, frozen. */
function member(m) {
  return Object.freeze({ userId: idOf(m?.userId), data: m?.data ?? null, connections: Math.max(1, m?.connections | 0) });
}

/** A user id from a frame as a string, whatever the frame holds (never throws: JSON values only). */
function idOf(x) {
  return typeof x === 'string' ? x : `${JSON.stringify(x)}`;
}

/**
 * What every Presence of one channel of one client shares (kept in the client's JS state, `z.ph`):
 * the members and typists as last heard, the page's own typing, and the handles. The socket
 * listener (boundary.js) calls `f` with the channel's frames, `control()` sends `data` with each v2
 * `subscribe` of the channel, `sendNow` calls `s` when the page sends a message to it.
 */
class Room {
  list = new Set();
  members = new Map();
  typists = new Map(); // userId -> {userId, data, timer}
  typing = false;
  sentAt = -Infinity;
  quiet = 0;
  leaving = 0;

  constructor(z, channel, data, owned) {
    this.z = z;
    this.channel = channel;
    this.data = data;
    this.owned = owned;
    this.f = (v) => this.frame(v);
    this.s = () => this.stopTyping();
  }

  emit(event, arg) {
    for (const p of [...this.list]) p.emit(event, arg);
  }

  /** Sends frame `f` on the socket when it is open on a v2 link; false otherwise. */
  send(f) {
    const ws = this.z.ws;
    if (!this.z.v2 || ws === null || ws.readyState !== 1) return false;
    try {
      ws.send(JSON.stringify({ channel: this.channel, ...f }));
      return true;
    } catch {
      return false;
    }
  }

  keystroke() {
    const now = performance.now();
    if (!this.typing || now - this.sentAt >= TYPING_REFRESH_MS) {
      if (this.send({ type: 'typing', typing: true })) this.sentAt = now;
    }
    this.typing = true;
    clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.stopTyping(), TYPING_QUIET_MS);
  }

  stopTyping() {
    clearTimeout(this.quiet);
    this.quiet = 0;
    if (!this.typing) return;
    this.typing = false;
    this.sentAt = -Infinity;
    this.send({ type: 'typing', typing: false });
  }

  /** A `presence` or `typing` frame of this channel. */
  frame(v) {
    if (v.type === 'typing') {
      const id = idOf(v.userId);
      const data = v.data ?? null;
      if (v.typing === true) {
        const had = this.typists.has(id);
        this.addTypist(id, data);
        if (had) return;
      } else if (!this.dropTypist(id)) {
        return;
      }
      this.emit('typing', { userId: id, data, typing: v.typing === true });
    } else if (v.event === 'sync' && Array.isArray(v.members)) {
      const before = this.members;
      this.members = new Map(v.members.map((m) => [idOf(m?.userId), member(m)]));
      for (const [id, m] of before) if (!this.members.has(id)) this.emit('leave', m);
      for (const [id, m] of this.members) {
        const old = before.get(id);
        if (old === undefined) this.emit('join', m);
        else if (JSON.stringify(old) !== JSON.stringify(m)) this.emit('update', m);
      }
      this.emit('sync', [...this.members.values()]);
    } else if (v.event === 'join' || v.event === 'update') {
      const m = member(v.member);
      const had = this.members.has(m.userId);
      this.members.set(m.userId, m);
      this.emit(had ? 'update' : 'join', m);
    } else if (v.event === 'leave') {
      const id = idOf(v.member?.userId);
      const m = this.members.get(id);
      if (m === undefined) return;
      this.members.delete(id);
      this.dropTypist(id);
      this.emit('leave', m);
    } else {
      return;
    }
    this.emit('change');
  }

  addTypist(id, data) {
    clearTimeout(this.typists.get(id)?.timer);
    const timer = setTimeout(() => {
      if (this.dropTypist(id)) {
        this.emit('typing', { userId: id, data, typing: false });
        this.emit('change');
      }
    }, TYPING_TTL_MS);
    this.typists.set(id, { userId: id, data, timer });
  }

  dropTypist(id) {
    const t = this.typists.get(id);
    if (t === undefined) return false;
    clearTimeout(t.timer);
    this.typists.delete(id);
    return true;
  }

  /** The last handle closed: leaves, after the current task (a StrictMode remount cancels it). */
  release(ws) {
    this.stopTyping();
    this.leaving = setTimeout(() => {
      this.leaving = 0;
      if (this.list.size > 0) return;
      for (const t of this.typists.values()) clearTimeout(t.timer);
      this.typists.clear();
      this.z.ph?.delete(this.channel);
      if (!this.owned) return void this.send({ type: 'presence', leave: true });
      try {
        ws.unsubscribe(this.channel); // leaves presence too
      } catch {
        // The client was freed meanwhile: nothing to leave.
      }
    }, 0);
  }
}

/**
 * The presence of one channel for one client: the channel's members, its typists, and this page's
 * own typing. Several may exist for the same channel (two components): they share one membership,
 * which is left when the last is closed.
 */
export class Presence {
  #ws;
  #room;
  #handlers = new Map();
  #closed = false;

  /**
   * Joins `channel`'s presence on client `ws` (a ZantaraWebSocket), subscribing to it first unless
   * it is subscribed already. `options.data` is what this user shares with the other members (any
   * JSON value of at most 2048 characters as JSON: a display name, an avatar URL), the same in
   * every tab. Throws like `subscribe` for a bad channel, and a `TypeError` for data that cannot be
   * JSON. On a protocol v1 server nothing is sent and the lists stay empty.
   * @param {import('./index.js').ZantaraWebSocket} ws
   * @param {string} channel
   * @param {{data?: unknown}} [options]
   */
  constructor(ws, channel, options) {
    const z = typeof ws?.__state === 'function' ? ws.__state() : undefined;
    if (z === undefined) throw fail(TypeError, 'INVALID_ARGUMENT', 'the first argument must be a ZantaraWebSocket');
    const data = options?.data;
    let text;
    try {
      text = data === undefined ? 'null' : JSON.stringify(data);
    } catch (err) {
      throw Object.assign(fail(TypeError, 'UNSERIALIZABLE', `data cannot be encoded as JSON (${err?.message ?? err})`), { cause: err });
    }
    if (text === undefined || text.length > 2048) throw fail(TypeError, 'INVALID_ARGUMENT', 'data must be a JSON value of at most 2048 characters');
    const map = (z.ph ??= new Map());
    let room = map.get(channel);
    if (room === undefined) {
      const subscribed = ws.subscriptions?.has?.(channel) === true;
      room = new Room(z, channel, data === undefined ? true : data, !subscribed);
      map.set(channel, room); // before subscribing: the subscribe frame carries `presence`
      if (subscribed) {
        room.send({ type: 'presence', data: room.data }); // that frame is gone: announce now
      } else {
        try {
          ws.subscribe(channel);
        } catch (err) {
          map.delete(channel); // a bad channel: nothing kept
          throw err;
        }
      }
    } else {
      clearTimeout(room.leaving); // a remount (StrictMode): still joined
      room.leaving = 0;
      if (data !== undefined && text !== JSON.stringify(room.data)) {
        room.data = data;
        room.send({ type: 'presence', data });
      }
    }
    this.#ws = ws;
    this.#room = room;
    room.list.add(this);
  }

  /** The channel. */
  get channel() {
    return this.#room.channel;
  }

  /** The members as last heard, this user included: `[{userId, data, connections}]`, in join order. */
  get members() {
    return [...this.#room.members.values()];
  }

  /** The other users typing now: `[{userId, data}]`. */
  get typists() {
    return [...this.#room.typists.values()].map((t) => ({ userId: t.userId, data: t.data }));
  }

  /**
   * Adds `handler` for `event`: `change` (members or typists changed, no argument), `sync` (the
   * server's full list arrived: after joining and after every reconnect; `members`), `join`,
   * `leave`, `update` (a member: another tab, new data), `typing` (`{userId, data, typing}`).
   */
  on(event, handler) {
    if (!EVENTS.includes(event)) throw fail(TypeError, 'INVALID_ARGUMENT', `unknown event ${String(event)} (one of ${EVENTS.join(', ')})`);
    if (typeof handler !== 'function') throw fail(TypeError, 'INVALID_ARGUMENT', 'handler must be a function');
    let set = this.#handlers.get(event);
    if (!set) this.#handlers.set(event, (set = new Set()));
    set.add(handler);
    return this;
  }

  /** Removes `handler` for `event`. */
  off(event, handler) {
    this.#handlers.get(event)?.delete(handler);
    return this;
  }

  /**
   * Call on every keystroke: the first sends `typing`, later ones refresh it at most once per
   * TYPING_REFRESH_MS, and TYPING_QUIET_MS without one stops it (as do `stopTyping()` and sending
   * a message to the channel).
   */
  typing() {
    if (!this.#closed) this.#room.keystroke();
  }

  /** Stops this page's typing indication now (nothing when it is not typing). */
  stopTyping() {
    if (!this.#closed) this.#room.stopTyping();
  }

  /**
   * Closes this handle; when it is the channel's last, the channel's presence is left (and the
   * channel unsubscribed when the first Presence subscribed it). Idempotent.
   */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    const room = this.#room;
    room.list.delete(this);
    if (room.list.size === 0) room.release(this.#ws);
  }

  /** `[Symbol.dispose]`: `close()`. */
  [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
    this.close();
  }

  /** Runs this handle's handlers for `event` (the room's frames). Not part of the API. */
  emit(event, arg) {
    const set = this.#handlers.get(event);
    if (!set) return;
    for (const f of [...set]) {
      try {
        f(arg);
      } catch (err) {
        console.error('[ZantaraWebSocket] a presence handler threw', err);
      }
    }
  }
}
