#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make-samples.sh: recreate the sample captures from nothing (run as root).
#
#   samples/make-samples.sh [SCENARIO...]     (default: every scenario)
#
# Topology, rebuilt from scratch for every scenario so no sysctl, nftables
# rule or qdisc leaks from one capture into the next:
#
#   tms-client            tms-router                 tms-server
#   c0 10.0.1.2  <---->  rc 10.0.1.1   rs 10.0.2.1  <---->  s0 10.0.2.2
#      2001:db8:1::2        2001:db8:1::1 2001:db8:2::1        2001:db8:2::2
#                          sk 10.0.3.1  <---->  tms-sink k0 10.0.3.2
#                          (10.0.9.0/24, spoofed SYN sources, routes to the sink)
#
# The router forwards; tcpdump taps it (see tcpapp.py capture_start), its
# nftables drops the segment a scenario loses, tc netem delays where FINs or
# SYNs must cross.  For "vlan" the router<->server link carries 802.1Q VLAN
# 100.  The socket programs are in tcpapp.py; each scenario writes
# NAME.pcap and NAME.ss there; NAME.txt is written here from the table below.
# Everything lives in the tms-* namespaces and is torn down on exit.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here}
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

export TM_NS_CLIENT=tms-client TM_NS_ROUTER=tms-router TM_NS_SERVER=tms-server
export TM_NS_SINK=tms-sink TM_IF_RC=rc TM_IF_RS=rs
NSES="$TM_NS_CLIENT $TM_NS_ROUTER $TM_NS_SERVER $TM_NS_SINK"

die() { echo "make-samples: $*" >&2; exit 1; }

teardown() {
	local ns
	for ns in $NSES; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

link() {	# link NS1 IF1 NS2 IF2: a veth pair between two namespaces
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	in_ns "$1" ip link set "$2" up
	in_ns "$3" ip link set "$4" up
}

addr() {	# addr NS IF V4/LEN V6/LEN
	in_ns "$1" ip addr add "$3" dev "$2"
	[ -z "${4:-}" ] || in_ns "$1" ip -6 addr add "$4" dev "$2" nodad
}

setup() {	# setup [vlan]
	local ns srv_if=s0 rtr_if=rs
	teardown
	for ns in $NSES; do
		ip netns add "$ns"
		in_ns "$ns" ip link set lo up
	done
	link tms-client c0 tms-router rc
	link tms-router rs tms-server s0
	link tms-router sk tms-sink k0
	if [ "${1:-}" = vlan ]; then
		in_ns tms-router ip link add link rs name rs.100 type vlan id 100
		in_ns tms-server ip link add link s0 name s0.100 type vlan id 100
		in_ns tms-router ip link set rs.100 up
		in_ns tms-server ip link set s0.100 up
		srv_if=s0.100 rtr_if=rs.100
	fi
	addr tms-client c0 10.0.1.2/24 2001:db8:1::2/64
	addr tms-router rc 10.0.1.1/24 2001:db8:1::1/64
	addr tms-router "$rtr_if" 10.0.2.1/24 2001:db8:2::1/64
	addr tms-server "$srv_if" 10.0.2.2/24 2001:db8:2::2/64
	addr tms-router sk 10.0.3.1/24
	addr tms-sink k0 10.0.3.2/24
	in_ns tms-client ip route add default via 10.0.1.1
	in_ns tms-client ip -6 route add default via 2001:db8:1::1
	in_ns tms-server ip route add default via 10.0.2.1
	in_ns tms-server ip -6 route add default via 2001:db8:2::1
	in_ns tms-sink ip route add default via 10.0.3.1
	in_ns tms-router ip route add 10.0.9.0/24 via 10.0.3.2
	in_ns tms-router sysctl -qw net.ipv4.ip_forward=1
	in_ns tms-router sysctl -qw net.ipv6.conf.all.forwarding=1
	# segments as the kernel built them, not merged by GRO on the way
	for ns in tms-client:c0 tms-router:rc tms-router:rs tms-server:s0; do
		in_ns "${ns%%:*}" ethtool -K "${ns##*:}" gro off tso off gso off \
			>/dev/null 2>&1 || true
	done
}

# name|how it was made (one line, goes to NAME.txt)
SCENARIOS='
client-closes|Normal four-way close, client closes first; IPv4, router tap (both router interfaces inbound, merged).
server-closes|Normal four-way close, server closes first; router tap.
half-close|Client shutdown(SHUT_WR) after its request; server sends three more chunks 0.2 s apart, then closes; client closes on EOF.
abortive-close|Client sets SO_LINGER {1,0} and closes: RST instead of FIN.
refused|Client connects to 10.0.2.2:9 where nothing listens: SYN answered by RST/ACK.
simultaneous-close|tc netem 50 ms each way in the router; client and server call close() back to back, so both FINs cross.
midstream|Connection opened and used before tcpdump starts; second request/response and the client-first close are captured.
ipv6|Normal four-way close over IPv6 (2001:db8:1::2 -> 2001:db8:2::2), client closes first.
vlan|Router<->server link is 802.1Q VLAN 100; tcpdump on the router parent interface rs (tags in the capture); client closes first.
sll2|Captured with tcpdump -i any -y LINUX_SLL2 in the client namespace (Linux cooked v2); client closes first.
three-way-close|Server closes as soon as recv() returns EOF, before its delayed ACK (pingpong mode, >= 40 ms) fires, so its FIN carries the ACK of the client FIN.
'

describe() {	# describe NAME: the one-line how-it-was-made
	local line
	while IFS= read -r line; do
		[ "${line%%|*}" = "$1" ] && { echo "${line#*|}"; return 0; }
	done <<<"$SCENARIOS"
	return 1
}

run_one() {
	local name=$1 desc
	desc=$(describe "$name") || die "unknown scenario $name"
	case $name in
	vlan) setup vlan ;;
	*) setup ;;
	esac
	echo "== $name"
	timeout 300 "$PY" "$here/tcpapp.py" "$name" "$out"
	echo "$desc" >"$out/$name.txt"
	grep -v '^#' "$out/$name.ss" | sed 's/^/   /'
}

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for tool in ip nft tc tcpdump mergecap ss; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
trap teardown EXIT INT TERM

if [ $# -eq 0 ]; then
	set -- $(sed -n 's/|.*//p' <<<"$SCENARIOS")
fi
for name in "$@"; do
	run_one "$name"
done
