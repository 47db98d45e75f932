/* weft-load: load generator for weftd (and, through struct lg_proto, other
 * WebSocket chat servers). See tests/bench/README.md.
 *
 *   weft-load setup --target URL --accounts M --tokens FILE [--create --weftd PATH --data DIR]
 *   weft-load [run] --target URL --tokens FILE --workload W1..W6 [options]
 */
#define _GNU_SOURCE
#include "lg.h"

#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

/* ---- options -------------------------------------------------------------- */

#define MAX_STEPS 32

struct opts {
    const char *target, *tokens_file, *json_file, *workload, *proto, *room_prefix;
    int server_pid;
    int conns, channels, members, senders, readers;
    double rates[MAX_STEPS];
    int nrates;
    double duration, drain;
    int concurrency, per_account, body_bytes;
    long seed;
    int seed_conns, window, limit;
    double sat_p99_ms;
    double settle;
    int verbose, quiet;
    const char *sources;
    const char *ws_path;
    int accounts;
};

static struct opts o;

/* ---- rooms and steps ------------------------------------------------------ */

struct room {
    int first, n;        /* connections [first, first+n) are members */
    int acc_first, nacc; /* accounts used by those connections */
    uint64_t next_ns;    /* open-loop schedule */
    int rr;              /* round-robin sender cursor */
    int alive;           /* open connections at step start */
};

static struct room *rooms;
static int nrooms;

struct step {
    char label[48];
    double offered;     /* msgs/s (or history req/s) asked for */
    double secs;        /* send window */
    int conns_alive;
    uint64_t sent, acked, delivered, expected, rate_limited, errors, lagged, hist_n;
    double cpu_s;
    int cpu_ok;
    long rss_kb;
    int saturated;
    struct lg_thread_cpu threads; /* per-thread server CPU during the step */
    double gen_cpu_s;             /* generator CPU during the step */
    struct lg_hist lat, ack, hist, fan;
    /* W5 on weft: weft_history_seconds over the step, from /metrics */
    int srv_ok;
    double srv_n, srv_p50_ms, srv_p99_ms, srv_mean_ms;
};

static struct step *steps;
static int nsteps;
static int cur_step = -1;

struct connect_res {
    int attempted, ok, failed;
    double secs;
    struct lg_hist hs, up;
    double server_cpu_s;    /* server CPU while connecting */
    double gen_cpu_s;       /* generator CPU while connecting */
    int cpu_ok;
    struct lg_thread_cpu threads;
};

static struct connect_res conn_res;

/* The generator's own CPU seconds: when they approach the wall time the
 * generator, not the server, is the bottleneck. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}
static long rss_base_kb, rss_conn_kb;
static int rss_ok;
static uint64_t expected_deliveries;
static uint64_t lagged_sends;
static double seed_secs;
static uint64_t seed_acked;
static int setup_failures;

/* closed-loop senders (W5 seeding, W6) */
static int closed_loop;
static long seed_left = -1; /* -1: unlimited */

/* W5 on weft: the server's own history timing, weft_history_seconds, is
 * scraped from /metrics (allowed from loopback without credentials) before
 * and after each step; the step's figures come from the bucket deltas. */
static int srv_metrics;
static char srv_metrics_error[160];
static struct lg_prom_hist step_m0;
static int step_m0_ok;

static int scrape_history(struct lg_prom_hist *h)
{
    static char resp[65536];
    int status = lg_https_get(lg->host, lg->port, "/metrics", resp, sizeof resp);
    const char *body = strstr(resp, "\r\n\r\n");
    if (status == 200 && body && lg_prom_hist_parse(body + 4, "weft_history_seconds", h) == 0)
        return 0;
    if (!srv_metrics_error[0]) {
        if (status != 200)
            snprintf(srv_metrics_error, sizeof srv_metrics_error, "GET /metrics: HTTP %d", status);
        else
            snprintf(srv_metrics_error, sizeof srv_metrics_error,
                     "GET /metrics: no weft_history_seconds histogram");
        fprintf(stderr, "weft-load: %s: no server-side history figures\n", srv_metrics_error);
    }
    return -1;
}

/* ---- events from the protocol backend ------------------------------------ */

void lg_ev_ready(struct lg_conn *c, int64_t server_seq)
{
    (void)server_seq;
    if (c->ready)
        return;
    c->ready = 1;
    c->t_ready = lg_now_ns();
    lg->connecting--;
    lg->opened++;
    lg_hist_add(&lg->hs_hist, c->t_ready - c->t_start);
}

void lg_ev_setup_done(struct lg_conn *c, int ok, const char *why)
{
    if (!ok) {
        setup_failures++;
        fprintf(stderr, "weft-load: setup request on conn %d failed: %s\n", c->idx,
                why ? why : "?");
    }
}

static void send_msg(struct lg_conn *c, int room, uint64_t now);

static void closed_loop_fill(struct lg_conn *c, uint64_t now)
{
    while (c->state == LG_OPEN && c->ready && c->inflight < o.window && now >= c->hold_until &&
           seed_left != 0) {
        send_msg(c, c->room, now);
        if (seed_left > 0)
            seed_left--;
    }
}

void lg_ev_delivery(struct lg_conn *c, int room, const char *body, size_t len)
{
    (void)room;
    (void)c;
    /* wl|run|step|conn|seq|ns| */
    if (len < 3 + sizeof lg->run_id)
        return;
    const char *p = body + 3;
    size_t rl = strlen(lg->run_id);
    if (strncmp(p, lg->run_id, rl) != 0 || p[rl] != '|')
        return;
    p += rl + 1;
    char *e;
    long step = strtol(p, &e, 10);
    long conn = strtol(e + 1, &e, 10);
    uint64_t seq = strtoull(e + 1, &e, 10);
    uint64_t ns = strtoull(e + 1, &e, 10);
    lg->delivered_total++;
    if (!lg->measuring || step != cur_step)
        return;
    uint64_t now = lg_now_ns();
    lg->delivered++;
    lg_hist_add(&lg->lat, now > ns ? now - ns : 0);
    if (conn == lg->fan_conn && seq < lg->fan_cap) {
        lg->fan_count[seq]++;
        lg->fan_last_ns[seq] = now;
    }
}

void lg_ev_ack(struct lg_conn *c, uint64_t sent_ns, int duplicate)
{
    uint64_t now = lg_now_ns();
    lg->acked++;
    if (duplicate)
        lg->duplicates++;
    if (sent_ns && now > sent_ns)
        lg_hist_add(&lg->ack_lat, now - sent_ns);
    if (closed_loop)
        closed_loop_fill(c, now);
}

void lg_ev_history(struct lg_conn *c, uint64_t sent_ns, int nmsgs)
{
    (void)c;
    (void)nmsgs;
    uint64_t now = lg_now_ns();
    lg->hist_ok++;
    if (sent_ns && now > sent_ns)
        lg_hist_add(&lg->hist_lat, now - sent_ns);
}

void lg_ev_error(struct lg_conn *c, uint64_t sent_ns, int is_send, const char *code,
                 const char *msg, int retry_after_ms)
{
    (void)sent_ns;
    /* a refused send fans out to nobody */
    if (is_send && lg->measuring && c->room >= 0 && c->room < nrooms &&
        expected_deliveries >= (uint64_t)rooms[c->room].alive)
        expected_deliveries -= (uint64_t)rooms[c->room].alive;
    if (!strcmp(code, "rate_limited")) {
        lg->rate_limited++;
        c->hold_until = lg_now_ns() + (uint64_t)(retry_after_ms > 0 ? retry_after_ms : 100) * 1000000ull;
        return;
    }
    lg->errors++;
    snprintf(lg->last_error, sizeof lg->last_error, "error %s: %s", code, msg);
    if (o.verbose)
        fprintf(stderr, "weft-load: conn %d: error %s: %s\n", c->idx, code, msg);
}

/* ---- sending --------------------------------------------------------------- */

static void send_msg(struct lg_conn *c, int room, uint64_t now)
{
    char body[8192];
    int n = snprintf(body, sizeof body, "wl|%s|%d|%d|%" PRIu64 "|%" PRIu64 "|", lg->run_id,
                     cur_step, c->idx, c->msg_seq, now);
    int want = o.body_bytes < (int)sizeof body - 1 ? o.body_bytes : (int)sizeof body - 1;
    while (n < want)
        body[n++] = 'x';
    body[n] = 0;
    if (c->idx == lg->fan_conn && c->msg_seq < lg->fan_cap) {
        lg->fan_sent_ns[c->msg_seq] = now;
        lg->fan_count[c->msg_seq] = 0;
        lg->fan_last_ns[c->msg_seq] = 0;
    }
    if (lg->proto->send(c, room, body, (size_t)n, c->msg_seq) == 0) {
        lg->sent++;
        if (room >= 0)
            expected_deliveries += (uint64_t)rooms[room].alive;
    }
    c->msg_seq++;
}

