/* weft-load: epoll loop, non-blocking TLS connections and a minimal RFC 6455
 * WebSocket client (masked client frames, text/binary messages, fragmented
 * receive, close handshake, ping/pong). */
#define _GNU_SOURCE
#include "lg.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

struct lg_ctx *lg;

#define LG_MAX_FRAME (64u << 20)

uint64_t lg_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Masking keys only have to stop cache poisoning by intermediaries, which a
 * loopback benchmark does not have; a xorshift seeded from RAND_bytes keeps
 * the per-frame cost out of the measurement. */
static uint64_t rng_state = 88172645463325252ull;

static uint32_t rng32(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 16);
}

long lg_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            perror("weft-load: setrlimit(RLIMIT_NOFILE)");
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
}

static int reserve(void *bufp, size_t *cap, size_t need)
{
    char **buf = bufp;
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

int lg_net_init(struct lg_ctx *ctx, const char *target)
{
    const char *p = target;
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "wss://", 6) == 0)
        p += 6;
    const char *end = p + strcspn(p, "/");
    const char *colon = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb)
            return -1;
        snprintf(ctx->host, sizeof ctx->host, "%.*s", (int)(rb - p - 1), p + 1);
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        const char *hend = colon ? colon : end;
        snprintf(ctx->host, sizeof ctx->host, "%.*s", (int)(hend - p), p);
    }
    if (colon)
        snprintf(ctx->port, sizeof ctx->port, "%.*s", (int)(end - colon - 1), colon + 1);
    else
        snprintf(ctx->port, sizeof ctx->port, "443");

    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int rc = getaddrinfo(ctx->host, ctx->port, &hints, &ai);
    if (rc != 0 || !ai) {
        fprintf(stderr, "weft-load: cannot resolve %s:%s: %s\n", ctx->host, ctx->port,
                gai_strerror(rc));
        return -1;
    }
    ctx->addr = calloc(1, sizeof *ctx->addr);
    memcpy(ctx->addr, ai->ai_addr, ai->ai_addrlen);
    ctx->addrlen = (int)ai->ai_addrlen;
    freeaddrinfo(ai);

    ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx->ssl_ctx)
        return -1;
    SSL_CTX_set_min_proto_version(ctx->ssl_ctx, TLS1_2_VERSION);
    /* The server's certificate is self-signed: benchmarks skip verification. */
    SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_mode(ctx->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                       SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                       SSL_MODE_RELEASE_BUFFERS);
    static const unsigned char alpn[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    SSL_CTX_set_alpn_protos(ctx->ssl_ctx, alpn, sizeof alpn);
    SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, SSL_SESS_CACHE_OFF);
    /* One read(2) per TLS record rather than two (its 5-byte header, then
     * the rest): the generator must not be the bottleneck of a fan-out it
     * measures. Safe here because conn_read always reads until
     * SSL_ERROR_WANT_READ, which drains what OpenSSL read ahead too. */
    SSL_CTX_set_read_ahead(ctx->ssl_ctx, 1);

    ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (ctx->epfd < 0)
        return -1;
    uint64_t seed;
    if (RAND_bytes((unsigned char *)&seed, sizeof seed) == 1 && seed)
        rng_state = seed;
    return 0;
}

static void conn_release(struct lg_conn *c)
{
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->wlen = c->woff = 0;
    c->rlen = 0;
    c->mlen = 0;
    c->in_frag = 0;
}

static void conn_fail(struct lg_conn *c, const char *why)
{
    if (c->state == LG_DEAD)
        return;
    int was_open = c->state >= LG_OPEN;
    if (c->state == LG_CLOSING) {
        /* expected end of a close handshake */
    } else if (!c->ready) {
        lg->failed++;
        if (lg->verbose || lg->failed <= 3)
            fprintf(stderr, "weft-load: conn %d failed during %s: %s\n", c->idx,
                    was_open ? "hello" : "handshake", why);
        snprintf(lg->last_error, sizeof lg->last_error, "conn %d: %s", c->idx, why);
    } else {
        lg->closed_unexpected++;
        if (lg->verbose || lg->closed_unexpected <= 3)
            fprintf(stderr, "weft-load: conn %d closed: %s\n", c->idx, why);
        snprintf(lg->last_error, sizeof lg->last_error, "conn %d: %s", c->idx, why);
    }
    if (!c->ready && c->state != LG_CLOSING)
        lg->connecting--;
    conn_release(c);
    c->state = LG_DEAD;
}

