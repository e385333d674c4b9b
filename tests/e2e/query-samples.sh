#!/bin/sh
# The query commands over every real capture in samples/, checked against
# plain SQL on the same database: each filter returns exactly the rows the
# equivalent SELECT does, the JSON agrees with the tables, every flow can be
# shown, and summary's counts add up to the flows table.
: "${top_srcdir:?}" "${TCPMORTEM:?}" "${SAMPLES:=$top_srcdir/samples}"
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
ls "$SAMPLES"/*.pcap >/dev/null 2>&1 || { echo "no samples in $SAMPLES"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
db="$tmp/s.db"
fail=0
"$TCPMORTEM" analyze -q -d "$db" "$SAMPLES"/*.pcap >/dev/null 2>"$tmp/err"
[ $? -le 1 ] || { echo "FAIL analyze: $(cat "$tmp/err")"; exit 1; }

# same LABEL "tcpmortem ARGS" "SQL": the ids of the first CSV column agree
same() {
	"$TCPMORTEM" $2 -d "$db" -o csv | tail -n +2 | cut -d, -f1 >"$tmp/a"
	sqlite3 "$db" "$3" >"$tmp/b"
	if cmp -s "$tmp/a" "$tmp/b"; then
		n=$(grep -c '' "$tmp/a")
		echo "ok $1 ($n rows)"
	else
		echo "FAIL $1: $2 differs from SQL"; diff "$tmp/a" "$tmp/b" | head -5; fail=1
	fi
}

q() { sqlite3 "$db" "$1"; }
same "all flows" "flows" "SELECT id FROM flows ORDER BY first_ts, id"
same "all findings" "anomalies" "SELECT id FROM findings ORDER BY ts, id"
for k in $(q "SELECT DISTINCT kind FROM findings"); do
	same "--kind $k" "anomalies --kind $k" "SELECT id FROM findings WHERE kind = '$k' ORDER BY ts, id"
	same "flows --kind $k" "flows --kind $k" \
	    "SELECT id FROM flows WHERE id IN (SELECT flow FROM findings WHERE kind = '$k') ORDER BY first_ts, id"
done
for s in $(q "SELECT client_state FROM flows UNION SELECT server_state FROM flows"); do
	same "--state $s" "flows --state $s" \
	    "SELECT id FROM flows WHERE client_state = '$s' OR server_state = '$s' ORDER BY first_ts, id"
done
for h in $(q "SELECT DISTINCT server FROM flows"); do
	same "--host $h" "flows --host $h" \
	    "SELECT id FROM flows WHERE client = '$h' OR server = '$h' ORDER BY first_ts, id"
done
for p in $(q "SELECT DISTINCT server_port FROM flows"); do
	same "--port $p" "flows --port $p" \
	    "SELECT id FROM flows WHERE client_port = $p OR server_port = $p ORDER BY first_ts, id"
done
for c in $(q "SELECT id FROM captures"); do
	same "--capture $c" "flows --capture $c" "SELECT id FROM flows WHERE capture = $c ORDER BY first_ts, id"
done
for h in complete refused no-answer incomplete simultaneous midstream; do
	same "--handshake $h" "flows --handshake $h" \
	    "SELECT id FROM flows WHERE handshake = '$h' ORDER BY first_ts, id"
done

# the first three flows of every capture can be shown, in both formats
# (all 1200 take a minute); JSON agrees with the tables
for id in $(q "SELECT id FROM flows AS f WHERE (SELECT count(*) FROM flows AS g
    WHERE g.capture = f.capture AND g.id < f.id) < 3"); do
	"$TCPMORTEM" show -d "$db" "$id" >/dev/null 2>"$tmp/err" ||
	    { echo "FAIL show $id: $(cat "$tmp/err")"; fail=1; }
	"$TCPMORTEM" show -d "$db" -o json "$id" >>"$tmp/show.json" ||
	    { echo "FAIL show -o json $id"; fail=1; }
done
"$TCPMORTEM" flows -d "$db" -o json >"$tmp/flows.json"
"$TCPMORTEM" summary -d "$db" -o json >"$tmp/summary.json"
python3 - "$tmp" "$db" <<'PY' || fail=1
import json, sqlite3, sys
d, db = sys.argv[1], sqlite3.connect(sys.argv[2])
ok = True
def q(sql, *a): return db.execute(sql, a).fetchall()
for line in open(d + "/show.json"):
    o = json.loads(line)
    for table, key in (("segments", "segments"), ("transitions", "transitions")):
        n = q("SELECT count(*) FROM %s WHERE flow = ?" % table, o["id"])[0][0]
        if len(o[key]) != n:
            print("FAIL show %d: %d %s, the table has %d" % (o["id"], len(o[key]), key, n)); ok = False
    kinds = sorted(k for (k,) in q("SELECT DISTINCT kind FROM findings WHERE flow = ?", o["id"]))
    if sorted(o["anomalies"]) != kinds:
        print("FAIL show %d: anomalies %s, the table has %s" % (o["id"], o["anomalies"], kinds)); ok = False
flows = [json.loads(l) for l in open(d + "/flows.json")]
if len(flows) != q("SELECT count(*) FROM flows")[0][0]:
    print("FAIL flows -o json: wrong number of lines"); ok = False
for f in flows:
    row = q("SELECT client, client_port, server, server_port, closer, client_state FROM flows WHERE id = ?", f["id"])[0]
    if (f["client"], f["client_port"], f["server"], f["server_port"], f["closer"], f["client_state"]) != row:
        print("FAIL flows -o json %d: %s" % (f["id"], row)); ok = False
caps = [json.loads(l) for l in open(d + "/summary.json")]
for scope in ("capture", "server", "client"):
    total = sum(c["flows"] for c in caps if c["scope"] == scope)
    if total != len(flows):
        print("FAIL summary: %s groups hold %d flows of %d" % (scope, total, len(flows))); ok = False
for c in (c for c in caps if c["scope"] == "capture"):
    want = dict(q("SELECT handshake, count(*) FROM flows WHERE capture = ? GROUP BY 1", int(c["group"])))
    if c["handshake"] != want:
        print("FAIL summary capture %s: handshake %s, SQL %s" % (c["group"], c["handshake"], want)); ok = False
print("ok %d shown, %d flows in JSON, summary adds up" % (len(open(d + "/show.json").readlines()), len(flows)))
sys.exit(0 if ok else 1)
PY
exit $fail