static int conn_usable(const struct lg_conn *c, uint64_t now)
{
    return c->state == LG_OPEN && c->ready && now >= c->hold_until;
}

/* Open-loop: every room sends at rate_per_room msgs/s, round-robin over its
 * members (or only its first member when single_sender). */
struct open_job {
    double rate_per_room;
    int single_sender;
    uint64_t stop_ns;
};

static void open_tick(void *arg, uint64_t now)
{
    struct open_job *j = arg;
    if (j->rate_per_room <= 0 || now >= j->stop_ns)
        return;
    uint64_t interval = (uint64_t)(1e9 / j->rate_per_room);
    if (!interval)
        interval = 1;
    for (int r = 0; r < nrooms; r++) {
        struct room *rm = &rooms[r];
        if (!rm->next_ns)
            rm->next_ns = now + (uint64_t)r * interval / (uint64_t)(nrooms ? nrooms : 1);
        while (now >= rm->next_ns) {
            if (now - rm->next_ns > 200000000ull) {
                /* the generator fell >200 ms behind: skip, and say so */
                /* at least one interval: with a lag between 200 ms and one
                 * interval (slow per-room rates) a skip of 0 spun forever */
                uint64_t skip = (now - rm->next_ns) / interval;
                if (!skip)
                    skip = 1;
                lagged_sends += skip;
                rm->next_ns += skip * interval;
                continue;
            }
            int tries = j->single_sender ? 1 : rm->n;
            for (int t = 0; t < tries; t++) {
                int k = j->single_sender ? rm->first : rm->first + (rm->rr++ % rm->n);
                struct lg_conn *c = &lg->conns[k];
                if (conn_usable(c, now)) {
                    send_msg(c, r, now);
                    break;
                }
                if (t == tries - 1)
                    lagged_sends++;
            }
            rm->next_ns += interval;
        }
    }
}

/* ---- steps ------------------------------------------------------------------ */

static void counters_reset(void)
{
    lg->sent = lg->acked = lg->delivered = lg->hist_ok = 0;
    lg->rate_limited = lg->errors = lg->duplicates = 0;
    lg_hist_reset(&lg->lat);
    lg_hist_reset(&lg->ack_lat);
    lg_hist_reset(&lg->hist_lat);
    expected_deliveries = 0;
    lagged_sends = 0;
}

static int alive_count(int from, int to)
{
    int n = 0;
    for (int i = from; i < to; i++)
        n += lg->conns[i].state == LG_OPEN && lg->conns[i].ready;
    return n;
}

static struct lg_proc_sample step_cpu0;
static struct lg_thread_cpu step_thr0;
static double step_gen0;
static uint64_t step_t0;

static struct step *step_begin(const char *label, double offered)
{
    if (nsteps >= MAX_STEPS)
        return NULL;
    struct step *s = &steps[nsteps];
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label);
    s->offered = offered;
    cur_step = nsteps++;
    counters_reset();
    for (int r = 0; r < nrooms; r++) {
        rooms[r].alive = alive_count(rooms[r].first, rooms[r].first + rooms[r].n);
        rooms[r].next_ns = 0;
    }
    s->conns_alive = alive_count(0, lg->nconns);
    step_m0_ok = srv_metrics && scrape_history(&step_m0) == 0;
    lg_proc_sample(o.server_pid, &step_cpu0);
    lg_proc_threads(o.server_pid, &step_thr0);
    step_gen0 = self_cpu_s();
    lg->measuring = 1;
    step_t0 = lg_now_ns();
    return s;
}

struct drain_job {
    uint64_t deadline;
};

static int total_inflight(void)
{
    int n = 0;
    for (int i = 0; i < lg->nconns; i++)
        if (lg->conns[i].state == LG_OPEN)
            n += lg->conns[i].inflight;
    return n;
}

static int drain_done(void *arg)
{
    (void)arg;
    return lg->delivered >= expected_deliveries && total_inflight() == 0;
}

/* Stops sending, waits up to o.drain seconds for in-flight deliveries, and
 * closes the step's books. */
static void step_end(struct step *s, double send_secs)
{
    closed_loop = 0;
    lg_loop_run(o.drain, drain_done, NULL, NULL);
    lg->measuring = 0;
    struct lg_proc_sample p1;
    lg_proc_sample(o.server_pid, &p1);
    lg_proc_threads(o.server_pid, &s->threads);
    for (int i = 0; i < s->threads.n; i++)
        for (int k = 0; k < step_thr0.n; k++)
            if (!strcmp(s->threads.name[i], step_thr0.name[k]))
                s->threads.cpu_s[i] -= step_thr0.cpu_s[k];
    s->secs = send_secs > 0 ? send_secs : (double)(lg_now_ns() - step_t0) / 1e9;
    s->gen_cpu_s = self_cpu_s() - step_gen0;
    s->sent = lg->sent;
    s->acked = lg->acked;
    s->delivered = lg->delivered;
    s->expected = expected_deliveries;
    s->rate_limited = lg->rate_limited;
    s->errors = lg->errors;
    s->lagged = lagged_sends;
    s->hist_n = lg->hist_ok;
    s->lat = lg->lat;
    s->ack = lg->ack_lat;
    s->hist = lg->hist_lat;
    if (step_cpu0.ok && p1.ok) {
        s->cpu_ok = 1;
        s->cpu_s = p1.cpu_s - step_cpu0.cpu_s;
        s->rss_kb = p1.rss_kb;
    }
    /* after the drain, so every reply the step asked for is counted; after
     * the CPU sample, so the scrape's own cost is not */
    struct lg_prom_hist m1, d;
    if (step_m0_ok && scrape_history(&m1) == 0 && lg_prom_hist_delta(&m1, &step_m0, &d) == 0) {
        s->srv_ok = 1;
        s->srv_n = d.count;
        s->srv_p50_ms = lg_prom_hist_quantile(&d, 0.50) * 1e3;
        s->srv_p99_ms = lg_prom_hist_quantile(&d, 0.99) * 1e3;
        s->srv_mean_ms = d.count > 0 ? d.sum / d.count * 1e3 : NAN;
    }
    lg_hist_reset(&s->fan);
    if (lg->fan_conn >= 0) {
        for (uint64_t i = 0; i < lg->fan_cap; i++)
            if (lg->fan_sent_ns[i] && lg->fan_count[i]) {
                lg_hist_add(&s->fan, lg->fan_last_ns[i] - lg->fan_sent_ns[i]);
                lg->fan_sent_ns[i] = 0;
            }
    }
    double p99 = (double)lg_hist_quantile(&s->lat, 0.99) / 1e6;
    if (s->expected && ((double)s->delivered < 0.9 * (double)s->expected ||
                        (o.sat_p99_ms > 0 && p99 > o.sat_p99_ms) ||
                        s->lagged > s->sent / 10 + 1))
        s->saturated = 1;
}

/* ---- connection setup -------------------------------------------------------- */

static int connect_list(const int *idx, int n, int count_stats)
{
    uint64_t t0 = lg_now_ns();
    int inflight_max = o.concurrency;
    int next = 0, ok = 0;
    double timeout = 30 + n / 50.0;
    uint64_t deadline = t0 + (uint64_t)(timeout * 1e9);
    struct lg_hist save = lg->hs_hist, save_up = lg->up_hist;
    struct lg_proc_sample p0, p1;
    struct lg_thread_cpu th0;
    double g0 = self_cpu_s();
    if (count_stats) {
        lg_proc_sample(o.server_pid, &p0);
        lg_proc_threads(o.server_pid, &th0);
    }
    lg_hist_reset(&lg->hs_hist);
    lg_hist_reset(&lg->up_hist);
    while (lg_now_ns() < deadline) {
        while (next < n && lg->connecting < inflight_max)
            lg_conn_start(&lg->conns[idx[next++]]);
        if (next >= n && lg->connecting == 0)
            break;
        lg_loop_run(0.001, NULL, NULL, NULL);
    }
    uint64_t t1 = lg_now_ns();
    int failed = 0;
    for (int i = 0; i < n; i++) {
        struct lg_conn *c = &lg->conns[idx[i]];
        if (c->ready && c->state == LG_OPEN) {
            ok++;
        } else {
            failed++;
            if (c->state != LG_DEAD && c->state != LG_IDLE)
                lg_conn_close(c, 1000);
        }
    }
    if (count_stats) {
        conn_res.attempted += n;
        conn_res.ok += ok;
        conn_res.failed += failed;
        conn_res.secs += (double)(t1 - t0) / 1e9;
        conn_res.gen_cpu_s += self_cpu_s() - g0;
        conn_res.hs = lg->hs_hist;
        conn_res.up = lg->up_hist;
        lg_proc_sample(o.server_pid, &p1);
        if (p0.ok && p1.ok) {
            conn_res.cpu_ok = 1;
            conn_res.server_cpu_s += p1.cpu_s - p0.cpu_s;
            lg_proc_threads(o.server_pid, &conn_res.threads);
            for (int i = 0; i < conn_res.threads.n; i++)
                for (int k = 0; k < th0.n; k++)
                    if (!strcmp(conn_res.threads.name[i], th0.name[k]))
                        conn_res.threads.cpu_s[i] -= th0.cpu_s[k];
        }
    } else {
        lg->hs_hist = save;
        lg->up_hist = save_up;
    }
    return ok;
}

