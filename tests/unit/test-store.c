/*
 * test-store.c: the SQLite store, read back with plain SQL.
 *
 * Flows are built by hand (no capture, no state machine), written through
 * store.h, and every column is checked with a SELECT, so a test fails when
 * the writer and the schema disagree.  The error cases build the broken
 * situation for real: a second writer holding the lock, a file that is not
 * ours, a read-only file as an unprivileged user, a full tmpfs.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "store.h"
#include "check-main.h"

#define SEC(s) ((tm_time_t)((s) * 1e9))
#define T0 1763786000.0

static char dir[64];
static char dbpath[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(dbpath, sizeof(dbpath), "%s/tcpmortem.db", dir);
}

/* Also after a failed test: the directory may still be read-only or hold
 * the disk-full test's tmpfs. */
static void
teardown(void)
{
	char cmd[128];

	if (geteuid() == 0)
		umount2(dir, MNT_DETACH);
	chmod(dir, 0755);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* --- building flows by hand -------------------------------------------- */

static void
set_addr(struct tm_addr *a, const char *text)
{
	ck_assert_int_eq(addr_parse(text, a), 0);
}

static void
add_transition(struct flow *f, enum tm_side side, double t, uint64_t frame,
    enum tm_state from, enum tm_state to, const char *cause)
{
	struct timeline *tl = &f->tl[side];

	tl->items = realloc(tl->items, (tl->n + 1) * sizeof(*tl->items));
	tl->items[tl->n++] = (struct tm_transition){ .side = side, .from = from, .to = to,
	    .ts = SEC(t), .frame = frame, .cause = cause };
}

static void
add_segment(struct flow *f, enum tm_side from, double t, uint64_t frame, uint8_t flags,
    uint32_t seq, uint32_t ack, uint32_t len)
{
	f->ladder = realloc(f->ladder, (f->nladder + 1) * sizeof(*f->ladder));
	f->ladder[f->nladder++] = (struct ladder_entry){ .frame = frame, .last_frame = frame,
	    .ts = SEC(t), .last_ts = SEC(t), .from = from, .flags = flags, .rel_seq = seq,
	    .rel_ack = ack, .len = len, .window = 502, .count = 1 };
}

static struct flow *
make_flow(uint64_t id, const char *client, uint16_t cport, const char *server,
    uint16_t sport, double first, double last)
{
	struct flow *f = calloc(1, sizeof(*f));

	f->v.id = id;
	set_addr(&f->v.addr[TM_CLIENT], client);
	set_addr(&f->v.addr[TM_SERVER], server);
	f->v.port[TM_CLIENT] = cport;
	f->v.port[TM_SERVER] = sport;
	f->v.first_ts = SEC(first);
	f->v.last_ts = SEC(last);
	f->v.incarnation = 1;
	f->v.end_reason = TM_END_CLOSED;
	return f;
}

static void
set_outcome(struct flow *f, enum handshake h, enum close_type c, enum closer who,
    enum tm_state cstate, enum tm_state sstate)
{
	f->handshake = h;
	f->close = c;
	f->closer = who;
	f->v.ep[TM_CLIENT].state = cstate;
	f->v.ep[TM_SERVER].state = sstate;
}

static void
free_flow(struct flow *f)
{
	free(f->tl[0].items);
	free(f->tl[1].items);
	free(f->ladder);
	free(f);
}

/* The classic: client closes, lands in TIME-WAIT; both timelines and a
 * seven-line ladder. */
static struct flow *
flow_client_closes(uint64_t id)
{
	struct flow *f = make_flow(id, "10.0.0.1", 40000, "10.0.0.2", 80, T0, T0 + 0.5);

	set_outcome(f, HS_COMPLETE, CLOSE_FIN, CLOSER_CLIENT, TM_TIME_WAIT, TM_CLOSED);
	f->v.first_frame = 1;
	f->v.last_frame = 9;
	f->packets = 9;
	f->bytes = 6;
	f->v.ep[TM_CLIENT] = (struct tm_endpoint){ .state = TM_TIME_WAIT, .isn_known = 1,
	    .isn = 4000000000u, .packets = 5, .bytes = 4 };
	f->v.ep[TM_SERVER] = (struct tm_endpoint){ .state = TM_CLOSED, .isn_known = 1,
	    .isn = 17, .packets = 4, .bytes = 2 };
	add_transition(f, TM_CLIENT, T0, 1, TM_CLOSED, TM_SYN_SENT, "send SYN");
	add_transition(f, TM_SERVER, T0, 1, TM_LISTEN, TM_SYN_RECEIVED, "recv SYN");
	add_transition(f, TM_CLIENT, T0 + 0.1, 2, TM_SYN_SENT, TM_ESTABLISHED, "recv SYN-ACK");
	add_transition(f, TM_SERVER, T0 + 0.2, 3, TM_SYN_RECEIVED, TM_ESTABLISHED, "recv ACK of SYN");
	add_transition(f, TM_CLIENT, T0 + 0.3, 6, TM_ESTABLISHED, TM_FIN_WAIT_1, "send FIN");
	add_transition(f, TM_SERVER, T0 + 0.3, 6, TM_ESTABLISHED, TM_CLOSE_WAIT, "recv FIN");
	add_transition(f, TM_CLIENT, T0 + 0.4, 7, TM_FIN_WAIT_1, TM_FIN_WAIT_2, "recv ACK of FIN");
	/* The server's LAST-ACK comes from frame 8, which it sent; the
	 * client's TIME-WAIT from the same frame: the sender goes first even
	 * though the server's array is the second one. */
	add_transition(f, TM_SERVER, T0 + 0.45, 8, TM_CLOSE_WAIT, TM_LAST_ACK, "send FIN");
	add_transition(f, TM_CLIENT, T0 + 0.45, 8, TM_FIN_WAIT_2, TM_TIME_WAIT, "recv FIN");
	add_transition(f, TM_SERVER, T0 + 0.5, 9, TM_LAST_ACK, TM_CLOSED, "recv ACK of FIN");
	add_segment(f, TM_CLIENT, T0, 1, TM_TH_SYN, 0, 0, 0);
	add_segment(f, TM_SERVER, T0 + 0.1, 2, TM_TH_SYN | TM_TH_ACK, 0, 1, 0);
	add_segment(f, TM_CLIENT, T0 + 0.2, 3, TM_TH_ACK, 1, 1, 0);
	add_segment(f, TM_CLIENT, T0 + 0.25, 4, TM_TH_PSH | TM_TH_ACK, 1, 1, 4);
	add_segment(f, TM_CLIENT, T0 + 0.3, 6, TM_TH_FIN | TM_TH_ACK, 5, 3, 0);
	add_segment(f, TM_SERVER, T0 + 0.45, 8, TM_TH_FIN | TM_TH_ACK, 3, 6, 0);
	add_segment(f, TM_CLIENT, T0 + 0.5, 9, TM_TH_RST, 6, 0, 0);
	return f;
}

/* --- SQL helpers ------------------------------------------------------- */

/* The first column of the first row of SQL, as text ("NULL" for NULL). */
static const char *
sql_text(sqlite3 *db, const char *sql)
{
	static char buf[512];
	sqlite3_stmt *st;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s",
	    sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	else
		snprintf(buf, sizeof(buf), "NULL");
	sqlite3_finalize(st);
	return buf;
}

/* The same, whole, in memory the caller frees. */
static char *
sql_dup(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *v;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s",
	    sql, sqlite3_errmsg(db));
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = strdup(sqlite3_column_text(st, 0) != NULL ?
	    (const char *)sqlite3_column_text(st, 0) : "NULL");
	sqlite3_finalize(st);
	return v;
}

static int64_t
sql_int(sqlite3 *db, const char *sql)
{
	return strtoll(sql_text(db, sql), NULL, 10);
}

static struct capture_info
capture(const char *path, int64_t size, int64_t mtime)
{
	return (struct capture_info){ .path = path, .size = size, .mtime = mtime,
	    .link_types = "EN10MB", .source = "file", .profile = "linux",
	    .vantage = "middle", .status = "running" };
}

static struct store *
open_write(void)
{
	char err[512] = "";
	struct store *s = store_open(dbpath, STORE_WRITE, 200, err, sizeof(err));

	ck_assert_msg(s != NULL, "store_open: %s", err);
	return s;
}

static int64_t
begin(struct store *s, struct capture_info *ci, uint64_t *base)
{
	char err[512] = "";
	int64_t id = 0;

	ck_assert_msg(store_begin_capture(s, ci, &id, base, err, sizeof(err)) == 0, "%s", err);
	return id;
}

static void
write_flow(struct store *s, int64_t cap, struct flow *f)
{
	char err[512] = "";

	ck_assert_msg(store_write_flow(s, cap, f, err, sizeof(err)) == 0, "%s", err);
}

