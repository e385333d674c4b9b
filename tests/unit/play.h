/*
 * play.h: play a ladder of segments through the real flow reconstruction
 * and the real detector host, with the plugins of the build tree, and
 * keep every finding for the test to inspect.
 *
 *   pkt(...) ──> play() ──> flow.c (states, timers) ──> detect.c ──> plugins
 *                                                                  │
 *                           findings[] <─────── sink <─────────────┘
 *
 * Connections are told apart by the client's port and address (see
 * play_pkt); a new SYN on a known 4-tuple starts a new incarnation, as in
 * analysis.c.  play_end() ends the capture: timers up to that time, flow
 * ends, on_capture_end.
 */
#ifndef TEST_PLAY_H
#define TEST_PLAY_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "flow.h"
#include "profile.h"
#include "pkt.h"

#define PLAY_MAX_FLOWS 2048
#define PLAY_MAX_FINDINGS 256

struct found {
	char kind[48];
	char detector[32];
	enum tm_side side;
	uint64_t flow;
	uint16_t port;
	uint64_t frames[TM_MAX_EVIDENCE];
	size_t nframes;
	enum tm_vantage vantage;
	char detail[640];
};

static struct tm_profile play_prof;
static struct detect *play_det;
static struct flow *play_flows[PLAY_MAX_FLOWS];
static size_t play_nflows;
static uint64_t play_next_id;
static struct found findings[PLAY_MAX_FINDINGS];
static void (*play_tweak)(struct tm_profile *); /* adjust the profile, or NULL */
static size_t nfindings;

static inline void
play_sink(void *ctx, const struct tm_finding *f, const char *detector)
{
	struct found *o;

	if (nfindings >= PLAY_MAX_FINDINGS)
		return;
	o = &findings[nfindings++];
	memset(o, 0, sizeof(*o));
	snprintf(o->kind, sizeof(o->kind), "%s", f->kind);
	snprintf(o->detector, sizeof(o->detector), "%s", detector);
	snprintf(o->detail, sizeof(o->detail), "%s", f->detail ? f->detail : "");
	o->side = f->side;
	o->flow = f->flow_id;
	o->port = f->port;
	o->nframes = f->nframes;
	memcpy(o->frames, f->frames, sizeof(o->frames));
	o->vantage = f->vantage;
}

static inline void ev_segment(void *c, struct flow *f, const struct tm_segment *s) { detect_segment(play_det, f, s); }
static inline void ev_transition(void *c, struct flow *f, const struct tm_transition *t) { detect_transition(play_det, f, t); }
static inline void ev_handshake(void *c, struct flow *f, tm_time_t a, tm_time_t b, tm_time_t d) { detect_observe_handshake(play_det, a, b, d); }

static const struct flow_events play_events = { .segment = ev_segment,
    .transition = ev_transition, .handshake = ev_handshake };

/* The build tree's plugins directory. */
static inline const char *
play_plugin_dir(void)
{
	static char dir[4096];
	const char *top = getenv("top_builddir");

	snprintf(dir, sizeof(dir), "%s/plugins/.libs", top ? top : ".");
	return dir;
}

/* Load the build tree's detectors with SETTINGS / DISABLED (may be NULL). */
static inline struct detect *
play_load(const char *const *settings, const char *const *disabled, enum tm_vantage v,
    char *err, size_t errlen)
{
	const char *dirs[] = { play_plugin_dir(), NULL };
	struct detect_options o = { .plugin_dirs = dirs, .settings = settings,
	    .disabled = disabled, .vantage = v, .no_default_path = 1 };

	return detect_load(&o, err, errlen);
}

static inline void
play_start_with(const char *const *settings, const char *const *disabled, enum tm_vantage v)
{
	char err[1024] = "";

	profile_get("linux", &play_prof);
	if (play_tweak != NULL)
		play_tweak(&play_prof);
	pkt_frame = 0;
	nfindings = play_nflows = 0;
	play_next_id = 1;
	play_det = play_load(settings, disabled, v, err, sizeof(err));
	ck_assert_msg(play_det != NULL, "load: %s", err);
	ck_assert_int_eq(detect_begin(play_det, &play_prof, play_sink, NULL, err, sizeof(err)), 0);
}

static inline void
play_start(void)
{
	play_start_with(NULL, NULL, TM_VANTAGE_UNKNOWN);
}

static inline void
play_flow_out(struct flow *f, enum tm_end_reason why, tm_time_t now)
{
	flow_finish(f, now, &play_prof, &play_events);
	f->v.end_reason = why;
	f->v.end_ts = now;
	detect_flow_end(play_det, f);
	flow_free(f);
}