static int connect_range(int from, int to, int count_stats)
{
    int n = to - from;
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    for (int i = 0; i < n; i++)
        idx[i] = from + i;
    int ok = connect_list(idx, n, count_stats);
    free(idx);
    return ok;
}

static int pending_total(void)
{
    int p = 0;
    for (int i = 0; i < lg->nconns; i++)
        if (lg->conns[i].state == LG_OPEN)
            p += lg->conns[i].pending;
    return p;
}

static int no_pending(void *arg)
{
    (void)arg;
    return pending_total() == 0;
}

static int all_closed(void *arg)
{
    (void)arg;
    for (int i = 0; i < lg->nconns; i++)
        if (lg->conns[i].state != LG_DEAD && lg->conns[i].state != LG_IDLE)
            return 0;
    return 1;
}

static void close_all(void)
{
    for (int i = 0; i < lg->nconns; i++)
        lg_conn_close(&lg->conns[i], 1000);
    lg_loop_run(2.0, all_closed, NULL, NULL);
    for (int i = 0; i < lg->nconns; i++) {
        struct lg_conn *c = &lg->conns[i];
        if (c->state != LG_DEAD && c->state != LG_IDLE) {
            if (c->ssl)
                SSL_free(c->ssl);
            c->ssl = NULL;
            if (c->fd >= 0)
                close(c->fd);
            c->fd = -1;
            c->state = LG_DEAD;
        }
    }
}

static void reset_conn(struct lg_conn *c)
{
    c->ready = 0;
    c->pending = c->inflight = 0;
    c->hold_until = 0;
    c->last_seq = 0;
}

/* Without a tokens file (anonymous brokers) accounts are only labels. */
static int accounts_avail(void)
{
    return lg->ntokens ? lg->ntokens : o.accounts > 0 ? o.accounts : 1 << 30;
}

/* Assigns accounts so that an account's connections all sit in one room:
 * membership is per user, so a shared account must not widen a connection's
 * fan-out beyond its own room. Returns -1 when there are too few tokens. */
static int assign_accounts(int wrap_ok)
{
    int need = 0;
    for (int r = 0; r < nrooms; r++)
        need += (rooms[r].n + o.per_account - 1) / o.per_account;
    int per_room_cap = nrooms ? accounts_avail() / nrooms : accounts_avail();
    if (nrooms && per_room_cap < 1 && !wrap_ok) {
        fprintf(stderr,
                "weft-load: %d rooms need at least %d accounts (tokens file has %d); run "
                "`weft-load setup --accounts %d`\n",
                nrooms, nrooms, accounts_avail(), need);
        return -1;
    }
    if (need > accounts_avail() && !o.quiet)
        fprintf(stderr, "weft-load: note: %d accounts wanted (1 per %d connections), %d available: "
                        "sharing more connections per account\n",
                need, o.per_account, accounts_avail());
    int acc = 0;
    for (int r = 0; r < nrooms; r++) {
        int want = (rooms[r].n + o.per_account - 1) / o.per_account;
        if (need > accounts_avail())
            want = want < per_room_cap ? want : per_room_cap;
        if (want < 1)
            want = 1;
        rooms[r].acc_first = acc;
        rooms[r].nacc = want;
        for (int k = 0; k < rooms[r].n; k++) {
            struct lg_conn *c = &lg->conns[rooms[r].first + k];
            c->room = r;
            c->account = (acc + k % want) % accounts_avail();
        }
        acc += want;
    }
    return 0;
}

/* Joins every account to its room with one short-lived connection per
 * account ("leaders"), then closes them, so later bulk connections are
 * members from their hello on and join-event storms stay small. Also learns
 * the server's current seq so bulk connections skip old history. */
static int setup_rooms(void)
{
    if (lg->proto->per_conn_join)
        return 0;
    int nlead = 0;
    int *lead = malloc((size_t)(lg->nconns + 1) * sizeof *lead);
    for (int r = 0; r < nrooms; r++)
        for (int a = 0; a < rooms[r].nacc && a < rooms[r].n; a++)
            lead[nlead++] = rooms[r].first + a;
    if (!nlead)
        lead[nlead++] = 0;

    /* probe with since=0, then everyone else starts from its seq */
    lg->hello_since = 0;
    if (connect_list(lead, 1, 0) != 1) {
        fprintf(stderr, "weft-load: cannot open the first connection: %s\n", lg->last_error);
        free(lead);
        return -1;
    }
    lg->hello_since = lg->conns[lead[0]].last_seq;
    if (nlead > 1 && connect_list(lead + 1, nlead - 1, 0) != nlead - 1) {
        fprintf(stderr, "weft-load: setup connections failed: %s\n", lg->last_error);
        free(lead);
        return -1;
    }
    if (nrooms) {
        struct lg_conn *c0 = &lg->conns[lead[0]];
        lg->proto->room_lookup(c0);
        lg_loop_run(30, no_pending, NULL, NULL);
        int created = 0;
        for (int r = 0; r < nrooms; r++) {
            /* room_join fails for a room the lookup did not find: create it
             * (its creator is a member); an existing one is joined instead */
            struct lg_conn *c = &lg->conns[rooms[r].first];
            if (lg->proto->room_join(c, r) < 0) {
                lg->proto->room_create(c, r);
                created++;
            }
            if (pending_total() > 200)
                lg_loop_run(30, no_pending, NULL, NULL);
        }
        lg_loop_run(30, no_pending, NULL, NULL);
        for (int i = 0; i < nlead; i++) {
            struct lg_conn *c = &lg->conns[lead[i]];
            if (c->idx == rooms[c->room].first)
                continue;
            if (lg->proto->room_join(c, c->room) < 0) {
                fprintf(stderr, "weft-load: room %d has no id after create\n", c->room);
                setup_failures++;
            }
            if (pending_total() > 200)
                lg_loop_run(30, no_pending, NULL, NULL);
        }
        lg_loop_run(30, no_pending, NULL, NULL);
        if (o.verbose)
            fprintf(stderr, "weft-load: %d rooms (%d created), %d setup connections\n", nrooms,
                    created, nlead);
    }
    /* let join events settle so the seq cursor covers them */
    lg_loop_run(0.2, NULL, NULL, NULL);
    for (int i = 0; i < nlead; i++)
        if (lg->conns[lead[i]].last_seq > lg->hello_since)
            lg->hello_since = lg->conns[lead[i]].last_seq;
    free(lead);
    close_all();
    for (int i = 0; i < lg->nconns; i++)
        reset_conn(&lg->conns[i]);
    if (setup_failures) {
        fprintf(stderr, "weft-load: %d setup requests failed\n", setup_failures);
        return -1;
    }
    return 0;
}

static void sample_rss_base(void)
{
    struct lg_proc_sample p;
    lg_proc_sample(o.server_pid, &p);
    rss_ok = p.ok;
    rss_base_kb = p.rss_kb;
}

static void sample_rss_conn(void)
{
    struct lg_proc_sample p;
    lg_proc_sample(o.server_pid, &p);
    rss_conn_kb = p.rss_kb;
    rss_ok = rss_ok && p.ok;
}

static int make_conns(int n)
{
    lg->nconns = n;
    lg->conns = calloc((size_t)n, sizeof *lg->conns);
    if (!lg->conns)
        return -1;
    for (int i = 0; i < n; i++) {
        lg->conns[i].idx = i;
        lg->conns[i].fd = -1;
        lg->conns[i].room = -1;
    }
    return 0;
}

static int make_rooms(int n, int members_each, int first_conn)
{
    nrooms = n;
    rooms = calloc((size_t)(n > 0 ? n : 1), sizeof *rooms);
    for (int r = 0; r < n; r++) {
        rooms[r].first = first_conn + r * members_each;
        rooms[r].n = members_each;
    }
    return lg->proto->rooms_init(n);
}

/* Backends whose rooms are joined per connection (MQTT, XMPP MUC): every
 * connection in [from, to) joins its room; each room's first member goes
 * first, so that it creates the room before the rest arrive. */
