// Loader of the default entry and the script-tag file: the release wasm is inlined (deflated, then
// base64) and instantiated synchronously on first use, so `new ZantaraWebSocket()` needs no `await`
// and a bundler needs no wasm plugin (Vite's dev pre-bundling included). Importing does no work.
//
// Deflated because base64 defeats gzip: a page's gzip of base64 of the raw module is 27% larger
// than gzip of the module itself, and of the deflated module about the same as the module's own
// gzip. fflate's `inflateSync` (MIT, about 2 KB gzip) undoes it in a millisecond or two.
//
// Synchronous compilation on the main thread is allowed for modules under 8 MB in Chromium; ours is
// far smaller.

import { inflateSync } from 'fflate';
import { initSync } from 'zantara:glue';
import wasmBase64 from 'zantara:wasm-base64';

import { CSP, explain } from './hint.js';

let ready = false;

/** Decodes base64 without `atob`'s binary-string detour where the engine can. */
function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Instantiates the inlined module once; later calls return at once. */
export function ensureReady() {
  if (ready) return;
  try {
    initSync({ module: inflateSync(decodeBase64(wasmBase64)) });
  } catch (err) {
    throw explain(err, CSP); // a CSP without 'wasm-unsafe-eval'
  }
  ready = true;
}
