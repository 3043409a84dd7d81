#!/usr/bin/env bash
# Draws the pictures of docs/design.md. For each docs/pictures/NAME.cpp,
# `corofy --emit=dot` writes NAME.dot (the state machines of its coroutines
# as a Graphviz graph) and `dot -Tsvg` draws NAME.svg from it. Commit all
# three: test/Docs/pictures.test fails when a .dot is no longer what corofy
# prints for its source, and running this script again brings the .dot and
# its picture up to date. The output depends only on corofy and on the
# Graphviz version and fonts installed.
#   scripts/render-doc-pictures.sh [corofy]   default: build/bin/corofy
# Needs Graphviz's dot (scripts/install-deps.sh --docs installs it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corofy="$(realpath "${1:-$root/build/bin/corofy}")"

if ! command -v dot > /dev/null; then
  echo "$0: needs Graphviz's dot: scripts/install-deps.sh --docs" >&2
  exit 1
fi
cd "$root/docs/pictures"
for source in *.cpp; do
  name="${source%.cpp}"
  # The flags after -- are the only ones: no compilation database found in
  # a parent directory changes the output. The pictures need no others.
  "$corofy" --emit=dot "$source" -- > "$name.dot.new"
  mv "$name.dot.new" "$name.dot"
  dot -Tsvg "$name.dot" -o "$name.svg.new"
  mv "$name.svg.new" "$name.svg"
  echo "docs/pictures/$name.svg"
done
