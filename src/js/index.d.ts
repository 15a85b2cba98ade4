// Type declarations of `zantara-websocket` (and, re-exported, of `zantara-websocket/web`).

/** The connection state: `state` getter, `state` event, `getStats().state`. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** How the client reacts to a close code (option `closeCodes`). `slow` reconnects from the longest delay. */
export type CloseReaction = 'reconnect' | 'slow' | 'stop';

/** Options of `new ZantaraWebSocket(userId, options)`. Wrong types or ranges throw a `TypeError`. */
export interface ZantaraOptions {
  /**
   * Server URL: `ws://`, `wss://`, `http(s)://` (mapped to ws(s)) or a path on the page's origin.
   * Default: `globalThis.ZANTARA_WS_URL`, else the page's origin at `/ws` (`wss:` on https pages).
   *
   * Failover over the nodes of a cluster: a list of such URLs (each checked at construction; the first
   * attempt takes one at random, each later attempt the next, with the usual backoff and jitter), or a
   * function called before each connect that returns one (a bad result fails that attempt only).
   */
  wsUrl?: string | readonly string[] | (() => string);
  /** Reconnect after an unexpected close (default true). */
  autoReconnect?: boolean;
  /** Base reconnect delay in ms (default 3000). */
  reconnectInterval?: number;
  /** Attempts before `reconnect_failed` (default 10; `Infinity` never gives up). */
  maxReconnectAttempts?: number;
  /** Log to the console, tokens redacted (default false). */
  debug?: boolean;
  /** `'linear'` (default: 3, 6, 9, 12, 15 s capped) or `'exponential'`. */
  backoff?: 'linear' | 'exponential';
  /** Longest reconnect delay in ms (default 15000). */
  maxReconnectInterval?: number;
  /** Random share taken off each delay, 0 to 1 (default 0.2; 0 gives the exact legacy schedule). */
  jitter?: number;
  /** Ms a connection must stay open before the attempt counter resets (default 5000). */
  stableAfter?: number;
  /** Ms between pings (default 25000; 0 sends none). */
  heartbeatInterval?: number;
  /**
   * Ms a ping may go unanswered by any frame before the link is declared dead and replaced (default
   * 60000; half of it without pings, where a quiet link is pinged after half of it); 0: no check,
   * else at least 100.
   */
  heartbeatTimeout?: number;
  /** Sent as `?role=`. */
  role?: string;
  /**
   * Sent as `?token=`: a string, or a function called before every connect that returns a string or a
   * Promise of one. Never appears in stats or logs (but a URL token may appear in server logs).
   */
  token?: string | (() => string | Promise<string>);
  /**
   * Messages queued (default 1000): waiting to be sent (offline, before the welcome) and, on protocol v2,
   * awaiting acknowledgement; beyond it `sendMessage` returns false. A lone message always fits.
   */
  maxQueuedMessages?: number;
  /** UTF-16 code units of the frames queued, as for `maxQueuedMessages` (default 1 MiB). */
  maxQueuedBytes?: number;
  /** Connect in the constructor (default true); else call `connect()`. */
  autoConnect?: boolean;
  /** Ms to wait for the server's welcome before `connected` fires without one (default 500). */
  welcomeTimeout?: number;
  /** Larger inbound frames are discarded with an `error` (default 1 MiB). */
  maxFrameSize?: number;
  /** Per-close-code overrides of the reconnect policy, e.g. `{4001: 'stop'}`. */
  closeCodes?: Record<number, CloseReaction>;
  /** Ms an attempt (token wait and handshake) may take before it is retried (default 20000; at least 1). */
  connectTimeout?: number;
  /**
   * The WebSocket implementation, where there is no global one (Node before 22: `import { WebSocket }
   * from 'ws'`); default: the global `WebSocket`. Without either, the constructor throws `UNSUPPORTED`.
   */
  WebSocket?: new (url: string) => WebSocket;
}

