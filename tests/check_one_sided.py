#!/usr/bin/env python3
"""TCP connections captured one way only, against tshark.

A mirror that copies one direction, or replies routed around the capture
point, leave connections that worked with nothing captured the other way.
rasflow calls such a flow one-sided (sides.c) when

  - only the initiator's packets were captured, and after its SYN it sent
    an ACK (no SYN, no RST): a stack ACKs only a SYN/ACK it received; or
  - only the responder's packets were captured: a SYN/ACK and payload.

This test finds the same connections with tshark (its tcp.stream, the flags
and tcp.len of each frame, ICMP errors' quoted headers left out) in every
bundled capture and, when ../shared/pcaps/public exists, every public one,
and compares them with `analyze --all --format json`:

  - per edge (initiator, responder, tcp, port): its `one_sided` count;
  - capture.one_sided: the directed host pairs whose one-sided connections
    had no packet at all the other way, and their counts.

pcaps/one-way-mirror.pcap must have some, so the comparison is never empty
by accident. Skips (exit 77) without tshark.
"""
import collections
import os
import shutil
import subprocess
import sys

from sample_captures import captures, reports

SRC = os.environ["RASFLOW_SRCDIR"]
RASFLOW = os.environ["RASFLOW_BIN"]

SYN, RST, ACK = 0x02, 0x04, 0x10
FIELDS = ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.stream", "tcp.srcport",
          "tcp.dstport", "tcp.flags", "tcp.len"]


def frames(cap):
    """(src, dst, tcp) of every IP frame but ICMP errors, in one tshark pass:
    the innermost addresses (tunnels), tcp = (stream, sport, dport, flags,
    len) or None. No IP reassembly: rasflow does none, and a garbage
    fragment tshark reassembles can read as any TCP header."""
    out = subprocess.run(["tshark", "-n", "-r", cap, "-o", "ip.defragment:FALSE",
                          "-Y", "(ip || ipv6) && !(icmp.type == 3) && !(icmpv6.type == 1)",
                          "-T", "fields", "-E", "separator=\t", "-E", "occurrence=l"]
                         + [a for f in FIELDS for a in ("-e", f)],
                         capture_output=True, text=True)
    for line in out.stdout.splitlines():
        r = line.split("\t")
        if len(r) < len(FIELDS):
            continue
        tcp = None
        if r[4] and r[7]:	# no flags: a header cut short (snaplen)
            tcp = (r[4], int(r[5]), int(r[6]), int(r[7], 16), int(r[8] or 0))
        yield r[0] or r[1], r[2] or r[3], tcp


def expected(cap):
    """From tshark: one-sided flows per edge, and per directed host pair
    (the captured direction) with no packet at all the other way."""
    streams = collections.defaultdict(list)
    traffic = set()
    for src, dst, tcp in frames(cap):
        traffic.add((src, dst))
        if tcp is not None:
            streams[tcp[0]].append((src, dst) + tcp[1:])
    edges, pairs = collections.Counter(), collections.Counter()
    for fr in streams.values():
        syn = [f for f in fr if f[4] & (SYN | ACK) == SYN]
        synack = [f for f in fr if f[4] & (SYN | ACK) == SYN | ACK]
        senders = {(f[0], f[2]) for f in fr}
        if syn:
            i, r = (syn[0][0], syn[0][2]), (syn[0][1], syn[0][3])
            acked = any(f[4] & ACK and not f[4] & (SYN | RST) and (f[0], f[2]) == i
                        for f in fr[fr.index(syn[0]):])
            if senders == {i} and acked:
                edges[(i[0], r[0], "tcp", r[1])] += 1
                pairs[(i[0], r[0])] += 1
        elif synack:
            r, i = (synack[0][0], synack[0][2]), (synack[0][1], synack[0][3])
            if senders == {r} and any(f[5] > 0 for f in fr):
                edges[(i[0], r[0], "tcp", r[1])] += 1
                pairs[(r[0], i[0])] += 1
    return edges, {d: n for d, n in pairs.items() if (d[1], d[0]) not in traffic}


def main():
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 77
    caps = captures(SRC)
    fails, total, with_some = [], 0, 0
    for name, cap, doc in reports(caps, SRC, RASFLOW, fails):
        want, want_pairs = expected(cap)
        got = collections.Counter({(e["src"], e["dst"], e["proto"], e["dport"]): e["one_sided"]
                                   for e in doc["edges"] if e["one_sided"]})
        if got != want:
            fails.append("%s: one-sided flows per edge: rasflow %s, tshark %s"
                         % (name, dict(got), dict(want)))
        got_pairs = {(p["from"], p["to"]): p["flows"] for p in doc["capture"]["one_sided"]}
        if got_pairs != want_pairs:
            fails.append("%s: capture.one_sided: rasflow %s, tshark %s"
                         % (name, got_pairs, want_pairs))
        total += sum(want.values())
        with_some += bool(want)
        if name == os.path.join("pcaps", "one-way-mirror.pcap") and not want:
            fails.append("%s: tshark finds no one-sided connection in it" % name)
    for f in fails:
        print("FAIL:", f)
    print("one-sided: %d captures, %d with one-sided connections, %d connections; %s"
          % (len(caps), with_some, total, "ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
