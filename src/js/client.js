// The SDK class as users see it: wasm-bindgen's generated `ZantaraWebSocket`, extended so that
//  - the wasm module is made ready (instantiated) before the generated constructor runs, so
//    `new ZantaraWebSocket(...)` needs no `await` and `instanceof` keeps working;
//  - an explicit `free()` (or `using` / `[Symbol.dispose]`) disconnects first and so releases
//    everything, while a wrapper merely garbage-collected does NOT disconnect: the Rust side keeps
//    connected and reconnecting instances in a registry until `disconnect()`, so a page that keeps
//    no reference to its client (the legacy guide's examples) stays connected;
//  - once freed, every method and accessor throws a JS `Error` with `code: 'FREED'` before entering
//    wasm. Entering wasm with a freed object would make the generated glue throw from inside wasm,
//    and an exception that unwinds through wasm frames leaks wasm's shadow stack: after some
//    thousands, the module fails for every instance on the page;
//  - `free()` called while one of the instance's own calls is still running (a handler run by
//    `connect()`, a `toJSON` run by `sendMessage()`) disconnects at once and releases the wasm
//    object when that outer call returns: releasing an object wasm still borrows throws from inside
//    wasm as well.
//
// Three bare imports are resolved by scripts/build.mjs, which bundles this file once per entry:
//  - `zantara:glue`     the `wasm-bindgen --target web` output for the release build;
//  - `zantara:loader`   `./load-inline.js` (index.js, the script-tag file) or `./load-web.js` (web.js);
//  - `zantara:boundary` the glue's own copy of src/shell/boundary.js (one module, one state).

import { ZantaraWebSocket as Generated, __error as sdkError, debugCounters as generatedCounters } from 'zantara:glue';
import { ensureReady } from 'zantara:loader';
import { setPool, takeMade, urlPool } from 'zantara:boundary';

/** `options.timeout` (ms, default 10000), checked; reading a hostile options object cannot throw. */
function readTimeout(options) {
  let timeout;
  try {
    timeout = options?.timeout ?? 10_000;
  } catch {
    timeout = NaN;
  }
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 2_147_483_647) {
    const e = new TypeError('ZantaraWebSocket: timeout must be a number of milliseconds from 1 to 2147483647');
    e.code = 'INVALID_ARGUMENT';
    throw e;
  }
  return timeout;
}

/** `options.signal`: an AbortSignal or undefined. */
function readSignal(options) {
  let signal;
  let ok = false;
  try {
    signal = options?.signal;
    ok = signal === undefined || signal instanceof AbortSignal;
  } catch {
    // A hostile options object.
  }
  if (signal === undefined && ok) return undefined;
  if (!ok) {
    const e = new TypeError('ZantaraWebSocket: signal must be an AbortSignal');
    e.code = 'INVALID_ARGUMENT';
    throw e;
  }
  return signal;
}

