/*
 * fixture.c: detectors the loader must refuse, one per build flag.
 *
 *   FIXTURE_BAD_ABI       abi_version 99
 *   FIXTURE_SHORT_STRUCT  struct_size smaller than the host's struct
 *   FIXTURE_DUP_KIND      claims "fin-lost", which teardown reports
 */
#include <stddef.h>

#include "tcpmortem/detector.h"

static int
fixture_init(struct tm_context *ctx, const struct tm_host *host,
    const struct tm_profile *profile, void **state)
{
	*state = NULL;
	return 0;
}

#if defined(FIXTURE_DUP_KIND)
static const char *const kinds[] = { "fin-lost", NULL };
#else
static const char *const kinds[] = { "fixture-kind", NULL };
#endif

static const struct tm_detector fixture = {
#ifdef FIXTURE_BAD_ABI
	.abi_version = 99,
#else
	.abi_version = TM_DETECTOR_ABI_VERSION,
#endif
#ifdef FIXTURE_SHORT_STRUCT
	.struct_size = offsetof(struct tm_detector, on_segment),
#else
	.struct_size = sizeof(struct tm_detector),
#endif
	.name = "fixture",
	.version = "0",
	.summary = "a detector the loader must refuse",
	.kinds = kinds,
	.init = fixture_init,
};

static const struct tm_detector *const list[] = { &fixture, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return list;
}
