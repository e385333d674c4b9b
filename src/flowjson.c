/*
 * flowjson.c: a flow's timelines and ladder as JSON (see flowjson.h).
 *
 * Every element is written in two steps: make room for the most it can
 * take (ELEMENT_ROOM, plus its cause string escaped), then append without
 * further checks.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowjson.h"
#include "util.h"

/* The most an element takes besides its string: eleven numbers of at most
 * 20 characters (an int64's sign and 19 digits), eight flag letters in
 * quotes, separators and brackets. */
#define ELEMENT_ROOM 256

static void
reserve(struct flowjson *j, size_t more)
{
	if (j->n + more <= j->cap)
		return;
	while (j->cap < j->n + more)
		j->cap = j->cap ? j->cap * 2 : 4096;
	j->p = xrealloc(j->p, j->cap);
}

static const char two_digits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* How many decimal digits V takes (1 to 20): from its bit length, the
 * power of ten at or just below it, then one comparison. */
static unsigned
decimal_digits(uint64_t v)
{
	static const uint64_t power[] = {
		UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
		UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000),
		UINT64_C(100000000), UINT64_C(1000000000), UINT64_C(10000000000),
		UINT64_C(100000000000), UINT64_C(1000000000000), UINT64_C(10000000000000),
		UINT64_C(100000000000000), UINT64_C(1000000000000000),
		UINT64_C(10000000000000000), UINT64_C(100000000000000000),
		UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
	};
	uint64_t u = v | 1;             /* 0 takes a digit, as 1 does */
	unsigned bits = 64 - (unsigned)__builtin_clzll(u);
	unsigned t = bits * 1233 >> 12;         /* 1233 / 4096: log10(2) */

	return t - (u < power[t]) + 1;
}

/* V in decimal at OUT; returns the end.  The digits go straight to their
 * places, two at a time: a ladder is mostly numbers, and copying each
 * from a scratch buffer (a call to memcpy of a varying length) was a
 * sixth of writing one. */
static char *
put_uint(char *out, uint64_t v)
{
	char *end = out + decimal_digits(v), *d = end;

	while (v >= 100) {
		d -= 2;
		memcpy(d, two_digits + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(d - 2, two_digits + 2 * v, 2);
	else
		d[-1] = (char)('0' + v);
	return end;
}

static char *
put_int(char *out, int64_t v)
{
	if (v >= 0)
		return put_uint(out, (uint64_t)v);
	*out++ = '-';
	return put_uint(out, 0 - (uint64_t)v);
}

/* V in quotes, escaped (ours: names and causes, but escaped all the same);
 * needs 2 + 6 * strlen(V) bytes at most. */
static char *
put_str(char *out, const char *v)
{
	static const char hex[] = "0123456789abcdef";

	*out++ = '"';
	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\') {
			*out++ = '\\';
			*out++ = (char)c;
		} else if (c < 0x20) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[c >> 4];
			out[5] = hex[c & 15];
			out += 6;
		} else {
			*out++ = (char)c;
		}
	}
	*out++ = '"';
	return out;
}

/* tcpdump's spelling of a flags byte, quoted: its letters in its order,
 * "." for ACK, "none" for no flag. */
static char *
put_flags(char *out, uint8_t flags)
{
	static const struct { uint8_t bit; char letter; } letters[] = {
		{ TM_TH_FIN, 'F' }, { TM_TH_SYN, 'S' }, { TM_TH_RST, 'R' },
		{ TM_TH_PSH, 'P' }, { TM_TH_ACK, '.' }, { TM_TH_URG, 'U' },
		{ TM_TH_ECE, 'E' }, { TM_TH_CWR, 'W' },
	};

	*out++ = '"';
	if (flags == 0) {
		memcpy(out, "none", 4);
		out += 4;
	}
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (flags & letters[i].bit)
			*out++ = letters[i].letter;
	*out++ = '"';
	return out;
}

/* "[" for the first element, ",[" after it. */
static char *
open_element(const struct flowjson *j, char *out)
{
	if (j->n > 1)
		*out++ = ',';
	*out++ = '[';
	return out;
}

