#!/usr/bin/env python3
"""engine-vs-tshark: rasflow's packet and flow counts against tshark's.

For every capture in $RASFLOW_SHARED/pcaps/public, tools/flowcount (rasflow's
capture -> decode -> flow table, default options) gives the packets read and
the TCP and UDP flows; tshark gives the frames (-z io,phs) and its TCP and
UDP conversations (-z conv,tcp -z conv,udp). They must agree, except where a
difference is listed below with its reason; each was checked by hand with
tshark -V / -T fields and `flowcount -v` (flows and decode failures).
A listed file must still differ exactly as listed: a change either way fails
the test, so the list cannot go stale silently.

Skips (exit 77) when the shared folder or tshark is absent.
"""
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SKIP = 77

# Why the counts may differ. tshark counts one conversation per address/port
# pair (whatever the time between packets) and decodes every encapsulation;
# rasflow splits a pair into flows by idle timeout and TCP port reuse
# (src/flow.c), decodes the tunnels of decode.h (IP in IP, GRE, ERSPAN, VXLAN,
# GTP-U: like tshark it counts both the tunnel's own flow and the inner one),
# PPPoE and MPLS, and skips frames it cannot decode.
QINQINQ = ("three stacked VLAN tags: rasflow walks at most two (undecoded, vlan_depth); "
           "tshark counts the conversation")
UDP_SPLIT = ("rasflow ends a UDP flow after 120 s idle and starts a new one on the next "
             "packet; tshark keeps one conversation per address/port pair")
SNMP = ("tshark's SNMP dissector starts a new UDP conversation for each request/response "
        "exchange on the same address/port pair (with --disable-protocol snmp tshark "
        "counts 17, as rasflow does)")
FUZZ = ("fuzzed capture: frames with corrupt headers (bad UDP length, IP version, "
        "ethertype) that tshark still files under a conversation and rasflow counts as "
        "undecoded; the garbled timestamps also split pairs by rasflow's idle timeouts")

# file -> (rasflow (packets, tcp, udp), tshark (packets, tcp, udp), reason)
KNOWN = {
    "ndpi-4in4tunnel.pcap": ((5, 0, 5), (5, 0, 1),
                             UDP_SPLIT + " (inside the IPv4-in-IPv4 tunnel: "
                             "10.10.100.25:62367 -> 10.10.101.2:17000, 5 datagrams about "
                             "30,000 s apart)"),
    "ndpi-6in4tunnel.pcap": ((127, 6, 2), (127, 5, 2),
                             "inside the IPv6-in-IPv4 tunnel, frame 3 is an ICMPv6 "
                             "address unreachable (from 2001:470:1f16:13f::2) quoting TCP "
                             "2604:a880:1:20::224:b001:993 -> ...:60491, a connection with "
                             "no packet in the capture: rasflow makes a flow for the "
                             "attempt the error reports (src/flow.c); tshark counts only "
                             "conversations with packets"),
    "zeek-vlan-qinqinq.pcap": ((14, 0, 0), (14, 1, 0), QINQINQ),
    "ndpi-snmp.pcap": ((72, 0, 17), (72, 0, 34), SNMP),
    "ndpi-syslog.pcap": ((94, 1, 21), (94, 1, 20),
                         UDP_SPLIT + " (192.168.121.10:50080, 149 s gap)"),
    "ndpi-reasm_crash_anon.pcapng": ((209, 3, 0), (209, 1, 0),
                                     "fuzzed FIN/RST flags put the flow in closing state; "
                                     "30.1 s gaps then exceed rasflow's 30 s closing "
                                     "timeout, so one pair is 3 flows; tshark keeps 1"),
    "ndpi-ip_fragmented_garbage.pcap": ((1252, 0, 0), (1252, 2, 0),
                                        "tshark reassembles the IP fragments and finds TCP "
                                        "headers; rasflow does not reassemble and the "
                                        "first fragments carry less than a TCP header "
                                        "(undecoded, l4_short)"),
    "ndpi-fuzz-2006-09-29-28586.pcap": ((131, 36, 0), (131, 37, 0),
                                        "frame 27 is a corrupt TCP header (short segment) "
                                        "that tshark takes as a SYN opening a second "
                                        "conversation on 172.20.3.5:2601-172.20.3.13:80; "
                                        "rasflow does not decode it (l4_short)"),
    "ndpi-quic-fuzz-overflow.pcapng": ((1, 0, 1), (1, 0, 0),
                                       "a first IP fragment (MF set, offset 0) whose other "
                                       "fragments are not in the capture: tshark waits for "
                                       "reassembly and never dissects its UDP header; rasflow "
                                       "takes the ports from the first fragment"),
    "tcpdump-heapoverflow-tcp_print.pcap": ((1, 1, 0), (1, 0, 0),
                                            "the 64-byte snaplen cuts the TCP options: tshark "
                                            "stops at 'TCP truncated' before its conversation "
                                            "tap; rasflow reads the ports from the fixed 20 "
                                            "bytes (decode.h: cut options are OK)"),
    "ndpi-fuzz-2006-06-26-2594.pcap": ((691, 23, 214), (691, 23, 221), FUZZ),
    "ndpi-fuzz-2020-02-16-11740.pcap": ((366, 0, 75), (366, 0, 68), FUZZ),
}

