/* weft-load: shared types for the load generator.
 *
 * One process, one thread, one epoll loop. Connections are TLS sockets that
 * speak a minimal RFC 6455 client; a small per-protocol vtable (struct
 * lg_proto) turns the workload's abstract operations (join room, send, page
 * history) into wire frames and wire frames back into workload events.
 */
#ifndef WEFT_LG_H
#define WEFT_LG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <openssl/ssl.h>

/* ---- clock ------------------------------------------------------------ */

/* Monotonic nanoseconds. Sender and receiver are the same process, so the
 * timestamp carried in message bodies uses this clock directly. */
uint64_t lg_now_ns(void);

/* ---- latency histogram (log-linear, ~0.8% relative error) --------------- */

#define LG_HIST_SUB_BITS 7
#define LG_HIST_SUB (1u << LG_HIST_SUB_BITS)
#define LG_HIST_BUCKETS ((64 - LG_HIST_SUB_BITS + 1) * LG_HIST_SUB)

struct lg_hist {
    uint64_t count;
    uint64_t max;
    uint64_t sum;
    uint32_t b[LG_HIST_BUCKETS];
};

void lg_hist_reset(struct lg_hist *h);
void lg_hist_add(struct lg_hist *h, uint64_t v);
/* q in [0,1]; returns 0 for an empty histogram. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);

/* ---- Prometheus histogram from a /metrics scrape ------------------------- */

/* One scrape of a histogram family, e.g. weftd's weft_history_seconds:
 * cumulative bucket counts by upper bound, the last bucket +Inf. */
#define LG_PROM_BUCKETS 64
struct lg_prom_hist {
    int n;
    double le[LG_PROM_BUCKETS];
    double cum[LG_PROM_BUCKETS];
    double sum, count;
};

/* Parses family `name` (name_bucket{le="..."}, name_sum, name_count) from
 * Prometheus text; 0 when it is there and ends with a +Inf bucket. */
int lg_prom_hist_parse(const char *text, const char *name, struct lg_prom_hist *out);
/* out = after - before, bucket by bucket; -1 when the bucket bounds differ. */
int lg_prom_hist_delta(const struct lg_prom_hist *after, const struct lg_prom_hist *before,
                       struct lg_prom_hist *out);
/* q in [0,1] like Prometheus histogram_quantile(): linear interpolation inside
 * the bucket holding the rank (the first bucket starts at 0); in the +Inf
 * bucket, the highest finite bound. NAN for an empty histogram. */
double lg_prom_hist_quantile(const struct lg_prom_hist *h, double q);

/* ---- server process sampling (/proc) ------------------------------------ */

struct lg_proc_sample {
    int ok;
    double cpu_s;     /* utime + stime */
    long rss_kb;      /* VmRSS */
    int threads;
};

void lg_proc_sample(int pid, struct lg_proc_sample *out);
/* 1 when the process maps a sanitizer runtime (its numbers mean little). */
int lg_proc_sanitized(int pid);

/* CPU seconds per server thread, keyed "comm/tid". */
#define LG_MAX_THREADS 16
struct lg_thread_cpu {
    int n;
    char name[LG_MAX_THREADS][32];
    double cpu_s[LG_MAX_THREADS];
};

void lg_proc_threads(int pid, struct lg_thread_cpu *out);

/* ---- connections --------------------------------------------------------- */

enum lg_state {
    LG_IDLE = 0,
    LG_TCP,        /* connect() in progress */
    LG_TLS,        /* TLS handshake */
    LG_WSHS,       /* HTTP upgrade sent, waiting for 101 */
    LG_OPEN,       /* WebSocket open */
    LG_CLOSING,    /* close frame sent */
    LG_DEAD
};

struct lg_conn;

/* Protocol backend. Every callback runs on the loop thread. Frames are
 * queued with lg_ws_send_text(); the backend reports what it sees through the
 * lg_ev_* functions below. */
struct lg_proto {
    const char *name;
    const char *ws_path;
    const char *subprotocol;
    /* Rooms are joined by every connection itself (MQTT subscriptions),
     * not once per account (weft membership). */
    int per_conn_join;
    /* Sizes the backend's room table for room indexes 0..n-1 (0 frees it). */
    int (*rooms_init)(int n);
    /* Appends extra handshake header lines ("Name: value\r\n") for c. */
    int (*handshake_headers)(struct lg_conn *c, char *buf, size_t cap);
    /* WebSocket is open: say hello (or CONNECT, or <open/>). */
    void (*on_open)(struct lg_conn *c);
    /* One complete text message. data is NUL-terminated (data[len] == 0). */
    void (*on_text)(struct lg_conn *c, char *data, size_t len);
    /* Room operations; room is the workload's room index. */
    int (*room_create)(struct lg_conn *c, int room);
    int (*room_join)(struct lg_conn *c, int room);
    /* Resolves room names already on the server (idempotent re-runs). */
    int (*room_lookup)(struct lg_conn *c);
    int (*send)(struct lg_conn *c, int room, const char *body, size_t len, uint64_t msg_seq);
    int (*history)(struct lg_conn *c, int room, int64_t before, int limit);
    /* Oldest/newest message id seen in a room (for history paging). */
    void (*room_bounds)(int room, int64_t *lo, int64_t *hi);
    /* Frees c->pstate (optional). */
    void (*conn_free)(struct lg_conn *c);
};

struct lg_conn {
    int idx;
    int account;
    int fd;
    SSL *ssl;
    enum lg_state state;
    uint64_t t_start, t_open, t_ready;
    char ws_key[32];

