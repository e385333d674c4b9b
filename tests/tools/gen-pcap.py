#!/usr/bin/env python3
"""Write a synthetic pcap of N complete TCP connections (handshake, a
request, a response, a four-way close), CONCURRENT of them interleaved.

Usage: gen-pcap.py OUT.pcap N [CONCURRENT [SECONDS-BETWEEN-BATCHES]]
For tests that need a capture large enough to interrupt; deterministic."""
import struct
import sys


def frame(ts, src, dst, sport, dport, flags, seq, ack, payload=0):
    ip_len = 20 + 20 + payload
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 6, 0, src, dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, 65535, 0, 0)
    data = eth + ip + tcp + b"x" * payload
    sec, usec = int(ts), int((ts - int(ts)) * 1e6)
    return struct.pack("<IIII", sec, usec, len(data), len(data)) + data


def connection(i, t0):
    c = bytes([10, 1, (i >> 8) & 255, i & 255])
    s = bytes([10, 2, 0, 1])
    cp, sp = 1024 + i % 60000, 80
    ci, si = 1000 + i * 7919, 50000 + i * 104729
    F, S, R, P, A = 1, 2, 4, 8, 16
    steps = [
        (c, s, cp, sp, S, ci, 0, 0), (s, c, sp, cp, S | A, si, ci + 1, 0),
        (c, s, cp, sp, A, ci + 1, si + 1, 0), (c, s, cp, sp, P | A, ci + 1, si + 1, 100),
        (s, c, sp, cp, P | A, si + 1, ci + 101, 200), (c, s, cp, sp, F | A, ci + 101, si + 201, 0),
        (s, c, sp, cp, F | A, si + 201, ci + 102, 0), (c, s, cp, sp, A, ci + 102, si + 202, 0),
    ]
    return [(t0 + k * 0.001, st) for k, st in enumerate(steps)]


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    conc = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    spacing = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        t = 1700000000.0
        for base in range(0, n, conc):
            pkts = []
            for i in range(base, min(n, base + conc)):
                pkts += connection(i, t + (i - base) * 0.00001)
            pkts.sort(key=lambda p: p[0])
            for ts, st in pkts:
                f.write(frame(ts, *st))
            t += spacing


if __name__ == "__main__":
    main()
