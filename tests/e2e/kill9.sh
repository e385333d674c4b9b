#!/bin/sh
# kill -9 at random moments of `analyze`, KILLS times (default 50): after
# each, the database passes PRAGMA integrity_check, holds only whole
# captures, and a last run completes the job.  Then KILLS / 5 times into
# an empty file (its first capture is written with a rollback journal,
# tcpmortem.db(5)): a query plays the journal back and finds the file
# empty or the capture whole.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
command -v python3 >/dev/null && command -v sqlite3 >/dev/null ||
	{ echo "SKIP: needs python3 and sqlite3"; exit 77; }
kills=${KILLS:-50}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
python3 "$top_srcdir/tests/tools/gen-pcap.py" "$tmp/big.pcap" 10000 200 || exit 99
"$TCPMORTEM" analyze -q -d "$db" "$top_srcdir/samples/client-closes.pcap" || exit 99
start=$(date +%s%N)
"$TCPMORTEM" analyze -q -d "$tmp/timing.db" "$tmp/big.pcap" || exit 99
span=$(( ($(date +%s%N) - start) / 1000000 ))     # ms one full run takes
echo "a full run takes $span ms; killing $kills times within it"
fail=0 i=0 interrupted=0
while [ $i -lt "$kills" ]; do
	i=$((i + 1))
	"$TCPMORTEM" analyze -q --force -d "$db" "$tmp/big.pcap" 2>/dev/null &
	pid=$!
	delay=$(awk -v s="$span" -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.3f", (r % 1000) / 1000 * s * 1.1 / 1000 }')
	sleep "$delay"
	kill -9 $pid 2>/dev/null && interrupted=$((interrupted + 1))
	wait $pid 2>/dev/null
	check=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
	partial=$(sqlite3 "$db" "SELECT count(*) FROM captures WHERE status <> 'complete'" 2>&1)
	orphans=$(sqlite3 "$db" "SELECT count(*) FROM flows WHERE capture NOT IN (SELECT id FROM captures)" 2>&1)
	flows=$(sqlite3 "$db" "SELECT count(*) FROM flows" 2>&1)
	if [ "$check" != ok ] || [ "$partial" != 0 ] || [ "$orphans" != 0 ]; then
		echo "FAIL after kill $i (+${delay}s): integrity $check, partial captures $partial, orphan flows $orphans"
		fail=1
		break
	fi
	case "$flows" in 1|10001) ;; *) echo "FAIL after kill $i: $flows flows: a capture is half there"; fail=1; break ;; esac
done
echo "$interrupted of $i runs were killed mid-way; the database stayed whole"
"$TCPMORTEM" analyze -q --force -d "$db" "$tmp/big.pcap" || { echo "FAIL: the run after the kills"; fail=1; }
[ "$(sqlite3 "$db" 'SELECT count(*) || " " || (SELECT count(*) FROM flows) FROM captures')" = "2 10001" ] ||
	{ echo "FAIL: after completing: $(sqlite3 "$db" 'SELECT id, status, flows FROM captures')"; fail=1; }

# A first capture into an empty file, killed: the reader plays back the
# journal (read-only commands included), then the file is whole.  (A
# journal whose run had not yet written into the file is not played back
# but ignored, as SQLite does, so it may stay until the next writer.)
first=0 i=0
while [ $i -lt $((kills / 5)) ] && [ $fail = 0 ]; do
	i=$((i + 1))
	rm -f "$tmp/f.db" "$tmp/f.db-journal" "$tmp/f.db-wal" "$tmp/f.db-shm"
	"$TCPMORTEM" analyze -q -d "$tmp/f.db" "$tmp/big.pcap" 2>/dev/null &
	pid=$!
	delay=$(awk -v s="$span" -v r="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.3f", (r % 1000) / 1000 * s * 1.1 / 1000 }')
	sleep "$delay"
	kill -9 $pid 2>/dev/null && first=$((first + 1))
	wait $pid 2>/dev/null
	[ -s "$tmp/f.db" ] || continue         # killed before the file was made
	if ! out=$("$TCPMORTEM" flows -d "$tmp/f.db" --format csv 2>&1); then
		case $out in *"no database"*) continue ;; esac   # killed before the schema
		echo "FAIL: flows after a killed first capture (+${delay}s): $out"
		fail=1
		break
	fi
	check=$(sqlite3 "$tmp/f.db" "PRAGMA integrity_check" 2>&1)
	flows=$(sqlite3 "$tmp/f.db" "SELECT count(*) FROM flows" 2>&1)
	[ "$check" = ok ] || { echo "FAIL: first capture killed (+${delay}s): integrity $check"; fail=1; }
	case "$flows" in 0|10000) ;; *) echo "FAIL: first capture killed: $flows flows"; fail=1 ;; esac
done
echo "$first of $i first captures were killed mid-way; the file stayed whole"
exit $fail
