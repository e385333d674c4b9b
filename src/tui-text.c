/*
 * tui-text.c: making database text safe and short for the terminal.
 *
 * Addresses, finding details and capture paths come from packets or from
 * whoever wrote the database: an ESC byte in them would drive the
 * terminal.  tui_escape() lets through printable ASCII and well-formed
 * UTF-8 above the C1 range, and writes everything else as \xNN.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui.h"

/* Length of the well-formed, printable UTF-8 sequence at P, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, C1 controls and beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

size_t
tui_escape(const char *in, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)(in ? in : "");
	size_t o = 0, n;

	if (outlen == 0)
		return 0;
	while (*p) {
		if (*p >= 0x20 && *p < 0x7f)
			n = 1;
		else
			n = utf8_len(p);
		if (n > 0) {
			if (o + n >= outlen)
				break;
			memcpy(out + o, p, n);
		} else {
			if (o + 4 >= outlen)
				break;
			snprintf(out + o, 5, "\\x%02x", *p);
			n = 1;
			o += 3;
		}
		o += n;
		p += n;
	}
	out[o] = '\0';
	return o;
}

const char *
tui_duration(double s, char *buf, size_t len)
{
	if (s >= 100)
		snprintf(buf, len, "%.0f s", s);
	else if (s >= 1)
		snprintf(buf, len, "%.3f s", s);
	else if (s >= 0.001)
		snprintf(buf, len, "%.0f ms", s * 1e3);
	else
		snprintf(buf, len, "%.0f us", s * 1e6);
	return buf;
}

const char *
tui_time(double ts, char *buf, size_t len)
{
	time_t sec = (time_t)ts;
	struct tm tm;
	char day[32];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03d", day, (int)((ts - (double)sec) * 1000));
	return buf;
}
