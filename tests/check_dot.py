#!/usr/bin/env python3
"""`rasflow analyze --format dot` renders with Graphviz and draws what the
sample captures show (pcaps/README.md): the expected arrows, in the colour of
their verdict, marked when seen one way only, checked in the SVG that `dot` itself produced (so attributes
dot failed to parse would show). Also a capture whose TLS SNI carries quotes
and backslashes: the name must come out as text, not as DOT syntax.
Skips (77) when `dot` is not installed."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

BIN = os.environ.get("RASFLOW_BIN", "build/rasflow")
SRC = os.environ.get("RASFLOW_SRCDIR", ".")
SVG = "{http://www.w3.org/2000/svg}"

# The colours report_dot.c asks for, as dot writes them into SVG (by name
# when SVG knows the name, else in hex; purple is SVG's own #800080 then).
GREEN = ("forestgreen", "#228b22")
RED = ("red3", "#cd0000")
ORANGE = ("darkorange", "#ff8c00")
PURPLE = ("purple", "#a020f0")
GREY = ("gray60", "#999999")

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)


def render(args):
    """Run rasflow with --format dot, then dot -Tsvg; return (dot text, svg root)."""
    r = subprocess.run([BIN, "analyze", "--format", "dot"] + args, capture_output=True)
    check(r.returncode in (0, 1), f"{args}: rasflow exit {r.returncode}: {r.stderr.decode()}")
    d = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True)
    check(d.returncode == 0, f"{args}: dot exit {d.returncode}: {d.stderr.decode()}")
    check(d.stderr == b"", f"{args}: dot warned: {d.stderr.decode()}")
    if d.returncode != 0 or not d.stdout:
        return r.stdout.decode(errors="replace"), ET.Element(SVG + "svg")
    return r.stdout.decode(), ET.fromstring(d.stdout)


def svg_edges(root):
    """{(tail, head): [(stroke, dashed, label text)]} from dot's SVG."""
    out = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") != "edge":
            continue
        title = g.find(SVG + "title").text
        tail, head = title.split("->")
        path = next(g.iter(SVG + "path"))
        text = " ".join(t.text or "" for t in g.iter(SVG + "text"))
        out.setdefault((tail, head), []).append(
            (path.get("stroke"), path.get("stroke-dasharray") is not None, text))
    return out


def svg_nodes(root):
    """{node name: (text lines, cluster title)} from dot's SVG."""
    nodes = {}
    cluster = {}
    for g in root.iter(SVG + "g"):
        if g.get("class") == "cluster":
            cluster_title = g.find(SVG + "title").text
            cluster[g.get("id")] = cluster_title
    # Graphviz writes each node after the clusters; membership comes from
    # the DOT text below, names and text lines from the SVG.
    for g in root.iter(SVG + "g"):
        if g.get("class") == "node":
            nodes[g.find(SVG + "title").text] = [t.text for t in g.iter(SVG + "text")]
    return nodes


def dot_clusters(text):
    """{node id: cluster name} from the DOT text (one statement per line)."""
    where, cur = {}, None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('subgraph "cluster_'):
            cur = s.split('"')[1]
        elif s == "}":
            cur = None
        elif cur and s.startswith('"') and "->" not in s and "[label=" in s:
            where[s[1:s.index('" [')]] = cur
    return where


def expect(edges, tail, head, stroke, label, dashed=False):
    got = edges.get((tail, head), [])
    ok = any(s in stroke and d == dashed and label in t for s, d, t in got)
    check(ok, f"no {'dashed ' if dashed else ''}{stroke[0]} arrow {tail} -> {head} "
              f"labelled '{label}'; have {got}")


def count(edges, stroke, dashed=None):
    return sum(1 for (t, h), v in edges.items() if not t.startswith("legend")
               for s, d, _ in v if s in stroke and (dashed is None or d == dashed))


def pcap(name):
    return os.path.join(SRC, "pcaps", name)


