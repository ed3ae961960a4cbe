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
expect_failed_deployment_alerts
grep -F '"type":"alert"' "$TMP/out" | grep -qF '"src":"10.99.0.1"' &&
	fail "the GRE flow of the mirror session alerted"
stop_monitor TERM
expect_failed_deployment_report
echo "ok: 5 alerts through ERSPAN, final report, exit 1"
exit 0
