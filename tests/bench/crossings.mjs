#!/usr/bin/env node
// What one JS <-> wasm boundary crossing costs in this Chromium: the evidence behind the per-message budget in
// BENCHMARKS.md ("Where zantara is behind raw"). A hand-written module (WAT, assembled with binaryen's wasm-as from
// node_modules) calls a trivial JS import in a loop, JS calls a trivial export in a loop, and an externref goes
// through a table as wasm-bindgen's externref heap does; each loop is timed in the page, best of 7.
//
//   node tests/bench/crossings.mjs

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORK = path.join(ROOT, '.tmp', 'bench');
fs.mkdirSync(WORK, { recursive: true });

const WAT = `(module
  (import "js" "get" (func $get (param externref) (result externref)))
  (import "js" "num" (func $num (param externref) (result i32)))
  (table $heap 64 externref)
  ;; n calls of an import taking and returning an externref (like __wbg_data_: e => e.data)
  (func (export "callGet") (param $x externref) (param $n i32)
    (local $i i32)
    (loop $l
      (table.set $heap (i32.const 5) (call $get (local.get $x)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  ;; n calls of an import returning a number (like zws_kind)
  (func (export "callNum") (param $x externref) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (call $num (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  ;; the loop alone, for subtraction
  (func (export "loopOnly") (param $x externref) (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (table.set $heap (i32.const 5) (local.get $x))
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  ;; a trivial export, called from JS
  (func (export "ident") (param $x i32) (result i32) (local.get $x))
  ;; an export taking an externref and storing it (a wasm-bindgen closure call with an event argument)
  (func (export "take") (param $x externref) (param $y i32) (result i32)
    (table.set $heap (i32.const 6) (local.get $x)) (local.get $y))
)`;

const watFile = path.join(WORK, 'crossings.wat');
const wasmFile = path.join(WORK, 'crossings.wasm');
fs.writeFileSync(watFile, WAT);
execFileSync(path.join(ROOT, 'node_modules', '.bin', 'wasm-as'), ['--enable-reference-types', watFile, '-o', wasmFile]);
const bytes = [...fs.readFileSync(wasmFile)];

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const r = await Promise.race([
    page.evaluate(async (b) => {
      const { instance } = await WebAssembly.instantiate(new Uint8Array(b), {
        js: { get: (e) => e.data, num: (v) => (v.type === 'message' ? 0 : 1) },
      });
      const x = instance.exports;
      const ev = new MessageEvent('message', { data: '{"type":"message"}' });
      const obj = { type: 'message', data: 1 };
      const N = 1_000_000;
      const best = (f) => {
        let m = Infinity;
        for (let k = 0; k < 7; k++) {
          const t = performance.now();
          f();
          m = Math.min(m, performance.now() - t);
        }
        return (m * 1e6) / N; // ns per iteration
      };
      const loop = best(() => x.loopOnly(obj, N));
      const jsGet = (e) => e.data;
      let sink = 0;
      return {
        wasmToJsGetterNs: best(() => x.callGet(ev, N)) - loop,
        wasmToJsNumberNs: best(() => x.callNum(obj, N)) - loop,
        jsToWasmNs: best(() => { for (let i = 0; i < N; i++) sink += x.ident(i); }),
        jsToWasmExternrefNs: best(() => { for (let i = 0; i < N; i++) sink += x.take(ev, i); }),
        plainJsGetterNs: best(() => { for (let i = 0; i < N; i++) sink += jsGet(ev) === undefined ? 1 : 0; }),
        sink,
      };
    }, bytes),
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 60 s')), 60_000)),
  ]);
  process.stdout.write(`${browser.version()}: ns per call (best of 7 × 1e6)\n`);
  for (const [k, v] of Object.entries(r)) if (k !== 'sink') process.stdout.write(`  ${k.padEnd(22)} ${v.toFixed(1)}\n`);
} finally {
  await browser.close();
}
