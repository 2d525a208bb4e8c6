#!/usr/bin/env bash
# Runs every test of AMER: formatting and lints, the Rust workspace tests (real SQLite files,
# real QUIC sockets on loopback, real PDFs), the Python package tests and the Kotlin program.
# Installs what it needs when missing (idempotent), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

need_apt() {
  # Installs Debian packages that are missing (the machine's registries are reachable).
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# pdftotext/pdfinfo read the generated PDFs back in the printing tests.
need_apt pdftotext:poppler-utils

step "format"
cargo fmt --all -- --check

step "rust tests (workspace)"
cargo test --workspace

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

if [ -x bindings/tests/run.sh ]; then
  step "bindings (python, kotlin, swift sources)"
  bash bindings/tests/run.sh
fi

# The front desk in Debian's headless Chromium (playwright-core): two PCs running `amer serve` on
# loopback. It installs chromium, poppler-utils and its npm packages when missing. Screenshots go
# to a scratch folder here; `bash tests/web/run.sh` alone refreshes docs/screenshots/.
step "web front desk (browser, two PCs)"
AMER_WEB_SCREENSHOTS="${TMPDIR:-/tmp}/amer-web-screenshots" bash tests/web/run.sh
