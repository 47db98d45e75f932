/* bench_search: server-side search latency over a large data directory.
 *
 *   bench_search build DIR [messages]   a data directory (DIR/weft.db) of
 *                                       `messages` messages (default
 *                                       1,000,000), indexed as weftd does
 *   bench_search run DIR [queries]      p50/p99/max of one-word and two-word
 *                                       prefix searches (default 2,000 each)
 *   bench_search check                  a small build and run whose results
 *                                       are checked (ctest)
 *
 * build makes the schema with weft_store_open (every migration, so the
 * FTS5 index is exactly weftd's: migration 10), then writes 500 users, 100
 * channels (70 open cohorts, 20 request caucuses, 10 invite-only teams),
 * memberships, and the messages in bulk transactions: each message is an
 * event, a messages row and the same message_index insert the writer does
 * (jobs_message.c). Bodies are 5-40 words drawn from a Zipf (s = 1)
 * vocabulary of 20,000 made-up words with a few dozen real ones of the
 * network's subjects among them.
 *
 * run times weft_store_search, the call a search worker makes
 * (server/cmd/search.c), on a searcher's own read-only connection, for
 * user 1 (a member of a fifth of the non-open channels, so about a
 * quarter of the matches are not theirs to read and are skipped), limit
 * 20, and then the encoding of the results frame (on the service thread
 * in weftd). Query words are drawn uniformly from the 5,000 most common
 * words (common and rare alike), each cut to a prefix of 3 to 6
 * characters; a two-word query needs both. 200 searches warm the cache
 * first. Queueing and the network are not in these figures.
 * BENCH_SEARCH_SLOW=MS in the environment prints each search slower than
 * MS milliseconds with its query. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "weft/proto.h"
#include "weft/hub.h"
#include "weft/store.h"

#define NWORDS 20000
#define NUSERS 500
#define NCHANNELS 100
#define QUERY_RANKS 5000

static char *words[NWORDS];
static double zipf_cdf[NWORDS];
static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uniform(void)
{
	return (double)(next_rand() >> 11) / 9007199254740992.0;
}

/* Real words of the network's subjects, placed among the made-up ones at
 * ranks from common to rare. */
static const char *const real[] = {
	"equity", "budget", "rubric", "racial", "community", "jurisdiction", "policy", "training",
	"cohort", "caucus", "workshop", "housing", "transit", "health", "outcomes", "data", "survey",
	"engagement", "accountability", "facilitator", "practitioner", "government", "county", "city",
	"planning", "procurement", "contracting", "hiring", "leadership", "evaluation", "toolkit",
	"framework", "assessment", "resolution", "council", "ordinance", "language", "access", "justice",
	"inclusion", "strategy", "agenda", "minutes", "standup", "blocker", "draft", "review", "meeting",
};

static void make_vocabulary(void)
{
	static const char *const cons[] = { "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r",
					    "s", "t", "v", "z", "br", "st", "tr", "ch" };
	static const char *const vows[] = { "a", "e", "i", "o", "u", "ai", "ou", "ea" };
	size_t nreal = sizeof real / sizeof real[0];
	for (int i = 0; i < NWORDS; i++) {
		if ((size_t)i % (NWORDS / 64) == 7 && (size_t)i / (NWORDS / 64) < nreal) {
			words[i] = strdup(real[i / (NWORDS / 64)]);
			continue;
		}
		char w[32] = "";
		int syl = 2 + (int)(next_rand() % 3);
		for (int k = 0; k < syl; k++) {
			strcat(w, cons[next_rand() % 20]);
			strcat(w, vows[next_rand() % 8]);
		}
		words[i] = strdup(w);
	}
	double sum = 0;
	for (int i = 0; i < NWORDS; i++)
		sum += 1.0 / (i + 1);
	double acc = 0;
	for (int i = 0; i < NWORDS; i++)
		zipf_cdf[i] = (acc += 1.0 / (i + 1) / sum);
}

