// The README's "Using it from Rust" example is examples/readme.rs (which clippy compiles with the
// feature rust-api, in the test command): this fails when the two differ.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);

test('the README\'s Rust example is examples/readme.rs, line for line', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.slice(readme.indexOf('### Using it from Rust'));
  const block = section.match(/```rust\n([\s\S]*?)```\n/);
  assert.ok(block, 'a ```rust block under "Using it from Rust"');
  const example = readFileSync(new URL('examples/readme.rs', root), 'utf8').replace(/^(\/\/!.*\n)+(#!\[cfg\(.*\n)?/, '');
  assert.equal(block[1], example);
});