static inline void
play(struct packet p)
{
	struct flow *f = NULL;
	size_t i;

	for (i = 0; i < play_nflows; i++)
		if (flow_side_of(play_flows[i], &p) != TM_NO_SIDE) {
			f = play_flows[i];
			break;
		}
	if (f != NULL && flow_is_new_incarnation(f, &p)) {
		struct flow *nf = flow_new(&p, play_next_id++, detect_slots(play_det));

		flow_advance(f, p.ts, &play_prof, &play_events);
		flow_link_previous(nf, f);
		play_flow_out(f, TM_END_REPLACED, p.ts);
		play_flows[i] = f = nf;
	} else if (f == NULL) {
		ck_assert_uint_lt(play_nflows, PLAY_MAX_FLOWS);
		f = flow_new(&p, play_next_id++, detect_slots(play_det));
		play_flows[play_nflows++] = f;
	}
	flow_segment(f, &p, &play_prof, &play_events);
}

/* A packet of the connection from client 10.0.0.CLIENT:PORT to 10.0.0.2:80. */
static inline struct packet
play_pkt(int client, uint16_t port, int from_client, uint8_t flags, uint32_t seq,
    uint32_t ack, uint32_t len, double t)
{
	struct packet p = pkt_at(from_client, flags, seq, ack, len, t);

	if (from_client) {
		p.sport = port;
		p.src.bytes[3] = (uint8_t)client;
	} else {
		p.dport = port;
		p.dst.bytes[3] = (uint8_t)client;
	}
	return p;
}

/* One SYN from spoofed source 172.16.I/256.I%256 (port 1024 + I) to
 * 10.9.9.9:80, its connection ended at once, as a flood's under the cap
 * on embryonic connections: the detectors see the segment and the end. */
static inline void
play_spoofed_syn(uint32_t i, double t)
{
	struct packet p = pkt_at(C, SYN, 7777 * i, 0, 0, t);
	struct flow *f;

	p.src.bytes[0] = 172, p.src.bytes[1] = 16;
	p.src.bytes[2] = (uint8_t)(i >> 8), p.src.bytes[3] = (uint8_t)i;
	p.dst.bytes[1] = 9, p.dst.bytes[2] = 9, p.dst.bytes[3] = 9;
	p.sport = (uint16_t)(1024 + i);
	f = flow_new(&p, play_next_id++, detect_slots(play_det));
	flow_segment(f, &p, &play_prof, &play_events);
	play_flow_out(f, TM_END_EVICTED, p.ts);
}

/* N spoofed SYNs (play_spoofed_syn) from T0, 20,000 a second. */
static inline void
play_flood(double t0, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		play_spoofed_syn(i, t0 + i / 20000.0);
}

/* End the capture at T: flows still open leave with capture-end. */
static inline void
play_end(double t)
{
	tm_time_t now = (tm_time_t)(t * 1e9);

	detect_tick(play_det, now);
	for (size_t i = 0; i < play_nflows; i++) {
		struct flow *f = play_flows[i];

		flow_advance(f, now, &play_prof, &play_events);
		play_flow_out(f, flow_is_done(f) ? TM_END_CLOSED : TM_END_CAPTURE_END, now);
	}
	play_nflows = 0;
	detect_end(play_det, now);
	detect_free(play_det);
	play_det = NULL;
}

static inline int
found_index(const char *kind, int from)
{
	for (size_t i = (size_t)from; i < nfindings; i++)
		if (strcmp(findings[i].kind, kind) == 0)
			return (int)i;
	return -1;
}

static inline const struct found *
found(const char *kind)
{
	int i = found_index(kind, 0);

	return i < 0 ? NULL : &findings[i];
}

static inline int
found_count(const char *kind)
{
	int n = 0;

	for (int i = found_index(kind, 0); i >= 0; i = found_index(kind, i + 1))
		n++;
	return n;
}

static inline int
has_frame(const struct found *f, uint64_t frame)
{
	for (size_t i = 0; i < f->nframes; i++)
		if (f->frames[i] == frame)
			return 1;
	return 0;
}

/* Print what was found, for a failing test's log. */
static inline void
dump_findings(void)
{
	for (size_t i = 0; i < nfindings; i++)
		fprintf(stderr, "  %s side=%d flow=%llu: %s\n", findings[i].kind, findings[i].side,
		    (unsigned long long)findings[i].flow, findings[i].detail);
}

/* The normal handshake of client 10.0.0.1:40000, ISNs 1000 and 5000. */
static inline void
play_open(double t)
{
	play(pkt_at(C, SYN, 1000, 0, 0, t));
	play(pkt_at(S, SYN | ACK, 5000, 1001, 0, t + 0.010));
	play(pkt_at(C, ACK, 1001, 5001, 0, t + 0.011));
}

#endif