static void join_rooms(int from, int to)
{
    if (!lg->proto->per_conn_join || !nrooms)
        return;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = from; i < to; i++) {
            struct lg_conn *c = &lg->conns[i];
            if (c->state == LG_OPEN && c->ready && c->room >= 0 &&
                (i == rooms[c->room].first) == (pass == 0))
                lg->proto->room_join(c, c->room);
            if (pending_total() > 500)
                lg_loop_run(30, no_pending, NULL, NULL);
        }
        lg_loop_run(30, no_pending, NULL, NULL);
    }
    if (setup_failures)
        fprintf(stderr, "weft-load: %d joins failed\n", setup_failures);
}

/* Waits until no message arrived for a whole second (at most o.settle s):
 * joins of big rooms (MUC presence, O(members^2) stanzas) can still be in
 * flight after every join was answered, and would be measured as latency. */
static void settle(void)
{
    if (o.settle <= 0)
        return;
    uint64_t t0 = lg_now_ns(), deadline = t0 + (uint64_t)(o.settle * 1e9);
    uint64_t seen = lg->frames_in;
    for (;;) {
        lg_loop_run(1.0, NULL, NULL, NULL);
        if (lg->frames_in == seen || lg_now_ns() >= deadline)
            break;
        seen = lg->frames_in;
    }
    double s = (double)(lg_now_ns() - t0) / 1e9;
    if (!o.quiet && s > 1.5)
        fprintf(stderr, "weft-load: server traffic settled after %.1f s%s\n", s,
                lg->frames_in == seen ? "" : " (gave up: --settle)");
}

static int bulk_connect(int from, int to)
{
    sample_rss_base();
    int ok = connect_range(from, to, 1);
    join_rooms(from, to);
    settle();
    lg_loop_run(0.3, NULL, NULL, NULL); /* let the server settle before sampling */
    sample_rss_conn();
    if (!o.quiet)
        fprintf(stderr, "weft-load: %d/%d connections ready in %.2f s\n", ok, to - from,
                conn_res.secs);
    return ok;
}

/* ---- workloads -------------------------------------------------------------- */

static int fan_alloc(uint64_t cap)
{
    lg->fan_cap = cap;
    lg->fan_sent_ns = calloc(cap, sizeof *lg->fan_sent_ns);
    lg->fan_last_ns = calloc(cap, sizeof *lg->fan_last_ns);
    lg->fan_count = calloc(cap, sizeof *lg->fan_count);
    return lg->fan_sent_ns && lg->fan_last_ns && lg->fan_count ? 0 : -1;
}

/* W1, W2, W3: rooms x members, open-loop ramp of total send rates. */
static int wl_rooms_ramp(int stop_at_saturation, int single_sender)
{
    int n = o.channels * o.members;
    if (make_conns(n) < 0 || make_rooms(o.channels, o.members, 0) < 0)
        return -1;
    if (assign_accounts(0) < 0 || setup_rooms() < 0)
        return -1;
    if (single_sender) {
        lg->fan_conn = 0;
        if (fan_alloc(1u << 20) < 0)
            return -1;
    }
    if (bulk_connect(0, n) == 0)
        return -1;
    for (int i = 0; i < o.nrates; i++) {
        char label[48];
        snprintf(label, sizeof label, "%g msg/s", o.rates[i]);
        struct step *s = step_begin(label, o.rates[i]);
        if (!s)
            break;
        struct open_job j = { o.rates[i] / (nrooms ? nrooms : 1), single_sender,
                              lg_now_ns() + (uint64_t)(o.duration * 1e9) };
        lg_loop_run(o.duration, NULL, open_tick, &j);
        step_end(s, o.duration);
        if (!o.quiet)
            fprintf(stderr, "weft-load: step %s: %" PRIu64 " delivered of %" PRIu64 "%s\n", label,
                    s->delivered, s->expected, s->saturated ? " (saturated)" : "");
        if (stop_at_saturation && s->saturated)
            break;
        if (alive_count(0, n) == 0)
            break;
    }
    return 0;
}

/* W4: idle connections; the interesting numbers are connect rate and RSS. */
static int wl_idle(void)
{
    if (make_conns(o.conns) < 0 || make_rooms(0, 0, 0) < 0)
        return -1;
    for (int i = 0; i < o.conns; i++)
        lg->conns[i].account = i % accounts_avail();
    if (setup_rooms() < 0)
        return -1;
    if (bulk_connect(0, o.conns) == 0)
        return -1;
    struct step *s = step_begin("idle", 0);
    lg_loop_run(o.duration, NULL, NULL, NULL);
    step_end(s, o.duration);
    sample_rss_conn();
    return 0;
}

/* W5: seed a channel, then page its history at random offsets. */
struct hist_job {
    double rate;
    int from, to, rr;
    uint64_t next_ns, stop_ns;
    int64_t lo, hi;
};

static uint64_t rnd64(void)
{
    static uint64_t s = 0x9E3779B97F4A7C15ull;
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

static void hist_tick(void *arg, uint64_t now)
{
    struct hist_job *j = arg;
    if (now >= j->stop_ns || j->rate <= 0)
        return;
    uint64_t interval = (uint64_t)(1e9 / j->rate);
    if (!j->next_ns)
        j->next_ns = now;
    while (now >= j->next_ns) {
        if (now - j->next_ns > 200000000ull) {
            uint64_t skip = (now - j->next_ns) / interval;
            if (!skip)
                skip = 1;
            lagged_sends += skip;
            j->next_ns += skip * interval;
            continue;
        }
        int n = j->to - j->from, sent = 0;
        for (int t = 0; t < n && !sent; t++) {
            struct lg_conn *c = &lg->conns[j->from + (j->rr++ % n)];
            if (conn_usable(c, now) && c->inflight < 4) {
                int64_t span = j->hi - j->lo + 1;
                int64_t before = span > 1 ? j->lo + 1 + (int64_t)(rnd64() % (uint64_t)span) : 0;
                if (lg->proto->history(c, 0, before, o.limit) == 0)
                    lg->sent++;
                sent = 1;
            }
        }
        if (!sent)
            lagged_sends++;
        j->next_ns += interval;
    }
}

static int no_inflight(void *arg)
{
    (void)arg;
    return total_inflight() == 0;
}

static int seed_done(void *arg)
{
    (void)arg;
    return seed_left == 0 && total_inflight() == 0;
}

static void seed_tick(void *arg, uint64_t now)
{
    int *ns = arg;
    for (int i = 0; i < *ns; i++)
        closed_loop_fill(&lg->conns[i], now);
}

static int wl_history(void)
{
    int ns = o.seed_conns, nr = o.readers;
    if (make_conns(ns + nr) < 0 || make_rooms(1, ns + nr, 0) < 0)
        return -1;
    if (assign_accounts(0) < 0 || setup_rooms() < 0)
        return -1;
    int64_t lo, hi;
    srv_metrics = lg->proto == &lg_proto_weft;
    if (o.seed > 0) {
        /* seeders are the room's only live members while seeding */
        if (connect_range(0, ns, 0) == 0)
            return -1;
        join_rooms(0, ns);
        struct step *s = step_begin("seed", 0);
        seed_left = o.seed;
        closed_loop = 1;
        uint64_t t0 = lg_now_ns(), last = t0, progress_ns = t0;
        uint64_t acked_before = 0, acked_seen = 0;
        for (;;) {
            lg_loop_run(1.0, seed_done, seed_tick, &ns);
            if (seed_done(NULL) || alive_count(0, ns) == 0)
                break;
            uint64_t now = lg_now_ns();
            if (lg->acked + lg->rate_limited + lg->errors != acked_seen) {
                acked_seen = lg->acked + lg->rate_limited + lg->errors;
                progress_ns = now;
            } else if (now - progress_ns > 30000000000ull) {
                fprintf(stderr, "weft-load: seeding stalled for 30 s (%" PRIu64 " acked): %s\n",
                        lg->acked, lg->last_error);
                break;
            }
            if (!o.quiet && now - last >= 5000000000ull) {
                fprintf(stderr, "weft-load: seeded %" PRIu64 "/%ld (%.0f msg/s)\n", lg->acked,
                        o.seed, (double)(lg->acked - acked_before) / ((double)(now - last) / 1e9));
                acked_before = lg->acked;
                last = now;
            }
        }
        seed_secs = (double)(lg_now_ns() - t0) / 1e9;
        seed_acked = lg->acked;
        step_end(s, seed_secs);
        for (int i = 0; i < ns; i++)
            if (lg->conns[i].last_seq > lg->hello_since)
                lg->hello_since = lg->conns[i].last_seq;
        close_all();
        for (int i = 0; i < ns; i++)
            reset_conn(&lg->conns[i]);
        if (!o.quiet)
            fprintf(stderr, "weft-load: seeded %" PRIu64 " messages in %.2f s\n", seed_acked,
                    seed_secs);
    }
    if (bulk_connect(ns, ns + nr) == 0)
        return -1;
    /* find the message id range: one latest page and one oldest page */
    struct lg_conn *c = &lg->conns[ns];
    for (int i = ns; i < ns + nr && !(c->state == LG_OPEN && c->ready); i++)
        c = &lg->conns[i];
    lg->proto->history(c, 0, 0, 1);
    lg->proto->history(c, 0, -1, 1);
    lg_loop_run(10, no_inflight, NULL, NULL);
    lg->proto->room_bounds(0, &lo, &hi);
    if (!o.quiet)
        fprintf(stderr, "weft-load: history range %" PRId64 "..%" PRId64 "\n", lo, hi);
    double rate = o.nrates ? o.rates[0] : 10.0 * nr;
    struct hist_job j = { rate, ns, ns + nr, 0, 0, lg_now_ns() + (uint64_t)(o.duration * 1e9),
                          lo, hi };
    char label[48];
    snprintf(label, sizeof label, "history %g req/s", rate);
    struct step *s = step_begin(label, rate);
    lg_loop_run(o.duration, NULL, hist_tick, &j);
    step_end(s, o.duration);
    return 0;
}

/* W6: closed-loop durable sends, one channel per sender. */
static int wl_durable(void)
{
    int n = o.senders;
    if (make_conns(n) < 0 || make_rooms(n, 1, 0) < 0)
        return -1;
    if (assign_accounts(0) < 0 || setup_rooms() < 0)
        return -1;
    if (bulk_connect(0, n) == 0)
        return -1;
    char label[48];
    snprintf(label, sizeof label, "%d senders x%d", n, o.window);
    struct step *s = step_begin(label, 0);
    closed_loop = 1;
    seed_left = -1;
    int nn = n;
    uint64_t t0 = lg_now_ns();
    lg_loop_run(o.duration, NULL, seed_tick, &nn);
    step_end(s, (double)(lg_now_ns() - t0) / 1e9);
    return 0;
}

/* ---- report ------------------------------------------------------------------ */

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static cJSON *hist_json(const struct lg_hist *h)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "count", (double)h->count);
    cJSON_AddNumberToObject(j, "p50_ms", ms(lg_hist_quantile(h, 0.50)));
    cJSON_AddNumberToObject(j, "p99_ms", ms(lg_hist_quantile(h, 0.99)));
    cJSON_AddNumberToObject(j, "max_ms", ms(h->max));
    cJSON_AddNumberToObject(j, "mean_ms", h->count ? ms(h->sum / h->count) : 0);
    return j;
}

