// socket.io-client 4.8.4 (its shipped ESM minified build) against tests/bench/socketio-server.mjs: the event name
// is the channel (socket.io's own routing), rooms per channel. WebSocket transport only (no long-polling first), and
// forceNew so that the memory scenario's clients are separate connections rather than one multiplexed Manager.
import { io } from '/lib/socket.io.esm.min.js';
import { start } from './driver.js';

// The bench client is socket.io's Socket behind prototype methods: per connection one small object holding only that
// socket (no closures), like the other adapters, so that the memory scenario measures the SDK.
class SocketIoClient {
  constructor(s) {
    this.s = s;
  }
  on(ch, fn) {
    this.s.on(ch, fn);
  }
  subscribe(ch) {
    this.s.emit('subscribe', ch);
  }
  send(ch, data) {
    this.s.emit(ch, data);
    return true;
  }
  /** socket.io's acknowledgement: the server calls the emit's callback (socketio-server.mjs). */
  sendAcked(ch, data, done) {
    this.s.emit(ch, data, () => done(true));
  }
  close() {
    this.s.disconnect();
  }
}

start({
  name: 'socket.io-client',
  // A socket.io EVENT packet in an engine.io MESSAGE packet, as socket.io-server sends `socket.emit(channel, data)`.
  frame: (channel, data) => `42${JSON.stringify([channel, data])}`,
  create({ sio, userId, echo, onConnected }) {
    const s = io(sio, {
      transports: ['websocket'],
      forceNew: true,
      query: echo ? { userId, echo: '1' } : { userId },
    });
    s.on('connect', onConnected);
    return new SocketIoClient(s);
  },
});
