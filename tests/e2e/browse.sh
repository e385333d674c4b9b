#!/bin/bash
# browse.sh: the ncurses browser, driven in tmux over a generated database.
#
# Every expected value is computed independently with the sqlite3 shell,
# never by the browser's own code.
set -u

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux is not installed (Debian package tmux)"; exit 77
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
	echo "SKIP: the sqlite3 shell is not installed (Debian package sqlite3)"; exit 77
fi
: "${TCPMORTEM:?}" "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/e2e/tmux-screen.sh"

out=$top_builddir/tests/e2e/out/browse.$$
mkdir -p "$out"
db=$out/synthetic.db
trap 'ts_stop; rm -rf "$out"' EXIT
"$top_builddir/tests/tools/gen-db" -n 500 --hostile "$db" || exit 99
q() { sqlite3 -batch -noheader "$db" "$1"; }
# The start of the flow list's line for flow id $1: the id in its column.
row() { printf '%-8s' "$1"; }
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8

ts_start 80 24 "'$TCPMORTEM' browse -d '$db'"

# --- the flow list ---
ts_expect "first screen is the flow list" "[Flows]"
ts_expect "column headings fit 80 columns" "CLIENT-ST    SERVER-ST"
ts_expect "flow 1 is listed" "$(q "SELECT client || ':' || client_port FROM flows WHERE id = 1")"

ts_keys j j
ts_keys Enter
ts_expect "Enter opens the flow under the cursor" "flow 3   client $(q "SELECT client || ':' || client_port FROM flows WHERE id = 3")"
ts_expect "the ladder shows the first SYN" "S seq=0"
ts_expect "the state the client enters beside the SYN" "SYN-SENT"
ts_expect "the flow's finding is listed" "[1] $(q "SELECT kind FROM findings WHERE flow = 3")"
ts_expect_re "its evidence frames are marked on the ladder" \
    "^\\* +$(q "SELECT json_extract(frames, '\$[0]') FROM findings WHERE flow = 3") "
ts_keys q
ts_expect "q goes back to the flow list" "sort: ID ascending"

ts_keys s
ts_expect "s sorts by the next column" "sort: CLIENT ascending"
ts_expect "sorted by client, the smallest first" \
    "$(row "$(q "SELECT id FROM flows ORDER BY client, client_port, id LIMIT 1")")"
ts_keys S
ts_expect "S reverses the order" "sort: CLIENT descending"
first_desc=$(row "$(q "SELECT id FROM flows ORDER BY client DESC, client_port DESC, id DESC LIMIT 1")")
ts_expect "sorted by client, the largest first" "$first_desc"

ts_keys f
ts_keys -l "TIME-WAIT 443"
ts_keys Enter
ts_expect "the filter is shown" "filter: TIME-WAIT 443"
want=$(q "SELECT id FROM flows WHERE (client_state = 'TIME-WAIT' OR server_state = 'TIME-WAIT') AND server_port = 443 ORDER BY client DESC, client_port DESC, id DESC LIMIT 1")
ts_expect "the filter narrows the list" "$(row "$want")"
ts_absent "rows outside the filter are gone" ":6379"
ts_keys f C-u Enter
ts_expect "clearing the filter" "filter: (none"

ts_keys G
last=$(row "$(q "SELECT id FROM flows ORDER BY client, client_port, id LIMIT 1")")
ts_expect "G goes to the last line" "$last"
ts_keys g
ts_expect "g goes back to the first line" "$first_desc"

ts_keys /
ts_keys -l "CLOSE-WAIT"
ts_keys Enter
ts_expect "search lands on a matching flow" "CLOSE-WAIT"

# --- resizing ---
ts_tmux resize-window -t t -x 132 -y 30
ts_expect "a wider terminal shows more columns" "HANDSHAKE"
ts_tmux resize-window -t t -x 80 -y 24
ts_absent "back at 80 columns the wide columns go" "HANDSHAKE"

# --- findings ---
ts_keys Tab
ts_expect "Tab goes to the findings" "[Findings]"
first_kind=$(q "SELECT kind FROM findings GROUP BY kind ORDER BY kind LIMIT 1")
ts_expect "findings are grouped by kind with counts" \
    "$first_kind ($(q "SELECT count(*) FROM findings WHERE kind = '$first_kind'"))"
ts_keys Enter
ts_expect "Enter on a finding opens its flow" \
    "flow $(q "SELECT flow FROM findings ORDER BY kind, ts, id LIMIT 1")   client"
ts_keys Escape
ts_expect "Esc goes back to the findings" "KIND (COUNT)"
ts_keys /
ts_keys -l "rst-injection"
ts_keys Enter
ts_expect "control bytes from the database are shown escaped" 'evil\x1b[31mred\x07'

# --- summary and help ---
ts_keys Tab
ts_expect "Tab goes to the summary" "handshake outcomes"
ts_expect "the capture path is escaped" 'synthetic\x1b[2J\x07.pcap'
ts_keys '?'
ts_expect "? opens the help" "first line"
ts_expect "the help lists aliases" "Esc, q"

