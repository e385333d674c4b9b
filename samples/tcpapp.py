#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tcpapp.py: drive real Linux TCP through one scenario and record it.

One process holds the sockets of BOTH ends.  A socket belongs to the network
namespace that was current when it was created, so we switch the calling
thread into the client or server namespace (setns) just long enough to create
a socket there; afterwards the socket can be used from anywhere.  Holding
both ends in one process lets a scenario order events exactly ("both close at
the same instant", "server closes only after the client's FIN arrived") and
keeps every socket open until the ss snapshot: sockets die with the process,
and a snapshot taken after that would not describe the capture.

Each scenario function starts the capture, makes the traffic, and calls
finish(), which takes `ss -Htano` in both namespaces, sends one UDP end
marker (the capture's last frame, so the capture ends at the snapshot),
stops tcpdump, and writes NAME.ss.  make-samples.sh builds the namespaces and runs
one scenario per invocation:  tcpapp.py SCENARIO OUTDIR.

Namespace names, addresses and interface names come from the environment
set by make-samples.sh (TM_*), so the two files agree on one topology.
"""

import ctypes
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
MSG_FASTOPEN = 0x20000000

ENV = os.environ
NS = {"client": ENV.get("TM_NS_CLIENT", "tms-client"),
      "router": ENV.get("TM_NS_ROUTER", "tms-router"),
      "server": ENV.get("TM_NS_SERVER", "tms-server"),
      "sink": ENV.get("TM_NS_SINK", "tms-sink")}
ADDR = {"client": ENV.get("TM_CLIENT4", "10.0.1.2"),
        "server": ENV.get("TM_SERVER4", "10.0.2.2"),
        "client6": ENV.get("TM_CLIENT6", "2001:db8:1::2"),
        "server6": ENV.get("TM_SERVER6", "2001:db8:2::2")}
IF_RC = ENV.get("TM_IF_RC", "rc")     # router, client side
IF_RS = ENV.get("TM_IF_RS", "rs")     # router, server side
PORT = 8080
SNAP = "128"

_libc = ctypes.CDLL(None, use_errno=True)
_home_ns = os.open("/proc/self/ns/net", os.O_RDONLY)


class Ctx:
    """What a scenario needs to know about its run."""

    def __init__(self, name, outdir):
        self.name = name
        self.outdir = outdir
        self.dumps = []          # (Popen, file) of running tcpdumps
        self.conns = []          # (client ip, client port, server ip, server port)
        self.notes = []          # "# ..." lines for the .ss file
        self.keep = []           # sockets kept open until the snapshot
        self.options = ""        # tcpmortem analyze options matching our sysctls

    def path(self, ext):
        return os.path.join(self.outdir, self.name + ext)


# ---- namespaces and commands -------------------------------------------

def enter(role):
    """Make ROLE's namespace current for this thread (None: back home)."""
    fd = _home_ns if role is None else os.open("/run/netns/" + NS[role], os.O_RDONLY)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns %s: %s" % (role, os.strerror(err)))
    if role is not None:
        os.close(fd)


def nsrun(role, *argv, check=True):
    """Run ARGV in ROLE's namespace and return its standard output."""
    cmd = ["ip", "netns", "exec", NS[role]] + list(argv)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and res.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), res.stderr.strip()))
    return res.stdout


def sysctl(role, key, value):
    nsrun(role, "sysctl", "-qw", "%s=%s" % (key, value))


def nft(rules):
    """Load an nftables ruleset (text) into the router."""
    cmd = ["ip", "netns", "exec", NS["router"], "nft", "-f", "-"]
    subprocess.run(cmd, input=rules, text=True, check=True, timeout=30)


def router_drop(name, match, once=True):
    """Drop router-forwarded packets matching MATCH (nft syntax).

    With ONCE, only the first matching packet of each source port is dropped:
    the port is remembered in a dynamic set, so the retransmission passes.
    """
    if once:
        rule = ("add set inet tm %s { type inet_service; flags dynamic; }\n"
                "add rule inet tm lose %s tcp sport != @%s "
                "add @%s { tcp sport } counter drop\n" % (name, match, name, name))
    else:
        rule = "add rule inet tm lose %s counter drop\n" % match
    nft("add table inet tm\n"
        "add chain inet tm lose { type filter hook forward priority 0; policy accept; }\n"
        + rule)


# ---- capture ------------------------------------------------------------

def capture_start(ctx, where="router", ifaces=None, extra=(), filt="tcp or udp port 9"):
    """Start tcpdump; the default taps both router interfaces inbound.

    Two inbound taps see every packet once, as it enters the router and
    before the router's nftables may drop it: a dropped segment is in the
    capture, like a loss that happens just after a tap in the middle.
    """
    ifaces = ifaces or [IF_RC, IF_RS]
    inbound = where == "router" and len(ifaces) > 1
    for i, dev in enumerate(ifaces):
        out = ctx.path(".pcap") if len(ifaces) == 1 else ctx.path(".part%d" % i)
        argv = ["ip", "netns", "exec", NS[where], "tcpdump", "--immediate-mode", "-U", "-n", "-q",
                "-s", SNAP, "-i", dev, "-w", out] + list(extra) + filt.split()
        if inbound:
            argv[8:8] = ["-Q", "in"]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        ctx.dumps.append((p, out))
    for p, out in ctx.dumps:
        wait_listening(p)
    time.sleep(0.3)


