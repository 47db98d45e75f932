/* The coordination clock, on the service thread: each channel's standup
 * schedule and every open standup, kept in memory (loaded at start,
 * changed as jobs commit), and one lws timer (lws_sul) that wakes when the
 * next standup is due to open or close or the digest to go out, and at
 * least once a minute. Nothing sleeps on a schedule and nothing touches the
 * process-wide TZ: zones come from tz.c. What must be written goes to the
 * writer as jobs; a standup opens once per scheduled local date (the
 * store's standups_date refuses a second), so a restart, a slow commit or
 * a clock moved back never open the same date twice. */
#include "weft/coord.h"

#include "weft/cmd.h"
#include "weft/net.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TICK_MAX_MS 60000   /* wake at least this often: a clock that jumped is noticed */

/* A channel's schedule. */
struct sched {
	int64_t channel;
	char *config;               /* canonical JSON, as stored */
	char *questions;            /* JSON array */
	struct weft_weekly weekly;
	const struct weft_tz *zone; /* from the cache */
	int window;                 /* minutes */
	int64_t last_date;          /* local day the schedule last opened one; -1: never */
	bool pending;               /* an open job is with the writer */
};

struct open_standup {
	int64_t channel, id, closes_ms;
	bool closing;               /* a close job is with the writer */
};

struct zone {
	char name[WEFT_TZ_NAME_MAX + 1];
	struct weft_tz *tz;
};

struct weft_coord {
	struct sched *scheds;       /* sorted by channel */
	int nscheds, capscheds;
	struct open_standup *opens;
	int nopens, capopens;
	struct zone *zones;
	int nzones, capzones;
	struct weft_tz *zone;       /* the server's */
	char tz[WEFT_TZ_NAME_MAX + 1];
	int digest_minute;
	int64_t digest_last;        /* the local day the digest last went out from here */
	bool digest_pending;
	int64_t offset_ms;          /* test_clock only */
	bool started;
	lws_sorted_usec_list_t sul;
	struct weft_server *srv;
};

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static bool grow(void **arr, int *cap, int need, size_t size)
{
	if (need <= *cap)
		return true;
	int n = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, (size_t)n * size);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

int64_t weft_coord_now(struct weft_server *s)
{
	return weft_now_ms() + (s->coord ? s->coord->offset_ms : 0);
}

/* ---- Zones. */

int weft_coord_zone(struct weft_server *s, const char *name, const struct weft_tz **out)
{
	struct weft_coord *co = s->coord;
	if (!name || !*name) {
		*out = co->zone;
		return WEFT_OK;
	}
	for (int i = 0; i < co->nzones; i++)
		if (!strcmp(co->zones[i].name, name)) {
			*out = co->zones[i].tz;
			return WEFT_OK;
		}
	/* Read once (a file of a few KiB in the page cache), then kept. */
	struct weft_tz *z;
	int rc = weft_tz_load(NULL, name, &z);
	if (rc)
		return rc;
	if (!grow((void **)&co->zones, &co->capzones, co->nzones + 1, sizeof *co->zones)) {
		weft_tz_free(z);
		return WEFT_ENOMEM;
	}
	struct zone *e = &co->zones[co->nzones++];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->tz = z;
	*out = z;
	return WEFT_OK;
}

const char *weft_coord_tz_name(struct weft_server *s)
{
	return s->coord->tz;
}

void weft_coord_today(struct weft_server *s, char out[WEFT_DATE_BYTES])
{
	weft_date_format(weft_tz_today(s->coord->zone, weft_coord_now(s)), out);
}

/* The system's zone: /etc/localtime (its name from the link's target),
 * else UTC. */
static int system_zone(struct weft_coord *co)
{
	char target[512];
	ssize_t n = readlink("/etc/localtime", target, sizeof target - 1);
	const char *name = NULL;
	if (n > 0) {
		target[n] = '\0';
		const char *p = strstr(target, "zoneinfo/");
		if (p && weft_tz_name_valid(p + 9))
			name = p + 9;
	}
	/* A copied (not linked) /etc/localtime: Debian names it in /etc/timezone. */
	FILE *f = name ? NULL : fopen("/etc/timezone", "r");
	if (f) {
		if (fgets(target, sizeof target, f)) {
			target[strcspn(target, " \t\r\n")] = '\0';
			if (weft_tz_name_valid(target))
				name = target;
		}
		fclose(f);
	}
	if (name && !weft_tz_load(NULL, name, &co->zone)) {
		snprintf(co->tz, sizeof co->tz, "%.64s", name); /* valid: at most 64 bytes */
		return WEFT_OK;
	}
	snprintf(co->tz, sizeof co->tz, "UTC");
	return weft_tz_load(NULL, "UTC", &co->zone);
}

