/*
 * detect.c: the detector host (see detect.h).
 *
 * Loading walks the plugin path in order and dlopens every *.so of each
 * directory (sorted, so the result does not depend on readdir).  A detector
 * whose name was already loaded from an earlier directory is skipped: the
 * build tree and --plugin-dir shadow the installed copies.  Everything else
 * that is wrong (another ABI, a short struct, a kind two detectors claim)
 * refuses the whole load with one line naming the file, because a silently
 * missing detector reads as "no anomalies" in the results.
 *
 *   detect_load ──> det[0..n) ──> detect_begin (init) ──> events ──> detect_end
 *                     │ slot i                               │
 *                     └── f->slots[i] ◄──────────────────────┘ fan-out
 *
 * Each detector gets its own struct tm_context, so tm_host.report knows who
 * is speaking and can refuse a kind that is not the reporter's.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect.h"
#include "names.h"
#include "util.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/tcpmortem/plugins"
#endif

struct tm_context {
	struct detect *d;
	size_t idx;
};

struct det {
	const struct tm_detector *td;
	char *path;
	int enabled;
	void *state;
	int started;
	struct tm_context ctx;
};

struct setting {
	char *name;
	double value;
};

struct detect {
	struct det *det;
	size_t ndet, detcap;
	uint32_t *slot_size;    /* per detector: tm_detector.slot_size, or 0 */
	void **handles;
	size_t nhandles, handlecap;
	char **disabled;        /* kinds switched off individually */
	size_t ndisabled;
	struct setting *set;
	size_t nset;
	enum tm_vantage stated;
	uint64_t votes[4];      /* handshakes per inferred vantage */
	uint64_t drops;
	detect_sink_fn sink;
	void *sink_ctx;
	struct tm_host host;
	struct flow *current;   /* the flow being handed to the detectors */
	uint64_t elsewhere;     /* findings naming another flow than that */
};

/* --- loading ------------------------------------------------------------- */

static const struct det *
find_name(const struct detect *d, const char *name)
{
	for (size_t i = 0; i < d->ndet; i++)
		if (strcmp(d->det[i].td->name, name) == 0)
			return &d->det[i];
	return NULL;
}

static int
has_kind(const struct tm_detector *td, const char *kind)
{
	for (const char *const *k = td->kinds; k != NULL && *k != NULL; k++)
		if (strcmp(*k, kind) == 0)
			return 1;
	return 0;
}

/* Whether TD may join D; ERR names PATH and the reason if not. */
static int
check_detector(const struct detect *d, const struct tm_detector *td, const char *path,
    char *err, size_t errlen)
{
	if (td->abi_version != TM_DETECTOR_ABI_VERSION) {
		snprintf(err, errlen, "%s: detector ABI version %u, this tcpmortem needs %u",
		    path, td->abi_version, TM_DETECTOR_ABI_VERSION);
		return -1;
	}
	if (td->struct_size < TM_DETECTOR_SIZE_V1) {
		snprintf(err, errlen, "%s: detector struct of %u bytes, this tcpmortem needs %zu",
		    path, td->struct_size, (size_t)TM_DETECTOR_SIZE_V1);
		return -1;
	}
	if (td->name == NULL || td->kinds == NULL || td->init == NULL) {
		snprintf(err, errlen, "%s: detector without a name, kinds or init", path);
		return -1;
	}
	for (const char *const *k = td->kinds; *k != NULL; k++)
		for (size_t i = 0; i < d->ndet; i++)
			if (has_kind(d->det[i].td, *k)) {
				snprintf(err, errlen, "%s: kind '%s' of detector '%s' is already "
				    "reported by '%s' (%s)", path, *k, td->name,
				    d->det[i].td->name, d->det[i].path);
				return -1;
			}
	return 0;
}

static void
add_detector(struct detect *d, const struct tm_detector *td, const char *path)
{
	struct det *e;

	grow_array((void **)&d->det, &d->detcap, d->ndet + 1, sizeof(*d->det));
	e = &d->det[d->ndet];
	memset(e, 0, sizeof(*e));
	e->td = td;
	e->path = xstrdup(path);
	e->enabled = 1;
	e->ctx.d = d;
	e->ctx.idx = d->ndet++;
	d->slot_size = xreallocarray(d->slot_size, d->ndet, sizeof(*d->slot_size));
	d->slot_size[e->ctx.idx] = td->struct_size >= offsetof(struct tm_detector, slot_size) +
	    sizeof(td->slot_size) ? td->slot_size : 0;
}

