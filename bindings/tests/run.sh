#!/usr/bin/env bash
# Tests AMER's bindings in the three foreign languages:
#   - Python: builds and installs the `amer` package (maturin, dev profile) into a virtual
#     environment and runs the pytest suite bindings/tests/python, then the example
#     examples/python/session_flow.py;
#   - Kotlin: generates the sources (uniffi-bindgen, library mode), compiles them with
#     bindings/tests/kotlin/Main.kt and runs it against the debug library;
#   - Swift: generates the sources and checks that they hold the expected declarations (no
#     Swift toolchain on this kind of machine).
# Installs what is missing (idempotent): the Python venv with maturin and pytest, the Kotlin
# compiler from npm, JNA from Debian; all tools live in .tools/ (gitignored).
# Called by scripts/test-all.sh after the Rust tests; usable alone from any folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
KOTLIN_VERSION="2.4.20"
KOTLIN_HOME="$TOOLS/kotlin-$KOTLIN_VERSION/package"
JNA_JAR="/usr/share/java/jna.jar"
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
LIB="$TARGET_DIR/debug/libamer_bindings.so"
GEN="$TARGET_DIR/bindings"
BINDGEN="$TARGET_DIR/debug/uniffi-bindgen"

START=$SECONDS
step_start=$SECONDS
step() {
  printf '\n--> %s\n' "$*"
  step_start=$SECONDS
}
took() { printf '    (%ss)\n' "$((SECONDS - step_start))"; }
fail() {
  printf 'bindings: %s\n' "$*" >&2
  exit 1
}

step "tools: python venv (maturin, pytest), kotlinc $KOTLIN_VERSION, JNA"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import maturin, pytest' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9,<2' 'pytest>=8'
fi
if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
  mkdir -p "$TOOLS/kotlin-$KOTLIN_VERSION"
  (cd "$TOOLS" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
  tar -xzf "$TOOLS/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$TOOLS/kotlin-$KOTLIN_VERSION"
  rm -f "$TOOLS/kotlin-compiler-$KOTLIN_VERSION.tgz"
fi
if [ ! -f "$JNA_JAR" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq libjna-java >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq libjna-java >/dev/null; }
fi
[ -f "$JNA_JAR" ] || fail "JNA is missing ($JNA_JAR)"
took

step "build: the library (cdylib) and uniffi-bindgen (dev profile)"
# Two invocations, as maturin does: built together, cargo would unify uniffi's features and the
# library would pull in the generator.
cargo build --quiet -p amer-bindings
cargo build --quiet -p uniffi-bindgen
[ -f "$LIB" ] || fail "the library was not built at $LIB"
took

step "generate: Kotlin and Swift sources (library mode)"
rm -rf "$GEN"
for lang in kotlin swift; do
  "$BINDGEN" generate "$LIB" --language "$lang" --no-format --out-dir "$GEN/$lang" >/dev/null
done
took

step "python: pip install ./bindings (maturin, dev profile)"
# maturin is installed in the venv once (no build isolation: no download per run); its PEP 517
# hook calls the `maturin` command, so the venv goes first on PATH.
PATH="$VENV/bin:$PATH" "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation \
  --force-reinstall --no-deps ./bindings
took

step "python: pytest bindings/tests/python"
# Run from the tests' folder so that `import amer` finds the installed package only.
rc=0
(cd bindings/tests/python && "$VENV/bin/python" -m pytest -q -p no:cacheprovider) || rc=$?
if [ "$rc" -eq 5 ]; then
  fail "pytest collected no tests"
elif [ "$rc" -ne 0 ]; then
  fail "pytest failed (exit $rc)"
fi
took

step "python: examples/python/session_flow.py"
"$VENV/bin/python" examples/python/session_flow.py >/dev/null || fail "the Python example failed"
took

step "kotlin: compile and run bindings/tests/kotlin/Main.kt"
KT_CP="$JNA_JAR:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
# Compiled once per change of the generated sources or the test (kotlinc takes ~30-50 s).
KT_OUT="$TARGET_DIR/bindings-kotlin-test"
mkdir -p "$KT_OUT"
KT_SUM="$(cat "$GEN/kotlin/uniffi/amer/amer.kt" bindings/tests/kotlin/Main.kt | sha256sum | cut -d' ' -f1)"
if [ -f "$KT_OUT/main.jar" ] && [ "$(cat "$KT_OUT/sources.sha256" 2>/dev/null)" = "$KT_SUM" ]; then
  echo "    sources unchanged: reusing the compiled test"
else
  rm -f "$KT_OUT/main.jar" "$KT_OUT/sources.sha256"
  "$KOTLIN_HOME/bin/kotlinc" -nowarn "$GEN/kotlin/uniffi/amer/amer.kt" bindings/tests/kotlin/Main.kt \
    -cp "$KT_CP" -d "$KT_OUT/main.jar" 2>&1 | grep -v '^warning:' || true
  if [ -f "$KT_OUT/main.jar" ]; then echo "$KT_SUM" >"$KT_OUT/sources.sha256"; fi
fi
[ -f "$KT_OUT/main.jar" ] || fail "kotlinc produced no jar"
java -Djna.library.path="$(dirname "$LIB")" \
  -cp "$KT_OUT/main.jar:$KT_CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar" MainKt || fail "the Kotlin program failed"
took

step "swift: generated sources"
SWIFT="$GEN/swift/Amer.swift"
[ -s "$SWIFT" ] || fail "no Swift source at $SWIFT"
[ -s "$GEN/swift/AmerFFI.h" ] && [ -s "$GEN/swift/AmerFFI.modulemap" ] || fail "no C header or module map"
for decl in 'open class AmerStore' 'public protocol ChangeListener' 'open class Subscription' \
  'enum ApiError: Swift.Error' 'public struct Session' 'public enum SessionStatus' 'func listSessionsAsync'; do
  grep -q -- "$decl" "$SWIFT" || fail "Swift source lacks: $decl"
done
echo "    Amer.swift: $(wc -l <"$SWIFT") lines, AmerStore, ChangeListener, Subscription, ApiError present"
took

printf '\nbindings: all checks passed in %ss\n' "$((SECONDS - START))"
