#!/usr/bin/env python3
# mkhostile.py — hostile capture files, written byte by byte with struct.pack.
#
# Each function returns (or streams) a capture that is broken or abusive in
# one precise way; tests/hostile/run_hostile.py runs rasflow over them. Nothing
# here uses libpcap or rasflow, so a bug there cannot hide in the input.
#
#   mkhostile.py CASE OUTFILE      write one case to a file ('-' = stdout)
#
# The flood case streams (flood_write) instead of building 140 MB in memory.
import struct
import sys

# pcap global header (libpcap's savefile format, microsecond magic):
#   magic u32 | version_major u16 | version_minor u16 | thiszone i32 |
#   sigfigs u32 | snaplen u32 | linktype u32
PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1

BASE_TS = 1700000000		# 2023-11-14T22:13:20Z, seconds


def global_header(snaplen=65535, linktype=LINKTYPE_ETHERNET, magic=PCAP_MAGIC):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def record_header(ts_us, caplen, wirelen):
    """Per-record header: ts_sec u32 | ts_usec u32 | caplen u32 | len u32."""
    return struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, caplen, wirelen)


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


# TCP flags
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_frame(src, dst, sport, dport, flags, seq=1000, ack=0, payload=b"", ipid=1):
    """Ethernet II + IPv4 (no options, DF) + TCP (no options) + payload.
    src/dst are 4-byte addresses. TCP checksum left 0 (rasflow checks none)."""
    tcp = struct.pack(">HHIIBBHHH",
                      sport, dport,		# ports
                      seq, ack,			# sequence, acknowledgement
                      5 << 4,			# data offset 5 words, no options
                      flags,			# flags
                      64240,			# window
                      0, 0)			# checksum (unchecked), urgent pointer
    total = 20 + len(tcp) + len(payload)
    ip = bytearray(struct.pack(">BBHHHBBH4s4s",
                               0x45, 0,		# version 4, IHL 5; DSCP/ECN
                               total, ipid,	# total length, identification
                               0x4000,		# flags DF, fragment offset 0
                               64, 6, 0,	# TTL, protocol TCP, checksum (below)
                               src, dst))
    struct.pack_into(">H", ip, 10, ip_checksum(ip))
    eth = (bytes.fromhex("020000000002")	# destination MAC
           + bytes.fromhex("020000000001")	# source MAC
           + struct.pack(">H", 0x0800))	# EtherType IPv4
    return eth + bytes(ip) + tcp + payload


def record(ts_us, frame, caplen=None, wirelen=None):
    caplen = len(frame) if caplen is None else caplen
    wirelen = len(frame) if wirelen is None else wirelen
    return record_header(ts_us, caplen, wirelen) + frame


# A small healthy exchange used as the "earlier packets" of several cases:
# 10.1.0.1:40000 -> 10.1.0.2:8080, handshake, 1 data segment each way, FIN.
HS_SRC, HS_DST = ip4("10.1.0.1"), ip4("10.1.0.2")


def handshake(t0, sport=40000, dport=8080):
    """Seven frames (ts t0, t0+1ms, ...) of one complete TCP connection."""
    c, s = (HS_SRC, HS_DST, sport, dport), (HS_DST, HS_SRC, dport, sport)
    frames = [
        tcp_frame(*c, SYN, seq=100),
        tcp_frame(*s, SYN | ACK, seq=500, ack=101),
        tcp_frame(*c, ACK, seq=101, ack=501),
        tcp_frame(*c, PSH | ACK, seq=101, ack=501, payload=b"hello\n"),
        tcp_frame(*s, PSH | ACK, seq=501, ack=107, payload=b"world\n"),
        tcp_frame(*c, FIN | ACK, seq=107, ack=507),
        tcp_frame(*s, FIN | ACK, seq=507, ack=108),
    ]
    return b"".join(record(t0 + i * 1000, f) for i, f in enumerate(frames))


HANDSHAKE_FRAMES = 7