def wait_listening(p):
    """Wait (bounded) for tcpdump's "listening on" line on stderr."""
    deadline = time.time() + 5
    seen = b""
    fd = p.stderr.fileno()
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            seen += os.read(fd, 4096)
            if b"listening on" in seen:
                return
        if p.poll() is not None:
            raise RuntimeError("tcpdump exited: %s" % seen.decode(errors="replace"))
    raise RuntimeError("tcpdump did not start within 5 s")


def capture_stop(ctx):
    for p, _ in ctx.dumps:
        p.send_signal(signal.SIGINT)
    for p, _ in ctx.dumps:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    parts = [out for _, out in ctx.dumps if out.endswith(tuple(".part%d" % i for i in range(4)))]
    if parts:
        subprocess.run(["mergecap", "-s", SNAP, "-F", "pcap", "-w", ctx.path(".pcap")] + parts,
                       check=True, timeout=60)
        for f in parts:
            os.unlink(f)
    ctx.dumps = []


# ---- the ss snapshot -----------------------------------------------------

def ss_lines(role):
    """(state, local, peer, rest) for every TCP socket in ROLE's namespace."""
    rows = []
    for line in nsrun(role, "ss", "-Htano").splitlines():
        f = line.split()
        if len(f) >= 5:
            rows.append((f[0], f[3], f[4], " ".join(f[5:])))
    return rows


def hostport(ip, port):
    return ("[%s]:%d" % (ip, port)) if ":" in ip else ("%s:%d" % (ip, port))


def ss_find(rows, local, peer):
    for state, l, p, rest in rows:
        if l == local and p == peer:
            return state, rest
    return "CLOSED", ""


