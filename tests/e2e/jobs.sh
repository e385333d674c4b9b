#!/bin/sh
# -j 1 and -j 2 store the same thing: every sample gives the same flows,
# timelines, ladders and findings whether the database is written on the
# analysis thread or on a thread of its own; and whether quiet connections
# were packed (flowpack.h; closed ones spilled to a file, spill.h, or
# with TCPMORTEM_NO_SPILL=1 kept in memory) or kept whole
# (TCPMORTEM_NO_PACK=1), on the
# samples and on generated captures long enough to pack thousands of
# connections and bring them back (reused 4-tuples, late FINs, a SYN
# flood under the embryonic cap).  Each database takes every
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
	# shellcheck disable=SC2086
	TCPMORTEM_NO_PACK=1 "$TCPMORTEM" analyze -q -j 2 $opts -d "$tmp/whole.db" "$pcap"
	[ $? -le 1 ] || fail "$pcap: TCPMORTEM_NO_PACK=1 failed"
	d1=$(dump "$tmp/j1.db") && d2=$(dump "$tmp/j2.db") && dw=$(dump "$tmp/whole.db") || exit 1
	case $d1 in *'"f":[]'*|'') fail "$(basename "$pcap"): no flows stored" ;; esac
	[ "$d1" = "$d2" ] || fail "$(basename "$pcap"): -j 1 and -j 2 differ"
	[ "$d2" = "$dw" ] || fail "$(basename "$pcap"): packed and whole differ"
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
echo "ok: $n samples, -j 1 and -j 2, packed and whole store the same"

# Generated traffic: thousands of connections packed and brought back.
GEN=${GEN:-${top_builddir:-.}/bench/gen-capture}
[ -x "$GEN" ] || fail "no $GEN (make check builds it)"
# A slow rate: the captures last a minute or more, so connections go quiet
# for the packing second, the grace and the TIME-WAIT horizon.  The last
# opens 150,000 connections within half a second, more whole flows than
# the budget: the least recently active are packed while still busy.
for args in "-n 60000 -c 1500 --rate 1000" "-n 40000 -c 10 --reuse --rate 400" \
    "-n 20000 -c 500 --rate 300 --syn-flood 30000 --flood-rate 500" \
    "-n 30000 -c 800 --rate 500 --rst-storm 300 --bad-retx 300 --hostile-rate 10" \
    "-n 700000 -c 150000 --ramp 0.5"; do
	# shellcheck disable=SC2086
	"$GEN" -q $args -o "$tmp/gen.pcap" || exit 99
	cap=500         # the flood's attempts over the cap are aggregated
	case $args in *--ramp*) cap=20000 ;; esac
	for m in packed memory whole; do
		rm -f "$tmp/$m.db"
		unset TCPMORTEM_NO_PACK TCPMORTEM_NO_SPILL
		case $m in
		memory) export TCPMORTEM_NO_SPILL=1 ;;
		whole) export TCPMORTEM_NO_PACK=1 ;;
		esac
		"$TCPMORTEM" analyze -q --max-embryonic $cap -d "$tmp/$m.db" "$tmp/gen.pcap" ||
			fail "gen $args: $m failed"
	done
	unset TCPMORTEM_NO_PACK TCPMORTEM_NO_SPILL
	dp=$(dump "$tmp/packed.db") && dm=$(dump "$tmp/memory.db") && dw=$(dump "$tmp/whole.db") ||
		exit 1
	[ "$dp" = "$dw" ] || fail "gen $args: packed (closed ones spilled) and whole differ"
	[ "$dm" = "$dw" ] || fail "gen $args: packed in memory and whole differ"
	secs=$(sqlite3 "$tmp/packed.db" "SELECT CAST(last_ts - first_ts AS INTEGER) FROM captures")
	peak=$(sqlite3 "$tmp/packed.db" "SELECT peak_flows FROM captures")
	case $args in
	*--ramp*) [ "${peak:-0}" -gt 100000 ] ||     # analysis.c: MAX_WHOLE_FLOWS
		fail "gen $args: $peak flows at once, not past the budget of whole flows" ;;
	*) [ "${secs:-0}" -ge 40 ] || fail "gen $args: $secs s of capture, too short to pack" ;;
	esac
	echo "ok: gen $args: $secs s, $peak flows at once, $(sqlite3 "$tmp/packed.db" "SELECT count(*) FROM flows") flows, spilled, packed and whole the same"
