#!/usr/bin/env python3
# run_regress.py — the regression suite over the committed sample captures.
#
# Each case is a directory tests/regress/CASE/ with a file `case` (the
# command line, the expected exit status, text expected on standard error)
# and `expected.json` (the report, normalised: volatile fields replaced by
# "<volatile>", pretty-printed with indent 2 in the contract's key order).
# The runner runs the real binary from the source root, normalises its
# report the same way and prints a unified diff on any difference.
#
#   run_regress.py [--update] [CASE...]    (no CASE: every case)
#
# `case` may also hold hand-written assertions, checked independently of
# expected.json (and in --update mode too, so a rewrite cannot silently bake
# in an output that contradicts the scenario):
#   summary: edges=3 ok=2 ...        these summary counters, exactly
#   finding: KIND RULE PROTO SRC DST DPORT   the findings are exactly these
#   findings: none                   ... or there are none ('-' = null)
#   edge: PROTO SRC DST DPORT VERDICT RULE   this edge is listed, as given
#   warning: TEXT                    some entry of "warnings" contains TEXT
#   one_sided: FROM TO FLOWS         capture.one_sided is exactly these pairs
#
# Environment: RASFLOW_BIN (the rasflow binary), RASFLOW_SRCDIR (source root;
# default: two levels above this file). Exit 0 pass, 1 fail, 2 setup error,
# 77 skip (every case given needs --baseline, which this binary lacks).
# --update rewrites expected.json from the current output (tools/update_golden);
# the exit status and stderr expectations in `case` are never rewritten.
import difflib
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("RASFLOW_SRCDIR") or os.path.dirname(os.path.dirname(HERE))

# nDPI the expectations were recorded with; "app" values may differ with another.
RECORDED_NDPI = "4.2.0"

# Fields replaced before comparing (tests/regress/README.md says why).
VOLATILE = [("tool", "version"), ("tool", "ndpi")]
PLACEHOLDER = "<volatile>"

KEYS = ("args", "exit", "stderr", "stdout", "summary", "finding", "findings", "edge", "warning",
        "one_sided")


def word(v):
    """A report value as a word of a `case` assertion ('-' = null)."""
    return "-" if v is None else str(v)


def check_asserts(case, doc):
    """The hand-written assertions of `case` against the parsed report."""
    fails = []
    if case["summary"] is not None:
        for k, v in case["summary"].items():
            if word(doc["summary"].get(k)) != v:
                fails.append("summary.%s is %s, the scenario says %s"
                             % (k, word(doc["summary"].get(k)), v))
    if case["findings"] is not None:
        got = sorted(tuple(word(f[k]) for k in ("kind", "rule", "proto", "src", "dst", "dport"))
                     for f in doc["findings"])
        want = sorted(case["findings"])
        for f in want:
            if f in got:
                got.remove(f)
            else:
                fails.append("finding missing: %s" % " ".join(f))
        for f in got:
            fails.append("finding not in the scenario: %s" % " ".join(f))
    for e in case["edges"]:
        hit = [x for x in doc["edges"]
               if tuple(word(x[k]) for k in ("proto", "src", "dst", "dport")) == e[:4]]
        if not hit:
            fails.append("edge not listed: %s" % " ".join(e[:4]))
        elif (hit[0]["verdict"], word(hit[0]["rule"])) != e[4:6]:
            fails.append("edge %s: verdict %s rule %s, the scenario says %s %s"
                         % (" ".join(e[:4]), hit[0]["verdict"], word(hit[0]["rule"]), *e[4:6]))
    for w in case["warnings"]:
        if not any(w in x for x in doc.get("warnings", [])):
            fails.append("no warning contains %r" % w)
    if case["one_sided"] is not None:
        got = sorted((x["from"], x["to"], str(x["flows"]))
                     for x in doc["capture"].get("one_sided", []))
        if got != sorted(case["one_sided"]):
            fails.append("capture.one_sided is %s, the scenario says %s"
                         % (got, sorted(case["one_sided"])))
    return fails


