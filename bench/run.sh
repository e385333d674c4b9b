#!/usr/bin/env bash
# bench/run.sh: how fast tcpmortem reads captures, against the bare libpcap
# loop under it and against tshark, tcptrace and argus (issue 8).
#
# It builds what it needs, writes synthetic captures into bench/out/ (kept
# between runs; regenerated when their generator options change), then times
# every tool on every capture with the file in the page cache and writes a
# Markdown report to bench/out/results.md.  See bench/README.md.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$(dirname "$here")}
builddir=${top_builddir:-$srcdir}
out=${BENCH_OUT:-$builddir/bench/out}
max_min="" all_tools=0 gen_only=0 quick=0 runs="" budget="" timeout_s="" mem_mib=8192 install=1 only=""
command_line="bench/run.sh $*"

usage() {
	cat <<EOF
usage: bench/run.sh [--quick] [--runs N] [--budget SECS] [--timeout SECS]
                    [--mem-limit MIB] [--only NAMES] [--no-install]
  --quick         small captures, 3 runs: a sanity run of about a minute
  --runs N        runs per tool and capture, median reported (default 5, quick 3)
  --budget SECS   a tool whose first run shows that N runs would exceed SECS on
                  one capture gets fewer runs, at least one (default 60, quick 30);
                  the table says how many it got
  --timeout SECS  a run taking longer is killed and reported (default 150, quick 30)
  --mem-limit MIB address-space limit for tshark, tcptrace and argus (default 8192),
                  so that a tool that grows without bound fails instead of the machine
  --only NAMES    comma-separated capture names (c10k,c1m,flood,reuse)
  --all-tools     run every tool on every capture (default: tshark, tcptrace and
                  tcpmortem on one core only on c10k, the reference capture; always
                  in --quick)
  --max-minutes M stop starting runs M minutes after the start, kill a run that
                  would go past it, and report what was measured (tcpmortem on
                  every capture first, then the comparisons: see make_plan)
  --generate-only write the captures and stop
  --no-install    never apt-get install a missing tool; skip its column
Environment: top_srcdir, top_builddir, TCPMORTEM, TCPMORTEM_PLUGIN_PATH,
BENCH_OUT (output directory), BENCH_NO_BUILD=1 (do not run make).
EOF
}

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--budget) budget=${2:?--budget needs seconds}; shift ;;
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift ;;
	--mem-limit) mem_mib=${2:?--mem-limit needs MiB}; shift ;;
	--only) only=${2:?--only needs names}; shift ;;
	--no-install) install=0 ;;
	--generate-only) gen_only=1 ;;
	--all-tools) all_tools=1 ;;
	--max-minutes) max_min=${2:?--max-minutes needs minutes}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[ -n "$runs" ] || runs=$([ $quick = 1 ] && echo 3 || echo 5)
[ -n "$budget" ] || budget=30
[ $quick = 1 ] && all_tools=1
[ -n "$timeout_s" ] || timeout_s=$([ $quick = 1 ] && echo 30 || echo 300)
case $runs$budget$timeout_s$mem_mib$max_min in *[!0-9]*) die "--runs, --budget, --timeout, --mem-limit and --max-minutes take whole numbers" ;; esac

TCPMORTEM=${TCPMORTEM:-$builddir/src/tcpmortem}
GEN=$builddir/bench/gen-capture
LOOP=$builddir/bench/pcaploop
export TCPMORTEM_PLUGIN_PATH=${TCPMORTEM_PLUGIN_PATH:-$builddir/plugins/.libs}
mkdir -p "$out" || die "cannot create $out"

# ---- captures: name, generator options, what it is ---------------------
declare -A gen_args desc
if [ $quick = 1 ]; then
	gen_args=([c10k]="-n 100000 -c 2000" [c1m]="-n 200000 -c 20000 --ramp 0.1"
	    [flood]="-n 20000 -c 1000 --syn-flood 50000" [reuse]="-n 50000 -c 20 --reuse"
	    [c10k-half]="-n 50000 -c 2000" [reuse-half]="-n 25000 -c 20 --reuse")
	tag=quick-
else
	gen_args=([c10k]="-n 5000000 -c 10000" [c1m]="-n 7000000 -c 1000000 --ramp 1"
	    [flood]="-n 1000000 -c 10000 --syn-flood 2000000" [reuse]="-n 2000000 -c 20 --reuse"
	    [c10k-half]="-n 2500000 -c 10000" [reuse-half]="-n 1000000 -c 20 --reuse")
	tag=""
