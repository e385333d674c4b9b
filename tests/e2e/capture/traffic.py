#!/usr/bin/env python3
"""Real TCP connections for tests/e2e/capture-live.sh.

  traffic.py server ADDR PORT...      listen on each PORT; per connection:
                                      answer one request, read to EOF, close
  traffic.py client ADDR DIR          the scenarios below, one after another

The client runs the cases in a fixed order, each on its own server port, so
the test can find every flow by port:

  7001  normal close: request, answer, client closes first
  7002  abortive close: SO_LINGER 0, so close() sends RST
  7003  the client's FIN is dropped once by nftables at the server, so the
        client retransmits it (fin-lost)
  7009  nobody listens: the SYN is answered with RST (refused)
  7004  stays open until DIR/release exists; DIR/open is created once it is
        established, so the test can query the database meanwhile

Every blocking call has a timeout; any failure exits non-zero.
"""
import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 10.0


def serve_one(conn):
    conn.settimeout(TIMEOUT)
    try:
        if conn.recv(100):
            conn.sendall(b"pong\n")
        while conn.recv(4096):
            pass
    except OSError:
        pass  # the abortive case resets us
    finally:
        conn.close()


def listen(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_one, args=(conn,), daemon=True).start()


def server(addr, ports):
    for p in ports:
        threading.Thread(target=listen, args=(addr, int(p)), daemon=True).start()
    while True:
        time.sleep(3600)


def exchange(addr, port):
    s = socket.create_connection((addr, port), timeout=TIMEOUT)
    s.sendall(b"ping\n")
    if s.recv(100) != b"pong\n":
        raise SystemExit("port %d: no answer" % port)
    return s


def wait_eof(s):
    """Half-close seen through: wait until the server has closed too."""
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()


def normal_close(addr):
    wait_eof(exchange(addr, 7001))


def abortive_close(addr):
    s = exchange(addr, 7002)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def fin_lost(addr):
    wait_eof(exchange(addr, 7003))


def refused(addr):
    try:
        socket.create_connection((addr, 7009), timeout=TIMEOUT).close()
    except ConnectionRefusedError:
        return
    raise SystemExit("port 7009: connection was not refused")


def open_while_capturing(addr, flagdir):
    s = exchange(addr, 7004)
    open(os.path.join(flagdir, "open"), "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(flagdir, "release")):
        if time.monotonic() > deadline:
            raise SystemExit("port 7004: never released")
        time.sleep(0.05)
    wait_eof(s)


def client(addr, flagdir):
    for case in (normal_close, abortive_close, fin_lost, refused):
        case(addr)
        time.sleep(0.3)
    open_while_capturing(addr, flagdir)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "server":
        server(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
