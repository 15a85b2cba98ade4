// The limit: a bare WebSocket, JSON.parse, and plain JS routing by channel, JSON.stringify to send. For acknowledged
// sends it speaks the reference server's protocol v2 by hand (docs/PROTOCOL.md): ids, and a Map of callbacks by id.
import { start } from './driver.js';

const iso = () => new Date().toISOString();

class RawClient {
  constructor({ ws, userId, echo, onConnected }) {
    this.handlers = new Map();
    this.acks = new Map();
    this.lastId = 0;
    const session = Math.random().toString(36).slice(2);
    this.socket = new WebSocket(`${ws}?${echo ? 'echo=1&' : ''}userId=${encodeURIComponent(userId)}&protocol=2&session=${session}`);
    this.socket.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.type === 'ack') {
        // Cumulative (`upTo`): every id up to it; else one id (a refusal has an `error`).
        if (f.upTo !== undefined) {
          for (const [id, done] of this.acks) {
            if (id > f.upTo) break; // a Map iterates in insertion order: ids ascending
            this.acks.delete(id);
            done(true);
          }
        } else {
          const done = this.acks.get(f.id);
          this.acks.delete(f.id);
          done?.(f.error === undefined);
        }
      } else if (f.type === 'message') {
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
  sendAcked(channel, data, done) {
    const id = ++this.lastId;
    this.acks.set(id, done);
    this.socket.send(JSON.stringify({ id, type: 'message', channel, data, timestamp: iso() }));
  }
  close() {
    this.socket.close(1000);
  }
}

start({ name: 'raw', create: (o) => new RawClient(o) });