fi
desc=([c10k]="ordinary traffic, about 10 000 connections open at once"
    [c1m]="a storm of 1 000 000 connections opened within a second, held open"
    [flood]="ordinary traffic with a flood of spoofed SYNs to 192.168.1.10:80"
    [reuse]="20 fixed 4-tuples, each reused for hundreds of connections, heavy retransmission"
    [c10k-half]="the first half of c10k, byte for byte (flatness check)"
    [reuse-half]="the first half of reuse, byte for byte (flatness check)")
# Several files in one command (target 5): four captures like a quarter of
# c10k each, with other seeds, analysed with -j 1 and with -j 2.
quarters=(c10k-q1 c10k-q2 c10k-q3 c10k-q4)
for ((i = 0; i < 4; i++)); do
	gen_args[${quarters[$i]}]="$([ $quick = 1 ] && echo "-n 25000 -c 2000" ||
	    echo "-n 1250000 -c 10000") -s $((i + 2))"
	desc[${quarters[$i]}]="a quarter of c10k's traffic, seed $((i + 2)) (several files at once)"
done
[ $quick = 1 ] && desc[c10k]="ordinary traffic, about 2 000 connections open at once" &&
	desc[c1m]="a storm of 20 000 connections, held open"
captures=(c10k c1m flood reuse)
if [ -n "$only" ]; then
	IFS=, read -r -a captures <<<"$only"
	for c in "${captures[@]}"; do
		if [ -z "${gen_args[$c]:-}" ] || [[ $c == *-half ]]; then die "no capture named '$c'"; fi
	done
fi
# The halves serve the flatness check only: twice the packets of the same
# traffic should take twice the time.
all_caps=("${captures[@]}") halves=()
for c in c10k reuse; do
	[[ " ${captures[*]} " == *" $c "* ]] && halves+=("$c-half")
done
all_caps+=("${halves[@]}")
# The four quarters, measured together as the pseudo-capture c10k-x4.
[[ " ${captures[*]} " == *" c10k "* ]] || quarters=()

# ---- tools ------------------------------------------------------------------
build() {
	[ -z "${BENCH_NO_BUILD:-}" ] || return 0
	[ -f "$builddir/Makefile" ] || die "$builddir is not configured: run ./configure first"
	make -C "$builddir" bench-programs >"$out/build.log" 2>&1 ||
		die "build failed, see $out/build.log"
}

declare -A notes
# Install the Debian package PKG for command CMD if missing and we may.
want_tool() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null && return 0
	if [ $install = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "installing $pkg"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >>"$out/apt.log" 2>&1 ||
			{ apt-get update -qq >>"$out/apt.log" 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >>"$out/apt.log" 2>&1; }
	fi
	command -v "$cmd" >/dev/null && return 0
	notes[$cmd]="$cmd not installed (Debian package $pkg) and not installable here: column skipped"
	return 1
}

tools=(loop loop-stdio tcpmortem tcpmortem-1core)

# The tools run on capture C.  The slow comparisons (tshark takes minutes on
# the full captures) and the one-core run are made on the reference capture
# only, unless --all-tools: the full run must fit in a quarter of an hour.
tools_for() {
	local t
	for t in "${tools[@]}"; do
		case $t in
		tshark|tcptrace|tcpmortem-1core)
			[ $all_tools = 1 ] || [ "$1" = c10k ] || continue ;;
		esac
		echo "$t"
	done
}
db=$out/bench.db

# The other tools run under an address-space limit (ulimit -v).
limited() { CMD=(bash -c "ulimit -v $((mem_mib * 1024)) && exec \"\$@\"" "$1" "$@"); }

# The command line of TOOL on FILE (FILES for tcpmortem-j*), into the
# array CMD.
tool_cmd() {
	local file=$2
	case $1 in
	tcpmortem-j*) CMD=("$TCPMORTEM" analyze -q --no-progress -j "${1#tcpmortem-j}" -d "$db" "${@:2}") ;;
	loop) CMD=("$LOOP" "$file") ;;
	loop-stdio) CMD=("$LOOP" --stdio "$file") ;;
	tcpmortem) CMD=("$TCPMORTEM" analyze -q --no-progress -d "$db" "$file") ;;
	tcpmortem-1core) CMD=(taskset -c 0 "$TCPMORTEM" analyze -q --no-progress -j 1 -d "$db" "$file") ;;
	tshark) limited tshark -n -q -z "conv,tcp" -r "$file" ;;
	tcptrace) limited tcptrace -n "$file" ;;
	argus) limited argus -r "$file" -w /dev/null ;;
	esac
}