static int conn_flush(struct lg_conn *c)
{
    while (c->woff < c->wlen) {
        ERR_clear_error();
        int n = SSL_write(c->ssl, c->wbuf + c->woff, (int)(c->wlen - c->woff));
        if (n > 0) {
            c->woff += (size_t)n;
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
            return 0;
        conn_fail(c, e == SSL_ERROR_SYSCALL ? strerror(errno) : "TLS write error");
        return -1;
    }
    c->woff = c->wlen = 0;
    return 0;
}

static void trace(const struct lg_conn *c, const char *dir, const char *data, size_t len)
{
    fprintf(stderr, "[%d %s] %.*s%s\n", c->idx, dir, (int)(len > 400 ? 400 : len), data,
            len > 400 ? "..." : "");
}

static int ws_queue(struct lg_conn *c, int op, const void *data, size_t len)
{
    if (c->state == LG_DEAD || !c->ssl)
        return -1;
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | op);
    if (len < 126) {
        hdr[h++] = (unsigned char)(0x80 | len);
    } else if (len <= 0xffff) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
    }
    uint32_t key = rng32();
    unsigned char mask[4];
    memcpy(mask, &key, 4);
    memcpy(hdr + h, mask, 4);
    h += 4;
    if (c->woff && c->woff == c->wlen)
        c->woff = c->wlen = 0;
    if (reserve(&c->wbuf, &c->wcap, c->wlen + h + len) < 0)
        return -1;
    memcpy(c->wbuf + c->wlen, hdr, h);
    unsigned char *dst = (unsigned char *)c->wbuf + c->wlen + h;
    const unsigned char *src = data;
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ mask[i & 3];
    c->wlen += h + len;
    return 0;
}

int lg_ws_send_text(struct lg_conn *c, const char *data, size_t len)
{
    if (c->state != LG_OPEN)
        return -1;
    if (lg->trace && c->idx < lg->trace_conns)
        trace(c, "->", data, len);
    if (ws_queue(c, 0x1, data, len) < 0)
        return -1;
    return conn_flush(c);
}

int lg_ws_send_binary(struct lg_conn *c, const void *data, size_t len)
{
    if (c->state != LG_OPEN)
        return -1;
    if (ws_queue(c, 0x2, data, len) < 0)
        return -1;
    return conn_flush(c);
}

void lg_conn_close(struct lg_conn *c, int code)
{
    if (c->state == LG_DEAD || c->state == LG_CLOSING || c->state == LG_IDLE)
        return;
    if (!c->ready)
        lg->connecting--;
    if (c->state == LG_OPEN) {
        unsigned char p[2] = { (unsigned char)(code >> 8), (unsigned char)code };
        ws_queue(c, 0x8, p, 2);
        c->state = LG_CLOSING;
        conn_flush(c);
    } else {
        conn_release(c);
        c->state = LG_DEAD;
    }
}

