// Unit tests of the handler registry (src/shell/emitter.js) and the dispatch semantics documented at
// the top of that file. Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createRegistry, emit, has, off, on } from '../../src/shell/emitter.js';

/**
 * A registry and a call log; `h(label)` is a handler that appends `label` (and the payload) to it,
 * `then(label, f)` one that appends `label` and calls `f`.
 */
function setup() {
  const r = createRegistry();
  const log = [];
  const h = (label) => (p) => log.push(p === undefined ? label : `${label}:${p}`);
  const then = (label, f) => () => {
    log.push(label);
    f();
  };
  return { r, log, h, then };
}

/** `f` on the first call only. */
function firstCall(f) {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

describe('order and registration', () => {
  test('handlers run in the order they were added, with the payload', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('a'), false);
    on(r, 'e', h('b'), false);
    on(r, 'e', h('c'), false);
    assert.equal(emit(r, 'e', 1), null);
    assert.deepEqual(log, ['a:1', 'b:1', 'c:1']);
  });

  test('events are independent', () => {
    const { r, log, h } = setup();
    on(r, 'x', h('x'), false);
    on(r, 'y', h('y'), false);
    emit(r, 'y');
    assert.deepEqual(log, ['y']);
  });

  test('emit of an event without handlers returns null and calls nothing', () => {
    const { r } = setup();
    assert.equal(emit(r, 'nothing', 1), null);
  });

  test('the same function added twice runs twice; off(name, f) removes every registration of f', () => {
    const { r, log, h } = setup();
    const f = h('f');
    on(r, 'e', f, false);
    on(r, 'e', h('a'), false);
    on(r, 'e', f, true);
    on(r, 'e', h('b'), false);
    on(r, 'e', f, false);
    emit(r, 'e');
    assert.deepEqual(log, ['f', 'a', 'f', 'b', 'f']);
    log.length = 0;
    off(r, 'e', f);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b'], 'the others stay, in order');
  });

  test('off(name, f) of an unknown function or event changes nothing', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('a'), false);
    off(r, 'e', () => {});
    off(r, 'other', () => {});
    off(r, 'other');
    emit(r, 'e');
    assert.deepEqual(log, ['a']);
    assert.equal(has(r, 'e'), true);
  });

  test('off(name) removes all handlers of that event only', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('a'), false);
    on(r, 'e', h('b'), true);
    on(r, 'k', h('k'), false);
    off(r, 'e');
    assert.equal(has(r, 'e'), false);
    assert.equal(emit(r, 'e'), null);
    emit(r, 'k');
    assert.deepEqual(log, ['k']);
  });

  test('has follows on, off and once', () => {
    const { r, h } = setup();
    assert.equal(has(r, 'e'), false);
    const f = h('f');
    on(r, 'e', f, false);
    assert.equal(has(r, 'e'), true);
    off(r, 'e', f);
    assert.equal(has(r, 'e'), false);
    on(r, 'e', h('o'), true);
    assert.equal(has(r, 'e'), true);
    emit(r, 'e');
    assert.equal(has(r, 'e'), false);
    assert.equal(r.size, 0, 'an event without handlers leaves no entry');
  });
});

