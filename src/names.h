/*
 * names.h: every user-visible spelling, each in one table.
 *
 * States as RFC 9293 writes them, handshake outcomes, close types, sides.
 * Parsing is the inverse lookup; both go through the same table.
 */
#ifndef TM_NAMES_H
#define TM_NAMES_H

#include "tcpmortem/detector.h"

enum handshake {
	HS_NONE = 0,            /* not decided yet */
	HS_COMPLETE,
	HS_REFUSED,
	HS_NO_ANSWER,
	HS_INCOMPLETE,
	HS_SIMULTANEOUS,
	HS_MIDSTREAM,
	HS_COUNT
};

enum close_type {
	CLOSE_NONE = 0,
	CLOSE_FIN,
	CLOSE_HALF,
	CLOSE_SIMULTANEOUS,
	CLOSE_RST,
	CLOSE_COUNT
};

enum closer { CLOSER_NULL = 0, CLOSER_CLIENT, CLOSER_SERVER, CLOSER_BOTH, CLOSER_COUNT };

const char *state_name(enum tm_state s);       /* "TIME-WAIT" */
int state_parse(const char *s);                /* -1 if unknown; accepts "time_wait" too */
const char *handshake_name(enum handshake h);  /* "complete"; HS_NONE -> "none" */
int handshake_parse(const char *s);
const char *close_name(enum close_type c);
int close_parse(const char *s);
const char *closer_name(enum closer c);        /* NULL for CLOSER_NULL */
int closer_parse(const char *s);
const char *side_name(enum tm_side s);         /* "client", "server", NULL */
const char *end_reason_name(enum tm_end_reason r); /* "capture-end" */
const char *vantage_name(enum tm_vantage v);
int vantage_parse(const char *s);              /* "auto" -> TM_VANTAGE_UNKNOWN */

/* Address text: dotted IPv4, RFC 5952 IPv6.  BUF must hold 46 bytes. */
const char *addr_str(const struct tm_addr *a, char *buf, size_t len);
/* Parse and normalise an address; 0 on success. */
int addr_parse(const char *s, struct tm_addr *out);

#endif
