/* Shared basics: error codes, time, logging. Any thread. */
#ifndef WEFT_COMMON_H
#define WEFT_COMMON_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Functions return 0 or one of these. */
enum {
	WEFT_OK = 0,
	WEFT_EINVAL = -1,    /* bad input (maps to bad_request) */
	WEFT_ENOMEM = -2,
	WEFT_EIO = -3,       /* storage or system failure (internal) */
	WEFT_ENOTFOUND = -4,
	WEFT_ECONFLICT = -5,
	WEFT_EFORBIDDEN = -6,
	WEFT_EAUTH = -7,     /* credentials wrong or missing */
	WEFT_ETOOLARGE = -8,
	WEFT_EBUSY = -9,     /* try later (unavailable) */
	WEFT_ERATE = -10,
};

/* The struct of type that embeds member at ptr. */
#define weft_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Static English name of a WEFT_E* code; never NULL. */
const char *weft_strerror(int err);

/* Wall-clock milliseconds since the epoch. */
int64_t weft_now_ms(void);
/* Monotonic milliseconds, for timers and rate limits. */
int64_t weft_mono_ms(void);

/* Formats ms since the epoch as ISO 8601 UTC with milliseconds
 * ("2026-11-28T19:40:01.123Z") into buf (at least WEFT_ISO_LEN bytes) and
 * returns its length (always 24). Times outside the years 0000-9999 come
 * out as the nearest instant inside them. */
#define WEFT_ISO_LEN 80
size_t weft_iso8601(int64_t ms, char buf[WEFT_ISO_LEN]);

enum weft_log_level { WEFT_LOG_ERR, WEFT_LOG_WARN, WEFT_LOG_INFO, WEFT_LOG_DEBUG };
extern int weft_log_level;
/* Logs one line to stderr. Never pass message bodies, passwords or tokens. */
void weft_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define weft_err(...) weft_log(WEFT_LOG_ERR, __VA_ARGS__)
#define weft_warn(...) weft_log(WEFT_LOG_WARN, __VA_ARGS__)
#define weft_info(...) weft_log(WEFT_LOG_INFO, __VA_ARGS__)
#define weft_debug(...) weft_log(WEFT_LOG_DEBUG, __VA_ARGS__)

/* FNV-1a of a C string: a hash for the service thread's small tables. */
uint32_t weft_hash_str(const char *s);

/* Number of Unicode code points in a valid UTF-8 string of len bytes, or -1
 * when it is not valid UTF-8. */
long weft_utf8_len(const char *s, size_t len);

#endif
