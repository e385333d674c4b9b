#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# ss-states.sh: the final states tcpmortem reconstructs from each sample
# capture must be the states the Linux kernel itself reported (ss) on both
# ends at the moment that capture stopped.
#
# For every $SAMPLES/NAME.ss (format: samples/README.md) this analyzes
# NAME.pcap into a fresh database, lists the flows as JSON, finds the flow of
# each recorded connection by its 4-tuple (either orientation: after a
# simultaneous open either end may be called the client; the latest flow
# when a 4-tuple was reused) and compares client_state / server_state with
# ss, mapped to RFC 9293 spellings.  An optional line "analyze-options ARGS"
# in NAME.ss passes timer overrides matching the sysctls the sample used.

set -u

: "${SAMPLES:=${top_srcdir:-.}/samples}"
: "${TCPMORTEM:=${top_builddir:-.}/src/tcpmortem}"

skip() { echo "SKIP: $*"; exit 77; }

[ -x "$TCPMORTEM" ] || skip "no tcpmortem binary at $TCPMORTEM"
command -v python3 >/dev/null || skip "python3 not found (needed to read JSON)"
ls "$SAMPLES"/*.ss >/dev/null 2>&1 || skip "no samples/*.ss in $SAMPLES"

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

fail=0
checked=0
for ss in "$SAMPLES"/*.ss; do
	name=$(basename "$ss" .ss)
	pcap="$SAMPLES/$name.pcap"
	db="$tmp/$name.db"
	opts=$(sed -n 's/^analyze-options //p' "$ss")
	if [ ! -f "$pcap" ]; then
		echo "FAIL $name: $pcap missing"
		fail=1
		continue
	fi
	# shellcheck disable=SC2086  # options are words on purpose
	"$TCPMORTEM" analyze -d "$db" $opts "$pcap" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: tcpmortem analyze exited $rc: $(head -1 "$tmp/out")"
		fail=1
		continue
	fi
	"$TCPMORTEM" flows -d "$db" -o json >"$tmp/$name.json" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL $name: tcpmortem flows exited $rc: $(head -1 "$tmp/err")"
		fail=1
		continue
	fi
	python3 - "$ss" "$tmp/$name.json" "$name" <<'EOF' || fail=1
import json, sys

SS_TO_RFC = {"ESTAB": "ESTABLISHED", "SYN-RECV": "SYN-RECEIVED", "UNCONN": "CLOSED"}

def endpoint(text):
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)

ss_path, json_path, name = sys.argv[1:4]
rows = []
for line in open(ss_path):
    f = line.split()
    if len(f) >= 4 and f[0] in ("client", "server"):
        rows.append((f[0], endpoint(f[1]), endpoint(f[2]), SS_TO_RFC.get(f[3], f[3])))
flows = [json.loads(l) for l in open(json_path) if l.strip()]

bad = 0
for i in range(0, len(rows) - 1, 2):
    (_, c, s, c_state), (_, _, _, s_state) = rows[i], rows[i + 1]
    found = None
    for fl in flows:
        a = (fl.get("client"), fl.get("client_port"))
        b = (fl.get("server"), fl.get("server_port"))
        if (a, b) == (c, s):
            want = (c_state, s_state)
        elif (a, b) == (s, c):
            want = (s_state, c_state)
        else:
            continue
        if found is None or fl.get("first_ts", 0) >= found[0].get("first_ts", 0):
            found = (fl, want)
    conn = "%s:%d-%s:%d" % (c + s)
    if found is None:
        print("FAIL %s: no flow for %s among %d flows" % (name, conn, len(flows)))
        bad = 1
        continue
    fl, want = found
    got = (fl.get("client_state"), fl.get("server_state"))
    if got != want:
        print("FAIL %s: %s: tcpmortem says client %s, server %s; ss said %s, %s"
              % ((name, conn) + got + want))
        bad = 1
    else:
        print("ok   %s: %s: client %s, server %s" % ((name, conn) + got))
sys.exit(bad)
EOF
	checked=$((checked + 1))
done
echo "$checked samples checked"
exit $fail