void lg_conn_start(struct lg_conn *c)
{
    c->fd = socket(lg->addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->t_start = lg_now_ns();
    c->state = LG_TCP;
    c->ready = 0;
    c->pending = c->inflight = 0;
    c->hold_until = 0;
    c->in_frag = 0;
    c->rlen = c->wlen = c->woff = c->mlen = 0;
    lg->connecting++;
    if (c->fd < 0) {
        conn_fail(c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (lg->nsrc > 0) {
        /* pick the port at connect() time, per (src, dst) pair */
#ifdef IP_BIND_ADDRESS_NO_PORT
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
        const struct sockaddr_storage *sa = &lg->src[c->idx % lg->nsrc];
        socklen_t sl = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
        if (bind(c->fd, (const struct sockaddr *)sa, sl) < 0) {
            conn_fail(c, strerror(errno));
            return;
        }
    }
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP,
                              .data.ptr = c };
    if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        conn_fail(c, strerror(errno));
        return;
    }
    if (connect(c->fd, (struct sockaddr *)lg->addr, (socklen_t)lg->addrlen) < 0 &&
        errno != EINPROGRESS) {
        conn_fail(c, strerror(errno));
        return;
    }
}

static void ws_request(struct lg_conn *c)
{
    unsigned char rnd[16];
    for (int i = 0; i < 4; i++) {
        uint32_t r = rng32();
        memcpy(rnd + 4 * i, &r, 4);
    }
    EVP_EncodeBlock((unsigned char *)c->ws_key, rnd, 16);
    char extra[1024] = "";
    if (lg->proto->handshake_headers)
        lg->proto->handshake_headers(c, extra, sizeof extra);
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s:%s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: %s\r\n"
                     "User-Agent: weft-load\r\n"
                     "%s\r\n",
                     lg->ws_path ? lg->ws_path : lg->proto->ws_path, lg->host, lg->port, c->ws_key, lg->proto->subprotocol,
                     extra);
    if (n < 0 || (size_t)n >= sizeof req) {
        conn_fail(c, "handshake request too long");
        return;
    }
    if (reserve(&c->wbuf, &c->wcap, c->wlen + (size_t)n) < 0)
        return;
    memcpy(c->wbuf + c->wlen, req, (size_t)n);
    c->wlen += (size_t)n;
    c->state = LG_WSHS;
}

static const char *find_header(const char *hdrs, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(hdrs, "\r\n"); l; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *e = strstr(v, "\r\n");
            *vlen = e ? (size_t)(e - v) : strlen(v);
            return v;
        }
    }
    return NULL;
}

/* Parses the 101 response; returns bytes consumed, 0 if incomplete, -1 on failure. */
static long ws_response(struct lg_conn *c)
{
    c->rbuf[c->rlen] = 0;
    char *end = strstr((char *)c->rbuf, "\r\n\r\n");
    if (!end) {
        if (c->rlen > 16384) {
            conn_fail(c, "oversized handshake response");
            return -1;
        }
        return 0;
    }
    end[2] = 0; /* keep the last header's CRLF for find_header */
    long used = end + 4 - (char *)c->rbuf;
    const char *s = (const char *)c->rbuf;
    if (strncmp(s, "HTTP/1.1 101", 12) != 0) {
        char why[128];
        snprintf(why, sizeof why, "upgrade refused: %.*s", (int)strcspn(s, "\r\n"), s);
        conn_fail(c, why);
        return -1;
    }
    char src[80];
    snprintf(src, sizeof src, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", c->ws_key);
    unsigned char dg[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)src, strlen(src), dg);
    char want[64];
    EVP_EncodeBlock((unsigned char *)want, dg, SHA_DIGEST_LENGTH);
    size_t vl = 0;
    const char *v = find_header(s, "Sec-WebSocket-Accept", &vl);
    if (!v || vl != strlen(want) || memcmp(v, want, vl) != 0) {
        conn_fail(c, "bad Sec-WebSocket-Accept");
        return -1;
    }
    c->state = LG_OPEN;
    c->t_open = lg_now_ns();
    lg_hist_add(&lg->up_hist, c->t_open - c->t_start);
    return used;
}

static void deliver(struct lg_conn *c, char *data, size_t len)
{
    /* caller guarantees data[len] is writable */
    lg->frames_in++;
    if (lg->trace && c->idx < lg->trace_conns)
        trace(c, "<-", data, len);
    char saved = data[len];
    data[len] = 0;
    lg->proto->on_text(c, data, len);
    data[len] = saved;
}