def finish(ctx):
    """Snapshot ss on both ends, stop the capture at once, write NAME.ss."""
    t = time.time()
    rows = {r: ss_lines(r) for r in ("client", "server")}
    end_marker()
    time.sleep(0.05)
    capture_stop(ctx)
    lines = ["# %s: what ss -tano said at the end of %s.pcap" % (ctx.name, ctx.name),
             "# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing",
             "snapshot %.6f" % t]
    lines += ["# " + n for n in ctx.notes]
    if ctx.options:
        lines.append("analyze-options " + ctx.options)
    for cip, cport, sip, sport in ctx.conns:
        c, s = hostport(cip, cport), hostport(sip, sport)
        for side, local, peer in (("client", c, s), ("server", s, c)):
            state, rest = ss_find(rows[side], local, peer)
            lines.append(("%s %s %s %s %s" % (side, local, peer, state, rest)).rstrip())
    with open(ctx.path(".ss"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for s in ctx.keep:
        s.close()


def end_marker():
    """One UDP datagram to the discard port: the capture's last frame.

    A capture has no end time of its own; readers take the last frame's.
    Sending this right after the ss snapshot makes "the state at the
    capture's end" and "what ss said" refer to the same instant.
    """
    enter("client")
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    finally:
        enter(None)
    u.sendto(b"tcpmortem-sample-end", (ADDR["server"], 9))
    u.close()


# ---- sockets ------------------------------------------------------------

def listener(ctx, port=PORT, v6=False, fastopen=False):
    enter("server")
    try:
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    finally:
        enter(None)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fastopen:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
    s.bind((ADDR["server6" if v6 else "server"], port))
    s.listen(64)
    ctx.keep.append(s)
    return s


def client_sock(role="client", v6=False, sport=0):
    enter(role)
    try:
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    finally:
        enter(None)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sport:
        s.bind((ADDR[role + ("6" if v6 else "")], sport))
    return s


def pair(ctx, sport, lst, v6=False, record=True):
    """A connected (client, server) pair from SPORT to the listener."""
    c = client_sock(v6=v6, sport=sport)
    c.settimeout(10)
    c.connect((ADDR["server6" if v6 else "server"], PORT))
    lst.settimeout(10)
    s, _ = lst.accept()
    s.settimeout(10)
    ctx.keep += [c, s]
    if record:
        ctx.conns.append((ADDR["client6" if v6 else "client"], sport,
                          ADDR["server6" if v6 else "server"], PORT))
    return c, s


def exchange(c, s, req=b"GET /\r\n", resp=b"200 OK\r\n"):
    c.sendall(req)
    recv_exact(s, len(req))
    s.sendall(resp)
    recv_exact(c, len(resp))


def recv_exact(sock, n):
    got = b""
    while len(got) < n:
        chunk = sock.recv(n - len(got))
        if not chunk:
            raise RuntimeError("peer closed early")
        got += chunk
    return got


def wait_eof(sock):
    """Block (bounded by the socket timeout) until the peer's FIN arrives."""
    while sock.recv(4096):
        pass


def settle(seconds=0.5):
    time.sleep(seconds)


# ---- scenarios ------------------------------------------------------------
# Each takes the Ctx and leaves the sockets that must survive in ctx.keep.

def sc_client_closes(ctx, v6=False, capture=None):
    lst = listener(ctx, v6=v6)
    (capture or capture_start)(ctx)
    c, s = pair(ctx, 40001, lst, v6=v6)
    exchange(c, s)
    c.close()
    wait_eof(s)
    settle(0.2)             # let the delayed ACK of the FIN go out alone
    s.close()
    settle()
    finish(ctx)


def sc_server_closes(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40002, lst)
    exchange(c, s)
    s.close()
    wait_eof(c)
    settle(0.2)
    c.close()
    settle()
    finish(ctx)


def sc_half_close(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40003, lst)
    c.sendall(b"GET /big\r\n")
    c.shutdown(socket.SHUT_WR)
    wait_eof(s)
    for i in range(3):      # the server keeps answering after the client's FIN
        settle(0.2)
        s.sendall(b"chunk %d\r\n" % i)
    settle(0.2)
    s.close()
    wait_eof(c)
    c.close()
    settle()
    finish(ctx)


def sc_abortive_close(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40004, lst)
    exchange(c, s)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    settle()
    finish(ctx)


def sc_refused(ctx):
    capture_start(ctx)
    c = client_sock(sport=40005)
    ctx.conns.append((ADDR["client"], 40005, ADDR["server"], 9))
    try:
        c.connect((ADDR["server"], 9))
    except ConnectionRefusedError:
        pass
    c.close()
    settle()
    finish(ctx)


def sc_midstream(ctx):
    lst = listener(ctx)
    c, s = pair(ctx, 40007, lst)
    exchange(c, s)
    settle(0.3)
    capture_start(ctx)
    exchange(c, s, b"GET /more\r\n", b"200 OK more\r\n")
    c.close()
    wait_eof(s)
    settle(0.2)
    s.close()
    settle()
    finish(ctx)


def sc_ipv6(ctx):
    sc_client_closes(ctx, v6=True)


def sc_vlan(ctx):
    # This kernel has neither 8021q nor bridge, so no real tagged link: we
    # tap the router<->server link (both directions) and then insert the
    # 802.1Q header (VID 100, PCP 0) that a tagged link would have carried.
    sc_client_closes(ctx, capture=lambda c: capture_start(c, ifaces=[IF_RS]))
    ctx.notes.append("802.1Q tag VID 100 inserted after capture with scapy (no 8021q in this kernel)")
    vlan_tag(ctx.path(".pcap"), 100)


def vlan_tag(path, vid):
    from scapy.all import rdpcap, wrpcap, Ether, Dot1Q
    out = []
    for p in rdpcap(path):
        tagged = Ether(src=p.src, dst=p.dst, type=0x8100) / Dot1Q(vlan=vid, type=p.type) / p.payload
        tagged.time = p.time
        out.append(tagged)
    wrpcap(path, out, snaplen=int(SNAP))


def sc_sll2(ctx):
    sc_client_closes(ctx, capture=lambda c: capture_start(
        c, where="client", ifaces=["any"], extra=["-y", "LINUX_SLL2"]))


def sc_three_way_close(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40011, lst)
    exchange(c, s)
    settle(0.3)
    c.close()
    wait_eof(s)             # wakes on the FIN, well before the delayed ACK (40 ms)
    s.close()               # so the ACK of the client's FIN rides on ours
    settle()
    finish(ctx)



# ---- a delay line in the router (this kernel has no sch_netem) ---------

class Relay(threading.Thread):
    """Forward IPv4/IPv6 frames between the router's two links after DELAY.

    Stands in for `tc qdisc netem delay`, which this kernel lacks: the router's
    kernel stops forwarding and this thread copies each inbound frame to the
    other link, with Ethernet addresses rewritten, DELAY seconds later.  The
    endpoints stay real kernels; only the wire got longer.  The inbound taps
    still see each frame once, on arrival.
    """

    def __init__(self, delay):
        super().__init__(daemon=True)
        self.delay = delay
        self.stop = False
        self.keep = None        # if set: keep(frame, inbound dev) -> forward it?
        sysctl("router", "net.ipv4.ip_forward", 0)
        sysctl("router", "net.ipv6.conf.all.forwarding", 0)
        enter("router")
        try:
            self.sock = {d: socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                          socket.htons(3)) for d in (IF_RC, IF_RS)}
        finally:
            enter(None)
        for d, sk in self.sock.items():
            sk.bind((d, 3))
        peer_mac = {IF_RC: mac("client", "c0"), IF_RS: mac("server", "s0")}
        self.route = {}
        for d, other in ((IF_RC, IF_RS), (IF_RS, IF_RC)):
            src = self.sock[other].getsockname()[4]
            self.route[d] = (self.sock[other], peer_mac[other] + src)

    def run(self):
        queue = []
        while not self.stop:
            wait = max(0.0, queue[0][0] - time.time()) if queue else 0.05
            ready, _, _ = select.select(list(self.sock.values()), [], [], min(wait, 0.05))
            for sk in ready:
                frame, addr = sk.recvfrom(65535)
                if addr[2] == socket.PACKET_OUTGOING or frame[12:14] not in (b"\x08\x00", b"\x86\xdd"):
                    continue
                if self.keep is not None and not self.keep(frame, addr[0]):
                    continue
                out, hdr = self.route[addr[0]]
                queue.append((time.time() + self.delay, out, hdr + frame[12:]))
            while queue and queue[0][0] <= time.time():
                _, out, frame = queue.pop(0)
                out.send(frame)


def first_fin_only():
    """A Relay.keep that passes one FIN per direction and loses all else.

    Used to stop a simultaneous close in CLOSING: the crossing FINs arrive,
    but no ACK, and no retransmitted FIN (which would carry an ACK), does.
    """
    passed = set()

    def keep(frame, dev):
        if frame[12:14] != b"\x08\x00" or frame[23] != 6:
            return True
        tcp = 14 + (frame[14] & 0x0f) * 4
        if frame[tcp + 13] & 0x01 and dev not in passed:
            passed.add(dev)
            return True
        return False
    return keep


def mac(role, dev):
    return bytes.fromhex(nsrun(role, "cat", "/sys/class/net/%s/address" % dev).strip().replace(":", ""))


def relay(ctx, delay):
    r = Relay(delay)
    r.start()
    ctx.notes.append("router: user-space delay line, %d ms each way (no sch_netem here)" % (delay * 1000))
    return r


# ---- injecting the odd segment (scapy) ------------------------------------

def inject(role, pkt):
    """Send one hand-made IP packet from ROLE's namespace, as that host."""
    enter(role)
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    finally:
        enter(None)
    raw.sendto(bytes(pkt), (pkt.dst, 0))
    raw.close()


def last_segment(ctx, src, sport, flags=None):
    """The last segment from SRC:SPORT captured so far (scapy TCP layer)."""
    from scapy.all import rdpcap, IP, TCP
    best = None
    for _, out in ctx.dumps:
        for p in rdpcap(out):
            if IP in p and TCP in p and p[IP].src == src and p[TCP].sport == sport:
                if flags is None or flags in str(p[TCP].flags):
                    if best is None or p.time > best.time:
                        best = p
    if best is None:
        raise RuntimeError("no segment from %s:%d captured yet" % (src, sport))
    return best[TCP]


def scapy_tcp(src, dst, **kw):
    from scapy.all import IP, TCP
    payload = kw.pop("load", b"")
    return IP(src=src, dst=dst) / TCP(**kw) / payload


def client_close_first(c, s, gap=0.2):
    c.close()
    wait_eof(s)
    settle(gap)
    s.close()


# ---- anomaly scenarios ------------------------------------------------------

C4, S4 = ADDR["client"], ADDR["server"]


def sc_fin_lost(ctx):
    router_drop("fin1", "ip saddr %s tcp flags & fin == fin" % C4)
    ctx.notes.append("router drops the client's first FIN once")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40101, lst)
    exchange(c, s)
    client_close_first(c, s, gap=0.3)
    settle()
    finish(ctx)


