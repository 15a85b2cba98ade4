// Shared set-up of the unit tests of src/shell/boundary.js: the core's rules (src/shell/rules.json,
// codes read by name, never as literal numbers) and small stand-ins.

import { readFileSync } from 'node:fs';

export const rules = JSON.parse(readFileSync(new URL('../../src/shell/rules.json', import.meta.url), 'utf8'));
export const V = rules.verdict;
export const C = rules.channel;
export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const MAX = 1 << 20;

/** Replaces `console[name]` for the duration of `fn` (restored even when it throws). */
export function withConsole(name, stub, fn) {
  const saved = console[name];
  console[name] = stub;
  try {
    return fn();
  } finally {
    console[name] = saved;
  }
}

/** A stand-in for a WebSocket: `readyState` and a `send` that records frames. */
export function fakeSocket(readyState) {
  const sent = [];
  return { readyState, sent, send: (f) => sent.push(f) };
}