/** Payload of `connected`: the server welcome's `data`, or `{clientId: null, userId}` without one. */
export interface ConnectedInfo {
  clientId: string | null;
  userId: string | null;
  role?: string;
  [key: string]: unknown;
}

/** Payload of `disconnected`. */
export interface DisconnectedInfo {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Bytes handed to the socket but never sent: lost, visibly. */
  bufferedAmount: number;
  willReconnect: boolean;
  /** Messages the server has not taken yet (waiting, and on protocol v2 unacknowledged): sent after the next connection, lost if the page closes first. */
  queuedMessages: number;
}

/** Payload of `reconnecting`: the attempt number and the delay in ms before it. */
export interface ReconnectingInfo {
  attempt: number;
  delay: number;
}

/** Payload of `reconnect_failed`. */
export interface ReconnectFailedInfo {
  attempts: number;
}

/** Payload of `state`. */
export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  reason: string;
}

/**
 * Payload of `recovery` (protocol v2): after a reconnect, whether the server replayed what the client
 * missed on `channel` (`recovered: true`, `replayed` messages, delivered to the channel's handlers before
 * this event) or could not (`recovered: false`: its history was trimmed, or its epoch changed, say after
 * a restart): then refetch that channel's state, since messages were missed.
 */
export interface RecoveryInfo {
  channel: string;
  recovered: boolean;
  replayed: number;
}

/** Payload of `pong`: the round-trip time of the last heartbeat in ms. */
export interface PongInfo {
  rtt: number;
}

/** The `code` of errors thrown (`TypeError`) or reported on `error`. */
export type ZantaraErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_OPTION'
  | 'INVALID_CHANNEL'
  | 'RESERVED_CHANNEL'
  | 'INVALID_URL'
  | 'MIXED_CONTENT'
  | 'QUEUE_FULL'
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'UNSERIALIZABLE'
  | 'TOKEN_FAILED'
  | 'HANDLER_THREW'
  | 'SOCKET_FAILED'
  | 'FREED'
  | 'TIMEOUT'
  | 'DISCONNECTED'
  | 'REFUSED'
  | 'UNSUPPORTED'
  | 'ABORTED';

/** Payload of `error`. */
export interface ZantaraError extends Error {
  code: ZantaraErrorCode;
  /** `BAD_FRAME`: the start of the raw frame. */
  excerpt?: string;
  /** `HANDLER_THREW`: what the handler threw. */
  cause?: unknown;
}

/** A frame as parsed from the wire (payload of `message`, which fires for every frame). */
export interface Frame<T = unknown> {
  type: 'message' | 'connected' | 'pong' | 'ping' | 'subscribe' | 'unsubscribe' | 'ack' | 'subscribed' | 'chunk';
  /** Protocol v2 channel messages: the position within the channel's history (`epoch`, `offset`). */
  offset?: number;
  epoch?: string;
  channel?: string;
  data?: T;
  /** ISO-8601. */
  timestamp?: string;
  [key: string]: unknown;
}

/** The built-in events and their payloads. */
export interface ZantaraEvents {
  connected: ConnectedInfo;
  disconnected: DisconnectedInfo;
  error: ZantaraError;
  message: Frame;
  reconnecting: ReconnectingInfo;
  reconnect_failed: ReconnectFailedInfo;
  state: StateChange;
  pong: PongInfo;
  recovery: RecoveryInfo;
}

/** A built-in event name; channels may not be named like one. */
export type BuiltInEvent = keyof ZantaraEvents;

/** Channel name → message `data` type. The default types every channel's data as `any`. */
export type ChannelMap = Record<string, any>;

/** The payload type of event or channel `E`. */
export type EventPayload<Channels extends ChannelMap, E extends string> = E extends BuiltInEvent
  ? ZantaraEvents[E]
  : E extends keyof Channels
    ? Channels[E]
    : unknown;

/** `E` if it can name a channel, else `never` (built-in event names are refused). */
export type ChannelName<E extends string> = E extends BuiltInEvent ? never : E;