def caplen_over_snaplen():
    """snaplen 128; one 7-frame handshake, then a 300-byte frame whose caplen
    (300) exceeds the snaplen, then another handshake. libpcap reads the first
    128 bytes and skips the rest (its documented tolerance for old writers)."""
    t0 = BASE_TS * 1000000
    big = tcp_frame(HS_SRC, HS_DST, 40001, 8080, SYN, payload=bytes(246))	# 300 bytes
    assert len(big) == 300
    return (global_header(snaplen=128) + handshake(t0)
            + record(t0 + 10000, big)
            + handshake(t0 + 20000, sport=40002))


def caplen_over_max():
    """A handshake, then a record whose caplen is 300000 (> 262144, libpcap's
    limit for Ethernet) with the bytes really there (a 1500-byte frame and
    zero padding), then a handshake."""
    t0 = BASE_TS * 1000000
    frame = tcp_frame(HS_SRC, HS_DST, 40001, 8080, ACK, payload=bytes(1500 - 54))
    frame += bytes(300000 - len(frame))
    return (global_header() + handshake(t0)
            + record(t0 + 10000, frame)
            + handshake(t0 + 20000, sport=40002))


def snaplen_zero():
    """snaplen 0 in the global header, then two ordinary handshakes."""
    t0 = BASE_TS * 1000000
    return global_header(snaplen=0) + handshake(t0) + handshake(t0 + 20000, sport=40002)


def bad_magic():
    """24 bytes of noise (fixed, not a known magic)."""
    return bytes.fromhex("5e8a1f3c9b7d2e4a6c0f1b3d5e7a9c2e4b6d8f0a1c3e5b7d")


def pcapng_bad_shb_length():
    """pcapng Section Header Block whose total length (13) is not a multiple
    of 4 and smaller than a minimal SHB (28)."""
    # block type | block total length | byte-order magic | major | minor | section length
    return struct.pack("<IIIHHq", 0x0A0D0D0A, 13, 0x1A2B3C4D, 1, 0, -1)


def pcapng_bad_block_length():
    """A valid pcapng SHB and IDB, two EPBs of the handshake, then an EPB whose
    total length field (8) is below the minimum for its type."""
    shb = struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28)
    # IDB: type 1 | length 20 | linktype u16 | reserved u16 | snaplen u32 | length 20
    idb = struct.pack("<IIHHII", 1, 20, LINKTYPE_ETHERNET, 0, 65535, 20)
    t0 = BASE_TS * 1000000
    out = shb + idb
    for i, f in enumerate([tcp_frame(HS_SRC, HS_DST, 40000, 8080, SYN),
                           tcp_frame(HS_DST, HS_SRC, 8080, 40000, SYN | ACK)]):
        pad = (4 - len(f) % 4) % 4
        blen = 32 + len(f) + pad
        ts = t0 + i * 1000
        # EPB: type 6 | length | interface id | ts high | ts low | caplen | len | data | length
        out += struct.pack("<IIIIIII", 6, blen, 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f))
        out += f + bytes(pad) + struct.pack("<I", blen)
    out += struct.pack("<II", 6, 8) + bytes(24)	# EPB claiming 8 bytes in total
    return out


def truncated_record():
    """Two handshakes (14 frames), then a record header promising 1500 bytes
    with only 700 following."""
    t0 = BASE_TS * 1000000
    frame = tcp_frame(HS_SRC, HS_DST, 40003, 8080, ACK, payload=bytes(1500 - 54))
    return (global_header() + handshake(t0) + handshake(t0 + 20000, sport=40002)
            + record_header(t0 + 40000, 1500, 1500) + frame[:700])


def ts_backwards():
    """Three complete connections at t0, t0+10 s, t0+20 s, then three more an
    hour EARLIER (t0-3600 s, ...): the clock jumps back midway; the second
    half reuses the first half's ports. An unanswered connection to port 8081
    sends 2 SYNs before the jump and 2 after it (4 SYNs in one flow whose
    later packets are stamped an hour before its first)."""
    t0 = BASE_TS * 1000000
    back = t0 - 3600000000
    syn = tcp_frame(HS_SRC, HS_DST, 42000, 8081, SYN, seq=7)
    out = global_header()
    for i in range(3):
        out += handshake(t0 + i * 10000000, sport=41000 + i)
    # an unanswered connection whose SYN retries straddle the jump
    out += record(t0 + 25000000, syn) + record(t0 + 26000000, syn)
    for i in range(3):
        out += handshake(back + i * 10000000, sport=41000 + i)
    out += record(back + 28000000, syn) + record(back + 32000000, syn)
    return out