static void
start_array(struct flowjson *j)
{
	j->n = 0;
	reserve(j, 1);
	j->p[j->n++] = '[';
}

static const char *
end_array(struct flowjson *j)
{
	reserve(j, 2);
	j->p[j->n++] = ']';
	j->p[j->n++] = '\0';
	return j->p;
}

/* --- the timeline ----------------------------------------------------- */

/* Whether transition A comes before B in the merged timeline: by time;
 * within one frame the sender's change first, as the flow made them. */
static int
transition_before(const struct tm_transition *a, const struct tm_transition *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts;
	if (a->frame != b->frame || a->frame == 0)
		return a->frame <= b->frame;
	return strncmp(b->cause, "send", 4) != 0 || strncmp(a->cause, "send", 4) == 0;
}

static unsigned
state_number(enum tm_state s)
{
	return (unsigned)s < TM_STATE_COUNT ? (unsigned)s : TM_UNKNOWN;
}

/* [side, dt, from, to, dframe or null, cause] */
static void
add_transition(struct flowjson *j, const struct flow *f, const struct tm_transition *t)
{
	const char *cause = t->cause != NULL ? t->cause : "";
	char *out;

	reserve(j, ELEMENT_ROOM + 6 * strlen(cause));
	out = open_element(j, j->p + j->n);
	*out++ = t->side == TM_SERVER ? '1' : '0';
	*out++ = ',';
	out = put_int(out, t->ts - f->v.first_ts);
	*out++ = ',';
	out = put_uint(out, state_number(t->from));
	*out++ = ',';
	out = put_uint(out, state_number(t->to));
	*out++ = ',';
	if (t->frame != 0) {
		out = put_int(out, (int64_t)(t->frame - f->v.first_frame));
	} else {
		memcpy(out, "null", 4);
		out += 4;
	}
	*out++ = ',';
	out = put_str(out, cause);
	*out++ = ']';
	j->n = (size_t)(out - j->p);
}

const char *
flowjson_timeline(struct flowjson *j, const struct flow *f)
{
	const struct timeline *c = &f->tl[TM_CLIENT], *sv = &f->tl[TM_SERVER];
	size_t i = 0, k = 0;

	start_array(j);
	while (i < c->n || k < sv->n) {
		if (k >= sv->n || (i < c->n && transition_before(&c->items[i], &sv->items[k])))
			add_transition(j, f, &c->items[i++]);
		else
			add_transition(j, f, &sv->items[k++]);
	}
	return end_array(j);
}

/* --- the ladder ------------------------------------------------------- */

/* [dframe, to the run's last frame, dt, to the run's last ts, sender,
 *  flags, rel_seq, rel_ack, len, win, count, retransmission] */
static void
add_segment(struct flowjson *j, const struct flow *f, const struct ladder_entry *e)
{
	const int64_t head[] = {
		(int64_t)(e->frame - f->v.first_frame),
		e->last_frame ? (int64_t)(e->last_frame - e->frame) : 0,
		e->ts - f->v.first_ts,
		e->last_ts ? e->last_ts - e->ts : 0,
		e->from == TM_SERVER,
	};
	const uint64_t tail[] = { e->rel_seq, e->rel_ack, e->len, e->window,
	    e->count ? e->count : 1, e->retransmission };
	char *out;

	reserve(j, ELEMENT_ROOM);
	out = open_element(j, j->p + j->n);
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		out = put_int(out, head[i]);
		*out++ = ',';
	}
	out = put_flags(out, e->flags);
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++) {
		*out++ = ',';
		out = put_uint(out, tail[i]);
	}
	*out++ = ']';
	j->n = (size_t)(out - j->p);
}

const char *
flowjson_ladder(struct flowjson *j, const struct flow *f)
{
	start_array(j);
	for (size_t i = 0; i < f->nladder; i++)
		add_segment(j, f, &f->ladder[i]);
	return end_array(j);
}

void
flowjson_free(struct flowjson *j)
{
	free(j->p);
	*j = (struct flowjson){ 0 };
}
