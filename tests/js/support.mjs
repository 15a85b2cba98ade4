// Shared set-up of the unit tests of src/shell/boundary.js: the core's rules (`RULES` of
// boundary.js, codes read by name, never as literal numbers) and small stand-ins.

import { install, RULES } from '../../src/shell/boundary.js';

export const rules = RULES;
export const V = rules.verdict;
export const C = rules.channel;
export const H = rules.hub;
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

/**
 * Installs a sink (the wasm side's entry point) that records each call's arguments, as passed, in
 * the returned array.
 */
export function recordSink() {
  const calls = [];
  install({ __zantaraSink: (...args) => calls.push(args) });
  return calls;
}

/**
 * A stand-in for the global `WebSocket` class: every instance is recorded in `FakeWebSocket.made`,
 * with its constructor arguments, the frames it sent and its `close` calls. `close` moves an open
 * or connecting socket to CLOSING (2), as browsers do.
 */
export class FakeWebSocket {
  /** @type {FakeWebSocket[]} */
  static made = [];

  constructor(...args) {
    this.args = args;
    this.readyState = 0;
    this.bufferedAmount = 0;
    this.binaryType = 'blob';
    this.onopen = null;
    this.onclose = null;
    this.onerror = null;
    this.onmessage = null;
    this.sent = [];
    this.closes = [];
    FakeWebSocket.made.push(this);
  }

  send(f) {
    this.sent.push(f);
  }

  close(...args) {
    this.closes.push(args);
    if (this.readyState < 2) this.readyState = 2;
  }
}

/**
 * Runs `fn` with `globalThis.WebSocket` set to `Ctor` (FakeWebSocket by default, its record
 * cleared), restoring what was there (or its absence) afterwards, even when `fn` throws.
 */
export function withWebSocket(fn, Ctor = FakeWebSocket) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  FakeWebSocket.made = [];
  globalThis.WebSocket = Ctor;
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    else delete globalThis.WebSocket;
  }
}
