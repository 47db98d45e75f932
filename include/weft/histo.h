/* Prometheus histograms with fixed bounds, and a growing text buffer to
 * write them in the exposition format. A histogram is filled by the one
 * thread that owns it (or under a lock it already holds): no allocation,
 * no atomics, a short scan of the bounds. */
#ifndef WEFT_HISTO_H
#define WEFT_HISTO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define WEFT_HISTO_BOUNDS_MAX 16

struct weft_histo {
	uint64_t bucket[WEFT_HISTO_BOUNDS_MAX + 1]; /* per bucket (not cumulative); the last is +Inf */
	uint64_t count, sum;                        /* sum in the spec's units */
};

/* The bounds of a family of histograms, ascending, in units of 1/scale of
 * what the metric counts: ns with scale 1e9 for seconds, 1 for sizes. */
struct weft_histo_spec {
	int nbounds;
	uint64_t scale;
	uint64_t bounds[WEFT_HISTO_BOUNDS_MAX];
};

/* Latencies from 100 µs to 5 s (ns), and sizes from 0 to 100,000. */
extern const struct weft_histo_spec weft_histo_latency, weft_histo_size;

/* Counts one observation v. Any thread, on a histogram it owns. */
void weft_histo_observe(struct weft_histo *h, const struct weft_histo_spec *sp, uint64_t v);

/* Text that grows as it is written; on a failed allocation it stays as it
 * was and `failed` is set. */
struct weft_text {
	char *p;
	size_t len, cap;
	bool failed;
};

void weft_text_printf(struct weft_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "# HELP" and "# TYPE" of a metric family. */
void weft_text_family(struct weft_text *t, const char *name, const char *type, const char *help);

/* The _bucket, _sum and _count lines of one histogram of family name;
 * labels is "" or `key="value"` pairs without braces. */
void weft_text_histo(struct weft_text *t, const char *name, const char *labels, const struct weft_histo *h,
		     const struct weft_histo_spec *sp);

#endif
