#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets into OUT/<target>/.

    tests/fuzz/make_corpus.py [--out OUT] [--pcaps DIR]...

The committed corpus (tests/fuzz/corpus/) is not these seeds as written: it
is the seeds plus what fuzzing found, minimised with libFuzzer's -merge=1
(docs/robustness.md). OUT defaults to /tmp/rasflow-fuzz-seeds.

rules:  rules/ras-ports.rules whole, its preamble plus each section (loads),
        40-line raw chunks (mostly errors) and hand-written broken variants.
site:   the examples of docs/site-format.md, each error line of its table,
        and a few edge cases.
pipeline: small capture files, or the first packets of larger ones rewritten
        as classic pcap.
decode: single frames from the capture files (default: /work/shared/pcaps/public
        and pcaps/), each prefixed with the 2-byte big-endian link-type
        selector of fuzz_decode.c, plus a few hand-made frames.
Seed names are seed-<target>-<sha1 prefix>; existing files in OUT are kept.
Pure standard library.
"""
import argparse
import hashlib
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = '/tmp/rasflow-fuzz-seeds'    # --out

# same order as dlts[] in fuzz_decode.c
DLTS = [1, 113, 276, 12, 101, 228, 229, 0, 108, 9, 239, 50, 104, 107, 192, 105]
# link types as stored in savefiles -> the selector
LINKTYPE_SEL = {1: 0, 113: 1, 276: 2, 12: 3, 14: 3, 101: 4, 228: 5, 229: 6, 0: 7, 108: 8,
                9: 9, 239: 10, 50: 11, 104: 12, 107: 13, 192: 14}

MAX_FRAMES_PER_FILE = 2
MAX_FRAME = 512
MAX_PIPELINE = 6000       # bytes per pipeline seed
MAX_PIPELINE_PKTS = 24


def put(target, data, tag='seed'):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = '%s-%s-%s' % (tag, target, hashlib.sha1(data).hexdigest()[:16])
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def rules_seeds():
    text = open(os.path.join(ROOT, 'rules', 'ras-ports.rules'), 'rb').read()
    put('rules', text)
    lines = text.split(b'\n')
    # preamble = everything before the first rule section
    first = next(i for i, l in enumerate(lines) if l.startswith(b'rule '))
    start = max(i for i in range(first) if lines[i].startswith(b'# ----'))
    pre = b'\n'.join(lines[:start]) + b'\n'
    put('rules', pre)
    sections, cur = [], []
    for l in lines[start:]:
        if l.startswith(b'# ----') and cur:
            sections.append(cur)
            cur = []
        cur.append(l)
    sections.append(cur)
    for s in sections:
        put('rules', pre + b'\n'.join(s) + b'\n')
    for i in range(0, len(lines), 40):
        put('rules', b'\n'.join(lines[i:i + 40]))
    roles = (b'role broker ras "Broker"\n'
             b'role rdsh ras "RDSH" implies:rds\n'
             b'role rds pseudo "RDP listener"\n')
    bad = [
        b'',
        b'\n\n# only comments\n',
        b'ruleset "lab"\n' + roles + b'rule a rdsh -> broker tcp 20003 steady window:2m\n',
        roles + b'rule a rdsh -> brokr tcp 20003 ondemand\n',
        roles + b'rule a rdsh -> broker tcp 70000 ondemand\n',
        roles + b'rule a rdsh -> broker tcp 500-100 ondemand\n',
        roles + b'rule a rdsh -> broker tcp 1-65535,0,80-80 ondemand\n',
        roles + b'rule a rdsh -> broker ip:256 - steady\n',
        roles + b'rule a rdsh -> broker ip:112 - steady mcast\n',
        roles + b'rule a rdsh -> broker udp 53 ondemand\nrule a rdsh -> broker udp 53 ondemand\n',
        roles + b'rule a rdsh -> broker tcp 80 steady window:99999999999999999999d\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand app:80=HTTP|TLS app:81=x\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand desc "unterminated\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand desc "esc \\" \\\\ \\q"\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand\n\tdesc "a"\n\t"b" note "c"\n',
        roles + b'\tdesc "continuation without a statement"\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand opt:x opt:y legacy:pre-ras18 '
        b'amb:A1 amb:A2 host:*.x path:/p tag:t gov:g seed:s reverse oneway local ext '
        b'cfgport supp doubtful opturl bcast',
        roles + b'rule\x00 a rdsh -> broker tcp 80 ondemand\n',
        roles + b'rule a rdsh -> broker tcp 80 ondemand desc "caf\xc3\xa9 \xff"\r\n',
        roles.replace(b'implies:rds', b'implies:rdsh') + b'rule a rds -> rdsh tcp 1 ondemand\n',
        roles.replace(b'implies:rds', b'implies:nope,rds,'),
        b'role a ras "x"\nrole a infra "y"\nrole b planet "z"\nrole c\n',
        b'app tcp 3389 RDP\napp udp 3389 RDP|DTLS\napp tcp,udp 88 Kerberos\n'
        b'app ip:112 - VRRP\napp tcp 80 \napp sctp 1 X\n',
        b'ruleset\nruleset "a" "b"\nrulez x\n"string first"\n',
        b''.join(b'role r%d ras "role %d"\n' % (i, i) for i in range(70)) +
        b'rule x r0 -> r69 tcp 1 ondemand\n',
        b''.join(b'rule r%d a -> b tcp %d ondemand\n' % (i, i) for i in range(30)),
        b'x' * 5000 + b'\n' + b'"' * 300,
    ]
    for b in bad:
        put('rules', b)


def site_seeds():
    doc = open(os.path.join(ROOT, 'docs', 'site-format.md'), 'rb').read().decode()
    m = re.search(r'## By example\n\n```\n(.*?)```', doc, re.S)
    example = m.group(1).encode()
    put('site', example)
    for l in example.split(b'\n'):
        if l and not l.startswith(b'#'):
            put('site', l + b'\n')
    for cell in re.findall(r'^\| `([^`]*)`', doc, re.M):
        put('site', cell.encode().decode('unicode_escape').encode('latin-1') + b'\n')
    extra = [
        b'',
        b'10.0.0.1 broker,,console\n10.0.0.1/32 broker\n',
        b'10.0.0.1 broker, console\n10.0.0.1 brokr\n10.0.0.1\n',
        b'::ffff:10.0.0.0/104 client\n10.0.0.0/8 client\n',
        b'::/0 client\n0.0.0.0/0 guest\n10.0.0.0/8 rdsh n1\n10.1.0.0/16 rdsh n2\n',
        b'fd00::/8 client\nfd00:10:1::/64 client\nfd00:10::5 gateway gw-v6 # c\r\n',
        b'  10.1.2.3/24 client\n10.0.0.0/33 client\n::/129 client\n10.0.0.0/2x a\n',
        b'10.0.0.1 broker ' + b'n' * 64 + b'\n10.0.0.2 broker caf\xc3\xa9\n',
        b'10.0.0.1 broker cb1 extra\n10.0.0.2\tbroker\tcb2#note\n',
        b'1.2.3.4 rdsh\n1:2:3:4:5:6:7:8 rdsh\n1::2::3 rdsh\n::ffff:1.2.3.4 rdsh\n',
        b''.join(b'10.%d.%d.0/24 client\n' % (i // 250, i % 250) for i in range(300)),
        b'\x00\xff\n#\n\n10.0.0.1 broker\x00\n',
        b'10.0.0.1 broker cb1 standby\n10.0.0.2 broker standby\n10.0.0.3 broker standby cb3\n',
        b'10.0.0.0/24 client lan standby\nfd00::/64 client standby\n10.0.0.4 rdsh standby standby\n',
    ]
    for b in extra:
        put('site', b)


def pcap_frames(path):
    """Yield (linktype, frame) from a pcap or pcapng file; stop on damage."""
    data = open(path, 'rb').read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    elif magic == b'\x0a\x0d\x0d\x0a':
        yield from pcapng_frames(data)
        return
    else:
        return
    lt = struct.unpack(e + 'I', data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + 'I', data[off + 8:off + 12])[0]
        off += 16
        if off + incl > len(data):
            return
        yield lt, data[off:off + incl]
        off += incl


def pcapng_frames(data):
    off, e, ifaces = 0, '<', []
    while off + 12 <= len(data):
        btype = struct.unpack(e + 'I', data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            e = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
            ifaces = []
        blen = struct.unpack(e + 'I', data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            ifaces.append(struct.unpack(e + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, _, _, cap, _ = struct.unpack(e + 'IIIII', body[:20])
            if ifid < len(ifaces):
                yield ifaces[ifid], body[20:20 + cap]
        elif btype == 3 and ifaces and len(body) >= 4:
            yield ifaces[0], body[4:]
        off += blen


def decode_seeds(dirs):
    seen = set()
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(('.pcap', '.pcapng', '.cap')):
                continue
            taken = 0
            for lt, frame in pcap_frames(os.path.join(d, name)):
                sel = LINKTYPE_SEL.get(lt)
                if sel is None:
                    continue
                frame = frame[:MAX_FRAME]
                # one seed per distinct frame start (headers), not per payload
                key = (sel, frame[:64])
                if key in seen:
                    continue
                seen.add(key)
                put('decode', struct.pack('>H', sel) + frame)
                taken += 1
                if taken >= MAX_FRAMES_PER_FILE:
                    break
    # hand-made: every link type with an empty frame, and a minimal IPv4/UDP
    ip4udp = bytes.fromhex('4500001c000100004011f9cc0a0000010a000002'  # v4, len 28, udp
                           '04d200350008 0000'.replace(' ', ''))       # 1234 -> 53, len 8
    for sel in range(len(DLTS)):
        put('decode', struct.pack('>H', sel))
    put('decode', struct.pack('>H', 3) + ip4udp)
    put('decode', struct.pack('>H', 5) + ip4udp[:19])
    for frame in fast_path_frames():
        put('decode', struct.pack('>H', 0) + frame, 'fastpath')
    for frame in tunnel_frames():
        put('decode', struct.pack('>H', 0) + frame, 'tunnel')


def tunnel_frames():
    """Ethernet frames carrying each tunnel decode.c knows (IP in IP, GRE
    with IP and Ethernet, ERSPAN I/II/III, VXLAN, Geneve, GTP-U with an
    extension header), nested, PPPoE and MPLS, so the fuzzer starts inside the inner
    decode."""
    eth = bytes.fromhex('005056000001' '005056000002' '0800')

    def ip4(payload, proto, src=1, frag=0):
        return (bytes([0x45, 0]) + struct.pack('>HHH', 20 + len(payload), 7, frag) +
                bytes([64, proto]) + b'\0\0' + bytes([10, 0, 0, src, 10, 0, 0, 2]) + payload)

    def udp(payload, sport, dport):
        return struct.pack('>HHHH', sport, dport, 8 + len(payload), 0) + payload

    syn = struct.pack('>HHIIBBHHH', 50000, 20003, 1000, 0, 5 << 4, 0x02, 64240, 0, 0)
    inner = ip4(syn, 6, src=9)
    gre_ip = b'\x00\x00\x08\x00'
    gre_keyseq = b'\x30\x00\x08\x00' + b'\0\0\0\x2a' + b'\0\0\0\x01'
    gre_teb = b'\x00\x00\x65\x58'
    erspan1 = b'\x00\x00\x88\xbe'
    erspan2 = b'\x10\x00\x88\xbe' + b'\0\0\0\x01' + b'\x10\x64\x00\x05' + b'\0' * 4
    erspan3 = (b'\x10\x00\x22\xeb' + b'\0\0\0\x01' + b'\x20\x64\x00\x05' + b'\0' * 4 +
               b'\0\0\0\x01' + b'\0' * 8)
    vxlan = b'\x08\0\0\0\0\0\x2a\0'
    geneve = b'\x02\x00\x65\x58' + b'\0\0\x2a\0' + b'\x01\x08\x01\x01' + b'\0\0\0\x05'
    gtp = b'\x34\xff\x00\x34' + b'\0\0\0\x01' + b'\0\0\0\x85' + b'\x01\x00\x09\x00'
    pppoe = eth[:12] + b'\x88\x64\x11\x00\x00\x2a\x00\x2e\x00\x21'
    return [
        eth + ip4(inner, 4),                                  # IPv4 in IPv4
        eth + ip4(ip4(ip4(inner, 4), 4), 4),                  # nested past the depth cap
        eth + ip4(gre_ip + inner, 47),
        eth + ip4(gre_keyseq + inner, 47),
        eth + ip4(gre_keyseq[:6], 47),                        # GRE header cut
        eth + ip4(gre_teb + eth + inner, 47),
        eth + ip4(erspan1 + eth + inner, 47),
        eth + ip4(erspan2 + eth + inner, 47),
        eth + ip4(erspan3 + eth + inner, 47),
        eth + ip4(gre_ip + inner[:30], 47),                   # inner cut
        eth + ip4(udp(vxlan + eth + inner, 54321, 4789), 17),
        eth + ip4(udp(geneve + eth + inner, 40000, 6081), 17),
        eth + ip4(udp(b'\x00\x00\x08\x00\0\0\x2a\0' + inner, 40000, 6081), 17),  # Geneve, IP
        eth + ip4(udp(gtp + inner, 2152, 2152), 17),
        eth + ip4(udp(b'not gtp at all', 40000, 2152), 17),
        eth + ip4(udp(gtp[:12] + b'\x00' + gtp[13:] + inner, 2152, 2152), 17),  # ext length 0
        pppoe + inner,
        eth[:12] + b'\x88\x47' + b'\x00\x01\x00\x40' + b'\x00\x01\x11\x40' + inner,  # MPLS
        eth[:12] + b'\x81\x00\x00\x64\x88\x47' + b'\x00\x01\x00\x40' * 9 + inner,
    ]


def fast_path_frames():
    """Untagged Ethernet/IPv4 TCP and UDP frames at and just past the edges
    of decode.c's fast path, so the replay compares it with the general path
    (fuzz_decode.c) where they could part."""
    eth = bytes.fromhex('005056000001' '005056000002' '0800')

    def ip4(l4, proto, tot=None, ihl=5, frag=0, opts=b''):
        tot = 20 + len(opts) + len(l4) if tot is None else tot
        return (bytes([0x40 | ihl, 0]) + struct.pack('>HHH', tot, 7, frag) +
                bytes([64, proto]) + b'\0\0' + bytes([10, 0, 0, 1, 10, 0, 0, 2]) + opts + l4)

    def tcp(flags, payload=b'', doff=5, opts=b''):
        return (struct.pack('>HHIIBBHHH', 50000, 20003, 1000, 2000, doff << 4, flags,
                            64240, 0, 0) + opts + payload)

    def udp(payload, ulen=None):
        ulen = 8 + len(payload) if ulen is None else ulen
        return struct.pack('>HHHH', 50000, 53, ulen, 0) + payload

    syn = tcp(0x02, doff=6, opts=b'\x02\x04\x05\xb4')
    frames = [
        eth + ip4(tcp(0x02), 6) + b'\0' * 6,                 # SYN, Ethernet padding
        eth + ip4(syn, 6),                                    # SYN with MSS option
        eth + ip4(syn, 6)[:20 + 20 + 2],                      # options cut by the snaplen
        eth + ip4(tcp(0x18, b'GET / HTTP/1.1\r\n\r\n'), 6),  # data
        eth + ip4(tcp(0x18, b'x' * 40), 6)[:20 + 20 + 10],    # payload cut by the snaplen
        eth + ip4(tcp(0x10, doff=15), 6),                     # data offset past the segment
        eth + ip4(tcp(0x10, doff=4), 6),                      # data offset < 5
        eth + ip4(tcp(0x10), 6)[:20 + 19],                    # TCP header cut
        eth + ip4(udp(b'q' * 12), 17),                        # UDP
        eth + ip4(udp(b'q' * 4), 17) + b'\0' * 14,            # UDP, Ethernet padding
        eth + ip4(udp(b'q' * 12, ulen=10), 17),               # UDP length below the IP's
        eth + ip4(udp(b'q' * 4, ulen=40), 17),                # UDP length past the IP's
        eth + ip4(udp(b'q' * 4, ulen=7), 17),                 # UDP length < 8
        eth + ip4(udp(b'q' * 4), 17)[:20 + 7],                # UDP header cut
        eth + ip4(tcp(0x02), 6, tot=0),                       # total length 0 (TSO)
        eth + ip4(tcp(0x02), 6, tot=30),                      # total length inside TCP
        eth + ip4(tcp(0x02), 6, frag=0x2000),                 # first fragment (MF)
        eth + ip4(b'\0' * 16, 6, frag=0x0002),               # later fragment
        eth + ip4(tcp(0x02), 6, ihl=6, opts=b'\x01\x01\x01\x00'),  # IP options
        eth + ip4(tcp(0x02), 6, ihl=15),                      # IHL past the total length
        eth + ip4(tcp(0x02), 6, ihl=4),                       # IHL < 5
        eth + ip4(udp(b''), 1),                               # ICMP: not the fast path
        eth[:12] + b'\x86\xdd' + ip4(tcp(0x02), 6),          # IPv4 header, IPv6 type
        eth + bytes([0x60]) + ip4(tcp(0x02), 6)[1:],          # version 6 in an IPv4 type
    ]
    # one VLAN tag (each type), and two, which the fast path leaves alone
    for tpid in (b'\x81\x00', b'\x88\xa8', b'\x91\x00'):
        frames.append(eth[:12] + tpid + b'\x20\x64' + eth[12:] + ip4(tcp(0x02), 6))
    frames.append(eth[:12] + b'\x81\x00\x00\x64' + eth[12:] + ip4(udp(b'q'), 17)[:10])
    frames.append(eth[:12] + b'\x81\x00\x00\x64')        # tag cut
    frames.append(eth[:12] + b'\x88\xa8\x00\xc8\x81\x00\x00\x64' + eth[12:] +
                  ip4(tcp(0x02), 6))

    def ip6(l4, nh, plen=None):
        plen = len(l4) if plen is None else plen
        return (b'\x60\x00\x00\x00' + struct.pack('>H', plen) + bytes([nh, 64]) +
                bytes.fromhex('fd000000000000000000000000000001') +
                bytes.fromhex('fd000000000000000000000000000002') + l4)

    eth6 = eth[:12] + b'\x86\xdd'
    frames += [
        eth6 + ip6(tcp(0x02), 6),                             # IPv6 SYN
        eth6 + ip6(tcp(0x18, b'x' * 30), 6)[:40 + 20 + 4],    # payload cut
        eth6 + ip6(tcp(0x10, doff=15), 6),                    # data offset past the segment
        eth6 + ip6(udp(b'q' * 8), 17) + b'\0' * 8,            # UDP + trailer
        eth6 + ip6(udp(b'q' * 8, ulen=30), 17),               # UDP length past the IP's
        eth6 + ip6(tcp(0x02), 6, plen=0),                     # payload length 0
        eth6 + ip6(tcp(0x02), 6, plen=4),                     # payload length inside TCP
        eth6 + ip6(tcp(0x02), 6)[:39],                        # IPv6 header cut
        eth6 + ip6(b'\x06\x00' + b'\0' * 6 + tcp(0x02), 0),  # hop-by-hop first
        eth6 + ip6(b'\x06\x00\x00\x01' + b'\0' * 4 + tcp(0x02), 44),  # fragment header
        eth6 + bytes([0x40]) + ip6(tcp(0x02), 6)[1:],         # version 4 in an IPv6 type
        eth[:12] + b'\x81\x00\x00\x64' + eth6[12:] + ip6(udp(b'q'), 17),  # tagged IPv6
    ]
    return frames


def pcap_bytes(lt, recs):
    """A little-endian microsecond pcap file of (ts_sec, ts_usec, wirelen, frame) records."""
    out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt)
    for sec, usec, wire, frame in recs:
        out += struct.pack('<IIII', sec, usec, len(frame), wire) + frame
    return out


def pcap_records(path):
    """Yield (linktype, (sec, usec, wirelen, frame)) like pcap_frames, with times."""
    data = open(path, 'rb').read()
    if data[:4] == b'\xd4\xc3\xb2\xa1':
        e, ns = '<', False
    elif data[:4] == b'\xa1\xb2\xc3\xd4':
        e, ns = '>', False
    elif data[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d'):
        e, ns = ('<' if data[0] == 0x4d else '>'), True
    else:
        # pcapng: times are not needed for seeds; space the frames 1 ms apart
        for i, (lt, frame) in enumerate(pcapng_frames(data) if data[:4] == b'\x0a\x0d\x0d\x0a'
                                        else []):
            yield lt, (1700000000, i * 1000, len(frame), frame)
        return
    lt = struct.unpack(e + 'I', data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, wire = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        if off + incl > len(data):
            return
        yield lt, (sec, frac // 1000 if ns else frac, wire, data[off:off + incl])
        off += incl


def pipeline_seeds(dirs):
    """Whole small captures (pcapng kept as is) and the first packets of larger ones."""
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(('.pcap', '.pcapng', '.cap')):
                continue
            path = os.path.join(d, name)
            raw = open(path, 'rb').read()
            if len(raw) <= MAX_PIPELINE and raw[:4] == b'\x0a\x0d\x0d\x0a':
                put('pipeline', raw)
                continue
            recs, lt0, size = [], None, 24
            for lt, rec in pcap_records(path):
                if lt not in LINKTYPE_SEL or (lt0 is not None and lt != lt0):
                    break
                lt0 = lt
                size += 16 + len(rec[3])
                if len(recs) >= MAX_PIPELINE_PKTS or size > MAX_PIPELINE:
                    break
                recs.append(rec)
            if recs:
                put('pipeline', pcap_bytes(lt0, recs))


def main():
    global CORPUS
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=CORPUS, help='output directory (default %(default)s)')
    ap.add_argument('--pcaps', action='append',
                    help='directory of capture files (repeatable)')
    a = ap.parse_args()
    CORPUS = a.out
    dirs = a.pcaps or ['/work/shared/pcaps/public', os.path.join(ROOT, 'pcaps')]
    rules_seeds()
    site_seeds()
    decode_seeds(dirs)
    pipeline_seeds(dirs)
    for t in ('rules', 'site', 'decode', 'pipeline'):
        d = os.path.join(CORPUS, t)
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        print('%s: %d files' % (t, n), file=sys.stderr)


if __name__ == '__main__':
    main()