# --- quitting restores the terminal ---
ts_keys Q
ts_expect "Q quits with status 0" "EXIT=0"
if [ "$(ts_tmux display -p -t t '#{alternate_on}')" = 0 ]; then
	echo "ok: the terminal left the alternate screen"
else
	echo "FAIL: the terminal is still on the alternate screen"; TS_FAILS=$((TS_FAILS + 1))
fi
ts_stop

# --- a signal restores the terminal too ---
ts_start 80 24 "sh -c 'echo \$\$ > $out/pid; exec $TCPMORTEM browse -d $db'"
ts_expect "browser started again" "[Flows]"
# The inner shell exec'd the browser, so the pid it wrote is the browser's.
kill -TERM "$(cat "$out/pid")"
ts_expect "SIGTERM ends the browser" "EXIT=143"
if [ "$(ts_tmux display -p -t t '#{alternate_on}')" = 0 ]; then
	echo "ok: SIGTERM restores the terminal"
else
	echo "FAIL: SIGTERM left the terminal on the alternate screen"; TS_FAILS=$((TS_FAILS + 1))
fi
ts_stop

# --- NO_COLOR: attributes only; a C locale: ASCII line drawing ---
ts_start 80 24 "env NO_COLOR=1 '$TCPMORTEM' browse -d '$db'"
ts_expect "browser started under NO_COLOR" "[Flows]"
ts_keys Enter
ts_expect "flow opened under NO_COLOR" "S seq=0"
if ts_tmux capture-pane -e -p -t t | grep -q $'\e\[[0-9;]*\(3[0-7]\|4[0-7]\)m'; then
	echo "FAIL: NO_COLOR: the screen still has colours"; TS_FAILS=$((TS_FAILS + 1))
else
	echo "ok: NO_COLOR: no colours"
fi
ts_stop
ts_start 80 24 "env LANG=C LC_ALL=C '$TCPMORTEM' browse -d '$db'"
ts_expect "browser started in the C locale" "[Flows]"
ts_expect "ASCII sort mark in the C locale" "ID^"
ts_keys Enter
ts_expect "ASCII ladder in the C locale" "|------------ S seq=0 ------------>|"
ts_stop

# --- live: another connection commits, the browser shows it unasked ---
ts_start 80 24 "'$TCPMORTEM' browse -d '$db'"
ts_expect "browser started for the live check" "[Flows]"
ts_keys G
ts_expect "at the end of the list" "$(row "$(q "SELECT max(id) FROM flows")")"
q "CREATE TEMP TABLE x AS SELECT * FROM flows WHERE id = 1;
   UPDATE x SET id = (SELECT max(id) + 1 FROM flows), client = '10.99.99.99';
   INSERT INTO flows SELECT * FROM x;"
ts_expect "a flow committed by another connection appears (data_version)" "10.99.99.99"
ts_keys Q
ts_stop

# --- a real capture, analysed by tcpmortem itself ---
sample=${SAMPLES:-$top_srcdir/samples}/anomaly-fin-lost.pcap
if [ -f "$sample" ] && "$TCPMORTEM" analyze -d "$out/real.db" "$sample" >/dev/null 2>&1; then
	db=$out/real.db
	ts_start 80 24 "'$TCPMORTEM' browse -d '$db'"
	ts_expect "real capture: the flow is listed" \
	    "$(q "SELECT client || ':' || client_port FROM flows LIMIT 1")"
	ts_keys Enter
	ts_expect "real capture: the ladder starts with the SYN" "SYN-SENT"
	ts_expect "real capture: the finding is named" "fin-lost"
	ts_expect_re "real capture: its evidence is marked on the ladder" \
	    "^\\* +$(q "SELECT json_extract(frames, '\$[0]') FROM findings WHERE kind = 'fin-lost'") "
	ts_keys Q
	ts_expect "real capture: Q quits" "EXIT=0"
	ts_stop
else
	echo "note: samples/anomaly-fin-lost.pcap or analyze unavailable; real-capture checks not run"
fi

# --- the man page's KEYS section comes from the key table ---
man=$top_srcdir/man/tcpmortem-browse.1
if [ -f "$man" ]; then
	"$TCPMORTEM" browse --keys-mdoc > "$out/keys.mdoc"
	sed -n '/^\.Sh KEYS/,/^\.El/p' "$man" > "$out/keys.man"
	if cmp -s "$out/keys.mdoc" "$out/keys.man"; then
		echo "ok: man page KEYS section matches the key table"
	else
		echo "FAIL: man/tcpmortem-browse.1 KEYS differs from 'browse --keys-mdoc':"
		diff "$out/keys.man" "$out/keys.mdoc" | sed 's/^/  /'
		TS_FAILS=$((TS_FAILS + 1))
	fi
else
	echo "note: man/tcpmortem-browse.1 not written yet; KEYS check not run"
fi

[ "$TS_FAILS" -eq 0 ] || { echo "$TS_FAILS check(s) failed"; exit 1; }
