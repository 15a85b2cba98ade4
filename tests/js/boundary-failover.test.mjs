// Unit tests of failover over a list of servers (`options.wsUrl` a list or a function, src/shell/boundary.js:
// urlPool and the URL openSocket picks for each attempt). Run: node --test tests/js/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { openSocket, urlPool, withParams } from '../../src/shell/boundary.js';
import './support.mjs';

/** Runs `fn` with a fake global WebSocket that records each URL opened; returns the URLs. */
function opened(fn) {
  const saved = globalThis.WebSocket;
  const urls = [];
  globalThis.WebSocket = class {
    constructor(url) {
      urls.push(url);
    }
  };
  try {
    fn();
  } finally {
    globalThis.WebSocket = saved;
  }
  return urls;
}

/** `attempts` connects of a client whose pool is `pool`, each with the query the core adds. */
function attempts(pool, n) {
  const z = { w: pool };
  const results = [];
  const urls = opened(() => {
    for (let g = 1; g <= n; g++) results.push(openSocket(z, withParams(pool.b, 'ana', undefined, 't&k', 'sess1'), g));
  });
  return { urls, results };
}

describe('wsUrl as a list', () => {
  test('each entry resolved; the first attempt at a random entry, each later one another at random, the query kept', () => {
    const starts = new Set();
    const moves = new Map(); // from -> Set of the entries the next attempt took
    for (let k = 0; k < 60; k++) {
      const pool = urlPool({ wsUrl: ['ws://a.test/ws', 'http://b.test/ws?x=1', 'wss://c.test/'] });
      assert.deepEqual(pool.l, ['ws://a.test/ws', 'ws://b.test/ws?x=1', 'wss://c.test/']);
      const { urls, results } = attempts(pool, 6);
      assert.deepEqual(results, [null, null, null, null, null, null]);
      const q = 'userId=ana&token=t%26k&protocol=2&session=sess1';
      const picked = urls.map((u) => {
        const i = pool.l.findIndex((base) => u === base + (base.includes('?') ? '&' : '?') + q);
        assert.ok(i >= 0, `an entry with the query: ${u}`);
        return i;
      });
      starts.add(picked[0]);
      for (let a = 1; a < picked.length; a++) {
        assert.notEqual(picked[a], picked[a - 1], 'never the same entry twice in a row');
        if (!moves.has(picked[a - 1])) moves.set(picked[a - 1], new Set());
        moves.get(picked[a - 1]).add(picked[a]);
      }
    }
    assert.equal(starts.size, 3, 'over 60 clients, every node is someone\'s first');
    for (const [from, to] of moves) assert.equal(to.size, 2, `the clients leaving entry ${from} spread over both others`);
  });

  test('an empty list or a bad entry: the INVALID_URL TypeError at construction; other values are the core\'s', () => {
    assert.throws(() => urlPool({ wsUrl: [] }), (e) => e instanceof TypeError && e.code === 'INVALID_URL' && /empty list/.test(e.message));
    assert.throws(() => urlPool({ wsUrl: ['ws://a.test/', 42] }), (e) => e.code === 'INVALID_URL' && /\[1\] is not a URL string/.test(e.message));
    // eslint-disable-next-line no-sparse-arrays -- a hole, as `[a, , b]` makes
    assert.throws(() => urlPool({ wsUrl: ['ws://a.test/', , 'ws://b.test/'] }), (e) => e.code === 'INVALID_URL' && /\[1\]/.test(e.message));
    assert.throws(() => urlPool({ wsUrl: ['ws://a.test/', ' '] }), (e) => e.code === 'INVALID_URL' && /\[1\]/.test(e.message), 'an empty entry is not the page origin');
    assert.throws(() => urlPool({ wsUrl: ['ftp://a.test/'] }), (e) => e.code === 'INVALID_URL');
    assert.equal(urlPool({ wsUrl: 'ws://a.test/' }), null);
    assert.equal(urlPool(undefined), null);
    assert.equal(urlPool({ get wsUrl() { throw new Error('hostile'); } }), null);
  });
});

describe('wsUrl as a function', () => {
  test('called before each attempt; a throw or a bad result fails that attempt only, with the reason', () => {
    const answers = ['ws://n1.test/ws', 'ftp://n2.test/', () => { throw new Error('no node for ws://x.test/ws?token=secret'); }, 7, 'http://n3.test/ws'];
    let calls = 0;
    const pool = urlPool({ wsUrl: () => { const a = answers[calls++]; return typeof a === 'function' ? a() : a; } });
    const { urls, results } = attempts(pool, 5);
    assert.equal(calls, 5);
    assert.deepEqual(urls, ['ws://n1.test/ws?userId=ana&token=t%26k&protocol=2&session=sess1', 'ws://n3.test/ws?userId=ana&token=t%26k&protocol=2&session=sess1']);
    assert.equal(results[0], null);
    assert.match(results[1], /scheme `ftp:`/);
    assert.match(results[2], /no node for/);
    assert.doesNotMatch(results[2], /secret/, 'redacted');
    assert.match(results[3], /returned no string \(number\)/);
    assert.equal(results[4], null);
  });
});
