#!/bin/sh
# docs/matrix.md must be exactly what `rasflow rules --format md` prints;
# regenerate it with:  rasflow rules --format md -o docs/matrix.md
set -u
doc="$RASFLOW_SRCDIR/docs/matrix.md"
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
"$RASFLOW_BIN" rules --format md >"$tmp" || { echo "rasflow rules --format md failed"; exit 1; }
if ! diff -u "$doc" "$tmp"; then
	echo "docs/matrix.md is stale: run 'rasflow rules --format md -o docs/matrix.md'"
	exit 1
fi
echo "docs/matrix.md is up to date"
