#!/bin/sh
# The benchmark's measuring scripts still run and still measure what they
# say: bench/floor.sh (the storage floor) stores the very rows an analysis
# stored, and bench/readback.sh (issue 8's target 6) times every case.
# On a small capture from the benchmark's generator: the figures mean
# nothing here, only that each is there.
: "${top_srcdir:?}" "${top_builddir:?}" "${TCPMORTEM:?}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3"; exit 77; }

pcap=$tmp/small.pcap
"$top_builddir/bench/gen-capture" -q -n 30000 -c 500 -o "$pcap" || fail "gen-capture"

out=$(BENCH_OUT=$tmp "$top_srcdir/bench/floor.sh" -n 2 "$pcap" 2>"$tmp/err") ||
	fail "floor.sh: $(cat "$tmp/err")"
# The header names the rows copied: those the analysis stored.
"$TCPMORTEM" analyze -q --no-progress -d "$tmp/ref.db" "$pcap" || fail "analyze"
flows=$(sqlite3 "$tmp/ref.db" "SELECT count(*) FROM flows")
echo "$out" | head -n 1 | grep -q "^| rows ($flows flows, " || fail "floor.sh's header: $out"
# One line of five times, the last their sum (to the rounding).
echo "$out" | tail -n 1 | awk -F'|' 'NF != 7 { exit 1 }
    { for (i = 2; i <= 6; i++) if ($i !~ /^ *[0-9]+\.[0-9]+ *$/) exit 1
      d = $2 + $3 + $4 + $5 - $6; if (d > 0.01 || d < -0.01) exit 1 }' ||
	fail "floor.sh's times: $out"
ls "$tmp" | grep -q '^floor' && fail "floor.sh left its databases: $(ls "$tmp")"

out=$("$top_srcdir/bench/readback.sh" -n 1 "$tmp/rb.db" "$pcap" 2>"$tmp/err") ||
	fail "readback.sh: $(cat "$tmp/err")"
cases=$(echo "$out" | grep -c '| `tcpmortem ')
[ "$cases" -ge 24 ] || fail "readback.sh timed $cases cases: $out"
echo "$out" | grep '| `tcpmortem ' | grep -v -q '| \(PASS\|FAIL\) |$' &&
	fail "a case without a verdict: $out"
echo "$out" | grep -q '^`tcpmortem summary`' || fail "readback.sh: no summary: $out"
echo "ok: floor.sh copied $flows flows; readback.sh timed $cases cases"
