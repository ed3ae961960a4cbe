#!/bin/sh
# erspan.sh — rasflow monitor on a veth pair fed by a remote mirror session:
# the failed deployment, every frame inside ERSPAN type II over GRE (rasgen's
# `link erspan`), must raise the same alerts as the plain replay (run.sh),
# each once per edge, and the tunnel's own GRE flow none.
. "$(dirname "$0")/lib.sh"

RASGEN=${RASFLOW_BUILDDIR:?RASFLOW_BUILDDIR not set}/tools/rasgen
[ -x "$RASGEN" ] || skip "no rasgen (built without libnet)"
{
	cat "$SRC/pcaps/failed-deployment.scn"
	echo "link erspan sw9 col9"
	echo "host sw9  10.99.0.1"
	echo "host col9 10.99.0.2"
} >"$TMP/erspan.scn"
"$RASGEN" "$TMP/erspan.scn" -o "$TMP/erspan.pcap" 2>"$TMP/rasgen" ||
	fail "rasgen: $(cat "$TMP/rasgen")"

start_monitor --site "$SRC/pcaps/failed-deployment.site" --format jsonl -Z root
replay "$TMP/erspan.pcap"

refused='"kind":"failed","severity":"error","rule":"brk-rdsh","proto":"tcp","src":"10.20.0.10","dst":"10.20.1.22","dport":30004'
icmp13='"kind":"failed","severity":"error","rule":"gw-brk","proto":"tcp","src":"10.20.0.20","dst":"10.20.0.11","dport":20002'
unanswered='"kind":"failed","severity":"error","rule":"rdsh-brk","proto":"tcp","src":"10.20.1.21","dst":"10.20.0.10","dport":20003'

wait_for 10 "the refused cb1 -> rdsh2 tcp/30004 alert" has "$refused"
wait_for 10 "the ICMP code 13 alert for gw1 -> cb2 tcp/20002" has "$icmp13"
wait_for 15 "the unanswered rdsh1 -> cb1 tcp/20003 alert" has "$unanswered"
wait_for 10 "the ICMPv6 alert" has '"src":"fd00:20::20","dst":"fd00:20::10","dport":20002'
wait_for 10 "the ICMP port unreachable alert" has '"proto":"udp","src":"10.20.0.20","dst":"10.20.0.10","dport":20009'
for p in "$refused" "$icmp13" "$unanswered"; do
	[ "$(count "$p")" -eq 1 ] || fail "expected exactly one alert for $p, got $(count "$p")"
done
[ "$(count '"type":"alert"')" -eq 5 ] || fail "expected 5 alerts, got $(count '"type":"alert"')"
has '"src":"10.99.0.1"' && grep -F '"src":"10.99.0.1"' "$TMP/out" | grep -qF '"type":"alert"' &&
	fail "the GRE flow of the mirror session alerted"

stop_monitor TERM
[ "$MON_RC" -eq 1 ] || fail "exit status $MON_RC after SIGTERM, expected 1 (findings)"
[ "$(count '"type":"finding"')" -eq 5 ] ||
	fail "expected 5 findings in the final report, got $(count '"type":"finding"')"
grep -F '"type":"summary"' "$TMP/out" | grep -qF '"failed":5' ||
	fail "the final summary does not count 5 failed edges"
echo "ok: 5 alerts through ERSPAN, final report, exit 1"
exit 0
