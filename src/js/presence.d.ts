// Types of `zantara-websocket/presence` (src/js/presence.js): who is in a channel, who is typing.

import type { ZantaraWebSocket } from './index.js';

/** One user in a channel's presence (several tabs of a user are one member). */
export interface PresenceMember<Data = unknown> {
  /** The user's id (the client's `userId`). */
  readonly userId: string;
  /** What the user shares with the channel's members (`options.data`), or null. */
  readonly data: Data | null;
  /** How many of the user's connections are in the channel. */
  readonly connections: number;
}

/** A user typing in the channel (never this user). */
export interface Typist<Data = unknown> {
  readonly userId: string;
  readonly data: Data | null;
}

/** What `typing` handlers receive. */
export interface TypingEvent<Data = unknown> extends Typist<Data> {
  /** True when the user started typing, false when they stopped (or their indication expired). */
  readonly typing: boolean;
}

/** The events of a Presence and what their handlers receive. */
export interface PresenceEvents<Data = unknown> {
  /** Members or typists changed: read `members` and `typists`. */
  change: () => void;
  /** The server's full list arrived (after joining and after every reconnect). */
  sync: (members: PresenceMember<Data>[]) => void;
  /** A user became a member. */
  join: (member: PresenceMember<Data>) => void;
  /** A user left (explicitly, or gone for longer than the server's grace period). */
  leave: (member: PresenceMember<Data>) => void;
  /** A member changed: another tab, other data. */
  update: (member: PresenceMember<Data>) => void;
  /** A user started or stopped typing. */
  typing: (event: TypingEvent<Data>) => void;
}

/** Typing stops after this long without a `typing()` call: 3000 ms (seed 002's auto-stop). */
export const TYPING_QUIET_MS: number;
/** While typing, a `typing` frame goes at most once per this: 2000 ms. */
export const TYPING_REFRESH_MS: number;
/** A typist shown without a refresh for this long is dropped: 6000 ms. */
export const TYPING_TTL_MS: number;

/**
 * The presence of one channel for one client (protocol v2; docs/PROTOCOL.md "Presence and typing"):
 * its members, its typists, and this page's own typing. Creating one subscribes to the channel
 * (unless subscribed) and joins its presence; `close()` leaves.
 *
 * ```ts
 * const room = new Presence(ws, 'conversation-123', { data: { name: 'Ana' } });
 * room.on('change', () => render(room.members, room.typists));
 * input.addEventListener('input', () => room.typing());
 * ```
 */
export class Presence<Data = unknown> {
  /**
   * @param ws the client
   * @param channel a channel name (the rules of `subscribe`)
   * @param options `data`: what this user shares with the other members (JSON, at most 2048 characters)
   * @throws TypeError (`INVALID_ARGUMENT`, `UNSERIALIZABLE`, or what `subscribe` throws for the channel)
   */
  constructor(ws: ZantaraWebSocket, channel: string, options?: { data?: Data });
  /** The channel. */
  readonly channel: string;
  /** The members as last heard, this user included, in join order. */
  readonly members: PresenceMember<Data>[];
  /** The other users typing now. */
  readonly typists: Typist<Data>[];
  /** Adds a handler. */
  on<E extends keyof PresenceEvents<Data>>(event: E, handler: PresenceEvents<Data>[E]): this;
  /** Removes a handler. */
  off<E extends keyof PresenceEvents<Data>>(event: E, handler: PresenceEvents<Data>[E]): this;
  /** Call on every keystroke: sends `typing` at most once per TYPING_REFRESH_MS, stops after TYPING_QUIET_MS of quiet. */
  typing(): void;
  /** Stops this page's typing indication now (sending a message to the channel does too). */
  stopTyping(): void;
  /** Leaves the channel's presence (when it is the channel's last Presence); idempotent. */
  close(): void;
}
