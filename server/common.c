/* Error names, clocks, ISO time, logging and UTF-8 counting. */
#include "weft/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int weft_log_level = WEFT_LOG_INFO;

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

/* The instants a four-digit year can spell: 0000-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z. */
#define ISO_MIN_MS (-62167219200000LL)
#define ISO_MAX_MS 253402300799999LL

void weft_iso8601(int64_t ms, char buf[WEFT_ISO_LEN])
{
	/* Outside those, the nearest one: the format has no room for the year
	 * (and gmtime_r fails past an int of years). */
	if (ms < ISO_MIN_MS)
		ms = ISO_MIN_MS;
	else if (ms > ISO_MAX_MS)
		ms = ISO_MAX_MS;
	/* Floor division, so that times before 1970 keep a positive millisecond part. */
	int64_t whole = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t secs = (time_t)whole;
	struct tm tm;
	if (!gmtime_r(&secs, &tm))
		memset(&tm, 0, sizeof tm); /* not reached with a 64-bit time_t */
	snprintf(buf, WEFT_ISO_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ms - whole * 1000));
}

void weft_log(int level, const char *fmt, ...)
{
	static const char *names[] = { "error", "warn", "info", "debug" };
	if (level > weft_log_level)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "weftd[%s]: %s\n", names[level], line);
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