def sc_fin_ack_lost(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40102, lst)
    exchange(c, s)
    settle(0.3)
    # armed now: the server's next pure ACK is the one acknowledging the FIN
    router_drop("w2", "ip saddr %s tcp flags == ack" % S4)
    ctx.notes.append("router drops the server's ACK of the client FIN (wave 2) once")
    c.close()
    wait_eof(s)
    settle(1.0)             # the client retransmits its FIN meanwhile
    s.close()
    settle()
    finish(ctx)


def sc_syn_retransmit(ctx):
    router_drop("syn1", "ip saddr %s tcp flags & (syn|ack) == syn" % C4)
    ctx.notes.append("router drops the client's first SYN once")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40103, lst)
    exchange(c, s)
    client_close_first(c, s)
    settle()
    finish(ctx)


def sc_synack_retransmit(ctx):
    router_drop("synack1", "ip saddr %s tcp flags & (syn|ack) == syn|ack" % S4)
    ctx.notes.append("router drops the server's first SYN-ACK once")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40104, lst)
    exchange(c, s)
    client_close_first(c, s)
    settle()
    finish(ctx)


def sc_handshake_ack_lost(ctx):
    router_drop("ack3", "ip saddr %s tcp flags == ack" % C4)
    ctx.notes.append("router drops the client's third handshake ACK once")
    lst = listener(ctx)
    capture_start(ctx)
    c = client_sock(sport=40105)
    c.settimeout(10)
    c.connect((S4, PORT))   # the client is ESTABLISHED; the server is not
    ctx.conns.append((C4, 40105, S4, PORT))
    settle(1.5)             # no data yet: the server retransmits its SYN-ACK
    lst.settimeout(10)
    s, _ = lst.accept()
    ctx.keep += [c, s]
    exchange(c, s)
    client_close_first(c, s)
    settle()
    finish(ctx)


