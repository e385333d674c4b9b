#!/bin/bash
# hostile.sh: hostile traffic at scale, made by bench/gen-capture and piped
# into `tcpmortem analyze -` under the caps on flows (--max-flows) and on
# connections that never came to life (--max-embryonic):
#
#   syn-flood      spoofed SYNs from random sources, cookie SYN-ACKs
#   one-packet     connections of one segment from random hosts
#   port-scan      SYNs to consecutive ports (4-tuples reused after 65535)
#   rst-storm      resets injected into live connections (blind,
#                  in-window, exact)
#   bad-retx       retransmissions overlapping sent data, segments a
#                  gigabyte out of the window
#   reuse          every connection on one of 20 fixed 4-tuples, heavy
#                  retransmission and long transfers
#   reuse-retx     the same with bad retransmissions injected
#
# For each, a capture and one of half its size (every count halved), and:
#
#   - analyze exits 0 and stores every packet the generator wrote;
#   - its peak RSS (GNU time's %M) stays under RSS_LIMIT_MB;
#   - where a cap is exceeded, flows were given up: the captures row counts
#     them (flows_evicted, flows_aggregated), `tcpmortem summary` says so
#     with those numbers, and no more than MAX_FLOWS + 1 were ever held;
#   - every finding that names a connection names one that was stored
#     (one left under the embryonic cap is stored if a finding names it);
#   - time per packet is flat: CPU time (user + system) of the whole over
#     that of the half, each less the CPU time of analysing 20 packets
#     (start-up and the end: plugins, the database), stays under RATIO_LIMIT
#     (2 when linear, 4 when quadratic): the check for quadratic work per
#     flow, per 4-tuple and per retransmission.
#
# By default the sizes are small (a few tens of thousands of packets each,
# seconds in all); TM_SLOW_TESTS=1 runs the real sizes: 10 million spoofed
# SYNs, a million one-packet connections, a million probes, a million
# injected resets and bad retransmissions into 2 million packets, 2 million
# packets on 20 reused 4-tuples.  The limits below are what was measured
# (see the comments) with some room; set them in the environment to try
# others.
set -u
: "${TCPMORTEM:?}" "${top_builddir:?}"
GEN=${GEN:-$top_builddir/bench/gen-capture}
skip() { echo "SKIP: hostile: $*"; exit 77; }
[ -x "$GEN" ] || skip "$GEN is not built (make bench-programs)"
[ -x /usr/bin/time ] || skip "GNU time (/usr/bin/time) is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

slow=${TM_SLOW_TESTS:-0}
# A sanitizer build keeps freed memory in quarantine (256 MiB by default)
# and shadows all of it: its RSS says little.  Its quarantine is made small.
sanitized=0
if ldd "$TCPMORTEM" 2>/dev/null | grep -q libasan; then
	sanitized=1
	export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:detect_leaks=1}
fi
if [ "$slow" = 1 ]; then
	MAX_FLOWS=${MAX_FLOWS:-100000}
	MAX_EMBRYONIC=${MAX_EMBRYONIC:-20000}
	# Measured with the plain build: 10 M SYNs peak at 590 MiB today (the
	# capture's one transaction grows SQLite's WAL index with the file).
	RSS_LIMIT_MB=${RSS_LIMIT_MB:-$([ $sanitized = 1 ] && echo 2500 || echo 900)}
	FLOOD=10000000 LONE=1000000 SCAN=1000000 INJECT=1000000 ORDINARY=2000000 REUSE=4000000
else
	MAX_FLOWS=${MAX_FLOWS:-5000}
	MAX_EMBRYONIC=${MAX_EMBRYONIC:-2000}
	# Measured: at most 30 MiB plain, 93 MiB with the sanitizers.
	RSS_LIMIT_MB=${RSS_LIMIT_MB:-$([ $sanitized = 1 ] && echo 200 || echo 80)}
	FLOOD=20000 LONE=20000 SCAN=12000 INJECT=20000 ORDINARY=50000 REUSE=300000
fi
RATIO_LIMIT=${RATIO_LIMIT:-2.6}

# The generator's options for scenario $1 at 1/$2 of its size.
gen_args() {
	local d=$2
	case $1 in
	syn-flood)  echo "-n $((2000 / d)) -c 50 --syn-flood $((FLOOD / d))" ;;
	one-packet) echo "-n $((2000 / d)) -c 50 --one-packet $((LONE / d)) --hostile-rate 200000" ;;
	port-scan)  echo "-n $((2000 / d)) -c 50 --port-scan $((SCAN / d))" ;;
	rst-storm)  echo "-n $((ORDINARY / d)) -c 500 --rst-storm $((INJECT / d)) --hostile-rate 50000" ;;
	bad-retx)   echo "-n $((ORDINARY / d)) -c 500 --bad-retx $((INJECT / d)) --hostile-rate 50000" ;;
	reuse)      echo "-n $((REUSE / d)) -c 20 --reuse" ;;
	reuse-retx) echo "-n $((REUSE / d)) -c 20 --reuse --bad-retx $((INJECT / d)) --hostile-rate 20000" ;;
	tiny)       echo "-n 20 -c 2" ;;
	esac
}
# Scenarios that hold more connections at once than the cap.
evicts() { case $1 in syn-flood|one-packet|port-scan) return 0 ;; esac; return 1; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL $*"; fail=1; }

