#!/bin/sh
# oneway.sh — rasflow monitor behind a one-way mirror: the replay of
# pcaps/one-way-mirror.pcap holds nothing cb1 sent to rdsh1. rdsh1's
# connections to cb1 tcp/20003 worked (rdsh1 ACKed SYN/ACKs the mirror did
# not copy) and must not be called unanswered when the SYN timer runs out;
# cb1's to rdsh1 tcp/30004 (rdsh1's SYN/ACKs and data only) neither. The
# real failure, gw1's unanswered SYNs to cb1 tcp/20002, is alerted as an
# error; rdsh1's datagram to cb1 udp/20003, unanswered as far as the capture
# shows, as a warning that says the capture holds only rdsh1 -> cb1 (the
# monitor learnt that from rdsh1's connections). Exactly two alerts; the
# stats count the one pair.
. "$(dirname "$0")/lib.sh"

GW='"kind":"failed","severity":"error","rule":"gw-brk","proto":"tcp","src":"10.20.0.20","dst":"10.20.0.10","dport":20002'
UDP='"kind":"failed","severity":"warning","rule":"rdsh-brk","proto":"udp","src":"10.20.1.21","dst":"10.20.0.10","dport":20003'

start_monitor --site "$SRC/pcaps/one-way-mirror.site" --format jsonl --interval 1 -Z root
replay "$SRC/pcaps/one-way-mirror.pcap"
# SYN timer: about 3 s after the SYNs were seen (--syn-timeout default)
wait_for 15 "the unanswered gw1 -> cb1 tcp/20002 alert" has "$GW"
wait_for 10 "the udp/20003 warning" has "$UDP"
grep -F -- "$UDP" "$TMP/out" | grep -qF 'the capture holds only rdsh1 (10.20.1.21) → cb1 (10.20.0.10) traffic' ||
	fail "the udp/20003 warning does not say the capture is one-sided"
wait_for 5 "a stats line with the one-way pair" has '"one_way_pairs":1,'
has '"proto":"tcp","src":"10.20.1.21"' && fail "rdsh1 -> cb1 tcp/20003 (working, seen one way) alerted"
has '"proto":"tcp","src":"10.20.0.10","dst":"10.20.1.21"' &&
	fail "cb1 -> rdsh1 tcp/30004 (working, seen one way) alerted"
[ "$(count '"type":"alert"')" -eq 2 ] || fail "expected 2 alerts, got $(count '"type":"alert"')"
stop_monitor TERM
echo "ok: behind a one-way mirror, only the 2 real alerts"
exit 0