static void
finding(struct store *s, int64_t cap, const char *kind, uint64_t flow, enum tm_side side,
    const char *host, uint16_t port, int nframes)
{
	struct tm_finding fd = { .kind = kind, .flow_id = flow, .side = side,
	    .ts = SEC(T0 + 0.5), .port = port, .nframes = (size_t)nframes,
	    .frames = { 8, 11, 12 }, .vantage = TM_VANTAGE_MIDDLE, .detail = "detail text" };
	char err[512] = "";

	if (host != NULL)
		set_addr(&fd.host, host);
	ck_assert_msg(store_write_finding(s, cap, &fd, "test", err, sizeof(err)) == 0, "%s", err);
}

static void
end(struct store *s, int64_t cap, struct capture_info *ci)
{
	char err[512] = "";

	ck_assert_msg(store_end_capture(s, cap, ci, err, sizeof(err)) == 0, "%s", err);
}

/* The sample database of the man page's examples: five flows to one
 * server, both closers, a CLOSE-WAIT left over, an unanswered SYN over
 * IPv6, a refused one, and findings. */
static void
write_sample(struct store *s)
{
	struct capture_info ci = capture("sample.pcap", 4096, 1763786100);
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);
	struct flow *f[5];

	f[0] = flow_client_closes(base + 1);
	f[1] = make_flow(base + 2, "10.0.0.3", 40001, "10.0.0.2", 80, T0 + 1, T0 + 2);
	set_outcome(f[1], HS_COMPLETE, CLOSE_FIN, CLOSER_SERVER, TM_CLOSED, TM_TIME_WAIT);
	f[2] = make_flow(base + 3, "10.0.0.1", 40002, "10.0.0.2", 80, T0 + 2, T0 + 9);
	set_outcome(f[2], HS_COMPLETE, CLOSE_HALF, CLOSER_CLIENT, TM_FIN_WAIT_2, TM_CLOSE_WAIT);
	f[3] = make_flow(base + 4, "2001:db8::1", 50000, "2001:db8::2", 443, T0 + 3, T0 + 6);
	set_outcome(f[3], HS_NO_ANSWER, CLOSE_NONE, CLOSER_NULL, TM_CLOSED, TM_UNKNOWN);
	f[4] = make_flow(base + 5, "10.0.0.4", 40003, "10.0.0.2", 81, T0 + 4, T0 + 4.1);
	set_outcome(f[4], HS_REFUSED, CLOSE_RST, CLOSER_SERVER, TM_CLOSED, TM_CLOSED);
	f[0]->findings = f[2]->findings = 1;    /* those written below */
	for (int i = 0; i < 5; i++) {
		write_flow(s, cap, f[i]);
		free_flow(f[i]);
	}
	finding(s, cap, "fin-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 2);
	finding(s, cap, "close-wait-stuck", base + 3, TM_SERVER, "10.0.0.2", 80, 1);
	finding(s, cap, "syn-flood", 0, TM_NO_SIDE, "10.0.0.2", 80, 3);
	ci.packets = 40;
	ci.tcp_packets = 38;
	ci.bytes = 5000;
	ci.first_ts = SEC(T0);
	ci.last_ts = SEC(T0 + 9);
	ci.digest = 0x0123456789abcdefULL;
	ci.verdicts[DECODE_FRAGMENT] = 1;
	ci.verdicts[DECODE_NOT_TCP] = 1;
	ci.flows = 5;
	ci.clock_leaps = 2;
	ci.status = "complete";
	end(s, cap, &ci);
}

static void
write_many(struct store *s, int64_t cap, uint64_t base, int n)
{
	for (int i = 1; i <= n; i++) {
		struct flow *f = flow_client_closes(base + (uint64_t)i);

		f->v.port[TM_CLIENT] = (uint16_t)(1024 + i);
		write_flow(s, cap, f);
		free_flow(f);
	}
}

/* --- round trip -------------------------------------------------------- */

START_TEST(round_trip_capture_row_every_column)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	write_sample(s);
	ck_assert_str_eq(sql_text(db, "SELECT path || '|' || source || '|' || size || '|' || "
	    "mtime || '|' || digest || '|' || link_types || '|' || profile || '|' || vantage "
	    "|| '|' || status FROM captures"),
	    "sample.pcap|file|4096|1763786100|0123456789abcdef|EN10MB|linux|middle|complete");
	ck_assert_str_eq(sql_text(db, "SELECT packets || ',' || tcp_packets || ',' || bytes || "
	    "',' || fragments || ',' || truncated || ',' || malformed || ',' || unsupported "
	    "|| ',' || non_tcp || ',' || drops || ',' || flows || ',' || flows_evicted "
	    "|| ',' || peak_flows || ',' || clock_leaps FROM captures"),
	    "40,38,5000,1,0,0,0,1,0,5,0,0,2");
	ck_assert_str_eq(sql_text(db, "SELECT printf('%.6f %.6f', first_ts, last_ts) FROM captures"),
	    "1763786000.000000 1763786009.000000");
	ck_assert_str_eq(sql_text(db, "SELECT interface FROM captures"), "NULL");
	ck_assert_str_eq(sql_text(db, "SELECT damage FROM captures"), "NULL");
	ck_assert_str_eq(sql_text(db, "SELECT tool_version FROM captures"), PACKAGE_VERSION);
	ck_assert_int_ge(sql_int(db, "SELECT analysed_at FROM captures"), (int64_t)time(NULL) - 60);
	store_close(s);
}
END_TEST

START_TEST(round_trip_flow_every_column)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	write_sample(s);
	ck_assert_str_eq(sql_text(db, "SELECT id || '|' || capture || '|' || family || '|' || "
	    "client || '|' || client_port || '|' || server || '|' || server_port FROM flows "
	    "WHERE id = 1"), "1|1|4|10.0.0.1|40000|10.0.0.2|80");
	ck_assert_str_eq(sql_text(db, "SELECT printf('%.6f %.6f %.6f', first_ts, last_ts, duration) "
	    "FROM flows WHERE id = 1"), "1763786000.000000 1763786000.500000 0.500000");
	ck_assert_str_eq(sql_text(db, "SELECT first_frame || ',' || last_frame || ',' || packets "
	    "|| ',' || bytes || ',' || client_packets || ',' || client_bytes || ',' || "
	    "server_packets || ',' || server_bytes FROM flows WHERE id = 1"), "1,9,9,6,5,4,4,2");
	ck_assert_str_eq(sql_text(db, "SELECT handshake || ' ' || close || ' ' || closer || ' ' "
	    "|| client_state || ' ' || server_state || ' ' || end_reason FROM flows WHERE id = 1"),
	    "complete fin client TIME-WAIT CLOSED closed");
	ck_assert_str_eq(sql_text(db, "SELECT client_isn || ' ' || server_isn || ' ' || "
	    "incarnation || ' ' || findings FROM flows WHERE id = 1"), "4000000000 17 1 1");
	ck_assert_str_eq(sql_text(db, "SELECT previous FROM flows WHERE id = 1"), "NULL");
	ck_assert_str_eq(sql_text(db, "SELECT client_isn FROM flows WHERE id = 2"), "NULL");
	ck_assert_str_eq(sql_text(db, "SELECT closer FROM flows WHERE id = 4"), "NULL");
	ck_assert_str_eq(sql_text(db, "SELECT family || ' ' || client || ' ' || server "
	    "|| ' ' || handshake || ' ' || server_state FROM flows WHERE id = 4"),
	    "6 2001:db8::1 2001:db8::2 no-answer UNKNOWN");
	store_close(s);
}
END_TEST

START_TEST(transitions_interleave_both_sides_sender_first)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	write_sample(s);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM transitions WHERE flow = 1"), 10);
	ck_assert_str_eq(sql_text(db, "SELECT group_concat(seq || ':' || side || ':' || new_state, ' ') "
	    "FROM (SELECT * FROM transitions WHERE flow = 1 ORDER BY seq)"),
	    "1:client:SYN-SENT 2:server:SYN-RECEIVED 3:client:ESTABLISHED "
	    "4:server:ESTABLISHED 5:client:FIN-WAIT-1 6:server:CLOSE-WAIT "
	    "7:client:FIN-WAIT-2 8:server:LAST-ACK 9:client:TIME-WAIT 10:server:CLOSED");
	ck_assert_str_eq(sql_text(db, "SELECT printf('%.6f', ts) || ' ' || old_state || ' ' || "
	    "frame || ' ' || cause FROM transitions WHERE flow = 1 AND seq = 8"),
	    "1763786000.450000 CLOSE-WAIT 8 send FIN");
	store_close(s);
}
END_TEST

