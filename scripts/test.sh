#!/usr/bin/env bash
# Runs every test: formatting and lints (host and wasm32), the core's native
# tests, the reference server's tests, and the browser tests in headless
# Chromium against the real reference server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh

mkdir -p .tmp
export TMPDIR="$root/.tmp" # chromedriver leaves Chromium profiles behind
step() { printf '\n== %s ==\n' "$*"; }
t0=$(date +%s)

step "format and lints"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings
# The npm build: no std, its own allocator and panic handler (src/bare.rs).
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
# The Rust API (feature rust-api, src/typed/), host and wasm32, with its example and tests.
cargo clippy --all-targets --features rust-api -- -D warnings
cargo clippy --all-targets --target wasm32-unknown-unknown --features rust-api -- -D warnings
# Its docs (every public item, #![deny(missing_docs)]) and the crate as published: it builds from
# the packaged files alone.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --target wasm32-unknown-unknown --features rust-api
cargo package --allow-dirty --quiet --target wasm32-unknown-unknown --features rust-api
node_modules/.bin/eslint . # every hand-written .js/.mjs/.cjs (eslint.config.js)

step "core: native tests"
cargo test -- --nocapture 2>&1 | tee "$TMPDIR/native-tests.log"

step "reference server: node tests"
node --test tests/server/

step "shell JS half: node unit tests"
node --test tests/js/

step "browser tests (wasm-pack test, headless Chromium)"
sup_out=$(mktemp "$TMPDIR/supervisor.XXXXXX")
node www/server/supervisor.js --port 0 --control-port 0 --faults >"$sup_out" 2>"$sup_out.err" &
sup_pid=$!
trap 'kill $sup_pid 2>/dev/null || true; wait $sup_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^ZANTARA_SUPERVISOR ' "$sup_out" && break
  kill -0 $sup_pid 2>/dev/null || { cat "$sup_out.err"; echo "supervisor died" >&2; exit 1; }
  sleep 0.1
done
line=$(grep '^ZANTARA_SUPERVISOR ' "$sup_out" | head -1 | cut -d' ' -f2-)
[ -n "$line" ] || { cat "$sup_out.err"; echo "supervisor did not start" >&2; exit 1; }
export ZANTARA_TEST_URL=$(node -e 'console.log(JSON.parse(process.argv[1]).http)' "$line")
export ZANTARA_TEST_CONTROL=$(node -e 'console.log(JSON.parse(process.argv[1]).control)' "$line")
echo "reference server: $ZANTARA_TEST_URL (supervisor $ZANTARA_TEST_CONTROL)"
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}
# --nocapture shows the tests' `FIGURE …` lines (the README's Reliability table). wasm-pack
# hands what follows the first `--` to `cargo build` too, which refuses --nocapture unless a
# target selection comes first: `--test '*'` (every file in tests/) is one.
# --features rust-api: tests/rust_api.rs (the Rust API) runs with the others.
wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver --test '*' --features rust-api -- --nocapture 2>&1 |
  tee "$TMPDIR/browser-tests.log" | grep -vE '^\s*$'
grep -h 'FIGURE' "$TMPDIR/native-tests.log" "$TMPDIR/browser-tests.log" | sed 's/^ *//' | sort -u >"$TMPDIR/figures.txt" || true

step "figures"
cat "$TMPDIR/figures.txt" 2>/dev/null || true

step "package and end-to-end tests"
node scripts/build.mjs
node scripts/size.mjs
node scripts/size.mjs --check # fails naming the entry and the bytes over size-budget.json
bash scripts/rust-app.sh # the Rust API's example page, for tests/e2e/rust-app.test.mjs
node --test tests/e2e/

step "cluster: three nodes over a real Redis, behind nginx (tests/cluster/)"
node --test tests/cluster/

step "benchmarks: smoke run (the full run is node tests/bench/run.mjs)"
node tests/bench/run.mjs --smoke
node tests/bench/cluster.mjs --smoke # the cluster's fan-out and latency at 1 and 20 subscribers (prints; fails only when messages are missing)
node tests/bench/growth.mjs --smoke # cost of on/off/once dispatch/subscribe at N = 300 and 3,000 (prints; fails only on wrong counts)

step "done in $(( $(date +%s) - t0 )) s"
