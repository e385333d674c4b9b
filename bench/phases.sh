#!/bin/bash
# phases.sh: where one analysis spends its wall time, thread by thread.
#
#   bench/phases.sh [-s SECONDS] CAPTURE [analyze options...]
#
# Runs `tcpmortem analyze` on CAPTURE into a fresh database under
# `perf record` (Debian package linux-perf) sampling at 1000 Hz, then
# prints, for each slice of SECONDS (default 0.5) of wall time, how busy
# each thread was (1.00 = a whole core) and, for the busiest, which
# library its samples fell in.  An analysis shows its phases: packets
# read and analysed (the main thread, the readahead thread, the writer
# keeping up), the connections still open at the end written out (the
# writer at 1.00), the indices built (the main thread in libsqlite3).
#
# Environment: TCPMORTEM (default src/tcpmortem), TCPMORTEM_PLUGIN_PATH
# (default plugins/.libs), BENCH_OUT (default bench/out).
set -eu
slice=0.5
if [ "${1:-}" = -s ]; then
	slice=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [-s SECONDS] CAPTURE [analyze options...]" >&2; exit 2; }
capture=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
tm=${TCPMORTEM:-$top/src/tcpmortem}
out=${BENCH_OUT:-$top/bench/out}
export TCPMORTEM_PLUGIN_PATH=${TCPMORTEM_PLUGIN_PATH:-$top/plugins/.libs}
command -v perf >/dev/null || { echo "$0: needs perf (Debian package linux-perf)" >&2; exit 1; }
mkdir -p "$out"
db=$out/phases.db
data=$out/phases.perf
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
cat "$capture" >/dev/null               # in the page cache, as the bench has it
perf record -q -F 1000 -o "$data" -- "$tm" analyze -q --no-progress -d "$db" "$@" "$capture"
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
# One line per sample: thread, time, address, library.
perf script -i "$data" -F tid,time,ip,dso 2>/dev/null | awk -v slice="$slice" '
	{
		tid = $1; t = $2 + 0; lib = $NF
		gsub(/[()]/, "", lib); sub(/.*\//, "", lib); sub(/\.so.*/, "", lib)
		if (t0 == "") t0 = t
		b = int((t - t0) / slice)
		n[b, tid]++; lib_n[b, tid, lib]++
		if (!(tid in seen)) { seen[tid] = ++threads; order[threads] = tid }
		if (b > last) last = b
		libs[lib] = 1
	}
	END {
		printf "%8s", "from s"
		for (i = 1; i <= threads; i++) printf "  thread %-8d", i
		printf "  busiest thread by library\n"
		for (b = 0; b <= last; b++) {
			printf "%8.1f", b * slice
			top = 0; topn = 0
			for (i = 1; i <= threads; i++) {
				c = n[b, order[i]] + 0
				printf "  %-15.2f", c / (1000 * slice)
				if (c > topn) { topn = c; top = order[i] }
			}
			line = ""
			for (l in libs)
				if (topn > 0 && lib_n[b, top, l] >= topn / 10)
					line = line sprintf(" %s %.0f%%", l, 100 * lib_n[b, top, l] / topn)
			print "  " line
		}
		print "(threads in the order they first ran: 1 is the main thread; 1000 samples a second make a busy core 1.00)"
	}'
rm -f "$data"
