#!/usr/bin/env python3
"""Every rule id of the reference matrix.tsv must exist in the built-in
matrix (`rasflow rules --format json`) with the same source and destination
roles, transports and ports. Skips (77) when the shared folder is absent."""
import json
import os
import subprocess
import sys

shared = os.environ.get('RASFLOW_SHARED', '')
tsv = os.path.join(shared, 'docs', 'matrix.tsv')
if not shared or not os.path.isfile(tsv):
    print('SKIP: %s not found' % tsv)
    sys.exit(77)

out = subprocess.run([os.environ['RASFLOW_BIN'], 'rules', '--format', 'json'],
                     check=True, stdout=subprocess.PIPE).stdout
rules = {r['id']: r for r in json.loads(out)['rules']}


def ports_of(text):
    """'135,49152-65535' -> [135, '49152-65535'] (the JSON form); '-' -> []."""
    if text == '-':
        return []
    return [p if '-' in p else int(p) for p in text.split(',')]


bad = 0
n = 0
with open(tsv, encoding='utf-8') as f:
    header = f.readline().rstrip('\n').split('\t')
    for line in f:
        row = dict(zip(header, line.rstrip('\n').split('\t')))
        n += 1
        r = rules.get(row['id'])
        if r is None:
            print('%s: missing from the built-in matrix' % row['id'])
            bad += 1
            continue
        want = {'src': row['src'], 'dst': row['dst'],
                'transports': sorted(row['transport'].split(',')),
                'ports': ports_of(row['ports'])}
        got = {'src': r['src'], 'dst': r['dst'], 'transports': sorted(r['transports']),
               'ports': r['ports']}
        for k in want:
            if want[k] != got[k]:
                print('%s: %s is %r, matrix.tsv says %r' % (row['id'], k, got[k], want[k]))
                bad += 1
        # every flag of the TSV must survive (traffic may be refined; see notes)
        for flag in filter(None, row['flags'].split(';')):
            key, _, val = flag.partition(':')
            if key == 'traffic':
                if r['traffic'] != val and not r['note']:
                    print('%s: traffic %s without a note (tsv: %s)' % (row['id'], r['traffic'], val))
                    bad += 1
            elif key == 'opt':
                ok = val in r['features']
            elif key == 'amb':
                ok = val in r['amb']
            elif key in ('legacy', 'host', 'path', 'tag', 'gov'):
                ok = r[key] == val
            else:
                ok = key in r['flags']
            if key != 'traffic' and not ok:
                print('%s: flag %s lost' % (row['id'], flag))
                bad += 1
        if r['seed'] != row['seed_table']:
            print('%s: seed %r, matrix.tsv says %r' % (row['id'], r['seed'], row['seed_table']))
            bad += 1
print('%d rules of matrix.tsv checked, %d problems' % (n, bad))
sys.exit(1 if bad or n != 157 else 0)
