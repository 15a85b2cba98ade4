// A small team chat on zantara-websocket/react: one <ZantaraProvider> (one socket) shared by a
// connection badge, a chat and live analytics. The server URL is this page's origin at /ws unless
// VITE_ZANTARA_WS_URL is set (`VITE_ZANTARA_WS_URL=ws://127.0.0.1:8080/ws npm run dev`).
import { useEffect, useState, type FormEvent } from 'react';
import { debugCounters, type DebugCounters } from 'zantara-websocket';
import {
  ZantaraProvider,
  useChannel,
  useConnectionState,
  useDelivery,
  usePresence,
  useStats,
  useTyping,
} from 'zantara-websocket/react';

interface ChatMessage {
  text: string;
  user: string;
  timestamp?: string;
}

interface Metrics {
  activeUsers: number;
  tokensUsed: number;
  apiCalls: number;
  avgResponseTime: number;
}

const wsUrl: string | undefined = import.meta.env.VITE_ZANTARA_WS_URL || undefined;
const params = new URLSearchParams(location.search);
const userId = params.get('user') ?? 'react@example.com';

export function App() {
  // The mounted flag lets the end-to-end test unmount the provider (which must close the socket).
  const [mounted, setMounted] = useState(true);
  return (
    <div className="app">
      <header>
        <h1>ZANTARA · React</h1>
        <button data-testid="toggle" onClick={() => setMounted((m) => !m)}>
          {mounted ? 'Unmount provider' : 'Mount provider'}
        </button>
      </header>
      {mounted ? (
        <ZantaraProvider userId={userId} options={{ wsUrl, reconnectInterval: 1000 }}>
          <Badge />
          <main>
            <Chat />
            <Analytics />
          </main>
        </ZantaraProvider>
      ) : (
        <p className="note" data-testid="unmounted">Provider unmounted: no connection.</p>
      )}
      <SdkCounters />
    </div>
  );
}

/** The SDK's live-resource counters, outside the provider so they outlive it. */
function SdkCounters() {
  const [counters, setCounters] = useState<DebugCounters | null>(null);
  useEffect(() => {
    const timer = setInterval(() => setCounters(debugCounters()), 250);
    return () => clearInterval(timer);
  }, []);
  if (!counters) return null;
  return (
    <footer className="note" data-testid="counters" data-mode={import.meta.env.MODE}
      data-sockets={counters.sockets} data-opened={counters.socketsOpened} data-timers={counters.timers}
      data-live={counters.live}>
      SDK: {counters.sockets} socket(s) open, {counters.socketsOpened} opened so far, {counters.timers} timer(s),{' '}
      {counters.live} live client(s) · {import.meta.env.MODE} build
    </footer>
  );
}

function Badge() {
  const state = useConnectionState();
  const stats = useStats(500);
  return (
    <p className="badge" data-state={state} data-testid="state">
      <span className="dot" /> {state}
      {stats?.clientId ? <small> · {stats.clientId}</small> : null}
    </p>
  );
}

/** Delivery ticks, as chat apps show them: pending, confirmed by the server, or failed. */
const TICKS = { pending: '🕓', confirmed: '✓', sent: '·', failed: '!' } as const;

function Chat() {
  const [messages, setMessages] = useState<(ChatMessage & { key?: number })[]>([]);
  const [draft, setDraft] = useState('');
  const { send, deliveries } = useDelivery();
  useChannel<ChatMessage>('chat', (message) => setMessages((list) => [...list.slice(-49), message]));
  // Who is here (one entry per user, however many tabs) and who is typing.
  const members = usePresence<{ name: string }>('chat', { data: { name: userId } });
  const { typists, typing } = useTyping<{ name: string }>('chat');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const message: ChatMessage = { text: draft, user: userId, timestamp: new Date().toISOString() };
    if (draft.trim()) {
      const key = send('chat', message);
      setMessages((list) => [...list.slice(-49), { ...message, key }]);
      setDraft('');
    }
  };

  return (
    <section className="card">
      <h2>Chat</h2>
      <p className="note" data-testid="presence" data-count={members.length}>
        Here: {members.map((m) => m.data?.name ?? m.userId).join(', ') || 'nobody yet'}
      </p>
      <ul data-testid="messages">
        {messages.map((m, i) => {
          const status = m.key === undefined ? undefined : deliveries.get(m.key);
          return (
            <li key={i} data-delivery={status}>
              <b>{m.user}</b> {m.text} {status ? <small title={status}>{TICKS[status]}</small> : null}
            </li>
          );
        })}
      </ul>
      <p className="note" data-testid="typing">
        {typists.length > 0 ? `${typists.map((t) => t.data?.name ?? t.userId).join(', ')} typing…` : '\u00a0'}
      </p>
      <form onSubmit={submit}>
        <input value={draft} onChange={(e) => { setDraft(e.target.value); typing(); }} placeholder="Write a message…" />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}

function Analytics() {
  const [metrics, setMetrics] = useState<Metrics | null>(null);
  useChannel<Metrics>('analytics', setMetrics);
  return (
    <section className="card">
      <h2>Analytics</h2>
      {metrics ? (
        <dl data-testid="metrics">
          <dt>Active users</dt>
          <dd>{metrics.activeUsers}</dd>
          <dt>Tokens used</dt>
          <dd>{metrics.tokensUsed.toLocaleString()}</dd>
          <dt>API calls</dt>
          <dd>{metrics.apiCalls.toLocaleString()}</dd>
          <dt>Avg response</dt>
          <dd>{metrics.avgResponseTime} ms</dd>
        </dl>
      ) : (
        <p className="note">Waiting for the analytics channel…</p>
      )}
    </section>
  );
}
