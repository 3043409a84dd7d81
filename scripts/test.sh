#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, and runs ctest (the
# runtime's GoogleTest suites, the lit suite of the tool, the examples, the
# delayserver's integration and load tests);
# then the same under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# runtime's threaded tests under ThreadSanitizer.
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
# The lit suite runs once, in the sanitized build below: the same tests,
# with corofy and every program the tests compile under ASan and UBSan.
run plain "$root/build" -LE '^lit$'
# The benchmark is not a test; sanitized builds skip it.
run "asan+ubsan" "$root/build-asan" -- \
  -DCOROFY_ENABLE_ASAN=ON -DCOROFY_ENABLE_UBSAN=ON -DCOROFY_BUILD_BENCHMARKS=OFF
# The ThreadSanitizer build does not build the tool again: it runs the
# plain build's corofy on the sources in coroutine syntax (delayserver,
# examples), whose output does not depend on how corofy was compiled.
run tsan "$root/build-tsan" -- \
  -DCOROFY_ENABLE_TSAN=ON -DCOROFY_BUILD_TOOL=OFF -DCOROFY_BUILD_BENCHMARKS=OFF \
  -DCOROFY_EXECUTABLE="$root/build/bin/corofy"