int weft_coord_create(struct weft_server *s)
{
	struct weft_coord *co = calloc(1, sizeof *co);
	if (!co)
		return WEFT_ENOMEM;
	s->coord = co;
	co->srv = s;
	co->digest_last = -1;
	const char *t = s->cfg->digest_time; /* checked: HH:MM */
	co->digest_minute = ((t[0] - '0') * 10 + (t[1] - '0')) * 60 + (t[3] - '0') * 10 + (t[4] - '0');
	if (s->cfg->test_clock)
		co->offset_ms = (int64_t)s->cfg->clock_offset * 1000;
	int rc;
	if (s->cfg->tz[0]) {
		snprintf(co->tz, sizeof co->tz, "%s", s->cfg->tz);
		rc = weft_tz_load(NULL, s->cfg->tz, &co->zone);
	} else {
		rc = system_zone(co);
	}
	if (rc)
		weft_err("coord.tz_load_failed tz=%s dir=%s", co->tz, WEFT_TZ_DIR);
	return rc;
}

void weft_coord_free(struct weft_server *s)
{
	struct weft_coord *co = s->coord;
	if (!co)
		return;
	if (co->started && s->ctx)
		lws_sul_cancel(&co->sul);
	for (int i = 0; i < co->nscheds; i++) {
		free(co->scheds[i].config);
		free(co->scheds[i].questions);
	}
	for (int i = 0; i < co->nzones; i++)
		weft_tz_free(co->zones[i].tz);
	free(co->scheds);
	free(co->opens);
	free(co->zones);
	weft_tz_free(co->zone);
	free(co);
	s->coord = NULL;
}

/* ---- Schedules. */

static int sched_find(struct weft_coord *co, int64_t channel, bool *found)
{
	int lo = 0, hi = co->nscheds;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (co->scheds[mid].channel < channel)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < co->nscheds && co->scheds[lo].channel == channel;
	return lo;
}

/* A stored config into sc (its strings new). */
static int sched_parse(struct weft_server *s, const char *config, struct sched *sc)
{
	cJSON *o = cJSON_Parse(config);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "questions");
	const cJSON *days = cJSON_GetObjectItemCaseSensitive(o, "days");
	const cJSON *time = cJSON_GetObjectItemCaseSensitive(o, "time");
	const cJSON *tz = cJSON_GetObjectItemCaseSensitive(o, "tz");
	const cJSON *window = cJSON_GetObjectItemCaseSensitive(o, "window");
	int rc = WEFT_EINVAL;
	if (!cJSON_IsArray(q) || !cJSON_IsArray(days) || !cJSON_IsString(time) || strlen(time->valuestring) != 5 ||
	    !cJSON_IsString(tz) || !cJSON_IsNumber(window))
		goto out;
	const cJSON *d;
	sc->weekly.days = 0;
	cJSON_ArrayForEach(d, days)
		for (int i = 0; i < 7; i++)
			if (cJSON_IsString(d) && !strcmp(d->valuestring, day_names[i]))
				sc->weekly.days |= 1u << i;
	const char *t = time->valuestring;
	sc->weekly.minute = ((t[0] - '0') * 10 + (t[1] - '0')) * 60 + (t[3] - '0') * 10 + (t[4] - '0');
	sc->window = window->valueint;
	if ((rc = weft_coord_zone(s, tz->valuestring, &sc->zone)))
		goto out;
	sc->config = strdup(config);
	sc->questions = cJSON_PrintUnformatted(q);
	rc = sc->config && sc->questions ? WEFT_OK : WEFT_ENOMEM;
out:
	cJSON_Delete(o);
	return rc;
}