def sc_handshake_timeout(ctx):
    sysctl("client", "net.ipv4.tcp_syn_retries", 2)
    sysctl("client", "net.ipv4.tcp_syn_linear_timeouts", 0)    # classic 1, 2, 4 s backoff
    sysctl("server", "net.ipv4.tcp_synack_retries", 2)
    router_drop("synack", "ip saddr %s tcp flags & (syn|ack) == syn|ack" % S4, once=False)
    ctx.options = "--timer syn-give-up=7 --timer synack-give-up=7"   # 1+2+4 s, as the kernel did
    ctx.notes.append("router drops every SYN-ACK; client tcp_syn_retries=2 tcp_syn_linear_timeouts=0, "
                     "server tcp_synack_retries=2; snapshot once the server's SYN-RECV is gone too")
    listener(ctx)
    capture_start(ctx)
    c = client_sock(sport=40106)
    ctx.conns.append((C4, 40106, S4, PORT))
    c.settimeout(30)
    try:
        c.connect((S4, PORT))
    except OSError:
        pass                # ETIMEDOUT after about 7 s
    c.close()
    wait_state("server", (S4, PORT), (C4, 40106), "CLOSED", 30)
    finish(ctx)


def sc_late_synack(ctx):
    """connect() gives up before the SYN-ACK comes; the client's kernel,
    with no socket for it any more, answers the late SYN-ACK with RST."""
    lst = listener(ctx)
    r = relay(ctx, 0.3)
    capture_start(ctx)
    c = client_sock(sport=40120)
    ctx.conns.append((C4, 40120, S4, PORT))
    c.settimeout(0.2)
    try:
        c.connect((S4, PORT))
    except OSError:
        pass                # timed out: 0.2 s, the round trip is 0.6 s
    c.close()
    ctx.notes.append("client connect() timeout 0.2 s, closed at once; the SYN-ACK arrives 0.6 s "
                     "after the SYN and meets no socket")
    settle(1.5)
    wait_state("server", (S4, PORT), (C4, 40120), "CLOSED", 10)
    finish(ctx)
    r.stop = True


def wait_state(role, local, peer, state, limit):
    """Poll ss (at most LIMIT seconds) until ROLE's socket LOCAL-PEER is in STATE."""
    deadline = time.time() + limit
    while time.time() < deadline:
        if ss_find(ss_lines(role), hostport(*local), hostport(*peer))[0] == state:
            return True
        time.sleep(0.5)
    return False


def sc_close_wait_stuck(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40107, lst)
    exchange(c, s)
    c.close()
    wait_eof(s)             # the server reads EOF and never calls close()
    settle(7)
    ctx.notes.append("server read EOF and did not close for 7 s")
    finish(ctx)


def sc_negative_close_wait_stuck(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40108, lst)
    c.sendall(b"GET /stream\r\n")
    c.shutdown(socket.SHUT_WR)
    wait_eof(s)
    for i in range(8):      # CLOSE-WAIT for 7 s, but answering all the while
        s.sendall(b"chunk %d\r\n" % i)
        settle(1)
    s.close()
    wait_eof(c)
    c.close()
    settle()
    ctx.notes.append("legitimate half-close: server in CLOSE-WAIT 8 s while sending")
    finish(ctx)


def sc_fin_wait_2_timeout(ctx):
    sysctl("client", "net.ipv4.tcp_fin_timeout", 3)
    ctx.options = "--timer fin-wait-2=3"
    ctx.notes.append("client tcp_fin_timeout=3; server closes 6 s after the client")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40109, lst)
    exchange(c, s)
    c.close()               # orphaned: FIN-WAIT-2 lasts tcp_fin_timeout
    wait_eof(s)
    settle(6)
    s.close()               # late FIN, answered by RST
    settle()
    finish(ctx)


def sc_negative_fin_wait_2_timeout(ctx):
    sysctl("client", "net.ipv4.tcp_fin_timeout", 3)
    ctx.options = "--timer fin-wait-2=3"
    ctx.notes.append("client tcp_fin_timeout=3 but shutdown(SHUT_WR), not close(): FIN-WAIT-2 has no timeout")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40110, lst)
    c.sendall(b"GET /stream\r\n")
    c.shutdown(socket.SHUT_WR)
    wait_eof(s)
    for i in range(6):
        s.sendall(b"chunk %d\r\n" % i)
        settle(1)
    s.close()
    wait_eof(c)
    c.close()
    settle()
    finish(ctx)


def sc_simultaneous_close(ctx):
    lst = listener(ctx)
    r = relay(ctx, 0.05)
    capture_start(ctx)
    c, s = pair(ctx, 40006, lst)
    exchange(c, s)
    settle(0.3)
    c.close()               # both FINs leave before either arrives
    s.close()
    settle(1)
    finish(ctx)
    r.stop = True


def sc_simultaneous_open(ctx):
    r = relay(ctx, 0.05)
    capture_start(ctx)
    a = client_sock(sport=40112)
    b = client_sock(role="server", sport=PORT)
    ctx.conns.append((C4, 40112, S4, PORT))
    ctx.keep += [a, b]
    a.setblocking(False)
    b.setblocking(False)
    for sk, dst in ((a, (S4, PORT)), (b, (C4, 40112))):
        try:
            sk.connect(dst)
        except BlockingIOError:
            pass
    select.select([], [a, b], [], 10)
    select.select([], [b], [], 10)
    a.setblocking(True)
    b.setblocking(True)
    a.settimeout(10)
    b.settimeout(10)
    exchange(a, b)
    client_close_first(a, b)
    settle(1)
    finish(ctx)
    r.stop = True