def load_case(name):
    """Parse CASE/case: 'args: ...', 'exit: N', 'stderr: text' (repeatable)."""
    path = os.path.join(HERE, name, "case")
    case = {"args": None, "exit": None, "stderr": [], "stdout": "json", "summary": None,
            "findings": None, "edges": [], "warnings": [], "one_sided": None}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if not sep or key not in KEYS:
                raise ValueError("%s:%d: expected one of %s" % (path, lineno,
                                 ", ".join(k + ":" for k in KEYS)))
            if key == "args":
                case["args"] = shlex.split(val)
            elif key == "exit":
                case["exit"] = int(val)
            elif key == "stderr":
                case["stderr"].append(val)
            elif key == "summary":
                case["summary"] = dict(kv.split("=", 1) for kv in val.split())
            elif key == "finding":
                if len(val.split()) != 6:
                    raise ValueError("%s:%d: finding: KIND RULE PROTO SRC DST DPORT" % (path, lineno))
                case["findings"] = (case["findings"] or []) + [tuple(val.split())]
            elif key == "findings":
                if val != "none":
                    raise ValueError("%s:%d: 'findings: none' or 'finding: ...'" % (path, lineno))
                case["findings"] = case["findings"] or []
            elif key == "edge":
                if len(val.split()) != 6:
                    raise ValueError("%s:%d: edge: PROTO SRC DST DPORT VERDICT RULE" % (path, lineno))
                case["edges"].append(tuple(val.split()))
            elif key == "warning":
                case["warnings"].append(val)
            elif key == "one_sided":
                if len(val.split()) != 3:
                    raise ValueError("%s:%d: one_sided: FROM TO FLOWS" % (path, lineno))
                case["one_sided"] = (case["one_sided"] or []) + [tuple(val.split())]
            else:
                if val not in ("json", "empty"):
                    raise ValueError("%s:%d: stdout is 'json' or 'empty'" % (path, lineno))
                case["stdout"] = val
    if case["args"] is None or case["exit"] is None:
        raise ValueError("%s: needs 'args:' and 'exit:'" % path)
    return case


def normalise(text):
    """The report as canonical text: volatile fields replaced, indent 2, key
    order as emitted (never sorted), non-ASCII kept, one final newline."""
    doc = json.loads(text)
    for obj, key in VOLATILE:
        if isinstance(doc.get(obj), dict) and key in doc[obj]:
            doc[obj][key] = PLACEHOLDER
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def run_case(binary, name, update):
    """Run one case; returns a list of failure messages (empty = pass)."""
    case = load_case(name)
    exp_path = os.path.join(HERE, name, "expected.json")
    cmd = [binary] + case["args"]
    proc = subprocess.run(cmd, cwd=SRCDIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.decode("utf-8", errors="replace")
    err = proc.stderr.decode("utf-8", errors="replace")
    fails = []

    print("# %s: %s" % (name, " ".join(shlex.quote(a) for a in ["rasflow"] + case["args"])))
    if "--baseline" in case["args"] and "baseline comparison is not available yet" in err:
        print("# %s: SKIP: this rasflow has no --baseline yet" % name)
        return None
    if proc.returncode != case["exit"]:
        fails.append("exit status %d, expected %d" % (proc.returncode, case["exit"]))
    for want in case["stderr"]:
        if want not in err:
            fails.append("standard error lacks %r" % want)
    if case["stdout"] == "empty":
        if out != "":
            fails.append("standard output should be empty, got %d bytes" % len(out))
    else:
        try:
            got = normalise(out)
        except ValueError as e:
            fails.append("standard output is not a JSON report: %s" % e)
            got = None
        if got is not None:
            fails += check_asserts(case, json.loads(out))
        if got is not None and update:
            with open(exp_path, "w", encoding="utf-8") as f:
                f.write(got)
            print("# %s: wrote %s" % (name, os.path.relpath(exp_path, SRCDIR)))
        elif got is not None:
            with open(exp_path, encoding="utf-8") as f:
                want = f.read()
            if got != want:
                diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "expected/%s/expected.json" % name,
                                            "actual/%s" % name, n=4)
                sys.stdout.writelines(diff)
                fails.append("report differs from expected.json (diff above: - expected, + actual)")
                ndpi = json.loads(out).get("tool", {}).get("ndpi")
                if ndpi is not None and ndpi != RECORDED_NDPI:
                    fails.append("note: expectations were recorded with nDPI %s, this binary "
                                 "uses %s: detected applications may differ" % (RECORDED_NDPI, ndpi))
    if fails and err:
        print("# standard error was:")
        sys.stdout.write("".join("#   " + l + "\n" for l in err.splitlines()))
    return fails


def main(argv):
    update = False
    if argv and argv[0] == "--update":
        update = True
        argv = argv[1:]
    binary = os.environ.get("RASFLOW_BIN")
    if not binary or not os.access(binary, os.X_OK):
        print("run_regress: set RASFLOW_BIN to the rasflow binary", file=sys.stderr)
        return 2
    cases = argv or sorted(d for d in os.listdir(HERE)
                           if os.path.isfile(os.path.join(HERE, d, "case")))
    failed = skipped = 0
    for name in cases:
        if not os.path.isfile(os.path.join(HERE, name, "case")):
            print("run_regress: no case %r (no %s/case)" % (name, os.path.join(HERE, name)),
                  file=sys.stderr)
            return 2
        fails = run_case(binary, name, update)
        if fails is None:
            skipped += 1
            continue
        for f in fails:
            print("FAIL %s: %s" % (name, f))
        if fails:
            failed += 1
        else:
            print("ok %s" % name)
    if failed:
        return 1
    return 77 if skipped and skipped == len(cases) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
