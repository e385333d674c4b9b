#!/bin/bash
# kill9-capture.sh: kill -9 `tcpmortem capture` at random moments, KILLS
# times (default 50), on a veth carrying steady traffic.
#
# Two network namespaces joined by a veth pair (10.77.1.1 client, 10.77.1.2
# server); tests/e2e/capture/steady.py opens about 40 connections a second,
# each open up to 1.5 s, for the whole test.  Every run of capture uses one
# database and a checkpoint interval of 0.02, 0.1 or 0.3 s; one run in
# three has --max-flows 16 and one --idle-timeout 1, so that connections
# also leave the table (and are written as ended) between checkpoints.
# Each run is killed:
#
#   startup      within its first 0.25 s (before or around its first commit)
#   mid-run      0.25 to 1.5 s in
#   checkpoint   once its row is committed, within one checkpoint interval
#                (at 0.02 s the kill usually lands inside a commit)
#
# After each kill the database must hold only whole captures:
#
#   - PRAGMA integrity_check is ok, PRAGMA foreign_key_check is empty;
#   - every capture is complete or interrupted, except that the newest may
#     still say running (its writer was just killed; the next writer marks
#     it interrupted, so at most one row ever says running);
#   - nothing is orphaned: every flow and finding belongs to a capture,
#     every finding's flow to the same capture, every transition and
#     ladder row to a flow;
#   - each capture is what one checkpoint committed: its flows counter
#     equals its stored flows that ended (end_reason other than 'open'),
#     its stored flows hold no more TCP packets than it counted (exactly
#     as many once complete), a complete capture has no flow left open,
#     every flow's findings count is its findings, its packets are its two
#     sides' packets, and its transitions are numbered 1..n without a gap.
#
# Now and then `analyze` of a sample is the next writer: it must mark a
# capture left running interrupted as capture does.  At the end one more
# capture, stopped by SIGINT, must exit 0 with its capture complete, say
# which capture it marked interrupted, and leave no row running.
#
# Needs root and network namespaces; exits 77 (skip) when they are missing.
set -u
: "${TCPMORTEM:?}" "${top_srcdir:?}" "${SAMPLES:?}"
here="$top_srcdir/tests/e2e/capture"
kills=${KILLS:-50}

