#!/usr/bin/env bash
# Builds the Rust API's example page (examples/rust_chat.rs, feature `rust-api`) into
# www/public/rust-app/pkg/ (git-ignored), which the reference server serves at /rust-app/.
# Needs what scripts/setup.sh installs (the wasm32 target, wasm-bindgen-cli).
#
#   bash scripts/rust-app.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Not stripped (as the npm build is), so that wasm-bindgen reads the target_features section.
CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --example rust_chat --target wasm32-unknown-unknown --features rust-api
out=www/public/rust-app/pkg
rm -rf "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" target/wasm32-unknown-unknown/release/examples/rust_chat.wasm
gz=$(gzip -9 -c "$out/rust_chat_bg.wasm" | wc -c)
echo "rust-app: $out/rust_chat_bg.wasm $(wc -c <"$out/rust_chat_bg.wasm") B ($gz B gzip -9)"