static void sched_put(struct weft_server *s, int64_t channel, const char *config, int64_t last_date)
{
	struct weft_coord *co = s->coord;
	bool found;
	int at = sched_find(co, channel, &found);
	struct sched next = { .channel = channel, .last_date = found ? co->scheds[at].last_date : last_date };
	if (config && sched_parse(s, config, &next)) {
		weft_err("coord.schedule_unreadable channel=%lld action=%s", (long long)channel, "ignored");
		free(next.config);
		free(next.questions);
		config = NULL;
	}
	if (found) {
		next.pending = co->scheds[at].pending;
		free(co->scheds[at].config);
		free(co->scheds[at].questions);
		if (config) {
			co->scheds[at] = next;
			return;
		}
		memmove(&co->scheds[at], &co->scheds[at + 1], (size_t)(co->nscheds - at - 1) * sizeof *co->scheds);
		co->nscheds--;
		return;
	}
	if (!config)
		return;
	if (!grow((void **)&co->scheds, &co->capscheds, co->nscheds + 1, sizeof *co->scheds)) {
		weft_err("coord.schedule_oom channel=%lld", (long long)channel);
		free(next.config);
		free(next.questions);
		return;
	}
	memmove(&co->scheds[at + 1], &co->scheds[at], (size_t)(co->nscheds - at) * sizeof *co->scheds);
	co->scheds[at] = next;
	co->nscheds++;
}

static void schedule_tick(struct weft_server *s, int64_t delay_ms);

void weft_coord_config_set(struct weft_server *s, int64_t channel, const char *config)
{
	sched_put(s, channel, config, -1);
	schedule_tick(s, 0);
}

void weft_coord_channel_json(struct weft_server *s, int64_t channel, cJSON *obj)
{
	bool found;
	int at = s->coord ? sched_find(s->coord, channel, &found) : 0;
	if (s->coord && found)
		cJSON_AddItemToObject(obj, "standup", cJSON_Parse(s->coord->scheds[at].config));
}

/* ---- Open standups. */

void weft_coord_opened(struct weft_server *s, int64_t channel, int64_t id, int64_t closes_ms)
{
	struct weft_coord *co = s->coord;
	for (int i = 0; i < co->nopens; i++)
		if (co->opens[i].id == id)
			return;
	if (!grow((void **)&co->opens, &co->capopens, co->nopens + 1, sizeof *co->opens)) {
		weft_err("coord.standup_oom standup=%lld action=%s", (long long)id, "closes at the next start");
		return;
	}
	co->opens[co->nopens++] = (struct open_standup){ channel, id, closes_ms, false };
	schedule_tick(s, 0);
}

void weft_coord_closed(struct weft_server *s, int64_t id)
{
	struct weft_coord *co = s->coord;
	for (int i = 0; i < co->nopens; i++)
		if (co->opens[i].id == id) {
			co->opens[i] = co->opens[--co->nopens];
			return;
		}
}

int64_t weft_coord_open_standup(struct weft_server *s, int64_t channel)
{
	struct weft_coord *co = s->coord;
	for (int i = 0; i < co->nopens; i++)
		if (co->opens[i].channel == channel)
			return co->opens[i].id;
	return 0;
}

/* ---- The jobs the clock hands to the writer (no connection waits). */

static void open_done(struct weft_server *s, struct weft_job *job)
{
	bool found;
	int at = sched_find(s->coord, job->channel, &found);
	int64_t day = -1;
	weft_date_parse(job->name, &day);
	if (found)
		s->coord->scheds[at].pending = false;
	if (!job->result)
		weft_coord_opened(s, job->channel, job->id, job->expires_ms);
	else if (job->result != WEFT_ECONFLICT)
		weft_err("coord.open_failed channel=%lld date=%s error=%s", (long long)job->channel,
			 job->name, weft_strerror(job->result));
	/* Opened, or there was one already (open, or of this date): done for
	 * the date. A failure tries again at the next tick. */
	if (found && (!job->result || job->result == WEFT_ECONFLICT) && day > s->coord->scheds[at].last_date)
		s->coord->scheds[at].last_date = day;
}