/** `getStats()`: the legacy fields first, then health counters. Never contains the token. */
export interface ZantaraStats {
  connected: boolean;
  state: ConnectionState;
  clientId: string | null;
  userId: string | null;
  subscriptions: string[];
  reconnectAttempts: number;
  /** ISO-8601 time of the last pong, or null. */
  lastPong: string | null;
  /** Round-trip time of the last heartbeat in ms, or null. */
  rtt: number | null;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  queuedMessages: number;
  queuedBytes: number;
  reconnects: number;
  errors: number;
  droppedFrames: number;
  lastCloseCode: number | null;
  lastCloseReason: string;
  /** Unsent bytes of the last socket when it closed. */
  lastBufferedAmount: number;
  /** Ms the current connection has been open (0 when not open). */
  uptime: number;
  online: boolean;
  /** Messages handed to the socket and awaiting the server's acknowledgement (protocol v2); counted in `queuedMessages`. */
  inFlight: number;
  /** Messages the server acknowledged (protocol v2). */
  acknowledged: number;
  /** Messages the server refused (protocol v2: an `ack` with an `error`). */
  refused: number;
  /** Messages sent again because their link was lost before the server acknowledged them. */
  resent: number;
  /** Channel messages the server replayed after a reconnect (protocol v2 recovery). */
  recovered: number;
  /** Resubscriptions whose missed messages the server could not replay (each a `recovery` event with `recovered: false`). */
  missed: number;
  /**
   * Channel messages dropped because the handlers had seen them (protocol v2): a replay overlapping live delivery,
   * or a message its sender re-sent to a restarted server that delivered it again (same `origin`, an `id` already seen).
   */
  duplicates: number;
  /** The open link's protocol: 2 after a v2 welcome, else 1; null when not connected. */
  protocol: 1 | 2 | null;
}

/**
 * What the acknowledgement callback of `sendMessage` receives (seed 002's `ack.success`).
 * - `{success: true, confirmed: true}`: the server took the message (protocol v2).
 * - `{success: true, confirmed: false}`: handed to a server that speaks protocol v1, which cannot confirm.
 * - `{success: false, confirmed: true, code, reason}`: the server refused it (its code and reason).
 * - `{success: false, confirmed: false, code: 'DISCONNECTED' | 'QUEUE_FULL'}`: it will never be sent.
 */
export interface Ack {
  success: boolean;
  confirmed: boolean;
  /** The message id (0 when the queue refused it). */
  id: number;
  code?: string;
  reason?: string;
  /** The error `sendWithAck` rejects with, when not successful. */
  error?: ZantaraError;
}

/** Live resources of all clients in the module, for tests and leak hunting. */
export interface DebugCounters {
  sockets: number;
  timers: number;
  listeners: number;
  instances: number;
  /** Instances kept alive by the registry (connected or reconnecting). */
  live: number;
  socketsOpened: number;
  wasmMemoryBytes: number;
}

/**
 * A WebSocket client with the legacy `ZantaraWebSocket` API: channels, auto-reconnect with backoff
 * and jitter, heartbeats, an offline queue and health statistics.
 *
 * `Channels` optionally types each channel's message data:
 * `new ZantaraWebSocket<{ chat: { text: string; user: string } }>('me@example.com')`.
 *
 * A connected (or reconnecting) client stays alive without a reference until `disconnect()`;
 * `free()` disconnects and releases it at once.
 */
export declare class ZantaraWebSocket<Channels extends ChannelMap = ChannelMap> {
  /** Connects at once unless `autoConnect: false`. Throws a `TypeError` for bad options or URL. */
  constructor(userId?: string | null, options?: ZantaraOptions);

  /** Live resources of all clients (same as the named export `debugCounters`). */
  static debugCounters(): DebugCounters;

  /** `'connecting' | 'open' | 'reconnecting' | 'closed'`. */
  readonly state: ConnectionState;
  /** The subscribed channels (a snapshot): `ws.subscriptions.has('chat')`. */
  readonly subscriptions: Set<string>;