def sc_syn_with_data(ctx):
    for role in ("client", "server"):
        sysctl(role, "net.ipv4.tcp_fastopen", 3)
    ctx.notes.append("tcp_fastopen=3 both ends; first connection fetches the cookie, second sends data in its SYN")
    lst = listener(ctx, fastopen=True)
    capture_start(ctx)
    for sport in (40113, 40114):
        c = client_sock(sport=sport)
        c.sendto(b"GET /tfo\r\n", MSG_FASTOPEN, (S4, PORT))   # blocking: waits for the handshake
        c.settimeout(10)
        lst.settimeout(10)
        s, _ = lst.accept()
        s.settimeout(10)
        ctx.keep += [c, s]
        recv_exact(s, 10)
        s.sendall(b"200 OK\r\n")
        recv_exact(c, 8)
        client_close_first(c, s)
        settle(0.3)
    ctx.conns.append((C4, 40114, S4, PORT))
    settle()
    finish(ctx)


def sc_rst_after_time_wait(ctx):
    # Every repeated FIN restarts the client's TIME-WAIT, so the server's
    # next retry must come more than 60 s after the previous one: a route
    # rto_min of 61 s makes its very first FIN retransmission that late.
    nsrun("server", "ip", "route", "replace", "10.0.1.0/24", "via", "10.0.2.1", "rto_min", "61s")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40115, lst)
    exchange(c, s)
    c.close()
    wait_eof(s)
    settle(0.3)
    router_drop("w4", "ip saddr %s tcp flags == ack" % C4, once=False)
    ctx.notes.append("router drops every pure ACK from the client after wave 2; server route rto_min 61s, "
                     "so its first FIN retransmission comes after the client's 60 s TIME-WAIT")
    s.shutdown(socket.SHUT_WR)
    wait_state("server", (S4, PORT), (C4, 40115), "CLOSED", 90)
    settle()
    finish(ctx)


def sc_time_wait_assassination(ctx):
    sysctl("client", "net.ipv4.tcp_rfc1337", 0)
    ctx.notes.append("client tcp_rfc1337=0; scapy sends one stale server segment to the TIME-WAIT client, "
                     "its ACK meets no socket on the server, whose RST ends TIME-WAIT")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40116, lst)
    exchange(c, s)
    client_close_first(c, s)
    settle(0.5)
    fin = last_segment(ctx, S4, PORT, "F")
    inject("server", scapy_tcp(S4, C4, sport=PORT, dport=40116, flags="PA",
                               seq=fin.seq - 8, ack=fin.ack, window=502, load=b"200 OK\r\n"))
    settle()
    finish(ctx)


def sc_port_reuse_in_time_wait(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40117, lst)
    exchange(c, s)
    s.close()               # the server holds TIME-WAIT
    wait_eof(c)
    settle(0.2)
    c.close()
    settle(0.5)
    c, s = pair(ctx, 40117, lst, record=False)
    exchange(c, s, b"GET /again\r\n", b"200 again\r\n")
    client_close_first(c, s)
    settle()
    ctx.notes.append("two incarnations of one 4-tuple 0.7 s apart; the lines are about the second")
    finish(ctx)


def sc_syn_flood(ctx):
    from scapy.all import IP, TCP
    sysctl("server", "net.ipv4.tcp_synack_retries", 1)
    lst = listener(ctx)
    capture_start(ctx, ifaces=[IF_RC, IF_RS, "sk"])     # sk: the link to the sink
    enter("sink")
    try:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    finally:
        enter(None)
    rng = random.Random(9293)   # random ISNs and ports, as flood tools use; fixed seed
    t0 = time.time()
    for i in range(3000):
        src = "10.0.9.%d" % (1 + i % 250)
        pkt = IP(src=src, dst=S4) / TCP(sport=rng.randrange(1024, 65536), dport=PORT,
                                       flags="S", seq=rng.getrandbits(32), window=64240)
        raw.sendto(bytes(pkt), (S4, 0))
        if i % 600 == 0:
            c, s = pair(ctx, 40120 + i // 600, lst, record=(i == 2400))
            exchange(c, s)
            client_close_first(c, s, gap=0.05)
        if i % 100 == 0:
            time.sleep(0.05)
    raw.close()
    ctx.notes.append("3000 SYNs from spoofed 10.0.9.1-250 in %.1f s (replies routed to a sink), "
                     "5 real connections meanwhile; server tcp_synack_retries=1" % (time.time() - t0))
    settle(3)
    finish(ctx)


def sc_time_wait_storm(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    for i in range(1200):
        c, s = pair(ctx, 41000 + i, lst, record=(i == 1199))
        s.close()
        wait_eof(c)
        c.close()
        ctx.keep = [lst]
    ctx.notes.append("1200 connections from ports 41000-42199, server closes each at once")
    settle()
    finish(ctx)


def sc_data_after_fin(ctx):
    ctx.notes.append("scapy: after the client's real FIN, one data segment beyond it is injected from the client")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40130, lst)
    exchange(c, s)
    c.shutdown(socket.SHUT_WR)
    wait_eof(s)
    settle(0.3)
    fin = last_segment(ctx, C4, 40130, "F")
    inject("client", scapy_tcp(C4, S4, sport=40130, dport=PORT, flags="PA",
                               seq=fin.seq + 1, ack=fin.ack, window=502, load=b"late\r\n"))
    settle(0.3)
    s.close()
    wait_eof(c)
    c.close()
    settle()
    finish(ctx)


def sc_rst_injection_suspect(ctx):
    ctx.notes.append("scapy: a RST 1 GB outside the server's window, as if from the client; the connection goes on")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40131, lst)
    exchange(c, s)
    settle(0.2)
    last = last_segment(ctx, C4, 40131)
    inject("client", scapy_tcp(C4, S4, sport=40131, dport=PORT, flags="R",
                               seq=(last.seq + 1000000000) & 0xffffffff, window=0))
    settle(0.3)
    exchange(c, s, b"GET /after\r\n", b"200 after\r\n")
    client_close_first(c, s)
    settle()
    finish(ctx)


