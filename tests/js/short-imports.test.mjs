// Unit tests of scripts/short-imports.mjs: the import names of a module and its glue are shortened
// consistently, and the module stays valid and links with the renamed glue.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { shortenExports, shortenImports } from '../../scripts/short-imports.mjs';

const u32 = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const str = (s) => [...u32(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id, body) => [id, ...u32(body.length), ...body];

/** A module importing `imports` ([module, field] functions of type () -> i32) and exporting `call_<i>` for each. */
function moduleImporting(imports) {
  const type = section(1, [1, 0x60, 0, 1, 0x7f]);
  const imp = section(2, [...u32(imports.length), ...imports.flatMap(([m, f]) => [...str(m), ...str(f), 0, 0])]);
  const func = section(3, [...u32(imports.length), ...imports.map(() => 0)]);
  const exp = section(7, [...u32(imports.length), ...imports.flatMap((_, i) => [...str(`call_${i}`), 0, ...u32(imports.length + i)])]);
  const code = section(10, [...u32(imports.length), ...imports.flatMap((_, i) => [4, 0, 0x10, ...u32(i), 0x0b])]);
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...type, ...imp, ...func, ...exp, ...code]);
}

const SNIPPET = './snippets/zantara-websocket-0123456789abcdef/src/shell/boundary.js';
const IMPORTS = [
  ['./zantara_websocket_bg.js', '__wbg_random_df36b90cd78a7d54'],
  ['./zantara_websocket_bg.js', '__wbindgen_init_externref_table'],
  [SNIPPET, 'armTimer'],
  ['./zantara_websocket_bg.js', '__wbg___wbindgen_is_null_c22311b1cc228e3a'],
];

const GLUE = `import * as import1 from "${SNIPPET}"
import * as import2 from "${SNIPPET}"
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_random_df36b90cd78a7d54: function() { return 1; },
        __wbindgen_init_externref_table: function() { return 2; },
        __wbg___wbindgen_is_null_c22311b1cc228e3a: function() { return 4; },
    };
    return {
        __proto__: null,
        "./zantara_websocket_bg.js": import0,
        "${SNIPPET}": import1,
        "${SNIPPET}": import2,
    };
}
const keep = "__wbg_random_df36b90cd78a7d54 outside the imports";
`;

describe('shortenImports', () => {
  test('renames modules to letters and fields to short names, in both files alike', async () => {
    const { wasm, glue, renamed } = shortenImports(moduleImporting(IMPORTS), GLUE);
    assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(wasm)).map((i) => [i.module, i.name]), [
      ['a', '_0'], ['a', '_1'], ['b', '_0'], ['a', '_2'],
    ]);
    assert.deepEqual(renamed.get(`${SNIPPET}\u0000armTimer`), ['b', '_0']);
    assert.match(glue, /\n\s+_0: function\(\) \{ return 1; \},/);
    assert.match(glue, /\n\s+_2: function\(\) \{ return 4; \},/);
    // The snippet's namespace (handed once per import group) becomes one object of what is imported.
    assert.match(glue, /\n\s+a: import0,\n\s+b: \{ _0: import1\.armTimer \},\n\s+\};/);
    assert.ok(glue.includes('const keep = "__wbg_random_df36b90cd78a7d54 outside the imports"'), 'only the imports object changes');
    // The renamed glue's object links the renamed module, each import to its own function.
    const getImports = new Function('import1', `${glue.replace(/^import .*$/gm, '').replace('function __wbg_get_imports', 'return function')}`);
    const imports = getImports({ armTimer: () => 3 })();
    const { instance } = await WebAssembly.instantiate(wasm, imports);
    assert.deepEqual([0, 1, 2, 3].map((i) => instance.exports[`call_${i}`]()), [1, 2, 3, 4]);
  });

  test('is smaller, and refuses a glue that lacks a name the module imports', () => {
    const before = moduleImporting(IMPORTS);
    assert.ok(shortenImports(before, GLUE).wasm.length < before.length - 80);
    assert.throws(() => shortenImports(before, GLUE.replace('__wbindgen_init_externref_table:', 'x:')), /no key __wbindgen_init_externref_table/);
    assert.throws(() => shortenImports(before, 'no imports here'), /no __wbg_get_imports/);
  });
});

describe('shortenExports', () => {
  test('renames the exports the glue uses as wasm.<name>, keeping the listed ones and the unused ones', async () => {
    const { wasm } = shortenImports(moduleImporting(IMPORTS), GLUE);
    // call_0 and call_1 are used by the glue, call_2 is kept by name, call_3 is never used.
    const glue = 'const a = wasm.call_0(); const b = wasm.call_1() + wasm.call_1(); wasm.call_10; wasm.call_2();';
    const out = shortenExports(wasm, glue, ['call_2']);
    assert.deepEqual(WebAssembly.Module.exports(new WebAssembly.Module(out.wasm)).map((e) => e.name), ['$0', '$1', 'call_2', 'call_3']);
    assert.equal(out.glue, 'const a = wasm.$0(); const b = wasm.$1() + wasm.$1(); wasm.call_10; wasm.call_2();');
    const imports = { a: { _0: () => 1, _1: () => 2, _2: () => 4 }, b: { _0: () => 3 } };
    const { instance } = await WebAssembly.instantiate(out.wasm, imports);
    assert.deepEqual([instance.exports.$0(), instance.exports.$1(), instance.exports.call_2(), instance.exports.call_3()], [1, 2, 3, 4]);
  });
});