    /* outgoing bytes (already framed) */
    char *wbuf;
    size_t wlen, woff, wcap;
    /* raw incoming bytes not yet parsed */
    unsigned char *rbuf;
    size_t rlen, rcap;
    /* fragmented message being reassembled */
    char *msg;
    size_t mlen, mcap;
    int msg_op;
    int in_frag;

    /* protocol/workload state */
    int ready;            /* backend saw its "synced"/CONNACK */
    int pending;          /* outstanding setup request */
    int inflight;         /* outstanding sends/history requests */
    uint64_t msg_seq;     /* this connection's next message number */
    uint64_t hold_until;  /* rate_limited: do not send before this */
    int64_t last_seq;     /* highest server seq seen */
    int room;             /* primary room (-1 none) */
    int is_setup;         /* setup connection (joins rooms) */
    void *pstate;         /* backend's per-connection state */
};

/* Global context of one run. */
struct lg_ctx {
    const struct lg_proto *proto;
    const char *ws_path;
    const char *xmpp_domain;       /* xmpp: the server's domain */
    const char *xmpp_user_prefix;  /* xmpp: account names are prefix + index */
    const char *password;          /* xmpp: every account's password */
    char host[256];
    char port[16];
    struct sockaddr_storage *addr;
    int addrlen;
    SSL_CTX *ssl_ctx;
    int epfd;
    char run_id[16];
    char room_prefix[64];
    int body_len;
    int quiet;
    int verbose;
    int trace;                 /* print the first frames of each connection < trace_conns */
    int trace_conns;
    int64_t hello_since;
    /* optional source addresses (spread >28k connections over 127.0.0.x) */
    struct sockaddr_storage *src;
    int nsrc;

    /* tokens, one per account */
    char **tokens;
    int ntokens;

    struct lg_conn *conns;
    int nconns;

    /* counters updated by lg_ev_* */
    int connecting;            /* handshakes in flight */
    int opened, failed, closed_unexpected;
    struct lg_hist hs_hist;    /* TCP+TLS+WS handshake + hello..synced */
    struct lg_hist up_hist;    /* TCP+TLS+WS upgrade only */
    int measuring;             /* deliveries count only while set */
    uint64_t sent, acked, delivered, delivered_total, hist_ok;
    uint64_t rate_limited, errors, duplicates;
    uint64_t frames_in;        /* every WebSocket message received (settling) */
    char last_error[256];
    struct lg_hist lat;        /* end-to-end delivery latency */
    struct lg_hist ack_lat;    /* send -> ack */
    struct lg_hist hist_lat;   /* history request -> reply */
    /* per-message fan-out completion (W3): indexed by msg number */
    uint64_t *fan_sent_ns;     /* send time per fan msg */
    uint64_t *fan_last_ns;     /* last delivery time per fan msg */
    uint32_t *fan_count;
    uint64_t fan_cap;
    int fan_conn;              /* the one sender whose messages are tracked */
};

extern struct lg_ctx *lg;

/* net.c */
int lg_net_init(struct lg_ctx *ctx, const char *target);
void lg_conn_start(struct lg_conn *c);
void lg_conn_close(struct lg_conn *c, int code);
int lg_ws_send_text(struct lg_conn *c, const char *data, size_t len);
int lg_ws_send_binary(struct lg_conn *c, const void *data, size_t len);
/* Runs the loop for up to seconds; returns early when done(arg) != 0.
 * tick(arg, now) is called at least every millisecond of wall time. */
int lg_loop_run(double seconds, int (*done)(void *), void (*tick)(void *, uint64_t), void *arg);
/* Raises RLIMIT_NOFILE to the hard limit; returns the new soft limit (-1: none). */
long lg_raise_nofile(void);
/* Frees every connection, the TLS context and the epoll fd. */
void lg_net_free(void);

/* events reported by protocol backends (weft-load.c) */
void lg_ev_ready(struct lg_conn *c, int64_t server_seq);
void lg_ev_setup_done(struct lg_conn *c, int ok, const char *why);
void lg_ev_delivery(struct lg_conn *c, int room, const char *body, size_t len);
void lg_ev_ack(struct lg_conn *c, uint64_t sent_ns, int duplicate);
void lg_ev_history(struct lg_conn *c, uint64_t sent_ns, int nmsgs);
/* is_send: the failed request was a send (its deliveries will not happen). */
void lg_ev_error(struct lg_conn *c, uint64_t sent_ns, int is_send, const char *code,
                 const char *msg, int retry_after_ms);

/* proto backends */
extern const struct lg_proto lg_proto_weft;
extern const struct lg_proto lg_proto_mqtt;
extern const struct lg_proto lg_proto_xmpp;

/* setup.c */
struct lg_account {
    char name[64];
    char token[256];
};
/* Creates accounts name prefix-0..prefix-(n-1) with `weftd user add`,
 * running up to parallel processes at once. */
int lg_setup_create_users(const char *weftd, const char *data, const char *prefix,
                          const char *password, int n, int parallel);
/* Logs every account in over HTTPS and writes "name token" lines to file. */
int lg_setup_login(const char *host, const char *port, const char *prefix, const char *password,
                   int n, const char *tokens_file);
int lg_tokens_load(const char *file, char ***tokens, int *n);
/* One blocking HTTPS GET of path ("Connection: close", certificate not
 * verified). Returns the HTTP status (-1: no response); resp holds the raw
 * response, headers and body, NUL-terminated. */
int lg_https_get(const char *host, const char *port, const char *path, char *resp, size_t cap);

#endif