static double cpu_per_100k(const struct step *s)
{
    return s->cpu_ok && s->delivered ? s->cpu_s / (double)s->delivered * 1e5 : NAN;
}

static void num_or_null(cJSON *j, const char *k, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(j, k);
    else
        cJSON_AddNumberToObject(j, k, v);
}

static int nconns_total(void)
{
    return lg->nconns;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LG_SELF_SANITIZED 1
#else
#define LG_SELF_SANITIZED 0
#endif

static int accounts_used(void)
{
    int na = lg->ntokens ? lg->ntokens : o.accounts;
    if (na <= 0 || !lg->nconns)
        return 0;
    char *seen = calloc((size_t)na, 1);
    int n = 0;
    for (int i = 0; seen && i < lg->nconns; i++) {
        int a = lg->conns[i].account % na;
        n += !seen[a];
        seen[a] = 1;
    }
    free(seen);
    return n;
}

static void report(int status, int server_alive)
{
    int server_san = lg_proc_sanitized(o.server_pid);
    int total = nconns_total();
    double rss_per = rss_ok && conn_res.ok ? (double)(rss_conn_kb - rss_base_kb) / conn_res.ok : NAN;
    double crate = conn_res.secs > 0 ? conn_res.ok / conn_res.secs : NAN;

    if (o.json_file) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "workload", o.workload);
        cJSON_AddStringToObject(j, "proto", lg->proto->name);
        cJSON_AddStringToObject(j, "target", o.target);
        cJSON_AddStringToObject(j, "run_id", lg->run_id);
        cJSON_AddStringToObject(j, "status", status == 0 ? "ok" : "failed");
        cJSON_AddBoolToObject(j, "server_alive", server_alive);
        cJSON_AddBoolToObject(j, "server_sanitized", server_san);
        cJSON_AddBoolToObject(j, "generator_sanitized", LG_SELF_SANITIZED);
        cJSON *p = cJSON_AddObjectToObject(j, "params");
        cJSON_AddNumberToObject(p, "connections", total);
        cJSON_AddNumberToObject(p, "channels", nrooms);
        cJSON_AddNumberToObject(p, "tokens", lg->ntokens);
        cJSON_AddNumberToObject(p, "accounts_used", accounts_used());
        cJSON_AddNumberToObject(p, "conns_per_account", o.per_account);
        cJSON_AddNumberToObject(p, "duration_s", o.duration);
        cJSON_AddNumberToObject(p, "body_bytes", o.body_bytes);
        cJSON_AddNumberToObject(p, "connect_concurrency", o.concurrency);
        if (!strcmp(o.workload, "W5")) {
            cJSON_AddNumberToObject(p, "seed", (double)o.seed);
            cJSON_AddNumberToObject(p, "page", o.limit);
        }
        cJSON *c = cJSON_AddObjectToObject(j, "connect");
        cJSON_AddNumberToObject(c, "attempted", conn_res.attempted);
        cJSON_AddNumberToObject(c, "ok", conn_res.ok);
        cJSON_AddNumberToObject(c, "failed", conn_res.failed);
        cJSON_AddNumberToObject(c, "seconds", conn_res.secs);
        num_or_null(c, "conns_per_s", crate);
        cJSON_AddItemToObject(c, "ready", hist_json(&conn_res.hs));
        cJSON_AddItemToObject(c, "upgrade", hist_json(&conn_res.up));
        cJSON_AddNumberToObject(c, "closed_by_server", lg->closed_unexpected);
        num_or_null(c, "server_cpu_s", conn_res.cpu_ok ? conn_res.server_cpu_s : NAN);
        cJSON_AddNumberToObject(c, "generator_cpu_s", conn_res.gen_cpu_s);
        num_or_null(c, "server_cpu_ms_per_conn",
                    conn_res.cpu_ok && conn_res.ok ? conn_res.server_cpu_s * 1e3 / conn_res.ok : NAN);
        if (conn_res.threads.n) {
            cJSON *th = cJSON_AddObjectToObject(c, "server_cpu_s_by_thread");
            for (int t = 0; t < conn_res.threads.n; t++)
                cJSON_AddNumberToObject(th, conn_res.threads.name[t], conn_res.threads.cpu_s[t]);
        }
        cJSON *sv = cJSON_AddObjectToObject(j, "server");
        if (o.server_pid)
            cJSON_AddNumberToObject(sv, "pid", o.server_pid);
        num_or_null(sv, "rss_kb_before_connect", rss_ok ? (double)rss_base_kb : NAN);
        num_or_null(sv, "rss_kb_connected", rss_ok ? (double)rss_conn_kb : NAN);
        num_or_null(sv, "rss_kb_per_conn", rss_per);
        if (seed_secs > 0) {
            cJSON *sd = cJSON_AddObjectToObject(j, "seed");
            cJSON_AddNumberToObject(sd, "messages", (double)seed_acked);
            cJSON_AddNumberToObject(sd, "seconds", seed_secs);
            cJSON_AddNumberToObject(sd, "msgs_per_s", (double)seed_acked / seed_secs);
        }
        cJSON *arr = cJSON_AddArrayToObject(j, "steps");
        for (int i = 0; i < nsteps; i++) {
            const struct step *s = &steps[i];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "label", s->label);
            cJSON_AddNumberToObject(x, "offered_per_s", s->offered);
            cJSON_AddNumberToObject(x, "seconds", s->secs);
            cJSON_AddNumberToObject(x, "connections", s->conns_alive);
            cJSON_AddNumberToObject(x, "sent", (double)s->sent);
            cJSON_AddNumberToObject(x, "acked", (double)s->acked);
            cJSON_AddNumberToObject(x, "acked_per_s", s->secs > 0 ? (double)s->acked / s->secs : 0);
            cJSON_AddNumberToObject(x, "delivered", (double)s->delivered);
            cJSON_AddNumberToObject(x, "expected_deliveries", (double)s->expected);
            cJSON_AddNumberToObject(x, "delivered_per_s",
                                    s->secs > 0 ? (double)s->delivered / s->secs : 0);
            cJSON_AddItemToObject(x, "latency", hist_json(&s->lat));
            cJSON_AddItemToObject(x, "ack_latency", hist_json(&s->ack));
            if (s->hist.count) {
                cJSON_AddItemToObject(x, "history_latency", hist_json(&s->hist));
                cJSON_AddNumberToObject(x, "history_per_s", (double)s->hist_n / s->secs);
            }
            if (s->srv_ok && (s->hist.count || s->srv_n > 0)) {
                /* server-side: weft_history_seconds buckets, dispatch -> reply queued */
                cJSON_AddNumberToObject(x, "history_server_count", s->srv_n);
                num_or_null(x, "history_server_p50_ms", s->srv_p50_ms);
                num_or_null(x, "history_server_p99_ms", s->srv_p99_ms);
                num_or_null(x, "history_server_mean_ms", s->srv_mean_ms);
            }
            if (s->fan.count)
                cJSON_AddItemToObject(x, "fanout_complete", hist_json(&s->fan));
            num_or_null(x, "server_cpu_s", s->cpu_ok ? s->cpu_s : NAN);
            num_or_null(x, "server_cpu_s_per_100k_deliveries", cpu_per_100k(s));
            num_or_null(x, "server_rss_kb", s->cpu_ok ? (double)s->rss_kb : NAN);
            if (s->threads.n) {
                cJSON *th = cJSON_AddObjectToObject(x, "server_cpu_s_by_thread");
                for (int t = 0; t < s->threads.n; t++)
                    cJSON_AddNumberToObject(th, s->threads.name[t], s->threads.cpu_s[t]);
            }
            cJSON_AddNumberToObject(x, "rate_limited", (double)s->rate_limited);
            cJSON_AddNumberToObject(x, "errors", (double)s->errors);
            cJSON_AddNumberToObject(x, "generator_lagged", (double)s->lagged);
            cJSON_AddNumberToObject(x, "generator_cpu_s", s->gen_cpu_s);
            cJSON_AddBoolToObject(x, "saturated", s->saturated);
            cJSON_AddItemToArray(arr, x);
        }
        if (lg->last_error[0])
            cJSON_AddStringToObject(j, "last_error", lg->last_error);
        if (srv_metrics_error[0])
            cJSON_AddStringToObject(j, "server_metrics_error", srv_metrics_error);
        char *txt = cJSON_Print(j);
        FILE *f = fopen(o.json_file, "w");
        if (f) {
            fputs(txt, f);
            fputc('\n', f);
            fclose(f);
        } else {
            fprintf(stderr, "weft-load: cannot write %s: %s\n", o.json_file, strerror(errno));
        }
        free(txt);
        cJSON_Delete(j);
    }

    printf("\n== %s (%s)  target %s  run %s  %d connections on %d accounts  %s\n", o.workload,
           lg->proto->name, o.target, lg->run_id, total, accounts_used(),
           status == 0 ? "" : "FAILED");
    printf("connections %d/%d in %.2f s = %.0f conns/s   ready p50 %.1f ms p99 %.1f ms max %.1f ms"
           " (upgrade p50 %.1f ms p99 %.1f ms)   closed by server %d\n",
           conn_res.ok, conn_res.attempted, conn_res.secs, isnan(crate) ? 0 : crate,
           ms(lg_hist_quantile(&conn_res.hs, 0.5)), ms(lg_hist_quantile(&conn_res.hs, 0.99)),
           ms(conn_res.hs.max), ms(lg_hist_quantile(&conn_res.up, 0.5)),
           ms(lg_hist_quantile(&conn_res.up, 0.99)), lg->closed_unexpected);
    if (conn_res.cpu_ok && conn_res.ok) {
        printf("server cpu while connecting %.2f s = %.2f ms per connection", conn_res.server_cpu_s,
               conn_res.server_cpu_s * 1e3 / conn_res.ok);
        const char *sep = " (";
        for (int t = 0; t < conn_res.threads.n; t++)
            if (conn_res.threads.cpu_s[t] >= 0.005) {
                printf("%s%s %.2f s", sep, conn_res.threads.name[t], conn_res.threads.cpu_s[t]);
                sep = ", ";
            }
        printf("%s\n", *sep == ',' ? ")" : "");
    }
    printf("generator cpu while connecting %.2f s (of %.2f s wall)\n", conn_res.gen_cpu_s, conn_res.secs);
    if (rss_ok)
        printf("server pid %d  RSS %ld kB before connect, %ld kB connected  = %.1f kB per connection\n",
               o.server_pid, rss_base_kb, rss_conn_kb, rss_per);
    else
        printf("server RSS: n/a (pass --server-pid)\n");
    if (seed_secs > 0)
        printf("seeded %" PRIu64 " messages in %.2f s = %.0f msg/s\n", seed_acked, seed_secs,
               seed_acked / seed_secs);
    printf("%-18s %6s %8s %8s %9s %10s %8s %8s %8s %8s %8s %9s %6s %5s\n", "step", "conns", "sent",
           "acked", "delivered", "deliv/s", "p50 ms", "p99 ms", "max ms", "ack p50", "ack p99",
           "cpu/100k", "rlim", "err");
    for (int i = 0; i < nsteps; i++) {
        const struct step *s = &steps[i];
        double c100 = cpu_per_100k(s);
        char cbuf[16];
        if (isnan(c100))
            snprintf(cbuf, sizeof cbuf, "-");
        else
            snprintf(cbuf, sizeof cbuf, "%.3f", c100);
        printf("%-18s %6d %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %10.0f %8.2f %8.2f %8.2f %8.2f %8.2f %9s %6" PRIu64
               " %5" PRIu64 "%s\n",
               s->label, s->conns_alive, s->sent, s->acked, s->delivered,
               s->secs > 0 ? (double)s->delivered / s->secs : 0, ms(lg_hist_quantile(&s->lat, 0.5)),
               ms(lg_hist_quantile(&s->lat, 0.99)), ms(s->lat.max),
               ms(lg_hist_quantile(&s->ack, 0.5)), ms(lg_hist_quantile(&s->ack, 0.99)), cbuf,
               s->rate_limited, s->errors, s->saturated ? "  saturated" : "");
        if (s->hist.count)
            printf("%-18s history: %" PRIu64 " pages (%.0f/s)  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                   "", s->hist_n, (double)s->hist_n / s->secs, ms(lg_hist_quantile(&s->hist, 0.5)),
                   ms(lg_hist_quantile(&s->hist, 0.99)), ms(s->hist.max));
        if (s->srv_ok && (s->hist.count || s->srv_n > 0))
            printf("%-18s history server-side: %.0f pages  p50 %.3f ms  p99 %.3f ms  mean %.3f ms"
                   "  (weft_history_seconds, dispatch -> reply queued)\n",
                   "", s->srv_n, s->srv_p50_ms, s->srv_p99_ms, s->srv_mean_ms);
        else if (srv_metrics && s->hist.count)
            printf("%-18s history server-side: n/a (%s)\n", "", srv_metrics_error[0] ? srv_metrics_error : "?");
        if (s->threads.n) {
            printf("%-18s server cpu by thread:", "");
            for (int t = 0; t < s->threads.n; t++)
                if (s->threads.cpu_s[t] >= 0.005)
                    printf(" %s %.2f s", s->threads.name[t], s->threads.cpu_s[t]);
            printf("   generator cpu %.2f s\n", s->gen_cpu_s);
        }
        if (s->fan.count)
            printf("%-18s fan-out complete (last member): p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", "",
                   ms(lg_hist_quantile(&s->fan, 0.5)), ms(lg_hist_quantile(&s->fan, 0.99)),
                   ms(s->fan.max));
    }
    if (lg->last_error[0])
        printf("last error: %s\n", lg->last_error);
    if (server_san || LG_SELF_SANITIZED)
        printf("note: %s built with a sanitizer: CPU, RSS and latency numbers are not "
               "representative\n",
               server_san && LG_SELF_SANITIZED ? "server and generator are"
               : server_san                    ? "the server is"
                                               : "the generator is");
    if (o.server_pid)
        printf("server %s\n", server_alive ? "alive" : "NOT RUNNING");
    fflush(stdout);
}

