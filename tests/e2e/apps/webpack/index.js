// The README's npm usage, as a webpack app would write it: the default entry, no config, no init().
import { ZantaraWebSocket } from 'zantara-websocket';

const ws = new ZantaraWebSocket('webpack-default', { wsUrl: `${location.origin.replace(/^http/, 'ws')}/ws` });
ws.on('connected', () => {
  document.body.dataset.state = 'open';
  ws.subscribe('room');
});
ws.on('room', (data) => {
  document.body.dataset.got = data.text;
});
