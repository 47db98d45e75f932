/* Error names, clocks, ISO time and UTF-8 counting (logging: log.c). */
#include "weft/common.h"

#include <stdio.h>
#include <time.h>

const char *weft_strerror(int err)
{
	switch (err) {
	case WEFT_OK: return "ok";
	case WEFT_EINVAL: return "invalid argument";
	case WEFT_ENOMEM: return "out of memory";
	case WEFT_EIO: return "storage failure";
	case WEFT_ENOTFOUND: return "not found";
	case WEFT_ECONFLICT: return "conflict";
	case WEFT_EFORBIDDEN: return "forbidden";
	case WEFT_EAUTH: return "unauthorized";
	case WEFT_ETOOLARGE: return "too large";
	case WEFT_EBUSY: return "unavailable";
	case WEFT_ERATE: return "rate limited";
	}
	return "unknown error";
}

int64_t weft_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t weft_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t weft_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The instants a four-digit year can spell: 0000-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z. */
#define ISO_MIN_MS (-62167219200000LL)
#define ISO_MAX_MS 253402300799999LL

/* Rounds toward minus infinity (b > 0), so that times before 1970 keep a
 * positive time of day. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Arithmetic rather than gmtime_r and snprintf (~3,600 instructions a
 * call, and it runs once or twice per message of a history page; this
 * takes ~200). */
size_t weft_iso8601(int64_t ms, char buf[WEFT_ISO_LEN])
{
	/* Outside those, the nearest one: the format has no room for the year. */
	if (ms < ISO_MIN_MS)
		ms = ISO_MIN_MS;
	else if (ms > ISO_MAX_MS)
		ms = ISO_MAX_MS;
	int64_t secs = floor_div(ms, 1000), days = floor_div(secs, 86400);
	unsigned milli = (unsigned)(ms - secs * 1000), sod = (unsigned)(secs - days * 86400);
	/* Days to a proleptic Gregorian date: H. Hinnant's civil_from_days,
	 * eras of 400 years counted from 0000-03-01. */
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned day = doy - (153 * mp + 2) / 5 + 1;
	unsigned month = mp < 10 ? mp + 3 : mp - 9;
	unsigned year = (unsigned)(era * 400 + yoe + (month <= 2));
	char *p = buf;
	p = put2(p, year / 100);
	p = put2(p, year % 100);
	*p++ = '-';
	p = put2(p, month);
	*p++ = '-';
	p = put2(p, day);
	*p++ = 'T';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	*p++ = '.';
	*p++ = (char)('0' + milli / 100);
	p = put2(p, milli % 100);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

long weft_utf8_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	long n = 0;
	while (p < end) {
		unsigned c = *p;
		size_t extra;
		unsigned min;
		if (c < 0x80) {
			p++;
			n++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1; min = 0x80; c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2; min = 0x800; c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3; min = 0x10000; c &= 0x07;
		} else {
			return -1;
		}
		if ((size_t)(end - p) <= extra)
			return -1;
		for (size_t i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		p += extra + 1;
		n++;
	}
	return n;
}

uint32_t weft_hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}
