// Shortens the import names wasm-bindgen gives a module and its glue. Each import of the module
// names its JS module and field: wasm-bindgen writes `./zantara_websocket_bg.js` and
// `./snippets/zantara-websocket-<hash>/src/shell/boundary.js` as modules, and `__wbg_<name>_<16 hex
// digits>` as the fields of its own shims. The names appear twice (in the module's import section
// and as keys of the glue's imports object, which no minifier renames), and their random hex
// digits defeat gzip: together about 1 KB of every download. Here each module becomes one letter
// and each field a short base-36 name, in both files, consistently. A snippet module, which the glue
// imports whole and hands to the module as a namespace, is handed instead an object of just the
// exports the module imports, under their short names, so the bundler can drop the namespace
// object and the exports nobody uses.
//
// The module's export names get the same treatment (`shortenExports`): the glue reaches them as
// `wasm.<name>`, some of them long (`__wbindgen_add_to_stack_pointer`, sixteen times).
//
// Used by scripts/build.mjs between wasm-bindgen and wasm-opt; tested by tests/js/short-imports.test.mjs.

function readU32(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[pos.at++];
    if (byte === undefined) throw new Error('short-imports: truncated LEB128');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7;
    if (shift > 28) throw new Error('short-imports: LEB128 too long');
  }
}

