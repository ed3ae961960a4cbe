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

# The failed deployment's live alerts (pcaps/failed-deployment.scn), for the
# tests that replay it (run.sh plainly, erspan.sh inside ERSPAN): the refused,
# ICMP-rejected and unanswered TCP attempts, the ICMPv6 and the ICMP port
# unreachable, each alerted exactly once although the capture repeats them.
FD_REFUSED='"kind":"failed","severity":"error","rule":"brk-rdsh","proto":"tcp","src":"10.20.0.10","dst":"10.20.1.22","dport":30004'
FD_ICMP13='"kind":"failed","severity":"error","rule":"gw-brk","proto":"tcp","src":"10.20.0.20","dst":"10.20.0.11","dport":20002'
FD_UNANSWERED='"kind":"failed","severity":"error","rule":"rdsh-brk","proto":"tcp","src":"10.20.1.21","dst":"10.20.0.10","dport":20003'

expect_failed_deployment_alerts() {
	wait_for 10 "the refused cb1 -> rdsh2 tcp/30004 alert" has "$FD_REFUSED"
	wait_for 10 "the ICMP code 13 alert for gw1 -> cb2 tcp/20002" has "$FD_ICMP13"
	grep -F -- "$FD_ICMP13" "$TMP/out" | grep -qF "(type 3 code 13)" ||
		fail "the gw1 -> cb2 alert does not name ICMP type 3 code 13"
	# SYN timer: about 3 s after the SYNs were seen (--syn-timeout default)
	wait_for 15 "the unanswered rdsh1 -> cb1 tcp/20003 alert" has "$FD_UNANSWERED"
	grep -F -- "$FD_UNANSWERED" "$TMP/out" | grep -qF "no answer after 3 s" ||
		fail "the rdsh1 -> cb1 alert does not come from the SYN timer"
	wait_for 10 "the ICMPv6 alert" has '"src":"fd00:20::20","dst":"fd00:20::10","dport":20002'
	wait_for 10 "the ICMP port unreachable alert" \
		has '"proto":"udp","src":"10.20.0.20","dst":"10.20.0.10","dport":20009'
	# five rounds of each failure in the capture, one alert per edge
	for p in "$FD_REFUSED" "$FD_ICMP13" "$FD_UNANSWERED"; do
		[ "$(count "$p")" -eq 1 ] || fail "expected exactly one alert for $p, got $(count "$p")"
	done
	[ "$(count '"type":"alert"')" -eq 5 ] || fail "expected 5 alerts, got $(count '"type":"alert"')"
	# the working edges (gw1 -> cb1 20002, rdsh2 -> cb1 20003, brokers) do not alert
	has '"src":"10.20.1.22","dst":"10.20.0.10"' && fail "rdsh2 -> cb1 (working) alerted"
	return 0
}

# After stop_monitor TERM: exit status 1 and the final report's 5 findings.
expect_failed_deployment_report() {
	[ "$MON_RC" -eq 1 ] || fail "exit status $MON_RC after SIGTERM, expected 1 (findings)"
	has '"type":"capture"' || fail "no capture line in the final report"
	[ "$(count '"type":"finding"')" -eq 5 ] ||
		fail "expected 5 findings in the final report, got $(count '"type":"finding"')"
	has '"type":"summary","edges":' || fail "no summary line in the final report"
	grep -F '"type":"summary"' "$TMP/out" | grep -qF '"failed":5' ||
		fail "the final summary does not count 5 failed edges"
}
