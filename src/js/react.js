// `zantara-websocket/react`: one client per <ZantaraProvider>, shared by hooks below it.
//
// StrictMode: React runs state initialisers twice and mounts, unmounts and remounts effects once in
// development. So the provider creates its client with `autoConnect: false` (a discarded duplicate
// never opens a socket and is garbage-collected), and connects from an effect through a zero-delay
// timer that the simulated unmount cancels: exactly one socket opens. A real unmount disconnects.
//
// Built to pkg/react.js with `react`, `./index.js` and `./presence.js` left as imports, so the app
// shares the single copy of the SDK (and of its wasm) that `import 'zantara-websocket'` loads.

import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { ZantaraWebSocket } from './index.js';
import { Presence } from './presence.js';

const ClientContext = createContext(undefined);

/** True where a client can run: a page, not a server render. */
const inBrowser = () => typeof window !== 'undefined';

const never = () => () => {};
/**
 * False while rendering on a server and while hydrating server-rendered HTML, true afterwards (and
 * from the first render of a page rendered on the client only): the server snapshot of
 * useSyncExternalStore is what React uses during hydration, so a hook that returns its idle value
 * until this is true renders the same text on the server and in the first client render.
 */
const useHydrated = () => useSyncExternalStore(never, () => true, () => false);

/**
 * Provides one `ZantaraWebSocket` to the components below it, connected while the provider is
 * mounted. To switch users, give the provider a `key` (`<ZantaraProvider key={userId} ...>`): the
 * client is created once per mount.
 *
 * @param {{userId?: string | null, options?: object, children?: import('react').ReactNode}} props
 */
export function ZantaraProvider({ userId, options, children }) {
  // Created on the first render (hooks see it at once), never connected here. During server
  // rendering there is no client: hooks return their idle values.
  const [client] = useState(() =>
    inBrowser() ? new ZantaraWebSocket(userId, { ...options, autoConnect: false }) : null,
  );
  const autoConnect = options?.autoConnect ?? true;

  useEffect(() => {
    if (!client) return undefined;
    const timer = autoConnect ? setTimeout(() => client.connect(), 0) : undefined;
    return () => {
      clearTimeout(timer); // StrictMode's simulated unmount lands here before the timer fires
      client.disconnect(); // also when the app connected it itself (autoConnect: false)
    };
  }, [client, autoConnect]);

  return createElement(ClientContext.Provider, { value: client }, children);
}

/**
 * The provider's client (`null` while rendering on a server and while hydrating its HTML, so the
 * first client render matches the server's). Throws outside a `<ZantaraProvider>`.
 * @returns {ZantaraWebSocket | null}
 */
export function useZantara() {
  const client = useContext(ClientContext);
  const hydrated = useHydrated();
  if (client === undefined) {
    throw new Error('zantara-websocket/react: useZantara() must be used inside <ZantaraProvider>');
  }
  return hydrated ? client : null;
}

/**
 * The connection state, `'connecting' | 'open' | 'reconnecting' | 'closed'`; re-renders on every
 * `state` event.
 * @returns {string}
 */
export function useConnectionState() {
  const client = useZantara();
  const subscribe = useCallback(
    (onChange) => {
      if (!client) return () => {};
      client.on('state', onChange);
      return () => client.off('state', onChange);
    },
    [client],
  );
  return useSyncExternalStore(
    subscribe,
    () => (client ? client.state : 'closed'),
    () => 'closed',
  );
}

// Channel subscriptions are reference-counted per client, so one component unmounting does not
// unsubscribe a channel that another mounted component still listens to.
const channelUsers = new WeakMap();

function retain(client, channel) {
  let counts = channelUsers.get(client);
  if (!counts) channelUsers.set(client, (counts = new Map()));
  const n = counts.get(channel) ?? 0;
  if (n === 0) client.subscribe(channel); // throws a TypeError for a bad name: nothing counted yet
  counts.set(channel, n + 1);
}

function release(client, channel) {
  const counts = channelUsers.get(client);
  const n = counts?.get(channel) ?? 0;
  if (n > 1) return counts.set(channel, n - 1);
  counts?.delete(channel);
  client.unsubscribe(channel);
}

/**
 * Subscribes to `channel` while the component is mounted and calls `handler` with each message's
 * `data`. The latest `handler` is always the one called, so it need not be memoised.
 * @param {string} channel a channel name (not a built-in event name such as `error`)
 * @param {(data: any) => void} handler
 */
export function useChannel(channel, handler) {
  const client = useZantara();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!client) return undefined;
    retain(client, channel);
    const listener = (data) => latest.current(data);
    client.on(channel, listener);
    return () => {
      client.off(channel, listener);
      release(client, channel);
    };
  }, [client, channel]);
}

