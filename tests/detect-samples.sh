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
exit $status
