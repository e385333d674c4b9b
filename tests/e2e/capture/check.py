#!/usr/bin/env python3
"""Assertions over `tcpmortem flows/anomalies -o json` for capture-live.sh.

  check.py expect FLOWS ANOMALIES EXPECTED   flows match the table EXPECTED
  check.py open FLOWS PORT                   the flow to PORT is there and open
  check.py same FLOWS1 ANOM1 FLOWS2 ANOM2    two databases hold the same flows
                                             and findings (ids aside)

EXPECTED has one line per server port:
  PORT HANDSHAKE CLOSE CLOSER CLIENT_STATE SERVER_STATE FINDING
where "-" means "not checked".  Prints one line per mismatch; exits 1 if any.
"""
import json
import sys

FIELDS = ("handshake", "close", "closer", "client_state", "server_state")


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_port(flows, port):
    return [f for f in flows if f.get("server_port") == port]


def expect(flows_path, anom_path, table_path):
    flows, anoms, bad = load(flows_path), load(anom_path), []
    for line in open(table_path):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        port, want, finding = int(words[0]), dict(zip(FIELDS, words[1:6])), words[6]
        found = by_port(flows, port)
        if len(found) != 1:
            bad.append("port %d: %d flows, expected 1" % (port, len(found)))
            continue
        f = found[0]
        for k, v in want.items():
            got = "null" if f.get(k) is None else str(f.get(k))
            if v != "-" and got != v:
                bad.append("port %d: %s is %s, expected %s" % (port, k, got, v))
        if finding != "-":
            kinds = [a["kind"] for a in anoms if a.get("flow") == f["id"]]
            if finding not in kinds or finding not in f.get("anomalies", []):
                bad.append("port %d: no %s finding (flow has %s, anomalies has %s)"
                           % (port, finding, f.get("anomalies"), kinds))
    return bad


def open_flow(flows_path, port):
    found = by_port(load(flows_path), int(port))
    if len(found) != 1:
        return ["port %s: %d flows while capturing, expected 1" % (port, len(found))]
    f = found[0]
    want = {"handshake": "complete", "close": "none",
            "client_state": "ESTABLISHED", "server_state": "ESTABLISHED"}
    return ["port %s while capturing: %s is %s, expected %s" % (port, k, f.get(k), v)
            for k, v in want.items() if f.get(k) != v]


def normal(flows_path, anom_path):
    """Flows and findings keyed by what they are, not by their ids."""
    flows = load(flows_path)
    key = {f["id"]: (f["client_port"], f["server_port"]) for f in flows}
    fl = sorted(json.dumps({k: v for k, v in f.items() if k not in ("id", "capture")},
                           sort_keys=True) for f in flows)
    an = []
    for a in load(anom_path):
        a = {k: v for k, v in a.items() if k not in ("id", "capture")}
        a["flow"] = key.get(a.get("flow"))
        an.append(json.dumps(a, sort_keys=True))
    return fl, sorted(an)


def same(f1, a1, f2, a2):
    (fl1, an1), (fl2, an2) = normal(f1, a1), normal(f2, a2)
    bad = []
    for what, x, y in (("flow", fl1, fl2), ("finding", an1, an2)):
        bad += ["live only %s: %s" % (what, s) for s in x if s not in y]
        bad += ["file only %s: %s" % (what, s) for s in y if s not in x]
    if not fl1:
        bad.append("no flows at all")
    return bad


def main(argv):
    cmds = {"expect": (expect, 3), "open": (open_flow, 2), "same": (same, 4)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        raise SystemExit(__doc__)
    bad = cmds[argv[1]][0](*argv[2:])
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