START_TEST(timer_transition_has_null_frame)
{
	struct store *s = open_write();
	struct capture_info ci = capture("t.pcap", 1, 1);
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);
	struct flow *f = flow_client_closes(base + 1);

	add_transition(f, TM_CLIENT, T0 + 60.5, 0, TM_TIME_WAIT, TM_CLOSED, "timer 2MSL");
	write_flow(s, cap, f);
	end(s, cap, &ci);
	ck_assert_str_eq(sql_text(store_db(s), "SELECT seq || ' ' || coalesce(frame, 'NULL') || ' ' "
	    "|| cause FROM transitions ORDER BY seq DESC LIMIT 1"), "11 NULL timer 2MSL");
	free_flow(f);
	store_close(s);
}
END_TEST

START_TEST(ladder_flags_spelled_like_tcpdump)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	write_sample(s);
	ck_assert_str_eq(sql_text(db, "SELECT group_concat(sender || ' ' || flags, ', ') FROM "
	    "(SELECT * FROM segments WHERE flow = 1 ORDER BY seq)"),
	    "client S, server S., client ., client P., client F., server F., client R");
	ck_assert_str_eq(sql_text(db, "SELECT frame || ',' || last_frame || ',' || "
	    "printf('%.6f', ts) || ',' || printf('%.6f', last_ts) || ',' || rel_seq || ',' || "
	    "rel_ack || ',' || len || ',' || win || ',' || count || ',' || retransmission "
	    "FROM segments WHERE flow = 1 AND seq = 4"),
	    "4,4,1763786000.250000,1763786000.250000,1,1,4,502,1,0");
	store_close(s);
}
END_TEST

START_TEST(findings_round_trip_flow_and_host_level)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	write_sample(s);
	ck_assert_str_eq(sql_text(db, "SELECT capture || '|' || kind || '|' || flow || '|' || side "
	    "|| '|' || printf('%.6f', ts) || '|' || host || '|' || port || '|' || frames || '|' "
	    "|| detail || '|' || vantage || '|' || detector FROM findings WHERE kind = 'fin-lost'"),
	    "1|fin-lost|1|client|1763786000.500000|10.0.0.1|40000|[8,11]|detail text|middle|test");
	ck_assert_str_eq(sql_text(db, "SELECT coalesce(flow, 'NULL') || ' ' || coalesce(side, "
	    "'NULL') || ' ' || host || ' ' || port || ' ' || frames FROM findings "
	    "WHERE kind = 'syn-flood'"), "NULL NULL 10.0.0.2 80 [8,11,12]");
	ck_assert_str_eq(sql_text(db, "SELECT json_array_length(frames) FROM findings "
	    "WHERE kind = 'syn-flood'"), "3");
	ck_assert_str_eq(sql_text(db, "SELECT group_concat(id || ':' || findings) FROM (SELECT id, findings FROM flows ORDER BY id)"),
	    "1:1,2:0,3:1,4:0,5:0");
	store_close(s);
}
END_TEST

/* A flow's count is written with it (the analysis counts the findings
 * reported while it handles the flow); only a capture where a finding
 * named another flow has the counts taken from the findings at its end. */
START_TEST(findings_counts_come_with_the_flows_or_from_one_pass)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("first.pcap", 10, 10);
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);
	struct flow *f = flow_client_closes(base + 1);

	f->findings = 2;
	write_flow(s, cap, f);
	free_flow(f);
	finding(s, cap, "fin-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 1);
	ci.status = "complete";
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(db, "SELECT findings FROM flows WHERE capture = 1"), 2);

	ci = capture("second.pcap", 20, 20);
	cap = begin(s, &ci, &base);
	f = flow_client_closes(base + 1);
	write_flow(s, cap, f);
	free_flow(f);
	finding(s, cap, "fin-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 1);
	finding(s, cap, "fin-ack-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 1);
	ci.findings_elsewhere = 1;
	ci.status = "complete";
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(db, "SELECT findings FROM flows WHERE capture = 2"), 2);
	ck_assert_int_eq(sql_int(db, "SELECT findings FROM flows WHERE capture = 1"), 2);
	store_close(s);
}
END_TEST

START_TEST(flow_ids_continue_after_previous_capture)
{
	struct store *s = open_write();
	struct capture_info ci = capture("second.pcap", 10, 10);
	uint64_t base;
	int64_t cap;

	write_sample(s);
	cap = begin(s, &ci, &base);
	ck_assert_int_eq(cap, 2);
	ck_assert_uint_eq(base, 5);
	store_abort_capture(s);
	store_close(s);
}
END_TEST

/* The man page's TRANSACTIONS section deletes a capture with exactly
 * these statements; all its rows must go, the other capture's must stay. */
/* A second capture after the sample: two flows and a finding, its
 * transaction left open for the caller to end (CI). */
static int64_t
begin_second(struct store *s, struct capture_info *ci)
{
	uint64_t base;
	int64_t cap;

	*ci = capture("second.pcap", 10, 10);
	cap = begin(s, ci, &base);
	write_many(s, cap, base, 2);
	finding(s, cap, "fin-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 1);
	return cap;
}

START_TEST(deleting_capture_cascades_to_its_rows)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci;
	int64_t cap;

	write_sample(s);
	cap = begin_second(s, &ci);
	end(s, cap, &ci);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA foreign_keys = ON;"
	    "DELETE FROM captures WHERE id = 1;", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows"), 2);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows WHERE capture = 1"), 0);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM transitions"), 20);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM segments"), 14);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM findings"), 1);
	store_close(s);
}
END_TEST

/* The writer does not have SQLite check the references it makes (a
 * flow's capture, a detail's flow, a finding's capture): they must hold
 * all the same, and a capture replaced under --force takes its rows with
 * it, without the schema's cascades. */
START_TEST(references_hold_and_a_replaced_capture_leaves_no_row)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci;
	char err[512] = "";
	int64_t cap;

	write_sample(s);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	cap = begin_second(s, &ci);
	ck_assert_msg(store_delete_capture(s, 1, err, sizeof(err)) == 0, "%s", err);
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM captures"), 1);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows"), 2);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flow_details"), 2);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM findings"), 1);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	store_close(s);
}
END_TEST

START_TEST(flow_id_of_another_capture_refused_untouched)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("second.pcap", 10, 10);
	struct flow *f = flow_client_closes(1);
	char err[512] = "", want[256];
	uint64_t base;
	int64_t cap;

	write_sample(s);
	cap = begin(s, &ci, &base);
	f->stored = _i;         /* written before (an upsert), or new (an INSERT) */
	f->v.port[TM_CLIENT] = 1234;
	ck_assert_int_eq(store_write_flow(s, cap, f, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: flow id 1 already belongs to another capture", dbpath);
	ck_assert_str_eq(err, want);
	end(s, cap, &ci);
	ck_assert_str_eq(sql_text(db, "SELECT capture || ' ' || client_port FROM flows WHERE id = 1"),
	    "1 40000");
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM transitions WHERE flow = 1"), 10);
	free_flow(f);
	store_close(s);
}
END_TEST

START_TEST(write_outside_capture_refused)
{
	struct store *s = open_write();
	struct flow *f = flow_client_closes(1);
	char err[512] = "", want[256];

	snprintf(want, sizeof(want), "%s: no capture is being written (no open transaction)",
	    dbpath);
	ck_assert_int_eq(store_write_flow(s, 1, f, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 0);
	free_flow(f);
	store_close(s);
}
END_TEST

/* Long timelines and ladders cross the writer's batches and runs: every
 * row once, numbered without gaps, in time order. */
START_TEST(long_timeline_and_ladder_numbered_without_gaps)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("long.pcap", 1, 1);
	struct flow *f = make_flow(1, "10.0.0.1", 1, "10.0.0.2", 2, T0, T0 + 200);
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);

	for (int k = 0; k < 151; k++) {
		add_transition(f, k % 3 ? TM_CLIENT : TM_SERVER, T0 + k, (uint64_t)k + 1,
		    TM_ESTABLISHED, TM_ESTABLISHED, "recv FIN");
		add_segment(f, k % 2 ? TM_CLIENT : TM_SERVER, T0 + k, (uint64_t)k + 1, TM_TH_ACK,
		    (uint32_t)k, 0, 0);
	}
	write_flow(s, cap, f);
	end(s, cap, &ci);
	ck_assert_str_eq(sql_text(db, "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) "
	    "FROM transitions"), "151 1 151");
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM transitions WHERE frame != seq"), 0);
	ck_assert_str_eq(sql_text(db, "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) "
	    "FROM segments"), "151 1 151");
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM segments WHERE frame != seq "
	    "OR rel_seq != seq - 1"), 0);
	free_flow(f);
	store_close(s);
}
END_TEST

/* --- schema and identity ----------------------------------------------- */

