/* names.c: the user-visible spellings, one table each. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "names.h"

static const char *const state_names[TM_STATE_COUNT] = {
	[TM_UNKNOWN] = "UNKNOWN",
	[TM_CLOSED] = "CLOSED",
	[TM_LISTEN] = "LISTEN",
	[TM_SYN_SENT] = "SYN-SENT",
	[TM_SYN_RECEIVED] = "SYN-RECEIVED",
	[TM_ESTABLISHED] = "ESTABLISHED",
	[TM_FIN_WAIT_1] = "FIN-WAIT-1",
	[TM_FIN_WAIT_2] = "FIN-WAIT-2",
	[TM_CLOSE_WAIT] = "CLOSE-WAIT",
	[TM_CLOSING] = "CLOSING",
	[TM_LAST_ACK] = "LAST-ACK",
	[TM_TIME_WAIT] = "TIME-WAIT",
};

static const char *const handshake_names[HS_COUNT] = {
	[HS_NONE] = "none",
	[HS_COMPLETE] = "complete",
	[HS_REFUSED] = "refused",
	[HS_NO_ANSWER] = "no-answer",
	[HS_INCOMPLETE] = "incomplete",
	[HS_SIMULTANEOUS] = "simultaneous",
	[HS_MIDSTREAM] = "midstream",
};

static const char *const close_names[CLOSE_COUNT] = {
	[CLOSE_NONE] = "none",
	[CLOSE_FIN] = "fin",
	[CLOSE_HALF] = "half",
	[CLOSE_SIMULTANEOUS] = "simultaneous",
	[CLOSE_RST] = "rst",
};

static const char *const closer_names[CLOSER_COUNT] = {
	[CLOSER_NULL] = NULL,
	[CLOSER_CLIENT] = "client",
	[CLOSER_SERVER] = "server",
	[CLOSER_BOTH] = "both",
};

static const char *const vantage_names[] = {
	[TM_VANTAGE_UNKNOWN] = "auto",
	[TM_VANTAGE_CLIENT] = "client",
	[TM_VANTAGE_SERVER] = "server",
	[TM_VANTAGE_MIDDLE] = "middle",
};

static const char *const end_reason_names[] = {
	[TM_END_OPEN] = "open",
	[TM_END_CLOSED] = "closed",
	[TM_END_CAPTURE_END] = "capture-end",
	[TM_END_IDLE] = "idle",
	[TM_END_EVICTED] = "evicted",
	[TM_END_REPLACED] = "replaced",
};

/* Compare a user's spelling with a table's: case-insensitive, and '_'
 * accepted for '-' (so "time_wait" finds "TIME-WAIT"). */
static int
name_eq(const char *user, const char *name)
{
	for (; *user && *name; user++, name++) {
		char a = *user == '_' ? '-' : *user;

		if (strncasecmp(&a, name, 1) != 0)
			return 0;
	}
	return *user == '\0' && *name == '\0';
}

static int
lookup(const char *const *table, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (table[i] != NULL && s != NULL && name_eq(s, table[i]))
			return i;
	return -1;
}

const char *state_name(enum tm_state s)
{ return (unsigned)s < TM_STATE_COUNT ? state_names[s] : "UNKNOWN"; }
int state_parse(const char *s) { return lookup(state_names, TM_STATE_COUNT, s); }

const char *handshake_name(enum handshake h)
{ return (unsigned)h < HS_COUNT ? handshake_names[h] : "none"; }
int handshake_parse(const char *s) { return lookup(handshake_names, HS_COUNT, s); }

const char *close_name(enum close_type c)
{ return (unsigned)c < CLOSE_COUNT ? close_names[c] : "none"; }
int close_parse(const char *s) { return lookup(close_names, CLOSE_COUNT, s); }

const char *closer_name(enum closer c)
{ return (unsigned)c < CLOSER_COUNT ? closer_names[c] : NULL; }
int closer_parse(const char *s) { return lookup(closer_names, CLOSER_COUNT, s); }

const char *
side_name(enum tm_side s)
{
	return s == TM_CLIENT ? "client" : s == TM_SERVER ? "server" : NULL;
}

const char *end_reason_name(enum tm_end_reason r)
{ return (unsigned)r <= TM_END_REPLACED ? end_reason_names[r] : "open"; }

const char *vantage_name(enum tm_vantage v)
{ return (unsigned)v <= TM_VANTAGE_MIDDLE ? vantage_names[v] : "auto"; }
int vantage_parse(const char *s) { return lookup(vantage_names, 4, s); }

/* Dotted decimal as inet_ntop writes it, without the sprintf it makes it
 * with: every flow written formats two addresses, and on the writer's
 * thread that was a twentieth of its time.  BUF holds 16 bytes. */
static void
ipv4_str(const uint8_t b[4], char *buf)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*buf++ = (char)('0' + v / 100);
		if (v >= 10)
			*buf++ = (char)('0' + v / 10 % 10);
		*buf++ = (char)('0' + v % 10);
		*buf++ = i < 3 ? '.' : '\0';
	}
}

const char *
addr_str(const struct tm_addr *a, char *buf, size_t len)
{
	if (a->family != 6 && len >= 16) {
		ipv4_str(a->bytes, buf);
		return buf;
	}
	/* glibc's inet_ntop follows RFC 5952: lower case, longest zero run
	 * compressed, a lone zero field not compressed. */
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->bytes, buf, len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

int
addr_parse(const char *s, struct tm_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = 6;
		return 0;
	}
	return -1;
}
