/* /metrics in Prometheus' text format: the server's counters and gauges,
 * one row each, and the history latency histogram. Service thread. */
#include "weft/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_CAP 8192

struct metric {
	const char *name, *type, *help;
	long long value;
};

/* The bound of history bucket b as Prometheus writes it: 0.00025, 1, +Inf. */
static void bucket_le(int b, char le[24])
{
	static const uint32_t bounds_us[] = { WEFT_HISTORY_BOUNDS_US };
	if (b == WEFT_HISTORY_NBOUNDS) {
		snprintf(le, 24, "+Inf");
		return;
	}
	snprintf(le, 24, "%u.%06u", bounds_us[b] / 1000000u, bounds_us[b] % 1000000u);
	size_t n = strlen(le);
	while (le[n - 1] == '0')
		le[--n] = '\0';
	if (le[n - 1] == '.')
		le[n - 1] = '\0';
}

/* Buckets are kept per bucket; Prometheus wants them cumulative. */
static int write_history(const struct weft_server *s, char *out, size_t cap)
{
	int len = snprintf(out, cap,
			   "# HELP weft_history_seconds Time to serve a history page, from dispatch to the reply queued.\n"
			   "# TYPE weft_history_seconds histogram\n");
	uint64_t cum = 0;
	for (int b = 0; b <= WEFT_HISTORY_NBOUNDS && (size_t)len < cap; b++) {
		char le[24];
		cum += s->stats.history_buckets[b];
		bucket_le(b, le);
		len += snprintf(out + len, cap - (size_t)len, "weft_history_seconds_bucket{le=\"%s\"} %llu\n", le,
				(unsigned long long)cum);
	}
	if ((size_t)len < cap)
		len += snprintf(out + len, cap - (size_t)len,
				"weft_history_seconds_sum %llu.%09llu\nweft_history_seconds_count %llu\n",
				(unsigned long long)(s->stats.history_ns / 1000000000u),
				(unsigned long long)(s->stats.history_ns % 1000000000u),
				(unsigned long long)s->stats.history_count);
	return len;
}

char *weft_metrics_text(struct weft_server *s)
{
	uint64_t jobs, commits;
	weft_store_stats(s->store, &jobs, &commits);
	const struct metric rows[] = {
		{ "weft_connections", "gauge", "Open WebSocket connections.", s->nconns },
		{ "weft_connections_total", "counter", "WebSocket connections accepted.",
		  (long long)s->stats.conns_total },
		{ "weft_events_total", "counter", "Events committed and fanned out.", (long long)s->stats.events },
		{ "weft_frames_sent_total", "counter", "Frames written to WebSockets.", (long long)s->stats.frames_sent },
		{ "weft_ws_writes_total", "counter",
		  "WebSocket writes; queued frames are coalesced, so fewer than frames.", (long long)s->stats.ws_writes },
		{ "weft_store_jobs_total", "counter", "Write jobs committed.", (long long)jobs },
		{ "weft_store_commits_total", "counter", "Write transactions committed (group commits).",
		  (long long)commits },
		{ "weft_slow_drops_total", "counter", "Connections dropped for falling behind.",
		  (long long)s->stats.dropped_slow },
		{ "weft_rate_limited_total", "counter", "Requests refused by the rate limit.",
		  (long long)s->stats.rate_limited },
		{ "weft_logins_total", "counter", "Successful sign-ins.", (long long)s->stats.logins },
		{ "weft_login_failures_total", "counter", "Refused sign-ins.", (long long)s->stats.login_failures },
		{ "weft_malloc_trims_total", "counter",
		  "Times freed heap pages went back to the system after a wave of connections.",
		  (long long)s->stats.malloc_trims },
		{ "weft_last_seq", "gauge", "Newest event sequence number.", (long long)s->last_seq },
		{ "weft_send_queue_bytes", "gauge", "Bytes of frames queued on every connection, not yet written.",
		  (long long)s->stats.queued_bytes },
		{ "weft_connections_held", "gauge", "Connections whose requests wait until their send queue drains.",
		  (long long)s->stats.held },
	};
	char *out = malloc(METRICS_CAP);
	if (!out)
		return NULL;
	int len = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && len < METRICS_CAP; i++)
		len += snprintf(out + len, METRICS_CAP - (size_t)len, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n",
				rows[i].name, rows[i].help, rows[i].name, rows[i].type, rows[i].name, rows[i].value);
	if (len < METRICS_CAP)
		write_history(s, out + len, METRICS_CAP - (size_t)len);
	return out;
}
