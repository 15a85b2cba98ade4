// The handler registry of one client: `on`, `once`, `off` and dispatch, kept in JavaScript so that
// an inbound channel message is dispatched without entering wasm.
//
// Semantics (tested in tests/js/emitter.test.mjs):
//  - Handlers run in the order they were added; the same function added twice runs twice.
//  - A dispatch calls the handlers registered when it started: one added during it does not run in
//    it; one removed during it still runs in it (as in Node's EventEmitter). A dispatch that starts
//    later (a nested one included) sees both changes.
//  - A `once` handler runs at most once, even when a nested dispatch reaches it first.
//  - What a handler throws is collected and returned; the other handlers still run.
//
// Costs: `on`, `once` and `off(event, f)` are O(1) amortised, a dispatch is O(handlers), and a
// dispatch that fires N `once` handlers is O(N): removal marks an entry, and the array is
// compacted once its removed entries outnumber the live ones and no dispatch is walking it.

let clock = 0; // orders removals against the start of dispatches, across all registries

class List {
  constructor() {
    /** @type {Array<{f: Function, once: boolean, fired: boolean, removedAt: number}>} */
    this.items = [];
    /** @type {Map<Function, Set<object>>} registrations by function, for `off(event, f)` */
    this.byFn = new Map();
    this.live = 0;
    this.walking = 0; // dispatches in progress over `items`
  }

  add(f, once) {
    const e = { f, once, fired: false, removedAt: 0 };
    this.items.push(e);
    let set = this.byFn.get(f);
    if (set === undefined) this.byFn.set(f, (set = new Set()));
    set.add(e);
    this.live += 1;
  }

  remove(e) {
    if (e.removedAt !== 0) return;
    e.removedAt = ++clock;
    this.live -= 1;
    const set = this.byFn.get(e.f);
    set.delete(e);
    if (set.size === 0) this.byFn.delete(e.f);
  }

  removeFn(f) {
    const set = this.byFn.get(f);
    if (set === undefined) return;
    for (const e of [...set]) this.remove(e);
    this.compact();
  }

  compact() {
    const removed = this.items.length - this.live;
    if (this.walking > 0 || removed <= 16 || removed <= this.live) return;
    this.items = this.items.filter((e) => e.removedAt === 0);
  }
}

/** A new, empty registry: a `Map` from event name to its handler list. */
export function createRegistry() {
  return new Map();
}

/** Adds `f` for `name`; `once` handlers are removed when they first run. */
export function on(registry, name, f, once) {
  let list = registry.get(name);
  if (list === undefined) registry.set(name, (list = new List()));
  list.add(f, once);
}

/** Removes every registration of `f` for `name`, or all of its handlers when `f` is undefined. */
export function off(registry, name, f) {
  const list = registry.get(name);
  if (list === undefined) return;
  if (f === undefined) {
    // A dispatch in progress keeps walking the old list (and so still calls them).
    for (const e of list.items) if (e.removedAt === 0) e.removedAt = ++clock;
    registry.delete(name);
    return;
  }
  list.removeFn(f);
  if (list.live === 0 && list.walking === 0) registry.delete(name);
}

/** True when `name` has a handler. */
export function has(registry, name) {
  const list = registry.get(name);
  return list !== undefined && list.live > 0;
}

/**
 * Calls the handlers of `name` with `payload`. Returns what they threw (an array), or null.
 * @returns {unknown[] | null}
 */
export function emit(registry, name, payload) {
  const list = registry.get(name);
  if (list === undefined) return null;
  const start = ++clock;
  const items = list.items;
  const n = items.length;
  let thrown = null;
  list.walking += 1;
  try {
    for (let i = 0; i < n; i++) {
      const e = items[i];
      if (e.removedAt !== 0 && e.removedAt < start) continue; // removed before this dispatch
      if (e.once) {
        if (e.fired) continue;
        e.fired = true;
        list.remove(e);
      }
      try {
        e.f(payload);
      } catch (err) {
        (thrown ??= []).push(err);
      }
    }
  } finally {
    list.walking -= 1;
  }
  if (list.walking === 0) {
    list.compact();
    if (list.live === 0 && registry.get(name) === list) registry.delete(name);
  }
  return thrown;
}
