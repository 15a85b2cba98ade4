// The script-tag build (`zantara-websocket.js`, an IIFE with the wasm inlined). It defines
// `window.ZantaraWebSocket` synchronously, so a classic script right after
// `<script src="zantara-websocket.js"></script>` can call `new ZantaraWebSocket(...)` at once,
// as with the legacy client. The wasm is instantiated on the first `new`.

import { ZantaraWebSocket } from './client.js';

globalThis.ZantaraWebSocket = ZantaraWebSocket;
