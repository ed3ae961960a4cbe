#!/usr/bin/env python3
"""benchgen --farm against rasflow's own reading of it.

benchgen --farm draws each flow from a rule of the built-in matrix (random
hosts of the rule's two roles, a random port of it), breaks 18 % of the
(responder, port) pairs for good, reverses 3 % of flows, and writes the site
file of its farm. rasflow, given that site, must then see what benchgen meant:
every host from the site, most edges ok, the broken pairs failing as a whole,
some unexpected (reversed) traffic, and no roles or edges it cannot place.
A generator that picked hosts or ports the matrix does not allow, or a site
file that disagreed with the capture, fails here; so does an analyzer that
stopped classifying by the site.
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

build = os.environ['RASFLOW_BUILDDIR']
rasflow = os.environ['RASFLOW_BIN']
benchgen = os.path.join(build, 'tools', 'benchgen')


def ts_us(iso):
    """Microseconds of an ISO timestamp of the report (UTC, 'Z')."""
    d = datetime.datetime.strptime(iso, '%Y-%m-%dT%H:%M:%S.%fZ')
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000000)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, 'farm.pcap')
        site = os.path.join(tmp, 'farm.site')
        # 40,000 packets 250 us apart: a 10 s capture
        subprocess.run([benchgen, '-o', pcap, '-p', '40000', '-f', '6000', '-c', '400',
                        '--gap', '250', '--farm', site, '--clients', '300'], check=True,
                       stdout=subprocess.DEVNULL)
        with open(site) as f:
            lines = [l for l in f if l.strip() and not l.startswith('#')]
        out = subprocess.run([rasflow, 'analyze', '--no-dpi', '--site', site,
                              '--format', 'json', '--all', '--fail-on', '', pcap],
                             check=True, capture_output=True, text=True).stdout
    rep = json.loads(out)
    bad = []

    def check(cond, what):
        if not cond:
            bad.append(what)

    # 89 servers, each with an IPv4 and an IPv6 line, and two client networks
    check(len(lines) == 89 * 2 + 2, 'site file lines: %d' % len(lines))
    hosts = rep['hosts']
    check(all(h['source'] == 'site' for h in hosts),
          'hosts not from the site: %s' % [h['addr'] for h in hosts if h['source'] != 'site'][:5])
    edges = rep['edges']
    n = len(edges)
    by = {}
    for e in edges:
        by[e['verdict']] = by.get(e['verdict'], 0) + 1
    print('# %d hosts, %d edges: %s' % (len(hosts), n, by))
    check(n > 1000, 'edges: %d' % n)
    check(by.get('ok', 0) > 0.6 * n, 'ok edges: %d of %d' % (by.get('ok', 0), n))
    check(0 < by.get('failed', 0) < 0.35 * n, 'failed edges: %d' % by.get('failed', 0))
    check(0 < by.get('unexpected', 0) < 0.1 * n, 'unexpected: %d' % by.get('unexpected', 0))
    # a broken (responder, port) pair fails every flow, a healthy one none,
    # and SYNs the capture's end cut short do not count (edges' "cut"): no
    # TCP edge is partly failed
    partly = [e for e in edges if e['verdict'] == 'failed' and e['proto'] == 'tcp'
              and e['outcome'] not in ('unanswered', 'refused')]
    check(not partly, 'partly failed TCP edges: %s' % [e['outcome_detail'] for e in partly][:5])
    # cut flows began in the capture's last 3 s; an edge of nothing else
    # fails with a notice
    end = ts_us(rep['capture']['end'])
    cut = [e for e in edges if e['cut']]
    check(cut and all(end - ts_us(e['last']) < 3000000 for e in cut),
          'edges with cut flows: %d, some ending before the last 3 s' % len(cut))
    seen = [r for r in rep['rules'] if r['status'] in ('seen', 'failed')]
    check(len(seen) >= 60, 'rules seen or failed: %d (the farm exercises 90)' % len(seen))
    for b in bad:
        print('FAIL: ' + b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
