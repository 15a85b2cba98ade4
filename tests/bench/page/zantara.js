// Ours, default entry: pkg/index.js (inline wasm, instantiated synchronously on first use; no init call).
import * as Z from '/pkg/index.js';
import { start } from './driver.js';
import { BULK, ZantaraClient } from './zantara-client.js';

start({
  name: 'zantara',
  create({ ws, userId, echo, onConnected }) {
    const c = new Z.ZantaraWebSocket(userId, { wsUrl: echo ? `${ws}?echo=1` : ws, ...BULK });
    c.on('connected', onConnected);
    return new ZantaraClient(c);
  },
  wasmBytes: () => Z.debugCounters?.().wasmMemoryBytes ?? 0,
});