START_TEST(new_database_is_versioned_wal_with_application_row)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);

	ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_str_eq(sql_text(db, "PRAGMA journal_mode"), "wal");
	ck_assert_int_eq(sql_int(db, "PRAGMA foreign_keys"), 0);  /* see the next test */
	ck_assert_int_eq(sql_int(db, "PRAGMA synchronous"), 1);
	ck_assert_str_eq(sql_text(db, "SELECT value FROM meta WHERE key = 'application'"),
	    "tcpmortem");
	store_close(s);
	/* Reopening an existing database neither fails nor recreates it. */
	s = open_write();
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM meta"), 1);
	store_close(s);
}
END_TEST

/* Version 4's flows as version 3 stored them: timelines and ladders in
 * tables of their own (taken from the views), no state_names. */
static const char to_v3[] =
"CREATE TABLE t3 AS SELECT * FROM transitions;"
"CREATE TABLE s3 AS SELECT * FROM segments;"
"DROP VIEW transitions; DROP VIEW segments; DROP TABLE state_names;"
"DROP TABLE flow_details;"
"ALTER TABLE captures DROP COLUMN flows_aggregated;"
"CREATE TABLE transitions (flow INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,"
" side TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL, old_state TEXT NOT NULL,"
" new_state TEXT NOT NULL, frame INTEGER, cause TEXT NOT NULL, PRIMARY KEY (flow, seq))"
" WITHOUT ROWID;"
"CREATE TABLE segments (flow INTEGER NOT NULL REFERENCES flows(id) ON DELETE CASCADE,"
" seq INTEGER NOT NULL, frame INTEGER NOT NULL, last_frame INTEGER NOT NULL,"
" ts REAL NOT NULL, last_ts REAL NOT NULL, sender TEXT NOT NULL, flags TEXT NOT NULL,"
" rel_seq INTEGER NOT NULL, rel_ack INTEGER NOT NULL, len INTEGER NOT NULL,"
" win INTEGER NOT NULL, count INTEGER NOT NULL, retransmission INTEGER NOT NULL,"
" PRIMARY KEY (flow, seq)) WITHOUT ROWID;"
"INSERT INTO transitions SELECT * FROM t3; INSERT INTO segments SELECT * FROM s3;"
"DROP TABLE t3; DROP TABLE s3;";

/* Every timeline and ladder row, as text (times to the microsecond). */
static const char children_sql[] =
"SELECT (SELECT group_concat(flow || side || seq || printf('%.6f', ts) || old_state"
" || new_state || coalesce(frame, '-') || cause, '|') FROM transitions) || '#' ||"
" (SELECT group_concat(flow || seq || frame || last_frame || printf('%.6f', ts) ||"
" printf('%.6f', last_ts) || sender || flags || rel_seq || rel_ack || len || win ||"
" count || retransmission, '|') FROM segments)";

/* A version 1 file (before clock_leaps, with version 3's tables) is read as
 * it is, and upgraded in place when written to, keeping its rows: the
 * timelines and ladders come out of the upgrade as they went in. */
START_TEST(older_schema_read_as_is_upgraded_on_write)
{
	struct store *s = open_write();
	struct capture_info ci = capture("new.pcap", 2, 2);
	char err[512] = "", *before, *after;
	uint64_t base;
	int64_t cap;

	write_sample(s);
	before = sql_dup(store_db(s), children_sql);
	ck_assert_int_ge(sql_int(store_db(s), "SELECT count(*) FROM transitions"), 10);
	ck_assert_int_eq(sqlite3_exec(store_db(s), to_v3, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(store_db(s), "ALTER TABLE captures DROP COLUMN clock_leaps;"
	    "PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
	after = sql_dup(store_db(s), children_sql);
	ck_assert_str_eq(after, before);
	free(after);
	store_close(s);
	s = store_open(dbpath, STORE_READ, 200, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sql_int(store_db(s), "PRAGMA user_version"), 1);
	store_close(s);
	s = open_write();
	ck_assert_int_eq(sql_int(store_db(s), "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT clock_leaps FROM captures WHERE id = 1"), 0);
	after = sql_dup(store_db(s), children_sql);
	ck_assert_str_eq(after, before);
	free(after);
	ci.clock_leaps = 3;
	cap = begin(s, &ci, &base);
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT clock_leaps FROM captures WHERE id = 2"), 3);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 5);
	free(before);
	store_close(s);
}
END_TEST

START_TEST(reimport_found_by_path_size_mtime_or_digest)
{
	struct store *s = open_write();

	write_sample(s);
	ck_assert_int_eq(store_find_capture(s, "sample.pcap", 4096, 1763786100, 0), 1);
	ck_assert_int_eq(store_find_capture(s, "sample.pcap", 4096, 1763786101, 0), 0);
	ck_assert_int_eq(store_find_capture(s, "sample.pcap", 4097, 1763786100, 0), 0);
	ck_assert_int_eq(store_find_capture(s, "other.pcap", 4096, 1763786100, 0), 0);
	ck_assert_int_eq(store_find_capture(s, NULL, -1, 0, 0x0123456789abcdefULL), 1);
	ck_assert_int_eq(store_find_capture(s, "moved.pcap", 1, 1, 0x0123456789abcdefULL), 1);
	ck_assert_int_eq(store_find_capture(s, NULL, -1, 0, 0x0123456789abcdeeULL), 0);
	/* A pipe has no identity but its digest. */
	ck_assert_int_eq(store_find_capture(s, "-", -1, 0, 0), 0);
	store_close(s);
}
END_TEST

START_TEST(reader_sees_written_database)
{
	char err[512] = "";
	struct store *s = open_write();

	write_sample(s);
	store_close(s);
	s = store_open(dbpath, STORE_READ, 200, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 5);
	store_close(s);
}
END_TEST

/* --- transactions ------------------------------------------------------ */

static void
read_file(const char *path, char **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	*len = (size_t)ftell(fp);
	rewind(fp);
	*buf = malloc(*len + 1);
	ck_assert_uint_eq(fread(*buf, 1, *len, fp), *len);
	fclose(fp);
}

START_TEST(abort_leaves_file_byte_for_byte)
{
	struct store *s = open_write();
	struct capture_info ci = capture("big.pcap", 1, 1);
	char *before, *after;
	size_t nbefore, nafter;
	uint64_t base;
	int64_t cap;

	write_sample(s);
	store_close(s);
	read_file(dbpath, &before, &nbefore);
	s = open_write();
	cap = begin(s, &ci, &base);
	write_many(s, cap, base, 3000);     /* enough to spill to the WAL */
	store_abort_capture(s);
	store_close(s);
	read_file(dbpath, &after, &nafter);
	ck_assert_uint_eq(nbefore, nafter);
	ck_assert_msg(memcmp(before, after, nafter) == 0, "database file changed");
	free(before);
	free(after);
}
END_TEST

START_TEST(kill_9_mid_capture_leaves_database_as_it_was)
{
	pid_t pid;
	int status;
	struct store *s = open_write();

	write_sample(s);
	store_close(s);
	if ((pid = fork()) == 0) {
		struct capture_info ci = capture("killed.pcap", 1, 1);
		uint64_t base;
		int64_t cap;

		s = open_write();
		cap = begin(s, &ci, &base);
		write_many(s, cap, base, 3000);
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = open_write();
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM captures"), 1);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 5);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM transitions"), 10);
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	store_close(s);
}
END_TEST

static const char *
journal_mode(struct store *s)
{
	return sql_text(store_db(s), "PRAGMA journal_mode");
}

static int
journal_left(void)
{
	char journal[160];

	snprintf(journal, sizeof(journal), "%s-journal", dbpath);
	return access(journal, F_OK) == 0;
}

/* The first bulk capture of an empty file goes without the WAL (every page
 * written once); the file is in WAL mode again after it, and the next
 * capture, into a file that holds one, is written in WAL mode. */
START_TEST(first_capture_into_empty_file_skips_the_wal)
{
	struct store *s = open_write();
	struct capture_info ci = capture("first.pcap", 1, 1);
	uint64_t base;
	int64_t cap;

	ck_assert_int_eq(sql_int(store_db(s), "PRAGMA cache_size"), -8192);
	ci.bulk = 1;
	cap = begin(s, &ci, &base);
	ck_assert_str_eq(journal_mode(s), "delete");
	/* Rows appended, indices built at the end: a small cache meanwhile. */
	ck_assert_int_eq(sql_int(store_db(s), "PRAGMA cache_size"), -1024);
	write_many(s, cap, base, 3000);
	ci.status = "complete";
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(store_db(s), "PRAGMA cache_size"), -8192);
	ck_assert_str_eq(journal_mode(s), "wal");
	ck_assert(!journal_left());
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 3000);
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	ci = capture("second.pcap", 2, 2);
	ci.bulk = 1;
	cap = begin(s, &ci, &base);
	ck_assert_str_eq(journal_mode(s), "wal");
	write_many(s, cap, base, 10);
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 3010);
	store_close(s);
}
END_TEST

