/* Fixed-bound histograms and the Prometheus text they are written as
 * (/metrics). Any thread, on data it owns. */
#include "weft/histo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull

const struct weft_histo_spec weft_histo_latency = {
	15, 1000000000ull,
	{ MS / 10, MS / 4, MS / 2, MS, 5 * MS / 2, 5 * MS, 10 * MS, 25 * MS, 50 * MS, 100 * MS, 250 * MS, 500 * MS,
	  1000 * MS, 2500 * MS, 5000 * MS },
};

const struct weft_histo_spec weft_histo_size = {
	13, 1,
	{ 0, 1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 50000, 100000 },
};

void weft_histo_observe(struct weft_histo *h, const struct weft_histo_spec *sp, uint64_t v)
{
	int b = 0;
	while (b < sp->nbounds && v > sp->bounds[b])
		b++;
	h->bucket[b]++;
	h->count++;
	h->sum += v;
}

void weft_text_printf(struct weft_text *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->p && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->failed = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
}

void weft_text_family(struct weft_text *t, const char *name, const char *type, const char *help)
{
	weft_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* v/scale as a decimal without trailing zeros: 0.00025, 1, 2.5. */
static void decimal(uint64_t v, uint64_t scale, char out[48])
{
	if (scale == 1) {
		snprintf(out, 48, "%llu", (unsigned long long)v);
		return;
	}
	int digits = 0;
	for (uint64_t s = scale; s > 1 && digits < 19; s /= 10)
		digits++;
	char frac[24];
	snprintf(frac, sizeof frac, "%019llu", (unsigned long long)(v % scale));
	snprintf(out, 48, "%llu.%s", (unsigned long long)(v / scale), frac + 19 - digits);
	size_t n = strlen(out);
	while (out[n - 1] == '0')
		out[--n] = '\0';
	if (out[n - 1] == '.')
		out[n - 1] = '\0';
}

void weft_text_histo(struct weft_text *t, const char *name, const char *labels, const struct weft_histo *h,
		     const struct weft_histo_spec *sp)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0;
	char le[48];
	for (int b = 0; b <= sp->nbounds; b++) {
		cum += h->bucket[b];
		if (b < sp->nbounds)
			decimal(sp->bounds[b], sp->scale, le);
		else
			strcpy(le, "+Inf");
		weft_text_printf(t, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep, le, (unsigned long long)cum);
	}
	decimal(h->sum, sp->scale, le);
	weft_text_printf(t, "%s_sum%s%s%s %s\n%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
			 labels[0] ? "}" : "", le, name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
			 (unsigned long long)h->count);
}
