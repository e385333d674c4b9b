#!/bin/bash
# readback.sh: how fast the stored analysis is read back (issue 8, target 6).
#
#   bench/readback.sh [-n RUNS] DB [CAPTURE...]
#
# With CAPTUREs, DB is made afresh from them (one `tcpmortem analyze`);
# the bench gives it c1m, c10k and c10k-q1: 1,053,435 flows.  Then each
# documented filter of `flows` and `anomalies`, with --limit 50 (a
# screen), once with a value that matches a great many rows and once with
# one that matches a few or none (the two cases an index choice can get
# wrong), `show`, and the browser's first screen (`browse --bench 1`,
# offscreen), each timed RUNS times (default 5): the median wall time of
# the whole command, process start included, in milliseconds.  Prints a
# Markdown table on standard output; the target is 200 ms.  Then
# `summary`, once: it reads every flow, and is not one of the target's.
#
# Environment: TCPMORTEM (default src/tcpmortem), TCPMORTEM_PLUGIN_PATH
# (default plugins/.libs).
set -eu
runs=5
if [ "${1:-}" = -n ]; then
	runs=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] DB [CAPTURE...]" >&2; exit 2; }
db=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
tm=${TCPMORTEM:-$top/src/tcpmortem}
export TCPMORTEM_PLUGIN_PATH=${TCPMORTEM_PLUGIN_PATH:-$top/plugins/.libs}
command -v sqlite3 >/dev/null || { echo "$0: needs sqlite3" >&2; exit 1; }
if [ $# -gt 0 ]; then
	rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
	"$tm" analyze -q --no-progress -d "$db" "$@" || [ $? = 1 ]
fi
sql() { sqlite3 -bail "$db" "$1"; }
flows=$(sql "SELECT count(*) FROM flows")
findings=$(sql "SELECT count(*) FROM findings")

# The values: the most and the least common of each kind.
busy_server=$(sql "SELECT server FROM flows GROUP BY server ORDER BY count(*) DESC LIMIT 1")
busy_port=$(sql "SELECT server_port FROM flows GROUP BY server_port ORDER BY count(*) DESC LIMIT 1")
lone_client=$(sql "SELECT client FROM flows WHERE id = (SELECT max(id) / 2 FROM flows)")
unused_port=$(sql "SELECT p FROM (SELECT 9 AS p UNION ALL SELECT 7 UNION ALL SELECT 13)
    WHERE p NOT IN (SELECT client_port FROM flows) AND p NOT IN (SELECT server_port FROM flows) LIMIT 1")
state_counts="SELECT s, count(*) AS n FROM (SELECT client_state AS s FROM flows
    UNION ALL SELECT server_state FROM flows) GROUP BY s"
common_state=$(sql "$state_counts ORDER BY n DESC LIMIT 1" | cut -d'|' -f1)
rare_state=$(sql "$state_counts ORDER BY n LIMIT 1" | cut -d'|' -f1)
common_kind=$(sql "SELECT kind FROM findings GROUP BY kind ORDER BY count(*) DESC LIMIT 1")
rare_kind=$(sql "SELECT kind FROM findings GROUP BY kind ORDER BY count(*) LIMIT 1")
middle_ts=$(sql "SELECT printf('%.6f', first_ts) FROM flows WHERE id = (SELECT max(id) / 2 FROM flows)")
last_capture=$(sql "SELECT max(id) FROM captures")
a_flow=$(sql "SELECT max(id) / 3 FROM flows")

# One row of the table: the command's median time over RUNS runs.
time_it() {
	local what=$1 i t0 t1 ms=() med lines
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$tm" "$@" -d "$db" >"$db.out" 2>&1 || true
		t1=$(date +%s%N)
		ms+=("$(( (t1 - t0) / 1000 ))")
	done
	med=$(printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
	lines=$(($(wc -l <"$db.out") - 1))
	[ "$lines" -ge 0 ] || lines=0
	awk -v m="$med" -v w="$what" -v c="$*" -v n="$lines" 'BEGIN {
		printf "| %s | `tcpmortem %s` | %d | %s | %s |\n", w, c, n, m, (m < 200 ? "PASS" : "FAIL") }'
}

echo "Database: $flows flows, $findings findings; median of $runs runs, process start included."
echo
echo "| case | command | rows | ms | < 200 ms |"
echo "|---|---|---:|---:|---|"
time_it "first screen, no filter" flows --limit 50
time_it "a client with few connections" flows --host "$lone_client" --limit 50
time_it "the busiest server" flows --host "$busy_server" --limit 50
time_it "the busiest port" flows --port "$busy_port" --limit 50
time_it "a port no connection used" flows --port "${unused_port:-9}" --limit 50
time_it "the commonest state" flows --state "$common_state" --limit 50
time_it "the rarest state" flows --state "$rare_state" --limit 50
time_it "a state nobody is in" flows --state CLOSING --limit 50
time_it "the commonest finding" flows --kind "$common_kind" --limit 50
time_it "the rarest finding" flows --kind "$rare_kind" --limit 50
time_it "since the middle" flows --since "$middle_ts" --limit 50
time_it "the last capture" flows --capture "$last_capture" --limit 50
case $busy_server in
*:*) busy_net=${busy_server}/64 ;;
*) busy_net=${busy_server%.*}.0/24 ;;
esac
time_it "the busiest server's network" flows --host "$busy_net" --limit 50
time_it "the busiest server's rarest state" flows --host "$busy_server" --state "$rare_state" --limit 50
time_it "the busiest port, a state nobody is in" flows --port "$busy_port" --state CLOSING --limit 50
time_it "findings, no filter" anomalies --limit 50
time_it "the commonest finding" anomalies --kind "$common_kind" --limit 50
time_it "the busiest server" anomalies --host "$busy_server" --limit 50
time_it "a client with few connections" anomalies --host "$lone_client" --limit 50
time_it "the busiest port" anomalies --port "$busy_port" --limit 50
time_it "the commonest state" anomalies --state "$common_state" --limit 50
time_it "the rarest state" anomalies --state "$rare_state" --limit 50
time_it "one connection" show "$a_flow"
first=$("$tm" browse --bench 1 -d "$db" | awk '/^first screen/ { print $(NF - 1) }')
echo "| the browser's first screen (offscreen, measured inside) | \`tcpmortem browse --bench 1\` | | $first | $(awk -v m="$first" 'BEGIN { print (m != "" && m < 200 ? "PASS" : "FAIL") }') |"
# Not one of the target's commands, but the one a user runs first: every
# capture, server and client counted (one run; it reads every flow).
t0=$(date +%s%N)
"$tm" summary -d "$db" >/dev/null 2>&1 || true
t1=$(date +%s%N)
echo
echo "\`tcpmortem summary\` (every capture, server and client; reads every flow): $(( (t1 - t0) / 1000000 )) ms."
rm -f "$db.out"