/**
 * A stable `send(channel, data)` function: sends at once when open, queues while disconnected;
 * returns false when the queue is full (or while rendering on a server).
 * @returns {(channel: string, data: unknown) => boolean}
 */
export function useSend() {
  const client = useZantara();
  return useCallback((channel, data) => (client ? client.sendMessage(channel, data) : false), [client]);
}

/**
 * Sending with delivery state (protocol v2 acknowledgements; seed 002's delivery ticks):
 * `{send, deliveries}`. `send(channel, data)` sends like `sendMessage` and returns a key;
 * `deliveries` (a new Map on every change) maps each key to `'pending'` (queued or awaiting the
 * server), `'confirmed'` (the server took it), `'sent'` (handed to a protocol v1 server, which
 * cannot confirm) or `'failed'` (refused, or never to be sent; also while rendering on a server).
 * @returns {{send: (channel: string, data: unknown) => number, deliveries: Map<number, string>}}
 */
export function useDelivery() {
  const client = useZantara();
  const [deliveries, setDeliveries] = useState(() => new Map());
  const last = useRef(0);
  const send = useCallback((channel, data) => {
    const key = ++last.current;
    const mark = (status) => setDeliveries((m) => new Map(m).set(key, status));
    if (!client) {
      mark('failed');
      return key;
    }
    mark('pending');
    try {
      client.sendMessage(channel, data, (ack) => mark(!ack.success ? 'failed' : ack.confirmed ? 'confirmed' : 'sent'));
    } catch (err) {
      mark('failed'); // a bad channel or data JSON cannot encode: thrown, as sendMessage does
      throw err;
    }
    return key;
  }, [client]);
  return { send, deliveries };
}

/**
 * The client's `getStats()`, refreshed every `intervalMs` and on every state change
 * (`null` while rendering on a server).
 * @param {number} [intervalMs=1000]
 * @returns {object | null}
 */
export function useStats(intervalMs = 1000) {
  const client = useZantara();
  const [stats, setStats] = useState(() => client?.getStats() ?? null);
  useEffect(() => {
    if (!client) return undefined;
    const refresh = () => setStats(client.getStats());
    const timer = setInterval(refresh, intervalMs);
    client.on('state', refresh);
    refresh();
    return () => {
      clearInterval(timer);
      client.off('state', refresh);
    };
  }, [client, intervalMs]);
  return stats;
}

const NONE = Object.freeze([]);

/**
 * A Presence of `channel` on the provider's client while the component is mounted (the channel
 * subscribed through the same count as useChannel), calling `watch(presence)` on each change.
 * Returns a ref to it (null before the effect and on a server).
 */
function usePresenceObject(channel, data, watch) {
  const client = useZantara();
  const ref = useRef(null);
  const latest = useRef(watch);
  useEffect(() => {
    latest.current = watch;
  });
  const key = data === undefined ? undefined : JSON.stringify(data);
  useEffect(() => {
    if (!client) return undefined;
    retain(client, channel);
    let p;
    try {
      p = new Presence(client, channel, { data: key === undefined ? undefined : JSON.parse(key) });
    } catch (err) {
      release(client, channel);
      throw err;
    }
    ref.current = p;
    const changed = () => latest.current(p);
    p.on('change', changed);
    changed();
    return () => {
      ref.current = null;
      p.close();
      release(client, channel);
    };
  }, [client, channel, key]);
  return ref;
}

/**
 * The members of `channel` (protocol v2 presence): `[{userId, data, connections}]`, this user
 * included, re-rendering on every join, leave and update; this user shares `options.data`. An
 * empty list while rendering on a server and in the first client render (so hydration matches).
 * @param {string} channel
 * @param {{data?: unknown}} [options]
 * @returns {ReadonlyArray<{userId: string, data: unknown, connections: number}>}
 */
export function usePresence(channel, options) {
  const [members, setMembers] = useState(NONE);
  usePresenceObject(channel, options?.data, (p) => setMembers(p.members));
  return members;
}

/**
 * Typing in `channel`: `{typists, typing, stopTyping}`. `typists` are the other users typing now
 * (`[{userId, data}]`, empty on a server and in the first render); call the stable `typing()` on
 * every keystroke (at most one frame per 2 s, stopped after 3 s of quiet or a message sent to the
 * channel) and `stopTyping()` to stop at once.
 * @param {string} channel
 * @returns {{typists: ReadonlyArray<{userId: string, data: unknown}>, typing: () => void, stopTyping: () => void}}
 */
export function useTyping(channel) {
  const [typists, setTypists] = useState(NONE);
  const ref = usePresenceObject(channel, undefined, (p) => setTypists(p.typists));
  const typing = useCallback(() => ref.current?.typing(), [ref]);
  const stopTyping = useCallback(() => ref.current?.stopTyping(), [ref]);
  return { typists, typing, stopTyping };
}
