#!/usr/bin/env python3
"""unsafe-strings.py: nothing unsafe reaches the user.

Strings that come from outside the program (a capture's file name, an
interface name, and whatever a database holds: another tool or a hand
may have written it) are given every hostile byte: ESC sequences (a
window title, a screen clear), BEL, a newline, a C1 CSI (U+009B), DEL,
bytes that are not UTF-8, quotes, commas and backslashes.  Then:

  - on a terminal (a pty, NO_COLOR set): analyze, flows, anomalies, show
    and summary, in every format, write no control byte but the line ends,
    no DEL, no C1 control, nothing that is not UTF-8;
  - into a pipe: CSV is RFC 4180 (Python's csv reads each hostile field
    back exactly) and every JSON line parses, its strings equal to the
    stored ones (bytes that are not UTF-8 as U+FFFD);
  - an error names a hostile file on one line, escaped;
  - filter values never become SQL: quotes and keywords in --host and
    --kind are refused as bad values (exit 2), and a well-formed kind that
    no finding has matches nothing.
"""
import csv
import io
import json
import os
import pty
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile

TCPMORTEM = os.environ.get("TCPMORTEM")
SAMPLES = os.environ.get("SAMPLES")
if not TCPMORTEM or not SAMPLES:
    sys.exit("TCPMORTEM and SAMPLES must be set")

HOSTILE = (b"evil\x1b]0;owned\x07\x1b[2J\n\xc2\x9b" b"31m,\"q\"\\x\x7f\xff\xfe end")
FAILURES = []


def fail(what):
    print("FAIL " + what)
    FAILURES.append(what)


def env():
    e = dict(os.environ)
    e.update(NO_COLOR="1", COLUMNS="200", LC_ALL="C.UTF-8", TERM="xterm")
    return e