# A fresh database for every tcpmortem run; nothing to prepare otherwise.
tool_prep() {
	case $1 in tcpmortem*) rm -f "$db" "$db-wal" "$db-shm" "$db-journal" ;; esac
}

# ---- measuring ----------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One run of CMD: sets secs (wall clock), cpu (user + system seconds) and
# rss_kb; returns the exit status.
run_once() {
	local t0 t1 rc
	t0=$(date +%s%N)
	: >"$out/time.out"
	timeout -k 5 "$run_limit" /usr/bin/time -o "$out/time.out" -f '%e %M %U %S' "${CMD[@]}" \
	    >"$out/last.stdout" 2>"$out/last.stderr"
	rc=$?
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	rss_kb=$(tail -n 1 "$out/time.out" | awk '{ print $2 }')
	cpu=$(tail -n 1 "$out/time.out" | awk '{ printf "%.2f", $3 + $4 }')
	return $rc
}

# Seconds a run may take: the per-run timeout, or less near the deadline.
time_left() {
	local left=$timeout_s
	[ -z "$max_min" ] || left=$(( deadline - $(date +%s) ))
	[ "$left" -gt "$timeout_s" ] && left=$timeout_s
	echo "$left"
}

# Time TOOL on capture NAME; append a line to results.tsv.
measure() {
	local tool=$1 name=$2 n=$runs i rc ts="" cs="" peak=0 status=ok files=() q
	if [ "$name" = c10k-x4 ]; then
		for q in "${quarters[@]}"; do files+=("$out/$tag$q.pcap"); done
	else
		files=("$out/$tag$name.pcap")
	fi
	tool_cmd "$tool" "${files[@]}"
	cat "${files[@]}" >/dev/null            # into the page cache
	for ((i = 1; i <= n; i++)); do
		run_limit=$(time_left)
		if [ "$run_limit" -lt 5 ]; then
			[ -n "$ts" ] || status="not run: out of time (--max-minutes $max_min)"
			break
		fi
		tool_prep "$tool"
		run_once; rc=$?
		# tcpmortem's 1 means "done, input damaged": still a full run.
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			status="killed after ${run_limit} s ($([ "$run_limit" -lt "$timeout_s" ] &&
			    echo "--max-minutes $max_min" || echo "the per-run timeout"))"
			break
		elif [ $rc != 0 ] && ! { [[ $tool == tcpmortem* ]] && [ $rc = 1 ]; }; then
			status="failed (exit $rc: $(grep -v '^Running as user' "$out/last.stderr" | head -n 1 | cut -c1-120))"
			[[ $tool == tcpmortem* ]] || status="$status under a $mem_mib MiB address-space limit"
			break
		fi
		ts="$ts $secs" cs="$cs $cpu"
		[ "${rss_kb:-0}" -gt "$peak" ] && peak=$rss_kb
		say "$name: $tool run $i/$n: $secs s, CPU $cpu s, $((rss_kb / 1024)) MiB"
		if [ $i = 1 ] && awk -v s="$secs" -v n="$n" -v b="$budget" 'BEGIN { exit !(s * n > b) }'; then
			n=$(awk -v s="$secs" -v b="$budget" -v r="$runs" 'BEGIN { k = int(b / s); print (k < 1 ? 1 : (k > r ? r : k)) }')
		fi
	done
	local med="" cmed="" got=0
	if [ -n "$ts" ]; then
		# shellcheck disable=SC2086 # one word per run
		med=$(printf '%s\n' $ts | median)
		# shellcheck disable=SC2086
		cmed=$(printf '%s\n' $cs | median)
		# shellcheck disable=SC2086
		got=$(printf '%s\n' $ts | wc -l)
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tool" "$got" "$med" "$peak" "$status" "$cmed" \
	    >>"$out/${tag}results.tsv"
}

