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
// compacted once its removed entries outnumber the live ones and no dispatch is walking it. A
// list of more than 8 registrations indexes them by function; a short one is scanned (cheaper in
// memory, which matters for pages with many clients).

let clock = 0; // orders removals against the start of dispatches, across all registries
let walking = 0; // dispatches in progress, across all registries: no list is compacted meanwhile

/** Past this many registrations a list indexes them by function, so `off(event, f)` stays O(1). */
const INDEX_FROM = 8;

// A registry is a `Map` from event name to a plain array of entries `{f, once, fired, removedAt}`,
// in the order they were added (plain arrays keep a client with a few handlers small). Arrays get
// two properties only when they need them: `removed`, the count of entries marked removed and not
// yet compacted away, and `byFn`, an index of live entries by function (an entry, or a `Set` of
// entries for a function added more than once) once the array is longer than INDEX_FROM.

function index(list, e) {
  const had = list.byFn.get(e.f);
  if (had === undefined) list.byFn.set(e.f, e);
  else if (had instanceof Set) had.add(e);
  else list.byFn.set(e.f, new Set([had, e]));
}

/** Marks `e` removed (a dispatch in progress still calls it; later ones do not). */
function remove(list, e) {
  if (e.removedAt !== 0) return;
  e.removedAt = ++clock;
  list.removed = (list.removed ?? 0) + 1;
  if (list.byFn === undefined) return;
  const had = list.byFn.get(e.f);
  if (had === e) list.byFn.delete(e.f);
  else if (had instanceof Set) {
    had.delete(e); // O(1), however often the function was added
    if (had.size === 1) list.byFn.set(e.f, had.values().next().value);
  }
}

function live(list) {
  return list.length - (list.removed ?? 0);
}

/**
 * Drops removed entries once they outnumber the live ones, unless a dispatch is walking some
 * list. Returns the list now stored for `name` (undefined when none is left).
 */
function compact(registry, name, list) {
  const removed = list.removed ?? 0;
  if (walking > 0 || removed === 0) return list;
  if (removed === list.length) {
    if (registry.get(name) === list) registry.delete(name);
    return undefined;
  }
  if (removed <= 16 || removed <= live(list)) return list;
  const kept = list.filter((e) => e.removedAt === 0);
  if (list.byFn !== undefined) kept.byFn = list.byFn;
  if (registry.get(name) === list) registry.set(name, kept);
  return kept;
}

/** A new, empty registry: a `Map` from event name to its handlers. */
export function createRegistry() {
  return new Map();
}

/** Adds `f` for `name`; `once` handlers are removed when they first run. */
export function on(registry, name, f, once) {
  const e = { f, once, fired: false, removedAt: 0 };
  const list = registry.get(name);
  if (list === undefined) {
    registry.set(name, [e]); // exactly sized: `[]` then `push` would reserve 17 slots
    return;
  }
  list.push(e);
  if (list.byFn !== undefined) index(list, e);
  else if (list.length > INDEX_FROM) {
    list.byFn = new Map();
    for (const x of list) if (x.removedAt === 0) index(list, x);
  }
}

/** Removes every registration of `f` for `name`, or all of its handlers when `f` is undefined. */
export function off(registry, name, f) {
  const list = registry.get(name);
  if (list === undefined) return;
  if (f === undefined) {
    // A dispatch in progress keeps walking the old array (and so still calls them).
    for (const e of list) if (e.removedAt === 0) e.removedAt = ++clock;
    registry.delete(name);
    return;
  }
  if (list.byFn === undefined) {
    for (const e of list) if (e.f === f) remove(list, e);
  } else {
    const had = list.byFn.get(f);
    if (had === undefined) return;
    for (const e of had instanceof Set ? [...had] : [had]) remove(list, e);
  }
  compact(registry, name, list);
}

/** True when `name` has a handler. */
export function has(registry, name) {
  const list = registry.get(name);
  return list !== undefined && live(list) > 0;
}

/**
 * Calls the handlers of `name` with `payload`. Returns what they threw (an array), or null.
 * @returns {unknown[] | null}
 */
export function emit(registry, name, payload) {
  const list = registry.get(name);
  if (list === undefined) return null;
  const start = ++clock;
  const n = list.length;
  let thrown = null;
  walking += 1;
  try {
    for (let i = 0; i < n; i++) {
      const e = list[i];
      if (e.removedAt !== 0 && e.removedAt < start) continue; // removed before this dispatch
      if (e.once) {
        if (e.fired) continue;
        e.fired = true;
        remove(list, e);
      }
      try {
        e.f(payload);
      } catch (err) {
        (thrown ??= []).push(err);
      }
    }
  } finally {
    walking -= 1;
  }
  if (list.removed !== undefined) compact(registry, name, list);
  return thrown;
}
