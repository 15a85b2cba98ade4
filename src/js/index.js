// `zantara-websocket`: the default entry. The wasm is inlined and instantiated synchronously on
// first use; importing this module does no work and touches no browser global (safe under
// server-side rendering).

export { ZantaraWebSocket, debugCounters } from './client.js';