describe('changes during a dispatch', () => {
  test('a handler added during a dispatch does not run in it but runs in the next', () => {
    const { r, log, h, then } = setup();
    const addLate = firstCall(() => on(r, 'e', h('late'), false));
    on(r, 'e', then('a', addLate), false);
    on(r, 'e', h('b'), false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b']);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b', 'late']);
  });

  test('a handler removed during a dispatch still runs in it, and not in later ones', () => {
    const { r, log, h } = setup();
    const b = h('b');
    on(r, 'e', () => {
      log.push('a');
      off(r, 'e', b);
    }, false);
    on(r, 'e', b, false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b']);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a']);
  });

  test('a handler removed during a dispatch is not called by a nested dispatch started after the removal', () => {
    const { r, log } = setup();
    let depth = 0;
    const b = (p) => log.push(`b${p}`);
    on(r, 'e', (p) => {
      log.push(`a${p}`);
      if (depth++ === 0) {
        off(r, 'e', b);
        emit(r, 'e', 2); // nested: started after the removal
      }
    }, false);
    on(r, 'e', b, false);
    emit(r, 'e', 1);
    // The nested dispatch runs a only; the outer one still runs b.
    assert.deepEqual(log, ['a1', 'a2', 'b1']);
  });

  test('a nested dispatch started before a removal still runs the removed handler', () => {
    const { r, log } = setup();
    let nested = false;
    const c = (p) => log.push(`c${p}`);
    on(r, 'e', (p) => {
      log.push(`a${p}`);
      if (!nested) {
        nested = true;
        emit(r, 'e', 2);
      }
    }, false);
    on(r, 'e', (p) => {
      log.push(`b${p}`);
      off(r, 'e', c);
    }, false);
    on(r, 'e', c, false);
    emit(r, 'e', 1);
    // The nested dispatch (2) removes c while it is walking: both dispatches started before that.
    assert.deepEqual(log, ['a1', 'a2', 'b2', 'c2', 'b1', 'c1']);
  });

  test('a dispatch that removes all handlers of its own event (off(name)) still calls them, and later ones do not', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('a'), false);
    on(r, 'e', () => {
      log.push('b');
      off(r, 'e');
      assert.equal(has(r, 'e'), false);
      assert.equal(emit(r, 'e', 'nested'), null); // nothing registered any more
    }, false);
    on(r, 'e', h('c'), false);
    on(r, 'e', h('d'), true);
    assert.equal(emit(r, 'e'), null);
    assert.deepEqual(log, ['a', 'b', 'c', 'd']);
    log.length = 0;
    assert.equal(emit(r, 'e'), null);
    assert.deepEqual(log, []);
    assert.equal(r.size, 0);
  });

  test('off(name) then on(name) during a dispatch: the new handler runs in the next dispatch only', () => {
    const { r, log, h, then } = setup();
    const replaceAll = firstCall(() => {
      off(r, 'e');
      on(r, 'e', h('fresh'), false);
    });
    on(r, 'e', then('a', replaceAll), false);
    on(r, 'e', h('b'), false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b']);
    assert.equal(has(r, 'e'), true);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['fresh']);
  });

  test('removing the last handler during a dispatch, then adding one: has is right and the new one runs next time', () => {
    const { r, log, h } = setup();
    const later = h('later');
    const a = () => {
      log.push('a');
      off(r, 'e', a);
      assert.equal(has(r, 'e'), false);
      on(r, 'e', later, false);
      assert.equal(has(r, 'e'), true);
    };
    on(r, 'e', a, false);
    emit(r, 'e');
    assert.deepEqual(log, ['a']);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['later']);
  });
});

describe('once', () => {
  test('a once handler runs at most once', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('o'), true);
    on(r, 'e', h('a'), false);
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['o', 'a', 'a']);
  });

  test('a once handler runs once when a nested dispatch reaches it first', () => {
    const { r, log } = setup();
    let depth = 0;
    on(r, 'e', (p) => {
      log.push(`a${p}`);
      if (depth++ === 0) emit(r, 'e', 2);
    }, false);
    on(r, 'e', (p) => log.push(`o${p}`), true);
    emit(r, 'e', 1);
    assert.deepEqual(log, ['a1', 'a2', 'o2']);
    log.length = 0;
    emit(r, 'e', 3);
    assert.deepEqual(log, ['a3']);
  });

  test('a once handler that dispatches its own event runs once', () => {
    const { r, log } = setup();
    on(r, 'e', (p) => {
      log.push(`o${p}`);
      emit(r, 'e', p + 1);
    }, true);
    emit(r, 'e', 1);
    assert.deepEqual(log, ['o1']);
  });

  test('off of a once handler before dispatch prevents it', () => {
    const { r, log, h } = setup();
    const o = h('o');
    on(r, 'e', o, true);
    on(r, 'e', h('a'), false);
    off(r, 'e', o);
    emit(r, 'e');
    assert.deepEqual(log, ['a']);
  });

  test('the same function added once twice runs twice in one dispatch, then never', () => {
    const { r, log, h } = setup();
    const o = h('o');
    on(r, 'e', o, true);
    on(r, 'e', o, true);
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['o', 'o']);
    assert.equal(has(r, 'e'), false);
  });
});

describe('throws', () => {
  test('what handlers throw is collected in order and the others still run', () => {
    const { r, log, h } = setup();
    const e1 = new Error('one');
    on(r, 'e', h('a'), false);
    on(r, 'e', () => { throw e1; }, false);
    on(r, 'e', h('b'), false);
    on(r, 'e', () => { throw 'two'; }, true);
    on(r, 'e', h('c'), false);
    const thrown = emit(r, 'e');
    assert.deepEqual(log, ['a', 'b', 'c']);
    assert.equal(thrown.length, 2);
    assert.equal(thrown[0], e1);
    assert.equal(thrown[1], 'two');
    log.length = 0;
    assert.equal(emit(r, 'e').length, 1, 'the throwing once handler is gone');
    assert.deepEqual(log, ['a', 'b', 'c']);
  });

  test('a throwing once handler is removed', () => {
    const { r } = setup();
    on(r, 'e', () => { throw new Error('x'); }, true);
    assert.equal(emit(r, 'e').length, 1);
    assert.equal(has(r, 'e'), false);
    assert.equal(emit(r, 'e'), null);
  });
});

