#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make-samples.sh: recreate the sample captures from nothing (run as root).
#
#   samples/make-samples.sh [SCENARIO...]     (default: every scenario)
#   samples/make-samples.sh --readme          (rewrite README.md's table only)
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
# nftables drops the segment a scenario loses, and where FINs or SYNs must
# cross a user-space delay line in tcpapp.py replaces its forwarding (this
# kernel has no sch_netem, 8021q or bridge).  The socket programs are in
# tcpapp.py; each scenario writes NAME.pcap and NAME.ss there; NAME.txt is
# written here from the table below.  Everything lives in the tms-*
# namespaces and is torn down on exit, with any process left inside them.

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
	local ns pids
	for ns in $NSES; do
		# a tcpdump orphaned by a failed scenario would keep the namespace alive
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -z "$pids" ] || kill $pids 2>/dev/null || true
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

setup() {
	local ns
	teardown
	for ns in $NSES; do
		ip netns add "$ns"
		in_ns "$ns" ip link set lo up
	done
	link tms-client c0 tms-router rc
	link tms-router rs tms-server s0
	link tms-router sk tms-sink k0
	addr tms-client c0 10.0.1.2/24 2001:db8:1::2/64
	addr tms-router rc 10.0.1.1/24 2001:db8:1::1/64
	addr tms-router rs 10.0.2.1/24 2001:db8:2::1/64
	addr tms-server s0 10.0.2.2/24 2001:db8:2::2/64
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
	# segments as the kernel built them (no GRO merging) and with real
	# checksums in the capture (veth otherwise passes them unfinished)
	for ns in tms-client:c0 tms-router:rc tms-router:rs tms-server:s0 tms-sink:k0; do
		in_ns "${ns%%:*}" ethtool -K "${ns##*:}" gro off tso off gso off tx off \
			>/dev/null || die "ethtool -K ${ns##*:} failed"
	done
}

