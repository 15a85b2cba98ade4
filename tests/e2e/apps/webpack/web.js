// The size-conscious entry: `zantara-websocket/web` and `await init()` (webpack emits the .wasm as an asset).
import init, { ZantaraWebSocket } from 'zantara-websocket/web';

await init();
const ws = new ZantaraWebSocket('webpack-web', { wsUrl: `${location.origin.replace(/^http/, 'ws')}/ws` });
ws.on('connected', () => {
  document.body.dataset.state = 'open';
  ws.subscribe('room');
});
ws.on('room', (data) => {
  document.body.dataset.got = data.text;
});