/** The error every call on a freed client throws. */
function freedError() {
  const e = new Error('ZantaraWebSocket: this client was freed');
  e.code = 'FREED';
  return e;
}

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
  /**
   * 0 usable; 1 while `free()` disconnects (handlers it runs still see a working, closing client;
   * a nested `free()` does nothing); 2 freed, the wasm object released when the calls in progress
   * return; 3 released. From 2 on, every generated member throws `FREED`.
   */
  #phase = 0;
  /** The instance's generated calls in progress (each borrows the wasm object). */
  #calls = 0;
  /** Its JS state (`createClient` in boundary.js), for src/js/presence.js. */
  #z;

  /**
   * Connects at once unless `options.autoConnect` is false. Throws a `TypeError` for options of the
   * wrong type or range, or an unusable server URL.
   * @param {string | null} [userId]
   * @param {object} [options]
   */
  constructor(userId, options) {
    ensureReady(); // instantiates the wasm module on first use (no work at import time)
    // `wsUrl` a list or a function (failover): the core gets one URL, the pool picks each attempt's.
    const pool = urlPool(options);
    setPool(pool);
    try {
      super(userId, pool === null ? options : { ...options, wsUrl: pool.b });
    } finally {
      setPool(null);
    }
    this.#z = takeMade();
  }

  /** Not part of the API: the client's JS state, for `zantara-websocket/presence`. */
  __state() {
    if (this.#phase > 1) throw freedError();
    return this.#z;
  }

  /**
   * Disconnects (code 1000, no reconnect; a `connect()` by a handler meanwhile is refused) and
   * releases the instance's wasm memory. The object is unusable afterwards: every method throws an
   * `Error` with `code: 'FREED'`. Calling `free()` again does nothing.
   */
  free() {
    if (this.#phase !== 0) return;
    this.#phase = 1;
    try {
      super.shutDown();
    } finally {
      this.#phase = 2;
      if (this.#calls === 0) this.#release(); // else when the outermost call returns
    }
  }

  /**
   * `sendMessage` as a promise of the server's acknowledgement (socket.io's `emitWithAck`,
   * centrifuge's `publish`): resolves with `{success: true, confirmed, id}` (`confirmed` false when
   * the server speaks protocol v1, which cannot confirm: the message was sent), rejects with an
   * `Error` whose `code` is `TIMEOUT` (no answer within `timeout` ms; the message stays queued and
   * may still be delivered), `DISCONNECTED` (freed before it was sent), `QUEUE_FULL`, or the
   * server's refusal code (with its `reason`). Throws like `sendMessage` for a bad channel or data.
   * @param {string} channel
   * @param {unknown} data
   * @param {{timeout?: number}} [options] `timeout` in ms (default 10000)
   * @returns {Promise<{success: true, confirmed: boolean, id: number}>}
   */
  sendWithAck(channel, data, options) {
    const timeout = readTimeout(options);
    let settle;
    const p = new Promise((resolve, reject) => {
      settle = (ack) => (ack.success ? resolve(ack) : reject(ack.error));
    });
    let timer = 0;
    this.sendMessage(channel, data, (ack) => {
      clearTimeout(timer);
      settle(ack);
    });
    // The message stays queued: only the wait ends.
    timer = setTimeout(() => settle({ success: false, error: sdkError(0, timeout) }), timeout);
    return p;
  }

  /**
   * A request to the server's handler `method` (protocol v2, docs/PROTOCOL.md): a promise of its
   * reply. Queued like a message and sent again after a lost connection until answered, and run once
   * by the server. Rejects with an `Error` whose `code` is `TIMEOUT` (after `timeout` ms, default
   * 10000), `ABORTED` (`signal`), `UNSUPPORTED` (a v1 server), `DISCONNECTED` (freed), `QUEUE_FULL`, or
   * the server's (`NOT_FOUND` for an unknown method, `HANDLER_ERROR`, ...) with its `reason`. A request
   * given up is removed from the queue, and the server is told when it was already sent.
   * @param {string} method
   * @param {unknown} data
   * @param {{timeout?: number, signal?: AbortSignal}} [options]
   * @returns {Promise<unknown>}
   */
  request(method, data, options) {
    const timeout = readTimeout(options);
    const signal = readSignal(options);
    let settle;
    const p = new Promise((resolve, reject) => {
      settle = (ack) => (ack.success ? resolve(ack.data) : reject(ack.error));
    });
    let timer = 0;
    const onAbort = () => this.cancel(id, sdkError(1));
    const id = this.sendRequest(1, method, data, (ack) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle(ack);
    }, undefined);
    if (id === 0) return p; // refused: the callback hears why
    timer = setTimeout(() => this.cancel(id, sdkError(0, timeout)), timeout);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
    return p;
  }

  /**
   * A stream from the server's handler `method` (protocol v2; seed 004's `ask.response` chunks): an
   * async iterable of the chunks' data, in order, each once, across lost connections. Leaving the
   * `for await` loop early, or aborting `signal`, cancels it (the server is told). Iterating throws
   * like `request` rejects (`ABORTED` after an abort, `UNSUPPORTED` on a v1 server, ...).
   * @param {string} method
   * @param {unknown} data
   * @param {{signal?: AbortSignal}} [options]
   * @returns {AsyncIterableIterator<unknown>}
   */
  stream(method, data, options) {
    const signal = readSignal(options);
    const chunks = [];
    let waiters = []; // next() calls waiting for a chunk or the end
    let end = null; // {error} once answered or given up
    const notify = () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const id = this.sendRequest(2, method, data, (ack) => {
      end = { error: ack.success ? null : ack.error };
      signal?.removeEventListener('abort', onAbort);
      notify();
    }, (chunk) => {
      chunks.push(chunk);
      notify();
    });
    const onAbort = () => this.cancel(id, sdkError(1));
    if (id !== 0) {
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort);
    }
    const client = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (chunks.length === 0 && end === null) await new Promise((resolve) => { waiters.push(resolve); });
        if (chunks.length > 0) return { value: chunks.shift(), done: false };
        if (end.error) throw end.error;
        return { value: undefined, done: true };
      },
      async return() {
        if (end === null) client.cancel(id, sdkError(1));
        end ??= { error: null };
        chunks.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  /** Releases the wasm object (the generated `free`). */
  #release() {
    this.#phase = 3;
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

  static {
    // Minifiers rename classes; keep the name users see in the console and in stack traces.
    Object.defineProperty(this, 'name', { value: 'ZantaraWebSocket' });

    const proto = this.prototype;
    // `using ws = new ZantaraWebSocket(...)` frees through Symbol.dispose. The generated class
    // aliases it to its own `free`, which would skip the disconnect: point it at the override.
    if (typeof Symbol.dispose === 'symbol') {
      Object.defineProperty(proto, Symbol.dispose, { value: proto.free, writable: true, configurable: true });
    }

    // Runs generated member `fn` unless the client was freed, counting the call (see `free`).
    const guard = (fn) => {
      const guarded = function (...args) {
        if (this.#phase > 1) throw freedError();
        this.#calls++;
        try {
          return fn.apply(this, args);
        } finally {
          if (--this.#calls === 0 && this.#phase === 2) this.#release();
        }
      };
      Object.defineProperty(guarded, 'name', { value: fn.name });
      Object.defineProperty(guarded, 'length', { value: fn.length });
      return guarded;
    };

    // Every member of the generated prototype, found by walking it: methods, getters and setters.
    // Members defined above (`free`, `constructor`, Symbol.dispose) and the glue's own helpers
    // (`__destroy_into_raw`, which the generated `free` calls) are left as they are.
    const generated = Generated.prototype;
    for (const key of Reflect.ownKeys(generated)) {
      if (Object.hasOwn(proto, key) || (typeof key === 'string' && key.startsWith('__'))) continue;
      const d = Object.getOwnPropertyDescriptor(generated, key);
      for (const part of ['value', 'get', 'set']) {
        if (typeof d[part] === 'function') d[part] = guard(d[part]);
      }
      Object.defineProperty(proto, key, d);
    }
  }
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
