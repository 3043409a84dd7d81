#!/usr/bin/env bash
# The main job, on a fresh Debian bookworm machine: installs what is missing,
# builds corofy, starts the bundled delayserver, rewrites the book's
# c-async-await example (examples/ch07-c-async-await) with corofy, shows a
# coroutine beside the state machine corofy wrote for it, and runs the
# program against the server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
example="$root/examples/ch07-c-async-await"

echo "== building corofy in $build (log: $build.demo-build.log)"
"$root/scripts/build.sh" "$build" > "$build.demo-build.log" 2>&1 || {
  cat "$build.demo-build.log"
  exit 1
}

out="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2> /dev/null || true
    wait "$server" 2> /dev/null || true
  fi
  rm -rf "$out"
}
trap cleanup EXIT

# The book's delayserver, on a free port: it prints where it listens first.
"$build/tools/delayserver/delayserver" --port 0 > "$out/delayserver.log" 2>&1 &
server=$!
address=""
for _ in $(seq 100); do
  address="$(sed -n 's|^Listening on http://||p' "$out/delayserver.log")"
  [ -n "$address" ] && break
  kill -0 "$server" 2> /dev/null || break
  sleep 0.05
done
if [ -z "$address" ]; then
  echo "demo: the delayserver did not start:" >&2
  cat "$out/delayserver.log" >&2
  exit 1
fi
echo "== delayserver listening on $address"

echo "== corofy $example/main.cpp -o main_corofied.cpp"
"$build/bin/corofy" "$example/main.cpp" -o "$out/main_corofied.cpp" \
  -- -std=c++20 -I"$root/include"

# The coroutine `request` as written, and the class corofy made of it (up to
# the function that now returns it).
sed -n '/^coroutine<void> request/,/^}/p' "$example/main.cpp" \
  > "$out/source.txt"
sed -n "/The state machine corofy wrote for the coroutine 'request'/,/^coroutine<void> request/p" \
  "$out/main_corofied.cpp" | sed '$d' > "$out/machine.txt"
columns="$(tput cols 2> /dev/null || echo 80)"
echo
if ((columns >= 170)); then
  printf "%-$((columns / 2))s%s\n" "== the coroutine, as written (main.cpp)" \
    "== the state machine corofy wrote for it (main_corofied.cpp)"
  pr -m -t -w "$columns" "$out/source.txt" "$out/machine.txt" | expand
else
  echo "== the coroutine, as written (main.cpp)"
  cat "$out/source.txt"
  echo
  echo "== the state machine corofy wrote for it (main_corofied.cpp)"
  cat "$out/machine.txt"
fi
echo

echo "== compiling main_corofied.cpp"
clang++-19 -std=c++20 -O2 -I"$root/include" "$out/main_corofied.cpp" \
  "$build/lib/libcorofy_runtime.a" -pthread -o "$out/c-async-await"
echo "== running it: five requests at once, each delayed by the server"
COROFY_DELAYSERVER="$address" "$out/c-async-await"
echo
echo "== what the delayserver saw"
grep -E '^#?[0-9]+ - ' "$out/delayserver.log" || cat "$out/delayserver.log"
