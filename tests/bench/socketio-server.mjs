#!/usr/bin/env node
// socket.io 4.8.4 peer for the benchmarks (tests/bench/run.mjs): the same job as the reference server
// (www/server/server.js) done the socket.io way, so socket.io-client can be measured against its own server.
//
//   node tests/bench/socketio-server.mjs [--port N]      prints: SOCKETIO_SERVER {"port":P,"url":"http://127.0.0.1:P"}
//   import { startSocketIoServer } from './socketio-server.mjs'   (what run.mjs does, on port 0, loopback)
//
// Protocol, mirroring the reference server's (docs/ARCHITECTURE.md, "Wire protocol") on top of socket.io's own framing:
// - connect with query `userId` (and `echo=1` to get your own channel messages back, as the reference server);
// - `subscribe` (channel) / `unsubscribe` (channel): join / leave the room named after the channel;
// - any other event is a channel message: the event name is the channel (socket.io's own routing), broadcast to
//   the room's other members, and back to the sender when it connected with echo=1;
// - `ping` (data) is answered with `pong` ({timestamp, data}).
// In-process hooks for the harness: `clientsOf(userId)`, `subscribed(userId, channel)`, `flood(...)`,
// `onMessages(userId, fn)` (called for every channel message the server reads from that user).

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server } from 'socket.io';

const CONTROL = new Set(['subscribe', 'unsubscribe', 'ping']);

/**
 * Starts a socket.io server on `host:port` (port 0 picks a free one).
 * @returns {Promise<{port: number, url: string, io: Server, counters: object,
 *   clientsOf(userId: string): import('socket.io').Socket[], subscribed(userId: string, channel: string): boolean,
 *   flood(userId: string, channel: string, count: number, size: number): Promise<number>,
 *   onMessages(userId: string, fn: ((socket, channel, data) => void) | null): void,
 *   close(): Promise<void>}>}
 */
export async function startSocketIoServer({ port = 0, host = '127.0.0.1' } = {}) {
  const httpServer = http.createServer((req, res) => {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('socket.io bench server\n');
  });
  // No compression (as the reference server), websocket only (run.mjs makes the client skip long-polling too),
  // CORS open because the bench pages are served by the reference server on another port.
  const io = new Server(httpServer, {
    transports: ['websocket'],
    perMessageDeflate: false,
    cors: { origin: true },
    maxHttpBufferSize: 16 * 1024 * 1024,
  });
  const counters = { connectionsTotal: 0, messagesIn: 0, messagesOut: 0 };
  const hooks = new Map(); // userId -> fn(socket, channel, data)

  io.on('connection', (socket) => {
    counters.connectionsTotal++;
    const q = socket.handshake.query;
    socket.data.userId = typeof q.userId === 'string' && q.userId ? q.userId : 'anonymous';
    socket.data.echo = q.echo === '1' || q.echo === 'true';
    socket.on('subscribe', (channel) => {
      counters.messagesIn++;
      if (typeof channel === 'string' && channel) socket.join(channel);
    });
    socket.on('unsubscribe', (channel) => {
      counters.messagesIn++;
      if (typeof channel === 'string') socket.leave(channel);
    });
    socket.on('ping', (data) => {
      counters.messagesIn++;
      counters.messagesOut++;
      socket.emit('pong', { timestamp: new Date().toISOString(), data });
    });
    socket.onAny((channel, data, ack) => {
      if (CONTROL.has(channel)) return;
      counters.messagesIn++;
      socket.to(channel).emit(channel, data);
      if (socket.data.echo) socket.emit(channel, data);
      hooks.get(socket.data.userId)?.(socket, channel, data);
      if (typeof ack === 'function') ack(true); // emitWithAck / emit(..., callback): the message was taken
    });
  });

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen({ port, host }, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const actual = httpServer.address().port;

  const clientsOf = (userId) => [...io.sockets.sockets.values()].filter((s) => s.data.userId === userId);

  return {
    port: actual,
    url: `http://${host}:${actual}`,
    io,
    counters,
    clientsOf,
    subscribed: (userId, channel) => clientsOf(userId).some((s) => s.rooms.has(channel)),
    onMessages(userId, fn) {
      if (fn) hooks.set(userId, fn);
      else hooks.delete(userId);
    },
    /**
     * Sends `count` `channel` events `{seq, pad}` to every socket of `userId`, each packet padded to about `size`
     * bytes on the wire, as fast as the socket drains (as the reference server's /__control/flood). Resolves with
     * the number of events handed to socket.io.
     */
    async flood(userId, channel, count, size) {
      const sockets = clientsOf(userId);
      const wire = (seq, pad) => `42${JSON.stringify([channel, { seq, pad }])}`;
      const pad = 'x'.repeat(Math.max(0, size - Buffer.byteLength(wire(count - 1, ''))));
      let sent = 0;
      for (const s of sockets) {
        const engine = s.conn; // engine.io socket: its writeBuffer holds what the transport has not taken yet
        for (let seq = 0; seq < count; seq++) {
          s.emit(channel, { seq, pad });
          counters.messagesOut++;
          sent++;
          if ((seq & 63) === 63) {
            // Let engine.io hand the batch to the transport as we go, and keep memory bounded like the reference
            // server (4 MB high water): wait while the transport is behind. Bounded: at most ~5 s per batch.
            await new Promise((resolve) => setImmediate(resolve));
            for (let i = 0; i < 5000; i++) {
              const behind = engine.writeBuffer.length * size + (engine.transport?.socket?.bufferedAmount ?? 0);
              if (behind <= 4 * 1024 * 1024) break;
              await new Promise((resolve) => setTimeout(resolve, 1));
            }
          }
        }
      }
      return sent;
    },
    async close() {
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 3000);
        io.close(() => { clearTimeout(t); resolve(); });
      });
      httpServer.closeAllConnections?.();
    },
  };
}

async function main() {
  let port = 0;
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === '--port') port = Number(inline ?? args[++i]);
    else {
      process.stderr.write(`unknown flag ${args[i]}\nusage: node tests/bench/socketio-server.mjs [--port N]\n`);
      process.exit(2);
    }
  }
  const srv = await startSocketIoServer({ port });
  process.stdout.write(`SOCKETIO_SERVER ${JSON.stringify({ port: srv.port, url: srv.url })}\n`);
  const stop = async () => {
    setTimeout(() => process.exit(0), 4000).unref();
    await srv.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