# Targets 4 and 5 compare two runs' times, and this machine's speed drifts
# by 10 to 20% within minutes: measured one after the other, the order of
# c10k and flood was the drift's, and so was a fifth of one file's speed-up
# on two cores.  So such pairs are also run in turns, A B A B ...: each
# of A and B is CAPTURE/TOOL, and each one's median goes into results.tsv
# as CAPTURE-alt (target 4: c10k, flood) or CAPTURE-cores (target 5:
# tcpmortem on one core and on all).
measure_alternated() {
	local suffix=$1 a=$2 b=$3 i pair ts_a="" ts_b="" rc
	cat "$out/$tag${a%/*}.pcap" "$out/$tag${b%/*}.pcap" >/dev/null
	for ((i = 1; i <= runs; i++)); do
		for pair in "$a" "$b"; do
			run_limit=$(time_left)
			[ "$run_limit" -ge 5 ] || break 2
			tool_cmd "${pair#*/}" "$out/$tag${pair%/*}.pcap"
			tool_prep "${pair#*/}"
			run_once; rc=$?
			[ $rc = 0 ] || [ $rc = 1 ] || break 2
			say "$pair (in turns with $([ "$pair" = "$a" ] && echo "$b" || echo "$a")): run $i/$runs: $secs s"
			if [ "$pair" = "$a" ]; then ts_a="$ts_a $secs"; else ts_b="$ts_b $secs"; fi
		done
	done
	for pair in "$a" "$b"; do
		local ts; ts=$([ "$pair" = "$a" ] && echo "$ts_a" || echo "$ts_b")
		[ -n "$ts" ] || continue
		# shellcheck disable=SC2086 # one word per run
		printf '%s\t%s\t%s\t%s\t\tok\t\n' "${pair%/*}$suffix" "${pair#*/}" \
		    "$(printf '%s\n' $ts | wc -l)" "$(printf '%s\n' $ts | median)" >>"$out/${tag}results.tsv"
	done
}

# ---- captures ---------------------------------------------------------------
declare -A packets open_max
generate() {
	local name=$1 file=$out/$tag$1.pcap args=${gen_args[$1]}
	if [ ! -s "$file" ] || [ "$(cat "$file.args" 2>/dev/null)" != "$args" ]; then
		say "generating $name: gen-capture $args"
		rm -f "$file.args"
		# shellcheck disable=SC2086
		"$GEN" $args -o "$file" 2>"$file.gen" || die "gen-capture failed: $(cat "$file.gen")"
		echo "$args" >"$file.args"
	fi
	packets[$name]=$(awk 'NR == 1 { print $2 }' "$file.gen")
	open_max[$name]=$(grep -o 'at most [0-9]* open' "$file.gen" | awk '{ print $3 }')
}

# ---- the report --------------------------------------------------------------
get() { awk -F'\t' -v c="$1" -v t="$2" -v f="$3" '$1 == c && $2 == t { v = $f } END { print v }' "$out/${tag}results.tsv"; }

# The bare loop's time on a capture: the faster of its two variants.
loop_secs() {
	local a b
	a=$(get "$1" loop 4) b=$(get "$1" loop-stdio 4)
	awk -v a="$a" -v b="$b" 'BEGIN { if (a == "") a = b; if (b == "") b = a; print (a < b ? a : b) }'
}

table() {
	echo "| capture | packets | tool | runs | median s | packets/s | vs bare loop | peak RSS MiB | CPU s |"
	echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
	local c t
	for c in "${all_caps[@]}"; do
		for t in "${tools[@]}"; do
			local runs_ secs rss st base cpu
			st=$(get "$c" "$t" 6)
			[ -n "$st" ] || continue
			runs_=$(get "$c" "$t" 3) secs=$(get "$c" "$t" 4) rss=$(get "$c" "$t" 5) cpu=$(get "$c" "$t" 7)
			base=$(loop_secs "$c")
			if [ "$st" != ok ]; then
				echo "| $c | ${packets[$c]} | $t | $runs_ | $st | | | | |"
				continue
			fi
			awk -v c="$c" -v p="${packets[$c]}" -v t="$t" -v r="$runs_" -v s="$secs" \
			    -v m="$rss" -v b="$base" -v u="$cpu" 'BEGIN {
				pps = s > 0 ? p / s : 0; vs = s > 0 ? b / s : 0
				printf "| %s | %d | %s | %d | %.3f | %.0f | %.2f | %.1f | %.2f |\n",
				    c, p, t, r, s, pps, vs, m / 1024, u }'
		done
	done
}

# "PASS"/"FAIL" lines for the targets of issue 8, from the measured table.
verdict() { awk -v v="$1" -v op="$2" -v want="$3" 'BEGIN {
	if (v == "") { print "n/a"; exit }
	if (op == ">=") ok = v + 0 >= want + 0; else ok = v + 0 <= want + 0
	print (ok ? "PASS" : "FAIL") }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.2f", a / b }'; }

