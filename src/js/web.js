// `zantara-websocket/web`: the same client, with the wasm as a separate file (a smaller download
// than the inlined base64). Await `init()` once before creating a client:
//
//   import init, { ZantaraWebSocket } from 'zantara-websocket/web';   // or { init, ... }
//   await init();
//   const ws = new ZantaraWebSocket('user@example.com');
//
// Bundlers emit the .wasm as an asset from `new URL('./zantara_websocket_bg.wasm', import.meta.url)`.
// Vite's dev server pre-bundles dependencies into node_modules/.vite, where that URL breaks: list
// the package in `optimizeDeps.exclude` (or use the default entry, which needs no config).

export { ZantaraWebSocket, debugCounters } from './client.js';
export { init, init as default } from './load-web.js';
