#!/usr/bin/env bash
# The main job: builds corofy, rewrites the bundled example, shows the
# coroutine beside the state machine corofy made of it, and runs it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
example="$root/examples/basics"

"$root/scripts/build.sh" "$build" > "$build.demo-build.log" 2>&1 || {
  cat "$build.demo-build.log"
  exit 1
}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

"$build/bin/corofy" "$example/main.cpp" -o "$out/main_corofied.cpp" \
  -- -std=c++20 -I"$root/include" -I"$example"

echo "==== examples/basics/main.cpp: the coroutine as written"
sed -n '/^coroutine<std::string> request/,/^}/p' "$example/main.cpp"
echo
echo "==== main_corofied.cpp: the state machine corofy wrote for it"
sed -n '/The state machine corofy wrote for the coroutine .request/,/^coroutine<std::string> request/p' \
  "$out/main_corofied.cpp"
echo "  ..."
echo
echo "==== running it"
clang++-19 -std=c++20 -O2 -I"$root/include" -I"$example" \
  "$out/main_corofied.cpp" "$build/lib/libcorofy_runtime.a" -pthread \
  -o "$out/basics"
"$out/basics"
