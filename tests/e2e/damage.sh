#!/bin/sh
# Damaged captures, end to end: each line below is
#   FILE  EXIT-STATUS  STORED-PACKETS  WORDS-THE-ERROR-LINE-MUST-CONTAIN
# STORED-PACKETS "-" means nothing may be stored at all, and then the run
# must not leave a new, empty database behind.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
data="$top_srcdir/tests/data"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
while read -r file want stored words; do
	case "$file" in ''|'#'*) continue ;; esac
	rm -f "$tmp"/t.db*
	"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$data/$file" 2>"$tmp/err" >/dev/null
	got=$?
	err=$(cat "$tmp/err")
	left=$(ls "$tmp" | grep '^t\.db' || true)
	have=$(sqlite3 "$tmp/t.db" "SELECT coalesce(sum(packets), '-') FROM captures" 2>/dev/null || echo -)
	lines=$(printf '%s' "$err" | grep -c '')
	if [ "$got" != "$want" ] || [ "$have" != "$stored" ]; then
		echo "FAIL $file: exit $got (want $want), stored $have (want $stored): $err"
		fail=1
	elif [ "$stored" = - ] && [ -n "$left" ]; then
		echo "FAIL $file: nothing stored, yet a new database is left: $left"
		fail=1
	elif [ "$want" != 0 ] && { [ "$lines" != 1 ] || ! printf '%s' "$err" | grep -q "^tcpmortem: .*$file.*$words"; }; then
		echo "FAIL $file: error must be one line naming the file and '$words': $err"
		fail=1
	else
		echo "ok $file: exit $got, stored $have${err:+: $err}"
	fi
done <<'CASES'
# file                    exit stored  words
cut-record.pcap            1   2       frame 3: the file ends inside this record
cut-header.pcap            1   2       frame 3
huge-record.pcap           1   1       frame 2
corrupt-block.pcapng       1   1       frame 2
epb-caplen-lie.pcapng      1   1       frame 2
unsupported-dlt.pcap       1   2       link type 147 not supported
header-lies.pcap           1   5       frame 1: IPv4 total length
empty.pcap                 3   -       empty file
short-file-header.pcap     3   -       capture header
not-a-capture.txt          3   -       not a pcap or pcapng file
absurd-snaplen.pcap        0   3       -
ts-backwards.pcap          0   4       -
unknown-block.pcapng       0   2       -
record-over-snaplen.pcap   0   3       -
CASES
# A file that does not exist, and a database in a directory that does not.
# Nothing to store: a mistyped name leaves no new, empty database behind,
# and with two such names each gets its line.
rm -f "$tmp"/t.db*
"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$tmp/nonexistent.pcap" 2>"$tmp/err"
[ $? = 3 ] && [ "$(cat "$tmp/err")" = "tcpmortem: $tmp/nonexistent.pcap: No such file or directory" ] &&
	[ ! -e "$tmp/t.db" ] || { echo "FAIL missing file: $(cat "$tmp/err"); $(ls "$tmp")"; fail=1; }
"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$tmp/a.pcap" "$tmp/b.pcap" 2>"$tmp/err"
[ $? = 3 ] && [ "$(grep -c 'No such file or directory$' "$tmp/err")" = 2 ] && [ ! -e "$tmp/t.db" ] ||
	{ echo "FAIL two missing files: $(cat "$tmp/err"); $(ls "$tmp")"; fail=1; }
# A file that is no capture, into a database that exists: it stays, as
# it was.
"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$data/ipv4.pcap" 2>"$tmp/err" &&
"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$data/not-a-capture.txt" 2>"$tmp/err"
[ $? = 3 ] && [ "$(sqlite3 "$tmp/t.db" 'SELECT count(*) FROM captures')" = 1 ] ||
	{ echo "FAIL no capture into an existing database: $(cat "$tmp/err"); $(ls "$tmp")"; fail=1; }
rm -f "$tmp"/t.db*
# One missing among readable ones: the others are stored, exit 3.
"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$tmp/a.pcap" "$data/ipv4.pcap" 2>"$tmp/err"
[ $? = 3 ] && [ "$(sqlite3 "$tmp/t.db" 'SELECT count(*) FROM captures')" = 1 ] ||
	{ echo "FAIL one missing of two: $(cat "$tmp/err")"; fail=1; }
"$TCPMORTEM" analyze -q -d "$tmp/no/such/dir/t.db" "$data/ipv4.pcap" 2>"$tmp/err"
[ $? = 3 ] && grep -q "no/such/dir" "$tmp/err" || { echo "FAIL missing db dir: $(cat "$tmp/err")"; fail=1; }
exit $fail
