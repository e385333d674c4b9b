#!/bin/sh
# The query commands end to end over two small captures (one IPv4, one
# IPv6 connection attempt): exit statuses, one-line errors, JSON Lines that
# parse with the keys and types of INTERFACE.md, CSV headers, IPv6 address
# normalisation in --host, networks in --host, and escaping of hostile
# database strings.
#
# samples/ is checked against plain SQL by query-samples.sh, and golden
# cases (capture, command, exact output) are in query-golden.sh.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed (JSON checks)"; exit 77; }
data="$top_srcdir/tests/data"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
db="$tmp/q.db"
fail=0
say() { echo "$*"; }
bad() { echo "FAIL $*"; fail=1; }

"$TCPMORTEM" analyze -q -d "$db" "$data/ipv4.pcap" "$data/ipv6.pcap" >/dev/null || { bad analyze; exit 1; }

# want STATUS ARGS...: the exit status, and one "tcpmortem: " line on errors
want() {
	st=$1; shift
	"$TCPMORTEM" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$st" ]; then
		bad "$*: exit $got, want $st: $(cat "$tmp/err")"
	elif [ "$st" != 0 ] && { [ "$(grep -c '' "$tmp/err")" != 1 ] || ! grep -q '^tcpmortem: ' "$tmp/err"; }; then
		bad "$*: error must be one line 'tcpmortem: ...': $(cat "$tmp/err")"
	else
		say "ok $*: exit $got"
	fi
}

for c in flows anomalies summary; do
	want 0 $c -d "$db"
	want 0 $c --help
	want 2 $c -d "$db" --no-such-option
	want 2 $c -d "$db" --port 70000
	want 2 $c -d "$db" --host 10.0.0.0/33
	want 0 $c -d "$db" --host 10.200.0.0/16
	want 2 $c -d "$db" -o xml
	want 3 $c -d "$tmp/missing.db"
done
want 0 show -d "$db" 1
want 0 show --help
want 2 show -d "$db"
want 2 show -d "$db" 99999
want 2 show -d "$db" abc
want 2 flows -d "$db" --state HALF-OPEN
want 2 flows -d "$db" --since yesterday
want 2 flows -d "$db" --sort 'id; DROP TABLE flows'
want 2 anomalies -d "$db" --side left

# JSON Lines: keys and types as INTERFACE.md fixes them
"$TCPMORTEM" flows -d "$db" -o json >"$tmp/flows.json"
"$TCPMORTEM" anomalies -d "$db" -o json >"$tmp/anomalies.json"
"$TCPMORTEM" show -d "$db" -o json 2 >"$tmp/show.json"
"$TCPMORTEM" summary -d "$db" -o json >"$tmp/summary.json"
# Only the busiest client kept: it says of how many, as sqlite3 counts them.
clients=$(sqlite3 "$db" "SELECT count(DISTINCT client) FROM flows")
"$TCPMORTEM" summary -d "$db" --limit 1 | grep -q "(the 1 busiest of $clients clients" ||
	{ echo "FAIL summary --limit 1: $("$TCPMORTEM" summary -d "$db" --limit 1 | tail -n 2)"; fail=1; }
python3 - "$tmp" <<'PY' || fail=1
import json, re, sys
d = sys.argv[1]
num = (int, float)
flow_keys = {"id": int, "capture": int, "client": str, "client_port": int,
    "server": str, "server_port": int, "first_ts": float, "last_ts": float,
    "packets": int, "bytes": int, "handshake": str, "close": str,
    "closer": (str, type(None)), "client_state": str, "server_state": str,
    "anomalies": list}
finding_keys = {"id": int, "kind": str, "flow": (int, type(None)),
    "side": (str, type(None)), "ts": num, "host": (str, type(None)),
    "port": (int, type(None)), "frames": list, "detail": str}
def check(path, keys, min_lines):
    lines = open(path, encoding="utf-8").read().splitlines()
    ok = len(lines) >= min_lines
    for line in lines:
        o = json.loads(line)
        for k, t in keys.items():
            if k not in o or not isinstance(o[k], t):
                print("FAIL %s: key %s missing or of type %s" % (path, k, type(o.get(k))))
                ok = False
    raw = open(path, encoding="utf-8").read()
    for ts in re.findall(r'"(?:first_ts|last_ts|ts)":([0-9.]+)', raw):
        if not re.fullmatch(r"[0-9]+\.[0-9]{6}", ts):
            print("FAIL %s: timestamp %s has not six decimals" % (path, ts))
            ok = False
    print("ok %s: %d lines" % (path.rsplit("/", 1)[1], len(lines)))
    return ok
ok = check(d + "/flows.json", flow_keys, 2)
ok &= check(d + "/anomalies.json", finding_keys, 1)
show = json.loads(open(d + "/show.json").read())
for k in ("transitions", "segments", "findings"):
    if not isinstance(show.get(k), list):
        print("FAIL show.json: %s is not an array" % k); ok = False
for line in open(d + "/summary.json"):
    o = json.loads(line)
    if not isinstance(o.get("handshake"), dict) or not isinstance(o.get("diagnosis"), list):
        print("FAIL summary.json: counts are not objects"); ok = False
sys.exit(0 if ok else 1)
PY

