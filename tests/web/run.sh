#!/usr/bin/env bash
# End-to-end tests of the front desk (`amer serve`) in Debian's headless Chromium driven by
# playwright-core: two office PCs (two home folders) on loopback, PC 1 founding the office and
# PC 2 joining by invitation, both running `amer serve` (QUIC sync node + web app). Builds `amer`
# (debug, the build the Rust tests use), installs what it needs when missing (chromium,
# poppler-utils, the npm packages of package-lock.json), runs the tests with node's test runner
# and tears everything down. Screenshots of every page land in docs/screenshots/.
#
#   bash tests/web/run.sh                    # every test
#   bash tests/web/run.sh tests/web/tests/2-validation.test.mjs
#   AMER_WEB_KEEP=1 bash tests/web/run.sh    # keep the two home folders and the server logs
#   AMER_WEB_NO_BUILD=1 bash tests/web/run.sh # use target/debug/amer as it is
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
fail() {
  printf 'web tests: %s\n' "$*" >&2
  exit 1
}

need_apt() {
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
need_apt chromium:chromium chromedriver:chromium-driver pdftotext:poppler-utils node:nodejs npm:npm curl:curl
export AMER_WEB_CHROMIUM=${AMER_WEB_CHROMIUM:-/usr/bin/chromium}
[ -x "$AMER_WEB_CHROMIUM" ] || fail "no Chromium at $AMER_WEB_CHROMIUM"

# playwright-core only (it never downloads a browser); exactly the versions of package-lock.json.
if ! (cd "$HERE" && npm ls --depth=0 playwright-core >/dev/null 2>&1); then
  step "npm ci (tests/web)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

export AMER_BIN="${AMER_BIN:-$ROOT/target/debug/amer}"
if [ "${AMER_WEB_NO_BUILD:-0}" = 1 ]; then
  echo "using $AMER_BIN as it is (AMER_WEB_NO_BUILD=1)"
else
  step "build amer (debug)"
  cargo build -p amer-cli
fi
"$AMER_BIN" serve --help >/dev/null 2>&1 || fail "this amer has no \`serve\` command yet"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/amer-web.XXXXXX")
PIDS=()
teardown() {
  local rc=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] || [ "${AMER_WEB_KEEP:-0}" = 1 ]; then
    for f in "$WORK"/pc*.err; do
      [ -f "$f" ] && { echo "--- last lines of $f"; tail -n 20 "$f"; }
    done
  fi
  if [ "${AMER_WEB_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap teardown EXIT

export AMER_WEB_WORK="$WORK"
export AMER_WEB_PC1="$WORK/pc1" AMER_WEB_PC2="$WORK/pc2"
export NO_COLOR=1
export AMER_WEB_RUN=${AMER_WEB_RUN:-$(date +%s)}
unset AMER_HOME AMER_USER AMER_LANG AMER_LOG
amer1() { "$AMER_BIN" --home "$AMER_WEB_PC1" "$@"; }
amer2() { "$AMER_BIN" --home "$AMER_WEB_PC2" "$@"; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const x=process.argv[1].split(".").reduce((o,k)=>o[k],v);if(x===undefined)process.exit(1);console.log(x)})' "$1"; }

# The office's people (tests/web/lib/office.mjs has the same list).
ADMIN=198503122010011003
KASUBAG=197901152005012001
OFFICER=199002202015031002
OFFICER2=199105102016041001
VIEWER=198807072012012002
RETIRED=196505051990031001
export AMER_WEB_PIN=246810

step "PC 1: office, staff, PINs"
amer1 init --office "Bagian Pengadaan Barang/Jasa" --device "PC Loket" --json >/dev/null
amer1 staff add --nip $ADMIN --name "Andi Admin" --role admin --json >/dev/null
amer1 --by $ADMIN staff add --nip $KASUBAG --name "Sari Kasubag" --role kasubag --json >/dev/null
amer1 --by $ADMIN staff add --nip $OFFICER --name "Budi Petugas" --role petugas --json >/dev/null
amer1 --by $ADMIN staff add --nip $OFFICER2 --name "Dewi Petugas" --role petugas --json >/dev/null
# Never offered for an assignment: a viewer, and an officer who left.
amer1 --by $ADMIN staff add --nip $VIEWER --name "Vina Peninjau" --role viewer --json >/dev/null
amer1 --by $ADMIN staff add --nip $RETIRED --name "Hendra Pensiun" --role petugas --json >/dev/null
amer1 --by $ADMIN staff update $RETIRED --inactive --json >/dev/null
for nip in $ADMIN $KASUBAG $OFFICER $OFFICER2; do
  printf '%s\n' "$AMER_WEB_PIN" | amer1 --by $ADMIN staff pin "$nip" --json >/dev/null ||
    fail "amer staff pin $nip failed"
done

# Starts `amer serve` for a home; waits for its two announced addresses.
# serve NAME HOME [extra args…]: sets NAME_HTTP (http://127.0.0.1:PORT) and NAME_QUIC (127.0.0.1:PORT).
serve() {
  local name=$1 home=$2
  shift 2
  "$AMER_BIN" --home "$home" serve --listen 127.0.0.1:0 --http 127.0.0.1:0 "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  local http="" quic=""
  for _ in $(seq 1 300); do
    http=$(grep -o 'web app on http://127\.0\.0\.1:[0-9]*' "$WORK/$name.err" | head -n1 | sed 's/^web app on //') || true
    quic=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$WORK/$name.err" | head -n1 | sed 's/^listening on //') || true
    if [ -n "$http" ] && [ -n "$quic" ] && curl -fsS --max-time 2 "$http/api/status" >/dev/null 2>&1; then
      break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.err" >&2; fail "amer serve ($name) exited early"; }
    sleep 0.1
  done
  [ -n "$http" ] && [ -n "$quic" ] || { cat "$WORK/$name.err" >&2; fail "amer serve ($name) did not announce its addresses"; }
  printf -v "${name^^}_HTTP" '%s' "$http"
  printf -v "${name^^}_QUIC" '%s' "$quic"
  printf -v "${name^^}_PID" '%s' "$pid"
}

step "PC 1: amer serve"
serve pc1 "$AMER_WEB_PC1"
echo "PC 1: web $PC1_HTTP, QUIC $PC1_QUIC"

step "PC 2: invited by PC 1, joins, amer serve"
code=$(amer1 peer invite --ttl 5m --json | json_field code)
sleep 0.6 # the running node notices an invitation written by another process at its next poll
amer2 peer join "$code" --device "PC Kasubag" --timeout 30 --json >/dev/null
serve pc2 "$AMER_WEB_PC2" --peer "$PC1_QUIC"
echo "PC 2: web $PC2_HTTP, QUIC $PC2_QUIC"
export AMER_WEB_PC1_URL="$PC1_HTTP" AMER_WEB_PC2_URL="$PC2_HTTP"
export AMER_WEB_PC1_QUIC="$PC1_QUIC" AMER_WEB_PC2_QUIC="$PC2_QUIC"
export AMER_WEB_PC1_LOG="$WORK/pc1.err" AMER_WEB_PC2_LOG="$WORK/pc2.err"
export AMER_WEB_SCREENSHOTS="${AMER_WEB_SCREENSHOTS:-$ROOT/docs/screenshots}"

step "browser tests"
if [ $# -gt 0 ]; then
  files=("$@")
else
  # Order matters and node's runner takes the files sorted by name: the flow first, the
  # screenshots once there is something to show, the privacy scan of every log last (9-…).
  files=(tests/web/tests/*.test.mjs)
fi
started=$(date +%s)
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
echo "browser tests took $(($(date +%s) - started)) s"