# Link types rasflow does not decode: the capture is rejected when opened.
# None of the shared captures now (NFLOG, PPP, Cisco HDLC, Frame Relay and
# PPI were added); a capture rejected and not listed here fails the test.
REJECTED = {
}

FLOWCOUNT_RE = re.compile(r"packets (\d+) tcp (\d+) udp (\d+) ")


def tshark_counts(path):
    """(frames, tcp conversations, udp conversations) from one tshark run."""
    r = subprocess.run(["tshark", "-r", path, "-q", "-n", "-z", "conv,tcp", "-z", "conv,udp",
                        "-z", "io,phs"], capture_output=True, text=True)
    # exit 2 with "cut short": the file ends inside a record; tshark still
    # reports what it read (so does rasflow, with a warning)
    if r.returncode != 0 and not (r.returncode == 2 and "cut short" in r.stderr):
        return None, "tshark failed: " + r.stderr.strip()[-300:]
    section, frames = None, 0
    conv = {"tcp": 0, "udp": 0}
    for line in r.stdout.splitlines():
        if line.startswith("TCP Conversations"):
            section = "tcp"
        elif line.startswith("UDP Conversations"):
            section = "udp"
        elif line.startswith("Protocol Hierarchy Statistics"):
            section = "phs"
        elif line.startswith("="):
            if section in ("tcp", "udp"):
                section = None
        elif section in ("tcp", "udp") and "<->" in line:
            conv[section] += 1
        elif section == "phs" and line[:1] not in ("", " ") and "frames:" in line:
            # top-level protocols (no indent) partition the frames
            frames += int(re.search(r"frames:(\d+)", line).group(1))
    return (frames, conv["tcp"], conv["udp"]), None


def rasflow_counts(flowcount, path):
    """(packets, tcp flows, udp flows), or None and flowcount's message."""
    r = subprocess.run([flowcount, path], capture_output=True, text=True)
    m = FLOWCOUNT_RE.match(r.stdout)
    if r.returncode != 0 or not m:
        return None, (r.stderr.strip() or r.stdout.strip())[-300:]
    return tuple(int(x) for x in m.groups()), None


def check(flowcount, path):
    """One capture: None when as expected, else a message."""
    name = os.path.basename(path)
    tsh, terr = tshark_counts(path)
    if tsh is None:
        return f"{name}: {terr}"
    ras, rerr = rasflow_counts(flowcount, path)
    if name in REJECTED:
        if ras is not None:
            return f"{name}: listed as rejected ({REJECTED[name]}) but rasflow read it: {ras}"
        if "is not supported" not in rerr:
            return f"{name}: expected a link-type rejection, got: {rerr}"
        return None
    if ras is None:
        return f"{name}: rasflow failed: {rerr}"
    if name in KNOWN:
        want_ras, want_tsh, why = KNOWN[name]
        if ras == want_ras and tsh == want_tsh:
            return None
        return (f"{name}: listed difference changed: rasflow {ras} (listed {want_ras}), "
                f"tshark {tsh} (listed {want_tsh}); listed reason: {why}")
    if ras != tsh:
        return (f"{name}: unexplained difference (packets, tcp, udp): rasflow {ras}, "
                f"tshark {tsh}")
    return None


def main():
    shared = os.environ.get("RASFLOW_SHARED", "")
    pdir = os.path.join(shared, "pcaps", "public")
    if not shared or not os.path.isdir(pdir):
        print("SKIP: no shared captures (RASFLOW_SHARED)")
        return SKIP
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return SKIP
    builddir = os.environ.get("RASFLOW_BUILDDIR", "")
    flowcount = os.path.join(builddir, "tools", "flowcount")
    if not os.access(flowcount, os.X_OK):
        print(f"FAIL: {flowcount} not built")
        return 1
    files = sorted(os.path.join(pdir, f) for f in os.listdir(pdir)
                   if f.endswith((".pcap", ".pcapng")))
    missing = sorted((set(KNOWN) | set(REJECTED)) - {os.path.basename(f) for f in files})
    # tshark's start-up (~1 s of CPU each) dominates: run several at once
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 2)) as ex:
        results = list(ex.map(lambda f: check(flowcount, f), files))
    bad = [r for r in results if r]
    bad += [f"{m}: listed but not in {pdir}" for m in missing]
    for b in bad:
        print("FAIL:", b)
    print(f"{len(files)} captures: {len(files) - len(bad)} as expected "
          f"({len(KNOWN)} listed differences, {len(REJECTED)} rejected link types), "
          f"{len(bad)} failures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
