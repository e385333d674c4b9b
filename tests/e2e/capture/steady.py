#!/usr/bin/env python3
"""Steady TCP traffic, until killed, for tests/e2e/kill9-capture.sh.

  steady.py server ADDR PORT          per connection: answer the request,
                                      then close when the client does, or
                                      first (every third connection)
  steady.py client ADDR PORT RATE     about RATE new connections a second,
                                      each held open 0 to 1.5 s, so that
                                      every checkpoint of a capture finds
                                      connections open, opening and closing;
                                      one in eight ends with a RST

Errors of single connections are ignored (a capture killed mid-way does
not disturb them, but a slow machine may time some out); only a failure to
listen or to connect at all ends the program.
"""
import random
import socket
import struct
import sys
import threading
import time

TIMEOUT = 5.0
MAX_OPEN = 200


def serve_one(conn, n):
    conn.settimeout(TIMEOUT)
    try:
        if conn.recv(100):
            conn.sendall(b"pong\n")
        if n % 3 == 0:
            time.sleep(random.uniform(0, 0.5))
            return
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def server(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(256)
    n = 0
    while True:
        conn, _ = s.accept()
        n += 1
        threading.Thread(target=serve_one, args=(conn, n), daemon=True).start()


def one_connection(addr, port, n, slots):
    try:
        s = socket.create_connection((addr, port), timeout=TIMEOUT)
        s.sendall(b"ping\n")
        s.recv(100)
        time.sleep(random.uniform(0, 1.5))
        if n % 8 == 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
        s.close()
    except OSError:
        pass
    finally:
        slots.release()


def client(addr, port, rate):
    slots = threading.BoundedSemaphore(MAX_OPEN)
    socket.create_connection((addr, port), timeout=TIMEOUT).close()  # it listens
    n = 0
    while True:
        slots.acquire()
        n += 1
        threading.Thread(target=one_connection, args=(addr, port, n, slots),
                         daemon=True).start()
        time.sleep(random.expovariate(rate))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
