/*
 * schema.h: the database schema, version STORE_SCHEMA_VERSION (store.h),
 * and the upgrades from older versions.
 *
 * Documented column by column in man/tcpmortem.db.5; keep the two in step.
 * Timestamps are REAL Unix seconds (microsecond precision); addresses are
 * text (dotted IPv4, RFC 5952 IPv6) so that plain SQL can compare them;
 * states, kinds, sides and outcomes use the spellings of names.c.
 *
 *   captures 1──n flows 1──1 flow_details ──> transitions   (view: both
 *                   │                 │          endpoints' timelines)
 *                   │                 └────────> segments (view: the ladder, control
 *                   │                      segments and folded runs of data)
 *                   └──n findings n──1 captures  (flow NULL: host-level)
 */
#ifndef TM_SCHEMA_H
#define TM_SCHEMA_H

/*
 * Version 4 keeps each flow's timelines and ladder in one row of
 * flow_details, as compact JSON arrays of arrays: two rows written per
 * connection instead of about eighteen, and a third of the bytes.  They
 * are not in the flows row itself, which queries scan and look up: kept
 * small, a 1M-flow table stays a fifth of the pages.  The views below show them
 * as the tables they were before.  Times are nanoseconds after the flow's
 * first_ts, frames are counted from its first_frame, sides are 0 (client)
 * and 1 (server), states are the codes of state_names:
 *
 *   timeline: [side, dt, old_state, new_state, dframe or null, cause]
 *   ladder:   [dframe, frames after it to the run's last, dt, ns to the
 *              run's last, sender, flags, rel_seq, rel_ack, len, win,
 *              count, retransmission]
 */
#define DETAILS_SQL \
"CREATE TABLE flow_details (\n" \
"  flow INTEGER PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,\n" \
"  timeline TEXT NOT NULL,                -- both timelines, JSON (view transitions)\n" \
"  ladder TEXT NOT NULL                   -- the ladder, JSON (view segments)\n" \
");\n"
#define STATE_NAMES_SQL \
"CREATE TABLE state_names (code INTEGER PRIMARY KEY, name TEXT NOT NULL);\n" \
"INSERT INTO state_names VALUES (0, 'UNKNOWN'), (1, 'CLOSED'), (2, 'LISTEN'),\n" \
"  (3, 'SYN-SENT'), (4, 'SYN-RECEIVED'), (5, 'ESTABLISHED'), (6, 'FIN-WAIT-1'),\n" \
"  (7, 'FIN-WAIT-2'), (8, 'CLOSE-WAIT'), (9, 'CLOSING'), (10, 'LAST-ACK'),\n" \
"  (11, 'TIME-WAIT');\n"
#define TIMELINE_VIEWS_SQL \
"CREATE VIEW transitions AS\n" \
"  SELECT f.id AS flow,\n" \
"         CASE t.value ->> 0 WHEN 0 THEN 'client' ELSE 'server' END AS side,\n" \
"         t.key + 1 AS seq, f.first_ts + (t.value ->> 1) / 1e9 AS ts,\n" \
"         (SELECT name FROM state_names WHERE code = t.value ->> 2) AS old_state,\n" \
"         (SELECT name FROM state_names WHERE code = t.value ->> 3) AS new_state,\n" \
"         f.first_frame + (t.value ->> 4) AS frame, t.value ->> 5 AS cause\n" \
"  FROM flows AS f JOIN flow_details AS d ON d.flow = f.id,\n" \
"       json_each(d.timeline) AS t;\n" \
"CREATE VIEW segments AS\n" \
"  SELECT f.id AS flow, l.key + 1 AS seq,\n" \
"         f.first_frame + (l.value ->> 0) AS frame,\n" \
"         f.first_frame + (l.value ->> 0) + (l.value ->> 1) AS last_frame,\n" \
"         f.first_ts + (l.value ->> 2) / 1e9 AS ts,\n" \
"         f.first_ts + ((l.value ->> 2) + (l.value ->> 3)) / 1e9 AS last_ts,\n" \
"         CASE l.value ->> 4 WHEN 0 THEN 'client' ELSE 'server' END AS sender,\n" \
"         l.value ->> 5 AS flags, l.value ->> 6 AS rel_seq,\n" \
"         l.value ->> 7 AS rel_ack, l.value ->> 8 AS len,\n" \
"         l.value ->> 9 AS win, l.value ->> 10 AS count,\n" \
"         l.value ->> 11 AS retransmission\n" \
"  FROM flows AS f JOIN flow_details AS d ON d.flow = f.id,\n" \
"       json_each(d.ladder) AS l;\n"
#define VIEWS_SQL DETAILS_SQL STATE_NAMES_SQL TIMELINE_VIEWS_SQL

