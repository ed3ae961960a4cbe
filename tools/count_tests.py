#!/usr/bin/env python3
"""Count individual test results from meson's testlog.json files.

Criterion tests run with --tap, so one meson test holds many TAP results;
each "ok"/"not ok" line counts once. A test that printed no TAP results counts
once by its meson result. Prints 'N skipped', then as the last line
'N passed, N failed' (the form CI looks for).
"""
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(.*)$')
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        print('count_tests: %s: %s' % (path, e.strerror), file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        results = [TAP.match(l) for l in (t.get('stdout') or '').splitlines()]
        results = [m for m in results if m]
        if results:
            for m in results:
                if '# SKIP' in m.group(2):
                    skipped += 1
                elif m.group(1) == 'ok':
                    passed += 1
                else:
                    failed += 1
            # a crash after some results still fails the whole program
            if t['result'] not in ('OK', 'SKIP', 'EXPECTEDFAIL') and \
                    all(m.group(1) == 'ok' for m in results):
                failed += 1
        elif t['result'] == 'SKIP':
            skipped += 1
        elif t['result'] in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        else:
            failed += 1
print('%d skipped' % skipped)
print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