/* Handles one complete frame; returns -1 when the connection ended. */
static int ws_frame(struct lg_conn *c, int fin, int op, unsigned char *p, size_t len)
{
    switch (op) {
    case 0x8: { /* close */
        if (c->state == LG_CLOSING) {
            conn_release(c);
            c->state = LG_DEAD;
            return -1;
        }
        char why[160];
        int code = len >= 2 ? (p[0] << 8 | p[1]) : 1005;
        snprintf(why, sizeof why, "server sent close %d %.*s", code,
                 len > 2 ? (int)(len - 2 > 100 ? 100 : len - 2) : 0, (const char *)p + 2);
        ws_queue(c, 0x8, p, len >= 2 ? 2 : 0);
        conn_flush(c);
        conn_fail(c, why);
        return -1;
    }
    case 0x9: /* ping */
        if (ws_queue(c, 0xA, p, len) < 0 || conn_flush(c) < 0)
            return -1;
        return 0;
    case 0xA:
        return 0;
    case 0x1:
    case 0x2:
        if (c->in_frag) {
            conn_fail(c, "new data frame inside a fragmented message");
            return -1;
        }
        if (fin) {
            if (c->state == LG_OPEN)
                deliver(c, (char *)p, len);
            return c->state == LG_DEAD ? -1 : 0;
        }
        c->in_frag = 1;
        c->msg_op = op;
        c->mlen = 0;
        /* fall through */
    case 0x0:
        if (!c->in_frag) {
            conn_fail(c, "continuation without a start frame");
            return -1;
        }
        if (reserve(&c->msg, &c->mcap, c->mlen + len + 1) < 0)
            return -1;
        memcpy(c->msg + c->mlen, p, len);
        c->mlen += len;
        if (c->mlen > LG_MAX_FRAME) {
            conn_fail(c, "message too large");
            return -1;
        }
        if (fin && op == 0x0) {
            c->in_frag = 0;
            if (c->state == LG_OPEN)
                deliver(c, c->msg, c->mlen);
            c->mlen = 0;
        }
        return c->state == LG_DEAD ? -1 : 0;
    default:
        conn_fail(c, "unknown opcode");
        return -1;
    }
}

/* Parses complete frames from buf (which has one writable byte past len);
 * returns the bytes consumed, or -1 when the connection ended. */
static long ws_parse(struct lg_conn *c, unsigned char *buf, size_t len)
{
    size_t off = 0;
    while (c->state == LG_OPEN || c->state == LG_CLOSING) {
        size_t avail = len - off;
        if (avail < 2)
            break;
        unsigned char *b = buf + off;
        int fin = b[0] & 0x80, op = b[0] & 0x0f, masked = b[1] & 0x80;
        uint64_t plen = b[1] & 0x7f;
        size_t h = 2;
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (uint64_t)b[2] << 8 | b[3];
            h = 4;
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | b[2 + i];
            h = 10;
        }
        if (plen > LG_MAX_FRAME) {
            conn_fail(c, "frame too large");
            return -1;
        }
        if (masked)
            h += 4;
        if (avail < h + plen)
            break;
        unsigned char *p = b + h;
        if (masked) {
            for (uint64_t i = 0; i < plen; i++)
                p[i] ^= b[h - 4 + (i & 3)];
            b[1] &= 0x7f; /* unmasked now, in case the frame is parsed again */
        }
        off += h + (size_t)plen;
        if (ws_frame(c, fin, op, p, (size_t)plen) < 0)
            return -1;
    }
    return c->state == LG_DEAD ? -1 : (long)off;
}

/* All connections read into one buffer; only a partial frame left at the end
 * of a read is copied into the connection's own buffer, so idle connections
 * hold no read buffer (this matters with tens of thousands of them). */
static unsigned char gbuf[65536 + 1];

static int keep_rest(struct lg_conn *c, const unsigned char *p, size_t n)
{
    if (reserve(&c->rbuf, &c->rcap, c->rlen + n + 1) < 0) {
        conn_fail(c, "out of memory");
        return -1;
    }
    memmove(c->rbuf + c->rlen, p, n);
    c->rlen += n;
    return 0;
}