static const char schema_sql[] =
"CREATE TABLE meta (\n"
"  key TEXT PRIMARY KEY,\n"
"  value TEXT\n"
");\n"
"INSERT INTO meta VALUES ('application', 'tcpmortem');\n"
"\n"
"CREATE TABLE captures (\n"
"  id INTEGER PRIMARY KEY,\n"
"  path TEXT NOT NULL,\n"
"  source TEXT NOT NULL DEFAULT 'file',   -- 'file' | 'live'\n"
"  interface TEXT,\n"
"  size INTEGER,                          -- bytes; NULL for a pipe or live\n"
"  mtime INTEGER,\n"
"  digest TEXT,                           -- 16 hex digits over what was read\n"
"  link_types TEXT,                       -- 'EN10MB,LINUX_SLL2'\n"
"  profile TEXT NOT NULL,\n"
"  vantage TEXT,\n"
"  status TEXT NOT NULL,                  -- running | complete | damaged | interrupted\n"
"  damage TEXT,                           -- the reader's message when damaged\n"
"  packets INTEGER NOT NULL DEFAULT 0,\n"
"  tcp_packets INTEGER NOT NULL DEFAULT 0,\n"
"  bytes INTEGER NOT NULL DEFAULT 0,\n"
"  first_ts REAL,\n"
"  last_ts REAL,\n"
"  fragments INTEGER NOT NULL DEFAULT 0,  -- IP fragments skipped\n"
"  truncated INTEGER NOT NULL DEFAULT 0,  -- headers cut by the snaplen\n"
"  malformed INTEGER NOT NULL DEFAULT 0,\n"
"  unsupported INTEGER NOT NULL DEFAULT 0,\n"
"  non_tcp INTEGER NOT NULL DEFAULT 0,\n"
"  drops INTEGER NOT NULL DEFAULT 0,      -- kernel drops (live)\n"
"  flows INTEGER NOT NULL DEFAULT 0,\n"
"  flows_evicted INTEGER NOT NULL DEFAULT 0,\n"
"  flows_aggregated INTEGER NOT NULL DEFAULT 0, -- v4: embryonic, counted not stored\n"
"  peak_flows INTEGER NOT NULL DEFAULT 0,\n"
"  clock_leaps INTEGER NOT NULL DEFAULT 0, -- timestamps that leapt ahead (v2)\n"
"  analysed_at REAL NOT NULL,\n"
"  tool_version TEXT NOT NULL\n"
");\n"
"CREATE INDEX captures_identity ON captures(path, size, mtime);\n"
"CREATE INDEX captures_digest ON captures(digest);\n"
"\n"
"CREATE TABLE flows (\n"
"  id INTEGER PRIMARY KEY,\n"
"  capture INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,\n"
"  family INTEGER NOT NULL,               -- 4 | 6\n"
"  client TEXT NOT NULL,\n"
"  client_port INTEGER NOT NULL,\n"
"  server TEXT NOT NULL,\n"
"  server_port INTEGER NOT NULL,\n"
"  first_ts REAL NOT NULL,\n"
"  last_ts REAL NOT NULL,\n"
"  duration REAL NOT NULL,\n"
"  first_frame INTEGER NOT NULL,\n"
"  last_frame INTEGER NOT NULL,\n"
"  packets INTEGER NOT NULL,\n"
"  bytes INTEGER NOT NULL,                -- TCP payload bytes, both directions\n"
"  client_packets INTEGER NOT NULL,\n"
"  client_bytes INTEGER NOT NULL,\n"
"  server_packets INTEGER NOT NULL,\n"
"  server_bytes INTEGER NOT NULL,\n"
"  handshake TEXT NOT NULL,\n"
"  close TEXT NOT NULL,\n"
"  closer TEXT,                           -- client | server | both | NULL\n"
"  client_state TEXT NOT NULL,\n"
"  server_state TEXT NOT NULL,\n"
"  client_isn INTEGER,                    -- NULL when not seen\n"
"  server_isn INTEGER,\n"
"  incarnation INTEGER NOT NULL,          -- 1 for the first on its 4-tuple\n"
"  previous INTEGER,                      -- the flow it reused the 4-tuple of\n"
"  end_reason TEXT NOT NULL,              -- open | closed | capture-end | idle | evicted | replaced\n"
"  findings INTEGER NOT NULL DEFAULT 0    -- number of findings on this flow\n"
");\n"
"CREATE INDEX flows_capture ON flows(capture, first_ts);\n"
"CREATE INDEX flows_first_ts ON flows(first_ts);\n"
"CREATE INDEX flows_client ON flows(client, client_port);\n"
"CREATE INDEX flows_server ON flows(server, server_port);\n"
"CREATE INDEX flows_server_port ON flows(server_port);\n"
"CREATE INDEX flows_client_state ON flows(client_state);\n"
"CREATE INDEX flows_server_state ON flows(server_state);\n"
"CREATE INDEX flows_duration ON flows(duration);\n"
"CREATE INDEX flows_client_port ON flows(client_port);\n"
"CREATE INDEX flows_handshake ON flows(handshake);   -- v3: browser sorts\n"
"CREATE INDEX flows_close ON flows(close);\n"
"CREATE INDEX flows_closer ON flows(closer);\n"
"CREATE INDEX flows_findings ON flows(findings);\n"
"\n"
VIEWS_SQL
"\n"
"CREATE TABLE findings (\n"
"  id INTEGER PRIMARY KEY,\n"
"  capture INTEGER NOT NULL REFERENCES captures(id) ON DELETE CASCADE,\n"
"  kind TEXT NOT NULL,\n"
"  flow INTEGER,                          -- NULL for host-level findings\n"
"  side TEXT,                             -- client | server | NULL\n"
"  ts REAL NOT NULL,\n"
"  host TEXT,\n"
"  port INTEGER,\n"
"  frames TEXT NOT NULL,                  -- JSON array of frame numbers\n"
"  detail TEXT NOT NULL,\n"
"  vantage TEXT,                          -- the vantage the reading assumed\n"
"  detector TEXT NOT NULL\n"
");\n"
"CREATE INDEX findings_kind ON findings(kind, ts);\n"
"CREATE INDEX findings_flow ON findings(flow);\n"
"CREATE INDEX findings_host ON findings(host, port);\n"
"CREATE INDEX findings_capture ON findings(capture, ts);\n"
"CREATE INDEX findings_ts ON findings(ts);           -- v3: --since, --until\n"
"CREATE INDEX findings_port ON findings(port);\n"
"\n"
"-- Saved questions (tcpmortem.db(5)).\n"
"CREATE VIEW flow_anomalies AS\n"
"  SELECT flow, json_group_array(DISTINCT kind) AS kinds\n"
"  FROM findings WHERE flow IS NOT NULL GROUP BY flow;\n"
"CREATE VIEW time_wait_by_host AS\n"
"  SELECT host, count(*) AS connections FROM (\n"
"    SELECT client AS host FROM flows WHERE client_state = 'TIME-WAIT'\n"
"    UNION ALL\n"
"    SELECT server FROM flows WHERE server_state = 'TIME-WAIT')\n"
"  GROUP BY host ORDER BY connections DESC;\n"
"CREATE VIEW close_wait_never_ended AS\n"
"  SELECT id, capture, server AS host, server_port AS port, first_ts, last_ts\n"
"  FROM flows WHERE server_state = 'CLOSE-WAIT'\n"
"  UNION ALL\n"
"  SELECT id, capture, client, client_port, first_ts, last_ts\n"
"  FROM flows WHERE client_state = 'CLOSE-WAIT';\n"
"CREATE VIEW closers_by_server AS\n"
"  SELECT server, server_port, count(*) AS connections,\n"
"         sum(closer = 'client') AS client_closed,\n"
"         sum(closer = 'server') AS server_closed,\n"
"         sum(closer = 'both') AS both_closed,\n"
"         sum(close = 'rst') AS reset\n"
"  FROM flows GROUP BY server, server_port ORDER BY connections DESC;\n"
"CREATE VIEW unanswered_syns AS\n"
"  SELECT server, server_port, count(*) AS connections\n"
"  FROM flows WHERE handshake IN ('no-answer', 'incomplete')\n"
"  GROUP BY server, server_port ORDER BY connections DESC;\n";