describe('compaction', () => {
  test('10,000 once handlers fired, then new handlers run in order; has is false when empty', () => {
    const { r, log } = setup();
    let fired = 0;
    for (let i = 0; i < 10_000; i++) on(r, 'e', () => { fired += 1; }, true);
    assert.equal(emit(r, 'e'), null);
    assert.equal(fired, 10_000);
    assert.equal(has(r, 'e'), false);
    assert.equal(emit(r, 'e'), null);
    assert.equal(fired, 10_000);
    for (let i = 0; i < 5; i++) on(r, 'e', () => log.push(i), false);
    emit(r, 'e');
    assert.deepEqual(log, [0, 1, 2, 3, 4]);
    assert.equal(fired, 10_000);
  });

  test('10,000 once handlers behind a regular one: the regular one stays first, new ones follow', () => {
    const { r, log } = setup();
    let fired = 0;
    on(r, 'e', () => log.push('first'), false);
    for (let i = 0; i < 10_000; i++) on(r, 'e', () => { fired += 1; }, true);
    emit(r, 'e');
    assert.equal(fired, 10_000);
    on(r, 'e', () => log.push('new'), false);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['first', 'new']);
    assert.equal(fired, 10_000);
  });

  test('many removals by off(name, f), interleaved with dispatches, keep the survivors in order', () => {
    const { r, log } = setup();
    const fs = [];
    for (let i = 0; i < 2000; i++) {
      const f = () => log.push(i);
      fs.push(f);
      on(r, 'e', f, false);
    }
    // Remove all but every 100th, dispatching now and then (a dispatch compacts only when it ends).
    for (let i = 0; i < 2000; i++) {
      if (i % 100 !== 0) off(r, 'e', fs[i]);
      if (i % 450 === 0) {
        log.length = 0;
        emit(r, 'e');
        assert.deepEqual(log, fs.map((_, j) => j).filter((j) => j % 100 === 0 || j > i));
      }
    }
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, Array.from({ length: 20 }, (_, k) => k * 100));
    // Survivors re-added after removal go to the end.
    off(r, 'e', fs[0]);
    on(r, 'e', fs[0], false);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, [...Array.from({ length: 19 }, (_, k) => (k + 1) * 100), 0]);
    for (let k = 0; k < 20; k++) off(r, 'e', fs[k * 100]);
    assert.equal(has(r, 'e'), false);
    assert.equal(r.size, 0);
  });

  test('removals during a dispatch that would trigger compaction do not disturb that dispatch', () => {
    const { r, log } = setup();
    const fs = [];
    for (let i = 0; i < 100; i++) {
      const f = () => {
        log.push(i);
        if (i === 0) for (let j = 1; j < 100; j++) if (j !== 50) off(r, 'e', fs[j]);
      };
      fs.push(f);
      on(r, 'e', f, false);
    }
    emit(r, 'e');
    assert.deepEqual(log, Array.from({ length: 100 }, (_, i) => i), 'removed during the dispatch: all still run');
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, [0, 50]);
  });
});

test('one function registered 30,000 times: off removes all, once fires each registration once', () => {
  const r = createRegistry();
  let n = 0;
  const f = () => { n += 1; };
  for (let i = 0; i < 30_000; i++) on(r, 'x', f, false);
  emit(r, 'x');
  assert.equal(n, 30_000);
  off(r, 'x', f);
  assert.equal(has(r, 'x'), false);
  for (let i = 0; i < 30_000; i++) on(r, 'y', f, true);
  n = 0;
  emit(r, 'y');
  emit(r, 'y');
  assert.equal(n, 30_000, 'each once registration ran exactly once');
  assert.equal(has(r, 'y'), false);
});

