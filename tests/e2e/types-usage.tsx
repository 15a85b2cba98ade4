// Typed usage of the package, checked by `tsc` in package.test.mjs. Every `@ts-expect-error` line
// must fail to type-check (tsc reports an unused directive otherwise), so the declarations are
// proven to reject misuse, not only to accept use.

import {
  ZantaraWebSocket,
  debugCounters,
  type ConnectionState,
  type DisconnectedInfo,
  type ZantaraStats,
} from 'zantara-websocket';
import initWeb, { init, ZantaraWebSocket as WebClient } from 'zantara-websocket/web';
import {
  ZantaraProvider,
  useChannel,
  useConnectionState,
  useSend,
  useStats,
  usePresence,
  useTyping,
  useZantara,
} from 'zantara-websocket/react';
import { Presence, TYPING_QUIET_MS, type PresenceMember } from 'zantara-websocket/presence';

// ---- the legacy guide's usage, untyped channels ----
const ws = new ZantaraWebSocket('user@example.com', { debug: true, autoReconnect: true });
ws.on('connected', (data) => {
  const id: string | null = data.clientId;
  ws.subscribe('chat');
  void id;
});
ws.on('chat', (data) => console.log(data.text)); // channel data is `any` by default
ws.sendMessage('chat', { text: 'Hello ZANTARA!', user: 'John Doe' });
const sent: boolean = ws.sendMessage('notifications', { type: 'document_edited' });
const has: boolean = ws.subscriptions.has('chat');
const stats: ZantaraStats = ws.getStats();
const last: string | null = stats.lastPong;
const state: ConnectionState = ws.state;
ws.on('disconnected', (e: DisconnectedInfo) => console.log(e.code, e.willReconnect, e.bufferedAmount));
ws.on('reconnecting', ({ attempt, delay }) => console.log(attempt + delay));
ws.on('state', ({ from, to }) => console.log(from, to));
ws.on('error', (err) => console.log(err.code === 'BAD_FRAME' ? err.excerpt : err.message));
ws.on('message', (frame) => console.log(frame.type, frame.channel));
ws.once('pong', ({ rtt }) => console.log(rtt.toFixed(1)));
ws.off('chat');
const counters = debugCounters();
const live: number = counters.live + ZantaraWebSocket.debugCounters().sockets;
void [sent, has, last, state, live];

// ---- typed channels ----
interface Chat { text: string; user: string }
const typed = new ZantaraWebSocket<{ chat: Chat; analytics: { activeUsers: number } }>(null, {
  wsUrl: '/ws',
  backoff: 'exponential',
  token: async () => 'secret',
  closeCodes: { 4001: 'stop', 1013: 'slow' },
});
typed.on('chat', (m) => m.text.toUpperCase());
typed.on('analytics', (m) => m.activeUsers.toFixed(0));
typed.sendMessage('chat', { text: 'hi', user: 'me' });

// ---- misuse the declarations must reject ----
// Failover over a cluster's nodes: a list of URLs, or a function called before each connect.
new ZantaraWebSocket('u', { wsUrl: ['wss://n1.example.com/ws', 'wss://n2.example.com/ws'], autoConnect: false });
new ZantaraWebSocket('u', { wsUrl: () => 'wss://n1.example.com/ws', autoConnect: false });
// @ts-expect-error a list holds string URLs only
new ZantaraWebSocket('u', { wsUrl: ['wss://n1.example.com/ws', 42], autoConnect: false });
// @ts-expect-error `backoff` is 'linear' | 'exponential'
new ZantaraWebSocket('u', { backoff: 'quadratic' });
// @ts-expect-error `reconnectInterval` is a number
new ZantaraWebSocket('u', { reconnectInterval: '3000' });
// @ts-expect-error built-in event names cannot be subscribed as channels
ws.subscribe('error');
// @ts-expect-error the `disconnected` payload has no `clientId`
ws.on('disconnected', (e) => e.clientId);
// @ts-expect-error `state` is a ConnectionState, not a number
const n: number = ws.state;
// @ts-expect-error typed channel data is checked
typed.sendMessage('chat', { text: 42 });
// @ts-expect-error typed channel handlers see the declared type
typed.on('chat', (m) => m.missing);
// @ts-expect-error close-code reactions are 'reconnect' | 'slow' | 'stop'
new ZantaraWebSocket('u', { closeCodes: { 1000: 'retry' } });
void n;

// ---- `using` frees (and disconnects) at the end of the block ----
{
  using scoped = new ZantaraWebSocket('scoped@example.com', { autoConnect: false });
  scoped.connect();
}

// ---- the separate-wasm entry ----
async function webEntry() {
  await initWeb();
  await init(new URL('https://cdn.example.com/zantara_websocket_bg.wasm'));
  const client = new WebClient('web@example.com');
  client.disconnect();
}
void webEntry;

// ---- React ----
function Status() {
  const state: ConnectionState = useConnectionState();
  const client = useZantara();
  const send = useSend();
  const s = useStats(250);
  useChannel<Chat>('chat', (m) => console.log(m.text));
  // @ts-expect-error the client is null during server rendering: it must be checked
  useZantara().disconnect();
  return (
    <button onClick={() => send('chat', { text: 'hi' }) && client?.isConnected()}>
      {state} {s?.messagesIn}
    </button>
  );
}
export const app = (
  <ZantaraProvider userId="me@example.com" options={{ reconnectInterval: 1000 }}>
    <Status />
  </ZantaraProvider>
);

// ---- presence and typing ----
const room = new Presence<{ name: string }>(ws, 'conversation-123', { data: { name: 'Ana' } });
room.on('join', (m) => console.log(m.data?.name.toUpperCase(), m.connections));
room.on('typing', (t) => console.log(t.userId, t.typing));
room.on('change', () => console.log(room.members.length, room.typists.length));
const firstMember: PresenceMember<{ name: string }> | undefined = room.members[0];
room.typing();
room.close();
void firstMember;
void TYPING_QUIET_MS;
// @ts-expect-error presence events are join, leave, update, sync, typing and change
room.on('joined', () => {});
// @ts-expect-error the data is what the Presence was typed with
new Presence<{ name: string }>(ws, 'c', { data: { name: 1 } });

export function Members() {
  const members = usePresence<{ name: string }>('conversation-123', { data: { name: 'Ana' } });
  const { typists, typing } = useTyping<{ name: string }>('conversation-123');
  return <p onKeyDown={typing}>{members.map((m) => m.data?.name).join(', ')} · {typists.length}</p>;
}