/* Frees everything, so that leak checkers (CI runs under ASan) see a clean exit. */
static void cleanup(void)
{
    lg_net_free();
    free(lg->conns);
    lg->conns = NULL;
    lg->nconns = 0;
    for (int i = 0; i < lg->ntokens; i++)
        free(lg->tokens[i]);
    free(lg->tokens);
    free(lg->fan_sent_ns);
    free(lg->fan_last_ns);
    free(lg->fan_count);
    free(rooms);
    free(steps);
    lg->proto->rooms_init(0);
}

/* ---- command line -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage:\n"
          "  weft-load setup --target URL --accounts M --tokens FILE [--prefix P] [--password PW]\n"
          "                  [--create --weftd PATH --data DIR [--parallel K]]\n"
          "  weft-load [run] --target URL --tokens FILE --workload W1|W2|W3|W4|W5|W6 [options]\n"
          "options:\n"
          "  --proto weft|mqtt|xmpp  protocol backend (mqtt: MQTT 3.1.1 over WebSocket;\n"
          "                          xmpp: RFC 7395 + MUC, needs --accounts N [--prefix P --password PW])\n"
          "  --ws-path PATH          WebSocket path (default /ws for weft and xmpp, /mqtt for mqtt)\n"
          "  --xmpp-domain D         xmpp domain (default localhost; rooms on conference.D)\n"
          "  --json FILE             write the report as JSON\n"
          "  --server-pid PID        sample server CPU and RSS from /proc/PID\n"
          "  --conns N               W4: idle connections; W5: history readers\n"
          "  --channels N --members N  rooms and connections per room (W1-W3)\n"
          "  --senders N             W6 concurrent senders (default 100)\n"
          "  --rates a,b,c           ramp of total send rates in msg/s (W5: history req/s)\n"
          "  --rate R                a single rate\n"
          "  --duration S            seconds per step (default 10)\n"
          "  --drain S               max seconds to wait for in-flight deliveries (default 2)\n"
          "  --connect-concurrency K handshakes in flight (default 100)\n"
          "  --conns-per-account R   connections sharing one account (default 10)\n"
          "  --body-bytes B          message body size (default 200)\n"
          "  --room-prefix P         channel name prefix (default lg-RUNID-wN; W5: bench-history)\n"
          "  --seed N                W5: messages to add to the history channel first (0: reuse)\n"
          "  --seed-conns K          W5: seeding connections (default 2)\n"
          "  --window W              sends in flight per sender (W5 seed default 64, W6 default 1)\n"
          "  --limit N               W5 page size (default 50); with --proto weft, W5 also reads\n"
          "                          the server-side time per page from TARGET/metrics\n"
          "  --saturation-p99-ms MS  W2 stops its ramp past this p99 (default 1000)\n"
          "  --settle S              after connecting, wait until no message arrived for 1 s,\n"
          "                          at most S s (default 120; 0: don't)\n"
          "  --source-addrs A,B|127.0.0.1-N  local addresses to spread connections over\n"
          "                          (each source IP gives ~28k ephemeral ports)\n"
          "  --trace N               print frames of connections 0..N-1 on stderr\n"
          "  --quiet, --verbose\n",
          f);
}

static int parse_rates(const char *s)
{
    o.nrates = 0;
    while (*s && o.nrates < MAX_STEPS) {
        char *e;
        double v = strtod(s, &e);
        if (e == s || v < 0)
            return -1;
        o.rates[o.nrates++] = v;
        s = *e == ',' ? e + 1 : e;
        if (*e && *e != ',')
            return -1;
    }
    return o.nrates ? 0 : -1;
}

/* "127.0.0.1,127.0.0.2" or "127.0.0.1-16" (16 loopback addresses). */
static int parse_sources(const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    char *dash = strchr(buf, '-');
    if (dash && !strchr(buf, ',')) {
        *dash = 0;
        int n = atoi(dash + 1);
        struct in_addr a;
        if (n < 1 || n > 65536 || inet_pton(AF_INET, buf, &a) != 1)
            return -1;
        lg->src = calloc((size_t)n, sizeof *lg->src);
        for (int i = 0; i < n; i++) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&lg->src[i];
            sin->sin_family = AF_INET;
            sin->sin_addr.s_addr = htonl(ntohl(a.s_addr) + (uint32_t)i);
        }
        lg->nsrc = n;
        return 0;
    }
    int n = 1;
    for (char *p = buf; *p; p++)
        n += *p == ',';
    lg->src = calloc((size_t)n, sizeof *lg->src);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&lg->src[lg->nsrc];
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&lg->src[lg->nsrc];
        if (inet_pton(AF_INET, tok, &sin->sin_addr) == 1)
            sin->sin_family = AF_INET;
        else if (inet_pton(AF_INET6, tok, &sin6->sin6_addr) == 1)
            sin6->sin6_family = AF_INET6;
        else
            return -1;
        lg->nsrc++;
    }
    return 0;
}

