#!/bin/sh
# run.sh — rasflow monitor end to end on a veth pair: replay the failed
# deployment and expect its failures as alerts (RST, ICMP, SYN timer), each
# once per edge, then SIGTERM: the final report and exit status 1.
. "$(dirname "$0")/lib.sh"

start_monitor --site "$SRC/pcaps/failed-deployment.site" --format jsonl -Z root
replay "$SRC/pcaps/failed-deployment.pcap"
expect_failed_deployment_alerts
stop_monitor TERM
expect_failed_deployment_report
echo "ok: 5 alerts, final report, exit 1"
exit 0