static void conn_read(struct lg_conn *c)
{
    for (;;) {
        if (c->state == LG_DEAD)
            return;
        ERR_clear_error();
        int n = SSL_read(c->ssl, gbuf, (int)sizeof gbuf - 1);
        if (n > 0) {
            if (c->rlen || c->state == LG_WSHS) {
                if (keep_rest(c, gbuf, (size_t)n) < 0)
                    return;
                if (c->state == LG_WSHS) {
                    long used = ws_response(c);
                    if (used < 0)
                        return;
                    if (used > 0) {
                        memmove(c->rbuf, c->rbuf + used, c->rlen - (size_t)used);
                        c->rlen -= (size_t)used;
                        lg->proto->on_open(c);
                        if (c->state == LG_DEAD)
                            return;
                    }
                }
                if ((c->state == LG_OPEN || c->state == LG_CLOSING) && c->rlen) {
                    long used = ws_parse(c, c->rbuf, c->rlen);
                    if (used < 0)
                        return;
                    memmove(c->rbuf, c->rbuf + used, c->rlen - (size_t)used);
                    c->rlen -= (size_t)used;
                }
            } else {
                long used = ws_parse(c, gbuf, (size_t)n);
                if (used < 0)
                    return;
                if ((size_t)used < (size_t)n && keep_rest(c, gbuf + used, (size_t)n - (size_t)used) < 0)
                    return;
            }
            if (c->rlen == 0 && c->rcap > 65536) {
                free(c->rbuf);
                c->rbuf = NULL;
                c->rcap = 0;
            }
            continue;
        }
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return;
        if (c->state == LG_CLOSING) {
            conn_release(c);
            c->state = LG_DEAD;
            return;
        }
        conn_fail(c, e == SSL_ERROR_ZERO_RETURN ? "TLS close_notify"
                     : e == SSL_ERROR_SYSCALL   ? (errno ? strerror(errno) : "EOF")
                                                : "TLS read error");
        return;
    }
}

void lg_net_free(void)
{
    for (int i = 0; i < lg->nconns; i++) {
        struct lg_conn *c = &lg->conns[i];
        conn_release(c);
        if (lg->proto && lg->proto->conn_free)
            lg->proto->conn_free(c);
        free(c->rbuf);
        free(c->wbuf);
        free(c->msg);
        c->rbuf = NULL;
        c->wbuf = c->msg = NULL;
    }
    if (lg->ssl_ctx)
        SSL_CTX_free(lg->ssl_ctx);
    lg->ssl_ctx = NULL;
    if (lg->epfd > 0)
        close(lg->epfd);
    free(lg->addr);
    free(lg->src);
    lg->addr = NULL;
    lg->src = NULL;
}

static void conn_event(struct lg_conn *c, uint32_t events)
{
    if (c->state == LG_TCP) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            conn_fail(c, strerror(err));
            return;
        }
        if (!(events & (EPOLLOUT | EPOLLIN)))
            return;
        c->ssl = SSL_new(lg->ssl_ctx);
        if (!c->ssl) {
            conn_fail(c, "SSL_new");
            return;
        }
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_connect_state(c->ssl);
        c->state = LG_TLS;
    }
    if (c->state == LG_TLS) {
        ERR_clear_error();
        int r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                return;
            char why[160];
            unsigned long ee = ERR_get_error();
            snprintf(why, sizeof why, "TLS handshake: %s",
                     ee ? ERR_reason_error_string(ee) : (errno ? strerror(errno) : "EOF"));
            conn_fail(c, why);
            return;
        }
        ws_request(c);
        if (c->state == LG_DEAD)
            return;
    }
    if (c->state == LG_DEAD)
        return;
    if (conn_flush(c) < 0)
        return;
    conn_read(c);
    if (c->state != LG_DEAD && c->wlen > c->woff)
        conn_flush(c);
}

int lg_loop_run(double seconds, int (*done)(void *), void (*tick)(void *, uint64_t), void *arg)
{
    struct epoll_event ev[512];
    uint64_t start = lg_now_ns();
    uint64_t end = start + (uint64_t)(seconds * 1e9);
    for (;;) {
        uint64_t now = lg_now_ns();
        if (tick)
            tick(arg, now);
        if (done && done(arg))
            return 1;
        if (now >= end)
            return 0;
        int timeout = tick ? 1 : (int)((end - now) / 1000000 + 1);
        if (timeout > 50)
            timeout = 50;
        int n = epoll_wait(lg->epfd, ev, 512, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("weft-load: epoll_wait");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            struct lg_conn *c = ev[i].data.ptr;
            if (c->state != LG_DEAD && c->state != LG_IDLE)
                conn_event(c, ev[i].events);
        }
    }
}
