#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# public-golden.sh: the real public captures of samples/public/ (see its
# CREDITS.md), each analysed alone; its connections (`flows -o csv`) and
# findings (`anomalies -o csv`) must be exactly those in
# tests/e2e/public-expected/NAME.csv.  Those files were read against the
# captures (tshark, and Zeek's conn.log where there is one) before they
# were added; when the analysis changes on purpose, regenerate them with
#   PUBLIC_GOLDEN_WRITE=1 make check TESTS=tests/e2e/public-golden.sh
# and read the difference before committing it.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
public="$top_srcdir/samples/public"
expected="$top_srcdir/tests/e2e/public-expected"
ls "$public"/*.pcap* >/dev/null 2>&1 || { echo "SKIP: no captures in $public"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
LC_ALL=C NO_COLOR=1 TZ=UTC
export LC_ALL NO_COLOR TZ
fail=0
for pcap in "$public"/*.pcap "$public"/*.pcapng; do
	[ -f "$pcap" ] || continue
	name=$(basename "$pcap")
	db="$tmp/$name.db"
	# analysed from inside samples/public, so the stored path is the bare name
	if ! (cd "$public" && "$TCPMORTEM" analyze -q -d "$db" "$name" >"$tmp/err" 2>&1); then
		echo "FAIL $name: analyze failed: $(head -3 "$tmp/err")"
		fail=1
		continue
	fi
	{ "$TCPMORTEM" flows -o csv -d "$db" && echo &&
	  "$TCPMORTEM" anomalies -o csv -d "$db"; } >"$tmp/out" 2>&1
	if [ "${PUBLIC_GOLDEN_WRITE:-0}" = 1 ]; then
		cp "$tmp/out" "$expected/$name.csv"
		echo "wrote $name.csv"
	elif cmp -s "$tmp/out" "$expected/$name.csv"; then
		echo "ok $name"
	else
		echo "FAIL $name differs from public-expected/$name.csv:"
		diff "$expected/$name.csv" "$tmp/out" | head -20
		fail=1
	fi
done
exit $fail
