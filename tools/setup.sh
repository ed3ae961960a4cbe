#!/bin/sh
# setup.sh — install what rasflow needs on Debian 12, configure and build.
#
#   tools/setup.sh                  build into build/
#   tools/setup.sh --test           ... and run every test (meson test)
#   tools/setup.sh --sanitize       build into build-asan/ with ASan + UBSan
#   tools/setup.sh --werror         treat warnings as errors (CI sets this)
#
# Only the Debian packages that are missing are installed, and their names are
# printed first. Needs root (or sudo) the first time.
set -eu
cd "$(dirname "$0")/.."

test=0 sanitize=0 werror=false
for arg in "$@"; do
	case "$arg" in
	--test) test=1 ;;
	--sanitize) sanitize=1 ;;
	--werror) werror=true ;;
	*) echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
	esac
done
[ "${CI:-}" = true ] && werror=true

# Build: compiler, meson, and the libraries rasflow links.
pkgs="gcc pkg-config meson ninja-build python3 libpcap-dev libndpi-dev libnet1-dev
      libjansson-dev libcriterion-dev"
# Tests: tshark (conversation counts), tcpreplay + iproute2 (live monitor test in a
# network namespace), graphviz (dot reports), valgrind (memcheck of the binary),
# clang + its runtime (fuzz targets).
[ $test = 1 ] && pkgs="$pkgs tshark tcpreplay iproute2 graphviz python3-jsonschema valgrind clang libclang-rt-14-dev"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing Debian packages:$missing"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# tshark asks whether non-root users may capture: keep Debian's default (no).
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ $sanitize = 1 ]; then
	dir=build-asan
	opts="-Db_sanitize=address,undefined -Db_lundef=false"
else
	dir=build
	opts=""
fi
if [ -d "$dir/meson-private" ]; then
	meson configure "$dir" -Dwerror=$werror $opts >/dev/null
else
	meson setup "$dir" -Dwerror=$werror $opts >/dev/null
fi
ninja -C "$dir"

if [ $test = 1 ]; then
	# Stop at the first UBSan report so the test fails instead of only printing.
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ASAN_OPTIONS=detect_leaks=1 \
		meson test -C "$dir" --print-errorlogs --num-processes 2
fi