def failed_deployment():
    text, root = render(["--site", pcap("failed-deployment.site"), pcap("failed-deployment.pcap")])
    e = svg_edges(root)
    # pcaps/README.md: five failures, each in red with its outcome
    expect(e, "10.20.1.21", "10.20.0.10", RED, "tcp/20003 unanswered")
    expect(e, "10.20.0.10", "10.20.1.22", RED, "tcp/30004 refused")
    expect(e, "10.20.0.20", "10.20.0.11", RED, "tcp/20002 unreachable")
    expect(e, "10.20.0.20", "10.20.0.10", RED, "udp/20009 unreachable")
    expect(e, "fd00:20::20", "fd00:20::10", RED, "tcp/20002 unreachable")
    check(count(e, RED) == 5, f"failed-deployment: {count(e, RED)} red arrows, want 5")
    # working for contrast, green
    expect(e, "10.20.0.20", "10.20.0.10", GREEN, "tcp/20002")
    expect(e, "10.20.1.22", "10.20.0.10", GREEN, "tcp/20003")
    expect(e, "10.20.0.10", "10.20.0.11", GREEN, "tcp/20001")
    expect(e, "10.20.0.11", "10.20.0.10", GREEN, "tcp/20030")
    expect(e, "fd00:20::11", "fd00:20::10", GREEN, "tcp/20030")
    check(count(e, ORANGE) + count(e, PURPLE) + count(e, GREY) == 0,
          "failed-deployment: unexpected/mismatch/ignored arrows")
    n = svg_nodes(root)
    check(n.get("10.20.0.10") == ["cb1", "10.20.0.10"], f"cb1 node text {n.get('10.20.0.10')}")
    where = dot_clusters(text)
    # rdsh hosts (which also have the implied role rds) sit in cluster_rdsh
    for addr, role in (("10.20.0.10", "cluster_broker"), ("fd00:20::11", "cluster_broker"),
                       ("10.20.0.20", "cluster_gateway"), ("10.20.1.21", "cluster_rdsh"),
                       ("10.20.1.22", "cluster_rdsh")):
        check(where.get(addr) == role, f"{addr} in {where.get(addr)}, want {role}")


def missing_heartbeat():
    text, root = render(["--site", pcap("missing-heartbeat.site"), pcap("missing-heartbeat.pcap")])
    e = svg_edges(root)
    # rdsh2 stopped its heartbeat; prov2 never appeared (both directions)
    expect(e, "10.20.1.22", "role:broker", RED, "tcp/20003 missing", dashed=True)
    expect(e, "10.20.0.41", "role:broker", RED, "prov-brk", dashed=True)
    expect(e, "role:broker", "10.20.0.41", RED, "brk-prov", dashed=True)
    check(count(e, RED, dashed=True) == 3, "missing-heartbeat: want 3 dashed arrows")
    check(count(e, RED, dashed=False) == 0, "missing-heartbeat: no failed arrows")
    check(dot_clusters(text).get("role:broker") == "cluster_broker",
          "the role:broker placeholder is not in cluster_broker")
    n = svg_nodes(root)
    check(n.get("10.20.0.41") == ["prov2", "10.20.0.41", "not in the capture"],
          f"prov2 node text {n.get('10.20.0.41')}")


def standby_broker():
    # cb2 is idle towards agents and the gateway: missing unless the site marks it standby
    _, root = render(["--site", pcap("standby-broker-unmarked.site"), pcap("standby-broker.pcap")])
    e = svg_edges(root)
    check(count(e, RED, dashed=True) == 3, "standby-broker-unmarked: want 3 dashed arrows")
    check(svg_nodes(root).get("10.20.0.11") == ["cb2", "10.20.0.11"],
          f"unmarked cb2 node text {svg_nodes(root).get('10.20.0.11')}")
    _, root = render(["--site", pcap("standby-broker.site"), pcap("standby-broker.pcap")])
    e = svg_edges(root)
    check(count(e, RED, dashed=True) == 0, "standby-broker: no dashed arrows")
    check(svg_nodes(root).get("10.20.0.11") == ["cb2", "10.20.0.11", "standby"],
          f"standby cb2 node text {svg_nodes(root).get('10.20.0.11')}")