static int zipf_rank(void)
{
	double x = uniform();
	int lo = 0, hi = NWORDS - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void die_sql(sqlite3 *db, const char *what)
{
	fprintf(stderr, "bench_search: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die_sql(db, sql);
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die_sql(db, sql);
	return s;
}

static void step_done(sqlite3 *db, sqlite3_stmt *s)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		die_sql(db, sqlite3_sql(s));
	sqlite3_reset(s);
}

/* Users, channels and memberships: user u is in channel ch when
 * (u + ch) % 5 == 0, user 1 also in every open channel. */
static void build_people(sqlite3 *db, int64_t now)
{
	/* The bench's people take ids 1..NUSERS; the system account weft
	 * (migration 11), which a fresh file gives id 1, moves after them. */
	exec(db, "UPDATE users SET id = (SELECT MAX(id) FROM users) + 1000000 WHERE system = 1");
	sqlite3_stmt *s = prep(db, "INSERT INTO users(id, name, display, created_ms) VALUES(?, ?, ?, ?)");
	for (int u = 1; u <= NUSERS; u++) {
		char name[32], display[48];
		snprintf(name, sizeof name, "user%d", u);
		snprintf(display, sizeof display, "User %d", u);
		sqlite3_bind_int(s, 1, u);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 3, display, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 4, now);
		step_done(db, s);
	}
	sqlite3_finalize(s);
	s = prep(db, "INSERT INTO channels(id, name, kind, access, created_by, created_ms) VALUES(?, ?, ?, ?, 1, ?)");
	sqlite3_stmt *m = prep(db, "INSERT INTO members(channel_id, user_id, role, joined_seq) VALUES(?, ?, 1, 0)");
	for (int ch = 1; ch <= NCHANNELS; ch++) {
		int access = ch % 10 == 0 ? WEFT_ACCESS_INVITE : ch % 10 <= 2 ? WEFT_ACCESS_REQUEST : WEFT_ACCESS_OPEN;
		int kind = access == WEFT_ACCESS_INVITE ? WEFT_KIND_TEAM
			   : access == WEFT_ACCESS_REQUEST ? WEFT_KIND_CAUCUS : WEFT_KIND_COHORT;
		char name[32];
		snprintf(name, sizeof name, "channel-%d", ch);
		sqlite3_bind_int(s, 1, ch);
		sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(s, 3, kind);
		sqlite3_bind_int(s, 4, access);
		sqlite3_bind_int64(s, 5, now);
		step_done(db, s);
		for (int u = 1; u <= NUSERS; u++) {
			if ((u + ch) % 5 && !(u == 1 && access == WEFT_ACCESS_OPEN))
				continue;
			sqlite3_bind_int(m, 1, ch);
			sqlite3_bind_int(m, 2, u);
			step_done(db, m);
		}
	}
	sqlite3_finalize(s);
	sqlite3_finalize(m);
}

