'use client';
// The README's React snippet in a Next.js app-router page (tests/e2e/next.test.mjs), with `addMessage`
// made real and `useStats` shown: both hooks must render the same on the server and in the first
// client render.
import { useState } from 'react';
import { ZantaraProvider, useChannel, useConnectionState, useSend, useStats } from 'zantara-websocket/react';

const wsUrl = process.env.NEXT_PUBLIC_ZANTARA_WS_URL;

export default function Page() {
  return (
    <ZantaraProvider userId="next-user@example.com" options={{ wsUrl }}>
      <Chat />
    </ZantaraProvider>
  );
}

function Chat() {
  const state = useConnectionState();           // 'connecting' | 'open' | 'reconnecting' | 'closed'
  const send = useSend();                       // (channel, data) => boolean
  const stats = useStats(500);
  const [messages, setMessages] = useState([]);
  const addMessage = (data) => setMessages((m) => [...m, data.text]);
  useChannel('chat', (data) => addMessage(data)); // subscribes on mount, unsubscribes on unmount
  return (
    <main>
      <button id="send" onClick={() => send('chat', { text: 'hi' })}>{state}</button>
      <p id="stats">{stats === null ? 'no stats yet' : `in ${stats.messagesIn}`}</p>
      <ul id="messages">{messages.map((m, i) => <li key={i}>{m}</li>)}</ul>
    </main>
  );
}