/* dlopen PATH and take its detectors.  Returns 0, or -1 with ERR. */
static int
load_file(struct detect *d, const char *path, char *err, size_t errlen)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	tm_detector_entry_fn entry;
	const struct tm_detector *const *list;

	if (h == NULL) {
		snprintf(err, errlen, "%s: cannot load: %s", path, dlerror());
		return -1;
	}
	grow_array((void **)&d->handles, &d->handlecap, d->nhandles + 1, sizeof(void *));
	d->handles[d->nhandles++] = h;
	*(void **)(&entry) = dlsym(h, TM_DETECTOR_ENTRY);
	if (entry == NULL || (list = entry()) == NULL) {
		snprintf(err, errlen, "%s: not a tcpmortem detector (no %s)", path,
		    TM_DETECTOR_ENTRY);
		return -1;
	}
	for (; *list != NULL; list++) {
		if ((*list)->name != NULL && find_name(d, (*list)->name) != NULL)
			continue;               /* shadowed by an earlier directory */
		if (check_detector(d, *list, path, err, errlen) != 0)
			return -1;
		add_detector(d, *list, path);
	}
	return 0;
}

static int
is_plugin_file(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 3 && e->d_name[0] != '.' && strcmp(e->d_name + n - 3, ".so") == 0;
}

/* Load every *.so of DIR; a missing directory is not an error unless
 * REQUIRED (the user named it). */
static int
load_dir(struct detect *d, const char *dir, int required, char *err, size_t errlen)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_plugin_file, alphasort), rc = 0;

	if (n < 0) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (rc == 0)
			rc = load_file(d, path, err, errlen);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
load_env_path(struct detect *d, char *err, size_t errlen)
{
	const char *env = getenv("TCPMORTEM_PLUGIN_PATH");
	char *copy, *save = NULL;
	int rc = 0;

	if (env == NULL || *env == '\0')
		return 0;
	copy = xstrdup(env);
	for (char *p = strtok_r(copy, ":", &save); p != NULL && rc == 0;
	    p = strtok_r(NULL, ":", &save))
		rc = load_dir(d, p, 0, err, errlen);
	free(copy);
	return rc;
}

/* The build tree's plugins: BIN/../plugins/.libs for BIN = src/tcpmortem. */
static int
load_build_tree(struct detect *d, char *err, size_t errlen)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	struct stat sb;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	for (int up = 0; up < 2; up++)
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
	snprintf(dir, sizeof(dir), "%s/plugins/.libs", exe);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return 0;
	return load_dir(d, dir, 0, err, errlen);
}

static int
load_path(struct detect *d, const struct detect_options *o, char *err, size_t errlen)
{
	for (const char *const *p = o->plugin_dirs; p != NULL && *p != NULL; p++)
		if (load_dir(d, *p, 1, err, errlen) != 0)
			return -1;
	if (o->no_default_path)
		return 0;
	if (load_env_path(d, err, errlen) != 0 || load_build_tree(d, err, errlen) != 0)
		return -1;
	return load_dir(d, PLUGINDIR, 0, err, errlen);
}

/* --- --disable and --set ----------------------------------------------- */

static int
apply_disable(struct detect *d, const char *what, char *err, size_t errlen)
{
	int found = 0;

	for (size_t i = 0; i < d->ndet; i++) {
		if (strcmp(d->det[i].td->name, what) == 0) {
			d->det[i].enabled = 0;
			found = 1;
		} else if (has_kind(d->det[i].td, what)) {
			found = 1;
		}
	}
	if (!found) {
		snprintf(err, errlen, "--disable %s: no loaded detector reports that kind "
		    "(see tcpmortem plugins)", what);
		return -1;
	}
	d->disabled = xreallocarray(d->disabled, d->ndisabled + 1, sizeof(char *));
	d->disabled[d->ndisabled++] = xstrdup(what);
	return 0;
}