def on_tty(args, timeout=60):
    """Run ARGS with standard output and error on a pty: (status, bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         env=env(), close_fds=True)
    os.close(slave)
    out = b""
    while True:
        r, _, _ = select.select([master], [], [], timeout)
        if not r:
            p.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(), out


def piped(args):
    p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env(),
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def unsafe_bytes(out):
    """What in OUT could drive a terminal: a description, or None."""
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        return "bytes that are not UTF-8 at %d: %r" % (e.start, out[e.start:e.start + 8])
    for i, c in enumerate(text):
        if (ord(c) < 0x20 and c not in "\r\n") or 0x7f <= ord(c) <= 0x9f:
            return "control U+%04X at %d: %r" % (ord(c), i, text[max(0, i - 20):i + 10])
    return None


def check_tty(name, args, want_status=0):
    status, out = on_tty(args)
    if status != want_status:
        fail("%s: exit %d on a terminal (want %d): %r" % (name, status, want_status, out[:300]))
    why = unsafe_bytes(out)
    if why:
        fail("%s: on a terminal: %s" % (name, why))
    else:
        print("ok %s: %d bytes on a terminal, all safe" % (name, len(out)))
    return out


def hostile_db(tmp):
    """A database of a sample, analysed under a hostile file name, then
    given hostile text in every column people read."""
    name = os.path.join(tmp.encode(), HOSTILE.replace(b"/", b"_") + b".pcap")
    shutil.copyfile(os.path.join(SAMPLES, "anomaly-fin-lost.pcap"), name)
    db = os.path.join(tmp, "h.db")
    check_tty("analyze of a hostile file name", [TCPMORTEM, "analyze", "-d", db, name])
    status, out, err = piped([TCPMORTEM, "analyze", "-d", db, name + b"-missing"])
    lines = err.splitlines()
    if status != 3 or len(lines) != 1 or unsafe_bytes(err):
        fail("error on a hostile file name: exit %d, %r" % (status, err))
    else:
        print("ok error on a hostile file name: one line: %s" % err.decode().strip())
    con = sqlite3.connect(db)
    h = HOSTILE
    # CAST: TEXT values holding these bytes, as a C writer would store them.
    con.execute("UPDATE captures SET interface = CAST(?1 AS TEXT), link_types = CAST(?1 AS TEXT),"
                " damage = CAST(?1 AS TEXT)", (h,))
    con.execute("UPDATE findings SET detail = CAST(? AS TEXT)", (h,))
    # The first transition's cause (the view transitions shows flow_details).
    con.execute("UPDATE flow_details SET timeline = json_set(timeline, '$[0][5]',"
                " CAST(? AS TEXT))", (h,))
    con.execute("UPDATE flows SET client = CAST(? AS TEXT)", (b"10.0.1.2" + h,))
    con.commit()
    con.close()
    return db, name


def check_machine(db, raw_name):
    want = HOSTILE.decode("utf-8", "replace")
    # CSV into a pipe: the stored bytes, quoted as RFC 4180 says.
    status, out, _ = piped([TCPMORTEM, "anomalies", "-d", db, "-o", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8", "surrogateescape"), newline="")))
    got = rows[0]["detail"].encode("utf-8", "surrogateescape") if rows else None
    if status != 0 or got != HOSTILE:
        fail("anomalies -o csv: exit %d, detail read back %r" % (status, got))
    else:
        print("ok anomalies -o csv: the hostile detail reads back exactly")
    status, out, _ = piped([TCPMORTEM, "flows", "-d", db, "-o", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8", "surrogateescape"), newline="")))
    got = rows[0]["client"].encode("utf-8", "surrogateescape") if rows else None
    if status != 0 or got != b"10.0.1.2" + HOSTILE:
        fail("flows -o csv: exit %d, client read back %r" % (status, got))
    else:
        print("ok flows -o csv: the hostile address reads back exactly")
    # JSON: every line parses; strings are the stored ones.
    for args, key, expect in (
            (["anomalies"], "detail", want),
            (["flows"], "client", "10.0.1.2" + want),
            (["show", "1"], "client", "10.0.1.2" + want),
            (["summary"], "path", raw_name.decode("utf-8", "replace"))):
        status, out, _ = piped([TCPMORTEM] + args + ["-d", db, "-o", "json"])
        try:
            objs = [json.loads(line) for line in out.decode("utf-8").splitlines()]
        except (ValueError, UnicodeDecodeError) as e:
            fail("%s -o json: not JSON: %s" % (args[0], e))
            continue
        got = [o.get(key) for o in objs if key in o]
        if status != 0 or not got or got[0] != expect:
            fail("%s -o json: exit %d, %s = %r, want %r" % (args[0], status, key,
                                                          got[:1], expect))
        else:
            print("ok %s -o json: valid JSON, %s as stored" % (args[0], key))
    status, out, _ = piped([TCPMORTEM, "show", "1", "-d", db, "-o", "json"])
    causes = [t["cause"] for t in json.loads(out)["transitions"]] if status == 0 else []
    if want not in causes:
        fail("show -o json: the hostile cause is not in the transitions: %r" % causes[:2])


def check_sql(db):
    for opt, value in (("--host", "10.0.1.2' OR '1'='1"), ("--host", "1.2.3.4; DROP TABLE flows"),
                       ("--kind", "fin-lost' OR 1=1 --"), ("--state", "CLOSED' OR 1=1")):
        status, out, err = piped([TCPMORTEM, "flows", "-d", db, opt, value])
        if status != 2 or out:
            fail("flows %s %r: exit %d, %r" % (opt, value, status, out[:200]))
        else:
            print("ok flows %s %r: refused: %s" % (opt, value, err.decode().strip()))
    status, out, _ = piped([TCPMORTEM, "flows", "-d", db, "--kind", "no-such-kind", "-o", "csv"])
    if status != 0 or len(out.splitlines()) != 1:
        fail("flows --kind no-such-kind: exit %d, %r" % (status, out[:200]))
    con = sqlite3.connect(db)
    if con.execute("SELECT count(*) FROM flows").fetchone()[0] != 1:
        fail("the flows table changed")
    con.close()


def main():
    tmp = tempfile.mkdtemp(prefix="tm-unsafe-")
    try:
        db, name = hostile_db(tmp)
        for args in (["flows"], ["anomalies"], ["show", "1"], ["summary"]):
            for fmt in ("table", "csv", "json"):
                if args[0] == "show" and fmt == "csv":
                    continue
                check_tty("%s -o %s" % (" ".join(args), fmt),
                          [TCPMORTEM] + args + ["-d", db, "-o", fmt])
        check_tty("flows with a bad filter", [TCPMORTEM, "flows", "-d", db, "--host", HOSTILE],
                  want_status=2)
        check_machine(db, name)
        check_sql(db)
    finally:
        shutil.rmtree(tmp)
    if FAILURES:
        print("unsafe-strings: %d failure(s)" % len(FAILURES))
        return 1
    print("unsafe-strings: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
