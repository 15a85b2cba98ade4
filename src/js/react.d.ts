// Type declarations of `zantara-websocket/react`.

import type { ReactElement, ReactNode } from 'react';
import type { ChannelMap, ConnectionState, ZantaraOptions, ZantaraStats, ZantaraWebSocket } from './index.js';
import type { PresenceMember, Typist } from './presence.js';

/** Props of `<ZantaraProvider>`. */
export interface ZantaraProviderProps {
  userId?: string | null;
  /** Client options; `autoConnect: false` leaves connecting to you (`useZantara()?.connect()`). */
  options?: ZantaraOptions;
  children?: ReactNode;
}

/**
 * Provides one client to the components below it, connected while mounted (StrictMode-safe: one
 * socket). To switch users, remount it with a `key`.
 */
export declare function ZantaraProvider(props: ZantaraProviderProps): ReactElement;

/** The provider's client; `null` while rendering on a server. Throws outside a provider. */
export declare function useZantara<Channels extends ChannelMap = ChannelMap>(): ZantaraWebSocket<Channels> | null;

/** The connection state; re-renders on every change. */
export declare function useConnectionState(): ConnectionState;

/**
 * Subscribes to `channel` while mounted and calls the latest `handler` with each message's `data`.
 * `channel` must not be a built-in event name.
 */
export declare function useChannel<T = any>(channel: string, handler: (data: T) => void): void;

/** A stable `send(channel, data)`; false when refused (queue full) or on a server. */
export declare function useSend(): (channel: string, data: unknown) => boolean;

/** The delivery state of a message sent through `useDelivery()`. */
export type DeliveryStatus = 'pending' | 'confirmed' | 'sent' | 'failed';

/**
 * Sending with delivery state (protocol v2 acknowledgements): `send(channel, data)` returns a key, and
 * `deliveries` maps each key to its status (`'sent'`: a v1 server, which cannot confirm).
 */
export declare function useDelivery(): {
  send: (channel: string, data: unknown) => number;
  deliveries: ReadonlyMap<number, DeliveryStatus>;
};

/** `getStats()`, refreshed every `intervalMs` (default 1000) and on state changes; null on a server. */
export declare function useStats(intervalMs?: number): ZantaraStats | null;

/**
 * The members of `channel` (protocol v2 presence), this user included; this user shares `options.data`.
 * Empty on a server and in the first client render (hydration matches).
 */
export declare function usePresence<Data = unknown>(channel: string, options?: { data?: Data }): ReadonlyArray<PresenceMember<Data>>;

/**
 * Typing in `channel`: the other users typing now, a stable `typing()` to call on every keystroke
 * (at most one frame per 2 s; stops after 3 s of quiet or on a message sent to the channel) and `stopTyping()`.
 */
export declare function useTyping<Data = unknown>(channel: string): {
  typists: ReadonlyArray<Typist<Data>>;
  typing: () => void;
  stopTyping: () => void;
};
