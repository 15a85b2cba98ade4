// Small helpers of the benchmark runner that depend on nothing else here: timeouts, polling, statistics, gzip
// sizes, unique ids.

import { gzipSync } from 'node:zlib';

export function guard(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Polls `test` every 5 ms until it is true, for at most `ms`. */
export async function until(test, ms, what) {
  const end = Date.now() + ms;
  for (let i = 0; i < 100_000; i++) {
    if (test()) return;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out after ${ms} ms: ${what}`);
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
export const gz = (buf) => gzipSync(buf, { level: 9 }).length;

let uniq = 0;
export const uid = (prefix) => `${prefix}-${process.pid}-${++uniq}`;
