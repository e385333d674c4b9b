#!/bin/sh
# Analysing the same capture twice does not duplicate it: not by path, not
# under another name (the content digest), and --force replaces it.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
db="$tmp/t.db"
pcap="$top_srcdir/samples/client-closes.pcap"
count() { sqlite3 "$db" "SELECT count(*) || ' ' || (SELECT count(*) FROM flows) FROM captures"; }
fail() { echo "FAIL: $*"; exit 1; }

"$TCPMORTEM" analyze -q -d "$db" "$pcap" || fail "first analyze"
[ "$(count)" = "1 1" ] || fail "after the first run: $(count)"
out=$("$TCPMORTEM" analyze -d "$db" "$pcap") || fail "second analyze"
[ "$(count)" = "1 1" ] || fail "the same path twice: $(count)"
echo "$out" | grep -q "already analysed as capture 1" || fail "no word of the duplicate: $out"
cp "$pcap" "$tmp/renamed.pcap"
"$TCPMORTEM" analyze -q -d "$db" "$tmp/renamed.pcap" || fail "renamed copy"
[ "$(count)" = "1 1" ] || fail "a renamed copy: $(count)"
out=$("$TCPMORTEM" analyze --force -d "$db" "$pcap") || fail "--force"
[ "$(count)" = "1 1" ] || fail "--force kept two: $(count)"
echo "$out" | grep -q "replaces capture 1" || fail "--force did not say what it replaced: $out"
# The summary counts in words, one connection singular, as tcpdump's.
echo "$out" | grep -q ": 12 packets (11 TCP), 1 connection, 0 findings$" ||
	fail "the summary line: $out"
[ "$(sqlite3 "$db" 'PRAGMA foreign_key_check; PRAGMA integrity_check')" = ok ] || fail "integrity"
echo "ok: one capture, one flow, after four runs"