/* The rows of version 3's tables, folded into the new columns. */
#define VIEWS_SQL_V3_TO_V4 \
"INSERT INTO flow_details SELECT id, (SELECT json_group_array(json_array(\n" \
"    side = 'server', CAST(round((ts - flows.first_ts) * 1e9) AS INTEGER),\n" \
"    (SELECT code FROM state_names WHERE name = old_state),\n" \
"    (SELECT code FROM state_names WHERE name = new_state),\n" \
"    frame - flows.first_frame, cause))\n" \
"  FROM (SELECT * FROM transitions AS t WHERE t.flow = flows.id ORDER BY seq)),\n" \
"  (SELECT json_group_array(json_array(frame - flows.first_frame,\n" \
"    last_frame - frame, CAST(round((ts - flows.first_ts) * 1e9) AS INTEGER),\n" \
"    CAST(round((last_ts - ts) * 1e9) AS INTEGER), sender = 'server', flags,\n" \
"    rel_seq, rel_ack, len, win, count, retransmission))\n" \
"  FROM (SELECT * FROM segments AS g WHERE g.flow = flows.id ORDER BY seq))\n" \
"  FROM flows;\n"

/*
 * Upgrades: migrations[v] takes a database of version v to v + 1.  A new
 * file gets schema_sql, which is always the latest version, directly.
 */
static const char *const migrations[] = {
	[1] = "ALTER TABLE captures ADD COLUMN clock_leaps INTEGER NOT NULL DEFAULT 0;",
	[2] = "CREATE INDEX IF NOT EXISTS flows_client_port ON flows(client_port);"
	      "CREATE INDEX IF NOT EXISTS flows_handshake ON flows(handshake);"
	      "CREATE INDEX IF NOT EXISTS flows_close ON flows(close);"
	      "CREATE INDEX IF NOT EXISTS flows_closer ON flows(closer);"
	      "CREATE INDEX IF NOT EXISTS flows_findings ON flows(findings);"
	      "CREATE INDEX IF NOT EXISTS findings_ts ON findings(ts);"
	      "CREATE INDEX IF NOT EXISTS findings_port ON findings(port);",
	[3] = "ALTER TABLE captures ADD COLUMN flows_aggregated INTEGER NOT NULL DEFAULT 0;"
	      DETAILS_SQL
	      STATE_NAMES_SQL
	      VIEWS_SQL_V3_TO_V4
	      "DROP TABLE transitions;"
	      "DROP TABLE segments;"
	      TIMELINE_VIEWS_SQL,
};

#endif
