# tmux-screen.sh: drive a full-screen program in a detached tmux pane.
#
# Sourced by the browser's end-to-end tests.  Each test gets its own tmux
# server (-L), so it neither sees nor disturbs the user's sessions.

TS_BASE="tcpmortem-test-$$"
TS_N=0
TS_SOCK=$TS_BASE
TS_FAILS=0

ts_tmux() { tmux -L "$TS_SOCK" "$@" 2>/dev/null; }

# ts_start W H COMMAND: run COMMAND (a shell string) in a W x H pane; when it
# ends, the pane prints "EXIT=<status>" and stays open.
ts_start() {
	# a fresh server each time: a killed one may still hold its socket
	TS_N=$((TS_N + 1))
	TS_SOCK=$TS_BASE-$TS_N
	ts_tmux new-session -d -s t -x "$1" -y "$2" \
	    "$3; echo EXIT=\$?; exec sleep 600"
	ts_tmux set-option -g window-size manual >/dev/null 2>&1 || true
}

ts_stop() { ts_tmux kill-server >/dev/null 2>&1 || true; }

ts_screen() { ts_tmux capture-pane -p -t t; }

ts_keys() { ts_tmux send-keys -t t "$@"; }

# ts_wait TEXT [GREP-FLAG]: wait up to 5 s for TEXT (a fixed string, or
# with -E an extended regular expression) on the screen.
ts_wait() {
	local i
	for i in $(seq 50); do
		ts_screen | grep -q "${2:--F}" -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# ts_expect NAME TEXT: the screen shows TEXT, else the test NAME fails and the
# screen is printed.
ts_expect() {
	if ts_wait "$2"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: screen does not show '$2':"
		ts_screen | sed 's/^/  | /'
		TS_FAILS=$((TS_FAILS + 1))
	fi
}

# ts_expect_re NAME REGEX: the same with an extended regular expression.
ts_expect_re() {
	if ts_wait "$2" -E; then
		echo "ok: $1"
	else
		echo "FAIL: $1: screen does not match /$2/:"
		ts_screen | sed 's/^/  | /'
		TS_FAILS=$((TS_FAILS + 1))
	fi
}

# ts_absent NAME TEXT: after a short settle, TEXT is not on the screen.
ts_absent() {
	sleep 0.3
	if ts_screen | grep -qF -- "$2"; then
		echo "FAIL: $1: screen still shows '$2':"
		ts_screen | sed 's/^/  | /'
		TS_FAILS=$((TS_FAILS + 1))
	else
		echo "ok: $1"
	fi
}
