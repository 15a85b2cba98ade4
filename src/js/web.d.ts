// Type declarations of `zantara-websocket/web`: the same client, with the wasm as a separate file.

export * from './index.js';

/** What `init()` can load the wasm from. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | Promise<RequestInfo | URL | Response | BufferSource | WebAssembly.Module>;

/**
 * Fetches and instantiates the wasm (by default `zantara_websocket_bg.wasm` next to the module).
 * Await it once before `new ZantaraWebSocket()`; later calls return the same promise.
 */
export declare function init(input?: InitInput): Promise<void>;
export default init;
