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
/* Monotonic nanoseconds, for latencies. */
uint64_t weft_mono_ns(void);

/* Formats ms since the epoch as ISO 8601 UTC with milliseconds
 * ("2026-11-28T19:40:01.123Z") into buf (at least WEFT_ISO_LEN bytes) and
 * returns its length (always 24). Times outside the years 0000-9999 come
 * out as the nearest instant inside them. */
#define WEFT_ISO_LEN 80
size_t weft_iso8601(int64_t ms, char buf[WEFT_ISO_LEN]);

/* Levels; NOTICE lines (start, ready, reload, shutdown) are written at
 * every log_level. */
enum weft_log_level { WEFT_LOG_ERR, WEFT_LOG_WARN, WEFT_LOG_INFO, WEFT_LOG_DEBUG, WEFT_LOG_NOTICE };
extern _Atomic int weft_log_level; /* set by weft_log_configure, read by every thread */
extern _Atomic int weft_log_json;  /* 1: lines are JSON objects (log_format = json) */
/* Logs one event as one line on stderr (server/log.c): fmt is the event's
 * name, then `key=value` words whose values may hold conversions, e.g.
 * "login.ok user=%s peer=%s"; each value is quoted or escaped whole. Never
 * pass message bodies, passwords, tokens or the names of uploaded files.
 * Any thread. */
void weft_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define weft_err(...) weft_log(WEFT_LOG_ERR, __VA_ARGS__)
#define weft_warn(...) weft_log(WEFT_LOG_WARN, __VA_ARGS__)
#define weft_info(...) weft_log(WEFT_LOG_INFO, __VA_ARGS__)
#define weft_debug(...) weft_log(WEFT_LOG_DEBUG, __VA_ARGS__)
#define weft_notice(...) weft_log(WEFT_LOG_NOTICE, __VA_ARGS__)
/* Sets the level ("error", "warn", "info", "debug") and, unless NULL, the
 * format ("text" or "json"); libwebsockets' errors and warnings go through
 * weft_log too. Returns 0 or WEFT_EINVAL (nothing changed). Service or
 * main thread. */
int weft_log_configure(const char *level, const char *format);

/* FNV-1a of a C string: a hash for the service thread's small tables. */
uint32_t weft_hash_str(const char *s);

/* Number of Unicode code points in a valid UTF-8 string of len bytes, or -1
 * when it is not valid UTF-8. */
long weft_utf8_len(const char *s, size_t len);

#endif
