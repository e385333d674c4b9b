#!/bin/sh
# kill -9 at random moments of `analyze`, KILLS times (default 50): after
# each, the database passes PRAGMA integrity_check, holds only whole
# captures, and a last run completes the job.
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
exit $fail