# --host takes a network, of either family: each finds its flow alone
for net in 10.200.0.0/24:1 10.0.0.0/8:1 2001:db8::/32:2 2001:DB8:0:0::/64:2 0.0.0.0/0:1 ::/0:2; do
	got=$("$TCPMORTEM" flows -d "$db" -o csv --host "${net%:*}" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')
	[ "$got" = "${net##*:} " ] && say "ok --host ${net%:*}: flow $got" ||
		bad "--host ${net%:*}: flows '$got', want ${net##*:}"
done
# --host normalises IPv6: the long spelling finds the short one
long=$(python3 -c 'import ipaddress; print(ipaddress.ip_address("2001:db8::1").exploded)')
a=$("$TCPMORTEM" flows -d "$db" -o csv --host 2001:db8::1 | tail -n +2 | cut -d, -f1)
b=$("$TCPMORTEM" flows -d "$db" -o csv --host "$long" | tail -n +2 | cut -d, -f1)
if [ -n "$a" ] && [ "$a" = "$b" ]; then say "ok --host $long finds flow $a"; else bad "--host: '$a' vs '$b'"; fi

# CSV header
h=$("$TCPMORTEM" flows -d "$db" -o csv | head -1)
case "$h" in id,capture,client,client_port,server,server_port,first_ts,last_ts,*) say "ok csv header" ;;
*) bad "csv header: $h" ;; esac

# A --kind nothing matches: a kind the database holds none of gets a line
# on standard error naming the kinds it holds (a misspelling would look
# like a clean capture); one that only the other filters rule out does not.
# Both exit 0 with the table's header alone.
hint() {
	"$TCPMORTEM" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$? lines=$(grep -c '' "$tmp/out")
	[ "$st" = 0 ] && [ "$lines" = 1 ] || { bad "$*: exit $st, $lines lines"; return 1; }
}
for c in flows anomalies; do
	if hint $c -d "$db" --kind handshake-timeuot && [ "$(cat "$tmp/err")" = \
	    "tcpmortem: $c: no finding of kind 'handshake-timeuot' in $db; the kinds it holds: handshake-timeout" ]; then
		say "ok $c --kind misspelt: $(cat "$tmp/err")"
	else
		bad "$c --kind misspelt: $(cat "$tmp/err")"
	fi
	if hint $c -d "$db" --kind handshake-timeout --port 1 && [ ! -s "$tmp/err" ]; then
		say "ok $c --kind held, other filters: no hint"
	else
		bad "$c --kind held: hinted $(cat "$tmp/err")"
	fi
done
"$TCPMORTEM" analyze -q -d "$tmp/none.db" "$top_srcdir/samples/client-closes.pcap" >/dev/null
if hint anomalies -d "$tmp/none.db" --kind fin-lost && grep -q "it holds no findings$" "$tmp/err"; then
	say "ok --kind in a database without findings"
else
	bad "--kind without findings: $(cat "$tmp/err")"
fi

# summary with filters nothing matches: a line saying so, not silence
# (CSV keeps its header alone, JSON prints nothing).
out=$("$TCPMORTEM" summary -d "$db" --host 192.0.2.99)
[ "$out" = "no connection in $db matches the filters" ] && say "ok summary, nothing matches: $out" ||
	bad "summary, nothing matches: '$out'"
out=$("$TCPMORTEM" summary -d "$db" --host 192.0.2.99 -o csv)
[ "$out" = "scope,group,dimension,name,count" ] && say "ok summary csv, nothing matches" ||
	bad "summary csv, nothing matches: '$out'"
[ -z "$("$TCPMORTEM" summary -d "$db" --host 192.0.2.99 -o json)" ] && say "ok summary json, nothing matches" ||
	bad "summary json, nothing matches"

# a capture's path of any length comes back whole (PATH_MAX is 4096)
long=$(printf '/d%.0s' $(seq 150))/long.pcap
sqlite3 "$db" "UPDATE captures SET path = '$long' WHERE id = 1"
"$TCPMORTEM" summary -d "$db" -o json | grep -qF "\"path\":\"$long\"" &&
	say "ok summary keeps a path of ${#long} characters" ||
	bad "summary cut a path of ${#long} characters"

# hostile strings in the database never reach the terminal raw
sqlite3 "$db" "UPDATE findings SET detail = 'evil ' || char(27) || '[2J' || char(7) || ' end';
	UPDATE flows SET client_state = char(27) || ']0;owned' || char(7) WHERE id = 1;"
for c in "anomalies" "flows" "show 1" "summary"; do
	# shellcheck disable=SC2086
	if "$TCPMORTEM" $c -d "$db" | LC_ALL=C grep -q "$(printf '\033')"; then
		bad "$c printed a raw ESC byte"
	else
		say "ok $c escapes control bytes"
	fi
done
"$TCPMORTEM" anomalies -d "$db" | grep -q 'evil \\x1b\[2J\\x07 end' && say "ok escaped as \\xNN" ||
	bad "anomalies: control bytes not shown as \\xNN"
sqlite3 "$db" "UPDATE findings SET kind = 'k' || char(27) || '[2J' WHERE id = 1"
if "$TCPMORTEM" anomalies -d "$db" --kind no-such-kind 2>&1 >/dev/null | LC_ALL=C grep -q "$(printf '\033')"; then
	bad "the --kind hint printed a raw ESC byte"
else
	say "ok the --kind hint escapes the kinds it names"
fi
exit $fail
