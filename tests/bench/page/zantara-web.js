// Ours, second entry: pkg/web.js + pkg/zantara_websocket_bg.wasm (fetched and compiled by init()).
import * as Z from '/pkg/web.js';
import { start } from './driver.js';
import { BULK, ZantaraClient } from './zantara-client.js';

start({
  name: 'zantara-web',
  // `init()` fetches zantara_websocket_bg.wasm next to web.js (run.mjs --wasm substitutes another build).
  init: () => (Z.init ?? Z.default)(new URLSearchParams(location.search).get('wasm') ?? undefined),
  create({ ws, userId, echo, onConnected }) {
    const c = new Z.ZantaraWebSocket(userId, { wsUrl: echo ? `${ws}?echo=1` : ws, ...BULK });
    c.on('connected', onConnected);
    return new ZantaraClient(c);
  },
  wasmBytes: () => Z.debugCounters?.().wasmMemoryBytes ?? 0,
});
