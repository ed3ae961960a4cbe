#!/bin/sh
# run.sh — rasflow monitor end to end on a veth pair: replay the failed
# deployment and expect its failures as alerts (RST, ICMP, SYN timer), each
# once per edge, then SIGTERM: the final report and exit status 1.
. "$(dirname "$0")/lib.sh"

start_monitor --site "$SRC/pcaps/failed-deployment.site" --format jsonl -Z root
replay "$SRC/pcaps/failed-deployment.pcap"

refused='"kind":"failed","severity":"error","rule":"brk-rdsh","proto":"tcp","src":"10.20.0.10","dst":"10.20.1.22","dport":30004'
icmp13='"kind":"failed","severity":"error","rule":"gw-brk","proto":"tcp","src":"10.20.0.20","dst":"10.20.0.11","dport":20002'
unanswered='"kind":"failed","severity":"error","rule":"rdsh-brk","proto":"tcp","src":"10.20.1.21","dst":"10.20.0.10","dport":20003'

wait_for 10 "the refused cb1 -> rdsh2 tcp/30004 alert" has "$refused"
wait_for 10 "the ICMP code 13 alert for gw1 -> cb2 tcp/20002" has "$icmp13"
grep -F -- "$icmp13" "$TMP/out" | grep -qF "(type 3 code 13)" ||
	fail "the gw1 -> cb2 alert does not name ICMP type 3 code 13"
# SYN timer: about 3 s after the SYNs were seen (--syn-timeout default)
wait_for 15 "the unanswered rdsh1 -> cb1 tcp/20003 alert" has "$unanswered"
grep -F -- "$unanswered" "$TMP/out" | grep -qF "no answer after 3 s" ||
	fail "the rdsh1 -> cb1 alert does not come from the SYN timer"
wait_for 10 "the ICMPv6 alert" has '"src":"fd00:20::20","dst":"fd00:20::10","dport":20002'
wait_for 10 "the ICMP port unreachable alert" has '"proto":"udp","src":"10.20.0.20","dst":"10.20.0.10","dport":20009'

# five rounds of each failure in the capture, one alert per edge
for p in "$refused" "$icmp13" "$unanswered"; do
	[ "$(count "$p")" -eq 1 ] || fail "expected exactly one alert for $p, got $(count "$p")"
done
[ "$(count '"type":"alert"')" -eq 5 ] || fail "expected 5 alerts, got $(count '"type":"alert"')"
# the working edges (gw1 -> cb1 20002, rdsh2 -> cb1 20003, brokers) do not alert
has '"src":"10.20.1.22","dst":"10.20.0.10"' && fail "rdsh2 -> cb1 (working) alerted"

stop_monitor TERM
[ "$MON_RC" -eq 1 ] || fail "exit status $MON_RC after SIGTERM, expected 1 (findings)"
has '"type":"capture"' || fail "no capture line in the final report"
[ "$(count '"type":"finding"')" -eq 5 ] ||
	fail "expected 5 findings in the final report, got $(count '"type":"finding"')"
has '"type":"summary","edges":' || fail "no summary line in the final report"
grep -F '"type":"summary"' "$TMP/out" | grep -qF '"failed":5' ||
	fail "the final summary does not count 5 failed edges"
echo "ok: 5 alerts, final report, exit 1"
exit 0