function u32(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function readName(buf, pos) {
  const len = readU32(buf, pos);
  const s = Buffer.from(buf.subarray(pos.at, pos.at + len)).toString('utf8');
  pos.at += len;
  return s;
}

function name(s) {
  const bytes = Buffer.from(s, 'utf8');
  return [...u32(bytes.length), ...bytes];
}

/** Skips one import description (function, table, memory, global or tag) and returns its bytes. */
function readDesc(buf, pos) {
  const start = pos.at;
  const kind = buf[pos.at++];
  const limits = () => {
    const flags = buf[pos.at++];
    readU32(buf, pos);
    if (flags & 1) readU32(buf, pos);
  };
  switch (kind) {
    case 0x00: readU32(buf, pos); break; // function: type index
    case 0x01: pos.at++; limits(); break; // table: reference type, limits
    case 0x02: limits(); break; // memory
    case 0x03: pos.at += 2; break; // global: value type, mutability
    case 0x04: pos.at++; readU32(buf, pos); break; // tag: attribute, type index
    default: throw new Error(`short-imports: unknown import kind ${kind}`);
  }
  return [...buf.subarray(start, pos.at)];
}

/**
 * The module `buf` with section `id`'s body replaced by `rewrite(buf, pos, end)` (which reads the
 * body from `pos.at` to `end` and returns the new body's bytes); other sections are copied.
 */
function rewriteSection(buf, id, rewrite) {
  const pos = { at: 8 };
  const parts = [buf.subarray(0, 8)];
  while (pos.at < buf.length) {
    const start = pos.at;
    const sid = buf[pos.at++];
    const size = readU32(buf, pos);
    const end = pos.at + size;
    if (sid !== id) {
      parts.push(buf.subarray(start, end));
    } else {
      const body = rewrite(buf, pos, end);
      if (pos.at !== end) throw new Error(`short-imports: section ${id} size mismatch`);
      parts.push(Uint8Array.from([id, ...u32(body.length), ...body]));
    }
    pos.at = end;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `n` in base 36, for a short field name that is also a plain JS identifier after its `_` prefix. */
const shortName = (n) => `_${n.toString(36)}`;

/**
 * Returns `{wasm, glue, renamed}`: the module (a Uint8Array) and its glue (text) with every import
 * module named by one letter and every field of wasm-bindgen's own shims (`__wbg_…`, `__wbindgen_…`)
 * by a short name; `renamed` maps each old `module\u0000field` to the new pair. Throws when the
 * glue does not hold a name the module imports (a wasm-bindgen whose glue looks different).
 */
export function shortenImports(wasmBytes, glueText) {
  // Snippet modules the glue imports whole (`import * as importN from "<module>"`) and hands to
  // the module as they are: their fields are export names of the snippet.
  const namespaces = new Map();
  for (const m of glueText.matchAll(/^import \* as (import\d+) from "([^"]+)"/gm)) {
    if (!namespaces.has(m[2])) namespaces.set(m[2], m[1]);
  }
  const modules = new Map();
  const fields = new Map();
  const renamed = new Map();
  const exported = new Map(); // per namespace module: short field -> export name
  const wasm = rewriteSection(wasmBytes, 2, (buf, pos) => {
    const count = readU32(buf, pos);
    const body = [...u32(count)];
    for (let i = 0; i < count; i++) {
      const mod = readName(buf, pos);
      const field = readName(buf, pos);
      const desc = readDesc(buf, pos);
      if (!modules.has(mod)) modules.set(mod, String.fromCharCode(97 + modules.size));
      const newMod = modules.get(mod);
      let newField = field;
      if (/^__wbg_|^__wbindgen_/.test(field)) {
        if (!fields.has(field)) fields.set(field, shortName(fields.size));
        newField = fields.get(field);
      } else if (namespaces.has(mod)) {
        // An export of the snippet: the glue will hand the module an object of just these.
        if (!exported.has(mod)) exported.set(mod, new Map());
        const mine = exported.get(mod);
        const known = [...mine].find(([, e]) => e === field);
        newField = known ? known[0] : shortName(mine.size);
        mine.set(newField, field);
      }
      renamed.set(`${mod}\u0000${field}`, [newMod, newField]);
      body.push(...name(newMod), ...name(newField), ...desc);
    }
    return body;
  });
  if (modules.size > 26) throw new Error('short-imports: more than 26 import modules');

  // The glue: the keys of the imports object (`__wbg_get_imports`) only.
  const at = glueText.indexOf('function __wbg_get_imports()');
  const close = glueText.indexOf('\n}\n', at);
  if (at < 0 || close < 0) throw new Error('short-imports: no __wbg_get_imports in the glue');
  let imports = glueText.slice(at, close);
  for (const [mod, letter] of modules) {
    const key = `${JSON.stringify(mod)}:`;
    if (!imports.includes(key)) throw new Error(`short-imports: the glue has no key ${key}`);
    imports = imports.split(key).join(`${letter}:`);
    const mine = exported.get(mod);
    if (mine !== undefined) {
      // `L: importN,` (once per import group, all the same namespace) becomes one object of the
      // exports the module uses, by their short names: the bundler then keeps only those, and no
      // namespace object.
      const ns = namespaces.get(mod);
      const entries = [...mine].map(([short, exp]) => `${short}: ${ns}.${exp}`).join(', ');
      const line = new RegExp(`^(\\s*)${letter}: import\\d+,\\n`, 'gm');
      let first = true;
      imports = imports.replace(line, (_, indent) => {
        if (!first) return '';
        first = false;
        return `${indent}${letter}: { ${entries} },\n`;
      });
      if (first) throw new Error(`short-imports: the glue hands no namespace to module ${mod}`);
    }
  }
  for (const [field, short] of fields) {
    const key = new RegExp(`(^|[\\s,{])${field}(\\s*:)`, 'gm');
    if (!key.test(imports)) throw new Error(`short-imports: the glue has no key ${field}`);
    imports = imports.replace(key, `$1${short}$2`);
  }
  const glue = glueText.slice(0, at) + imports + glueText.slice(close);
  return { wasm, glue, renamed };
}

/** `wasm.<name>` as a pattern. */
const use = (name, flags = '') => new RegExp(`\\bwasm\\.${name.replace(/\$/g, '\\$')}\\b`, flags);
const uses = (glue, name) => use(name).test(glue);

/**
 * Returns `{wasm, glue}`: the module with every export the glue reaches as `wasm.<name>` renamed to
 * a short name, except those in `keep` (found by name from elsewhere too: `memory`, the hub's entry
 * point), and the glue with each such `wasm.<name>` changed to match. Other exports keep their
 * names.
 */
export function shortenExports(wasmBytes, glueText, keep) {
  const names = new Map();
  const wasm = rewriteSection(wasmBytes, 7, (buf, pos) => {
    const count = readU32(buf, pos);
    const body = [...u32(count)];
    for (let i = 0; i < count; i++) {
      const old = readName(buf, pos);
      const kind = buf[pos.at++];
      const index = readU32(buf, pos);
      let now = old;
      // Only what the glue reaches as `wasm.<name>`; anything else may be found by name elsewhere.
      if (uses(glueText, old) && !keep.includes(old)) {
        now = `$${names.size.toString(36)}`;
        names.set(old, now);
      }
      body.push(...name(now), kind, ...u32(index));
    }
    return body;
  });
  let glue = glueText;
  for (const [old, now] of names) glue = glue.replace(use(old, 'g'), `wasm.${now}`);
  return { wasm, glue };
}
