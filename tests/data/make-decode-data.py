#!/usr/bin/python3
"""make-decode-data.py: the small captures the decode and reader tests read.

    tests/data/make-decode-data.py [OUTDIR]     (default: this directory)

Packets are built with scapy, so their header fields come from an
implementation other than the one under test; the files are written by
hand (struct.pack) because the damaged ones need bytes no writer produces.
Every file is deterministic: running the script again gives the same bytes.
The expectations the tests check are written next to each file below.
"""
import os
import struct
import sys

from scapy.all import (CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q, Ether, IP,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP,
                       raw)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
T0 = 1763786000         # a fixed capture time: 2025-11-22

C4, S4 = "10.200.0.1", "10.200.0.2"
C6, S6 = "2001:db8::1", "2001:db8::2"


MACS = bytes.fromhex("020000000002" "020000000001")


def E(**kw):
    """Ethernet with fixed addresses, so that the files are reproducible."""
    return Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01", **kw)


def syn(sport=35660, **kw):
    """The client's SYN with the usual Linux options."""
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)),
            ("NOP", None), ("WScale", 7)]
    return TCP(sport=sport, dport=8080, flags="S", seq=1000, window=64240,
               options=opts, **kw)


def data_seg(n=100):
    return TCP(sport=35660, dport=8080, flags="PA", seq=1001, ack=5001) / Raw(b"x" * n)


# ---- writers -------------------------------------------------------------

def pcap_bytes(frames, dlt=1, snaplen=262144, nsec=False, big=False):
    """frames: list of (ts_sec, ts_frac, bytes[, wirelen])."""
    e = ">" if big else "<"
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, dlt)]
    for f in frames:
        sec, frac, data = f[0], f[1], f[2]
        wire = f[3] if len(f) > 3 else len(data)
        out.append(struct.pack(e + "IIII", sec, frac, len(data), wire) + data)
    return b"".join(out)


def ng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def ng_shb():
    return ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def ng_idb(dlt=1, tsresol=None):
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    return ng_block(1, struct.pack("<HHI", dlt, 0, 262144) + opts)


def ng_epb(ts_units, data, iface=0):
    return ng_block(6, struct.pack("<IIIII", iface, ts_units >> 32, ts_units & 0xffffffff,
                                   len(data), len(data)) + data)


def write(name, content):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(content)


def frames_of(pkts, t=T0):
    return [(t, i * 1000, raw(p)) for i, p in enumerate(pkts)]


# ---- link types: every frame is a TCP segment 10.200.0.1:35660 > :8080 ----

def link_types():
    ip4 = IP(src=C4, dst=S4) / syn()
    ip6 = IPv6(src=C6, dst=S6) / syn()
    # Ethernet, 802.1Q (vlan 100), QinQ 802.1ad 200 + 802.1Q 300, 0x9100 400 + 802.1Q 500
    write("eth-vlan.pcap", pcap_bytes(frames_of([
        E() / ip4,
        E() / Dot1Q(vlan=100) / ip4,
        E() / Dot1AD(vlan=200) / Dot1Q(vlan=300) / ip4,
        E(type=0x9100) / Dot1Q(vlan=400, type=0x8100) / Dot1Q(vlan=500) / ip4,
        E() / ip6,
    ])))
    write("sll.pcap", pcap_bytes(frames_of([CookedLinux() / ip4, CookedLinux() / ip6]), dlt=113))
    write("sll2.pcap", pcap_bytes(frames_of([CookedLinuxV2(proto=0x0800) / ip4,
                                             CookedLinuxV2(proto=0x86dd) / ip6]), dlt=276))
    write("raw101.pcap", pcap_bytes(frames_of([ip4, ip6]), dlt=101))
    write("raw12.pcap", pcap_bytes(frames_of([ip4, ip6]), dlt=12))
    write("raw14.pcap", pcap_bytes(frames_of([ip4, ip6]), dlt=14))
    write("ipv4.pcap", pcap_bytes(frames_of([ip4]), dlt=228))
    write("ipv6.pcap", pcap_bytes(frames_of([ip6]), dlt=229))
    # DLT_NULL: AF in the writer's order (little-endian here, then a big-endian
    # writer with Darwin's AF_INET6 30); DLT_LOOP: network order, OpenBSD's 24.
    write("null.pcap", pcap_bytes(frames_of([
        struct.pack("<I", 2) + raw(ip4), struct.pack("<I", 28) + raw(ip6),
        struct.pack(">I", 2) + raw(ip4), struct.pack(">I", 30) + raw(ip6),
    ]), dlt=0))
    write("loop.pcap", pcap_bytes(frames_of([
        struct.pack(">I", 2) + raw(ip4), struct.pack(">I", 24) + raw(ip6),
    ]), dlt=108))


