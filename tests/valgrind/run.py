#!/usr/bin/env python3
# run.py — valgrind memcheck of the rasflow binary over the regression captures.
#
# For every tests/regress/CASE/case, the case's own command line (its `args:`
# line, run from the source root like the regress runner) with --no-dpi added;
# then app-mismatch once as written (nDPI on: TLS, SSH, HTTP, RDP detection),
# and encodings-vlan once through standard input ('-'). Each run is
#   valgrind --error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite
#            --track-fds=no [--suppressions=tests/valgrind/rasflow.supp] rasflow ARGS
# and fails on any memcheck error (invalid read/write, uninitialised value,
# bad free) or definite leak; "still reachable" and "possibly lost" blocks
# (nDPI's and libpcap's one-time tables) do not fail. The case's report and
# exit status are the regress suite's business: here rasflow may exit 0, 1 or
# 2, but not 3 (valgrind's error code) and not by a signal. No suppression is
# needed with nDPI 4.2.0 and libpcap 1.10.3 (Debian 12); should one become
# necessary, put it in tests/valgrind/rasflow.supp with a comment saying why.
#
# Environment: RASFLOW_BIN, RASFLOW_SRCDIR. Exit 0 pass, 1 fail, 2 setup error,
# 77 skip (no valgrind, or an ASan/UBSan binary: they do not mix).
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("RASFLOW_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
REGRESS = os.path.join(SRCDIR, "tests", "regress")
SUPP = os.path.join(HERE, "rasflow.supp")
DPI_CASE = "app-mismatch"		# the one run with nDPI on
STDIN_CASE = "encodings-vlan"		# the one fed through standard input
RUN_TIMEOUT = 300			# seconds per run; the meson test allows 900 in all

VALGRIND_ARGS = ["--error-exitcode=3", "--leak-check=full", "--errors-for-leak-kinds=definite",
                 "--track-fds=no", "--num-callers=30"]


def case_args(name):
    """The `args:` line of tests/regress/NAME/case, split like a shell."""
    with open(os.path.join(REGRESS, name, "case"), encoding="utf-8") as f:
        for line in f:
            key, sep, val = line.partition(":")
            if sep and key.strip() == "args":
                return shlex.split(val.strip())
    raise ValueError("%s/case has no 'args:' line" % name)


def no_dpi(args):
    return args if "--no-dpi" in args else args[:1] + ["--no-dpi"] + args[1:]


def sanitized(binary):
    with open(binary, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data


def memcheck(valgrind, binary, label, args, logdir, stdin_path=None):
    """One run under memcheck; returns a failure message or None."""
    log = os.path.join(logdir, label + ".log")
    cmd = [valgrind] + VALGRIND_ARGS + ["--log-file=" + log]
    if os.path.exists(SUPP):
        cmd.append("--suppressions=" + SUPP)
    cmd += [binary] + args
    t0 = time.monotonic()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        proc = subprocess.run(cmd, cwd=SRCDIR, stdin=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        status = None
    finally:
        if stdin_path:
            stdin.close()
    secs = time.monotonic() - t0
    text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
    summary = [l.split("== ", 1)[-1] for l in text.splitlines() if "ERROR SUMMARY" in l]
    print("# %s: exit %s in %.1f s; %s" % (label, status, secs,
                                           summary[-1] if summary else "no summary"))
    if status is None:
        why = "no result within %d s" % RUN_TIMEOUT
    elif status == 3:
        why = "memcheck errors or definite leaks"
    elif status < 0 or status not in (0, 1, 2):
        why = "exit status %d (a crash?)" % status
    else:
        return None
    print("# rasflow %s" % " ".join(shlex.quote(a) for a in args))
    sys.stdout.write("".join("#   " + l + "\n" for l in text.splitlines()))
    return "%s: %s" % (label, why)


def main():
    binary = os.environ.get("RASFLOW_BIN")
    if not binary or not os.access(binary, os.X_OK):
        print("valgrind/run.py: set RASFLOW_BIN to the rasflow binary", file=sys.stderr)
        return 2
    binary = os.path.abspath(binary)
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("# SKIP: valgrind is not installed (tools/setup.sh --test installs it)")
        return 77
    if sanitized(binary):
        print("# SKIP: %s is built with a sanitizer; valgrind and ASan do not mix" % binary)
        return 77
    cases = sorted(d for d in os.listdir(REGRESS)
                   if os.path.isfile(os.path.join(REGRESS, d, "case")))
    if not cases:
        print("valgrind/run.py: no cases under %s" % REGRESS, file=sys.stderr)
        return 2
    runs = [(c, no_dpi(case_args(c)), None) for c in cases]
    if DPI_CASE in cases:
        runs.append((DPI_CASE + "+dpi", case_args(DPI_CASE), None))
    if STDIN_CASE in cases:
        a = no_dpi(case_args(STDIN_CASE))
        runs.append((STDIN_CASE + "+stdin", a[:-1] + ["-"], os.path.join(SRCDIR, a[-1])))
    fails = []
    with tempfile.TemporaryDirectory(prefix="rasflow-valgrind-") as logdir:
        for label, args, stdin_path in runs:
            why = memcheck(valgrind, binary, label, args, logdir, stdin_path)
            if why:
                fails.append(why)
    for f in fails:
        print("FAIL %s" % f)
    if not fails:
        print("ok: %d runs under memcheck, no error, no definite leak" % len(runs))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
