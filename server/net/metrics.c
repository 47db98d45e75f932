/* /metrics in Prometheus' text format: the server's counters and gauges,
 * one row each; the history latency histogram; requests by type and HTTP
 * route; resumes' sizes; the writer's queue and commit times. Service
 * thread (the writer's figures are copied under its lock). */
#include "weft/cmd.h"
#include "weft/net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void write_history(const struct weft_server *s, struct weft_text *t)
{
	weft_text_family(t, "weft_history_seconds", "histogram",
			 "Time to serve a history page, from dispatch to the reply queued.");
	uint64_t cum = 0;
	for (int b = 0; b <= WEFT_HISTORY_NBOUNDS; b++) {
		char le[24];
		cum += s->stats.history_buckets[b];
		bucket_le(b, le);
		weft_text_printf(t, "weft_history_seconds_bucket{le=\"%s\"} %llu\n", le, (unsigned long long)cum);
	}
	weft_text_printf(t, "weft_history_seconds_sum %llu.%09llu\nweft_history_seconds_count %llu\n",
			 (unsigned long long)(s->stats.history_ns / 1000000000u),
			 (unsigned long long)(s->stats.history_ns % 1000000000u),
			 (unsigned long long)s->stats.history_count);
}

/* WebSocket requests by type: only the types seen since start, so that a
 * scrape stays small (Prometheus takes a new series when it appears). */
static void write_requests(const struct weft_server *s, struct weft_text *t)
{
	weft_text_family(t, "weft_requests_total", "counter",
			 "WebSocket requests dispatched, by type; type=\"invalid\": refused by the parse.");
	for (int i = 0; i < weft_cmd_table.n && i < WEFT_STATS_CMDS; i++)
		if (s->stats.req[i].count)
			weft_text_printf(t, "weft_requests_total{type=\"%s\"} %llu\n", weft_cmd_table.defs[i].name,
					 (unsigned long long)s->stats.req[i].count);
	weft_text_printf(t, "weft_requests_total{type=\"invalid\"} %llu\n", (unsigned long long)s->stats.req_invalid);
	weft_text_family(t, "weft_request_seconds", "histogram",
			 "Service-thread time of a WebSocket request, from dispatch to its handler's return "
			 "(a write's commit is weft_commit_seconds).");
	for (int i = 0; i < weft_cmd_table.n && i < WEFT_STATS_CMDS; i++) {
		if (!s->stats.req[i].count)
			continue;
		char labels[96];
		snprintf(labels, sizeof labels, "type=\"%s\"", weft_cmd_table.defs[i].name);
		weft_text_histo(t, "weft_request_seconds", labels, &s->stats.req[i], &weft_histo_latency);
	}
}

static void write_http(const struct weft_server *s, struct weft_text *t)
{
	static const char *const classes[] = { "", "1xx", "2xx", "3xx", "4xx", "5xx" };
	weft_text_family(t, "weft_http_requests_total", "counter", "HTTP requests to the API, by route and status class.");
	for (int r = 0; r < WEFT_HTTP_ROUTES; r++)
		for (int c = 1; c < 6; c++)
			if (s->stats.http_status[r][c])
				weft_text_printf(t, "weft_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
						 weft_http_route_name(r), classes[c],
						 (unsigned long long)s->stats.http_status[r][c]);
	weft_text_family(t, "weft_http_request_seconds", "histogram",
			 "HTTP API requests, from the request line to the response written (sign-ins include the "
			 "password check).");
	for (int r = 0; r < WEFT_HTTP_ROUTES; r++) {
		if (!s->stats.http[r].count)
			continue;
		char labels[96];
		snprintf(labels, sizeof labels, "route=\"%s\"", weft_http_route_name(r));
		weft_text_histo(t, "weft_http_request_seconds", labels, &s->stats.http[r], &weft_histo_latency);
	}
}

static void write_store(const struct weft_server *s, struct weft_text *t)
{
	uint64_t queued;
	struct weft_histo commit;
	weft_store_writer_stats(s->store, &queued, &commit);
	weft_text_family(t, "weft_writer_queue_depth", "gauge", "Write jobs waiting for the writer's next transaction.");
	weft_text_printf(t, "weft_writer_queue_depth %llu\n", (unsigned long long)queued);
	weft_text_family(t, "weft_commit_seconds", "histogram",
			 "Write transactions (group commits), from BEGIN to COMMIT returned: the jobs and the sync.");
	weft_text_histo(t, "weft_commit_seconds", "", &commit, &weft_histo_latency);
	weft_text_family(t, "weft_replay_events", "histogram", "Events sent to a resuming connection before synced.");
	weft_text_histo(t, "weft_replay_events", "", &s->stats.replay_events, &weft_histo_size);
	weft_text_family(t, "weft_search_seconds", "histogram",
			 "Searches, from dispatch to the answer queued (the wait for a worker included).");
	weft_text_histo(t, "weft_search_seconds", "", &s->stats.search, &weft_histo_latency);
	weft_text_family(t, "weft_loop_lag_seconds", "histogram",
			 "How late the service thread ran a timer due every 20 ms: the time something held its loop.");
	weft_text_histo(t, "weft_loop_lag_seconds", "", &s->stats.loop_lag, &weft_histo_latency);
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
		{ "weft_reloads_total", "counter", "Reloads (SIGHUP) that applied.", (long long)s->stats.reloads },
		{ "weft_reload_failures_total", "counter",
		  "Reloads whose configuration or certificate was refused (the old ones stay).",
		  (long long)s->stats.reload_failures },
		{ "weft_file_uploads_total", "counter", "File uploads committed.", (long long)s->stats.uploads },
		{ "weft_file_upload_bytes_total", "counter", "Bytes of the file uploads committed.",
		  (long long)s->stats.upload_bytes },
		{ "weft_file_downloads_total", "counter", "File downloads answered with the file (200 or 206).",
		  (long long)s->stats.downloads },
	};
	struct weft_text t = { 0 };
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		weft_text_family(&t, rows[i].name, rows[i].type, rows[i].help);
		weft_text_printf(&t, "%s %lld\n", rows[i].name, rows[i].value);
	}
	write_history(s, &t);
	write_requests(s, &t);
	write_http(s, &t);
	write_store(s, &t);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}