static int
kind_disabled(const struct detect *d, const char *kind)
{
	for (size_t i = 0; i < d->ndisabled; i++)
		if (strcmp(d->disabled[i], kind) == 0)
			return 1;
	return 0;
}

/* A detector all of whose kinds are disabled is not run at all. */
static void
disable_empty(struct detect *d)
{
	for (size_t i = 0; i < d->ndet; i++) {
		const char *const *k = d->det[i].td->kinds;

		while (*k != NULL && kind_disabled(d, *k))
			k++;
		if (*k == NULL)
			d->det[i].enabled = 0;
	}
}

static int
option_known(const struct detect *d, const char *name)
{
	for (size_t i = 0; i < d->ndet; i++)
		for (const struct tm_option *o = d->det[i].td->options; o != NULL && o->name != NULL; o++)
			if (strcmp(o->name, name) == 0)
				return 1;
	return 0;
}

static int
apply_setting(struct detect *d, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	char *name, *end;
	double v;

	if (eq == NULL || eq == assignment) {
		snprintf(err, errlen, "--set %s: expected NAME=VALUE", assignment);
		return -1;
	}
	name = xstrdup(assignment);
	name[eq - assignment] = '\0';
	errno = 0;
	v = strtod(eq + 1, &end);
	if (!option_known(d, name)) {
		snprintf(err, errlen, "--set %s: no loaded detector has that option "
		    "(see tcpmortem plugins)", name);
		free(name);
		return -1;
	}
	if (errno != 0 || end == eq + 1 || *end != '\0') {
		snprintf(err, errlen, "--set %s: '%s' is not a number", name, eq + 1);
		free(name);
		return -1;
	}
	d->set = xreallocarray(d->set, d->nset + 1, sizeof(*d->set));
	d->set[d->nset++] = (struct setting){ .name = name, .value = v };
	return 0;
}

/* --- the tm_host table -------------------------------------------------- */

static int
host_report(struct tm_context *ctx, const struct tm_finding *f)
{
	struct detect *d = ctx->d;
	const struct det *e = &d->det[ctx->idx];

	if (f == NULL || f->kind == NULL || !has_kind(e->td, f->kind))
		return -1;
	if (kind_disabled(d, f->kind) || d->sink == NULL)
		return 0;
	if (d->current != NULL && f->flow_id == d->current->v.id)
		d->current->findings++;
	else if (f->flow_id != 0)
		d->elsewhere++;
	if (d->drops > 0 && f->detail != NULL) {
		/* Live: the packets that would contradict it may be among those lost. */
		struct tm_finding g = *f;
		char detail[1024];

		snprintf(detail, sizeof detail, "%s (the kernel had dropped %llu packets by then: "
		    "evidence may be missing)", f->detail, (unsigned long long)d->drops);
		g.detail = detail;
		d->sink(d->sink_ctx, &g, e->td->name);
		return 0;
	}
	d->sink(d->sink_ctx, f, e->td->name);
	return 0;
}

static double
host_option(struct tm_context *ctx, const char *name, double dflt)
{
	const struct detect *d = ctx->d;

	for (size_t i = d->nset; i > 0; i--)    /* the last --set wins */
		if (strcmp(d->set[i - 1].name, name) == 0)
			return d->set[i - 1].value;
	return dflt;
}

static enum tm_vantage
host_vantage(struct tm_context *ctx)
{
	return detect_vantage(ctx->d);
}

static uint64_t
host_drops(struct tm_context *ctx)
{
	return ctx->d->drops;
}

struct detect *
detect_load(const struct detect_options *o, char *err, size_t errlen)
{
	struct detect *d = xcalloc(1, sizeof(*d));

	d->stated = o->vantage;
	d->host = (struct tm_host){ .struct_size = sizeof(struct tm_host),
	    .report = host_report, .option = host_option, .addr_str = addr_str,
	    .vantage = host_vantage, .state_name = state_name, .drops = host_drops };
	if (load_path(d, o, err, errlen) != 0)
		goto fail;
	for (const char *const *p = o->disabled; p != NULL && *p != NULL; p++)
		if (apply_disable(d, *p, err, errlen) != 0)
			goto fail;
	for (const char *const *p = o->settings; p != NULL && *p != NULL; p++)
		if (apply_setting(d, *p, err, errlen) != 0)
			goto fail;
	disable_empty(d);
	return d;
fail:
	detect_free(d);
	return NULL;
}