# ---- IP and TCP details --------------------------------------------------

def ip_details():
    frames = [
        # 1: IPv4 with options (IHL 7) and 100 bytes of payload
        E() / IP(src=C4, dst=S4, options=b"\x94\x04\x00\x00\x01\x01\x01\x00") / data_seg(100),
        # 2: IPv6 hop-by-hop + routing + destination options, then TCP
        E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrHopByHop() /
        IPv6ExtHdrRouting(addresses=[]) / IPv6ExtHdrDestOpt() / data_seg(10),
        # 3: IPv6 atomic fragment (offset 0, M 0): a whole packet
        E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(offset=0, m=0, id=7) / data_seg(5),
        # 4: IPv6 first fragment (M 1): a fragment
        E() / IPv6(src=C6, dst=S6) / IPv6ExtHdrFragment(offset=0, m=1, id=8) / data_seg(16),
        # 5: IPv4 later fragment
        E() / IP(src=C4, dst=S4, flags=0, frag=3, proto=6) / Raw(b"y" * 24),
        # 6: UDP
        E() / IP(src=C4, dst=S4) / UDP(sport=53, dport=53) / Raw(b"q"),
        # 7: ARP-like ethertype
        E(type=0x0806) / Raw(b"\0" * 28),
    ]
    # 8: Ethernet padding: 1-byte payload in a 60-byte frame
    frames.append(raw(E() / IP(src=C4, dst=S4) / TCP(sport=35660, dport=8080, flags="A") /
                      Raw(b"z")) + b"\0" * 5)
    write("ip-details.pcap", pcap_bytes(frames_of(frames)))
    # Snaplen 64: a 1000-byte segment cut after its headers, and one cut
    # inside its TCP header (14 + 20 + 10 = 44 bytes captured).
    big = raw(E() / IP(src=C4, dst=S4) / data_seg(1000))
    write("snaplen.pcap", pcap_bytes([(T0, 0, big[:64], len(big)),
                                      (T0, 1, big[:44], len(big))], snaplen=64))


# ---- damage --------------------------------------------------------------