# name|what it shows|how it was made (one line, goes to NAME.txt)
read -r -d '' SCENARIOS <<'END' || true
client-closes|four-way close, client active closer|Normal four-way close, client closes first; IPv4, router tap (both router interfaces inbound, merged).
server-closes|four-way close, server active closer|Normal four-way close, server closes first; router tap.
half-close|half-close: data flows to the client after its FIN|Client shutdown(SHUT_WR) after its request; server sends three more chunks 0.2 s apart, then closes; client closes on EOF.
abortive-close|abortive close (RST) by the client|Client sets SO_LINGER {1,0} and closes: RST instead of FIN.
refused|connection refused (RST/ACK to SYN)|Client connects to 10.0.2.2:9 where nothing listens: SYN answered by RST/ACK.
simultaneous-close|simultaneous close: FINs cross, both CLOSING then TIME-WAIT|50 ms each way through a user-space delay line in the router (this kernel has no sch_netem); and server call close() back to back, so both FINs cross.
midstream|capture starting mid-connection|Connection opened and used before tcpdump starts; second request/response and the client-first close are captured.
ipv6|four-way close over IPv6|Normal four-way close over IPv6 (2001:db8:1::2 -> 2001:db8:2::2), client closes first.
vlan|four-way close, 802.1Q tagged frames|client-closes traffic tapped on the router<->server link (tcpdump -i rs, both directions); this kernel lacks 8021q and bridge, so the 802.1Q header (VID 100) was inserted into each frame afterwards with scapy, timestamps kept.
sll2|four-way close, Linux cooked v2 link type|Captured with tcpdump -i any -y LINUX_SLL2 in the client namespace (Linux cooked v2); client closes first.
three-way-close|three-way close: server FIN carries the ACK of the client FIN|Server closes as soon as recv() returns EOF, before its delayed ACK (pingpong mode, >= 40 ms) fires, so its FIN carries the ACK of the client FIN.
anomaly-fin-lost|fin-lost (wave 1)|Router nftables drops the client's first FIN (wave 1) once; the client retransmits it; server closes 0.3 s later.
anomaly-fin-ack-lost|fin-ack-lost (wave 2)|Router nftables drops the server's ACK of the client FIN (wave 2) once (rule armed after the data exchange); the client retransmits its FIN.
anomaly-syn-retransmit|syn-retransmit|Router nftables drops the client's first SYN once; the kernel retransmits it 1 s later.
anomaly-synack-retransmit|synack-retransmit (and syn-retransmit)|Router nftables drops the server's first SYN-ACK once; both ends retransmit.
anomaly-handshake-ack-lost|handshake-ack-lost|Router nftables drops the client's third handshake ACK once; the client stays silent 1.5 s, so the server retransmits its SYN-ACK.
anomaly-handshake-timeout|handshake-timeout (client gives up; server SYN-RECEIVED expires)|Router nftables drops every SYN-ACK; client tcp_syn_retries=2 and tcp_syn_linear_timeouts=0 (SYNs at 0, 1, 3 s, gives up at ~7 s), server tcp_synack_retries=2; ss taken once the server request socket had expired too.
anomaly-connection-refused|connection-refused|Same as refused: SYN to 10.0.2.2:9 where nothing listens, answered by RST/ACK.
anomaly-close-wait-stuck|close-wait-stuck|Client closes; the server reads EOF but never calls close(); capture ends 7 s later (server CLOSE-WAIT, client FIN-WAIT-2).
negative-close-wait-stuck|NOT close-wait-stuck: long legitimate CLOSE-WAIT while sending|Negative for close-wait-stuck: legitimate half-close, the server sends a chunk every second for 8 s in CLOSE-WAIT, then closes.
anomaly-fin-wait-2-timeout|fin-wait-2-timeout (late FIN answered by RST)|Client tcp_fin_timeout=3, client close()s (orphan); the server closes 6 s later and its late FIN is answered by RST.
negative-fin-wait-2-timeout|NOT fin-wait-2-timeout: half-closed client keeps FIN-WAIT-2 while data flows|Negative for fin-wait-2-timeout: client tcp_fin_timeout=3 but it only shutdown(SHUT_WR)s; data flows to it for 6 s, then the server closes.
anomaly-abortive-close|abortive-close|Same as abortive-close: client SO_LINGER {1,0} close -> RST.
anomaly-simultaneous-close|simultaneous-close|As simultaneous-close: a 50 ms user-space delay line in the router (no sch_netem in this kernel); both ends close() back to back.
anomaly-syn-with-data|syn-with-data (TCP Fast Open, option present)|TCP Fast Open: tcp_fastopen=3 on both ends; a first connection fetches the cookie, the second (port 40114) sends its request in the SYN (sendto MSG_FASTOPEN).
anomaly-rst-after-time-wait|rst-after-time-wait (and fin-ack-lost, wave 4)|Server route to the client has rto_min 61s (every repeated FIN restarts TIME-WAIT, so the retry must come after more than 60 s); router nftables drops every pure ACK from the client after wave 2; the server (shutdown(SHUT_WR)) retransmits its FIN 61 s later, the client has left TIME-WAIT and answers RST (~65 s).
anomaly-time-wait-assassination|time-wait-assassination|Client tcp_rfc1337=0; after a normal client-first close, scapy sends one stale server segment to the TIME-WAIT client; its ACK meets no socket on the server, whose RST ends the client's TIME-WAIT.
anomaly-port-reuse-in-time-wait|port-reuse-in-time-wait (server TIME-WAIT; new ISN and timestamps larger)|Server closes first (server TIME-WAIT); 0.7 s later the client connects again from the same port (SO_REUSEADDR + bind); the server accepts the SYN in TIME-WAIT.
anomaly-simultaneous-open|simultaneous-open|50 ms user-space delay line in the router; 10.0.1.2:40112 and 10.0.2.2:8080 connect() to each other at the same instant, both SYNs cross.
anomaly-syn-flood|syn-flood (3000 spoofed SYNs, 5 real connections)|3000 SYNs from spoofed 10.0.9.1-250 (scapy-built, raw socket in a sink namespace where the replies are routed and die) to 10.0.2.2:8080, 5 real connections meanwhile; server tcp_synack_retries=1, syncookies default.
anomaly-time-wait-storm|time-wait-storm (1200 server TIME-WAITs)|1200 short connections (client ports 41000-42199), the server closes each first: 1200 TIME-WAITs on 10.0.2.2:8080.
anomaly-data-after-fin|data-after-fin (injected)|Client shutdown(SHUT_WR); scapy then injects one data segment from the client beyond its FIN (the real kernel never does this); server closes after.
anomaly-rst-injection-suspect|rst-injection-suspect (out-of-window RST, connection continues)|Scapy injects a RST with a sequence number 1e9 beyond the client's, as from the client; the kernel ignores it and the connection continues and closes normally.
anomaly-old-duplicate-syn|old-duplicate-syn (client RSTs the SYN-ACK of an old SYN)|Router drops the real first SYN; scapy sends an old SYN (other ISN) from the same port; the server SYN-ACKs it, the client kernel (SYN-SENT) answers RST; the retransmitted real SYN then connects.
anomaly-isn-reuse|isn-reuse (a): new ISN below the previous incarnation's last sequence number; also port-reuse-in-time-wait refused by the server, and its TIME-WAIT ended by RST|Real kernel, no injection: MTU 65000, 48 MB sent in the first incarnation (server closes first, so it holds TIME-WAIT), the client reconnects from the same port 0.2 ms later. Linux's clock-driven ISN (+15.6 M/s) is below the old last sequence number and the timestamp is equal, so the server's TIME-WAIT refuses the SYN with an ACK; the client (SYN-SENT) answers that ACK with RST, which ends the server's TIME-WAIT (tcp_rfc1337=0); the client's SYN retransmission 12 ms later then connects.
anomaly-fin-ack-lost-wave4|fin-ack-lost (wave 4): TIME-WAIT restarted by the repeated FIN|Server route rto_min 30s; router nftables drops the client's final ACK once; the server retransmits its FIN 30 s later, the TIME-WAIT client ACKs it and restarts its 60 s timer; ss taken 65 s after the lost ACK still shows TIME-WAIT.
anomaly-port-exhaustion-risk|port-exhaustion-risk (950 of 1000 ephemeral ports in TIME-WAIT to one server)|Client net.ipv4.ip_local_port_range=40000 40999; 950 sequential connections to 10.0.2.2:8080, the client closes each first (client TIME-WAIT); analyze-options set the same ephemeral range.
state-established|capture ends on an open connection (both ESTABLISHED)|Handshake and one request/response; ss and the end of the capture 0.5 s later, connection still open.
state-syn-sent|capture ends mid-handshake (SYN-SENT / SYN-RECEIVED)|Router nftables drops every SYN-ACK; capture and ss end 2.5 s after the first SYN, while both ends still retry.
state-fin-wait-1|capture ends with the closer's FIN unacknowledged (FIN-WAIT-1 / CLOSE-WAIT)|Client shutdown(SHUT_WR); router nftables drops every bare ACK from the server, so the client keeps retransmitting its FIN; ss 1.5 s later.
state-last-ack|capture ends with the passive closer's FIN unacknowledged (TIME-WAIT / LAST-ACK)|Client closes first; router nftables drops every bare ACK from the client after wave 2, so the server keeps retransmitting its FIN; ss 1.5 s later.
state-closing|capture ends inside a simultaneous close (CLOSING / CLOSING)|50 ms user-space delay line in the router; once both close() calls are made it passes only the first FIN each way and loses every later segment (ACKs and the FIN retransmissions that would carry them); ss 1.5 s later.
late-synack|handshake-timeout: the client gives up before the SYN-ACK and resets it (not abortive-close)|300 ms user-space delay line in the router each way; the client's connect() times out after 0.2 s and the socket is closed; the SYN-ACK arrives 0.6 s after the SYN and the client's kernel, with no socket for it, answers RST (no ACK, seq = the SYN-ACK's ack).
END

describe() {	# describe NAME: the one-line how-it-was-made
	local line
	while IFS= read -r line; do
		[ "${line%%|*}" = "$1" ] && { echo "${line#*|*|}"; return 0; }
	done <<<"$SCENARIOS"
	return 1
}

run_one() {
	local name=$1 desc
	desc=$(describe "$name") || die "unknown scenario $name"
	setup
	echo "== $name"
	timeout 300 "$PY" "$here/tcpapp.py" "$name" "$out"
	echo "$desc" >"$out/$name.txt"
	grep -v '^#' "$out/$name.ss" | sed 's/^/   /'
}

readme_table() {	# rewrite the table in README.md from SCENARIOS and the .ss files
	SCENARIOS="$SCENARIOS" "$PY" - "$here/README.md" "$out" <<'PYEOF'
import os, sys
readme, out = sys.argv[1:3]
rows = ["| capture | shows | how it was made | ss: client | ss: server |", "|---|---|---|---|---|"]
for line in os.environ["SCENARIOS"].strip().splitlines():
    name, shows, how = line.split("|", 2)
    ss = {}
    try:
        for l in open(os.path.join(out, name + ".ss")):
            f = l.split()
            if f and f[0] in ("client", "server"):
                ss[f[0]] = f[3]
    except OSError:
        continue
    rows.append("| `%s.pcap` | %s | %s | %s | %s |" % (name, shows, how.replace("|", "/"),
                                                     ss.get("client", "-"), ss.get("server", "-")))
text = open(readme).read()
head, rest = text.split("<!-- table: written by make-samples.sh -->\n", 1)
tail = rest.split("<!-- /table -->", 1)[1]
open(readme, "w").write(head + "<!-- table: written by make-samples.sh -->\n" + "\n".join(rows) + "\n<!-- /table -->" + tail)
PYEOF
}

if [ "${1:-}" = --readme ]; then	# only rewrite README.md's table
	readme_table
	exit 0
fi
[ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"
for tool in ip nft ethtool tcpdump mergecap ss; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
trap teardown EXIT INT TERM

if [ $# -eq 0 ]; then
	mapfile -t all < <(sed -n 's/|.*//p' <<<"$SCENARIOS")
	set -- "${all[@]}"
fi
for name in "$@"; do
	run_one "$name"
done
readme_table
