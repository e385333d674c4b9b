#!/bin/bash
# capture-live.sh: `tcpmortem capture` on real connections.
#
# Two network namespaces joined by a veth pair (10.77.0.1 client, 10.77.0.2
# server; nothing leaves them).  tcpmortem captures in the server namespace
# while tests/e2e/capture/traffic.py makes the connections listed in
# tests/e2e/capture/expected.txt; nftables in the server namespace drops the
# first FIN to port 7003 after the capture point has seen it, so the client
# retransmits it.  The test asserts:
#
#   1. a connection still open is in the database while capture runs;
#   2. SIGUSR1 prints a status line; SIGINT (and SIGTERM) store everything
#      and exit 0;
#   3. the stored flows and findings are those of expected.txt;
#   4. `analyze` of the -w file gives the same flows and findings;
#   5. -i any, -c, --duration and -Z work as documented, and a
#      user without capture rights gets one line saying what is missing.
#
# Needs root and network namespaces; exits 77 (skip) when they are missing.
# Every wait is bounded and the trap tears everything down.
set -u
: "${TCPMORTEM:?}" "${top_srcdir:?}"
here="$top_srcdir/tests/e2e/capture"

skip() { echo "SKIP: capture-live: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and live capture"
for t in ip nft python3 timeout sqlite3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

. "$here/netns.sh"
tmp=$(mktemp -d /tmp/tmc.XXXXXX) && chmod 0755 "$tmp" || exit 99  # -Z nobody must reach it
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	netns_remove
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

netns_pair tmc 10.77.0

# Drop the first FIN of each connection to port 7003, after the capture
# point (a packet socket sees ingress before netfilter's prerouting hook).
ip netns exec "$NS" nft -f - <<'EOF' || skip "nftables cannot load a ruleset here"
table inet tmc {
	set finseen { type ipv4_addr . inet_service; flags dynamic; }
	chain pre {
		type filter hook prerouting priority -300;
		tcp dport 7003 tcp flags & fin == fin ip saddr . tcp sport @finseen accept
		tcp dport 7003 tcp flags & fin == fin add @finseen { ip saddr . tcp sport } drop
	}
}
EOF

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# verdict STATUS OK-MESSAGE FAIL-MESSAGE: report the test just run.
verdict() { if [ "$1" = 0 ]; then ok "$2"; else fail "$3"; fi; }

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# stop_capture SIGNAL PID SECONDS: signal, then wait; sets st to the exit status.
gone() { ! kill -0 "$1" 2>/dev/null; }
stop_capture() {
	kill "-$1" "$2" 2>/dev/null
	if ! wait_for "$3" gone "$2"; then
		kill -KILL "$2" 2>/dev/null
		st="a timeout"
		return
	fi
	wait "$2"
	st=$?
}

has_capture_row() { [ -s "$1" ] && [ "$(sqlite3 "$1" 'select count(*) from captures' 2>/dev/null)" -ge 1 ] 2>/dev/null; }
listening() { ip netns exec "$NS" ss -ltn | grep -q ':7004 '; }
query() { "$TCPMORTEM" "$1" -d "$2" -o json >"$3" 2>"$tmp/query.err"; }

# --- the servers ---------------------------------------------------------
ip netns exec "$NS" python3 "$here/traffic.py" server 10.77.0.2 7001 7002 7003 7004 &
pids+=("$!")
disown "$!"     # killed by the trap, without a job notice
wait_for 10 listening || { echo "FAIL: the test servers did not start"; exit 1; }

# --- 1, 2: capture while connections come and go ------------------------
live="$tmp/live.db"
mkdir -p "$tmp/flags"
ip netns exec "$NS" "$TCPMORTEM" capture -i tmc-s -w "$tmp/live.pcap" -d "$live" \
	--vantage server --checkpoint 0.05 --no-progress host 10.77.0.1 \
	>"$tmp/capture.out" 2>"$tmp/capture.err" &
cap=$!
pids+=("$cap")
if ! wait_for 10 has_capture_row "$live"; then
	echo "FAIL: capture did not start: $(head -c 300 "$tmp/capture.err")"
	exit 1
fi

timeout 60 ip netns exec "$NC" python3 "$here/traffic.py" client 10.77.0.2 "$tmp/flags" &
client=$!
pids+=("$client")
wait_for 20 test -e "$tmp/flags/open" || fail "the client never opened its last connection"

open_seen() { query flows "$live" "$tmp/open.json" && python3 "$here/check.py" open "$tmp/open.json" 7004 >"$tmp/open.why"; }
if wait_for 5 open_seen; then
	ok "the open connection is in the database while capture runs"
else
	fail "while capturing: $(cat "$tmp/open.why" "$tmp/query.err" 2>/dev/null | head -3)"
fi

kill -USR1 "$cap"
if wait_for 5 grep -q 'dropped by kernel' "$tmp/capture.err"; then
	ok "SIGUSR1: $(grep 'dropped by kernel' "$tmp/capture.err" | head -1)"
else
	fail "SIGUSR1 printed no status line"
fi

touch "$tmp/flags/release"
wait "$client" || fail "the client failed (exit $?)"
sleep 0.5       # the last close's final ACK reaches the capture
stop_capture INT "$cap" 15
[ "$st" = 0 ]
verdict $? "SIGINT: capture exited 0" \
	"SIGINT: capture exit status $st: $(head -c 300 "$tmp/capture.err")"

# --- 3: what was stored ---------------------------------------------------
query flows "$live" "$tmp/live.flows" || fail "flows: $(cat "$tmp/query.err")"
query anomalies "$live" "$tmp/live.anoms" || fail "anomalies: $(cat "$tmp/query.err")"
if python3 "$here/check.py" expect "$tmp/live.flows" "$tmp/live.anoms" "$here/expected.txt"; then
	ok "live flows and findings as expected"
else
	fail "live flows and findings differ from expected.txt"
fi

# --- 4: the -w file read back gives the same ------------------------------
"$TCPMORTEM" analyze -q -d "$tmp/file.db" --vantage server "$tmp/live.pcap" ||
	fail "analyze of the -w file exited $?"
query flows "$tmp/file.db" "$tmp/file.flows" || fail "flows: $(cat "$tmp/query.err")"
query anomalies "$tmp/file.db" "$tmp/file.anoms" || fail "anomalies: $(cat "$tmp/query.err")"
if python3 "$here/check.py" same "$tmp/live.flows" "$tmp/live.anoms" "$tmp/file.flows" "$tmp/file.anoms"; then
	ok "the -w file analysed offline gives the same flows and findings"
else
	fail "live and offline analyses differ"
fi

# --- 5: -i any, -c, --duration, -Z, no capture rights ---------------------
ip netns exec "$NS" timeout 20 "$TCPMORTEM" capture -i any -c 4 -q -d "$tmp/count.db" \
	>/dev/null 2>"$tmp/count.err" &
counting=$!
wait_for 10 has_capture_row "$tmp/count.db"
ip netns exec "$NC" timeout 10 python3 -c 'import socket; socket.create_connection(("10.77.0.2", 7001), timeout=5).close()'
wait "$counting"
st=$?
n=$(sqlite3 -separator ' ' "$tmp/count.db" 'select packets, link_types from captures' 2>/dev/null)
[ "$st" = 0 ] && [ "$n" = "4 LINUX_SLL2" ]
verdict $? "-i any -c 4 stopped by itself after 4 packets, Linux cooked v2" \
	"-i any -c 4: exit $st, stored '$n': $(head -c 300 "$tmp/count.err")"

ip netns exec "$NS" "$TCPMORTEM" capture -i tmc-s -q -d "$tmp/term.db" 2>"$tmp/term.err" &
term=$!
pids+=("$term")
wait_for 10 has_capture_row "$tmp/term.db"
stop_capture TERM "$term" 15
n=$(sqlite3 "$tmp/term.db" 'select status from captures' 2>/dev/null)
[ "$st" = 0 ] && [ "$n" = complete ]
verdict $? "SIGTERM: capture exited 0, the capture stored complete" \
	"SIGTERM: exit $st, capture status '$n': $(head -c 300 "$tmp/term.err")"

zdir="$tmp/nobody"
mkdir -m 0777 "$zdir"
start=$SECONDS
ip netns exec "$NS" timeout 20 "$TCPMORTEM" capture -i tmc-s --duration 1 -Z nobody -q \
	-d "$zdir/z.db" -w "$zdir/z.pcap" 2>"$tmp/z.err"
st=$?
owner="$(stat -c %U "$zdir/z.db" 2>/dev/null) $(stat -c %U "$zdir/z.pcap" 2>/dev/null)"
[ "$st" = 0 ] && [ $((SECONDS - start)) -le 5 ]
verdict $? "--duration 1 stopped by itself" \
	"--duration 1: exit $st after $((SECONDS - start)) s: $(head -c 300 "$tmp/z.err")"
[ "$owner" = "nobody nobody" ]
verdict $? "-Z nobody: database and -w file created as nobody" \
	"-Z nobody: owners are '$owner'"

if command -v setpriv >/dev/null 2>&1; then
	ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all timeout 10 \
		"$TCPMORTEM" capture -i tmc-s --duration 1 -d "$zdir/n.db" 2>"$tmp/n.err"
	st=$?
	if [ "$st" = 3 ] && [ "$(wc -l <"$tmp/n.err")" = 1 ] && grep -q CAP_NET_RAW "$tmp/n.err"; then
		ok "no capture rights: $(cat "$tmp/n.err")"
	else
		fail "no capture rights: exit $st: $(cat "$tmp/n.err")"
	fi
else
	echo "note: setpriv missing; the no-rights case is not run"
fi

[ $failures = 0 ] || { echo "capture-live: $failures failure(s); files kept in ${tmp}.kept"; cp -r "$tmp" "${tmp}.kept"; exit 1; }
echo "capture-live: all passed"