# run NAME DIVISOR: generate into analyze; sets st, rss (KiB), cpu (s),
# genpk (packets written) and db.
run() {
	local args
	args=$(gen_args "$1" "$2")
	db=$tmp/$1-$2.db
	# shellcheck disable=SC2086
	"$GEN" $args -o - 2>"$tmp/gen.err" |
		/usr/bin/time -o "$tmp/time" -f '%M %U %S' \
		"$TCPMORTEM" analyze -q --no-progress --max-flows "$MAX_FLOWS" \
		--max-embryonic "$MAX_EMBRYONIC" -d "$db" - 2>"$tmp/an.err"
	st=${PIPESTATUS[1]}
	read -r rss u s <"$tmp/time"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	genpk=$(awk 'NR == 1 { print $2 }' "$tmp/gen.err")
}

# ratio_of FULL HALF: CPU seconds of the whole over the half's, less start-up.
ratio_of() {
	awk -v a="$1" -v b="$2" -v z="$base" \
		'BEGIN { a -= z; b -= z; printf("%.2f", (b > 0.01) ? a / b : 0) }'
}
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

start=$SECONDS
run tiny 1
base=$cpu
run tiny 1
base=$(awk -v a="$base" -v b="$cpu" 'BEGIN { print (a < b) ? a : b }')
echo "start-up: $base s of CPU (analysing a capture of 20 packets)"
printf '%-11s %10s %8s %8s %9s %8s %7s %10s %6s\n' scenario packets "CPU s" "half s" ratio \
	"RSS MiB" evicted aggregated peak
for name in syn-flood one-packet port-scan rst-storm bad-retx reuse reuse-retx; do
	run "$name" 2
	half_st=$st half_cpu=$cpu
	run "$name" 1
	read -r packets evicted aggregated peak < <(sqlite3 -separator ' ' "$db" \
		'SELECT packets, flows_evicted, flows_aggregated, peak_flows FROM captures' 2>/dev/null)
	ratio=$(ratio_of "$cpu" "$half_cpu")
	retry=0
	while ! below "$ratio" "$RATIO_LIMIT" && [ $retry -lt 5 ]; do
		# A busy machine steals CPU time too (make -j2 check runs the
		# parallel analyses of tests/e2e/parallel.sh beside this), and
		# at the default sizes a run takes a few clock ticks (10 ms
		# each): measure both again, keep the least of each, up to
		# five times.
		retry=$((retry + 1))
		full_cpu=$cpu
		run "$name" 2
		half_cpu=$(awk -v a="$half_cpu" -v b="$cpu" 'BEGIN { print (a < b) ? a : b }')
		run "$name" 1
		cpu=$(awk -v a="$full_cpu" -v b="$cpu" 'BEGIN { print (a < b) ? a : b }')
		ratio=$(ratio_of "$cpu" "$half_cpu")
	done
	printf '%-11s %10s %8s %8s %9s %8s %7s %10s %6s\n' "$name" "${packets:-?}" "$cpu" \
		"$half_cpu" "$ratio" "$((rss / 1024))" "${evicted:-?}" "${aggregated:-?}" "${peak:-?}"
	[ "$st" = 0 ] && [ "$half_st" = 0 ] ||
		{ bad "$name: analyze exited $st (half: $half_st): $(head -c 300 "$tmp/an.err")"; continue; }
	[ "${packets:-}" = "$genpk" ] || bad "$name: $genpk packets generated, ${packets:-none} stored"
	[ "$rss" -le $((RSS_LIMIT_MB * 1024)) ] ||
		bad "$name: peak RSS $((rss / 1024)) MiB over the limit of $RSS_LIMIT_MB MiB"
	below "$ratio" "$RATIO_LIMIT" ||
		bad "$name: the whole took $ratio times the CPU of the half (limit $RATIO_LIMIT): not linear"
	[ "$peak" -le $((MAX_FLOWS + 1)) ] || bad "$name: $peak flows held at once, over --max-flows $MAX_FLOWS"
	dangling=$(sqlite3 "$db" 'SELECT count(*) FROM findings
		WHERE flow IS NOT NULL AND flow NOT IN (SELECT id FROM flows)' 2>/dev/null)
	[ "${dangling:-x}" = 0 ] || bad "$name: ${dangling:-?} findings name a connection that was not stored"
	if evicts "$name" && [ $((evicted + aggregated)) -eq 0 ]; then
		bad "$name: nothing given up, though more than the caps were open"
	fi
	"$TCPMORTEM" summary -d "$db" >"$tmp/summary" 2>&1 || bad "$name: summary failed: $(head -3 "$tmp/summary")"
	if [ "$evicted" -gt 0 ]; then
		grep -q "$evicted flows\{0,1\} evicted" "$tmp/summary" ||
			bad "$name: summary does not say '$evicted flows evicted': $(grep -i evict "$tmp/summary")"
	fi
	if [ "$aggregated" -gt 0 ]; then
		grep -q "$aggregated connections\{0,1\} that never came to life" "$tmp/summary" ||
			bad "$name: summary does not say '$aggregated connections that never came to life'"
	fi
done
echo "$((SECONDS - start)) s; limits: --max-flows $MAX_FLOWS, --max-embryonic $MAX_EMBRYONIC, RSS $RSS_LIMIT_MB MiB, ratio $RATIO_LIMIT$([ $sanitized = 1 ] && echo ', sanitizer build')"
exit $fail
