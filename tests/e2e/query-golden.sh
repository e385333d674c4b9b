#!/bin/sh
# Golden cases for the query commands: one real capture from samples/, one
# command, the exact output expected.  Each expected file was read against
# the sample's .txt (what the scenario did) before it was added; when the
# analysis changes on purpose, regenerate the file with the command and
# read the difference before committing it.
: "${top_srcdir:?}" "${TCPMORTEM:?}" "${SAMPLES:=$top_srcdir/samples}"
ls "$SAMPLES"/*.pcap >/dev/null 2>&1 || { echo "no samples in $SAMPLES"; exit 77; }
expected="$top_srcdir/tests/e2e/query-expected"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
# the plain picture: ASCII, no colour, nothing fitted to a terminal
LC_ALL=C NO_COLOR=1
export LC_ALL NO_COLOR
fail=0
while read -r sample expect cmd; do
	case "$sample" in ''|'#'*) continue ;; esac
	db="$tmp/$sample.db"
	# analysed from inside samples/, so the stored path is the bare name
	[ -f "$db" ] || (cd "$SAMPLES" && "$TCPMORTEM" analyze -q -d "$db" "$sample" >/dev/null)
	# shellcheck disable=SC2086
	"$TCPMORTEM" $cmd -d "$db" >"$tmp/out" 2>&1
	if cmp -s "$tmp/out" "$expected/$expect"; then
		echo "ok $sample: $cmd"
	else
		echo "FAIL $sample: $cmd differs from $expect:"
		diff "$expected/$expect" "$tmp/out" | head -20
		fail=1
	fi
done <<'CASES'
# sample                               expected                     command
anomaly-fin-lost.pcap                  show-fin-lost.txt            show 1
anomaly-fin-lost.pcap                  anomalies-fin-lost.json      anomalies -o json
anomaly-time-wait-assassination.pcap   show-tw-assassination.txt    show 1
client-closes.pcap                     flows-client-closes.csv      flows -o csv
anomaly-time-wait-storm.pcap           summary-tw-storm.txt         summary
anomaly-close-wait-stuck.pcap          summary-close-wait.txt       summary
CASES
exit $fail
