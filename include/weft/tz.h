/* Time zones from the system's tz database (tzdata's TZif files), civil
 * dates, and the pure "next occurrence" of a weekly local time. Nothing
 * here reads or changes the process-wide TZ: a zone is a value. Pure but
 * for weft_tz_load (reads one small file); any thread. */
#ifndef WEFT_TZ_H
#define WEFT_TZ_H

#include "weft/common.h"

#define WEFT_TZ_NAME_MAX 64          /* bytes of an IANA zone name ("America/Argentina/Buenos_Aires") */
#define WEFT_TZ_DIR "/usr/share/zoneinfo"
#define WEFT_DATE_BYTES 11           /* "YYYY-MM-DD" and its NUL */

struct weft_tz;

/* Parses len bytes of a TZif file (RFC 8536, versions 1 to 4; the 64-bit
 * data of version 2+ and its footer rule, which covers times after the last
 * transition). On success *out is a new zone the caller frees with
 * weft_tz_free; WEFT_EINVAL when the bytes are no TZif data; WEFT_ENOMEM. */
int weft_tz_parse(const unsigned char *buf, size_t len, struct weft_tz **out);

/* Whether name could be a zone name: 1..WEFT_TZ_NAME_MAX bytes of
 * [A-Za-z0-9_+-] in '/'-separated parts, none empty, "." or "..", not
 * starting with '/'. Says nothing of whether the zone exists. */
bool weft_tz_name_valid(const char *name);

/* Loads zone name from dir (NULL: WEFT_TZ_DIR). WEFT_EINVAL for a name
 * that is not valid (weft_tz_name_valid) or names no TZif file (an unknown
 * zone); WEFT_ENOMEM. The caller frees *out. Any thread; it reads one file
 * of a few KiB, so callers cache zones. */
int weft_tz_load(const char *dir, const char *name, struct weft_tz **out);

void weft_tz_free(struct weft_tz *z);

/* Seconds east of UTC in zone z at the UTC instant t (seconds). */
int weft_tz_offset(const struct weft_tz *z, int64_t t);

/* The UTC instant (seconds) when the wall clock of z shows local (seconds
 * since 1970-01-01 00:00 of that wall clock). A time that happens twice
 * (the hour after a fall-back) is the first of them; a time that never
 * happens (the hour skipped by a spring-forward) is taken with the offset
 * before the change, i.e. as far past the change as it is past the
 * skipped hour's start: 02:30 on a US spring-forward day is 03:30 DST. */
int64_t weft_tz_local_to_utc(const struct weft_tz *z, int64_t local);

/* ---- Civil dates (proleptic Gregorian). days: since 1970-01-01. */
int64_t weft_days_from_civil(int64_t y, int m, int d);
void weft_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 0 = Sunday .. 6 = Saturday. */
int weft_weekday(int64_t days);
/* "YYYY-MM-DD" of days into out. */
void weft_date_format(int64_t days, char out[WEFT_DATE_BYTES]);
/* Parses "YYYY-MM-DD" (a real date, years 1970..9999) into *days; 0 or WEFT_EINVAL. */
int weft_date_parse(const char *s, int64_t *days);
/* The local date (days) of the UTC instant t_ms in z. */
int64_t weft_tz_today(const struct weft_tz *z, int64_t t_ms);

/* ---- A weekly schedule: the days of the week (bit 0 Sunday .. bit 6
 * Saturday) at one local time (minute of the day) in a zone. */
struct weft_weekly {
	unsigned days;
	int minute;
};

/* The first instant (ms) strictly after after_ms when the schedule falls
 * due; 0 when days is empty. *date (may be NULL) gets the local day it
 * belongs to. */
int64_t weft_weekly_next(const struct weft_tz *z, const struct weft_weekly *w, int64_t after_ms, int64_t *date);
/* The last instant (ms) at or before at_ms when the schedule fell due, and
 * its local day in *date (may be NULL); 0 when days is empty. */
int64_t weft_weekly_prev(const struct weft_tz *z, const struct weft_weekly *w, int64_t at_ms, int64_t *date);

#endif
