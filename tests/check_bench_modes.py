#!/usr/bin/env python3
"""bench's yardstick modes count what the engine counts.

bench's `floor` mode is a flow table of its own (tools/bench/bench.c): one
entry per conversation, keyed in canonical order as rasflow keys flows. On a
benchgen capture no flow times out (it spans about a second) and a reused
TCP tuple ends one flow as it starts the next, so the engine's peak of
concurrent flows is the number of distinct conversations: the floor must
find exactly as many. A floor that keyed each direction apart would count
about twice as many; one that dropped frames, fewer. Every mode must also
read every packet benchgen wrote.
"""
import os
import re
import subprocess
import sys
import tempfile

build = os.environ['RASFLOW_BUILDDIR']
benchgen = os.path.join(build, 'tools', 'benchgen')
bench = os.path.join(build, 'tools', 'bench')


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, 'small.pcap')
        subprocess.run([benchgen, '-o', pcap, '-p', '40000', '-f', '6000', '-c', '400'],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = subprocess.run([bench, '--runs', '1', '--modes', 'bare64k,decode,floor,engine',
                              pcap], check=True, capture_output=True, text=True).stdout
    print(out)
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] in ('bare', 'bare64k', 'decode', 'floor', 'engine'):
            rows[f[0]] = f
    packets = re.search(r'^\((\d+) packets;', out, re.M)
    peak = re.search(r'at its peak of (\d+) flows', out)
    problems = []
    if sorted(rows) != ['bare64k', 'decode', 'engine', 'floor']:
        problems.append('modes printed: %s' % sorted(rows))
    if not packets or int(packets.group(1)) != 40000:
        problems.append('bench read %s packets, benchgen wrote 40000'
                        % (packets.group(1) if packets else 'no'))
    if not peak or 'floor' not in rows:
        problems.append('no engine peak or floor row')
    else:
        floor_flows = int(rows['floor'][5])
        if floor_flows != int(peak.group(1)):
            problems.append('floor found %d conversations, the engine a peak of %s flows'
                            % (floor_flows, peak.group(1)))
        if floor_flows < 3000:
            problems.append('floor found only %d conversations of ~6000 started' % floor_flows)
    for p in problems:
        print('FAIL:', p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
