"""What the tshark cross-checks share: the captures they run over, and
rasflow's JSON report of one.

captures(): every bundled capture but not-a-capture.pcap, then, when
../shared/pcaps/public exists beside the source tree (the workplace; a
user's clone has none), every public one. analyze_json(): `rasflow analyze
--no-dpi --all --format json` (and extra options) of a capture, as
(report, None), or (None, what went wrong) when it did not exit 0 or 1;
reports(): that for each of a list of captures, failures collected.
"""
import glob
import json
import os
import subprocess


def captures(src):
    public = os.path.join(src, "..", "shared", "pcaps", "public")
    caps = sorted(glob.glob(os.path.join(src, "pcaps", "*.pcap")) +
                  glob.glob(os.path.join(src, "pcaps", "*.pcapng")))
    caps = [c for c in caps if not c.endswith("not-a-capture.pcap")]
    if os.path.isdir(public):
        caps += sorted(glob.glob(os.path.join(public, "*.pcap")) +
                       glob.glob(os.path.join(public, "*.pcapng")))
    return caps


def reports(caps, src, rasflow, fails):
    """(name relative to src, capture, report) for each of caps; a capture
    analyze fails on is a line in fails instead."""
    for cap in caps:
        name = os.path.relpath(cap, src)
        doc, err = analyze_json(rasflow, cap)
        if doc is None:
            fails.append("%s: analyze %s" % (name, err))
            continue
        yield name, cap, doc


def analyze_json(rasflow, cap, *extra):
    p = subprocess.run([rasflow, "analyze", "--no-dpi", "--all", "--format", "json"]
                       + list(extra) + [cap], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip())
    return json.loads(p.stdout), None
