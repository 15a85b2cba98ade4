#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, idempotently:
# the wasm32 target, wasm-bindgen-cli (the exact version in Cargo.lock),
# wasm-pack, Debian's chromium + chromedriver, redis-server and nginx, and the npm devDependencies.
# Why these routes: the npm `wasm-pack` package and `npx playwright install` download from
# outside the package registries, which fails here; Debian's binaryen (108) builds modules that
# fail at run time, so wasm-opt comes from npm's `binaryen`; `npm ci` fails on platform-optional
# packages the registry lacks, so `npm install`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate exactly, else wasm-pack tries to download one.
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (have: ${have:-none})"
  cargo install wasm-bindgen-cli --version "=$want" # --locked fails here (index mismatch)
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack"
  cargo install wasm-pack --locked --version 0.15.1
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The cluster tests and `demo.sh --cluster`: Debian's Redis and nginx, run as our own processes on free loopback
# ports (tests/cluster/procs.mjs); the system services the packages start are stopped and not relied on.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
  say "installing redis-server and nginx-light"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server nginx-light >/dev/null
  (service redis-server stop; service nginx stop) >/dev/null 2>&1 || true
fi

# `npm install`, not `npm ci`: the registry here lacks some platform-optional packages.
stamp=node_modules/.zantara-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
say "ready"