/* Someone else has the file open: the capture stays in WAL mode (the
 * switch would need the file to ourselves) and is written all the same. */
START_TEST(first_capture_stays_in_wal_while_another_has_the_file)
{
	struct store *s = open_write();
	struct capture_info ci = capture("first.pcap", 1, 1);
	sqlite3 *other;
	uint64_t base;
	int64_t cap;

	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	ck_assert_str_eq(sql_text(other, "SELECT count(*) FROM flows"), "0");
	ci.bulk = 1;
	cap = begin(s, &ci, &base);
	ck_assert_str_eq(journal_mode(s), "wal");
	write_many(s, cap, base, 100);
	end(s, cap, &ci);
	ck_assert_str_eq(sql_text(other, "SELECT count(*) FROM flows"), "100");
	sqlite3_close(other);
	store_close(s);
}
END_TEST

/* kill -9 in the middle of a first capture leaves a journal; a reader
 * (read-only) plays it back and finds the file as it was before. */
START_TEST(reader_rolls_back_a_killed_first_capture)
{
	struct store *s = open_write();
	char err[512] = "";
	pid_t pid;
	int status;

	store_close(s);
	if ((pid = fork()) == 0) {
		struct capture_info ci = capture("killed.pcap", 1, 1);
		uint64_t base;
		int64_t cap;

		ci.bulk = 1;
		s = open_write();
		cap = begin(s, &ci, &base);
		write_many(s, cap, base, 20000);    /* past the cache: pages in place */
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert(journal_left());
	s = store_open(dbpath, STORE_READ, 200, err, sizeof(err));
	ck_assert_msg(s != NULL, "store_open: %s", err);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM captures"), 0);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 0);
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	store_close(s);
	ck_assert(!journal_left());
}
END_TEST

START_TEST(checkpoint_then_rewrite_does_not_duplicate_flow)
{
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("live", -1, 0);
	char err[512] = "";
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);
	struct flow *f = flow_client_closes(base + 1);

	f->v.end_reason = TM_END_OPEN;
	f->tl[TM_CLIENT].n = 3;     /* still open: only the handshake so far */
	f->tl[TM_SERVER].n = 2;
	f->nladder = 3;
	write_flow(s, cap, f);
	finding(s, cap, "fin-lost", base + 1, TM_CLIENT, "10.0.0.1", 40000, 1);
	ck_assert_msg(store_checkpoint(s, cap, &ci, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(sql_int(db, "SELECT findings FROM flows"), 1);
	f->stored = 1;
	f->findings = 1;
	f->tl[TM_CLIENT].n = 5;
	f->tl[TM_SERVER].n = 5;
	f->nladder = 7;
	f->v.end_reason = TM_END_CLOSED;
	write_flow(s, cap, f);
	ci.status = "complete";
	end(s, cap, &ci);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows"), 1);
	ck_assert_str_eq(sql_text(db, "SELECT end_reason || ' ' || findings FROM flows"), "closed 1");
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM transitions"), 10);
	ck_assert_int_eq(sql_int(db, "SELECT max(seq) FROM transitions"), 10);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM segments"), 7);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM captures"), 1);
	ck_assert_str_eq(sql_text(db, "SELECT coalesce(size, 'NULL') || ' ' || status FROM captures"),
	    "NULL complete");
	free_flow(f);
	store_close(s);
}
END_TEST

START_TEST(checkpoint_commits_what_was_written)
{
	struct store *s = open_write();
	struct capture_info ci = capture("live", -1, 0);
	char err[512] = "";
	uint64_t base;
	int64_t cap = begin(s, &ci, &base);
	sqlite3 *other;

	write_many(s, cap, base, 10);
	ck_assert_msg(store_checkpoint(s, cap, &ci, err, sizeof(err)) == 0, "%s", err);
	write_many(s, cap, base + 10, 5);
	/* Another connection (the browser) sees the checkpoint, not the rest. */
	ck_assert_int_eq(sqlite3_open_v2(dbpath, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sql_int(other, "SELECT count(*) FROM flows"), 10);
	ck_assert_str_eq(sql_text(other, "SELECT status FROM captures"), "running");
	store_abort_capture(s);
	ck_assert_int_eq(sql_int(other, "SELECT count(*) FROM flows"), 10);
	sqlite3_close(other);
	store_close(s);
}
END_TEST

/* --- refusals ---------------------------------------------------------- */

static void
expect_open_error(enum store_mode mode, const char *needle)
{
	char err[512] = "";
	struct store *s = store_open(dbpath, mode, 200, err, sizeof(err));

	ck_assert_msg(s == NULL, "store_open succeeded; expected \"%s\"", needle);
	ck_assert_msg(strstr(err, needle) != NULL, "error \"%s\" lacks \"%s\"", err, needle);
	ck_assert_msg(strchr(err, '\n') == NULL, "error is not one line: %s", err);
}

static void
write_bytes(const char *path, const char *bytes, size_t n)
{
	FILE *fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(bytes, 1, n, fp), n);
	fclose(fp);
}

/* --- a capture analysed apart (store_open_scratch, store_copy_part) ---- */

/* One capture, as an analysis writes it into a scratch store at PATH:
 * flow 1 (client closes), flow 2 (refused), flow 3 (the second
 * incarnation of flow 1's 4-tuple), findings on 1 and 3 and one of the
 * host. */
static void
write_part(const char *path)
{
	char err[512] = "";
	struct store *p = store_open_scratch(path, err, sizeof(err));
	struct capture_info ci = capture("part.pcap", 99, 99);
	struct tm_previous pv = { .flow_id = 1 };
	struct flow *f[3];
	uint64_t base;
	int64_t cap;

	ck_assert_msg(p != NULL, "%s", err);
	ci.bulk = 1;
	cap = begin(p, &ci, &base);
	ck_assert_uint_eq(base, 0);
	f[0] = flow_client_closes(1);
	f[1] = make_flow(2, "10.0.0.4", 40003, "10.0.0.2", 81, T0 + 4, T0 + 4.1);
	set_outcome(f[1], HS_REFUSED, CLOSE_RST, CLOSER_SERVER, TM_CLOSED, TM_CLOSED);
	f[2] = flow_client_closes(3);
	f[2]->v.incarnation = 2;
	f[2]->v.previous = &pv;
	f[0]->findings = f[2]->findings = 1;    /* those written below */
	for (int i = 0; i < 3; i++) {
		write_flow(p, cap, f[i]);
		free_flow(f[i]);
	}
	finding(p, cap, "fin-lost", 1, TM_CLIENT, "10.0.0.1", 40000, 2);
	finding(p, cap, "syn-flood", 0, TM_NO_SIDE, "10.0.0.2", 80, 3);
	finding(p, cap, "isn-reuse", 3, TM_CLIENT, "10.0.0.1", 40000, 1);
	ci.status = "complete";
	ci.flows = 3;
	end(p, cap, &ci);
	store_close(p);
}

/* attach, begin, copy, end, detach, as analysis_merge does. */
static int64_t
copy_part(struct store *s, const char *path, uint64_t *base)
{
	struct capture_info ci = capture("merged.pcap", 7, 7);
	char err[512] = "";
	int64_t cap;

	ci.bulk = 1;
	ci.expected_flows = 3;
	ck_assert_msg(store_attach_part(s, path, err, sizeof(err)) == 0, "%s", err);
	cap = begin(s, &ci, base);
	ck_assert_msg(store_copy_part(s, cap, *base, err, sizeof(err)) == 0, "%s", err);
	ci.status = "complete";
	end(s, cap, &ci);
	store_detach_part(s);
	return cap;
}

START_TEST(copied_capture_takes_the_next_ids_with_its_references)
{
	char part[160];
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	uint64_t base;
	int64_t cap;
	char *before, *after;

	snprintf(part, sizeof(part), "%s/part", dir);
	write_part(part);
	write_sample(s);
	write_sample(s);        /* capture 2, flows 6-10 */
	cap = copy_part(s, part, &base);
	ck_assert_int_eq(cap, 3);
	ck_assert_uint_eq(base, 10);
	/* Ids, the previous flow and the findings' flows moved up by 10. */
	ck_assert_str_eq(sql_text(db, "SELECT group_concat(id || ':' || capture || ':' || "
	    "coalesce(previous, '-') || ':' || findings, ' ') FROM (SELECT * FROM flows "
	    "WHERE capture = 3 ORDER BY id)"), "11:3:-:1 12:3:-:0 13:3:11:1");
	ck_assert_str_eq(sql_text(db, "SELECT group_concat(id || ':' || coalesce(flow, '-') || "
	    "':' || kind, ' ') FROM (SELECT * FROM findings WHERE capture = 3 ORDER BY id)"),
	    "7:11:fin-lost 8:-:syn-flood 9:13:isn-reuse");
	/* Everything else as written: flow 11 is the part's flow 1, as flow 1. */
	before = sql_dup(db, "SELECT json_array(client, client_port, first_ts, handshake, "
	    "client_isn, timeline, ladder) FROM flows JOIN flow_details ON flow = id WHERE id = 1");
	after = sql_dup(db, "SELECT json_array(client, client_port, first_ts, handshake, "
	    "client_isn, timeline, ladder) FROM flows JOIN flow_details ON flow = id WHERE id = 11");
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	ck_assert_str_eq(sql_text(db, "PRAGMA integrity_check"), "ok");
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM pragma_database_list WHERE name = 'part'"), 0);
	store_close(s);
}
END_TEST

