#!/bin/sh
# dedup.sh — rasflow monitor behind a mirror that copies every packet twice:
# the failed deployment with each frame written twice, back to back (as a
# session mirroring two ports of the same path delivers it). With --dedup
# the monitor counts 460 copies (one per packet of the capture), keeps them
# out of the flows (rdsh1's 20 SYNs to cb1 tcp/20003 stay 20 packets, not
# 40) and raises the same five alerts; without it the copies are counted and
# the packets double. Replayed as fast as possible, the 67 s pass in about
# 1 ms, so this also shows that packets alike but for what an ICMP error
# quotes (fd00:20::1's five errors, whose checksums are equal) or an IPv4 id
# (rdsh1's SYN retries) are not taken for copies: exactly 460.
. "$(dirname "$0")/lib.sh"

python3 - "$SRC/pcaps/failed-deployment.pcap" "$TMP/twice.pcap" <<'PY' || fail "cannot write the doubled capture"
import struct, sys
src = open(sys.argv[1], "rb").read()
out = [src[:24]]
endian = "<" if src[:4] == b"\xd4\xc3\xb2\xa1" else ">"
i = 24
while i + 16 <= len(src):
    incl = struct.unpack(endian + "I", src[i + 8:i + 12])[0]
    rec = src[i:i + 16 + incl]
    out += [rec, rec]
    i += 16 + incl
open(sys.argv[2], "wb").write(b"".join(out))
PY

EDGE='"type":"edge","proto":"tcp","src":"10.20.1.21","dst":"10.20.0.10","dport":20003'

start_monitor --dedup --site "$SRC/pcaps/failed-deployment.site" --format jsonl -Z root
replay "$TMP/twice.pcap"
expect_failed_deployment_alerts
stop_monitor TERM
expect_failed_deployment_report
grep -F '"type":"capture"' "$TMP/out" | grep -qF '"copies":460,"copies_dropped":true' ||
	fail "the final report does not count 460 dropped copies: $(grep -F '"type":"capture"' "$TMP/out" | cut -c1-600)"
grep -F -- "$EDGE" "$TMP/out" | grep -qF '"packets":20,' ||
	fail "rdsh1 -> cb1 tcp/20003: not 20 packets with --dedup"

start_monitor --site "$SRC/pcaps/failed-deployment.site" --format jsonl -Z root
replay "$TMP/twice.pcap"
wait_for 15 "the unanswered rdsh1 -> cb1 tcp/20003 alert" has "$FD_UNANSWERED"
stop_monitor TERM
grep -F '"type":"capture"' "$TMP/out" | grep -qF '"copies":460,"copies_dropped":false' ||
	fail "without --dedup the final report does not count 460 copies"
grep -F -- "$EDGE" "$TMP/out" | grep -qF '"packets":40,' ||
	fail "rdsh1 -> cb1 tcp/20003: not 40 packets without --dedup"
echo "ok: 460 copies dropped with --dedup (same 5 alerts), counted and kept without"
exit 0