static void sched_open(struct weft_server *s, struct sched *sc, int64_t due_ms, int64_t day)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_STANDUP_OPEN);
	if (!job || !(job->text = strdup(sc->questions))) {
		weft_job_free(job);
		return;
	}
	job->channel = sc->channel;
	job->flag = true;
	job->target = weft_coord_now(s);
	job->expires_ms = due_ms + (int64_t)sc->window * 60000;
	weft_date_format(day, job->name);
	if (!weft_server_submit(s, NULL, job, open_done))
		sc->pending = true;
}

static void close_done(struct weft_server *s, struct weft_job *job)
{
	if (!job->result || job->result == WEFT_ENOTFOUND) {
		weft_coord_closed(s, job->target);
		return;
	}
	weft_err("coord.close_failed standup=%lld error=%s", (long long)job->target, weft_strerror(job->result));
	for (int i = 0; i < s->coord->nopens; i++)
		if (s->coord->opens[i].id == job->target)
			s->coord->opens[i].closing = false;
}

/* The digest: one DM from the system account to each person with open
 * items due today or overdue. Three steps: the writer lists them (with the
 * text of each message), then for each a DM is found or opened, then the
 * message is sent with client_id digest:<user>:<date>, which the store
 * takes once: never a second digest the same day, even across restarts. */
static void digest_send_done(struct weft_server *s, struct weft_job *job)
{
	(void)s;
	if (job->result)
		weft_err("coord.digest_failed error=%s", weft_strerror(job->result));
}

static void digest_dm_done(struct weft_server *s, struct weft_job *job)
{
	struct weft_job *send = job->result ? NULL : weft_job_new(WEFT_JOB_SEND);
	if (!send) {
		if (job->result)
			weft_err("coord.digest_dm_failed user=%lld error=%s", (long long)job->target,
				 weft_strerror(job->result));
		return;
	}
	send->user = job->user;
	send->channel = job->id;
	send->text = job->text; /* the body, handed on */
	job->text = NULL;
	snprintf(send->client_id, sizeof send->client_id, "%s", job->client_id);
	weft_server_submit(s, NULL, send, digest_send_done);
}

static void digest_scan_done(struct weft_server *s, struct weft_job *job)
{
	s->coord->digest_pending = false;
	cJSON *o = job->result ? NULL : cJSON_Parse(job->out);
	const cJSON *weft = cJSON_GetObjectItemCaseSensitive(o, "weft");
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "digests"), *d;
	if (!o || !cJSON_IsNumber(weft) || !weft->valuedouble) {
		if (job->result)
			weft_err("coord.digest_scan_failed error=%s", weft_strerror(job->result));
		else if (cJSON_GetArraySize(list))
			weft_warn("coord.digest_skipped reason=%s", "no system account weft");
		s->coord->digest_last = job->result ? -1 : s->coord->digest_last;
		cJSON_Delete(o);
		return;
	}
	cJSON_ArrayForEach(d, list) {
		const cJSON *user = cJSON_GetObjectItemCaseSensitive(d, "user");
		const cJSON *body = cJSON_GetObjectItemCaseSensitive(d, "body");
		struct weft_job *dm = weft_job_new(WEFT_JOB_DM_OPEN);
		if (!dm || !cJSON_IsNumber(user) || !cJSON_IsString(body) || !(dm->text = strdup(body->valuestring))) {
			weft_job_free(dm);
			continue;
		}
		dm->user = (int64_t)weft->valuedouble;
		dm->target = dm->users[0] = (int64_t)user->valuedouble;
		dm->nusers = 1;
		snprintf(dm->client_id, sizeof dm->client_id, "digest:%lld:%s", (long long)dm->target, job->name);
		weft_server_submit(s, NULL, dm, digest_dm_done);
	}
	cJSON_Delete(o);
}

static void digest_scan(struct weft_server *s, int64_t day)
{
	struct weft_job *job = weft_job_new(WEFT_JOB_DIGEST_SCAN);
	char base[600];
	if (s->cfg->public_url[0])
		snprintf(base, sizeof base, "%s", s->cfg->public_url);
	else
		snprintf(base, sizeof base, "https://localhost:%d", s->cfg->port);
	size_t n = strlen(base);
	if (n && base[n - 1] == '/')
		base[n - 1] = '\0';
	if (!job || !(job->text = strdup(base))) {
		weft_job_free(job);
		return;
	}
	weft_date_format(day, job->name);
	if (!weft_server_submit(s, NULL, job, digest_scan_done)) {
		s->coord->digest_pending = true;
		s->coord->digest_last = day;
	}
}

