#!/usr/bin/env bash
# Installs what corofy needs to build and test, from Debian bookworm's
# packages. Installs only what is missing; needs root (or sudo) only then.
#   scripts/install-deps.sh           the build and its tests
#   scripts/install-deps.sh --bench   also the peers the benchmarks compare
#                                     with (bench/; each is optional there)
#   scripts/install-deps.sh --docs    also Graphviz, for
#                                     scripts/render-doc-pictures.sh
set -euo pipefail

packages=(
  clang-19 libclang-19-dev llvm-19-dev llvm-19-tools libclang-rt-19-dev
  cmake ninja-build libgtest-dev libbenchmark-dev python3
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(
    rustc # bench/rust/peer.rs, the Rust rows of coroutine_bench (1.63 is enough)
    libboost-context-dev # fcontext, the peer of fiber_bench's switch
    # bench/tokio, the Tokio peer of runtime_bench: cargo builds it offline
    # from the packaged crates in /usr/share/cargo/registry (tokio 1.24).
    cargo librust-tokio-dev
    # bench/run_http_bench.sh: the Boost.Asio server (headers only) and wrk.
    libboost-dev wrk
  )
elif [ "${1:-}" = "--docs" ]; then
  packages+=(graphviz) # dot, which draws docs/pictures/*.svg
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--bench | --docs]" >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
    grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "Installing: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
  --no-install-recommends "${missing[@]}"