def sc_old_duplicate_syn(ctx):
    router_drop("syn1", "ip saddr %s tcp flags & (syn|ack) == syn" % C4)
    ctx.notes.append("router drops the real first SYN; scapy sends an old SYN (other ISN) from the same port; "
                     "the client kernel answers the SYN-ACK with RST, then its retransmitted SYN connects")
    lst = listener(ctx)
    capture_start(ctx)
    old = scapy_tcp(C4, S4, sport=40132, dport=PORT, flags="S", seq=123456789, window=64240)
    c = client_sock(sport=40132)
    c.setblocking(False)
    try:
        c.connect((S4, PORT))
    except BlockingIOError:
        pass
    settle(0.1)             # the real SYN is dropped; its retransmission is 1 s away
    inject("client", old)
    select.select([], [c], [], 10)
    c.setblocking(True)
    c.settimeout(10)
    lst.settimeout(10)
    s, _ = lst.accept()
    s.settimeout(10)
    ctx.keep += [c, s]
    ctx.conns.append((C4, 40132, S4, PORT))
    exchange(c, s)
    client_close_first(c, s)
    settle()
    finish(ctx)


def sc_isn_reuse(ctx):
    # Linux ISN = hash(4-tuple) + time/64 ns, i.e. +15.6 M per second on one
    # 4-tuple.  Push 48 MB through the first incarnation and reconnect at once
    # (the server closed first, so the client's port is free): the new ISN is
    # below the old connection's last sequence number.  The server's TIME-WAIT
    # still accepts the SYN because its timestamp is newer (RFC 6191).
    for role, dev in (("client", "c0"), ("router", IF_RC), ("router", IF_RS), ("server", "s0")):
        nsrun(role, "ip", "link", "set", dev, "mtu", "65000")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40140, lst)
    total = 48 << 20
    t = threading.Thread(target=recv_exact, args=(s, total))
    t.start()
    blob = b"x" * (1 << 20)
    for _ in range(total >> 20):
        c.sendall(blob)
    t.join()
    s.close()
    wait_eof(c)
    c.close()
    c, s = pair(ctx, 40140, lst, record=False)
    exchange(c, s)
    client_close_first(c, s)
    settle()
    ctx.notes.append("48 MB in the first incarnation (MTU 65000), second incarnation on the same 4-tuple "
                     "right after; the lines are about the second")
    finish(ctx)


def sc_fin_ack_lost_wave4(ctx):
    # The server's route rto_min of 30 s puts its FIN retransmission 30 s
    # after the lost final ACK; the TIME-WAIT client answers it and restarts
    # its 60 s timer, so 65 s after the first ACK it is still in TIME-WAIT.
    nsrun("server", "ip", "route", "replace", "10.0.1.0/24", "via", "10.0.2.1", "rto_min", "30s")
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40141, lst)
    exchange(c, s)
    c.close()
    wait_eof(s)
    settle(0.3)
    router_drop("w4", "ip saddr %s tcp flags == ack" % C4)
    s.close()
    settle(65)
    ctx.notes.append("router drops the client's final ACK (wave 4) once; server route rto_min 30s; "
                     "ss taken 65 s after that ACK: TIME-WAIT was restarted by the repeated FIN")
    finish(ctx)


def sc_port_exhaustion_risk(ctx):
    sysctl("client", "net.ipv4.ip_local_port_range", "40000 40999")
    ctx.options = "--timer ephemeral-low=40000 --timer ephemeral-high=40999"
    lst = listener(ctx)
    capture_start(ctx)
    for i in range(950):
        c = client_sock()
        c.settimeout(10)
        c.connect((S4, PORT))
        s, _ = lst.accept()
        cport = c.getsockname()[1]
        c.close()           # the client closes first and keeps TIME-WAIT
        s.settimeout(10)
        wait_eof(s)
        s.close()
    ctx.conns.append((C4, cport, S4, PORT))
    ctx.notes.append("client ip_local_port_range 40000-40999; 950 connections to 10.0.2.2:8080, client closes "
                     "each first: 950 of 1000 ports in TIME-WAIT")
    settle()
    finish(ctx)


# ---- states at the capture's end other than TIME-WAIT and CLOSED ---------

