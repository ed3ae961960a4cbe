#!/usr/bin/env python3
"""Each edge's display_filter selects its packets in Wireshark.

For every bundled capture (and the shared public ones named below, when
present), `rasflow analyze --all --format json` lists every edge with a
display filter; tshark, whose dissectors are not rasflow's, counts the
frames each filter selects (one io,stat pass per batch of filters). That
count must be the edge's packets plus the ICMP errors quoting it, except
where a difference is listed below with its reason (each checked by hand
with tshark -Y FILTER). A listed difference must still be there exactly:
the list cannot go stale silently.

Skips (exit 77) without tshark.
"""
import json
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ["RASFLOW_SRCDIR"]
RASFLOW = os.environ["RASFLOW_BIN"]
SHARED = os.environ.get("RASFLOW_SHARED", "")
BATCH = 20

PUBLIC = ["arkime-socks5-rdp.pcap", "arkime-krb5-udp.pcap", "arkime-v6-http.pcap",
          "arkime-ldap-and-search.pcap"]

# (capture, filter) -> (rasflow's count, tshark's count, reason)
KNOWN = {}


def captures():
    out = []
    for name in sorted(os.listdir(os.path.join(SRC, "pcaps"))):
        if not name.endswith((".pcap", ".pcapng")) or name == "not-a-capture.pcap":
            continue
        path = os.path.join(SRC, "pcaps", name)
        site = path.rsplit(".", 1)[0] + ".site"
        out.append((name, path, site if os.path.exists(site) else None))
    pub = os.path.join(SHARED, "pcaps", "public")
    if SHARED and os.path.isdir(pub):
        out += [(n, os.path.join(pub, n), None) for n in PUBLIC
                if os.path.exists(os.path.join(pub, n))]
    return out


def tshark_counts(path, filters):
    counts = []
    for i in range(0, len(filters), BATCH):
        part = filters[i:i + BATCH]
        out = subprocess.run(["tshark", "-n", "-q", "-r", path, "-z",
                              "io,stat,0," + ",".join(part)],
                             capture_output=True, text=True).stdout
        rows = [l for l in out.splitlines() if "<>" in l]
        if rows:
            cells = [c.strip() for c in rows[-1].strip("|").split("|")][1:]
            counts += [int(cells[2 * k]) for k in range(len(part))]
            continue
        # a capture of no duration has no io,stat row: one pass per filter
        for f in part:
            out = subprocess.run(["tshark", "-n", "-r", path, "-Y", f, "-T", "fields",
                                  "-e", "frame.number"], capture_output=True, text=True)
            counts.append(len(out.stdout.split()))
    return counts


def main():
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 77
    fails, checked = [], 0
    seen_known = set()
    for name, path, site in captures():
        args = [RASFLOW, "analyze", "--no-dpi", "--all", "--format", "json"]
        args += (["--site", site] if site else []) + [path]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode not in (0, 1):
            fails.append("%s: analyze exit %d" % (name, r.returncode))
            continue
        edges = json.loads(r.stdout)["edges"]
        if not edges:
            continue
        filters = [e["display_filter"] for e in edges]
        got = tshark_counts(path, filters)
        for e, n in zip(edges, got):
            want = e["packets"] + (e["icmp"]["count"] if e["icmp"] else 0)
            checked += 1
            key = (name, e["display_filter"])
            if key in KNOWN:
                seen_known.add(key)
                if KNOWN[key][:2] != (want, n):
                    fails.append("%s: %s: listed as %r, now rasflow %d tshark %d"
                                 % (name, key[1], KNOWN[key][:2], want, n))
            elif n != want:
                fails.append("%s: %s %s -> %s %s: rasflow %d packets (+ICMP), "
                             "tshark selects %d with %s"
                             % (name, e["proto"], e["src"], e["dst"], e["dport"], want, n,
                                e["display_filter"]))
    for key in set(KNOWN) - seen_known:
        fails.append("listed but not seen: %r" % (key,))
    for f in fails:
        print("FAIL:", f)
    print("%d edges checked, %d failures" % (checked, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
