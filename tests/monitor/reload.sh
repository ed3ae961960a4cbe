#!/bin/sh
# reload.sh — rasflow monitor's SIGHUP reload and periodic summary on a veth
# pair: a broken site file is refused with file:line:col and monitoring goes
# on; a good one is taken, and the traffic replayed afterwards is judged by
# it. --interval 1 prints a stats line every second.
. "$(dirname "$0")/lib.sh"

site="$TMP/site"
cp "$SRC/pcaps/failed-deployment.site" "$site" || fail "cannot copy the site file"
start_monitor --site "$site" --format jsonl --interval 1 -Z root

# the periodic summary, with the pcap_stats counters
wait_for 10 "a stats line" has '"type":"stats"'
grep -F '"type":"stats"' "$TMP/out" | head -n 1 | grep -q '"kernel_drops":[0-9]' ||
	fail "the stats line has no kernel drop counter"

# a broken site: refused, the monitor says why and goes on
printf '10.20.0.10 broker cb1\n10.20.0.99 brokr cb9\n' >"$site"
kill -HUP "$MON_PID"
wait_for 10 "the reload error" grep -qF "$site:2:12:" "$TMP/err"
grep -qF "reload failed" "$TMP/err" || fail "no 'reload failed' after a broken site"
before=$(count '"type":"stats"')
wait_for 10 "stats lines after the failed reload" \
	sh -c "[ \$(grep -cF '\"type\":\"stats\"' '$TMP/out') -ge $((before + 2)) ]"
kill -0 "$MON_PID" 2>/dev/null || fail "the monitor died after a broken reload"

# a good site: taken; cli1 is now a client, so cli1 -> rdsh1 tcp/30004 is
# unexpected (with the old site cli1 was unknown and could have been a broker)
cp "$SRC/pcaps/rogue-traffic.site" "$site" || fail "cannot copy the site file"
kill -HUP "$MON_PID"
wait_for 10 "the reload" grep -qF "reloaded:" "$TMP/err"
replay "$SRC/pcaps/rogue-traffic.pcap"
wait_for 10 "the unexpected cli1 -> rdsh1 tcp/30004 alert" \
	has '"kind":"unexpected","severity":"notice","rule":null,"proto":"tcp","src":"10.20.9.50","dst":"10.20.1.21","dport":30004'
wait_for 10 "the unexpected rdsh1 -> rdsh2 tcp/20003 alert" \
	has '"kind":"unexpected","severity":"warning","rule":null,"proto":"tcp","src":"10.20.1.21","dst":"10.20.1.22","dport":20003'
wait_for 10 "the loopback-only tcp/30005 alert" \
	has '"kind":"unexpected","severity":"warning","rule":"rdsh-local","proto":"tcp","src":"10.20.1.22","dst":"10.20.1.21","dport":30005'
# twice in the capture, alerted once
[ "$(count '"src":"10.20.9.50","dst":"10.20.1.21","dport":30004')" -eq 1 ] ||
	fail "cli1 -> rdsh1 alerted more than once"
# gw1 -> sql1 tcp/1433 is ignored (not a RAS port, sql is infrastructure)
has '"dst":"10.20.0.80"' && fail "gw1 -> sql1 alerted"
# the next summary counts the unexpected edges
wait_for 10 "a stats line counting 3 unexpected edges" \
	sh -c "grep -F '\"type\":\"stats\"' '$TMP/out' | grep -qF '\"unexpected\":3'"

stop_monitor INT
[ "$MON_RC" -eq 1 ] || fail "exit status $MON_RC after SIGINT, expected 1 (findings)"
has '"type":"summary"' || fail "no final report"
# the final report uses the reloaded site: cli1 is named by its network
has '"type":"finding","kind":"unexpected"' || fail "the final report has no unexpected finding"
echo "ok: reload refused and taken, stats every second, exit 1"
exit 0