enum {
    OPT_TARGET = 256, OPT_TOKENS, OPT_JSON, OPT_WORKLOAD, OPT_PROTO, OPT_PID, OPT_CONNS,
    OPT_CHANNELS, OPT_MEMBERS, OPT_SENDERS, OPT_RATES, OPT_RATE, OPT_DURATION, OPT_DRAIN,
    OPT_CONC, OPT_PER_ACCOUNT, OPT_BODY, OPT_PREFIX, OPT_SEED, OPT_SEED_CONNS, OPT_WINDOW,
    OPT_LIMIT, OPT_SAT, OPT_SETTLE, OPT_QUIET, OPT_VERBOSE, OPT_ACCOUNTS, OPT_CREATE, OPT_WEFTD, OPT_DATA,
    OPT_PARALLEL, OPT_UPREFIX, OPT_PASSWORD, OPT_SOURCES, OPT_TRACE, OPT_WS_PATH, OPT_XMPP_DOMAIN, OPT_HELP
};

static const struct option longopts[] = {
    { "target", required_argument, 0, OPT_TARGET },
    { "tokens", required_argument, 0, OPT_TOKENS },
    { "json", required_argument, 0, OPT_JSON },
    { "workload", required_argument, 0, OPT_WORKLOAD },
    { "proto", required_argument, 0, OPT_PROTO },
    { "server-pid", required_argument, 0, OPT_PID },
    { "conns", required_argument, 0, OPT_CONNS },
    { "channels", required_argument, 0, OPT_CHANNELS },
    { "members", required_argument, 0, OPT_MEMBERS },
    { "senders", required_argument, 0, OPT_SENDERS },
    { "rates", required_argument, 0, OPT_RATES },
    { "rate", required_argument, 0, OPT_RATE },
    { "duration", required_argument, 0, OPT_DURATION },
    { "drain", required_argument, 0, OPT_DRAIN },
    { "connect-concurrency", required_argument, 0, OPT_CONC },
    { "conns-per-account", required_argument, 0, OPT_PER_ACCOUNT },
    { "body-bytes", required_argument, 0, OPT_BODY },
    { "room-prefix", required_argument, 0, OPT_PREFIX },
    { "seed", required_argument, 0, OPT_SEED },
    { "seed-conns", required_argument, 0, OPT_SEED_CONNS },
    { "window", required_argument, 0, OPT_WINDOW },
    { "limit", required_argument, 0, OPT_LIMIT },
    { "saturation-p99-ms", required_argument, 0, OPT_SAT },
    { "settle", required_argument, 0, OPT_SETTLE },
    { "quiet", no_argument, 0, OPT_QUIET },
    { "verbose", no_argument, 0, OPT_VERBOSE },
    { "accounts", required_argument, 0, OPT_ACCOUNTS },
    { "create", no_argument, 0, OPT_CREATE },
    { "weftd", required_argument, 0, OPT_WEFTD },
    { "data", required_argument, 0, OPT_DATA },
    { "parallel", required_argument, 0, OPT_PARALLEL },
    { "prefix", required_argument, 0, OPT_UPREFIX },
    { "password", required_argument, 0, OPT_PASSWORD },
    { "source-addrs", required_argument, 0, OPT_SOURCES },
    { "trace", required_argument, 0, OPT_TRACE },
    { "ws-path", required_argument, 0, OPT_WS_PATH },
    { "xmpp-domain", required_argument, 0, OPT_XMPP_DOMAIN },
    { "help", no_argument, 0, OPT_HELP },
    { 0, 0, 0, 0 },
};

