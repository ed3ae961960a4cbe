#!/bin/sh
# options.sh — monitor's live capture options reach the interface: by
# default the monitor captures in promiscuous mode (the veth's promiscuity
# count goes up while it runs) with a 65535-byte snapshot; with -s 128 -B
# 4096 -p --immediate-mode libpcap reports the 128-byte snapshot it set, the
# interface is not made promiscuous, and the failed deployment still gives
# its five alerts (its headers, the ICMPv6 errors' quotes included, fit in
# 128 bytes).
. "$(dirname "$0")/lib.sh"

promiscuity() {
	ip -n "$NS" -d link show "$IF_IN" | sed -n 's/.* promiscuity \([0-9]*\).*/\1/p'
}

[ "$(promiscuity)" = 0 ] || fail "$IF_IN is promiscuous before the monitor starts"

start_monitor --no-dpi -Z root
grep -qF "capturing on $IF_IN (snaplen 65535, buffer 32768 KiB, promiscuous)" "$TMP/err" ||
	fail "default settings not reported: $(cat "$TMP/err")"
[ "$(promiscuity)" -ge 1 ] || fail "the monitor did not make $IF_IN promiscuous"
stop_monitor TERM

start_monitor -s 128 -B 4096 -p --immediate-mode --site "$SRC/pcaps/failed-deployment.site" \
	--format jsonl -Z root
grep -qF "capturing on $IF_IN (snaplen 128, buffer 4096 KiB, not promiscuous, immediate)" \
	"$TMP/err" || fail "options not applied: $(cat "$TMP/err")"
[ "$(promiscuity)" = 0 ] || fail "-p: $IF_IN was made promiscuous"
replay "$SRC/pcaps/failed-deployment.pcap"
expect_failed_deployment_alerts
stop_monitor TERM
expect_failed_deployment_report
echo "ok: defaults promiscuous 65535; -s 128 -B 4096 -p --immediate-mode applied, 5 alerts"
exit 0
