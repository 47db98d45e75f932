/* weft-load: account provisioning (not in the measured path).
 *
 * Accounts are created with `weftd user add` (cheap argon2 parameters, a few
 * processes in parallel), then each is signed in once over HTTPS
 * POST /api/login; the session token from the __Host-weft cookie is what the
 * WebSocket handshake presents as "Authorization: Bearer". Many connections
 * share one account (and one token). */
#define _GNU_SOURCE
#include "lg.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

struct child {
    pid_t pid;
    int err_fd;
    int index;
};

static int reap(struct child *ch, const char *prefix)
{
    char buf[512];
    ssize_t n = read(ch->err_fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    close(ch->err_fd);
    int st = 0;
    waitpid(ch->pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    /* "weftd: user NAME already exists" (and nothing else) means reuse it */
    char name[80];
    snprintf(name, sizeof name, "user %s%d already exists", prefix, ch->index);
    if (strstr(buf, name) && !strstr(buf, "error")) {
        fprintf(stderr, "weft-load: %s%d already exists, reusing it\n", prefix, ch->index);
        return 0;
    }
    fprintf(stderr, "weft-load: weftd user add %s%d failed (status %d): %s", prefix, ch->index,
            WIFEXITED(st) ? WEXITSTATUS(st) : -1, buf);
    return -1;
}

int lg_setup_create_users(const char *weftd, const char *data, const char *prefix,
                          const char *password, int n, int parallel)
{
    if (parallel < 1)
        parallel = 1;
    struct child *kids = calloc((size_t)parallel, sizeof *kids);
    int running = 0, next = 0, failed = 0;
    uint64_t t0 = lg_now_ns();
    while (next < n || running > 0) {
        /* the first account runs alone: it may create the data directory and
         * the database, and concurrent first opens race on the schema */
        int limit = next == 0 ? 1 : parallel;
        while (next < n && running < limit) {
            int in[2], err[2];
            if (pipe2(in, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                perror("weft-load: pipe");
                free(kids);
                return -1;
            }
            char name[64];
            snprintf(name, sizeof name, "%s%d", prefix, next);
            pid_t pid = fork();
            if (pid == 0) {
                dup2(in[0], 0);
                dup2(err[1], 2);
                execl(weftd, weftd, "user", "add", name, "--data", data, "--argon2-iterations", "1",
                      "--argon2-memory", "1024", (char *)NULL);
                fprintf(stderr, "exec %s: %s\n", weftd, strerror(errno));
                _exit(127);
            }
            close(in[0]);
            close(err[1]);
            if (pid < 0) {
                perror("weft-load: fork");
                close(in[1]);
                close(err[0]);
                free(kids);
                return -1;
            }
            dprintf(in[1], "%s\n", password);
            close(in[1]);
            kids[running++] = (struct child){ pid, err[0], next };
            next++;
        }
        /* wait for the oldest child; user add is short and uniform */
        if (reap(&kids[0], prefix) < 0)
            failed++;
        memmove(kids, kids + 1, (size_t)(running - 1) * sizeof *kids);
        running--;
    }
    free(kids);
    double s = (double)(lg_now_ns() - t0) / 1e9;
    fprintf(stderr, "weft-load: created %d accounts in %.2f s (%d failed)\n", n, s, failed);
    return failed ? -1 : 0;
}

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
        return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* One blocking HTTPS request with "Connection: close"; returns the status and
 * the raw response (headers + body) in resp. */
static int https_request(SSL_CTX *ctx, const char *host, const char *port, const char *req,
                         char *resp, size_t cap)
{
    int fd = tcp_connect(host, port);
    if (fd < 0)
        return -1;
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    int status = -1;
    size_t got = 0;
    if (SSL_connect(ssl) != 1)
        goto out;
    size_t len = strlen(req), off = 0;
    while (off < len) {
        int w = SSL_write(ssl, req + off, (int)(len - off));
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    for (;;) {
        if (got + 1 >= cap)
            break;
        int r = SSL_read(ssl, resp + got, (int)(cap - got - 1));
        if (r <= 0)
            break;
        got += (size_t)r;
        resp[got] = 0;
        /* stop once Content-Length bytes of body arrived */
        char *hend = strstr(resp, "\r\n\r\n");
        const char *cl = hend ? strcasestr(resp, "\r\ncontent-length:") : NULL;
        if (hend && cl && cl < hend) {
            long want = strtol(cl + 17, NULL, 10);
            if ((long)(got - (size_t)(hend + 4 - resp)) >= want)
                break;
        }
    }
    resp[got] = 0;
    if (got > 12 && !strncmp(resp, "HTTP/1.", 7))
        status = atoi(resp + 9);
out:
    SSL_free(ssl);
    close(fd);
    return status;
}

/* TLS 1.2+, the server's self-signed certificate not verified. */
static SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx) {
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    return ctx;
}

int lg_https_get(const char *host, const char *port, const char *path, char *resp, size_t cap)
{
    SSL_CTX *ctx = client_ctx();
    if (!ctx)
        return -1;
    char req[1024];
    snprintf(req, sizeof req,
             "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\nUser-Agent: weft-load\r\n\r\n",
             path, host, port);
    resp[0] = 0;
    int status = https_request(ctx, host, port, req, resp, cap);
    SSL_CTX_free(ctx);
    return status;
}

int lg_setup_login(const char *host, const char *port, const char *prefix, const char *password,
                   int n, const char *tokens_file)
{
    SSL_CTX *ctx = client_ctx();
    if (!ctx)
        return -1;
    FILE *out = fopen(tokens_file, "w");
    if (!out) {
        fprintf(stderr, "weft-load: cannot write %s: %s\n", tokens_file, strerror(errno));
        SSL_CTX_free(ctx);
        return -1;
    }
    uint64_t t0 = lg_now_ns();
    int ok = 0;
    static char resp[65536];
    for (int i = 0; i < n; i++) {
        char body[512], req[1024];
        int bl = snprintf(body, sizeof body, "{\"username\":\"%s%d\",\"password\":\"%s\"}", prefix,
                          i, password);
        snprintf(req, sizeof req,
                 "POST /api/login HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                 "Content-Length: %d\r\nConnection: close\r\nUser-Agent: weft-load\r\n\r\n%s",
                 host, port, bl, body);
        int status = -1;
        for (int attempt = 0; attempt < 20; attempt++) {
            status = https_request(ctx, host, port, req, resp, sizeof resp);
            if (status != 429 && status != 503)
                break;
            struct timespec ts = { 0, 250000000 };
            nanosleep(&ts, NULL);
        }
        char *tok = status == 200 ? strcasestr(resp, "\r\nset-cookie: __Host-weft=") : NULL;
        if (!tok) {
            fprintf(stderr, "weft-load: login %s%d: HTTP %d %.200s\n", prefix, i, status,
                    status > 0 ? resp : "(no response)");
            fclose(out);
            SSL_CTX_free(ctx);
            return -1;
        }
        tok += strlen("\r\nset-cookie: __Host-weft=");
        size_t tl = strcspn(tok, ";\r\n");
        fprintf(out, "%s%d %.*s\n", prefix, i, (int)tl, tok);
        ok++;
    }
    fclose(out);
    SSL_CTX_free(ctx);
    fprintf(stderr, "weft-load: signed in %d accounts in %.2f s -> %s\n", ok,
            (double)(lg_now_ns() - t0) / 1e9, tokens_file);
    return 0;
}

int lg_tokens_load(const char *file, char ***tokens, int *n)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "weft-load: cannot read %s: %s\n", file, strerror(errno));
        return -1;
    }
    char line[1024];
    int cap = 0, cnt = 0;
    char **t = NULL;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        /* "name token" or just "token" */
        char *sp = strrchr(line, ' ');
        const char *tok = sp ? sp + 1 : line;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            t = realloc(t, (size_t)cap * sizeof *t);
        }
        t[cnt++] = strdup(tok);
    }
    fclose(f);
    if (!cnt) {
        fprintf(stderr, "weft-load: no tokens in %s\n", file);
        free(t);
        return -1;
    }
    *tokens = t;
    *n = cnt;
    return 0;
}