  /** Subscribes now if open, and again after every reconnect. False if already subscribed. */
  subscribe<C extends string>(channel: ChannelName<C>): boolean;
  /** False if not subscribed. */
  unsubscribe(channel: string): boolean;
  /**
   * Sends at once when open, else queues (bounded) for the next connection. False when refused
   * (queue full, reason on `error`). Throws a `TypeError` for a bad channel or un-JSON-able data.
   */
  sendMessage<C extends string>(
    channel: ChannelName<C>,
    data: EventPayload<Channels, C>,
    ack?: (ack: Ack) => void,
  ): boolean;
  /**
   * `sendMessage` as a promise of the server's acknowledgement: resolves `{success: true, confirmed, id}`,
   * rejects with a `ZantaraError` whose code is `TIMEOUT` (after `timeout` ms, default 10000; the message
   * stays queued), `DISCONNECTED`, `QUEUE_FULL`, or the server's refusal code (with `reason`).
   */
  sendWithAck<C extends string>(
    channel: ChannelName<C>,
    data: EventPayload<Channels, C>,
    options?: { timeout?: number },
  ): Promise<Ack & { success: true }>;
  /**
   * Protocol v2: the reply of the server's handler `method`. Queued and re-sent like a message, run once.
   * Rejects with a `ZantaraError` whose code is `TIMEOUT` (default 10000 ms), `ABORTED`, `UNSUPPORTED` (v1 server),
   * `DISCONNECTED`, `QUEUE_FULL`, or the server's (`NOT_FOUND`, `HANDLER_ERROR`, ...) with `reason`.
   */
  request<R = unknown>(method: string, data?: unknown, options?: { timeout?: number; signal?: AbortSignal }): Promise<R>;
  /**
   * Protocol v2: the chunks of the server's stream handler `method`, each once, in order, across reconnects.
   * Leaving the loop early or aborting `signal` cancels it at the server.
   */
  stream<C = unknown>(method: string, data?: unknown, options?: { signal?: AbortSignal }): AsyncIterableIterator<C>;
  /** Internal (used by `request` and `stream`): sends a request (kind 1) or stream (kind 2); its id, 0 when refused. */
  sendRequest(kind: 1 | 2, method: string, data: unknown, ack: (ack: Ack & { data?: unknown }) => void, onChunk?: (chunk: unknown) => void): number;
  /** Internal (used by `request` and `stream`): gives up request or stream `id`, settling it with `error`. */
  cancel(id: number, error: Error): boolean;
  /** Adds a handler for a built-in event or a channel (which receives the message's `data`). */
  on<E extends string>(event: E, handler: (payload: EventPayload<Channels, E>) => void): void;
  /** Like `on`, removed after the first call. */
  once<E extends string>(event: E, handler: (payload: EventPayload<Channels, E>) => void): void;
  /** Removes `handler`; without one, every handler of `event`. */
  off<E extends string>(event: E, handler?: (payload: EventPayload<Channels, E>) => void): void;
  /** Starts again after `disconnect()` or `reconnect_failed`. */
  connect(): void;
  /** Closes (code 1000) and stops reconnecting; leaves no socket, timer or listener behind. */
  disconnect(): void;
  /** True when the socket is open. */
  isConnected(): boolean;
  /** Connection statistics. */
  getStats(): ZantaraStats;
  /**
   * Disconnects and releases the client's memory. Afterwards every method and accessor throws an
   * `Error` with `code: 'FREED'`; a second `free()` does nothing.
   */
  free(): void;
  /** Same as `free()`: `using ws = new ZantaraWebSocket(...)`. */
  [Symbol.dispose](): void;
}

/** Live resources of all clients in the module. */
export declare function debugCounters(): DebugCounters;

declare global {
  /** Default server URL for clients created without `options.wsUrl`. */
  // eslint-disable-next-line no-var
  var ZANTARA_WS_URL: string | undefined;
}