def sc_state_established(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40201, lst)
    exchange(c, s)
    settle()
    finish(ctx)


def sc_state_syn_sent(ctx):
    router_drop("synack", "ip saddr %s tcp flags & (syn|ack) == syn|ack" % S4, once=False)
    ctx.notes.append("router drops every SYN-ACK; ss taken 2.5 s after the first SYN")
    listener(ctx)
    capture_start(ctx)
    c = client_sock(sport=40202)
    ctx.keep.append(c)
    ctx.conns.append((C4, 40202, S4, PORT))
    c.setblocking(False)
    try:
        c.connect((S4, PORT))
    except BlockingIOError:
        pass
    settle(2.5)
    finish(ctx)


def sc_state_fin_wait_1(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40203, lst)
    exchange(c, s)
    settle(0.3)
    router_drop("acks", "ip saddr %s tcp flags == ack" % S4, once=False)
    ctx.notes.append("router drops every bare ACK from the server after the exchange; ss taken 1.5 s after the FIN")
    c.shutdown(socket.SHUT_WR)   # FIN; its ACK never arrives
    wait_eof(s)
    settle(1.5)
    finish(ctx)


def sc_state_last_ack(ctx):
    lst = listener(ctx)
    capture_start(ctx)
    c, s = pair(ctx, 40204, lst)
    exchange(c, s)
    c.close()
    wait_eof(s)
    settle(0.3)
    router_drop("acks", "ip saddr %s tcp flags == ack" % C4, once=False)
    ctx.notes.append("router drops every bare ACK from the client after wave 2; ss taken 1.5 s after the server FIN")
    s.close()
    settle(1.5)
    finish(ctx)


def sc_state_closing(ctx):
    lst = listener(ctx)
    r = relay(ctx, 0.05)
    capture_start(ctx)
    c, s = pair(ctx, 40205, lst)
    exchange(c, s)
    settle(0.3)
    r.keep = first_fin_only()
    ctx.notes.append("once both close() calls are made the delay line passes only the first FIN each way; "
                     "ss taken 1.5 s later")
    c.close()
    s.close()
    settle(1.5)
    finish(ctx)
    r.stop = True


SCENARIOS = {
    "client-closes": sc_client_closes,
    "server-closes": sc_server_closes,
    "half-close": sc_half_close,
    "abortive-close": sc_abortive_close,
    "refused": sc_refused,
    "simultaneous-close": sc_simultaneous_close,
    "midstream": sc_midstream,
    "ipv6": sc_ipv6,
    "vlan": sc_vlan,
    "sll2": sc_sll2,
    "three-way-close": sc_three_way_close,
    "anomaly-fin-lost": sc_fin_lost,
    "anomaly-fin-ack-lost": sc_fin_ack_lost,
    "anomaly-syn-retransmit": sc_syn_retransmit,
    "anomaly-synack-retransmit": sc_synack_retransmit,
    "anomaly-handshake-ack-lost": sc_handshake_ack_lost,
    "anomaly-handshake-timeout": sc_handshake_timeout,
    "anomaly-connection-refused": sc_refused,
    "anomaly-close-wait-stuck": sc_close_wait_stuck,
    "negative-close-wait-stuck": sc_negative_close_wait_stuck,
    "anomaly-fin-wait-2-timeout": sc_fin_wait_2_timeout,
    "negative-fin-wait-2-timeout": sc_negative_fin_wait_2_timeout,
    "anomaly-abortive-close": sc_abortive_close,
    "anomaly-simultaneous-close": sc_simultaneous_close,
    "anomaly-syn-with-data": sc_syn_with_data,
    "anomaly-rst-after-time-wait": sc_rst_after_time_wait,
    "anomaly-time-wait-assassination": sc_time_wait_assassination,
    "anomaly-port-reuse-in-time-wait": sc_port_reuse_in_time_wait,
    "anomaly-simultaneous-open": sc_simultaneous_open,
    "anomaly-syn-flood": sc_syn_flood,
    "anomaly-time-wait-storm": sc_time_wait_storm,
    "anomaly-data-after-fin": sc_data_after_fin,
    "anomaly-rst-injection-suspect": sc_rst_injection_suspect,
    "anomaly-old-duplicate-syn": sc_old_duplicate_syn,
    "anomaly-isn-reuse": sc_isn_reuse,
    "anomaly-fin-ack-lost-wave4": sc_fin_ack_lost_wave4,
    "anomaly-port-exhaustion-risk": sc_port_exhaustion_risk,
    "state-established": sc_state_established,
    "state-syn-sent": sc_state_syn_sent,
    "state-fin-wait-1": sc_state_fin_wait_1,
    "state-last-ack": sc_state_last_ack,
    "state-closing": sc_state_closing,
    "late-synack": sc_late_synack,
}


def main(argv):
    if len(argv) != 3 or argv[1] not in SCENARIOS:
        sys.stderr.write("usage: tcpapp.py SCENARIO OUTDIR\nscenarios: %s\n"
                         % " ".join(SCENARIOS))
        return 2
    ctx = Ctx(argv[1], argv[2])
    try:
        SCENARIOS[argv[1]](ctx)
    finally:
        if ctx.dumps:
            capture_stop(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
