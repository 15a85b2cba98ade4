// JavaScript helpers of the browser tests (bound by tests/support/mod.rs): HTTP calls, event
// recorders, timers and console capture, so that the Rust tests read as scenarios.

export async function http(method, url, body) {
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const r = await fetch(url, init);
  const text = await r.text();
  try { return JSON.parse(text); } catch { return { status: r.status, text }; }
}
export function newLog() { return []; }
export function pusher(log, name) { return (p) => { log.push({ event: name, payload: p, t: Date.now() }); }; }
export function thrower(msg) { return () => { throw new Error(msg); }; }
export function count(log, name) { let n = 0; for (const e of log) if (e.event === name) n++; return n; }
export function payloads(log, name) { return log.filter((e) => e.event === name).map((e) => e.payload); }
export function logLen(log) { return log.length; }
export function times(log, name) { return log.filter((e) => e.event === name).map((e) => e.t); }
export function delay(ms) { return new Promise((r) => setTimeout(r, ms)); }
export function fire(name) { globalThis.dispatchEvent(new Event(name)); }
export function deferred(name, ms) {
  const d = {};
  d.promise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for \`${name}\``)), ms);
    d.resolve = (p) => { clearTimeout(timer); resolve(p); };
  });
  return d;
}
export function captureConsole() {
  const lines = [];
  const saved = {};
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) {
    saved[k] = console[k];
    console[k] = (...args) => {
      lines.push(args.map((a) => (a instanceof Error ? a.name + ': ' + a.message : String(a))).join(' '));
      saved[k].apply(console, args);
    };
  }
  lines.restore = () => Object.assign(console, saved);
  return lines;
}
export function restoreConsole(lines) { lines.restore(); }
export function b64(s) { return btoa(s); }

// A token function whose promise the test settles: `gate.token` is the option, `gate.resolve(t)`
// settles every pending call, `gate.calls` counts calls.
export function tokenGate() {
  const gate = { calls: 0, pending: [] };
  gate.token = () => {
    gate.calls += 1;
    return new Promise((resolve) => gate.pending.push(resolve));
  };
  gate.resolve = (t) => {
    for (const r of gate.pending.splice(0)) r(t);
  };
  return gate;
}

// Calls `obj[method](...args)`: for a client turned into its JS object, so that a JS handler can
// call its methods too.
export function invoke(obj, method, args) {
  return obj[method](...args);
}

// A function that calls `obj[method]()`.
export function caller(obj, method) {
  return () => obj[method]();
}

// Data whose `toJSON` calls `obj[method]()` first (user code running inside `JSON.stringify`);
// `calls` counts its runs.
export function dataCalling(obj, method) {
  const data = {
    calls: 0, // how often `toJSON` ran
    toJSON() {
      data.calls += 1;
      obj[method]();
      return 1;
    },
  };
  return data;
}

// Keeps the main thread busy for `ms` (a page that froze: no timer, no socket event runs meanwhile).
export function block(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}
