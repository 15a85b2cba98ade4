#!/usr/bin/env bash
# Prepares a release of the npm package: installs what is missing, runs every test (the README's
# test command; --no-test skips it), builds pkg/, then `npm publish --dry-run` from pkg/ and checks
# that it would publish exactly the files package.json lists (plus package.json itself) and no
# warning that npm "auto-corrected" the manifest. It publishes nothing: the last line says the
# command that does.
#
#   bash scripts/release.sh            bash scripts/release.sh --no-test
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-test" ]; then
  bash scripts/test.sh
else
  bash scripts/setup.sh
fi
node scripts/build.mjs
report=$(mktemp)
(cd pkg && npm publish --dry-run --json 2>"$report.err" >"$report")
node - "$report" "$report.err" <<'JS'
const fs = require('node:fs');
const [report, errors] = process.argv.slice(2);
const out = JSON.parse(fs.readFileSync(report, 'utf8'));
const r = out['zantara-websocket'] ?? out;
const manifest = JSON.parse(fs.readFileSync('pkg/package.json', 'utf8'));
const want = [...manifest.files, 'package.json'].sort();
const got = r.files.map((f) => f.path).sort();
const missing = want.filter((f) => !got.includes(f));
const extra = got.filter((f) => !want.includes(f));
const corrected = fs.readFileSync(errors, 'utf8').split('\n').filter((l) => /auto-corrected|errors corrected|was invalid/.test(l));
if (missing.length || extra.length || corrected.length) {
  console.error(`release: the dry run differs: missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`);
  for (const l of corrected) console.error(`release: ${l}`);
  process.exit(1);
}
console.log(`release: ${r.id}, ${got.length} files, ${r.size} B packed (${r.unpackedSize} B unpacked), integrity ${r.integrity}`);
JS
echo "release: ready. To publish: (cd pkg && npm publish) with an npm account that owns the name."
