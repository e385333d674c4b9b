/*
 * netmatch.c: networks in filters, and the SQL functions that match them.
 * See netmatch.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netmatch.h"

static int
max_prefix(const struct tm_addr *a)
{
	return a->family == 6 ? 128 : 32;
}

int
net_parse(const char *s, struct net *n)
{
	const char *slash = strrchr(s, '/');
	char addr[64], *end;
	long len;

	if (slash == NULL || slash == s || (size_t)(slash - s) >= sizeof(addr) ||
	    slash[1] < '0' || slash[1] > '9')
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || addr_parse(addr, &n->addr) != 0 || len > max_prefix(&n->addr))
		return -1;
	n->prefix = (int)len;
	for (int bit = n->prefix; bit < max_prefix(&n->addr); bit++)
		n->addr.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

const char *
net_str(const struct net *n, char *buf, size_t len)
{
	char a[64];

	snprintf(buf, len, "%s/%d", addr_str(&n->addr, a, sizeof(a)), n->prefix);
	return buf;
}

int
net_has(const struct net *n, const struct tm_addr *a)
{
	int whole = n->prefix / 8, rest = n->prefix % 8;

	if (a->family != n->addr.family || memcmp(a->bytes, n->addr.bytes, (size_t)whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a->bytes[whole] ^ n->addr.bytes[whole]) & (uint8_t)(0xff00u >> rest)) == 0;
}

/* The text all of N's addresses start with ("" when text cannot tell). */
static void
text_prefix(const struct net *n, char *buf, size_t len)
{
	const uint8_t *b = n->addr.bytes;
	size_t used = 0;

	buf[0] = '\0';
	if (n->addr.family != 6) {
		for (int i = 0; i < n->prefix / 8 && used < len; i++)
			used += (size_t)snprintf(buf + used, len - used, "%u%s", b[i],
			    i < 3 ? "." : "");
		return;
	}
	for (int i = 0; i < n->prefix / 16 && used < len; i++) {
		unsigned group = (unsigned)b[2 * i] << 8 | b[2 * i + 1];

		if (group == 0)         /* RFC 5952 may compress it: no prefix */
			return;
		used += (size_t)snprintf(buf + used, len - used, "%x%s", group, i < 7 ? ":" : "");
	}
}

/* The net of argument ARG: parsed once per statement and kept with it
 * (sqlite3_set_auxdata), else into *LOCAL; NULL with the error set. */
static const struct net *
net_arg(sqlite3_context *ctx, sqlite3_value **argv, int arg, struct net *local)
{
	const struct net *kept = sqlite3_get_auxdata(ctx, arg);
	const char *text = (const char *)sqlite3_value_text(argv[arg]);
	struct net *copy;

	if (kept != NULL)
		return kept;
	if (text == NULL || net_parse(text, local) != 0) {
		sqlite3_result_error(ctx, "not a network (ADDR/LEN)", -1);
		return NULL;
	}
	/* SQLite may drop the copy whenever it likes: *LOCAL is what is used. */
	if ((copy = malloc(sizeof(*copy))) != NULL) {
		*copy = *local;
		sqlite3_set_auxdata(ctx, arg, copy, free);
	}
	return local;
}

static void
fn_net_has(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct net *n;
	const char *text = (const char *)sqlite3_value_text(argv[1]);
	struct net local;
	struct tm_addr a;

	(void)argc;
	if (text == NULL || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;         /* NULL */
	if ((n = net_arg(ctx, argv, 0, &local)) == NULL)
		return;
	sqlite3_result_int(ctx, addr_parse(text, &a) == 0 && net_has(n, &a));
}

/* tm_net_first (END 0) and tm_net_end (END 1): the prefix, and the
 * prefix with its last character one higher ("10.1." -> "10.1/"). */
static void
fn_net_bound(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int end = *(const int *)sqlite3_user_data(ctx);
	const struct net *n;
	struct net local;
	char buf[64];
	size_t len;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    (n = net_arg(ctx, argv, 0, &local)) == NULL)
		return;
	text_prefix(n, buf, sizeof(buf));
	len = strlen(buf);
	if (end && len == 0)
		snprintf(buf, sizeof(buf), "\x7f");    /* above every address's text */
	else if (end)
		buf[len - 1]++;
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

int
netmatch_register(sqlite3 *db)
{
	static const int first = 0, end = 1;
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
	int rc;

#ifdef SQLITE_INNOCUOUS
	flags |= SQLITE_INNOCUOUS;
#endif
	rc = sqlite3_create_function_v2(db, "tm_net_has", 2, flags, NULL, fn_net_has,
	    NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "tm_net_first", 1, flags, (void *)&first,
		    fn_net_bound, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "tm_net_end", 1, flags, (void *)&end,
		    fn_net_bound, NULL, NULL, NULL);
	return rc;
}
