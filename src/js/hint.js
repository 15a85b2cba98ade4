// What to do when the wasm module cannot be compiled, for the two failures users meet without a
// word of advice from the browser (issue 14): a Content-Security-Policy without 'wasm-unsafe-eval'
// (Chromium's CompileError names 'unsafe-eval', a much broader permission), and an HTML page where
// the .wasm should be (Vite's dev server pre-bundling the /web entry: "expected magic word 00 61 73 6d,
// found 3c 21 64 6f", the bytes of `<!do`).

/** The CSP failure and its fix. */
export const CSP = [/unsafe-eval|Security Pol/i, "the page's CSP must allow 'wasm-unsafe-eval' in script-src (not 'unsafe-eval')"];

/** An HTML page served for the .wasm (web entry only) and its fix. */
export const NOT_WASM = [/magic word/, "the .wasm URL served no wasm: under Vite's dev server add optimizeDeps.exclude ['zantara-websocket']"];

/**
 * `err` with the fix of the first of `hints` (`[pattern, fix]`) its message matches prepended (same
 * error class, the original as `cause`), else `err` as it was.
 */
export function explain(err, ...hints) {
  const m = String(err?.message ?? err);
  const hint = hints.find(([pattern]) => pattern.test(m));
  if (!hint) return err;
  const e = new err.constructor(`ZantaraWebSocket: ${hint[1]}. ${m}`);
  e.cause = err;
  return e;
}
