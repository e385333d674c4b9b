/*
 * fixture.c: detectors the loader must refuse, one per build flag.
 *
 *   FIXTURE_BAD_ABI       abi_version 99
 *   FIXTURE_SHORT_STRUCT  struct_size smaller than the host's struct
 *   FIXTURE_DUP_KIND      claims "fin-lost", which teardown reports
 *   FIXTURE_LIAR          loads, but reports "fin-lost" (not its kind); then
 *                         says what report() answered in a finding of its own
 *   FIXTURE_V1            loads: a struct of ABI 1.0, ending at on_capture_end;
 *                         the slot_size after it (set here) must not be read
 *   FIXTURE_ELSEWHERE     loads; as each flow ends, reports one finding on it
 *                         and one on the flow that ended before it, long
 *                         written: the host must count both in their rows
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tcpmortem/detector.h"

static struct tm_context *fx_ctx;
static const struct tm_host *fx_host;

static int
fixture_init(struct tm_context *ctx, const struct tm_host *host,
    const struct tm_profile *profile, void **state)
{
	fx_ctx = ctx;
	fx_host = host;
	*state = NULL;
	return 0;
}

#ifdef FIXTURE_LIAR
static void
liar_segment(void *state, const struct tm_flow *f, const struct tm_segment *seg, void **slot)
{
	struct tm_finding fd;
	char detail[64];
	int rc;

	memset(&fd, 0, sizeof(fd));
	fd.kind = "fin-lost";
	fd.flow_id = f->id;
	fd.side = seg->from;
	fd.detail = "a kind that is not mine";
	rc = fx_host->report(fx_ctx, &fd);
	snprintf(detail, sizeof(detail), "report of a foreign kind returned %d", rc);
	fd.kind = "fixture-kind";
	fd.detail = detail;
	fx_host->report(fx_ctx, &fd);
}
#endif

#ifdef FIXTURE_ELSEWHERE
static uint64_t fx_ended;      /* the flow that ended last */

static void
elsewhere_flow_end(void *state, const struct tm_flow *f, void **slot)
{
	struct tm_finding fd;

	memset(&fd, 0, sizeof(fd));
	fd.kind = "fixture-kind";
	fd.side = TM_CLIENT;
	fd.flow_id = f->id;
	fd.detail = "on the flow ending";
	fx_host->report(fx_ctx, &fd);
	if (fx_ended != 0) {
		fd.flow_id = fx_ended;
		fd.detail = "on the flow that ended before it";
		fx_host->report(fx_ctx, &fd);
	}
	fx_ended = f->id;
}
#endif

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
#elif defined(FIXTURE_V1)
	.struct_size = TM_DETECTOR_SIZE_V1,
	.slot_size = 99,        /* past struct_size: not there in a 1.0 plugin */
#else
	.struct_size = sizeof(struct tm_detector),
#endif
	.name = "fixture",
	.version = "0",
	.summary = "a detector the loader must refuse",
	.kinds = kinds,
	.init = fixture_init,
#ifdef FIXTURE_LIAR
	.on_segment = liar_segment,
#endif
#ifdef FIXTURE_ELSEWHERE
	.on_flow_end = elsewhere_flow_end,
#endif
};

static const struct tm_detector *const list[] = { &fixture, NULL };

const struct tm_detector *const *tm_detector_entry(void);

const struct tm_detector *const *
tm_detector_entry(void)
{
	return list;
}
