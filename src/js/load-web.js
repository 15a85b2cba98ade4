// Loader of the `zantara-websocket/web` entry: the wasm stays a separate file, fetched and compiled
// by `init()` (streaming where the server sends `application/wasm`), which must settle before the
// first `new ZantaraWebSocket()`.

import initGlue from 'zantara:glue';

import { CSP, NOT_WASM, explain } from './hint.js';

let ready = false;
let pending = null;

/**
 * Loads and instantiates the wasm module. Call it once and await it before creating a client;
 * later calls return the same promise.
 *
 * @param {string | URL | Request | Response | BufferSource | WebAssembly.Module | Promise<any>} [input]
 *   where the wasm comes from; defaults to `zantara_websocket_bg.wasm` next to this file, a URL
 *   that bundlers recognise (`new URL(..., import.meta.url)`) and emit as an asset.
 * @returns {Promise<void>}
 */
export function init(input) {
  pending ??= initGlue({
    module_or_path: input ?? new URL('./zantara_websocket_bg.wasm', import.meta.url),
  }).then(
    () => {
      ready = true;
    },
    (err) => {
      pending = null; // let a later call retry (say, after a network error)
      throw explain(err, CSP, NOT_WASM);
    },
  );
  return pending;
}

/** Throws a clear error when a client is created before `init()` settled. */
export function ensureReady() {
  if (!ready) {
    throw new Error(
      "ZantaraWebSocket: call `await init()` from 'zantara-websocket/web' before creating a client " +
        "(or import 'zantara-websocket', which needs no init)",
    );
  }
}