void
detect_free(struct detect *d)
{
	if (d == NULL)
		return;
	detect_end(d, 0);
	for (size_t i = 0; i < d->ndet; i++)
		free(d->det[i].path);
	for (size_t i = 0; i < d->ndisabled; i++)
		free(d->disabled[i]);
	for (size_t i = 0; i < d->nset; i++)
		free(d->set[i].name);
	for (size_t i = 0; i < d->nhandles; i++)
		dlclose(d->handles[i]);
	free(d->det);
	free(d->slot_size);
	free(d->handles);
	free(d->disabled);
	free(d->set);
	free(d);
}

/* --- events --------------------------------------------------------------- */

size_t
detect_slots(const struct detect *d)
{
	return d->ndet;
}

const uint32_t *
detect_slot_sizes(const struct detect *d)
{
	return d->slot_size;
}

int
detect_begin(struct detect *d, const struct tm_profile *profile,
    detect_sink_fn sink, void *sink_ctx, char *err, size_t errlen)
{
	d->sink = sink;
	d->sink_ctx = sink_ctx;
	d->votes[0] = d->votes[1] = d->votes[2] = d->votes[3] = 0;
	d->elsewhere = 0;
	for (size_t i = 0; i < d->ndet; i++) {
		struct det *e = &d->det[i];

		if (!e->enabled || e->started)
			continue;
		e->state = NULL;
		if (e->td->init(&e->ctx, &d->host, profile, &e->state) != 0) {
			snprintf(err, errlen, "%s: detector '%s' failed to start", e->path,
			    e->td->name);
			return -1;
		}
		e->started = 1;
	}
	return 0;
}

/* The detector at I runs and has callback MEMBER. */
#define RUNS(d, i, member) ((d)->det[i].started && (d)->det[i].td->member != NULL)

void
detect_segment(struct detect *d, struct flow *f, const struct tm_segment *s)
{
	d->current = f;
	for (size_t i = 0; i < d->ndet; i++)
		if (RUNS(d, i, on_segment) && f->slots != NULL)
			d->det[i].td->on_segment(d->det[i].state, &f->v, s, &f->slots[i]);
	d->current = NULL;
}

void
detect_transition(struct detect *d, struct flow *f, const struct tm_transition *t)
{
	d->current = f;
	for (size_t i = 0; i < d->ndet; i++)
		if (RUNS(d, i, on_transition) && f->slots != NULL)
			d->det[i].td->on_transition(d->det[i].state, &f->v, t, &f->slots[i]);
	d->current = NULL;
}

void
detect_flow_end(struct detect *d, struct flow *f)
{
	d->current = f;
	for (size_t i = 0; i < d->ndet && f->slots != NULL; i++) {
		if (RUNS(d, i, on_flow_end))
			d->det[i].td->on_flow_end(d->det[i].state, &f->v, &f->slots[i]);
		f->slots[i] = NULL;     /* the contract says freed; never reuse it */
	}
	d->current = NULL;
}

void
detect_tick(struct detect *d, tm_time_t now)
{
	for (size_t i = 0; i < d->ndet; i++)
		if (RUNS(d, i, on_tick))
			d->det[i].td->on_tick(d->det[i].state, now);
}

void
detect_set_drops(struct detect *d, uint64_t drops)
{
	d->drops = drops;
}

void
detect_end(struct detect *d, tm_time_t end)
{
	for (size_t i = 0; i < d->ndet; i++) {
		struct det *e = &d->det[i];

		if (!e->started)
			continue;
		if (e->td->on_capture_end != NULL && end != 0)
			e->td->on_capture_end(e->state, end);
		if (e->td->fini != NULL)
			e->td->fini(e->state);
		e->state = NULL;
		e->started = 0;
	}
}

/* --- vantage --------------------------------------------------------------- */

