#!/usr/bin/env python3
"""Real reports against docs/output.schema.json: `rasflow analyze --format json`
(and --all) on every sample capture under pcaps/ with its site file, and
`--format jsonl` line by line (each line's "type" among the documented ones,
capture first, summary last). With RASFLOW_SHARED present, also a few public
captures without a site. Skips (77) when Python's jsonschema is missing
(Debian: python3-jsonschema)."""
import glob
import json
import os
import subprocess
import sys

BIN = os.environ.get("RASFLOW_BIN", "build/rasflow")
SRC = os.environ.get("RASFLOW_SRCDIR", ".")
SHARED = os.environ.get("RASFLOW_SHARED", "")

LINE_TYPES = ("capture", "host", "edge", "rule", "finding", "summary")  # + "baseline" with --baseline
PUBLIC = ("arkime-krb5-tcp.pcap", "arkime-ldap-and-search.pcap", "arkime-v6.pcap",
          "arkime-twovlan.pcap", "arkime-socks5-rdp.pcap", "ndpi-443-chrome.pcap")

failures = []


def fail(msg):
    failures.append(msg)


def run(args):
    r = subprocess.run([BIN, "analyze"] + args, capture_output=True)
    if r.returncode not in (0, 1):
        fail(f"{' '.join(args)}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
        return None
    return r.stdout.decode()


def errors(validator, doc):
    return ["/".join(str(p) for p in e.absolute_path) + ": " + e.message
            for e in validator.iter_errors(doc)]


def consistent(name, d):
    """Counts the schema cannot express."""
    s, e, f = d["summary"], d["edges"], d["findings"]
    verdicts = ("ok", "failed", "unexpected", "mismatch", "ignored")
    if s["edges"] != sum(s[v] for v in verdicts):
        fail(f"{name}: summary.edges {s['edges']} != sum of verdict counts")
    if s["missing"] != sum(1 for x in f if x["kind"] == "missing"):
        fail(f"{name}: summary.missing does not count the missing findings")
    listed = sum(1 for x in e if x["policy"] != "ignored")
    if listed != s["edges"] - s["ignored"]:
        fail(f"{name}: {listed} non-ignored edges listed, summary says {s['edges'] - s['ignored']}")
    for x in e:
        if (x["policy"] == "ignored") != (x["verdict"] == "ignored"):
            fail(f"{name}: edge {x['src']}->{x['dst']} policy {x['policy']} verdict {x['verdict']}")


def check_json(validator, name, args):
    for extra in ([], ["--all"]):
        out = run(["--format", "json"] + extra + args)
        if out is None:
            continue
        try:
            doc = json.loads(out)
        except ValueError as e:
            fail(f"{name} {extra}: not JSON: {e}")
            continue
        errs = errors(validator, doc)
        for msg in errs[:10]:
            fail(f"{name} {extra}: {msg}")
        if not errs:
            consistent(f"{name} {extra}", doc)
        if extra and doc["summary"]["edges"] != len(doc["edges"]):
            fail(f"{name} --all: {len(doc['edges'])} edges listed of {doc['summary']['edges']}")


def check_jsonl(line_validator, name, args):
    out = run(["--format", "jsonl"] + args)
    if out is None:
        return
    types = []
    for n, line in enumerate(out.splitlines(), 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            fail(f"{name} jsonl line {n}: not JSON: {e}")
            continue
        if not isinstance(obj, dict) or obj.get("type") not in LINE_TYPES:
            fail(f"{name} jsonl line {n}: type {obj.get('type') if isinstance(obj, dict) else obj!r}")
            continue
        types.append(obj["type"])
        for msg in errors(line_validator, obj)[:5]:
            fail(f"{name} jsonl line {n} ({obj['type']}): {msg}")
    if not types or types[0] != "capture" or types[-1] != "summary" or \
            types.count("capture") != 1 or types.count("summary") != 1:
        fail(f"{name} jsonl: want one capture line first and one summary line last")
    order = [LINE_TYPES.index(t) for t in types]
    if order != sorted(order):
        fail(f"{name} jsonl: lines not in the order capture, hosts, edges, rules, findings, summary")


def main():
    try:
        import jsonschema
    except ImportError:
        print("SKIP: Python jsonschema is not installed (Debian: python3-jsonschema)")
        return 77
    with open(os.path.join(SRC, "docs", "output.schema.json")) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    line_validator = cls(dict(schema, **{"$ref": "#/$defs/jsonl_line"},
                              required=[], properties={}, type="object"))

    cases = []
    for cap in sorted(glob.glob(os.path.join(SRC, "pcaps", "*.pcap*"))):
        if os.path.basename(cap) == "not-a-capture.pcap":
            continue	# exit 2, no report: the regress test covers it
        site = cap.rsplit(".", 1)[0] + ".site"
        args = (["--site", site] if os.path.exists(site) else []) + [cap]
        cases.append((os.path.basename(cap), args))
    if len(cases) < 10:
        fail(f"only {len(cases)} sample captures found under {SRC}/pcaps")
    pub = os.path.join(SHARED, "pcaps", "public")
    if SHARED and os.path.isdir(pub):
        for name in PUBLIC:
            if os.path.exists(os.path.join(pub, name)):
                cases.append((name, [os.path.join(pub, name)]))
    else:
        print("note: RASFLOW_SHARED not present, public captures not checked")
    cases.append(("healthy-farm --no-dpi", ["--no-dpi", "--site",
                                            os.path.join(SRC, "pcaps", "healthy-farm.site"),
                                            os.path.join(SRC, "pcaps", "healthy-farm.pcap")]))

    for name, args in cases:
        check_json(validator, name, args)
        check_jsonl(line_validator, name, args)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print(f"ok: {len(cases)} reports valid (json, json --all, jsonl)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
