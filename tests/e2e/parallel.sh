#!/bin/sh
# analyze -j N with several files (parallel.h) stores what -j 1 stores,
# and what writing each file straight into the database stores
# (TCPMORTEM_NO_APART=1), row for row with the same ids, and says the same: every sample and a few
# generated captures (reused 4-tuples, a SYN flood), a damaged file, a
# missing one and one given twice, into an empty database and then into
# one that holds them (--force replacing some).  A signal stops the run
# with what was stored before it kept, and no scratch file is left behind,
# nor after a full disk.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
export LC_ALL=C
command -v sqlite3 >/dev/null || { echo "SKIP: needs sqlite3"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
GEN=${GEN:-${top_builddir:-.}/bench/gen-capture}
[ -x "$GEN" ] || fail "no $GEN (make check builds it)"

# Every row and column but analysed_at, ids included.
dump() {
	sqlite3 -bail "$1" "SELECT json_group_array(json_array(id, path, size, digest, status,
	    damage, packets, tcp_packets, flows, flows_aggregated, peak_flows, vantage))
	    FROM (SELECT * FROM captures ORDER BY id);
	    SELECT * FROM flows JOIN flow_details ON flow = id ORDER BY id;
	    SELECT * FROM findings ORDER BY id" || fail "dump of $1"
}

# Run analyze with -j $1 and the rest into db $2; output and status kept
# under $2.out, with the database's name made the same.
run() {
	j=$1 db=$2
	shift 2
	"$TCPMORTEM" analyze -j "$j" -d "$tmp/$db" "$@" >"$tmp/$db.out" 2>&1
	echo "exit $?" >>"$tmp/$db.out"
	sed -i "s|$tmp/$db|DB|g" "$tmp/$db.out"
}