/* The part brings more flows than the file holds: the indices are
 * dropped in the transaction and built at the end, and all are there
 * after. */
START_TEST(copy_into_a_smaller_database_builds_every_index_again)
{
	char part[160], err[512] = "";
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("small.pcap", 5, 5);
	const char *count = "SELECT count(*) FROM sqlite_master WHERE type = 'index'";
	int64_t cap, indices;
	uint64_t base;

	snprintf(part, sizeof(part), "%s/part", dir);
	write_part(part);
	cap = begin(s, &ci, &base);
	write_many(s, cap, base, 2);
	end(s, cap, &ci);
	indices = sql_int(db, count);
	ci = capture("merged.pcap", 7, 7);
	ci.bulk = 1;
	ci.expected_flows = 3;
	ck_assert_int_eq(store_attach_part(s, part, err, sizeof(err)), 0);
	cap = begin(s, &ci, &base);
	ck_assert_int_lt(sql_int(db, count), indices);
	ck_assert_int_eq(store_copy_part(s, cap, base, err, sizeof(err)), 0);
	end(s, cap, &ci);
	store_detach_part(s);
	ck_assert_int_eq(sql_int(db, count), indices);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows INDEXED BY flows_server "
	    "WHERE server = '10.0.0.2'"), 5);
	ck_assert_str_eq(sql_text(db, "PRAGMA integrity_check"), "ok");
	store_close(s);
}
END_TEST

/* A scratch store is for one capture, never read by anyone else: no index
 * on flows, no journal on disk, a small cache (rows only appended), and
 * never an existing file. */
START_TEST(scratch_store_has_no_flow_index_and_refuses_an_existing_file)
{
	char part[160], err[512] = "";
	struct store *p;
	sqlite3 *db;

	snprintf(part, sizeof(part), "%s/part", dir);
	write_part(part);
	ck_assert_ptr_null(store_open_scratch(part, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "exists already"));
	ck_assert_int_eq(sqlite3_open(part, &db), SQLITE_OK);
	ck_assert_str_eq(sql_text(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
	    "AND tbl_name IN ('flows', 'findings')"), "0");
	ck_assert_str_eq(sql_text(db, "SELECT count(*) FROM flows"), "3");
	sqlite3_close(db);
	snprintf(part, sizeof(part), "%s/other", dir);
	p = store_open_scratch(part, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_str_eq(sql_text(store_db(p), "PRAGMA journal_mode"), "memory");
	ck_assert_int_eq(sql_int(store_db(p), "PRAGMA cache_size"), -1024);
	store_close(p);
}
END_TEST

/* A part without the tables (not one of ours): the copy fails, says so,
 * and the capture's transaction leaves nothing behind. */
START_TEST(failed_copy_rolls_the_capture_back)
{
	char part[160], err[512] = "";
	struct store *s = open_write();
	sqlite3 *db = store_db(s);
	struct capture_info ci = capture("merged.pcap", 7, 7);
	uint64_t base;
	int64_t cap;
	FILE *fp;

	snprintf(part, sizeof(part), "%s/part", dir);
	ck_assert_ptr_nonnull(fp = fopen(part, "w"));
	fclose(fp);
	write_sample(s);
	ck_assert_int_eq(store_attach_part(s, part, err, sizeof(err)), 0);
	cap = begin(s, &ci, &base);
	ck_assert_int_eq(store_copy_part(s, cap, base, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no such table") != NULL, "%s", err);
	store_abort_capture(s);
	store_detach_part(s);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM captures"), 1);
	ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM flows"), 5);
	store_close(s);
}
END_TEST

/* --- indices held over several captures ------------------------------------ */

#define FLOW_INDICES "SELECT count(*) FROM sqlite_master WHERE type = 'index' " \
	"AND tbl_name IN ('flows', 'findings')"
#define PENDING "SELECT count(*) FROM meta WHERE key = 'pending_indices'"

/* One bulk capture of N flows under the hold, committed. */
static void
held_capture(struct store *s, const char *path, int n)
{
	struct capture_info ci = capture(path, n, n);
	uint64_t base;
	int64_t cap;

	ci.bulk = 1;
	cap = begin(s, &ci, &base);
	write_many(s, cap, base, n);
	ci.status = "complete";
	end(s, cap, &ci);
}

/* Three captures into an empty file: the indices are dropped in the
 * first one's transaction, stay away (and recorded as pending in meta,
 * seen by another connection) while the captures are committed one by
 * one in the rollback journal, and come back, with the statistics, at the
 * release; then the file is in WAL mode again. */
START_TEST(held_indices_built_once_after_the_last_capture)
{
	struct store *s = open_write();
	int64_t indices = sql_int(store_db(s), FLOW_INDICES);
	char err[512] = "";
	sqlite3 *other;

	ck_assert_int_gt(indices, 10);
	ck_assert_int_eq(store_hold_indices(s), 1);
	held_capture(s, "one.pcap", 6000);
	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	ck_assert_int_eq(sql_int(other, FLOW_INDICES), 0);
	ck_assert_int_eq(sql_int(other, PENDING), 1);
	ck_assert_int_eq(sql_int(other, "SELECT count(*) FROM flows"), 6000);
	sqlite3_close(other);
	ck_assert_str_eq(journal_mode(s), "delete");
	held_capture(s, "two.pcap", 3000);
	held_capture(s, "three.pcap", 2000);
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), 0);
	ck_assert_int_eq(store_release_indices(s, err, sizeof(err)), 0);
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), indices);
	ck_assert_int_eq(sql_int(store_db(s), PENDING), 0);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM sqlite_stat1 "
	    "WHERE idx = 'flows_server'"), 1);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows INDEXED BY "
	    "flows_client WHERE client = '10.0.0.1'"), 11000);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(DISTINCT capture) FROM flows"), 3);
	ck_assert_str_eq(journal_mode(s), "wal");
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	ck_assert_int_eq(store_release_indices(s, err, sizeof(err)), 0); /* once only */
	store_close(s);
}
END_TEST

/* A file that holds rows keeps its indices up to date capture by capture:
 * no hold. */
START_TEST(no_hold_on_a_database_that_holds_rows)
{
	struct store *s = open_write();
	int64_t indices;

	write_sample(s);
	indices = sql_int(store_db(s), FLOW_INDICES);
	ck_assert_int_eq(store_hold_indices(s), 0);
	held_capture(s, "more.pcap", 10);
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), indices);
	ck_assert_str_eq(journal_mode(s), "wal");
	store_close(s);
}
END_TEST

/* A capture that fails under the hold rolls back alone: the captures
 * before it stay, the indices are still pending and built at the release. */
START_TEST(aborted_capture_under_hold_keeps_the_others)
{
	struct store *s = open_write();
	int64_t indices = sql_int(store_db(s), FLOW_INDICES);
	struct capture_info ci = capture("failed.pcap", 9, 9);
	char err[512] = "";
	uint64_t base;
	int64_t cap;

	ck_assert_int_eq(store_hold_indices(s), 1);
	held_capture(s, "one.pcap", 100);
	ci.bulk = 1;
	cap = begin(s, &ci, &base);
	write_many(s, cap, base, 50);
	store_abort_capture(s);
	ck_assert_int_eq(sql_int(store_db(s), PENDING), 1);
	held_capture(s, "two.pcap", 20);
	ck_assert_int_eq(store_release_indices(s, err, sizeof(err)), 0);
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), indices);
	ck_assert_str_eq(sql_text(store_db(s), "SELECT group_concat(path || ':' || "
	    "(SELECT count(*) FROM flows WHERE capture = captures.id)) FROM captures"),
	    "one.pcap:100,two.pcap:20");
	store_close(s);
}
END_TEST

/* kill -9 between two captures of a hold: the committed capture is
 * readable (without indices), and the next writer builds them before
 * anything else. */