skip() { echo "SKIP: kill9-capture: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and live capture"
for t in ip python3 sqlite3 od awk; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

. "$here/netns.sh"
tmp=$(mktemp -d /tmp/tmk.XXXXXX) || exit 99
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	netns_remove
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

netns_pair tmk 10.77.1

wait_for() {            # wait_for SECONDS CMD...: every 0.02 s until CMD succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.02
	done
}
listening() { ip netns exec "$NS" ss -ltn | grep -q ':7100 '; }
rows() { sqlite3 "$db" 'SELECT count(*) FROM captures' 2>/dev/null || echo 0; }
row_after() { [ "$(rows)" -gt "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
random() { awk -v lo="$1" -v hi="$2" -v r="$(od -An -N2 -tu2 /dev/urandom)" \
	'BEGIN { printf "%.3f", lo + (hi - lo) * r / 65535 }'; }

ip netns exec "$NS" python3 "$here/steady.py" server 10.77.1.2 7100 &
pids+=("$!")
disown "$!"
wait_for 10 listening || { echo "FAIL: the test server did not start"; exit 1; }
ip netns exec "$NC" python3 "$here/steady.py" client 10.77.1.2 7100 40 &
pids+=("$!")
disown "$!"

db="$tmp/k.db"
# Every line of output is a violation of "only whole captures".
whole_sql="
SELECT 'capture ' || id || ' has status ' || status FROM captures
 WHERE status NOT IN ('running', 'interrupted', 'complete')
UNION ALL SELECT 'capture ' || id || ' says running but is not the newest' FROM captures
 WHERE status = 'running' AND id <> (SELECT max(id) FROM captures)
UNION ALL SELECT 'flow ' || id || ' of no capture' FROM flows
 WHERE capture NOT IN (SELECT id FROM captures)
UNION ALL SELECT 'finding ' || id || ' of no capture' FROM findings
 WHERE capture NOT IN (SELECT id FROM captures)
UNION ALL SELECT 'finding ' || g.id || ' on flow ' || g.flow || ', not one of its capture'
 FROM findings AS g WHERE g.flow IS NOT NULL
 AND NOT EXISTS (SELECT 1 FROM flows WHERE id = g.flow AND capture = g.capture)
UNION ALL SELECT 'transitions of missing flow ' || flow FROM transitions
 WHERE flow NOT IN (SELECT id FROM flows) GROUP BY flow
UNION ALL SELECT 'ladder of missing flow ' || flow FROM segments
 WHERE flow NOT IN (SELECT id FROM flows) GROUP BY flow
UNION ALL SELECT 'capture ' || c.id || ' (' || c.status || '): flows counter ' || c.flows
 || ' but ' || (SELECT count(*) FROM flows WHERE capture = c.id AND end_reason <> 'open')
 || ' ended flows stored' FROM captures AS c
 WHERE c.flows <> (SELECT count(*) FROM flows WHERE capture = c.id AND end_reason <> 'open')
UNION ALL SELECT 'capture ' || c.id || ' is complete with flows left open' FROM captures AS c
 WHERE c.status = 'complete'
 AND EXISTS (SELECT 1 FROM flows WHERE capture = c.id AND end_reason = 'open')
UNION ALL SELECT 'capture ' || c.id || ' (' || c.status || '): ' || c.tcp_packets
 || ' TCP packets counted, its flows hold ' || s.n FROM captures AS c
 JOIN (SELECT capture, sum(packets) AS n FROM flows GROUP BY capture) AS s ON s.capture = c.id
 WHERE s.n > c.tcp_packets OR (c.status = 'complete' AND s.n <> c.tcp_packets)
UNION ALL SELECT 'capture ' || id || ': ' || tcp_packets || ' TCP of ' || packets || ' packets'
 FROM captures WHERE tcp_packets > packets
UNION ALL SELECT 'flow ' || id || ': findings ' || findings || ' but '
 || (SELECT count(*) FROM findings WHERE flow = f.id) || ' stored' FROM flows AS f
 WHERE findings <> (SELECT count(*) FROM findings WHERE flow = f.id)
UNION ALL SELECT 'flow ' || id || ': ' || packets || ' packets, sides '
 || client_packets || ' + ' || server_packets FROM flows
 WHERE packets <> client_packets + server_packets
UNION ALL SELECT 'flow ' || flow || ': transitions numbered up to ' || max(seq)
 || ', ' || count(*) || ' stored' FROM transitions GROUP BY flow HAVING max(seq) <> count(*);
"
# check WHEN: the database holds only whole captures, or say why not.
check() {
	local ic fk bad
	ic=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
	fk=$(sqlite3 "$db" 'PRAGMA foreign_key_check' 2>&1)
	bad=$(sqlite3 "$db" "$whole_sql" 2>&1)
	[ "$ic" = ok ] && [ -z "$fk" ] && [ -z "$bad" ] && return 0
	echo "FAIL after $1: integrity '$ic'; foreign keys '$fk'"
	printf '%s\n' "$bad" | head -5
	return 1
}
running() { sqlite3 "$db" "SELECT count(*) FROM captures WHERE status = 'running'" 2>/dev/null; }

failures=0
phases=(startup mid-run checkpoint)
intervals=(0.02 0.1 0.3)
extras=("" "--max-flows 16" "--idle-timeout 1")
declare -A count=()
committed=0 early=0 by_analyze=0
start=$SECONDS
for i in $(seq "$kills"); do
	phase=${phases[i % 3]}
	interval=${intervals[(i / 3) % 3]}
	extra=${extras[(i / 9) % 3]}
	before=$(rows)
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$TCPMORTEM" capture -i tmk-s -q --no-progress -d "$db" \
		--checkpoint "$interval" $extra >/dev/null 2>"$tmp/cap.err" &
	cap=$!
	case $phase in
	startup) sleep "$(random 0 0.25)" ;;
	mid-run) sleep "$(random 0.25 1.5)" ;;
	checkpoint)
		wait_for 10 row_after "$before" || echo "note: run $i committed nothing in 10 s"
		sleep "$(random 0 "$interval")" ;;
	esac
	if gone "$cap"; then
		wait "$cap"
		echo "FAIL: run $i ended before the kill (exit $?): $(head -c 300 "$tmp/cap.err")"
		failures=$((failures + 1))
		continue
	fi
	kill -KILL "$cap"
	wait "$cap" 2>/dev/null
	count[$phase]=$((${count[$phase]:-0} + 1))
	if [ "$(rows)" -gt "$before" ]; then committed=$((committed + 1)); else early=$((early + 1)); fi
	check "kill $i ($phase, checkpoint $interval s${extra:+, $extra})" || failures=$((failures + 1))
	if [ $((i % 10)) = 5 ] && [ "$(running)" = 1 ]; then
		"$TCPMORTEM" analyze -q -d "$db" "$SAMPLES/client-closes.pcap" 2>"$tmp/an.err"
		st=$?
		if [ "$st" != 0 ] || [ "$(running)" != 0 ]; then
			echo "FAIL: analyze after kill $i: exit $st, $(running) capture(s) still running: $(cat "$tmp/an.err")"
			failures=$((failures + 1))
		else
			by_analyze=$((by_analyze + 1))
		fi
	fi
	[ $failures -ge 5 ] && break