targets() {
	local c tm tm1 base lim rss
	echo "| capture | target | measured | verdict |"
	echo "|---|---|---:|---|"
	for c in "${captures[@]}"; do
		tm=$(get "$c" tcpmortem 4) tm1=$(get "$c" tcpmortem-1core 4) base=$(loop_secs "$c")
		[ "$(get "$c" tcpmortem 6)" = ok ] || tm=""
		[ "$(get "$c" tcpmortem-1core 6)" = ok ] || tm1=""
		local r; r=$(ratio "$base" "$tm")
		echo "| $c | as fast as the bare loop (all cores) | ${r:--} | $(verdict "$r" ">=" 1) |"
		r=$(ratio "$base" "$tm1")
		[ -z "$(get "$c" tcpmortem-1core 6)" ] ||
			echo "| $c | >= 50% of the bare loop on one core | ${r:--} | $(verdict "$r" ">=" 0.5) |"
		local tool want
		for tool in tshark:40 tcptrace:15 argus:5; do
			want=${tool#*:} tool=${tool%:*}
			case $(get "$c" "$tool" 6) in
			"") continue ;;                 # not run on this capture
			ok) ;;
			*) echo "| $c | >= ${want}x $tool | $tool failed | n/a |"; continue ;;
			esac
			r=$(ratio "$(get "$c" "$tool" 4)" "$tm")
			echo "| $c | >= ${want}x $tool | ${r:+${r}x} | $(verdict "$r" ">=" "$want") |"
		done
		[ "$c" = flood ] && continue            # the flood has its own memory target
		rss=$(get "$c" tcpmortem 5)
		[ -n "$tm" ] || rss=""
		lim=$(awk -v n="${open_max[$c]:-0}" 'BEGIN { printf "%.1f", 64 + 512 * n / 1048576 }')
		r=$([ -n "$rss" ] && awk -v m="$rss" 'BEGIN { printf "%.1f", m / 1024 }')
		echo "| $c | peak RSS <= 64 MiB + 512 B x ${open_max[$c]:-?} open = $lim MiB | ${r:--} MiB | $(verdict "$r" "<=" "$lim") |"
	done
	if [[ " ${captures[*]} " == *" flood "* ]]; then
		local pf p10 alt="" how=""
		[ -n "$(get flood-alt tcpmortem 4)" ] && [ -n "$(get c10k-alt tcpmortem 4)" ] && alt=-alt &&
			how=", $(get flood-alt tcpmortem 3) runs of each in turns"
		pf=$(awk -v p="${packets[flood]}" -v s="$(get flood$alt tcpmortem 4)" 'BEGIN { if (s > 0) printf "%.0f", p / s }')
		p10=$(awk -v p="${packets[c10k]:-0}" -v s="$(get c10k$alt tcpmortem 4)" 'BEGIN { if (s > 0) printf "%.0f", p / s }')
		echo "| flood | packets/s no less than on c10k ($p10$how) | ${pf:--} | $(verdict "$pf" ">=" "$p10") |"
		rss=$(get flood tcpmortem 5)
		r=$([ -n "$pf" ] && awk -v m="$rss" 'BEGIN { printf "%.1f", m / 1024 }')
		echo "| flood | peak RSS < 128 MiB | ${r:--} MiB | $(verdict "$r" "<=" 128) |"
	fi
}