START_TEST(killed_hold_leaves_indices_to_the_next_writer)
{
	struct store *s = open_write();
	int64_t indices = sql_int(store_db(s), FLOW_INDICES);
	char err[512] = "";
	pid_t pid;
	int status;

	store_close(s);
	if ((pid = fork()) == 0) {
		s = open_write();
		if (store_hold_indices(s) != 1)
			_exit(1);
		held_capture(s, "one.pcap", 500);
		raise(SIGKILL);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	s = store_open(dbpath, STORE_READ, 200, err, sizeof(err));
	ck_assert_msg(s != NULL, "store_open: %s", err);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows WHERE "
	    "client = '10.0.0.1'"), 500);
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), 0);
	store_close(s);
	s = open_write();
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), indices);
	ck_assert_int_eq(sql_int(store_db(s), PENDING), 0);
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	store_close(s);
}
END_TEST

/* The disk fills while the held indices are built: the release says so,
 * the captures stay, the indices stay pending, and the next writer, with
 * room again, builds them. */
START_TEST(disk_full_at_the_release_leaves_the_indices_pending)
{
	char err[512] = "", filler[160], want[256];
	struct store *s;
	int64_t indices;
	FILE *fp;
	int rc;

	if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, "size=16m,mode=0755") != 0) {
		fprintf(stderr, "disk_full_at_the_release_leaves_the_indices_pending: skipped (%s)\n",
		    geteuid() != 0 ? "not root" : strerror(errno));
		return;
	}
	s = open_write();
	indices = sql_int(store_db(s), FLOW_INDICES);
	ck_assert_int_eq(store_hold_indices(s), 1);
	held_capture(s, "one.pcap", 3000);
	held_capture(s, "two.pcap", 3000);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	ck_assert_ptr_nonnull(fp = fopen(filler, "w"));
	while (fputc(0, fp) != EOF)     /* every byte left */
		;
	fclose(fp);
	rc = store_release_indices(s, err, sizeof(err));
	store_close(s);
	snprintf(want, sizeof(want), "%s: disk full while ", dbpath);
	ck_assert_msg(rc == -1 && strncmp(err, want, strlen(want)) == 0, "rc %d, \"%s\"", rc, err);
	s = store_open(dbpath, STORE_READ, 200, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), 6000);
	ck_assert_int_eq(sql_int(store_db(s), PENDING), 1);
	store_close(s);
	unlink(filler);
	s = open_write();
	ck_assert_int_eq(sql_int(store_db(s), FLOW_INDICES), indices);
	ck_assert_int_eq(sql_int(store_db(s), PENDING), 0);
	ck_assert_str_eq(sql_text(store_db(s), "PRAGMA integrity_check"), "ok");
	store_close(s);
	umount(dir);
}
END_TEST

START_TEST(read_missing_database_says_run_analyze)
{
	char want[256];

	snprintf(want, sizeof(want), "no database at %s; run 'tcpmortem analyze' first", dbpath);
	expect_open_error(STORE_READ, want);
	ck_assert_int_eq(access(dbpath, F_OK), -1);     /* not created */
}
END_TEST

START_TEST(missing_directory_refused_naming_it)
{
	char want[256];

	snprintf(dbpath, sizeof(dbpath), "%s/no/such/dir/t.db", dir);
	snprintf(want, sizeof(want), "%s: directory %s/no/such/dir does not exist", dbpath, dir);
	expect_open_error(STORE_WRITE, want);
}
END_TEST

START_TEST(not_sqlite_file_refused_and_untouched)
{
	static const char text[] = "this is a capture, not a database\n"
	    "0123456789012345678901234567890123456789012345678901234567890123456789\n";
	char *after;
	size_t n;

	write_bytes(dbpath, text, sizeof(text) - 1);
	expect_open_error(STORE_WRITE, "not a tcpmortem database (not an SQLite file)");
	read_file(dbpath, &after, &n);
	ck_assert_uint_eq(n, sizeof(text) - 1);
	ck_assert(memcmp(after, text, n) == 0);
	free(after);
}
END_TEST

START_TEST(other_sqlite_database_refused_and_untouched)
{
	sqlite3 *db;
	char *before, *after;
	size_t nb, na;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE songs (title TEXT);"
	    "INSERT INTO songs VALUES ('x')", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	read_file(dbpath, &before, &nb);
	expect_open_error(STORE_WRITE, "not a tcpmortem database (an SQLite database of another");
	read_file(dbpath, &after, &na);
	ck_assert_uint_eq(na, nb);
	ck_assert_msg(memcmp(before, after, na) == 0, "file changed");
	strncat(dbpath, "-wal", sizeof(dbpath) - strlen(dbpath) - 1);
	ck_assert_int_eq(access(dbpath, F_OK), -1);
	free(before);
	free(after);
}
END_TEST

START_TEST(newer_schema_refused_naming_both_versions)
{
	struct store *s = open_write();
	char want[256];

	sqlite3_exec(store_db(s), "PRAGMA user_version = 7", NULL, NULL, NULL);
	store_close(s);
	snprintf(want, sizeof(want), "%s: database schema version 7 is newer than this "
	    "tcpmortem's (version %d)", dbpath, STORE_SCHEMA_VERSION);
	expect_open_error(STORE_WRITE, want);
	expect_open_error(STORE_READ, want);
}
END_TEST

START_TEST(locked_by_another_writer_waits_then_names_it)
{
	struct store *s = open_write();
	struct capture_info ci = capture("x.pcap", 1, 1);
	char err[512] = "", want[256];
	struct timespec t0, t1;
	uint64_t base;
	int64_t id;
	sqlite3 *other;

	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(store_begin_capture(s, &ci, &id, &base, err, sizeof(err)), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(want, sizeof(want), "%s: database is locked by another writer (waited 0.2 s)",
	    dbpath);
	ck_assert_str_eq(err, want);
	ck_assert_int_ge((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 150);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	/* Once the other writer is gone, the same store can write. */
	id = begin(s, &ci, &base);
	end(s, id, &ci);
	store_close(s);
}
END_TEST

/* Before a capture analysed apart is read: the lock is asked for and
 * given back, and a writer holding it is named as a capture would. */
START_TEST(try_write_says_locked_at_once_and_holds_nothing)
{
	struct store *s = open_write();
	char err[512] = "";
	sqlite3 *other;

	ck_assert_int_eq(store_try_write(s, err, sizeof(err)), 0);
	ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
	/* It gave the lock back: another writer takes it at once. */
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_try_write(s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "database is locked by another writer"));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	ck_assert_int_eq(store_try_write(s, err, sizeof(err)), 0);
	ck_assert_int_ne(sqlite3_get_autocommit(store_db(s)), 0);
	store_close(s);
}
END_TEST

/* Permissions do not stop root: as root, open in a child that became
 * nobody (so that the test's own cleanup keeps its privileges).  NEEDLE
 * is the error expected, or NULL when the open must succeed. */
static void
open_unprivileged(enum store_mode mode, const char *needle)
{
	char err[512] = "";
	struct store *s;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		if (needle != NULL)
			expect_open_error(mode, needle);
		return;
	}
	if ((pid = fork()) == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		s = store_open(dbpath, mode, 200, err, sizeof(err));
		store_close(s);
		if (needle == NULL ? s != NULL : s == NULL && strstr(err, needle) != NULL)
			_exit(0);
		fprintf(stderr, "as nobody: got \"%s\", expected \"%s\"\n",
		    s != NULL ? "success" : err, needle != NULL ? needle : "success");
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "opening as nobody: status %d (see above)", status);
}

START_TEST(read_only_file_refused)
{
	char want[256];
	struct store *s = open_write();

	write_sample(s);
	store_close(s);
	chmod(dbpath, 0444);
	chmod(dir, 0777);
	snprintf(want, sizeof(want), "%s: cannot write: Permission denied", dbpath);
	open_unprivileged(STORE_WRITE, want);
	open_unprivileged(STORE_READ, NULL);        /* reading it is still fine */
}
END_TEST

START_TEST(read_only_directory_refused)
{
	char want[256];

	chmod(dir, 0555);
	snprintf(want, sizeof(want), "%s: directory %s is not writable (Permission denied)",
	    dbpath, dir);
	open_unprivileged(STORE_WRITE, want);
	chmod(dir, 0755);
}
END_TEST