int main(int argc, char **argv)
{
    int setup = 0, accounts = 0, create = 0, parallel = 2;
    const char *weftd = NULL, *data = NULL, *uprefix = "load", *password = "weft-load-password";
    double rate = -1;
    const char *rates = NULL;
    int conns = -1, channels = -1, members = -1, senders = -1, window = -1, duration_given = 0;
    int trace_conns = 0;
    const char *xmpp_domain = "localhost";

    if (argc > 1 && !strcmp(argv[1], "setup")) {
        setup = 1;
        argv++;
        argc--;
    } else if (argc > 1 && !strcmp(argv[1], "run")) {
        argv++;
        argc--;
    }
    o.proto = "weft";
    o.duration = 10;
    o.drain = 2;
    o.concurrency = 100;
    o.per_account = 10;
    o.body_bytes = 200;
    o.seed = -1;
    o.seed_conns = 2;
    o.limit = 50;
    o.sat_p99_ms = 1000;
    o.settle = 120;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_TARGET: o.target = optarg; break;
        case OPT_TOKENS: o.tokens_file = optarg; break;
        case OPT_JSON: o.json_file = optarg; break;
        case OPT_WORKLOAD: o.workload = optarg; break;
        case OPT_PROTO: o.proto = optarg; break;
        case OPT_PID: o.server_pid = atoi(optarg); break;
        case OPT_CONNS: conns = atoi(optarg); break;
        case OPT_CHANNELS: channels = atoi(optarg); break;
        case OPT_MEMBERS: members = atoi(optarg); break;
        case OPT_SENDERS: senders = atoi(optarg); break;
        case OPT_RATES: rates = optarg; break;
        case OPT_RATE: rate = atof(optarg); break;
        case OPT_DURATION: o.duration = atof(optarg); duration_given = 1; break;
        case OPT_DRAIN: o.drain = atof(optarg); break;
        case OPT_CONC: o.concurrency = atoi(optarg); break;
        case OPT_PER_ACCOUNT: o.per_account = atoi(optarg); break;
        case OPT_BODY: o.body_bytes = atoi(optarg); break;
        case OPT_PREFIX: o.room_prefix = optarg; break;
        case OPT_SEED: o.seed = atol(optarg); break;
        case OPT_SEED_CONNS: o.seed_conns = atoi(optarg); break;
        case OPT_WINDOW: window = atoi(optarg); break;
        case OPT_LIMIT: o.limit = atoi(optarg); break;
        case OPT_SAT: o.sat_p99_ms = atof(optarg); break;
        case OPT_SETTLE: o.settle = atof(optarg); break;
        case OPT_QUIET: o.quiet = 1; break;
        case OPT_VERBOSE: o.verbose++; break;
        case OPT_ACCOUNTS: accounts = atoi(optarg); o.accounts = accounts; break;
        case OPT_CREATE: create = 1; break;
        case OPT_WEFTD: weftd = optarg; break;
        case OPT_DATA: data = optarg; break;
        case OPT_PARALLEL: parallel = atoi(optarg); break;
        case OPT_UPREFIX: uprefix = optarg; break;
        case OPT_PASSWORD: password = optarg; break;
        case OPT_SOURCES: o.sources = optarg; break;
        case OPT_TRACE: trace_conns = atoi(optarg); break;
        case OPT_WS_PATH: o.ws_path = optarg; break;
        case OPT_XMPP_DOMAIN: xmpp_domain = optarg; break;
        case OPT_HELP: case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (setup) {
        if (accounts <= 0 || (create && (!weftd || !data)) || (!create && !o.target) ||
            (o.target && !o.tokens_file)) {
            usage(stderr);
            return 2;
        }
        if (create && lg_setup_create_users(weftd, data, uprefix, password, accounts, parallel) < 0)
            return 1;
        if (o.target) {
            static struct lg_ctx sctx;
            lg = &sctx;
            if (lg_net_init(lg, o.target) < 0)
                return 1;
            int rc = lg_setup_login(lg->host, lg->port, uprefix, password, accounts, o.tokens_file);
            lg_net_free();
            if (rc < 0)
                return 1;
        }
        return 0;
    }

    if (!o.target || !o.workload || (!o.tokens_file && !strcmp(o.proto, "weft"))) {
        usage(stderr);
        return 2;
    }
    static const char *const known[] = { "W1", "W2", "W3", "W4", "W5", "W6" };
    int w = 0;
    for (int i = 0; i < 6; i++)
        if (!strcasecmp(o.workload, known[i]))
            w = i + 1;
    if (!w) {
        fprintf(stderr, "weft-load: unknown workload %s\n", o.workload);
        return 2;
    }
    o.workload = known[w - 1];
    const struct lg_proto *proto = NULL;
    if (!strcmp(o.proto, "weft"))
        proto = &lg_proto_weft;
    else if (!strcmp(o.proto, "mqtt"))
        proto = &lg_proto_mqtt;
    else if (!strcmp(o.proto, "xmpp"))
        proto = &lg_proto_xmpp;
    if (!proto) {
        fprintf(stderr, "weft-load: protocol %s is not implemented (weft, mqtt, xmpp)\n", o.proto);
        return 2;
    }
    if (proto == &lg_proto_xmpp && o.accounts <= 0) {
        fprintf(stderr, "weft-load: xmpp needs --accounts N (accounts PREFIX0..PREFIX(N-1) "
                        "with password --password)\n");
        return 2;
    }
    if (w == 5 && !proto->history) {
        fprintf(stderr, "weft-load: %s has no history: W5 needs it\n", proto->name);
        return 2;
    }
    if (o.per_account < 1)
        o.per_account = 1;
    if (rates && parse_rates(rates) < 0) {
        fprintf(stderr, "weft-load: bad --rates %s\n", rates);
        return 2;
    }
    if (!rates && rate >= 0) {
        o.rates[0] = rate;
        o.nrates = 1;
    }

    /* per-workload defaults */
    switch (w) {
    case 1:
        o.channels = channels > 0 ? channels : 100;
        o.members = members > 0 ? members : 10;
        if (!o.nrates)
            parse_rates("100,200,500,1000");
        break;
    case 2:
        o.channels = channels > 0 ? channels : 1;
        o.members = members > 0 ? members : 1000;
        if (!o.nrates)
            parse_rates("1,2,5,10,20,50,100,200,500");
        break;
    case 3:
        o.channels = channels > 0 ? channels : 1;
        o.members = members > 0 ? members : 5000;
        if (!o.nrates)
            parse_rates("1");
        if (!duration_given)
            o.duration = 30;
        break;
    case 4:
        o.conns = conns > 0 ? conns : 10000;
        break;
    case 5:
        o.readers = conns > 0 ? conns : 50;
        if (o.seed < 0)
            o.seed = 1000000;
        o.window = window > 0 ? window : 64;
        if (!o.room_prefix)
            o.room_prefix = "bench-history";
        break;
    case 6:
        o.senders = senders > 0 ? senders : 100;
        o.window = window > 0 ? window : 1;
        break;
    }

    static struct lg_ctx ctx;
    lg = &ctx;
    lg->proto = proto;
    lg->ws_path = o.ws_path;
    lg->xmpp_domain = xmpp_domain;
    lg->xmpp_user_prefix = uprefix;
    lg->password = password;
    lg->verbose = o.verbose;
    lg->quiet = o.quiet;
    lg->trace = trace_conns > 0;
    lg->trace_conns = trace_conns;
    lg->fan_conn = -1;
    lg->body_len = o.body_bytes;
    long nofile = lg_raise_nofile();
    int want_conns = w == 4 ? o.conns : w == 5 ? o.readers + o.seed_conns
                   : w == 6 ? o.senders : o.channels * o.members;
    if (nofile > 0 && want_conns > nofile - 16)
        fprintf(stderr, "weft-load: note: %d connections wanted but RLIMIT_NOFILE is %ld "
                        "(raise the hard limit, e.g. ulimit -Hn); the rest will fail\n",
                want_conns, nofile);
    if (lg_net_init(lg, o.target) < 0)
        return 1;
    if (o.tokens_file && lg_tokens_load(o.tokens_file, &lg->tokens, &lg->ntokens) < 0)
        return 1;
    if (o.sources && parse_sources(o.sources) < 0) {
        fprintf(stderr, "weft-load: bad --source-addrs %s\n", o.sources);
        return 2;
    }
    unsigned char rb[3];
    RAND_bytes(rb, sizeof rb);
    snprintf(lg->run_id, sizeof lg->run_id, "%02x%02x%02x", rb[0], rb[1], rb[2]);
    if (o.room_prefix)
        snprintf(lg->room_prefix, sizeof lg->room_prefix, "%s", o.room_prefix);
    else if (proto == &lg_proto_mqtt)
        snprintf(lg->room_prefix, sizeof lg->room_prefix, "weft-load/%s/w%d", lg->run_id, w);
    else
        snprintf(lg->room_prefix, sizeof lg->room_prefix, "lg-%s-w%d", lg->run_id, w);
    steps = calloc(MAX_STEPS, sizeof *steps);

    int rc;
    switch (w) {
    case 1: rc = wl_rooms_ramp(0, 0); break;
    case 2: rc = wl_rooms_ramp(1, 0); break;
    case 3: rc = wl_rooms_ramp(0, 1); break;
    case 4: rc = wl_idle(); break;
    case 5: rc = wl_history(); break;
    default: rc = wl_durable(); break;
    }
    if (rc < 0 && lg->last_error[0])
        fprintf(stderr, "weft-load: %s failed: %s\n", o.workload, lg->last_error);
    if (lg->conns)
        close_all();
    int alive = 1;
    if (o.server_pid)
        alive = kill(o.server_pid, 0) == 0 || errno == EPERM;
    report(rc < 0 ? 1 : 0, alive);
    cleanup();
    return rc < 0 || !alive ? 1 : 0;
}