/* Gaps within this factor of each other are "comparable": middle. */
#define VANTAGE_MIN_DIFF 100000.0   /* ns */
#define VANTAGE_RATIO 3.0

void
detect_observe_handshake(struct detect *d, tm_time_t syn, tm_time_t synack, tm_time_t ack)
{
	double g1 = (double)(synack - syn), g2 = (double)(ack - synack);

	if (syn == 0 || synack < syn || ack < synack)
		return;
	/* Gaps a few tens of microseconds apart are the hosts' own response
	 * times, not a path: no side of the tap is farther. */
	if (g1 - g2 < VANTAGE_MIN_DIFF && g2 - g1 < VANTAGE_MIN_DIFF)
		d->votes[TM_VANTAGE_MIDDLE]++;
	else if (g1 > VANTAGE_RATIO * g2)
		d->votes[TM_VANTAGE_CLIENT]++;  /* the RTT lies after our SYN */
	else if (g2 > VANTAGE_RATIO * g1)
		d->votes[TM_VANTAGE_SERVER]++;  /* the RTT lies after our SYN-ACK */
	else
		d->votes[TM_VANTAGE_MIDDLE]++;
}

uint64_t
detect_findings_elsewhere(const struct detect *d)
{
	return d->elsewhere;
}

/* Stated, else the reading more than half of the handshakes agree on,
 * else middle when there were handshakes at all. */
enum tm_vantage
detect_vantage(const struct detect *d)
{
	uint64_t total = d->votes[1] + d->votes[2] + d->votes[3];

	if (d->stated != TM_VANTAGE_UNKNOWN || total == 0)
		return d->stated;
	for (int v = TM_VANTAGE_CLIENT; v <= TM_VANTAGE_MIDDLE; v++)
		if (2 * d->votes[v] > total)
			return (enum tm_vantage)v;
	return TM_VANTAGE_MIDDLE;
}

/* --- listing ---------------------------------------------------------------- */

size_t
detect_count(const struct detect *d)
{
	return d->ndet;
}

const struct tm_detector *
detect_get(const struct detect *d, size_t i, const char **path)
{
	if (i >= d->ndet)
		return NULL;
	if (path != NULL)
		*path = d->det[i].path;
	return d->det[i].td;
}

static void
json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void
list_json(const struct det *e, FILE *out)
{
	const char *sep = "";

	fputs("{\"name\":", out);
	json_string(out, e->td->name);
	fputs(",\"file\":", out);
	json_string(out, e->path);
	fputs(",\"version\":", out);
	json_string(out, e->td->version);
	fprintf(out, ",\"enabled\":%s,\"kinds\":[", e->enabled ? "true" : "false");
	for (const char *const *k = e->td->kinds; *k != NULL; k++, sep = ",") {
		fputs(sep, out);
		json_string(out, *k);
	}
	fputs("],\"options\":[", out);
	sep = "";
	for (const struct tm_option *o = e->td->options; o != NULL && o->name != NULL; o++, sep = ",") {
		fprintf(out, "%s{\"name\":", sep);
		json_string(out, o->name);
		fprintf(out, ",\"default\":%g,\"help\":", o->dflt);
		json_string(out, o->help);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

static void
list_table(const struct det *e, FILE *out)
{
	fprintf(out, "%s %s%s  %s\n  file: %s\n  kinds:", e->td->name,
	    e->td->version ? e->td->version : "?", e->enabled ? "" : " (disabled)",
	    e->td->summary ? e->td->summary : "", e->path);
	for (const char *const *k = e->td->kinds; *k != NULL; k++)
		fprintf(out, " %s", *k);
	fputc('\n', out);
	for (const struct tm_option *o = e->td->options; o != NULL && o->name != NULL; o++)
		fprintf(out, "  --set %s=%g  %s\n", o->name, o->dflt, o->help ? o->help : "");
}

void
detect_list(const struct detect *d, FILE *out, int format)
{
	for (size_t i = 0; i < d->ndet; i++) {
		if (format == DETECT_LIST_JSON)
			list_json(&d->det[i], out);
		else {
			if (i > 0)
				fputc('\n', out);
			list_table(&d->det[i], out);
		}
	}
}
