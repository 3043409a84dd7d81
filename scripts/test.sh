#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, and runs ctest (the
# runtime's GoogleTest suites, the tool's unit tests, the examples, the
# delayserver's integration and load tests, the CMake package test); then
# the same under AddressSanitizer + UndefinedBehaviorSanitizer, with the lit
# suite of the tool, and under ThreadSanitizer.
#   scripts/test.sh            everything
#   scripts/test.sh --quick    the plain build only (with the lit suite)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
quick=0
[ "${1:-}" = "--quick" ] && quick=1

# run <name> <build-dir> <ctest arguments...> -- <cmake arguments...>
run() {
  local name="$1" build="$2"
  shift 2
  local ctest_args=()
  while (($#)) && [ "$1" != "--" ]; do
    ctest_args+=("$1")
    shift
  done
  shift || true
  echo "== $name: building in $build"
  "$root/scripts/build.sh" "$build" "$@"
  echo "== $name: testing"
  (cd "$build" && ctest --output-on-failure -j2 "${ctest_args[@]}")
}

if ((quick)); then
  run plain "$root/build"
  exit 0
fi
# The lit suite runs once, in the sanitized build below, where every program
# its tests compile is built with ASan and UBSan and linked with the
# sanitized runtime.
run plain "$root/build" -LE '^lit$'
# The sanitized builds do not build the tool again: they run the plain
# build's corofy, on the lit tests and on the sources in coroutine syntax
# (delayserver, examples); its output does not depend on how it was compiled.
# (Configure with -DCOROFY_ENABLE_ASAN=ON alone to check the tool itself.)
run "asan+ubsan" "$root/build-asan" -- \
  -DCOROFY_ENABLE_ASAN=ON -DCOROFY_ENABLE_UBSAN=ON -DCOROFY_BUILD_TOOL=OFF \
  -DCOROFY_BUILD_BENCHMARKS=OFF -DCOROFY_EXECUTABLE="$root/build/bin/corofy"
run tsan "$root/build-tsan" -LE '^lit$' -- \
  -DCOROFY_ENABLE_TSAN=ON -DCOROFY_BUILD_TOOL=OFF -DCOROFY_BUILD_BENCHMARKS=OFF \
  -DCOROFY_EXECUTABLE="$root/build/bin/corofy"
