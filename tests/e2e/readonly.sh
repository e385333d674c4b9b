#!/bin/sh
# Reading a database one may not write: made by root (sudo tcpmortem
# capture) and read as oneself, or on a read-only directory or medium.
# A database its writer finished is read (immutable: SQLite needs no -shm
# file); one still being written is read through its writer's -shm; one
# with pages in a -wal no -shm can be made for is refused in one line.
# Needs root and setpriv(1) (util-linux) to read as nobody.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
{ id nobody && getent group nogroup; } >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
fail=0
bad() { echo "FAIL $*"; fail=1; }
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$TCPMORTEM" "$@"; }
pcap="$top_srcdir/samples/anomaly-fin-lost.pcap"

# A finished database in a directory nobody may write, under a name with
# the characters an SQLite URI gives meaning to.
dir="$tmp/ro ?%#"
mkdir "$dir"
"$TCPMORTEM" analyze -q -d "$dir/t.db" "$pcap" || { bad analyze; exit 1; }
chmod 555 "$dir"
chmod 444 "$dir/t.db"
for c in flows anomalies summary "show 1"; do
	# shellcheck disable=SC2086
	if out=$(as_nobody $c -d "$dir/t.db" 2>&1) && echo "$out" | grep -q "10.0.1.2"; then
		echo "ok $c on a read-only directory"
	else
		bad "$c on a read-only directory: $out"
	fi
done
[ -z "$(ls -A "$dir" | grep -v '^t.db$')" ] || bad "files left beside it: $(ls -A "$dir")"

# The same with pages in its -wal: refused, one line that says why.
chmod 755 "$dir"
printf 'x' >"$dir/t.db-wal"
chmod 555 "$dir"
out=$(as_nobody flows -d "$dir/t.db" 2>&1)
st=$?
if [ $st = 3 ] && [ "$(echo "$out" | grep -c '')" = 1 ] && echo "$out" | grep -q "being written"; then
	echo "ok a -wal with pages, no -shm possible: $out"
else
	bad "a -wal with pages: exit $st: $out"
fi

# Written by root and still open (its -shm root's, in a directory nobody
# may write in, pages in the -wal): read through the writer's -shm.
live="$tmp/live"
mkdir "$live"
"$TCPMORTEM" analyze -q -d "$live/t.db" "$pcap" || { bad analyze; exit 1; }
python3 - "$live/t.db" "$tmp/ready" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA wal_autocheckpoint = 0")
db.execute("INSERT INTO meta VALUES ('readonly-test', 'x')")
open(sys.argv[2], "w").close()
time.sleep(3)
PY
writer=$!
i=0
while [ ! -e "$tmp/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if out=$(as_nobody flows -d "$live/t.db" 2>&1) && echo "$out" | grep -q "10.0.1.2"; then
	echo "ok read beside a live writer's -shm"
else
	bad "beside a live writer: $out"
fi
wait $writer
exit $fail
