/* Time zones read from the system's tz database, and the local-time
 * arithmetic standups and digests need. Pure functions of their arguments
 * but for weft_tz_load, which reads one file. Any thread.
 *
 * Why a small TZif reader and not ICU (ucal_*) or localtime_r with TZ:
 * - setenv("TZ") + tzset() changes the whole process and races every other
 *   thread that formats a time: ruled out.
 * - ICU carries its own compiled copy of the zone rules (libicudata, ~30
 *   MB), updated with ICU releases; Debian updates /usr/share/zoneinfo
 *   (the tzdata package) on its own schedule when a government changes its
 *   clocks. Reading tzdata's files directly follows the system's rules the
 *   day they are installed, with no new library to link.
 * - The format is small and fixed (RFC 8536): transitions, local time
 *   types, and a POSIX TZ rule for times after the last transition (which
 *   "slim" files rely on for every year after the rules last changed). */
#include "weft/tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A POSIX TZ rule ("CST6CDT,M3.2.0,M11.1.0"): std offset, optional dst
 * offset, and the two dates when DST starts and ends. */
struct rule_date {
	char type;              /* 'M' month.week.day, 'J' Julian 1..365 (no Feb 29), 'n' 0..365 */
	int m, w, d, n;
	int32_t time;           /* local seconds after midnight (may be negative or past 24 h) */
};

struct posix_rule {
	bool valid;
	bool has_dst;
	int32_t std_off, dst_off; /* seconds east of UTC */
	struct rule_date start, end;
};

struct weft_tz {
	int n;                  /* transitions */
	int64_t *at;            /* transition instants, ascending */
	unsigned char *type;    /* the local time type from each transition on */
	int ntypes;
	int32_t *off;           /* seconds east of UTC of each type */
	struct posix_rule rule;
};

/* ---- Civil dates (Howard Hinnant's algorithms). */

int64_t weft_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void weft_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int weft_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

void weft_date_format(int64_t days, char out[WEFT_DATE_BYTES])
{
	int64_t y;
	int m, d;
	weft_civil_from_days(days, &y, &m, &d);
	unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000);
	out[0] = (char)('0' + yy / 1000), out[1] = (char)('0' + yy / 100 % 10);
	out[2] = (char)('0' + yy / 10 % 10), out[3] = (char)('0' + yy % 10);
	out[4] = '-', out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10);
	out[7] = '-', out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int weft_date_parse(const char *s, int64_t *days)
{
	int v[3] = { 0, 0, 0 };
	static const int width[3] = { 4, 2, 2 };
	const char *p = s;
	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < width[i]; k++, p++) {
			if (*p < '0' || *p > '9')
				return WEFT_EINVAL;
			v[i] = v[i] * 10 + (*p - '0');
		}
		if (*p != (i < 2 ? '-' : '\0'))
			return WEFT_EINVAL;
		p++;
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > month_days(v[0], v[1]))
		return WEFT_EINVAL;
	*days = weft_days_from_civil(v[0], v[1], v[2]);
	return WEFT_OK;
}

/* ---- The POSIX TZ rule of the footer. */

/* A zone abbreviation: letters, or anything but '>' inside <...>. */
static const char *skip_name(const char *p)
{
	if (*p == '<') {
		const char *e = strchr(p, '>');
		return e && e - p >= 2 ? e + 1 : NULL;
	}
	const char *q = p;
	while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] into *out (seconds); hours up to 167 (RFC 8536). */
static const char *parse_hms(const char *p, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	int32_t part[3] = { 0, 0, 0 };
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return NULL;
		int v = 0, digits = 0;
		while (*p >= '0' && *p <= '9' && digits < 3)
			v = v * 10 + (*p++ - '0'), digits++;
		part[i] = v;
		if (*p != ':')
			break;
		p++;
	}
	if (part[0] > 167 || part[1] > 59 || part[2] > 59)
		return NULL;
	*out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
	return p;
}

static const char *parse_date(const char *p, struct rule_date *r)
{
	char *end;
	r->time = 7200;
	if (*p == 'M') {
		r->type = 'M';
		long m = strtol(p + 1, &end, 10);
		if (*end != '.')
			return NULL;
		long w = strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		long d = strtol(end + 1, &end, 10);
		if (m < 1 || m > 12 || w < 1 || w > 5 || d < 0 || d > 6)
			return NULL;
		r->m = (int)m, r->w = (int)w, r->d = (int)d;
	} else {
		r->type = *p == 'J' ? 'J' : 'n';
		long n = strtol(p + (*p == 'J'), &end, 10);
		if (end == p + (*p == 'J') || n < (r->type == 'J') || n > 365)
			return NULL;
		r->n = (int)n;
	}
	p = end;
	if (*p == '/')
		p = parse_hms(p + 1, &r->time);
	return p;
}

