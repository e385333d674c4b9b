#!/bin/sh
# Every real-kernel sample samples/anomaly-KIND.pcap gives at least one
# finding of KIND when analysed (the detectors against real captures).
[ -d "$SAMPLES" ] || { echo "SKIP: no samples directory ($SAMPLES)"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 shell not installed"; exit 77; }
set -- "$SAMPLES"/anomaly-*.pcap*
[ -e "$1" ] || { echo "SKIP: no samples/anomaly-*.pcap yet"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
status=0
for pcap in "$@"; do
	# anomaly-KIND[-waveN].pcap; the sample's analyze-options (its
	# kernel timers, its port range) come from its .ss file.
	kind=$(basename "$pcap" | sed 's/^anomaly-//; s/\.pcap.*$//; s/-wave[0-9]$//')
	db="$dir/$(basename "$pcap").db"
	opts=""
	[ -f "${pcap%%.pcap*}.ss" ] && opts=$(sed -n 's/^analyze-options //p' "${pcap%%.pcap*}.ss")
	# shellcheck disable=SC2086
	"$TCPMORTEM" analyze -q -d "$db" $opts "$pcap" >/dev/null 2>&1
	n=$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE kind = '$kind'" 2>/dev/null)
	if [ "${n:-0}" -gt 0 ]; then
		echo "ok: $kind ($n)"
	else
		echo "MISSING: $kind in $(basename "$pcap"); found:"
		sqlite3 "$db" "SELECT kind, detail FROM findings" 2>/dev/null | sed 's/^/    /'
		status=1
	fi
done

# The other samples: exactly these kinds, nothing else ("-" for none).
while read -r name want; do
	case "$name" in ''|'#'*) continue ;; esac
	pcap="$SAMPLES/$name.pcap"
	db="$dir/clean-$name.db"
	opts=$(sed -n 's/^analyze-options //p' "$SAMPLES/$name.ss" 2>/dev/null)
	# shellcheck disable=SC2086
	"$TCPMORTEM" analyze -q -d "$db" $opts "$pcap" >/dev/null 2>&1
	got=$(sqlite3 "$db" "SELECT coalesce(group_concat(kind, ','), '-') FROM
	    (SELECT DISTINCT kind FROM findings ORDER BY kind)" 2>/dev/null)
	if [ "$got" = "$want" ]; then
		echo "ok: $name gives exactly $want"
	else
		echo "WRONG: $name gives $got, expected $want"
		status=1
	fi
done <<'EXPECTED'
# sample                      kinds (sorted), as its .txt explains
client-closes                 -
server-closes                 -
half-close                    -
three-way-close               -
midstream                     -
sll2                          -
vlan                          -
state-established             -
negative-close-wait-stuck     -
negative-fin-wait-2-timeout   -
abortive-close                abortive-close
refused                       connection-refused
simultaneous-close            simultaneous-close
ipv6                          syn-retransmit
state-syn-sent                handshake-timeout,syn-retransmit,synack-retransmit
state-last-ack                fin-ack-lost
state-fin-wait-1              close-wait-stuck,fin-ack-lost
state-closing                 fin-ack-lost,fin-lost,simultaneous-close
late-synack                   handshake-timeout
EXPECTED
exit $status
