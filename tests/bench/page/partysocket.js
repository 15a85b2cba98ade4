// partysocket 1.3.0: its reconnecting WebSocket (`import { WebSocket } from 'partysocket'`), with the same routing
// and encoding as the raw client.
import { WebSocket as PartyWebSocket } from '/lib/partysocket.min.js';
import { start } from './driver.js';

const iso = () => new Date().toISOString();

class PartyClient {
  constructor({ ws, userId, echo, onConnected }) {
    this.handlers = new Map();
    this.socket = new PartyWebSocket(`${ws}?${echo ? 'echo=1&' : ''}userId=${encodeURIComponent(userId)}`);
    this.socket.addEventListener('message', (e) => {
      const f = JSON.parse(e.data);
      if (f.type === 'message') {
        const list = this.handlers.get(f.channel);
        if (list) for (const h of list) h(f.data);
      } else if (f.type === 'connected') {
        onConnected(f.data);
      }
    });
  }
  on(channel, fn) {
    const list = this.handlers.get(channel);
    if (list) list.push(fn);
    else this.handlers.set(channel, [fn]);
  }
  subscribe(channel) {
    this.socket.send(JSON.stringify({ type: 'subscribe', channel, timestamp: iso() }));
  }
  send(channel, data) {
    this.socket.send(JSON.stringify({ type: 'message', channel, data, timestamp: iso() }));
    return true;
  }
  close() {
    this.socket.close(1000);
  }
}

start({ name: 'partysocket', create: (o) => new PartyClient(o) });