static bool parse_rule(const char *p, struct posix_rule *r)
{
	memset(r, 0, sizeof *r);
	int32_t v;
	if (!(p = skip_name(p)) || !(p = parse_hms(p, &v)))
		return false;
	r->std_off = -v; /* POSIX counts west of UTC as positive */
	if (!*p) {
		r->valid = true;
		return true;
	}
	if (!(p = skip_name(p)))
		return false;
	r->has_dst = true;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = parse_hms(p, &v)))
			return false;
		r->dst_off = -v;
	}
	/* No dates given: the US rules, as glibc assumes. */
	const char *dates = *p == ',' ? p + 1 : "M3.2.0,M11.1.0";
	if (!(p = parse_date(dates, &r->start)) || *p != ',' || !(p = parse_date(p + 1, &r->end)) || *p)
		return false;
	r->valid = true;
	return true;
}

/* The day (since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = weft_days_from_civil(y, 1, 1);
	if (r->type == 'J')
		return jan1 + r->n - 1 + (leap(y) && r->n >= 60);
	if (r->type == 'n')
		return jan1 + r->n;
	int64_t first = weft_days_from_civil(y, r->m, 1);
	int day = 1 + (r->d - weft_weekday(first) + 7) % 7 + (r->w - 1) * 7;
	if (day > month_days(y, r->m))
		day -= 7;
	return first + day - 1;
}

static int32_t rule_offset(const struct posix_rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t y;
	int m, d;
	weft_civil_from_days((t + r->std_off) / 86400 - ((t + r->std_off) % 86400 < 0), &y, &m, &d);
	/* DST starts at a local standard time and ends at a local DST time. */
	int64_t start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
	int64_t end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
	bool dst = start < end ? t >= start && t < end : !(t >= end && t < start);
	return dst ? r->dst_off : r->std_off;
}

/* ---- TZif. */

static int64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

struct header {
	int64_t isut, isstd, leap, time, type, chars;
};

static bool read_header(const unsigned char *p, size_t left, struct header *h, int *version)
{
	if (left < 44 || memcmp(p, "TZif", 4))
		return false;
	*version = p[4] ? p[4] - '0' : 1;
	h->isut = be(p + 20, 4), h->isstd = be(p + 24, 4), h->leap = be(p + 28, 4);
	h->time = be(p + 32, 4), h->type = be(p + 36, 4), h->chars = be(p + 40, 4);
	return h->isut >= 0 && h->isstd >= 0 && h->leap >= 0 && h->time >= 0 && h->type >= 1 &&
	       h->type <= 256 && h->chars >= 0 && h->time <= 100000 && h->leap <= 100000;
}

static size_t block_size(const struct header *h, int tsize)
{
	return (size_t)(h->time * (tsize + 1) + h->type * 6 + h->chars + h->leap * (tsize + 4) + h->isstd +
			h->isut);
}

int weft_tz_parse(const unsigned char *buf, size_t len, struct weft_tz **out)
{
	struct header h;
	int version, tsize = 4;
	if (!read_header(buf, len, &h, &version) || 44 + block_size(&h, 4) > len)
		return WEFT_EINVAL;
	const unsigned char *p = buf + 44;
	const unsigned char *end = buf + len;
	if (version >= 2) {
		p += block_size(&h, 4);
		if (!read_header(p, (size_t)(end - p), &h, &version) || block_size(&h, 8) > (size_t)(end - p - 44))
			return WEFT_EINVAL;
		p += 44;
		tsize = 8;
	}
	struct weft_tz *z = calloc(1, sizeof *z);
	if (!z || !(z->at = calloc((size_t)h.time + 1, sizeof *z->at)) ||
	    !(z->type = calloc((size_t)h.time + 1, 1)) || !(z->off = calloc((size_t)h.type, sizeof *z->off))) {
		weft_tz_free(z);
		return WEFT_ENOMEM;
	}
	z->n = (int)h.time;
	z->ntypes = (int)h.type;
	int rc = WEFT_OK;
	for (int i = 0; i < z->n; i++) {
		z->at[i] = be(p + (size_t)i * tsize, tsize);
		if (i && z->at[i] <= z->at[i - 1])
			rc = WEFT_EINVAL;
	}
	p += (size_t)z->n * tsize;
	for (int i = 0; i < z->n; i++)
		if ((z->type[i] = p[i]) >= z->ntypes)
			rc = WEFT_EINVAL;
	p += z->n;
	for (int i = 0; i < z->ntypes; i++)
		z->off[i] = (int32_t)be(p + i * 6, 4);
	p += (size_t)z->ntypes * 6 + h.chars + h.leap * (tsize + 4) + h.isstd + h.isut;
	/* The footer: "\n<POSIX TZ rule>\n" (version 2+). */
	if (!rc && tsize == 8 && p < end && *p == '\n') {
		const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
		char text[128];
		if (nl && nl > p + 1 && (size_t)(nl - p - 1) < sizeof text) {
			memcpy(text, p + 1, (size_t)(nl - p - 1));
			text[nl - p - 1] = '\0';
			if (!parse_rule(text, &z->rule))
				z->rule.valid = false; /* keep the table; times past it use its last type */
		}
	}
	if (rc) {
		weft_tz_free(z);
		return rc;
	}
	*out = z;
	return WEFT_OK;
}

