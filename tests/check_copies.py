#!/usr/bin/env python3
"""A mirror's copies of a packet, against tshark.

rasflow counts a decoded frame as a copy when the same IP packet (all but
the TTL or hop limit and the IPv4 header checksum) came less than 1 ms
after its first sighting (dedup.h). tshark knows no such thing, so this
test derives it from tshark's fields: a frame's identity is its IP header
fields (addresses, id, lengths, DSCP/ECN, protocol, flags, fragment
offset; IPv6 payload length, next header, traffic class, flow label,
fragment offset and id) and those of the first TCP, UDP
or ICMP header inside (ports, sequence and acknowledgement numbers, flags,
window, and the checksum, which covers the payload), the first of each
where a frame carries several (tunnels, ICMP quotes), as rasflow judges a
frame by its own packet. A frame is a copy when a frame of the same
identity came at most 1000 us before it and is not itself a copy.

Every bundled capture and, when ../shared/pcaps/public exists, every
public one: capture.copies of `analyze --format json` must equal the count.
pcaps/two-link-types.pcapng (each packet captured on two interfaces) must
have some, so the comparison is never empty by accident. Then --dedup on
it: half its IP frames gone from the edges' packets, outcomes unchanged.

Skips (exit 77) without tshark.
"""
import collections
import heapq
import os
import shutil
import subprocess
import sys

from sample_captures import analyze_json, captures, reports

SRC = os.environ["RASFLOW_SRCDIR"]
RASFLOW = os.environ["RASFLOW_BIN"]
WINDOW_US = 1000

# Captures where tshark's fields cannot tell what rasflow's bytes can:
# name -> (rasflow's count, the fields' count, why), checked by hand.
JUSTIFIED = {
    "tcpdump-vrrp-vrrp_print-oobr-2.pcap": (
        1, 2, "fuzzed IPv4 fragments of VRRP that tshark does not dissect: frames 3, 5 and 7 "
        "have the same IP header fields, but 5 differs from 3 in the VRRP bytes (offsets "
        "0x23-0x27 of the frame) and 7 from 3 only in the TTL: one copy"),
}

IDENTITY = ["ip.src", "ip.dst", "ip.id", "ip.len", "ip.proto", "ip.flags", "ip.frag_offset",
            "ip.dsfield", "ip.hdr_len",
            "ipv6.src", "ipv6.dst", "ipv6.plen", "ipv6.nxt", "ipv6.flow", "ipv6.tclass",
            "ipv6.fraghdr.offset", "ipv6.fraghdr.more", "ipv6.fraghdr.ident",
            "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags",
            "tcp.window_size_value", "tcp.checksum",
            "udp.srcport", "udp.dstport", "udp.length", "udp.checksum",
            "icmp.type", "icmp.code", "icmp.checksum", "icmpv6.type", "icmpv6.code",
            "icmpv6.checksum"]


def tshark_copies(cap):
    run = subprocess.run(["tshark", "-n", "-r", cap, "-o", "ip.defragment:FALSE",
                          "-o", "ipv6.defragment:FALSE",
                          "-Y", "ip || ipv6", "-T", "fields", "-E", "separator=\t",
                          "-E", "occurrence=f", "-e", "frame.encap_type", "-e", "frame.time_epoch"]
                         + [a for f in IDENTITY for a in ("-e", f)],
                         capture_output=True, text=True)
    if "aren't valid" in run.stderr:	# a field this tshark lacks: not "no copies"
        raise SystemExit("tshark: %s" % run.stderr.strip())
    out = run.stdout	# a cut capture ends with an error after what it read
    by_type = collections.defaultdict(list)
    for line in out.splitlines():
        f = line.split("\t")
        sec, _, frac = f[1].partition(".")
        us = int(sec) * 1000000 + int((frac + "000000")[:6])	# libpcap truncates
        by_type[f[0]].append((us, tuple(f[2:])))
    # a pcapng of several link types is read as one view per type, merged
    # in time order (capture.c); within a view, file order
    frames = heapq.merge(*by_type.values(), key=lambda x: x[0])
    first = {}
    copies = 0
    for us, key in frames:
        if key in first and 0 <= us - first[key] <= WINDOW_US:
            copies += 1
        else:
            first[key] = us
    return copies


def main():
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 77
    caps = captures(SRC)
    fails, total, with_some = [], 0, 0
    for name, cap, doc in reports(caps, SRC, RASFLOW, fails):
        want = tshark_copies(cap)
        got = doc["capture"]["copies"]
        just = JUSTIFIED.get(os.path.basename(cap))
        if just is not None and (got, want) == just[:2]:
            print("justified: %s: rasflow %d, tshark's fields %d: %s" % (name, got, want, just[2]))
            want = got
        if got != want or doc["capture"]["copies_dropped"]:
            fails.append("%s: copies: rasflow %s (dropped %s), tshark %d"
                         % (name, got, doc["capture"]["copies_dropped"], want))
        total += want
        with_some += want > 0

    two = os.path.join(SRC, "pcaps", "two-link-types.pcapng")
    plain, _ = analyze_json(RASFLOW, two)
    dedup, _ = analyze_json(RASFLOW, two, "--dedup")
    if plain is None or dedup is None or plain["capture"]["copies"] == 0:
        fails.append("two-link-types.pcapng: no copies found")
    else:
        edges = {(e["proto"], e["src"], e["dst"], e["dport"]): e for e in plain["edges"]}
        for e in dedup["edges"]:
            p = edges.get((e["proto"], e["src"], e["dst"], e["dport"]))
            if p is None or 2 * e["packets"] != p["packets"] or e["outcome"] != p["outcome"]:
                fails.append("two-link-types.pcapng --dedup: edge %s %s -> %s %s: %s, without "
                             "--dedup %s" % (e["proto"], e["src"], e["dst"], e["dport"],
                                             (e["packets"], e["outcome"]),
                                             p and (p["packets"], p["outcome"])))
        if not dedup["capture"]["copies_dropped"] or \
           dedup["capture"]["copies"] != plain["capture"]["copies"]:
            fails.append("two-link-types.pcapng --dedup: capture %r" % dedup["capture"])
    for f in fails:
        print("FAIL:", f)
    print("copies: %d captures, %d with copies, %d copies; %s"
          % (len(caps), with_some, total, "ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
