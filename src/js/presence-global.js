// The script-tag build of zantara-websocket/presence (pkg/zantara-presence.js): defines
// window.ZantaraPresence, for pages that load the SDK with <script src=".../zantara-websocket.js">.
import { Presence } from './presence.js';

globalThis.ZantaraPresence = Presence;
