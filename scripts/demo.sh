#!/usr/bin/env bash
# Runs the demo: installs what is missing, builds the package into pkg/, starts the reference server
# (which serves www/public/ and pkg/) and the dashboard's demo feed, and prints the pages' URLs.
# Ctrl-C stops everything.
#
#   bash scripts/demo.sh            PORT=9000 bash scripts/demo.sh      bash scripts/demo.sh --cluster
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8080}
bash scripts/setup.sh
node scripts/build.mjs
bash scripts/rust-app.sh # the Rust API's example page (/rust-app/)

# `--cluster`: Redis, three nodes and nginx on PORT instead (README, "Running more than one server").
if [ "${1:-}" = "--cluster" ]; then
  exec node scripts/cluster.mjs --port "$PORT"
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p .tmp
server_out=.tmp/demo-server.out
node www/server/server.js --port "$PORT" >"$server_out" &
pids+=($!)
# Wait (bounded) for the server's ready line.
for _ in $(seq 1 100); do
  grep -q '^ZANTARA_SERVER ' "$server_out" && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "the server did not start (port $PORT taken? try PORT=9000)" >&2; exit 1; }
  sleep 0.1
done
grep -q '^ZANTARA_SERVER ' "$server_out" || { echo "the server did not start in 10 s" >&2; exit 1; }
base=$(node -e 'console.log(JSON.parse(process.argv[1].replace(/^ZANTARA_SERVER /, "")).http)' "$(grep '^ZANTARA_SERVER ' "$server_out" | head -1)")

node www/server/feed.js --url "$base" --interval 1000 &
pids+=($!)

cat <<MSG

  zantara-websocket demo is running (Ctrl-C to stop)

    Demo page:        $base/websocket-demo.html
    Dashboard:        $base/dashboard.html      (live data from www/server/feed.js)
    Support chat:     $base/chat.html           (customer and agent: presence, typing, delivery ticks)
    Guide examples:   $base/legacy-examples.html
    Rust app:         $base/rust-app/               (examples/rust_chat.rs on the Rust API)
    The package:      $base/pkg/

MSG
wait -n "${pids[@]}" || true
echo "a demo process exited; stopping" >&2