/* ---- The tick. */

/* Opens what is due of sc at now; returns when sc next needs a look. */
static int64_t sched_tick(struct weft_server *s, struct sched *sc, int64_t now)
{
	int64_t day = -1;
	int64_t prev = weft_weekly_prev(sc->zone, &sc->weekly, now, &day);
	/* Due and within its window (a server that was down opens it late,
	 * never after the window), not opened for that date, none open. */
	struct weft_hub_channel *ch = weft_hub_channel_get(&s->hub, sc->channel);
	if (prev && now < prev + (int64_t)sc->window * 60000 && day > sc->last_date && !sc->pending) {
		if (!ch || ch->info.archived) {
			sc->last_date = day; /* an archived channel holds no standups */
		} else if (weft_coord_open_standup(s, sc->channel)) {
			weft_info("coord.standup_skipped channel=%lld reason=%s",
				  (long long)sc->channel, "one is open");
			sc->last_date = day;
		} else {
			sched_open(s, sc, prev, day);
		}
	}
	int64_t next = weft_weekly_next(sc->zone, &sc->weekly, now, NULL);
	return next ? next : INT64_MAX;
}

static void tick(lws_sorted_usec_list_t *sul)
{
	struct weft_coord *co = weft_container_of(sul, struct weft_coord, sul);
	struct weft_server *s = co->srv;
	int64_t now = weft_coord_now(s), wake = now + TICK_MAX_MS;
	for (int i = 0; i < co->nscheds; i++) {
		int64_t next = sched_tick(s, &co->scheds[i], now);
		if (next < wake)
			wake = next;
	}
	for (int i = 0; i < co->nopens; i++) {
		struct open_standup *o = &co->opens[i];
		if (!o->closing && now >= o->closes_ms) {
			struct weft_job *job = weft_job_new(WEFT_JOB_STANDUP_CLOSE);
			if (job) {
				job->channel = o->channel;
				job->target = o->id;
				o->closing = !weft_server_submit(s, NULL, job, close_done);
			}
		} else if (!o->closing && o->closes_ms < wake) {
			wake = o->closes_ms;
		}
	}
	int64_t today = weft_tz_today(co->zone, now);
	int64_t digest_at = weft_tz_local_to_utc(co->zone, today * 86400 + co->digest_minute * 60) * 1000;
	if (now >= digest_at && today > co->digest_last && !co->digest_pending)
		digest_scan(s, today);
	else if (now < digest_at && digest_at < wake)
		wake = digest_at;
	schedule_tick(s, wake - now);
}

/* The next tick in delay_ms (0: as soon as the loop comes round). */
static void schedule_tick(struct weft_server *s, int64_t delay_ms)
{
	struct weft_coord *co = s->coord;
	if (!co || !co->started)
		return;
	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > TICK_MAX_MS)
		delay_ms = TICK_MAX_MS;
	lws_sul_schedule(s->ctx, 0, &co->sul, tick, delay_ms * LWS_US_PER_MS);
}

void weft_coord_set_clock(struct weft_server *s, int64_t at_ms)
{
	s->coord->offset_ms = at_ms - weft_now_ms();
	weft_info("coord.test_clock at_ms=%lld", (long long)at_ms);
	schedule_tick(s, 0);
}

static void load_config(void *arg, int64_t channel, const char *config, const char *last_date)
{
	int64_t day = -1;
	if (last_date && *last_date)
		weft_date_parse(last_date, &day);
	sched_put(arg, channel, config, day);
}

static void load_open(void *arg, int64_t channel, int64_t id, int64_t closes_ms)
{
	weft_coord_opened(arg, channel, id, closes_ms);
}

int weft_coord_start(struct weft_server *s)
{
	int rc = weft_store_standup_load(s->store, load_config, load_open, s);
	if (rc) {
		weft_err("coord.schedules_unreadable error=%s", weft_strerror(rc));
		return rc;
	}
	s->coord->started = true;
	schedule_tick(s, 0);
	return WEFT_OK;
}
