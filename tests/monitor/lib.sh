# lib.sh — shared by the monitor integration tests (sourced, POSIX sh).
#
# Makes a network namespace with a veth pair: the monitor captures on the end
# inside the namespace ($IF_IN), tcpreplay sends on the end outside ($IF_OUT).
# Skips (exit 77) when not root or when ip netns, veth or tcpreplay are not
# available. Everything is removed on exit, also when a check fails.

BIN=${RASFLOW_BIN:?RASFLOW_BIN not set}
SRC=${RASFLOW_SRCDIR:?RASFLOW_SRCDIR not set}
NS=rfmon$$
IF_OUT=rfo$$
IF_IN=rfi$$
MON_PID=
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rasflow-monitor.XXXXXX") || exit 99

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	for f in "$TMP"/out "$TMP"/err; do
		[ -f "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
	done
	exit 1
}

cleanup() {
	if [ -n "$MON_PID" ]; then
		kill -KILL "$MON_PID" 2>/dev/null
		wait "$MON_PID" 2>/dev/null
	fi
	ip link del "$IF_OUT" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null 2>&1 || skip "no ip command"
command -v tcpreplay >/dev/null 2>&1 || skip "no tcpreplay"
ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"
ip link add "$IF_OUT" type veth peer name "$IF_IN" 2>/dev/null || skip "cannot create a veth pair"
ip link set "$IF_IN" netns "$NS" || fail "cannot move $IF_IN into $NS"
# no IPv6 on the pair: no router solicitations or MLD reports in the capture
sysctl -qw "net.ipv6.conf.$IF_OUT.disable_ipv6=1" 2>/dev/null
ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$IF_IN.disable_ipv6=1" 2>/dev/null
ip link set "$IF_OUT" up || fail "cannot bring $IF_OUT up"
ip -n "$NS" link set "$IF_IN" up || fail "cannot bring $IF_IN up"

# wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.1 s until COMMAND
# succeeds; fail after SECONDS.
wait_for() {
	limit=$(($1 * 10))
	what=$2
	shift 2
	n=0
	until "$@"; do
		n=$((n + 1))
		[ "$n" -ge "$limit" ] && fail "timed out after $((limit / 10)) s waiting for $what"
		sleep 0.1
	done
}

# start_monitor ARGS...: rasflow monitor on $IF_IN in the namespace, output
# in $TMP/out and $TMP/err; returns once it captures.
start_monitor() {
	ip netns exec "$NS" "$BIN" monitor -i "$IF_IN" "$@" >"$TMP/out" 2>"$TMP/err" &
	MON_PID=$!
	wait_for 10 "the monitor to start" grep -q "capturing on" "$TMP/err"
}

# stop_monitor SIGNAL: send it, wait (bounded) for the exit; sets MON_RC.
stop_monitor() {
	kill "-$1" "$MON_PID" || fail "monitor is not running"
	n=0
	while kill -0 "$MON_PID" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -ge 300 ] && fail "monitor did not exit within 30 s of SIG$1"
		sleep 0.1
	done
	wait "$MON_PID"
	MON_RC=$?
	MON_PID=
}

replay() {
	tcpreplay -q -i "$IF_OUT" --topspeed "$1" >"$TMP/replay" 2>&1 ||
		fail "tcpreplay $1: $(cat "$TMP/replay")"
}

# count PATTERN: lines of the output with this fixed string
count() {
	grep -cF -- "$1" "$TMP/out"
}

has() {
	grep -qF -- "$1" "$TMP/out"
}