// A plain handler alone is stored as the function itself, a short list holds plain handlers as bare functions and
// entries only for `once` or removed ones, and a long list converts to entries when it is indexed: each change of
// representation must keep every rule above.
describe('representations: a lone function, a short mixed list, an indexed list', () => {
  test('a lone plain handler is stored as itself (no array, no entry); a second one makes a list', () => {
    const { r, log, h } = setup();
    const a = h('a');
    on(r, 'e', a, false);
    assert.equal(r.get('e'), a, 'the memory saving this representation exists for');
    on(r, 'e', h('b'), false);
    assert.ok(Array.isArray(r.get('e')));
    emit(r, 'e', 1);
    assert.deepEqual(log, ['a:1', 'b:1']);
  });

  test('a lone handler that throws: emit returns [thrown] and the handler stays', () => {
    const { r } = setup();
    const err = new Error('x');
    on(r, 'e', () => { throw err; }, false);
    assert.deepEqual(emit(r, 'e'), [err]);
    assert.deepEqual(emit(r, 'e'), [err]);
    assert.equal(has(r, 'e'), true);
  });

  test('handlers are called without a this, alone or in a list, plain or once', () => {
    const { r } = setup();
    const seen = [];
    function f() { seen.push(this); }
    on(r, 'alone', f, false);
    emit(r, 'alone');
    on(r, 'list', f, false);
    on(r, 'list', f, true);
    emit(r, 'list');
    assert.deepEqual(seen, [undefined, undefined, undefined]);
  });

  test('the same function added twice as plain handlers, alone: runs twice, off removes both', () => {
    const { r, log, h } = setup();
    const f = h('f');
    on(r, 'e', f, false);
    on(r, 'e', f, false);
    emit(r, 'e');
    assert.deepEqual(log, ['f', 'f']);
    off(r, 'e', f);
    assert.equal(has(r, 'e'), false);
    assert.equal(r.size, 0);
    assert.equal(emit(r, 'e'), null);
    assert.deepEqual(log, ['f', 'f']);
  });

  test('one function added plain then once: both run, then the plain one only; off removes it', () => {
    const { r, log, h } = setup();
    const f = h('f');
    on(r, 'e', f, false);
    on(r, 'e', f, true);
    on(r, 'e', h('g'), false);
    emit(r, 'e', 1);
    emit(r, 'e', 2);
    assert.deepEqual(log, ['f:1', 'f:1', 'g:1', 'f:2', 'g:2']);
    log.length = 0;
    off(r, 'e', f);
    emit(r, 'e', 3);
    assert.deepEqual(log, ['g:3']);
  });

  test('one function added once then plain: the once registration goes, the plain one stays first', () => {
    const { r, log, h } = setup();
    const f = h('f');
    on(r, 'e', f, true);
    on(r, 'e', f, false);
    on(r, 'e', h('g'), false);
    emit(r, 'e', 1);
    emit(r, 'e', 2);
    assert.deepEqual(log, ['f:1', 'f:1', 'g:1', 'f:2', 'g:2']);
    assert.equal(has(r, 'e'), true);
  });

  test('a once handler before a plain one: after it fires the plain one runs alone, and more can follow in order', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('o'), true);
    on(r, 'e', h('a'), false);
    emit(r, 'e');
    assert.equal(has(r, 'e'), true);
    on(r, 'e', h('b'), false);
    emit(r, 'e');
    assert.deepEqual(log, ['o', 'a', 'a', 'b']);
  });

  test('a lone once handler: runs once, then the event is gone', () => {
    const { r, log, h } = setup();
    on(r, 'e', h('o'), true);
    assert.equal(has(r, 'e'), true);
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['o']);
    assert.equal(r.size, 0);
  });

  test('a lone handler that adds a handler during its dispatch: the new one runs from the next dispatch', () => {
    const { r, log, h } = setup();
    const addLate = firstCall(() => {
      on(r, 'e', h('late'), false);
      on(r, 'e', h('late-once'), true);
    });
    on(r, 'e', () => { log.push('a'); addLate(); }, false);
    emit(r, 'e');
    assert.deepEqual(log, ['a']);
    log.length = 0;
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'late', 'late-once', 'a', 'late']);
  });

  test('a lone handler that removes itself and dispatches again: the nested dispatch calls nothing', () => {
    const { r, log } = setup();
    const a = (p) => {
      log.push(`a${p}`);
      off(r, 'e', a);
      assert.equal(emit(r, 'e', 2), null);
    };
    on(r, 'e', a, false);
    emit(r, 'e', 1);
    assert.deepEqual(log, ['a1']);
    assert.equal(r.size, 0);
  });

  test('a lone handler that removes itself and adds another, then dispatches: the nested dispatch calls the new one', () => {
    const { r, log, h } = setup();
    const a = (p) => {
      log.push(`a${p}`);
      if (p === 1) {
        on(r, 'e', h('b'), false);
        off(r, 'e', a);
        emit(r, 'e', 2);
      }
    };
    on(r, 'e', a, false);
    emit(r, 'e', 1);
    assert.deepEqual(log, ['a1', 'b:2']);
  });

  test('off(name) during the dispatch of a lone handler, then on: the new one runs next time only', () => {
    const { r, log, h } = setup();
    const replace = firstCall(() => {
      off(r, 'e');
      on(r, 'e', h('fresh'), false);
    });
    on(r, 'e', () => { log.push('a'); replace(); }, false);
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'fresh']);
  });

  test('one function twice in a short list, removed during a dispatch: both still run in it, neither later', () => {
    const { r, log, h } = setup();
    const f = h('f');
    on(r, 'e', () => { log.push('a'); off(r, 'e', f); }, false);
    on(r, 'e', f, false);
    on(r, 'e', h('b'), false);
    on(r, 'e', f, false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'f', 'b', 'f']);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b']);
  });

  test('removed during a dispatch, then added back in it: the old registration runs in it, the new one from the next', () => {
    const { r, log, h } = setup();
    const f = h('f');
    const swap = firstCall(() => {
      off(r, 'e', f);
      on(r, 'e', f, false);
    });
    on(r, 'e', () => { log.push('a'); swap(); }, false);
    on(r, 'e', f, false);
    on(r, 'e', h('b'), false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'f', 'b']);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b', 'f']);
  });

  test('a function with its own `f`, `once` or `removedAt` properties is a handler like any other', () => {
    const { r, log, h } = setup();
    const g = h('g');
    const odd = Object.assign(() => log.push('odd'), { f: g, once: true, fired: true, removedAt: 1 });
    on(r, 'e', odd, false);
    on(r, 'e', g, false);
    emit(r, 'e');
    emit(r, 'e');
    assert.deepEqual(log, ['odd', 'g', 'odd', 'g']);
    log.length = 0;
    off(r, 'e', g);
    emit(r, 'e');
    assert.deepEqual(log, ['odd'], 'off(g) does not take odd (whose .f is g)');
    off(r, 'e', odd);
    assert.equal(has(r, 'e'), false);
  });

  test('a short list grown past the index during a dispatch: the dispatch runs its own handlers only, removals still apply', () => {
    const { r, log, h } = setup();
    const b = h('b');
    const o = h('o');
    const grow = firstCall(() => {
      for (let i = 0; i < 10; i++) on(r, 'e', h(`n${i}`), i % 2 === 1);
      off(r, 'e', b);
    });
    on(r, 'e', () => { log.push('a'); grow(); }, false);
    on(r, 'e', b, false);
    on(r, 'e', o, true);
    on(r, 'e', b, false);
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'b', 'o', 'b'], 'b removed during the dispatch still runs in it; n* added during it do not');
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a', ...Array.from({ length: 10 }, (_, i) => `n${i}`)]);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['a', 'n0', 'n2', 'n4', 'n6', 'n8'], 'the once ones ran once');
  });

  test('an indexed list keeps duplicates, once and off working after earlier removals in its short form', () => {
    const { r, log, h } = setup();
    const f = h('f');
    const x = h('x');
    on(r, 'e', x, false);
    on(r, 'e', f, false);
    off(r, 'e', x); // removed while the list is short
    for (let i = 0; i < 5; i++) on(r, 'e', f, i === 2);
    for (let i = 0; i < 5; i++) on(r, 'e', h(`n${i}`), false);
    emit(r, 'e');
    assert.deepEqual(log, ['f', 'f', 'f', 'f', 'f', 'f', 'n0', 'n1', 'n2', 'n3', 'n4']);
    log.length = 0;
    emit(r, 'e');
    assert.equal(log.filter((l) => l === 'f').length, 5, 'the once registration of f ran once');
    off(r, 'e', f);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['n0', 'n1', 'n2', 'n3', 'n4']);
    on(r, 'e', x, false);
    log.length = 0;
    emit(r, 'e');
    assert.deepEqual(log, ['n0', 'n1', 'n2', 'n3', 'n4', 'x']);
  });

  test('removals in a short list leave it as small as a fresh one: a lone plain survivor is stored as itself', () => {
    const { r, log, h } = setup();
    const a = h('a');
    const b = h('b');
    on(r, 'e', a, false);
    on(r, 'e', b, false);
    on(r, 'e', h('o'), true);
    off(r, 'e', a);
    emit(r, 'e');
    assert.equal(r.get('e'), b);
    assert.deepEqual(log, ['b', 'o']);
  });
});
