#!/usr/bin/env python3
"""pcaps/two-link-types.pcapng: a real pcapng of two link types, read whole.

dumpcap captured it on two interfaces at once (Ethernet and Linux "any",
cooked v1), as Wireshark does when given several; libpcap 1.10 alone stops
at the second interface and reads nothing. rasflow must read every frame
(tshark's count), find tshark's TCP and UDP conversations (tools/flowcount),
merge the two interfaces' packets in time order (dumpcap wrote interface 0's
packets before interface 1's: read in file order the clock would step back,
and analyze would warn), and classify the three exchanges as tshark -V shows
them: 10.77.0.2 -> 10.77.0.1 tcp/20003 handshake, data and FIN both ways;
tcp/30004 SYN answered by RST; udp/20009 answered by ICMP port unreachable.

Skips (exit 77) without tshark.
"""
import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ["RASFLOW_SRCDIR"]
BUILD = os.environ["RASFLOW_BUILDDIR"]
RASFLOW = os.environ["RASFLOW_BIN"]
CAP = os.path.join(SRC, "pcaps", "two-link-types.pcapng")


def tshark(*args):
    return subprocess.run(["tshark", "-n", "-r", CAP] + list(args), check=True,
                          capture_output=True, text=True).stdout


def main():
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 77
    fails = []
    frames = len(tshark("-T", "fields", "-e", "frame.number").split())
    ifaces = sorted(set(tshark("-T", "fields", "-e", "frame.interface_id").split()))
    tcp = len(re.findall(r"<->", tshark("-q", "-z", "conv,tcp")))
    udp = len(re.findall(r"<->", tshark("-q", "-z", "conv,udp")))
    if ifaces != ["0", "1"] or frames != 36:
        fails.append("the capture is not the one described: interfaces %s, %d frames"
                     % (ifaces, frames))

    out = subprocess.run([os.path.join(BUILD, "tools", "flowcount"), CAP], check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"packets (\d+) tcp (\d+) udp (\d+)", out)
    got = tuple(int(x) for x in m.groups()) if m else None
    if got != (frames, tcp, udp):
        fails.append("flowcount %s, tshark packets %d tcp %d udp %d" % (out.strip(), frames,
                                                                        tcp, udp))

    rep = subprocess.run([RASFLOW, "analyze", "--no-dpi", "--all", "--format", "json", CAP],
                         capture_output=True, text=True)
    if rep.returncode not in (0, 1):
        fails.append("analyze exit %d: %s" % (rep.returncode, rep.stderr.strip()))
    else:
        doc = json.loads(rep.stdout)
        if doc["capture"]["packets"] != frames:
            fails.append("analyze read %d packets of %d" % (doc["capture"]["packets"], frames))
        stepped = [w for w in doc["warnings"] if "stepped back" in w]
        if stepped:
            fails.append("warnings (a clock stepping back means file order): %r" % stepped)
        # every IP packet was captured on both interfaces: 32 IP frames, 16 copies
        if doc["capture"]["copies"] != 16:
            fails.append("copies %r, expected 16 (each IP packet on both interfaces)"
                         % doc["capture"]["copies"])
        outcomes = {(e["proto"], e["dport"]): e["outcome"] for e in doc["edges"]
                    if e["src"] == "10.77.0.2" and e["dst"] == "10.77.0.1"}
        want = {("tcp", 20003): "established", ("tcp", 30004): "refused",
                ("udp", 20009): "unreachable"}
        if outcomes != want:
            fails.append("edges %r, expected %r" % (outcomes, want))
    for f in fails:
        print("FAIL:", f)
    print("two-link-types: %d frames, %d TCP and %d UDP conversations; %s"
          % (frames, tcp, udp, "ok" if not fails else "%d failures" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
