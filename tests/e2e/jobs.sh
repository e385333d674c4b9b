#!/bin/sh
# -j 1 and -j 2 store the same thing: every sample gives the same flows,
# timelines, ladders and findings whether the database is written on the
# analysis thread or on a thread of its own.  Each database takes every
# sample in turn, so the first capture goes into an empty database (its
# indices built at the end) and the others into one that holds flows
# (indices kept up to date row by row).  And the writer thread's failure (a
# full disk) is reported and rolls everything back.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
export LC_ALL=C
command -v sqlite3 >/dev/null || { echo "SKIP: needs sqlite3"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Everything stored but the wall-clock columns; an SQL error fails the test.
dump() {
	sqlite3 -bail "$1" "SELECT json_object('c', (SELECT json_group_array(json_array(path,
	    status, packets, flows, peak_flows, vantage)) FROM captures), 'f', (SELECT
	    json_group_array(json_array(client, client_port, server_port, handshake, close,
	    closer, client_state, server_state, end_reason, findings, timeline, ladder))
	    FROM (SELECT * FROM flows JOIN flow_details ON flow = id ORDER BY id)), 'a',
	    (SELECT json_group_array(json_array(kind, flow, side, ts, frames, detail))
	    FROM (SELECT * FROM findings ORDER BY id)))" || fail "dump of $1"
}

n=0
for pcap in "$top_srcdir"/samples/*.pcap; do
	opts=$(sed -n 's/^analyze-options: //p' "${pcap%.pcap}.ss" 2>/dev/null)
	for j in 1 2; do
		# shellcheck disable=SC2086
		"$TCPMORTEM" analyze -q -j $j $opts -d "$tmp/j$j.db" "$pcap"
		[ $? -le 1 ] || fail "$pcap: -j $j failed"
	done
	d1=$(dump "$tmp/j1.db") && d2=$(dump "$tmp/j2.db") || exit 1
	case $d1 in *'"f":[]'*|'') fail "$(basename "$pcap"): no flows stored" ;; esac
	[ "$d1" = "$d2" ] || fail "$(basename "$pcap"): -j 1 and -j 2 differ"
	n=$((n + 1))
done
[ $n -gt 10 ] || fail "only $n samples"
sqlite3 "$tmp/j2.db" "PRAGMA integrity_check" | grep -qx ok || fail "integrity"
# Every index of the schema is there again after the bulk path dropped them.
want=$(sed -n 's/^"CREATE INDEX \([a-z_]*\) .*/\1/p' "$top_srcdir/src/schema.h" | sort | tr '\n' ,)
have=$(sqlite3 "$tmp/j2.db" "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name" | tr '\n' ,)
[ -n "$want" ] && [ "$have" = "$want" ] || fail "indices: $have, not $want"
[ "$(sqlite3 "$tmp/j2.db" "SELECT sum(flows) FROM captures")" = \
  "$(sqlite3 "$tmp/j2.db" "SELECT count(*) FROM flows")" ] || fail "flows counted wrong"
echo "ok: $n samples, -j 1 and -j 2 store the same"

# A full disk under the writer thread: one line, exit 3, nothing stored.
if [ "$(id -u)" = 0 ] && mkdir "$tmp/full" && mount -t tmpfs -o size=1m tmpfs "$tmp/full" 2>/dev/null; then
	python3 "$top_srcdir/tests/tools/gen-pcap.py" "$tmp/big.pcap" 20000 200 || exit 99
	"$TCPMORTEM" analyze -q -d "$tmp/full/t.db" "$top_srcdir/samples/client-closes.pcap" ||
		fail "the first, small capture"
	"$TCPMORTEM" analyze -q -j 2 -d "$tmp/full/t.db" "$tmp/big.pcap" 2>"$tmp/err"
	st=$?
	[ $st = 3 ] || fail "full disk: exit $st, not 3"
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "t.db: disk full" "$tmp/err" ||
		fail "full disk: $(cat "$tmp/err")"
	[ "$(sqlite3 "$tmp/full/t.db" "SELECT count(*) || ' ' || (SELECT count(*) FROM flows) FROM captures")" = "1 1" ] ||
		fail "full disk: the database is not as it was"
	echo "ok: a full disk under the writer thread: $(cat "$tmp/err")"
else
	echo "full-disk case skipped (needs root and tmpfs)"
fi
