#!/bin/bash
# run.sh: build the libFuzzer harnesses straight from the sources and run them.
#
#   tests/fuzz/run.sh [EXECUTIONS [SECONDS [TARGET...]]]
#
# EXECUTIONS per target (default 1000000), stopped after SECONDS (default
# 600) whichever comes first; TARGET is decode, reader and/or analysis
# (default all three, one after the other).  Work goes to $FUZZ_OUT
# (default /tmp/tcpmortem-fuzz): the binaries, the analysis harness's
# plugins, a growing corpus per target, and crash-* files.  Seeds come
# from tests/data, samples and, when present, $FUZZ_CAPTURES (default
# /work/shared/captures/public).  A crash found here belongs in
# tests/fuzz/regress/ (named decode-*, reader-* or analysis-*), where
# make check replays it.
#
# The analysis harness loads the detector plugins built here with small
# tables (MAX_* below): a capture's detectors then start and end in
# microseconds instead of milliseconds, and the fuzzer fills the tables,
# which takes thousands of hosts at the real sizes.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-1000000}
secs=${2:-600}
shift $(( $# > 2 ? 2 : $# ))
targets=${*:-decode reader analysis}
out=${FUZZ_OUT:-/tmp/tcpmortem-fuzz}
captures=${FUZZ_CAPTURES:-/work/shared/captures/public}
CC=${CC:-clang}

command -v "$CC" >/dev/null || { echo "run.sh: $CC not found" >&2; exit 77; }
mkdir -p "$out"
# The sources want config.h; all they need from it is the GNU extensions.
printf '#define _GNU_SOURCE 1\n' >"$out/config.h"

san="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
inc="-I$out -I$top/include -I$top/src"
$CC $san $inc -o "$out/fuzz-decode" "$here/fuzz-decode.c" "$top/src/decode.c"
$CC $san $inc -o "$out/fuzz-reader" "$here/fuzz-reader.c" "$top/src/reader.c" \
	"$top/src/decode.c" "$top/src/util.c" -lpcap
$CC -g -O1 $inc -DFUZZ_SEED_MAIN -fsanitize=address -o "$out/fuzz-decode-seed" \
	"$here/fuzz-decode.c" "$top/src/decode.c" "$top/src/reader.c" "$top/src/util.c" -lpcap
pipeline="$top/src/decode.c $top/src/flow.c $top/src/flowtab.c $top/src/pack.c $top/src/flowpack.c $top/src/spill.c $top/src/pipeline.c $top/src/endpoint.c
	$top/src/profile.c $top/src/names.c $top/src/detect.c $top/src/util.c"
# shellcheck disable=SC2086
$CC $san $inc -o "$out/fuzz-analysis" "$here/fuzz-analysis.c" $pipeline -ldl -lm
# shellcheck disable=SC2086
$CC -g -O1 $inc -DFUZZ_TOOL_MAIN -fsanitize=address -o "$out/fuzz-analysis-tool" \
	"$here/fuzz-analysis.c" $pipeline "$top/src/reader.c" -lpcap -ldl -lm
small="-DMAX_SERVERS=16 -DMAX_KEYS=64 -DMAX_HOSTS=64 -DMAX_TARGETS=16 -DMAX_SERVICES=16"
mkdir -p "$out/plugins"
for p in "$top"/plugins/*.c; do
	# shellcheck disable=SC2086
	$CC -g -O1 -fPIC -shared $small -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=undefined -I"$top/include" -I"$top/plugins" \
		-o "$out/plugins/$(basename "$p" .c).so" "$p" -lm
done
export FUZZ_PLUGIN_DIR="$out/plugins"

# Capture files (by magic number), small enough to be useful seeds.
seed_captures() {
	find "$top/tests/data" "$top/samples" "$captures" -type f -size -256k 2>/dev/null |
	while read -r f; do
		case $(head -c4 "$f" | od -An -tx1 | tr -d ' \n') in
		d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d|0a0d0d0a) echo "$f" ;;
		esac
	done
}

for t in decode reader analysis; do mkdir -p "$out/seed-$t" "$out/corpus-$t"; done
if [ -z "$(ls -A "$out/seed-reader")" ]; then
	seed_captures | while read -r f; do
		cp "$f" "$out/seed-reader/$(basename "$f")"
	done
	seed_captures | xargs -d '\n' "$out/fuzz-decode-seed" "$out/seed-decode" >/dev/null
fi
if [ -z "$(ls -A "$out/seed-analysis")" ]; then
	seed_captures | xargs -d '\n' "$out/fuzz-analysis-tool" seed "$out/seed-analysis" >/dev/null
fi

for t in $targets; do
	# What this harness once tripped on runs first, with clang's checks
	# (make check replays it too, but GCC's UBSan has fewer).
	for f in "$here/regress/$t-"*; do
		[ -e "$f" ] && cp "$f" "$out/seed-$t/"
	done
	echo "== fuzz-$t: up to $runs executions, $secs s" >&2
	"$out/fuzz-$t" -runs="$runs" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
		"$out/corpus-$t" "$out/seed-$t" 2>&1 | tail -n 25
done
