#!/bin/bash
# floor.sh: the least time SQLite alone needs to store what an analysis
# stores (issue 8, targets 1 and 2).
#
#   bench/floor.sh [-n RUNS] CAPTURE
#
# Analyses CAPTURE once into a scratch database, then, RUNS times
# (default 5), stores the same rows again with nothing but the sqlite3
# shell: into a new file with the same schema and page size, in one
# transaction under a rollback journal (as analyze writes a first
# capture), the captures row, every flow and its details, every finding
# (INSERT ... SELECT from the first file, SQLite's cheapest way in: no
# statement per row, no binding, no JSON to make), then the same indices
# built and the planner's statistics gathered as analyze gathers them,
# then COMMIT.  Prints the medians, in seconds, as
# a Markdown table on standard output.
#
# No analysis can store its capture faster than this on one database
# file: SQLite writes a file from one connection at a time, so these steps
# run one after the other whatever the number of cores, and analyze
# itself does at least this much (and builds each row from a flow).  A
# target of less time than this cannot be met with everything stored and
# indexed as it is.
#
# Environment: TCPMORTEM (default src/tcpmortem), TCPMORTEM_PLUGIN_PATH
# (default plugins/.libs), BENCH_OUT (default bench/out).
set -eu -o pipefail
runs=5
if [ "${1:-}" = -n ]; then
	runs=$2
	shift 2
fi
[ $# = 1 ] || { echo "usage: $0 [-n RUNS] CAPTURE" >&2; exit 2; }
capture=$1
top=$(cd "$(dirname "$0")/.." && pwd)
tm=${TCPMORTEM:-$top/src/tcpmortem}
out=${BENCH_OUT:-$top/bench/out}
export TCPMORTEM_PLUGIN_PATH=${TCPMORTEM_PLUGIN_PATH:-$top/plugins/.libs}
command -v sqlite3 >/dev/null || { echo "$0: needs sqlite3" >&2; exit 1; }
mkdir -p "$out"
src=$out/floor-src.db
dst=$out/floor.db
clean() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }
trap 'clean "$src"; clean "$dst"' EXIT
clean "$src"
"$tm" analyze -q --no-progress -d "$src" "$capture" || [ $? = 1 ]
sqlite3 "$src" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null

# The schema without the indices, and the indices, as the first file has them.
tables=$(sqlite3 "$src" "SELECT sql || ';' FROM sqlite_schema
    WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
indices=$(sqlite3 "$src" "SELECT sql || ';' FROM sqlite_schema
    WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid")
# The statistics as analyze gathers them (src/planstats.h): a sample of
# each index, and whole each index of two columns or more whose first
# holds few values.  Its counts of those values, an index seek per value,
# take milliseconds and are left out.
whole=$(sqlite3 "$src" "SELECT name FROM sqlite_schema AS i WHERE type = 'index'
    AND (SELECT count(*) FROM pragma_index_info(i.name)) > 1" | while read -r idx; do
	col=$(sqlite3 "$src" "SELECT name FROM pragma_index_info('$idx') WHERE seqno = 0")
	tbl=$(sqlite3 "$src" "SELECT tbl_name FROM sqlite_schema WHERE name = '$idx'")
	[ -n "$col" ] && [ "$(sqlite3 "$src" "SELECT count(DISTINCT \"$col\") FROM \"$tbl\"")" -le 1000 ] &&
		echo "ANALYZE main.\"$idx\";"
done || true)
copy="INSERT INTO captures SELECT * FROM src.captures;
INSERT INTO flows SELECT * FROM src.flows;
INSERT INTO flow_details SELECT * FROM src.flow_details;
INSERT INTO findings SELECT * FROM src.findings;"

# One run: seconds for the rows, the indices, ANALYZE and COMMIT.
one_run() {
	local t0 t1 t2 t3 t4
	clean "$dst"
	sqlite3 "$dst" "PRAGMA page_size = 16384; $tables" >/dev/null
	# The clock between the steps, in one process: its start, the ATTACH
	# and the table of state names (the schema's) are not counted.
	sqlite3 -bail "$dst" <<-EOF | tr '\n' ' '
		PRAGMA journal_mode = DELETE;
		PRAGMA synchronous = NORMAL;
		PRAGMA foreign_keys = ON;
		PRAGMA cache_size = -8192;
		PRAGMA temp_store = FILE;
		ATTACH '$src' AS src;
		INSERT INTO state_names SELECT * FROM src.state_names;
		BEGIN IMMEDIATE;
		SELECT printf('%.4f', julianday('now') * 86400);
		$copy
		SELECT printf('%.4f', julianday('now') * 86400);
		$indices
		SELECT printf('%.4f', julianday('now') * 86400);
		.output /dev/null
		PRAGMA analysis_limit = 1000;
		ANALYZE main;
		PRAGMA analysis_limit = 0;
		$whole
		.output
		SELECT printf('%.4f', julianday('now') * 86400);
		COMMIT;
		SELECT printf('%.4f', julianday('now') * 86400);
	EOF
	echo
}

# The copy holds what the analysis stored, or its time means nothing.
same_rows() {
	local q="SELECT (SELECT count(*) FROM flows) || ' ' || (SELECT count(*) FROM flow_details)
	    || ' ' || (SELECT count(*) FROM findings) || ' ' || (SELECT count(*) FROM sqlite_schema
	    WHERE type = 'index')"
	local a b
	a=$(sqlite3 "$src" "$q") b=$(sqlite3 "$dst" "$q")
	[ "$a" = "$b" ] || { echo "$0: the copy differs: $b, not $a (flows, details, findings, indices)" >&2; exit 1; }
}

median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

results=()
for ((i = 0; i < runs; i++)); do
	results+=("$(one_run | sed 's/^delete //')")
	same_rows
done
col() { printf '%s\n' "${results[@]}" | awk -v a="$1" -v b="$2" '{ printf "%.4f\n", $b - $a }' | median; }
flows=$(sqlite3 "$src" "SELECT count(*) FROM flows")
findings=$(sqlite3 "$src" "SELECT count(*) FROM findings")
mib=$(sqlite3 "$src" "SELECT printf('%.0f', page_count * page_size / 1048576.0) FROM pragma_page_count, pragma_page_size")
nidx=$(printf '%s\n' "$indices" | grep -c '^CREATE INDEX' || true)
echo "| rows ($flows flows, $findings findings; $mib MiB) | $nidx indices | ANALYZE | COMMIT | in all (median of $runs) |"
echo "|---:|---:|---:|---:|---:|"
echo "| $(col 1 2) | $(col 2 3) | $(col 3 4) | $(col 4 5) | $(col 1 5) |"
