#!/bin/sh
# check_rasgen_reproducible.sh — every committed capture under pcaps/ that has
# a scenario (pcaps/NAME.scn) is regenerated with rasgen and compared byte for
# byte (cmp) with the committed NAME.pcap or NAME.pcapng. Also checks that
# each capture stays under 200 KB, that every scenario has a site file, and
# that rasgen rejects a broken scenario with exit 2 and file:line:col.
#
#   check_rasgen_reproducible.sh RASGEN      (RASFLOW_SRCDIR: the source tree)
#
# Exit 0 pass, 1 fail, 77 skip (no rasgen binary, e.g. built without libnet).
set -u

rasgen=${1:-}
src=${RASFLOW_SRCDIR:-$(dirname "$0")/..}
pcaps="$src/pcaps"
max_bytes=204800

if [ -z "$rasgen" ] || [ ! -x "$rasgen" ]; then
	echo "SKIP: no rasgen binary given"
	exit 77
fi
if ! ls "$pcaps"/*.scn >/dev/null 2>&1; then
	echo "FAIL: no scenarios in $pcaps"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
n=0

for scn in "$pcaps"/*.scn; do
	name=$(basename "$scn" .scn)
	if [ -f "$pcaps/$name.pcapng" ]; then
		ext=pcapng
	elif [ -f "$pcaps/$name.pcap" ]; then
		ext=pcap
	else
		echo "FAIL: $name.scn has no committed $name.pcap or $name.pcapng"
		fail=1
		continue
	fi
	committed="$pcaps/$name.$ext"
	out="$tmp/$name.$ext"
	if ! "$rasgen" -o "$out" "$scn" 2>"$tmp/err"; then
		echo "FAIL: rasgen $name.scn:"
		cat "$tmp/err"
		fail=1
		continue
	fi
	if ! cmp "$committed" "$out"; then
		echo "FAIL: $name.$ext differs from what rasgen makes of $name.scn"
		fail=1
		continue
	fi
	size=$(wc -c <"$committed")
	if [ "$size" -ge $max_bytes ]; then
		echo "FAIL: $name.$ext is $size bytes (keep captures under $max_bytes)"
		fail=1
	fi
	# the broken 'empty' capture has no hosts to describe
	if [ "$name" != empty ] && [ ! -f "$pcaps/$name.site" ]; then
		echo "FAIL: $name.scn has no site file $name.site"
		fail=1
	fi
	n=$((n + 1))
	echo "ok: $name.$ext ($size bytes)"
done

# A second run must give the same bytes too (no clock, no randomness): the
# comparison above covers it for committed files; check stdout output as well.
if ! "$rasgen" --format pcap "$pcaps/encodings-vlan.scn" >"$tmp/stdout.pcap" ||
   ! cmp "$pcaps/encodings-vlan.pcap" "$tmp/stdout.pcap"; then
	echo "FAIL: rasgen writing to standard output differs from encodings-vlan.pcap"
	fail=1
fi

# Scenario errors: exit 2, every error as file:line:col: message.
cat >"$tmp/bad.scn" <<'EOF'
host cb1 10.20.0.10
host rdsh1 10.20.1.21
+0 tcp rdsh1 -> cb2:20003 ok
+1 tcp rdsh1 -> cb1:70000 ok
+x tcp rdsh1 -> cb1:20003 ok
+2 tcpp rdsh1 -> cb1:20003 ok
EOF
"$rasgen" -o "$tmp/bad.pcap" "$tmp/bad.scn" 2>"$tmp/bad.err"
rc=$?
if [ $rc -ne 2 ]; then
	echo "FAIL: rasgen on a broken scenario exited $rc, want 2"
	fail=1
fi
for want in \
	"bad.scn:3:17: unknown host 'cb2' (did you mean 'cb1'?)" \
	"bad.scn:4:21: bad port '70000' (1-65535)" \
	"bad.scn:5:1: bad time '+x'" \
	"bad.scn:6:4: unknown event 'tcpp' (did you mean 'tcp'?)"; do
	if ! grep -qF "$want" "$tmp/bad.err"; then
		echo "FAIL: rasgen error output lacks: $want"
		fail=1
	fi
done
if [ -e "$tmp/bad.pcap" ]; then
	echo "FAIL: rasgen wrote a capture for a broken scenario"
	fail=1
fi
if [ $fail -ne 0 ]; then
	echo "--- rasgen stderr for the broken scenario:"
	cat "$tmp/bad.err"
	exit 1
fi
echo "PASS: $n captures reproduced byte for byte"
exit 0