def damaged():
    good = frames_of([E() / IP(src=C4, dst=S4) / syn(sport=40000 + i) for i in range(3)])
    whole = pcap_bytes(good)
    # the file ends 20 bytes into frame 3's data
    write("cut-record.pcap", whole[:24 + 2 * (16 + len(good[0][2])) + 16 + 20])
    # the file ends 7 bytes into frame 3's record header
    write("cut-header.pcap", whole[:24 + 2 * (16 + len(good[0][2])) + 7])
    write("empty.pcap", b"")
    write("not-a-capture.txt", b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
    write("short-file-header.pcap", whole[:10])
    # snaplen 0xffffffff in the file header; the frames are fine
    write("absurd-snaplen.pcap", whole[:8] + b"\0" * 4 + b"\0" * 4 +
          struct.pack("<I", 0xffffffff) + whole[20:])
    # frame 2 claims 300000 captured bytes, more than the snaplen and the file
    rec = struct.pack("<IIII", T0, 5, 300000, 300000)
    write("huge-record.pcap", pcap_bytes(good[:1]) + rec + good[1][2])
    # snaplen 64 in the file header, records of 74 bytes: libpcap cuts them
    write("record-over-snaplen.pcap", pcap_bytes(good, snaplen=64))
    # timestamps 10, 9, 11, 5 s after T0: two steps backwards
    tsf = [(T0 + s, 0, good[0][2]) for s in (10, 9, 11, 5)]
    write("ts-backwards.pcap", pcap_bytes(tsf))
    # link type 147 (USER0): opens; decode says unsupported
    write("unsupported-dlt.pcap", pcap_bytes(good[:2], dlt=147))
    # nanosecond pcap with exact stamps
    write("nsec.pcap", pcap_bytes([(T0, 123456789, good[0][2]), (T0 + 1, 999999999, good[1][2])],
                                  nsec=True))
    # y2038: seconds above 2^31
    write("y2038.pcap", pcap_bytes([(0x80000010, 0, good[0][2])]))
    # big-endian pcap
    write("big-endian.pcap", pcap_bytes(good[:2], big=True))
    pcapng()
    header_lies()


def pcapng():
    g = [raw(E() / IP(src=C4, dst=S4) / syn(sport=41000 + i)) for i in range(3)]
    us = T0 * 1000000
    unknown = ng_block(0x00000BAD, b"not a block anyone knows")
    write("good.pcapng", ng_shb() + ng_idb() + ng_epb(us, g[0]) + ng_epb(us + 250, g[1]))
    # nanosecond resolution through if_tsresol = 9
    write("nsec.pcapng", ng_shb() + ng_idb(tsresol=9) + ng_epb(T0 * 10**9 + 5, g[0]))
    write("unknown-block.pcapng", ng_shb() + ng_idb() + ng_epb(us, g[0]) + unknown +
          ng_epb(us + 1, g[1]))
    # frame 2's EPB: its trailing length disagrees with its leading length
    bad = bytearray(ng_epb(us + 1, g[1]))
    bad[-4:] = struct.pack("<I", len(bad) + 8)
    write("corrupt-block.pcapng", ng_shb() + ng_idb() + ng_epb(us, g[0]) + bytes(bad) +
          ng_epb(us + 2, g[2]))
    # frame 2's EPB claims more captured bytes than the block holds
    lie = bytearray(ng_epb(us + 1, g[1]))
    struct.pack_into("<I", lie, 20, 4000)
    write("epb-caplen-lie.pcapng", ng_shb() + ng_idb() + ng_epb(us, g[0]) + bytes(lie))


def header_lies():
    """Whole frames (caplen = wirelen) whose headers point past them."""
    seg = raw(IP(src=C4, dst=S4) / TCP(sport=35660, dport=8080, flags="A"))
    ihl15 = bytearray(seg)
    ihl15[0] = 0x4f                       # IHL 15: 60 bytes, frame has 40
    doff15 = bytearray(seg)
    doff15[32] = 0xf0                     # data offset 15: 60 bytes, IP payload 20
    ihl3 = bytearray(seg)
    ihl3[0] = 0x43
    # An IPv6 chain of 20 destination-options headers: longer than allowed.
    chain = IPv6(src=C6, dst=S6)
    for _ in range(20):
        chain = chain / IPv6ExtHdrDestOpt()
    chain = chain / TCP(sport=35660, dport=8080, flags="A")
    # An extension header whose length runs past the payload length.
    runaway = bytearray(raw(IPv6(src=C6, dst=S6) / IPv6ExtHdrDestOpt() /
                            TCP(sport=35660, dport=8080, flags="A")))
    runaway[41] = 200                     # (200 + 1) * 8 bytes
    frames = [bytes(ihl15), bytes(doff15), bytes(ihl3), raw(chain), bytes(runaway)]
    write("header-lies.pcap", pcap_bytes(frames_of([MACS +
                                                    (b"\x08\x00" if f[0] >> 4 == 4 else b"\x86\xdd") + f
                                                    for f in frames])))


if __name__ == "__main__":
    link_types()
    ip_details()
    damaged()
