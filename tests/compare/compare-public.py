#!/usr/bin/env python3
"""Compare tcpmortem's connections with tshark's and Zeek's on public captures.

For every capture under ROOT that has a tshark baseline (F.tshark.txt,
section 4: one line per tshark TCP stream), analyse it with tcpmortem and
match its flows to tshark's streams by first frame; where a Zeek conn.log
baseline exists (F*.zeek-conn.log), match by 4-tuple and compare Zeek's
conn_state with tcpmortem's handshake/close verdicts.

Usage: compare-public.py [--tcpmortem PATH] [--root DIR] [--verbose]
Prints one line per capture and the totals; exits 0 (it reports, it does
not judge: the differences are explained in the notes).
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

# Zeek conn_state -> the (handshake, close, closer) readings it agrees with.
# None means "any".
ZEEK = {
    "S0": [("no-answer", None, None)],
    "REJ": [("refused", None, None)],
    "S1": [("complete", "none", None)],
    "SF": [("complete", "fin", None), ("complete", "simultaneous", None),
           ("complete", "half", None), ("midstream", "fin", None),
           ("midstream", "half", None)],
    "S2": [("complete", "half", "client")],
    "S3": [("complete", "half", "server")],
    "RSTO": [(None, "rst", "client")],
    "RSTR": [(None, "rst", "server")],
    "RSTOS0": [("no-answer", "rst", "client")],
    "RSTRH": [(None, "rst", "server")],
    "SH": [("no-answer", "half", "client"), ("no-answer", "fin", "client")],
    "SHR": [(None, "half", "server"), (None, "fin", "server")],
    "OTH": [("midstream", None, None)],
}


def tshark_streams(path):
    """tshark's streams: {first_frame: (frames, syn, synack, fin, rst)}."""
    streams, section = {}, 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("## 4."):
                section = 4
                continue
            if section != 4 or line.startswith("#") or not line.strip():
                continue
            w = line.split()
            if len(w) < 11 or not w[0].isdigit():
                continue
            streams[int(w[1])] = tuple(int(x) for x in (w[5], w[6], w[7], w[8], w[9]))
    return streams


def zeek_conns(path):
    """Zeek's TCP connections: [(orig_h, orig_p, resp_h, resp_p, conn_state)]."""
    fields, rows = None, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
                continue
            if line.startswith("#") or fields is None or not line:
                continue
            r = dict(zip(fields, line.split("\t")))
            if r.get("proto") != "tcp" or "conn_state" not in r:
                continue
            rows.append((r["id.orig_h"], int(r["id.orig_p"]), r["id.resp_h"],
                         int(r["id.resp_p"]), r["conn_state"]))
    return rows


def analyse(tool, pcap, db):
    subprocess.run([tool, "analyze", "-q", "--no-progress", "-d", db, pcap],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([tool, "flows", "-d", db, "-o", "json", "--limit", "1000000"],
                         capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def agrees(state, flow):
    for hs, close, closer in ZEEK.get(state, []):
        if (hs is None or hs == flow["handshake"]) and \
           (close is None or close == flow["close"]) and \
           (closer is None or closer == flow["closer"]):
            return True
    return False


def compare_zeek(flows, zeek, verbose, name):
    ok = bad = missing = 0
    by_tuple = {}
    for fl in flows:
        by_tuple.setdefault((fl["client"], fl["client_port"], fl["server"], fl["server_port"]), []).append(fl)
        by_tuple.setdefault((fl["server"], fl["server_port"], fl["client"], fl["client_port"]), []).append(fl)
    for oh, op, rh, rp, state in zeek:
        cands = by_tuple.get((oh, op, rh, rp), [])
        if not cands:
            missing += 1
            if verbose:
                print(f"  zeek-only {name}: {oh}:{op} -> {rh}:{rp} {state}")
            continue
        if any(agrees(state, c) for c in cands):
            ok += 1
        else:
            bad += 1
            if verbose:
                c = cands[0]
                print(f"  differ {name}: {oh}:{op} -> {rh}:{rp} zeek {state}, "
                      f"tcpmortem {c['handshake']}/{c['close']}/{c['closer']}")
    return ok, bad, missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpmortem", default=os.environ.get("TCPMORTEM", "src/tcpmortem"))
    ap.add_argument("--root", default="../shared/captures/public")
    ap.add_argument("--verbose", "-v", action="store_true")
    a = ap.parse_args()
    tot = dict(streams=0, matched=0, same_packets=0, extra=0, zok=0, zbad=0, zmiss=0)
    for ts in sorted(glob.glob(os.path.join(a.root, "**", "*.tshark.txt"), recursive=True)):
        pcap = ts[: -len(".tshark.txt")]
        if "fuzz" in pcap or not os.path.exists(pcap) or pcap.endswith(".gz"):
            continue
        streams = tshark_streams(ts)
        with tempfile.TemporaryDirectory() as d:
            flows = analyse(a.tcpmortem, pcap, os.path.join(d, "t.db"))
        ours = {fl.get("first_frame"): fl for fl in flows}
        matched = sum(1 for ff in streams if ff in ours)
        same = sum(1 for ff, v in streams.items() if ff in ours and ours[ff]["packets"] == v[0])
        extra = len(flows) - matched
        tot["streams"] += len(streams); tot["matched"] += matched
        tot["same_packets"] += same; tot["extra"] += max(extra, 0)
        line = f"{os.path.relpath(pcap, a.root)}: tshark {len(streams)} streams, " \
               f"tcpmortem {len(flows)} flows, {matched} matched ({same} same packet count)"
        for zl in glob.glob(pcap + "*.zeek-conn.log"):
            zok, zbad, zmiss = compare_zeek(flows, zeek_conns(zl), a.verbose, os.path.basename(pcap))
            tot["zok"] += zok; tot["zbad"] += zbad; tot["zmiss"] += zmiss
            line += f"; zeek {os.path.basename(zl)}: {zok} agree, {zbad} differ, {zmiss} unmatched"
        print(line)
        if a.verbose:
            for ff, v in streams.items():
                if ff not in ours:
                    print(f"  tshark-only stream at frame {ff}: {v}")
                elif ours[ff]["packets"] != v[0]:
                    print(f"  packets differ at frame {ff}: tshark {v[0]}, tcpmortem {ours[ff]['packets']}")
    print(f"TOTAL: tshark streams {tot['streams']}, matched by first frame {tot['matched']}, "
          f"same packet count {tot['same_packets']}, tcpmortem-only flows {tot['extra']}; "
          f"zeek conn_state: {tot['zok']} agree, {tot['zbad']} differ, {tot['zmiss']} unmatched")


if __name__ == "__main__":
    sys.exit(main())
