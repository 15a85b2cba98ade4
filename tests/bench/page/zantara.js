// Ours, default entry: pkg/index.js (inline wasm, instantiated synchronously on first use; no init call).
import * as Z from '/pkg/index.js';
import { start } from './driver.js';

start({
  name: 'zantara',
  create({ ws, userId, echo, onConnected }) {
    const c = new Z.ZantaraWebSocket(userId, { wsUrl: echo ? `${ws}?echo=1` : ws });
    c.on('connected', onConnected);
    return {
      on: (ch, fn) => c.on(ch, fn),
      subscribe: (ch) => c.subscribe(ch),
      send: (ch, data) => c.sendMessage(ch, data),
      close: () => { c.disconnect(); c.free?.(); },
    };
  },
  wasmBytes: () => Z.debugCounters?.().wasmMemoryBytes ?? 0,
});