static void build(const char *dir, long count)
{
	char path[4096];
	snprintf(path, sizeof path, "mkdir -p '%s'", dir);
	if (system(path))
		exit(1);
	snprintf(path, sizeof path, "%s/weft.db", dir);
	struct weft_store *st;
	if (weft_store_open(path, &st)) {
		fprintf(stderr, "bench_search: cannot create %s\n", path);
		exit(1);
	}
	weft_store_close(st);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die_sql(db, "open");
	exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144");
	int64_t now = 1767225600000; /* 2026-01-01 */
	exec(db, "BEGIN");
	build_people(db, now);
	sqlite3_stmt *ev = prep(db, "INSERT INTO events(seq, channel_id, kind, ts_ms, actor) VALUES(?, ?, 0, ?, ?)");
	sqlite3_stmt *msg = prep(db, "INSERT INTO messages(id, channel_id, author_id, body, ts_ms) VALUES(?, ?, ?, ?, ?)");
	sqlite3_stmt *idx = prep(db, "INSERT INTO message_index(rowid, body) VALUES(?, ?)");
	char body[1024];
	for (long i = 1; i <= count; i++) {
		int ch = 1 + (int)(next_rand() % NCHANNELS), author = 1 + (int)(next_rand() % NUSERS);
		int64_t ts = now + i * 1000;
		size_t n = 0;
		int nw = 5 + (int)(next_rand() % 36);
		for (int k = 0; k < nw; k++) {
			const char *w = words[zipf_rank()];
			n += (size_t)snprintf(body + n, sizeof body - n, "%s%s", k ? " " : "", w);
			if (n > sizeof body - 40)
				break;
		}
		body[0] = (char)(body[0] - 32); /* A sentence. */
		sqlite3_bind_int64(ev, 1, i);
		sqlite3_bind_int(ev, 2, ch);
		sqlite3_bind_int64(ev, 3, ts);
		sqlite3_bind_int(ev, 4, author);
		step_done(db, ev);
		sqlite3_bind_int64(msg, 1, i);
		sqlite3_bind_int(msg, 2, ch);
		sqlite3_bind_int(msg, 3, author);
		sqlite3_bind_text(msg, 4, body, (int)n, SQLITE_STATIC);
		sqlite3_bind_int64(msg, 5, ts);
		step_done(db, msg);
		sqlite3_bind_int64(idx, 1, i);
		sqlite3_bind_text(idx, 2, body, (int)n, SQLITE_STATIC);
		step_done(db, idx);
		if (i % 100000 == 0) {
			exec(db, "COMMIT; BEGIN");
			fprintf(stderr, "%ld messages\n", i);
		}
	}
	exec(db, "COMMIT");
	sqlite3_finalize(ev);
	sqlite3_finalize(msg);
	sqlite3_finalize(idx);
	exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_close(db);
	printf("built %s: %ld messages\n", path, count);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* A query of nwords prefixes of words drawn uniformly from the most
 * common QUERY_RANKS. */
static void make_query(char *q, size_t cap, int nwords)
{
	size_t n = 0;
	for (int k = 0; k < nwords; k++) {
		const char *w = words[next_rand() % QUERY_RANKS];
		int len = 3 + (int)(next_rand() % 4);
		n += (size_t)snprintf(q + n, cap - n, "%s%.*s", k ? " " : "", len, w);
	}
}

struct tally {
	double *search_us, *encode_us;
	long hits, empty;
};

static void one_search(struct weft_searcher *se, int nwords, struct tally *t, int i)
{
	char q[128];
	make_query(q, sizeof q, nwords);
	struct weft_search_query parsed;
	const char *err;
	if (weft_search_parse(q, &parsed, &err)) {
		fprintf(stderr, "bench_search: %s: %s\n", q, err);
		exit(1);
	}
	struct weft_search_params p = { .user = 1, .match = parsed.match, .limit = WEFT_SEARCH_LIMIT_DEFAULT };
	struct weft_search_hit hits[WEFT_SEARCH_LIMIT_DEFAULT];
	int n;
	bool more;
	double t0 = now_us();
	int rc = weft_store_search(se, &p, 60000, hits, &n, &more);
	double t1 = now_us();
	if (rc) {
		fprintf(stderr, "bench_search: search %s failed: %s\n", q, weft_strerror(rc));
		exit(1);
	}
	struct weft_frame *f = weft_proto_results_frame("r1", hits, n, more);
	double t2 = now_us();
	weft_frame_unref(f);
	for (int k = 0; k < n; k++) {
		if (!strstr(hits[k].snippet, WEFT_SNIPPET_OPEN)) {
			fprintf(stderr, "bench_search: %s: a snippet without a mark: %s\n", q, hits[k].snippet);
			exit(1);
		}
		weft_search_hit_clear(&hits[k]);
	}
	if (getenv("BENCH_SEARCH_SLOW") && t1 - t0 > atof(getenv("BENCH_SEARCH_SLOW")) * 1000)
		fprintf(stderr, "slow: %.3f ms, %d results: %s\n", (t1 - t0) / 1000, n, q);
	if (t) {
		t->search_us[i] = t1 - t0;
		t->encode_us[i] = t2 - t1;
		t->hits += n;
		t->empty += n == 0;
	}
}

static void report(const char *what, double *us, int n)
{
	qsort(us, (size_t)n, sizeof *us, cmp_double);
	printf("%-22s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", what, us[n / 2] / 1000, us[n * 99 / 100] / 1000,
	       us[n - 1] / 1000);
}

/* Returns the one-and-two-word p99 of the search, in ms. */
static double run(const char *dir, int queries)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/weft.db", dir);
	struct weft_store *st;
	struct weft_searcher *se;
	if (weft_store_open(path, &st) || weft_store_searcher_open(st, &se)) {
		fprintf(stderr, "bench_search: cannot open %s\n", path);
		exit(1);
	}
	for (int i = 0; i < 200; i++)
		one_search(se, 1 + i % 2, NULL, 0);
	double worst = 0;
	for (int nwords = 1; nwords <= 2; nwords++) {
		struct tally t = { calloc((size_t)queries, sizeof(double)), calloc((size_t)queries, sizeof(double)), 0, 0 };
		for (int i = 0; i < queries; i++)
			one_search(se, nwords, &t, i);
		printf("%d-word prefix queries: %d, %.1f results on average, %ld with none\n", nwords, queries,
		       (double)t.hits / queries, t.empty);
		report("  search", t.search_us, queries);
		report("  encode results", t.encode_us, queries);
		double p99 = t.search_us[queries * 99 / 100] / 1000;
		worst = p99 > worst ? p99 : worst;
		free(t.search_us);
		free(t.encode_us);
	}
	weft_store_searcher_close(se);
	weft_store_close(st);
	return worst;
}

int main(int argc, char **argv)
{
	weft_log_level = WEFT_LOG_WARN;
	make_vocabulary();
	if (argc >= 3 && !strcmp(argv[1], "build")) {
		build(argv[2], argc > 3 ? atol(argv[3]) : 1000000);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "run")) {
		run(argv[2], argc > 3 ? atoi(argv[3]) : 2000);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "check")) {
		char dir[] = "/tmp/bench-search-XXXXXX";
		if (!mkdtemp(dir))
			return 1;
		build(dir, 20000);
		run(dir, 200);
		char rm[64];
		snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
		return system(rm) ? 1 : 0;
	}
	fprintf(stderr, "usage: bench_search build DIR [messages] | run DIR [queries] | check\n");
	return 2;
}