bool weft_tz_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > WEFT_TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return false;
	const char *part = name;
	for (const char *p = name;; p++) {
		if (*p == '/' || !*p) {
			size_t len = (size_t)(p - part);
			if (!len || (len == 1 && part[0] == '.') || (len == 2 && !strncmp(part, "..", 2)))
				return false;
			if (!*p)
				return true;
			part = p + 1;
			continue;
		}
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-' || c == '+' || c == '.'))
			return false;
	}
}

#define TZ_FILE_MAX (256 * 1024)

int weft_tz_load(const char *dir, const char *name, struct weft_tz **out)
{
	if (!weft_tz_name_valid(name))
		return WEFT_EINVAL;
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir ? dir : WEFT_TZ_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno == ENOMEM ? WEFT_ENOMEM : WEFT_EINVAL;
	unsigned char *buf = malloc(TZ_FILE_MAX);
	int rc = WEFT_ENOMEM;
	if (buf) {
		size_t n = fread(buf, 1, TZ_FILE_MAX, f);
		rc = ferror(f) || n == TZ_FILE_MAX ? WEFT_EINVAL : weft_tz_parse(buf, n, out);
	}
	free(buf);
	fclose(f);
	return rc;
}

void weft_tz_free(struct weft_tz *z)
{
	if (!z)
		return;
	free(z->at);
	free(z->type);
	free(z->off);
	free(z);
}

int weft_tz_offset(const struct weft_tz *z, int64_t t)
{
	if (!z->n || t >= z->at[z->n - 1]) {
		if (z->rule.valid)
			return rule_offset(&z->rule, t);
		return z->n ? z->off[z->type[z->n - 1]] : z->off[0];
	}
	if (t < z->at[0])
		return z->off[0]; /* RFC 8536: type 0 before the first transition */
	int lo = 0, hi = z->n - 1; /* at[lo] <= t < at[hi] */
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[z->type[lo]];
}

int64_t weft_tz_local_to_utc(const struct weft_tz *z, int64_t local)
{
	/* The offsets a day either side: before and after any change near
	 * this wall time (zones change at most once in a day). */
	int before = weft_tz_offset(z, local - 86400), after = weft_tz_offset(z, local + 86400);
	int64_t best = 0;
	bool found = false;
	int cand[2] = { before, after };
	for (int i = 0; i < 2; i++) {
		int64_t t = local - cand[i];
		if (weft_tz_offset(z, t) == cand[i] && (!found || t < best)) {
			best = t;
			found = true;
		}
	}
	return found ? best : local - before;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t weft_tz_today(const struct weft_tz *z, int64_t t_ms)
{
	int64_t t = floor_div(t_ms, 1000);
	return floor_div(t + weft_tz_offset(z, t), 86400);
}

/* The instant (ms) the schedule falls due on local day `day`, or -1 when
 * that day is not one of its days. */
static int64_t due_on(const struct weft_tz *z, const struct weft_weekly *w, int64_t day)
{
	if (!(w->days & (1u << weft_weekday(day))))
		return -1;
	return weft_tz_local_to_utc(z, day * 86400 + (int64_t)w->minute * 60) * 1000;
}

int64_t weft_weekly_next(const struct weft_tz *z, const struct weft_weekly *w, int64_t after_ms, int64_t *date)
{
	if (!(w->days & 0x7f))
		return 0;
	int64_t today = weft_tz_today(z, after_ms);
	for (int64_t day = today - 1; day <= today + 8; day++) {
		int64_t t = due_on(z, w, day);
		if (t > after_ms) {
			if (date)
				*date = day;
			return t;
		}
	}
	return 0;
}

int64_t weft_weekly_prev(const struct weft_tz *z, const struct weft_weekly *w, int64_t at_ms, int64_t *date)
{
	if (!(w->days & 0x7f))
		return 0;
	int64_t today = weft_tz_today(z, at_ms);
	for (int64_t day = today + 1; day >= today - 8; day--) {
		int64_t t = due_on(z, w, day);
		if (t >= 0 && t <= at_ms) {
			if (date)
				*date = day;
			return t;
		}
	}
	return 0;
}