done
echo "killed $kills runs in $((SECONDS - start)) s: ${count[startup]:-0} at startup," \
	"${count[mid-run]:-0} mid-run, ${count[checkpoint]:-0} at a checkpoint;" \
	"$committed had committed their row, $early had not; analyze recovered $by_analyze"
[ "$committed" -ge $((kills / 2)) ] ||
	{ echo "FAIL: only $committed kills came after a commit"; failures=$((failures + 1)); }
ended=$(sqlite3 "$db" "SELECT count(*) FROM captures WHERE status = 'interrupted' AND flows > 0")
echo "$ended interrupted captures had written ended connections before the kill"
[ "$kills" -lt 20 ] || [ "$ended" -gt 0 ] ||
	{ echo "FAIL: no killed capture had ended a connection: the flows counter went untested"; failures=$((failures + 1)); }

# The next run completes the job.
left=$(sqlite3 "$db" "SELECT id FROM captures WHERE status = 'running'")
before=$(rows)
ip netns exec "$NS" "$TCPMORTEM" capture -i tmk-s --no-progress -d "$db" --checkpoint 0.1 \
	>"$tmp/last.out" 2>"$tmp/last.err" &
cap=$!
wait_for 10 row_after "$before" || echo "note: the last run committed nothing in 10 s"
sleep 1
kill -INT "$cap"
wait_for 15 gone "$cap" || kill -KILL "$cap"
wait "$cap"
st=$?
last=$(sqlite3 -separator ' ' "$db" 'SELECT status, flows FROM captures ORDER BY id DESC LIMIT 1')
if [ "$st" = 0 ] && [ "${last%% *}" = complete ] && [ "$(running)" = 0 ]; then
	echo "ok: the run after the kills ended complete ($last flows), no capture left running"
else
	echo "FAIL: the run after the kills: exit $st, last capture '$last', $(running) running:" \
		"$(head -c 300 "$tmp/last.err")"
	failures=$((failures + 1))
fi
if [ -n "$left" ] && ! grep -q "capture $left was left running .* marked interrupted" "$tmp/last.err"; then
	echo "FAIL: capture $left was left running, the last run did not say so: $(cat "$tmp/last.err")"
	failures=$((failures + 1))
fi
check "the last run" || failures=$((failures + 1))
sqlite3 -separator ' ' "$db" "SELECT count(*), status FROM captures GROUP BY status" |
	sed 's/^/  captures: /'

[ $failures = 0 ] || { echo "kill9-capture: $failures failure(s)"; exit 1; }
echo "kill9-capture: all passed"