# Target 5: several files at once, -j 2 against -j 1; and one file on two
# cores against one.
several() {
	local a b r serial how
	# What two cores can give at most (Amdahl's law): the indices, ANALYZE
	# and COMMIT of the storage floor run on one core after the last row
	# (PRAGMA threads = 2 gained nothing on c10k's indices).
	serial=$(awk -F'|' '/^\| [0-9]/ { gsub(/ /, ""); print $3 + $4 + $5 }' "$out/${tag}floor.md" 2>/dev/null)
	bound() { awk -v t="$1" -v s="$serial" 'BEGIN { if (t == "" || s == "") print ""; else printf "%.2f", t / (s + (t - s) / 2) }'; }
	echo "| input | -j 1 (or one core) s | -j 2 s | speed-up | at most, on 2 cores | target | verdict |"
	echo "|---|---:|---:|---:|---:|---|---|"
	if [ ${#quarters[@]} -gt 0 ]; then
		a=$(get c10k-x4 tcpmortem-j1 4) b=$(get c10k-x4 tcpmortem-j2 4)
		[ "$(get c10k-x4 tcpmortem-j1 6)" = ok ] || a=""
		[ "$(get c10k-x4 tcpmortem-j2 6)" = ok ] || b=""
		r=$(ratio "$a" "$b")
		echo "| 4 files (${quarters[*]}), $packets_x4 packets | ${a:--} | ${b:--} | ${r:--} | $(bound "$a") | >= 1.7 | $(verdict "$r" ">=" 1.7) |"
	fi
	a=$(get c10k tcpmortem-1core 4) b=$(get c10k tcpmortem 4) how="one core vs two"
	if [ -n "$(get c10k-cores tcpmortem-1core 4)" ] && [ -n "$(get c10k-cores tcpmortem 4)" ]; then
		a=$(get c10k-cores tcpmortem-1core 4) b=$(get c10k-cores tcpmortem 4)
		how="$how, $(get c10k-cores tcpmortem 3) runs of each in turns"
	fi
	r=$(ratio "$a" "$b")
	[ -z "$a" ] || echo "| c10k alone ($how) | ${a:--} | ${b:--} | ${r:--} | $(bound "$a") | >= 1.7 | $(verdict "$r" ">=" 1.7) |"
	echo
	[ -z "$serial" ] || echo "\"At most\": Amdahl's law, the one-core time T divided by S + (T - S) / 2, where" \
	    "S = $serial s is what SQLite does after the last row on one core, the indices being built" \
	    "after the rows (the storage floor's indices, ANALYZE and COMMIT on c10k's rows; the four" \
	    "files hold a few more, so their bound is a little lower still)." && echo
	echo "Peak RSS of the 4 files: -j 1 $(awk -v m="$(get c10k-x4 tcpmortem-j1 5)" 'BEGIN { printf "%.1f", m / 1024 }') MiB," \
	    "-j 2 $(awk -v m="$(get c10k-x4 tcpmortem-j2 5)" 'BEGIN { printf "%.1f", m / 1024 }') MiB" \
	    "(two analyses at once); CPU s: $(get c10k-x4 tcpmortem-j1 7) and $(get c10k-x4 tcpmortem-j2 7)."
}

flatness() {
	local t
	local h full a b
	echo "| capture | tool | half s | full s | ratio (2 = linear) | CPU ratio |"
	echo "|---|---|---:|---:|---:|---:|"
	for h in "${halves[@]}"; do
		full=${h%-half}
		for t in loop tcpmortem; do
			a=$(get "$h" "$t" 4) b=$(get "$full" "$t" 4)
			echo "| $full | $t | ${a:--} | ${b:--} | $(ratio "$b" "$a") |" \
			    "$(ratio "$(get "$full" "$t" 7)" "$(get "$h" "$t" 7)") |"
		done
	done
}

machine() {
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), nproc $(nproc)"
	echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel: $(uname -sr); run: $started to $(date -u '+%H:%M UTC')"
	echo "- load average (1 min) at the start: $load_start; at the end: $(cut -d' ' -f1 /proc/loadavg)"
	echo "- tcpmortem: $("$TCPMORTEM" --version 2>&1 | head -n 1); $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo 'no git')"
	if ldd "$TCPMORTEM" 2>/dev/null | grep -q libasan; then
		echo "- **warning: tcpmortem is a sanitizer build; its times are not representative**"
	fi
	local t
	for t in tshark tcptrace argus; do
		command -v $t >/dev/null && echo "- $t: $(dpkg-query -W -f '${Version}' "$(dpkg -S "$(command -v $t)" 2>/dev/null | cut -d: -f1)" 2>/dev/null || echo installed)"
	done
	for t in "${!notes[@]}"; do echo "- ${notes[$t]}"; done
}

commands() {
	local t
	echo "    $command_line   (runs $runs, budget $budget s per tool and capture, timeout $timeout_s s per run)"
	[ $all_tools = 1 ] || echo "    (tshark, tcptrace and tcpmortem-1core on c10k only)"
	[ -z "$max_min" ] || echo "    (no run started or continued after $max_min minutes)"
	for t in "${tools[@]}"; do
		tool_cmd "$t" FILE
		[ "${CMD[0]}" = bash ] && CMD=("${CMD[@]:4}")   # shown without the ulimit wrapper
		echo "    ${CMD[*]}"
	done
	echo "    each under: timeout $timeout_s /usr/bin/time -f '%e %M' (peak RSS); wall time from date +%s%N around it"
	echo "    tshark, tcptrace, argus: under ulimit -v $((mem_mib * 1024)) (KiB)"
	echo "    tcpmortem: TCPMORTEM_PLUGIN_PATH=$TCPMORTEM_PLUGIN_PATH; database deleted before every run"
	for c in "${all_caps[@]}" "${quarters[@]}"; do echo "    gen-capture ${gen_args[$c]} -o $tag$c.pcap"; done
	[ ${#quarters[@]} = 0 ] || echo "    c10k-x4: tcpmortem analyze -q --no-progress -j 1 (and -j 2) -d DB $(printf '%s.pcap ' "${quarters[@]}")"
	echo "    the storage floor: bench/floor.sh -n $runs ${tag}c10k.pcap"
	echo "    reading back: bench/readback.sh -n $runs DB ${tag}c1m.pcap ${tag}c10k.pcap ${tag}c10k-q1.pcap"
}

report() {
	echo "# tcpmortem benchmark$([ $quick = 1 ] && echo ' (quick: small captures, not the targets of issue 8)')"
	echo
	machine
	echo
	echo "## Captures"
	echo
	echo "| capture | packets | MB | open at once (max) | what |"
	echo "|---|---:|---:|---:|---|"
	for c in "${all_caps[@]}" "${quarters[@]}"; do
		echo "| $c | ${packets[$c]} | $(du -m "$out/$tag$c.pcap" | cut -f1) | ${open_max[$c]} | ${desc[$c]} |"
	done
	echo
	echo "## Results (median of the runs; file in the page cache)"
	echo
	echo "\"vs bare loop\": the bare loop's time (the faster of loop and loop-stdio) divided by"
	echo "the tool's, so 1.00 means as fast as reading the file with libpcap and nothing else."
	echo "\"CPU s\": median user + system time; unlike wall time, it does not grow when"
	echo "other work shares the cores."
	echo
	table
	echo
	echo "## Targets of issue 8"
	echo
	targets
	echo
	echo "## Several files at once (-j)"
	echo
	several
	echo
	echo "## Flatness (same generator, 1x and 2x the packets)"
	echo
	flatness
	echo
	echo "## The storage floor (targets 1 and 2)"
	echo
	echo "What SQLite alone needs, on one connection, to store c10k's rows and build their"
	echo "indices (bench/floor.sh: INSERT ... SELECT from an analysed copy, the same indices,"
	echo "ANALYZE, COMMIT); no analysis storing everything can take less."
	echo
	floor_report
	echo
	echo "## Reading back (a database of $(printf '%s ' c1m c10k c10k-q1)in one; target: 200 ms)"
	echo
	cat "$out/${tag}readback.md" 2>/dev/null || echo "Not run."
	echo
	echo "## Commands"
	echo
	commands
}

# Targets 1 and 2 against what SQLite alone needs to store c10k's rows
# (bench/floor.sh): the time each target allows, and the floor.
floor() {
	local c=c10k
	[ -s "$out/$tag$c.pcap" ] || return 0
	if [ -n "$max_min" ] && [ $((deadline - $(date +%s))) -lt 60 ]; then
		echo "Not run: out of time (--max-minutes $max_min)." >"$out/${tag}floor.md"
		return 0
	fi
	say "the storage floor: bench/floor.sh on $c"
	TCPMORTEM=$TCPMORTEM BENCH_OUT=$out "$srcdir/bench/floor.sh" -n "$runs" "$out/$tag$c.pcap" \
	    >"$out/${tag}floor.md" 2>&1 || echo "(bench/floor.sh failed)" >>"$out/${tag}floor.md"
}

# The floor's table, then what each target of 1 and 2 allows on c10k.
floor_report() {
	local total t want allowed
	cat "$out/${tag}floor.md" 2>/dev/null || { echo "Not run."; return; }
	total=$(awk -F'|' '/^\| [0-9]/ { gsub(/ /, "", $6); print $6 }' "$out/${tag}floor.md")
	[ -n "$total" ] || return 0
	echo
	echo "| target on c10k | time it allows, s | the floor, s | reachable with everything stored |"
	echo "|---|---:|---:|---|"
	allowed=$(loop_secs c10k)
	[ -z "$allowed" ] || echo "| as fast as the bare loop | $allowed | $total | $(verdict "$allowed" ">=" "$total" | sed 's/PASS/yes/; s/FAIL/no/') |"
	for t in tshark:40 tcptrace:15 argus:5; do
		want=${t#*:} t=${t%:*}
		[ "$(get c10k "$t" 6)" = ok ] || continue
		allowed=$(awk -v s="$(get c10k "$t" 4)" -v w="$want" 'BEGIN { printf "%.3f", s / w }')
		echo "| ${want}x $t | $allowed | $total | $(verdict "$allowed" ">=" "$total" | sed 's/PASS/yes/; s/FAIL/no/') |"
	done
	echo
	echo "tcpmortem on c10k: $(get c10k tcpmortem 4) s."
}

# Target 6: the queries and the browser over a database of about a million
# flows (c1m, c10k and c10k-q1 in one), by bench/readback.sh.
readback() {
	local caps=() c
	for c in c1m c10k c10k-q1; do [ -s "$out/$tag$c.pcap" ] && caps+=("$out/$tag$c.pcap"); done
	[ ${#caps[@]} -gt 0 ] || return 0
	if [ -n "$max_min" ] && [ $((deadline - $(date +%s))) -lt 120 ]; then
		echo "Not run: out of time (--max-minutes $max_min)." >"$out/${tag}readback.md"
		return 0
	fi
	say "reading back: one database of ${caps[*]##*/}"
	TCPMORTEM=$TCPMORTEM "$srcdir/bench/readback.sh" -n "$runs" "$out/${tag}readback.db" "${caps[@]}" \
	    >"$out/${tag}readback.md" 2>&1 || echo "(bench/readback.sh failed)" >>"$out/${tag}readback.md"
	rm -f "$out/${tag}readback.db" "$out/${tag}readback.db-"*
}

# ---- the order of the measurements --------------------------------------
# What matters most comes first, so that a deadline (--max-minutes) cuts the
# least: tcpmortem and the bare loop on c10k, reuse (cheap, and the test for
# quadratic work) and flood, the comparisons on c10k, then the expensive c1m,
# then the rest.  Each entry is CAPTURE:TOOL.
have() { [[ " ${all_caps[*]} " == *" $1 "* ]] && [[ " $(tools_for "$1" | tr '\n' ' ') " == *" $2 "* ]]; }
make_plan() {
	local c t
	plan=()
	for c in c10k reuse reuse-half flood c10k-cmp c1m c10k-half; do
		for t in loop loop-stdio tcpmortem; do
			[[ $c == *-half && $t == loop-stdio ]] && continue
			have "$c" "$t" && plan+=("$c:$t")
		done
		[ $c = flood ] && have c10k tcpmortem && have flood tcpmortem &&
			plan+=("alternated:-alt:c10k/tcpmortem:flood/tcpmortem")
		if [ $c = c10k-cmp ] && [ ${#quarters[@]} -gt 0 ]; then
			plan+=("c10k-x4:tcpmortem-j1" "c10k-x4:tcpmortem-j2")
		fi
		if [ $c = c10k-cmp ]; then
			for t in argus tcptrace tshark tcpmortem-1core; do
				have c10k "$t" && plan+=("c10k:$t")
			done
			have c10k tcpmortem-1core &&
				plan+=("alternated:-cores:c10k/tcpmortem-1core:c10k/tcpmortem")
		fi
	done
	for c in reuse flood c1m; do
		for t in argus tcptrace tshark tcpmortem-1core; do have "$c" "$t" && plan+=("$c:$t"); done
	done
}

# ---- main ------------------------------------------------------------------
build
{ [ -x "$GEN" ] && [ -x "$LOOP" ]; } || die "missing $GEN or $LOOP: run make bench"
[ -x "$TCPMORTEM" ] || die "missing $TCPMORTEM: run make"
[ -x /usr/bin/time ] || want_tool /usr/bin/time time || die "/usr/bin/time is needed (Debian package time)"
command -v taskset >/dev/null || die "taskset is needed (Debian package util-linux)"
# Fastest first, so that a deadline cuts the slow comparisons.
want_tool argus argus-server && tools+=(argus)
want_tool tcptrace tcptrace && tools+=(tcptrace)
want_tool tshark tshark && tools+=(tshark)

for c in "${all_caps[@]}" "${quarters[@]}"; do generate "$c"; done
packets_x4=0
for c in "${quarters[@]}"; do packets_x4=$((packets_x4 + packets[$c])); done
packets[c10k-x4]=$packets_x4
[ $gen_only = 1 ] && exit 0
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1 /proc/loadavg)
deadline=$(( $(date +%s) + ${max_min:-0} * 60 ))
: >"$out/${tag}results.tsv"
make_plan
for step in "${plan[@]}"; do
	case $step in
	alternated:*) IFS=: read -r _ suffix first second <<<"$step"
		measure_alternated "$suffix" "$first" "$second" ;;
	*) measure "${step#*:}" "${step%%:*}" ;;
	esac
done
floor
readback
rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
report >"$out/${tag}results.md"
cat "$out/${tag}results.md"