def rogue_and_mismatch():
    _, root = render(["--site", pcap("rogue-traffic.site"), pcap("rogue-traffic.pcap")])
    e = svg_edges(root)
    expect(e, "10.20.9.50", "10.20.1.21", ORANGE, "tcp/30004")
    expect(e, "10.20.1.21", "10.20.1.22", ORANGE, "tcp/20003")
    expect(e, "10.20.1.22", "10.20.1.21", ORANGE, "tcp/30005")
    check(("10.20.0.20", "10.20.0.80") not in e, "ignored gw1 -> sql1 drawn without --all")
    _, root = render(["--all", "--site", pcap("rogue-traffic.site"), pcap("rogue-traffic.pcap")])
    expect(svg_edges(root), "10.20.0.20", "10.20.0.80", GREY, "tcp/1433")
    _, root = render(["--site", pcap("app-mismatch.site"), pcap("app-mismatch.pcap")])
    e = svg_edges(root)
    expect(e, "10.20.0.20", "10.20.1.21", PURPLE, "tcp/3389 SSH")
    expect(e, "10.20.8.10", "10.20.0.70", PURPLE, "tcp/20443 HTTP")
    check(count(e, PURPLE) == 2, "app-mismatch: want 2 purple arrows")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """Ethernet + IPv4 + TCP (no options), checksums filled in."""
    s, d = bytes(src), bytes(dst)
    th = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = csum(s + d + struct.pack("!BBH", 0, 6, len(th) + len(payload)) + th + payload)
    th = th[:16] + struct.pack("!H", c) + th[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th) + len(payload), 1, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + b"\x08\x00" + ip + th + payload


def client_hello(sni):
    """A TLS 1.2 ClientHello record with one extension, server_name = sni."""
    names = struct.pack("!BH", 0, len(sni)) + sni            # host_name, length, name
    ext = struct.pack("!HHH", 0, len(names) + 2, len(names)) + names  # type 0, len, list len
    body = (b"\x03\x03" + b"\x11" * 32 + b"\x00"             # version, random, no session id
            + b"\x00\x02\x13\x01" + b"\x01\x00"              # one cipher suite, null compression
            + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def hostile_sni(tmp):
    # nDPI lowercases the name and turns bytes it dislikes into '?', but keeps
    # quotes, backslashes, brackets and '>': enough to break an unescaped label.
    sni = b'x"];evil->pwn;"\\n\\l\\\xff'
    cli, srv = [10, 20, 9, 50], [10, 20, 0, 99]
    frames = [
        tcp_frame(cli, srv, 50000, 443, 1000, 0, 0x02),         # SYN
        tcp_frame(srv, cli, 443, 50000, 5000, 1001, 0x12),      # SYN/ACK
        tcp_frame(cli, srv, 50000, 443, 1001, 5001, 0x10),      # ACK
        tcp_frame(cli, srv, 50000, 443, 1001, 5001, 0x18, client_hello(sni)),
    ]
    path = os.path.join(tmp, "hostile-sni.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)) + fr)
    _, root = render(["--all", path])
    n = svg_nodes(root)
    check(set(n) == {"10.20.9.50", "10.20.0.99", "legend"},
          f"hostile SNI: nodes {sorted(n)} (DOT injection?)")
    check(n.get("10.20.0.99", [None])[0] == 'x"];evil->pwn;"\\n\\l\\?',
          f"hostile SNI: label {n.get('10.20.0.99')}")
    check(set(svg_edges(root)) == {("10.20.9.50", "10.20.0.99")}, "hostile SNI: edges")


def one_way_mirror():
    # pcaps/README.md: rdsh1's and cb1's TCP worked, captured one way only;
    # rdsh2's, captured both ways, carry no mark
    _, root = render(["--site", pcap("one-way-mirror.site"), pcap("one-way-mirror.pcap")])
    e = svg_edges(root)
    expect(e, "10.20.1.21", "10.20.0.10", GREEN, "tcp/20003 (seen one way)")
    expect(e, "10.20.0.10", "10.20.1.21", GREEN, "tcp/30004 (seen one way)")
    expect(e, "10.20.1.21", "10.20.0.10", RED, "udp/20003 oneway")
    marked = [t for v in e.values() for _, _, t in v if "seen one way" in t]
    check(len(marked) == 2, f"one-way-mirror: {len(marked)} arrows marked, want 2")


def main():
    if shutil.which("dot") is None:
        print("SKIP: Graphviz dot is not installed")
        return 77
    failed_deployment()
    missing_heartbeat()
    standby_broker()
    rogue_and_mismatch()
    one_way_mirror()
    with tempfile.TemporaryDirectory() as tmp:
        hostile_sni(tmp)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: dot output renders and shows the expected arrows")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
