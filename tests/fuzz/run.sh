#!/bin/bash
# run.sh: build the libFuzzer harnesses straight from the sources and run them.
#
#   tests/fuzz/run.sh [EXECUTIONS [SECONDS [TARGET...]]]
#
# EXECUTIONS per target (default 1000000), stopped after SECONDS (default
# 600) whichever comes first; TARGET is decode and/or reader (default both).
# Work goes to $FUZZ_OUT (default /tmp/tcpmortem-fuzz): the binaries, a
# growing corpus per target, and crash-* files.  Seeds come from
# tests/data and, when present, $FUZZ_CAPTURES (default
# /work/shared/captures/public).  A crash found here belongs in
# tests/fuzz/regress/ (named decode-* or reader-*), where the unit tests
# replay it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${1:-1000000}
secs=${2:-600}
shift $(( $# > 2 ? 2 : $# ))
targets=${*:-decode reader}
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

# Capture files (by magic number), small enough to be useful seeds.
seed_captures() {
	find "$top/tests/data" "$captures" -type f -size -256k 2>/dev/null |
	while read -r f; do
		case $(head -c4 "$f" | od -An -tx1 | tr -d ' \n') in
		d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d|0a0d0d0a) echo "$f" ;;
		esac
	done
}

mkdir -p "$out/seed-decode" "$out/seed-reader" "$out/corpus-decode" "$out/corpus-reader"
if [ -z "$(ls -A "$out/seed-reader")" ]; then
	seed_captures | while read -r f; do
		cp "$f" "$out/seed-reader/$(basename "$f")"
	done
	seed_captures | xargs -d '\n' "$out/fuzz-decode-seed" "$out/seed-decode" >/dev/null
fi

for t in $targets; do
	echo "== fuzz-$t: up to $runs executions, $secs s" >&2
	"$out/fuzz-$t" -runs="$runs" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
		"$out/corpus-$t" "$out/seed-$t" 2>&1 | tail -n 25
done