START_TEST(disk_full_rolls_back_with_clear_error)
{
	char err[512] = "", want[256], check[64];
	struct store *s;
	struct capture_info ci = capture("huge.pcap", 1, 1);
	int64_t captures, flows;
	uint64_t base;
	int64_t cap;
	int rc = 0, i;

	if (geteuid() != 0 || mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0755") != 0) {
		fprintf(stderr, "disk_full_rolls_back_with_clear_error: skipped (%s)\n",
		    geteuid() != 0 ? "not root" : strerror(errno));
		return;
	}
	s = open_write();
	write_sample(s);
	cap = begin(s, &ci, &base);
	for (i = 1; i < 200000 && rc == 0; i++) {
		struct flow *f = flow_client_closes(base + (uint64_t)i);

		rc = store_write_flow(s, cap, f, err, sizeof(err));
		free_flow(f);
	}
	if (rc == 0)
		rc = store_end_capture(s, cap, &ci, err, sizeof(err));
	store_abort_capture(s);
	store_close(s);
	s = open_write();
	captures = sql_int(store_db(s), "SELECT count(*) FROM captures");
	flows = sql_int(store_db(s), "SELECT count(*) FROM flows");
	snprintf(check, sizeof(check), "%s", sql_text(store_db(s), "PRAGMA integrity_check"));
	store_close(s);
	umount(dir);
	snprintf(want, sizeof(want), "%s: disk full while ", dbpath);
	ck_assert_msg(rc != 0 && strncmp(err, want, strlen(want)) == 0, "rc %d, error \"%s\"", rc, err);
	fprintf(stderr, "disk_full_rolls_back_with_clear_error: %s (after %d flows)\n", err, i);
	ck_assert_int_eq(captures, 1);
	ck_assert_int_eq(flows, 5);
	ck_assert_str_eq(check, "ok");
}
END_TEST

/* --- the man page's examples ------------------------------------------- */

/* Run every ".Bd -literal" block of tcpmortem.db(5)'s EXAMPLES on the
 * sample database; each must run and return at least one row. */
START_TEST(man_page_examples_run_on_sample)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[1024], sql[8192];
	int in_examples = 0, in_block = 0, examples = 0;
	struct store *s = open_write();
	FILE *fp;

	write_sample(s);
	snprintf(path, sizeof(path), "%s/man/tcpmortem.db.5", top != NULL ? top : "../..");
	ck_assert_msg((fp = fopen(path, "r")) != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in_examples = strcmp(line, ".Sh EXAMPLES\n") == 0;
		else if (in_examples && strncmp(line, ".Bd -literal", 12) == 0)
			in_block = 1, sql[0] = '\0';
		else if (in_block && strncmp(line, ".Ed", 3) == 0) {
			sqlite3_stmt *st;

			in_block = 0;
			examples++;
			ck_assert_msg(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK,
			    "example %d: %s\n%s", examples, sqlite3_errmsg(store_db(s)), sql);
			ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "example %d returns nothing:\n%s",
			    examples, sql);
			sqlite3_finalize(st);
		} else if (in_block)
			strncat(sql, line, sizeof(sql) - strlen(sql) - 1);
	}
	fclose(fp);
	ck_assert_int_ge(examples, 5);
	store_close(s);
}
END_TEST

/* --- speed ------------------------------------------------------------- */

/* TCPMORTEM_BENCH_FLOWS=1000000 measures; by default a quick 20000. */
START_TEST(many_flows_written_fast)
{
	const char *env = getenv("TCPMORTEM_BENCH_FLOWS");
	int n = env != NULL ? atoi(env) : 20000;
	struct store *s = open_write();
	struct capture_info ci = capture("bench.pcap", 1, 1);
	struct flow *f = flow_client_closes(0);
	struct timespec t0, t1;
	uint64_t base;
	int64_t cap;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cap = begin(s, &ci, &base);
	for (int i = 1; i <= n; i++) {
		f->v.id = base + (uint64_t)i;
		f->v.port[TM_CLIENT] = (uint16_t)i;
		f->v.addr[TM_CLIENT].bytes[3] = (uint8_t)(i >> 16);
		write_flow(s, cap, f);
	}
	end(s, cap, &ci);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "many_flows_written_fast: %d flows (10 transitions, 7 segments each) "
	    "in %.2f s, %.0f flows/s\n", n, secs, n / secs);
	ck_assert_int_eq(sql_int(store_db(s), "SELECT count(*) FROM flows"), n);
	if (n >= 10000) {
		/* The planner has statistics, and with them, a filter that
		 * matches every flow walks the sort order's index. */
		ck_assert_int_eq(sql_int(store_db(s),
		    "SELECT value FROM meta WHERE key = 'analyzed_flows'"), n);
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_prepare_v2(store_db(s), "EXPLAIN QUERY PLAN SELECT id"
		    " FROM flows f WHERE (f.client_port = 80 OR f.server_port = 80)"
		    " ORDER BY f.first_ts, f.id LIMIT 50", -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 3),
		    "SCAN f USING INDEX flows_first_ts");
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	free_flow(f);
	store_close(s);
}
END_TEST

/* Below 10000 flows no statistics are gathered (every plan is fast). */
START_TEST(no_statistics_for_a_small_database)
{
	struct store *s = open_write();

	write_sample(s);
	ck_assert_int_eq(sql_int(store_db(s),
	    "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"), 0);
	ck_assert_str_eq(sql_text(store_db(s),
	    "SELECT value FROM meta WHERE key = 'analyzed_flows'"), "NULL");
	store_close(s);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, round_trip_capture_row_every_column);
	tcase_add_test(tc, no_statistics_for_a_small_database);
	tcase_add_test(tc, round_trip_flow_every_column);
	tcase_add_test(tc, transitions_interleave_both_sides_sender_first);
	tcase_add_test(tc, timer_transition_has_null_frame);
	tcase_add_test(tc, ladder_flags_spelled_like_tcpdump);
	tcase_add_test(tc, findings_round_trip_flow_and_host_level);
	tcase_add_test(tc, findings_counts_come_with_the_flows_or_from_one_pass);
	tcase_add_test(tc, flow_ids_continue_after_previous_capture);
	tcase_add_test(tc, deleting_capture_cascades_to_its_rows);
	tcase_add_test(tc, references_hold_and_a_replaced_capture_leaves_no_row);
	tcase_add_loop_test(tc, flow_id_of_another_capture_refused_untouched, 0, 2);
	tcase_add_test(tc, write_outside_capture_refused);
	tcase_add_test(tc, long_timeline_and_ladder_numbered_without_gaps);
	tcase_add_test(tc, new_database_is_versioned_wal_with_application_row);
	tcase_add_test(tc, older_schema_read_as_is_upgraded_on_write);
	tcase_add_test(tc, reimport_found_by_path_size_mtime_or_digest);
	tcase_add_test(tc, reader_sees_written_database);
	tcase_add_test(tc, abort_leaves_file_byte_for_byte);
	tcase_add_test(tc, kill_9_mid_capture_leaves_database_as_it_was);
	tcase_add_test(tc, first_capture_into_empty_file_skips_the_wal);
	tcase_add_test(tc, first_capture_stays_in_wal_while_another_has_the_file);
	tcase_add_test(tc, reader_rolls_back_a_killed_first_capture);
	tcase_add_test(tc, checkpoint_then_rewrite_does_not_duplicate_flow);
	tcase_add_test(tc, checkpoint_commits_what_was_written);
	tcase_add_test(tc, try_write_says_locked_at_once_and_holds_nothing);
	tcase_add_test(tc, copied_capture_takes_the_next_ids_with_its_references);
	tcase_add_test(tc, copy_into_a_smaller_database_builds_every_index_again);
	tcase_add_test(tc, scratch_store_has_no_flow_index_and_refuses_an_existing_file);
	tcase_add_test(tc, failed_copy_rolls_the_capture_back);
	tcase_add_test(tc, held_indices_built_once_after_the_last_capture);
	tcase_add_test(tc, no_hold_on_a_database_that_holds_rows);
	tcase_add_test(tc, aborted_capture_under_hold_keeps_the_others);
	tcase_add_test(tc, killed_hold_leaves_indices_to_the_next_writer);
	tcase_add_test(tc, disk_full_at_the_release_leaves_the_indices_pending);
	tcase_add_test(tc, read_missing_database_says_run_analyze);
	tcase_add_test(tc, missing_directory_refused_naming_it);
	tcase_add_test(tc, not_sqlite_file_refused_and_untouched);
	tcase_add_test(tc, other_sqlite_database_refused_and_untouched);
	tcase_add_test(tc, newer_schema_refused_naming_both_versions);
	tcase_add_test(tc, locked_by_another_writer_waits_then_names_it);
	tcase_add_test(tc, read_only_file_refused);
	tcase_add_test(tc, read_only_directory_refused);
	tcase_add_test(tc, disk_full_rolls_back_with_clear_error);
	tcase_add_test(tc, man_page_examples_run_on_sample);
	suite_add_tcase(su, tc);
	/* CK_RUN_CASE=speed TCPMORTEM_BENCH_FLOWS=1000000 runs only this. */
	tc = tcase_create("speed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, many_flows_written_fast);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	return run_suite(store_suite());
}