done

# A file read ahead on a thread of its own (readahead.h, -j 2) or on the
# analysis thread (-j 1, TCPMORTEM_NO_READAHEAD=1): the same rows, the
# same words and exit status, a file cut in the middle of a record
# included (damage after a few hundred batches of packets).
"$GEN" -q -n 300000 -c 2000 --rate 20000 -s 7 -o "$tmp/ra.pcap" || exit 99
size=$(wc -c <"$tmp/ra.pcap")
head -c $((size / 2 + 7)) "$tmp/ra.pcap" >"$tmp/ra-cut.pcap"
for f in "$tmp/ra.pcap" "$tmp/ra-cut.pcap" "$top_srcdir/tests/data/cut-record.pcap"; do
	for m in j1 j2 j2-direct; do
		rm -f "$tmp/$m.db"
		j=2
		[ $m = j1 ] && j=1
		[ $m = j2-direct ] && export TCPMORTEM_NO_READAHEAD=1
		"$TCPMORTEM" analyze -j $j -d "$tmp/$m.db" "$f" >"$tmp/$m.out" 2>&1
		echo "exit $?" >>"$tmp/$m.out"
		unset TCPMORTEM_NO_READAHEAD
		sed -i "s|$tmp/$m.db|DB|" "$tmp/$m.out"
	done
	for m in j2 j2-direct; do
		cmp -s "$tmp/j1.out" "$tmp/$m.out" ||
			fail "$(basename "$f"): -j 1 and $m say different things: $(diff "$tmp/j1.out" "$tmp/$m.out")"
		[ "$(dump "$tmp/j1.db")" = "$(dump "$tmp/$m.db")" ] || fail "$(basename "$f"): -j 1 and $m differ"
	done
	case $f in
	*cut*) grep -qx "exit 1" "$tmp/j1.out" || fail "$(basename "$f"): not damaged: $(cat "$tmp/j1.out")" ;;
	*) grep -qx "exit 0" "$tmp/j1.out" || fail "$(basename "$f"): $(cat "$tmp/j1.out")" ;;
	esac
	echo "ok: $(basename "$f"): read ahead or not, the same: $(head -n 1 "$tmp/j1.out")"
done

# A full disk under the writer thread: one line, exit 3, nothing stored.
if [ "$(id -u)" = 0 ] && mkdir "$tmp/full" && mount -t tmpfs -o size=1m tmpfs "$tmp/full" 2>/dev/null; then
	python3 "$top_srcdir/tests/tools/gen-pcap.py" "$tmp/big.pcap" 20000 200 || exit 99
	"$TCPMORTEM" analyze -q -d "$tmp/full/t.db" "$top_srcdir/samples/client-closes.pcap" ||
		fail "the first, small capture"
	"$TCPMORTEM" analyze -q -j 2 -d "$tmp/full/t.db" "$tmp/big.pcap" 2>"$tmp/err"
	st=$?
	[ $st = 3 ] || fail "full disk: exit $st, not 3"
	# Into a database that holds rows the capture is written apart
	# first (parallel.h): the line names that scratch file beside it.
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "t.db.part-[0-9]*-1: disk full" "$tmp/err" ||
		fail "full disk: $(cat "$tmp/err")"
	[ "$(sqlite3 "$tmp/full/t.db" "SELECT count(*) || ' ' || (SELECT count(*) FROM flows) FROM captures")" = "1 1" ] ||
		fail "full disk: the database is not as it was"
	echo "ok: a full disk under the writer thread: $(cat "$tmp/err")"
else
	echo "full-disk case skipped (needs root and tmpfs)"
fi
