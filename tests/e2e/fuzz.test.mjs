// A seeded random test of the whole API, end to end on the release build (script tag) in Chromium
// against the reference server. For each seed, in a new page, `fuzzPage` (fuzz-page.mjs) makes
// thousands of hostile API calls on several clients; then the test asserts that no call threw anything
// but an `Error` with one of the SDK's codes, that no `RuntimeError`/`unreachable` (or any uncaught
// error) appeared, that with every client freed nothing is left (`debugCounters()` and the server's
// list, after a bounded quiet window), and that a fresh client on the same page still connects and
// receives exactly one broadcast. A failure prints the seed and the calls before it.
//
// CI runs the default seeds (the file takes well under a minute). Long runs:
//
//   ZANTARA_FUZZ_SEEDS=1,2,3 ZANTARA_FUZZ_CALLS=200000 node --test tests/e2e/fuzz.test.mjs
//
// ZANTARA_FUZZ_SEEDS: comma-separated seeds (default 1,2,3,4); ZANTARA_FUZZ_CALLS: API calls per seed
// (default 2500). A long run gets a per-seed timeout scaled to its calls.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { fuzzPage } from './fuzz-page.mjs';
import {
  PKG, assertFreshClientWorks, assertNothingLeft, control, fatalErrors, sdkPage, serverAndBrowser, settledCounters,
  waitUntil,
} from './helpers.mjs';

const SEEDS = (process.env.ZANTARA_FUZZ_SEEDS ?? '1,2,3,4').split(',').map((s) => Number(s.trim()));
const CALLS = Number(process.env.ZANTARA_FUZZ_CALLS ?? 2500);
assert.ok(SEEDS.every(Number.isInteger) && Number.isInteger(CALLS) && CALLS > 0,
  'ZANTARA_FUZZ_SEEDS must be integers, ZANTARA_FUZZ_CALLS a positive integer');

/** The SDK's error codes: the `ZantaraErrorCode` union of the built declarations. */
function errorCodes() {
  const dts = readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');
  const union = dts.slice(dts.indexOf('export type ZantaraErrorCode ='), dts.indexOf(';', dts.indexOf('ZantaraErrorCode =')));
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
}

const env = serverAndBrowser();

describe(`seeded API fuzzing (${SEEDS.length} seeds × ${CALLS} calls)`, () => {
  for (const seed of SEEDS) {
    test(`seed ${seed}`, { timeout: 60_000 + CALLS * 20 }, async () => {
      const page = await sdkPage(env.browser, env.srv);
      const uncaught = [];
      page.on('pageerror', (e) => uncaught.push(e.message));
      page.setDefaultTimeout(30_000 + CALLS * 20);
      const t0 = Date.now();
      const prefix = `fuzz-${seed}`;
      const r = await page.evaluate(fuzzPage, { seed, calls: CALLS, url: env.srv.ws, http: env.srv.http, prefix, codes: errorCodes() });
      const ms = Date.now() - t0;
      const top = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
      console.log(`FIGURE fuzz seed ${seed}: ${r.made} calls on ${r.clients} clients in ${ms} ms, ` +
        `${r.ran} handler runs; outcomes: ${top}`);
      const context = `seed ${seed} (rerun: ZANTARA_FUZZ_SEEDS=${seed} ZANTARA_FUZZ_CALLS=${CALLS} ` +
        `node --test tests/e2e/fuzz.test.mjs); the calls before the first failure:\n  ${r.last.join('\n  ')}`;

      assert.deepEqual(r.failures, [], `${r.failed} calls threw something other than a coded SDK error, ${context}`);
      assert.deepEqual(fatalErrors(page), [], `the module broke, ${context}`);
      assert.deepEqual(uncaught, [], `uncaught errors in the page, ${context}`);

      const k = await settledCounters(page, 500);
      assertNothingLeft(k, 0, `every client freed, nothing left (seed ${seed})`);
      await waitUntil(async () => (await control(env.srv, 'clients')).open === 0, { what: `no connection at the server (seed ${seed})` });

      await assertFreshClientWorks(page, env.srv);
      assert.deepEqual(fatalErrors(page), [], `the module broke, ${context}`);
      assert.deepEqual(uncaught, [], `uncaught errors in the page, ${context}`);
      await page.close();
    });
  }
});
