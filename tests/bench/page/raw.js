// The limit: a bare WebSocket, JSON.parse, and plain JS routing by channel, JSON.stringify to send.
import { start } from './driver.js';

const iso = () => new Date().toISOString();

class RawClient {
  constructor({ ws, userId, echo, onConnected }) {
    this.handlers = new Map();
    this.socket = new WebSocket(`${ws}?${echo ? 'echo=1&' : ''}userId=${encodeURIComponent(userId)}`);
    this.socket.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.type === 'message') {
        const list = this.handlers.get(f.channel);
        if (list) for (const h of list) h(f.data);
      } else if (f.type === 'connected') {
        onConnected(f.data);
      }
    };
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

start({ name: 'raw', create: (o) => new RawClient(o) });
