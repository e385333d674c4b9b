#!/bin/bash
# rate.sh: the highest packet rate `tcpmortem capture` keeps up with.
#
#   TCPMORTEM=src/tcpmortem tests/e2e/capture/rate.sh [-w] [-B KIB] [-s SNAPLEN] [-t SECONDS] [PPS...]
#
# -w also writes the packets (capture -w), -B and -s go to capture, -t is
# how long each rate is replayed (default 5 s).
#
# Not part of make check (it loads the machine on purpose).  Generates a
# capture of complete TCP connections (handshake, request, answer, four-way
# close; 8 packets each, every connection its own 4-tuple), then for each
# rate replays it with tcpreplay into one end of a veth pair in a network
# namespace while tcpmortem captures on the other end, and reports what
# tcpreplay sent, what tcpmortem stored and the kernel drops pcap_stats
# counted.  PPS "top" means tcpreplay --topspeed.  RATE_KEEP=DIR keeps
# each run's database there.
set -u
: "${TCPMORTEM:?set TCPMORTEM to the binary}"
for t in ip tcpreplay python3 sqlite3; do
	command -v "$t" >/dev/null 2>&1 || { echo "rate.sh: $t is not installed" >&2; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "rate.sh: needs root" >&2; exit 77; }

capopts=() seconds=5 write=
while getopts B:s:t:w o; do
	case $o in
	B|s) capopts+=("-$o" "$OPTARG") ;;
	w) write=1 ;;
	t) seconds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- 10000 25000 50000 100000 200000 top

NC=tmr-gen-$$
NS=tmr-cap-$$
tmp=$(mktemp -d /tmp/tmr.XXXXXX) || exit 99
[ -n "$write" ] && capopts+=(-w "$tmp/rate.pcap")
cap=
cleanup() {
	[ -n "$cap" ] && kill -KILL "$cap" 2>/dev/null
	ip netns del "$NC" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' INT TERM

ip netns add "$NC" && ip netns add "$NS" &&
	ip link add tmr-g netns "$NC" type veth peer name tmr-c netns "$NS" &&
	ip -n "$NC" link set tmr-g up && ip -n "$NS" link set tmr-c up || exit 99

# 25,000 connections between 10.78.x.y and 10.79.0.1:80, in a pcap file.
python3 - "$tmp/gen.pcap" <<'EOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp

S, A, F, P = 2, 16, 1, 8
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
t = 1700000000.0
srv = bytes([10, 79, 0, 1])
for i in range(25000):
    cli = bytes([10, 78, (i >> 8) & 0xff, i & 0xff])
    cp, c, s = 10000 + i % 50000, 1000 + i * 7, 5000000 + i * 13
    up = lambda seq, ack, fl, d=b"": packet(cli, srv, cp, 80, seq, ack, fl, d)
    down = lambda seq, ack, fl, d=b"": packet(srv, cli, 80, cp, seq, ack, fl, d)
    for p in (up(c, 0, S), down(s, c + 1, S | A), up(c + 1, s + 1, A),
              up(c + 1, s + 1, P | A, b"GET /\r\n"), down(s + 1, c + 8, P | A, b"200 ok\r\n"),
              up(c + 8, s + 9, F | A), down(s + 9, c + 9, F | A), up(c + 9, s + 10, A)):
        t += 0.00001
        out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(p), len(p)) + p)
EOF
total=200000

# Packets the veth itself dropped (the receiving CPU's backlog was full):
# lost before any packet socket could see them, so not in pcap_stats.
veth_drops() {
	echo $(($(ip netns exec "$NC" cat /sys/class/net/tmr-g/statistics/tx_dropped) +
		$(ip netns exec "$NS" cat /sys/class/net/tmr-c/statistics/rx_dropped)))
}

hz=$(getconf CLK_TCK)
printf '%-8s %9s %9s %9s %9s %9s %7s\n' pps sent "veth lost" stored "pcap drop" "stored/s" "cpu s"
for rate in "$@"; do
	db="$tmp/rate-$rate.db"
	ip netns exec "$NS" "$TCPMORTEM" capture -i tmr-c -q --no-progress "${capopts[@]}" \
		-d "$db" >/dev/null 2>"$tmp/cap.err" &
	cap=$!
	for _ in $(seq 100); do
		[ "$(sqlite3 "$db" 'select count(*) from captures' 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	if [ "$rate" = top ]; then speed=(--topspeed); limit=$total
	else speed=(--pps="$rate"); limit=$((rate * seconds)); fi
	[ "$limit" -gt "$total" ] && loops=$(((limit + total - 1) / total)) || loops=1
	lost0=$(veth_drops)
	start=$(date +%s.%N)
	ip netns exec "$NC" timeout 120 tcpreplay -q -i tmr-g "${speed[@]}" --loop="$loops" \
		--limit="$limit" "$tmp/gen.pcap" >"$tmp/replay.out" 2>&1
	took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
	sent=$(sed -n 's/.*Actual: \([0-9]*\) packets.*/\1/p' "$tmp/replay.out" | head -1)
	lost=$(($(veth_drops) - lost0))
	sleep 2
	cpu=$(awk -v hz="$hz" '{ print ($14 + $15) / hz }' "/proc/$cap/stat" 2>/dev/null)
	kill -INT "$cap"
	for _ in $(seq 300); do kill -0 "$cap" 2>/dev/null || break; sleep 0.1; done
	wait "$cap" 2>/dev/null
	cap=
	[ -n "${RATE_KEEP:-}" ] && cp "$db" "$RATE_KEEP/"
	read -r stored drops < <(sqlite3 -separator ' ' "$db" 'select packets, drops from captures')
	printf '%-8s %9s %9s %9s %9s %9.0f %7s\n' "$rate" "${sent:-?}" "$lost" "${stored:-?}" "${drops:-?}" \
		"$(awk -v n="${stored:-0}" -v t="$took" 'BEGIN { print n / (t + 1e-6) }')" "${cpu:-?}"
	[ -s "$tmp/cap.err" ] && sed 's/^/  capture: /' "$tmp/cap.err" | head -3
done