# Several files into an empty database build the indices once, after the
# last (store_hold_indices): every one there, none pending, back in WAL.
indexed() {
	got=$(sqlite3 "$tmp/$1" "SELECT count(*) FROM sqlite_master WHERE type = 'index'
	    AND tbl_name IN ('flows', 'findings'); SELECT count(*) FROM meta
	    WHERE key = 'pending_indices'; PRAGMA journal_mode" | tr '\n' ' ')
	[ "$got" = "19 0 wal " ] || fail "$1: indices, pending, journal: $got"
}

# Wait (30 s at most) until database $1 holds a complete capture.
wait_stored() {
	i=0
	while [ "$(sqlite3 "$tmp/$1" "SELECT count(*) > 0 FROM captures WHERE status = 'complete'" 2>/dev/null)" != 1 ] &&
	    [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

same() {
	for db in "$@"; do
		cmp -s "$tmp/$1.out" "$tmp/$db.out" ||
			fail "$1 and $db say different things: $(diff "$tmp/$1.out" "$tmp/$db.out" | head -5)"
		[ "$(dump "$tmp/$1")" = "$(dump "$tmp/$db")" ] || fail "$1 and $db differ"
	done
	left=$(ls "$tmp" | grep -c '\.part-')
	[ "$left" = 0 ] || fail "scratch files left: $(ls "$tmp" | grep '\.part-')"
}

"$GEN" -q -n 20000 -c 300 --rate 2000 -o "$tmp/plain.pcap" || exit 99
"$GEN" -q -n 20000 -c 10 --reuse --rate 2000 -s 2 -o "$tmp/reuse.pcap" || exit 99
"$GEN" -q -n 10000 -c 200 --rate 2000 --syn-flood 20000 --flood-rate 4000 -s 3 \
    -o "$tmp/flood.pcap" || exit 99
files="$tmp/plain.pcap $top_srcdir/samples/anomaly-isn-reuse.pcap $tmp/reuse.pcap
    $top_srcdir/tests/data/cut-record.pcap $tmp/missing.pcap $tmp/flood.pcap
    $top_srcdir/samples/anomaly-port-reuse-in-time-wait.pcap $tmp/plain.pcap"
# shellcheck disable=SC2086
for j in 1 2 3; do run $j j$j.db $top_srcdir/samples/*.pcap $files; done
# And each file straight into the database, row by row, as before.
# shellcheck disable=SC2086
TCPMORTEM_NO_APART=1 run 2 direct.db $top_srcdir/samples/*.pcap $files
grep -q "missing.pcap" "$tmp/j1.db.out" && grep -q "exit 3" "$tmp/j1.db.out" &&
    grep -q "already analysed as capture" "$tmp/j1.db.out" || fail "j1: $(cat "$tmp/j1.db.out")"
[ "$(sqlite3 "$tmp/j1.db" "SELECT count(*) FROM findings WHERE kind IN ('isn-reuse',
    'port-reuse-in-time-wait', 'syn-flood')")" -gt 2 ] || fail "too few findings to compare"
same direct.db j1.db j2.db j3.db
for db in direct.db j1.db j2.db j3.db; do indexed $db; done
echo "ok: $(sqlite3 "$tmp/j1.db" "SELECT count(*) || ' captures, ' || sum(flows) FROM captures") flows: -j 1, 2 and 3 and each file straight in the same"

# Into databases that hold flows, replacing two captures and skipping the
# rest, then a file not stored yet.
"$GEN" -q -n 5000 -c 50 --rate 2000 -s 4 -o "$tmp/more.pcap" || exit 99
# shellcheck disable=SC2086
for j in 1 2 3; do
	run $j j$j.db --force $tmp/reuse.pcap $tmp/more.pcap $top_srcdir/samples/refused.pcap \
	    $tmp/flood.pcap
done
TCPMORTEM_NO_APART=1 run 2 direct.db --force $tmp/reuse.pcap $tmp/more.pcap \
    $top_srcdir/samples/refused.pcap $tmp/flood.pcap
grep -q "replaces capture" "$tmp/j1.db.out" || fail "no capture replaced: $(cat "$tmp/j1.db.out")"
same direct.db j1.db j2.db j3.db
# shellcheck disable=SC2086
for j in 1 2; do run $j j$j.db $files "$tmp/more.pcap"; done
TCPMORTEM_NO_APART=1 run 2 direct.db $files "$tmp/more.pcap"
same direct.db j1.db j2.db
echo "ok: into a database that holds flows, with --force and without: the same"

# Standard input among the files: one after the other, still right.
"$TCPMORTEM" analyze -q -j 2 -d "$tmp/stdin.db" "$tmp/plain.pcap" - <"$tmp/reuse.pcap" ||
	fail "a file and standard input"
paths=$(sqlite3 "$tmp/stdin.db" "SELECT group_concat(path) FROM (SELECT path FROM captures ORDER BY id)")
[ "$paths" = "$tmp/plain.pcap,-" ] || fail "standard input: $paths"

# SIGINT once the first file is stored: 130, the captures stored before
# it complete and whole, none of the rest, no scratch file.
for s in 11 12 13 14 15 16; do
	"$GEN" -q -n 300000 -c 2000 -s $s -o "$tmp/big$s.pcap" || exit 99
done
"$TCPMORTEM" analyze -q -j 2 -d "$tmp/int.db" "$tmp"/big*.pcap 2>"$tmp/int.err" &
pid=$!
wait_stored int.db
kill -INT $pid
wait $pid
st=$?
stored=$(sqlite3 "$tmp/int.db" "SELECT count(*) FROM captures")
if [ $st = 0 ] && [ "$stored" = 6 ]; then
	echo "SIGINT case: the run ended before the signal"
else
	[ $st = 130 ] || fail "SIGINT: exit $st, not 130: $(cat "$tmp/int.err")"
	grep -q "interrupted" "$tmp/int.err" || fail "SIGINT: $(cat "$tmp/int.err")"
	[ "$stored" -ge 1 ] && [ "$stored" -lt 6 ] || fail "SIGINT: $stored captures stored"
fi
[ "$(ls "$tmp" | grep -c "\.part-")" = 0 ] || fail "SIGINT: scratch files left"
[ "$(sqlite3 "$tmp/int.db" "SELECT count(*) FROM captures WHERE status != 'complete'
    OR flows != (SELECT count(*) FROM flows WHERE capture = captures.id)")" = 0 ] ||
	fail "SIGINT: a capture stored incomplete"
[ "$(sqlite3 "$tmp/int.db" "PRAGMA integrity_check")" = ok ] || fail "SIGINT: integrity"
indexed int.db
echo "ok: SIGINT: exit $st, $stored of 6 stored, nothing left behind, indexed"

# SIGKILL once the first file is stored: what is stored reads back (the
# indices still pending), and the next writer builds them.
"$TCPMORTEM" analyze -q -j 1 -d "$tmp/kill.db" "$tmp"/big*.pcap 2>/dev/null &
pid=$!
wait_stored kill.db
kill -KILL $pid
wait $pid
st=$?
[ $st = 0 ] && echo "SIGKILL case: the run ended before the signal"
[ $st = 0 ] || [ "$(sqlite3 "$tmp/kill.db" "SELECT count(*) FROM meta WHERE key = 'pending_indices'")" = 1 ] ||
	fail "SIGKILL: exit $st, no indices pending"
stored=$("$TCPMORTEM" flows -d "$tmp/kill.db" -o csv --limit 1000000 | tail -n +2 | wc -l)
[ "$stored" -gt 0 ] || fail "SIGKILL: no flow reads back"
"$TCPMORTEM" analyze -q -d "$tmp/kill.db" "$top_srcdir/samples/refused.pcap" ||
	fail "SIGKILL: the next analyze"
indexed kill.db
[ "$(sqlite3 "$tmp/kill.db" "PRAGMA integrity_check")" = ok ] || fail "SIGKILL: integrity"
echo "ok: SIGKILL between files: $stored flows read back, the next analyze built the indices"

# A full disk under the scratch files: each file says so in one line,
# exit 3, the database as it was, nothing left behind.
if [ "$(id -u)" = 0 ] && mkdir "$tmp/full" && mount -t tmpfs -o size=2m tmpfs "$tmp/full" 2>/dev/null; then
	"$TCPMORTEM" analyze -q -d "$tmp/full/t.db" "$top_srcdir/samples/client-closes.pcap" ||
		fail "the first, small capture"
	"$TCPMORTEM" analyze -q -j 2 -d "$tmp/full/t.db" "$tmp/big11.pcap" "$tmp/big12.pcap" \
	    2>"$tmp/err"
	st=$?
	[ $st = 3 ] || fail "full disk: exit $st, not 3"
	[ "$(grep -c "disk full" "$tmp/err")" = 2 ] || fail "full disk: $(cat "$tmp/err")"
	[ "$(sqlite3 "$tmp/full/t.db" "SELECT count(*) || ' ' || (SELECT count(*) FROM flows) FROM captures")" = "1 1" ] ||
		fail "full disk: the database is not as it was"
	[ "$(ls "$tmp/full" | grep -c "\.part-")" = 0 ] || fail "full disk: scratch files left: $(ls -la "$tmp/full")"
	echo "ok: a full disk under the scratch files: $(head -n 1 "$tmp/err")"
else
	echo "full-disk case skipped (needs root and tmpfs)"
fi