def zero_length():
    return b""


def ten_bytes():
    """The first 10 bytes of a valid global header."""
    return global_header()[:10]


CASES = {
    "caplen-over-snaplen": caplen_over_snaplen,
    "caplen-over-max": caplen_over_max,
    "snaplen-zero": snaplen_zero,
    "bad-magic": bad_magic,
    "pcapng-bad-shb": pcapng_bad_shb_length,
    "pcapng-bad-block": pcapng_bad_block_length,
    "truncated-record": truncated_record,
    "ts-backwards": ts_backwards,
    "zero-length": zero_length,
    "ten-bytes": ten_bytes,
}


# The flood: n unique flows, one SYN each, 10 us apart, all to tcp 8080 (not a
# RAS port: the edges are "ignored", so few are listed). Two shapes:
# - spoofed (a SYN flood from forged sources): source addresses counted up from
#   100.64.0.1 (CGNAT space, never a group address), so every flow is its own
#   edge and brings its own host: the analyzer's edge and host caps are hit;
# - scan-like (one real source): 100.64.0.1 from source ports 1024..60999 to
#   198.18.0.10, .11, ... (one more address every 59976 flows): few edges and
#   hosts, so only the flow table is under pressure.
FLOOD_DST0 = 0xC612000A		# 198.18.0.10
FLOOD_DPORT = 8080
FLOOD_SRC0 = 0x64400001
FLOOD_GAP_US = 10
FLOOD_BATCH = 4096


def flood_write(out, n, spoofed=True):
    """Write the n-flow flood as a pcap to the binary stream out."""
    out.write(global_header())
    tmpl = bytearray(record(0, tcp_frame(b"\0\0\0\0", b"\0\0\0\0", 0, FLOOD_DPORT, SYN, seq=1)))
    # offsets in one record: 16 header + 14 Ethernet; IP checksum at IP+10,
    # source and destination addresses at IP+12 and IP+16 (zero in the
    # template, so its checksum sum plus theirs is the packet's), TCP source
    # port at IP+20.
    ip = 16 + 14
    tmpl[ip + 10:ip + 12] = b"\0\0"
    base_sum = 0
    for i in range(0, 20, 2):
        base_sum += (tmpl[ip + i] << 8) | tmpl[ip + i + 1]
    rec_len = len(tmpl)
    buf = bytearray(rec_len * FLOOD_BATCH)
    pack_into = struct.pack_into
    t0 = BASE_TS * 1000000
    i = 0
    while i < n:
        k = min(FLOOD_BATCH, n - i)
        for j in range(k):
            buf[j * rec_len:(j + 1) * rec_len] = tmpl
        for j in range(k):
            k_ = i + j
            if spoofed:
                src, dst, sport = FLOOD_SRC0 + k_, FLOOD_DST0, 1024 + k_ % 59976
            else:
                src, dst, sport = FLOOD_SRC0, FLOOD_DST0 + k_ // 59976, 1024 + k_ % 59976
            s = base_sum + (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
            s = (s & 0xFFFF) + (s >> 16)
            s = (s & 0xFFFF) + (s >> 16)
            ts = t0 + k_ * FLOOD_GAP_US
            o = j * rec_len
            pack_into("<II", buf, o, ts // 1000000, ts % 1000000)
            pack_into(">HII", buf, o + ip + 10, (~s) & 0xFFFF, src, dst)
            pack_into(">H", buf, o + ip + 20, sport)
        out.write(memoryview(buf)[:k * rec_len])
        i += k


def main(argv):
    if len(argv) != 2 or (argv[0] not in CASES and argv[0] not in ("flood", "flood-scan")):
        print("usage: mkhostile.py {%s|flood|flood-scan} OUTFILE" % "|".join(sorted(CASES)),
              file=sys.stderr)
        return 2
    out = sys.stdout.buffer if argv[1] == "-" else open(argv[1], "wb")
    if argv[0] in ("flood", "flood-scan"):
        flood_write(out, 2000000, spoofed=argv[0] == "flood")
    else:
        out.write(CASES[argv[0]]())
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
