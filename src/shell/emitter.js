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
//  - Handlers are called as plain functions (`this` is undefined).
//
// Costs: `on`, `once` and `off(event, f)` are O(1) amortised, a dispatch is O(handlers), and a
// dispatch that fires N `once` handlers is O(N): removal marks an entry, and at the end of an `off`
// or a dispatch a list is compacted, unless a dispatch is walking some list: a long one once its
// removed entries outnumber the live ones, a short one (at most 8 registrations, O(1)) at once. A
// list of more than 8 registrations indexes them by function; a short one is scanned. Memory
// matters for pages with many clients, so the common case costs nothing beyond the registry's `Map`
// entry: an event with one plain handler stores the function itself.

let clock = 0; // orders removals against the start of dispatches, across all registries
let walking = 0; // dispatches walking a list, across all registries: no list is compacted meanwhile

/** Past this many registrations a list indexes them by function, so `off(event, f)` stays O(1). */
const INDEX_FROM = 8;

// A registry is a `Map` from event name to its handlers (handlers are functions; the API checks):
//  - a function: the event's only registration, a plain (not `once`) one;
//  - otherwise a plain array of its registrations in the order they were added, each either a
//    function (a plain registration that was never removed) or an entry `{f, once, fired,
//    removedAt}` (a `once` registration, or a plain one that was removed: removal replaces the
//    function in place, so that a dispatch walking the array still calls it). An array gets two
//    properties only when it needs them: `removed`, the count of entries marked removed and not yet
//    compacted away, and `byFn`, an index of live entries by function (an entry, or a `Set` of
//    entries for a function added more than once) once the array is longer than INDEX_FROM; an
//    indexed array holds entries only (its functions become entries when the index is made).
// A dispatch never walks a list without the `walking` count, so a list is only compacted (replaced
// in the registry by a new array, or by its one remaining function) when no dispatch can see it.

function entry(f, once) {
  return { f, once, fired: false, removedAt: 0 };
}

function index(list, e) {
  const had = list.byFn.get(e.f);
  if (had === undefined) list.byFn.set(e.f, e);
  else if (had instanceof Set) had.add(e);
  else list.byFn.set(e.f, new Set([had, e]));
}

/** Marks entry `e` removed (a dispatch in progress still calls it; later ones do not). */
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
 * Drops the removed entries of `list`, the handlers of `name`, unless a dispatch is walking some list
 * or `list` is no longer the one stored for `name`. A short (unindexed) list is compacted at once,
 * to its function when a single plain registration is left; a long one once its removed entries
 * outnumber the live ones.
 */
function compact(registry, name, list) {
  const removed = list.removed ?? 0;
  if (walking > 0 || removed === 0 || registry.get(name) !== list) return;
  if (removed === list.length) {
    registry.delete(name);
    return;
  }
  if (list.byFn === undefined) {
    const kept = list.filter((x) => typeof x === 'function' || x.removedAt === 0);
    registry.set(name, kept.length === 1 && typeof kept[0] === 'function' ? kept[0] : kept);
    return;
  }
  if (removed <= 16 || removed <= live(list)) return;
  const kept = list.filter((e) => e.removedAt === 0);
  kept.byFn = list.byFn;
  registry.set(name, kept);
}

/** A new, empty registry: a `Map` from event name to its handlers. */
export function createRegistry() {
  return new Map();
}

/** Adds `f` (a function) for `name`; `once` handlers are removed when they first run. */
export function on(registry, name, f, once) {
  const had = registry.get(name);
  if (had === undefined) {
    // A plain handler alone is stored as itself; `[e]` is exactly sized (`[]` then `push` would
    // reserve 17 slots).
    registry.set(name, once ? [entry(f, true)] : f);
    return;
  }
  if (typeof had === 'function') {
    // A dispatch calling `had` started before this call: it does not see the new array.
    registry.set(name, [had, once ? entry(f, true) : f]);
    return;
  }
  const list = had;
  if (list.byFn !== undefined) {
    const e = entry(f, once);
    list.push(e);
    index(list, e);
    return;
  }
  list.push(once ? entry(f, true) : f);
  if (list.length > INDEX_FROM) {
    // Functions become (live) entries in place: a dispatch walking the list calls them all the same.
    list.byFn = new Map();
    for (let i = 0; i < list.length; i++) {
      let x = list[i];
      if (typeof x === 'function') list[i] = x = entry(x, false);
      if (x.removedAt === 0) index(list, x);
    }
  }
}

/** Removes every registration of `f` for `name`, or all of its handlers when `f` is undefined. */
export function off(registry, name, f) {
  const had = registry.get(name);
  if (had === undefined) return;
  // A dispatch in progress keeps what it holds (the function, or the old array, in which removal
  // marks rather than drops) and so still calls what it started with; later ones look `name` up.
  if (f === undefined) {
    registry.delete(name);
    return;
  }
  if (typeof had === 'function') {
    if (had === f) registry.delete(name);
    return;
  }
  const list = had;
  if (list.byFn === undefined) {
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (x === f) {
        const e = entry(f, false);
        e.removedAt = ++clock;
        list[i] = e;
        list.removed = (list.removed ?? 0) + 1;
      } else if (typeof x !== 'function' && x.f === f) {
        remove(list, x);
      }
    }
  } else {
    const byF = list.byFn.get(f);
    if (byF === undefined) return;
    for (const e of byF instanceof Set ? [...byF] : [byF]) remove(list, e);
  }
  compact(registry, name, list);
}

/** True when `name` has a handler. */
export function has(registry, name) {
  const had = registry.get(name);
  return had !== undefined && (typeof had === 'function' || live(had) > 0);
}

/**
 * Calls the handlers of `name` with `payload`. Returns what they threw (an array), or null.
 * @returns {unknown[] | null}
 */
export function emit(registry, name, payload) {
  const had = registry.get(name);
  if (had === undefined) return null;
  if (typeof had === 'function') {
    // One plain handler: nothing to walk, so nothing that changes during the call can matter here.
    try {
      had(payload);
    } catch (err) {
      return [err];
    }
    return null;
  }
  const list = had;
  const start = ++clock;
  const n = list.length;
  let thrown = null;
  walking += 1;
  try {
    for (let i = 0; i < n; i++) {
      const x = list[i];
      let f = x;
      if (typeof x !== 'function') {
        if (x.removedAt !== 0 && x.removedAt < start) continue; // removed before this dispatch
        if (x.once) {
          if (x.fired) continue;
          x.fired = true;
          remove(list, x);
        }
        f = x.f;
      }
      try {
        f(payload);
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
