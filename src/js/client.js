// The SDK class as users see it: wasm-bindgen's generated `ZantaraWebSocket`, extended so that
//  - the wasm module is made ready (instantiated) before the generated constructor runs, so
//    `new ZantaraWebSocket(...)` needs no `await` and `instanceof` keeps working;
//  - an explicit `free()` (or `using` / `[Symbol.dispose]`) disconnects first and so releases
//    everything, while a wrapper merely garbage-collected does NOT disconnect: the Rust side keeps
//    connected and reconnecting instances in a registry until `disconnect()`, so a page that keeps
//    no reference to its client (the legacy guide's examples) stays connected.
//
// Two bare imports are resolved by scripts/build.mjs, which bundles this file once per entry:
//  - `zantara:glue`   the `wasm-bindgen --target web` output for the release build;
//  - `zantara:loader` `./load-inline.js` (index.js, the script-tag file) or `./load-web.js` (web.js).

import { ZantaraWebSocket as Generated, debugCounters as generatedCounters } from 'zantara:glue';
import { ensureReady } from 'zantara:loader';

/**
 * A WebSocket client with the legacy `ZantaraWebSocket` API: channels, auto-reconnect with backoff,
 * heartbeats, an offline queue and health statistics. See index.d.ts for every option and event.
 *
 * ```js
 * const ws = new ZantaraWebSocket('user@example.com', { debug: true });
 * ws.on('connected', () => ws.subscribe('chat'));
 * ws.on('chat', (data) => console.log(data));
 * ws.sendMessage('chat', { text: 'Hello!' });
 * ```
 */
export class ZantaraWebSocket extends Generated {
  // Minifiers rename classes; keep the name users see in the console and in stack traces.
  static {
    Object.defineProperty(this, 'name', { value: 'ZantaraWebSocket' });
  }

  /**
   * Connects at once unless `options.autoConnect` is false. Throws a `TypeError` for options of the
   * wrong type or range, or an unusable server URL.
   * @param {string | null} [userId]
   * @param {object} [options]
   */
  /** Set by `free()`: wasm-bindgen's own pointer field is private to its glue. */
  #freed = false;

  constructor(userId, options) {
    ensureReady(); // instantiates the wasm module on first use (no work at import time)
    super(userId, options);
  }

  /**
   * Disconnects (code 1000, no reconnect) and releases the instance's wasm memory. The object is
   * unusable afterwards; calling `free()` again does nothing.
   */
  free() {
    if (this.#freed) return;
    this.#freed = true;
    this.shutDown(); // disconnects; a handler's connect() meanwhile is refused
    super.free();
  }

  /**
   * Live resources of every instance (for tests and leak hunting):
   * `{sockets, timers, listeners, instances, live, socketsOpened, wasmMemoryBytes}`.
   * @returns {object}
   */
  static debugCounters() {
    return debugCounters();
  }
}

// `using ws = new ZantaraWebSocket(...)` frees through Symbol.dispose. The generated class aliases it
// to its own `free`, which would skip our `disconnect()`: point it at the override.
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(ZantaraWebSocket.prototype, Symbol.dispose, {
    value: ZantaraWebSocket.prototype.free,
    writable: true,
    configurable: true,
  });
}

/**
 * Live resources of every instance in this module (see `ZantaraWebSocket.debugCounters`).
 * Instantiates the wasm module if no client was created yet.
 * @returns {object}
 */
export function debugCounters() {
  ensureReady();
  return generatedCounters();
}
