/* weft-load: latency histograms, Prometheus histograms scraped from /metrics,
 * and /proc sampling of the server process. */
#define _GNU_SOURCE
#include "lg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <math.h>
#include <unistd.h>

void lg_hist_reset(struct lg_hist *h)
{
    memset(h, 0, sizeof *h);
}

static unsigned bucket_of(uint64_t v)
{
    if (v < LG_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - LG_HIST_SUB_BITS + 1;
    return shift * LG_HIST_SUB + (unsigned)(v >> shift);
}

/* Bucket index layout: values below SUB map to themselves; above, each power
 * of two range [2^m, 2^(m+1)) with m >= SUB_BITS is split in SUB/2 linear
 * (so at most ~1.6% relative error)
 * steps, stored at shift*SUB + (v >> shift) where v >> shift is in
 * [SUB/2, SUB). Returns the upper edge of a bucket. */
static uint64_t bucket_value(unsigned b)
{
    if (b < LG_HIST_SUB)
        return b;
    unsigned shift = b / LG_HIST_SUB;
    uint64_t top = b % LG_HIST_SUB;
    return ((top + 1) << shift) - 1;
}

void lg_hist_add(struct lg_hist *h, uint64_t v)
{
    unsigned b = bucket_of(v);
    if (b >= LG_HIST_BUCKETS)
        b = LG_HIST_BUCKETS - 1;
    h->b[b]++;
    h->count++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

uint64_t lg_hist_quantile(const struct lg_hist *h, double q)
{
    if (!h->count)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (unsigned b = 0; b < LG_HIST_BUCKETS; b++) {
        seen += h->b[b];
        if (seen >= rank) {
            uint64_t v = bucket_value(b);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

int lg_proc_sanitized(int pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, "libasan") || strstr(line, "libtsan") || strstr(line, "libubsan");
    fclose(f);
    return found;
}

void lg_proc_sample(int pid, struct lg_proc_sample *out)
{
    memset(out, 0, sizeof *out);
    if (pid <= 0)
        return;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* comm may hold spaces: fields are counted after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return;
    p += 2;
    unsigned long long utime = 0, stime = 0;
    long threads = 0;
    /* fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt majflt
     * cmajflt utime(14) stime(15) cutime cstime priority nice num_threads(20) */
    if (sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld",
               &utime, &stime, &threads) != 3)
        return;
    long hz = sysconf(_SC_CLK_TCK);
    out->cpu_s = (double)(utime + stime) / (double)(hz > 0 ? hz : 100);
    out->threads = (int)threads;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            out->rss_kb = strtol(line + 6, NULL, 10);
    fclose(f);
    out->ok = 1;
}

void lg_proc_threads(int pid, struct lg_thread_cpu *out)
{
    memset(out, 0, sizeof *out);
    if (pid <= 0)
        return;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    long hz = sysconf(_SC_CLK_TCK);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char p2[300], buf[1024];
        snprintf(p2, sizeof p2, "/proc/%d/task/%s/stat", pid, e->d_name);
        FILE *f = fopen(p2, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *l = strchr(buf, '('), *r = strrchr(buf, ')');
        if (!l || !r || r < l)
            continue;
        /* threads are told apart by name and id: unnamed threads share
         * the process name */
        char name[32];
        snprintf(name, sizeof name, "%.*s/%.12s", (int)(r - l - 1 > 16 ? 16 : r - l - 1), l + 1,
                 e->d_name);
        unsigned long long ut = 0, st = 0;
        if (sscanf(r + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
            continue;
        double cpu = (double)(ut + st) / (double)(hz > 0 ? hz : 100);
        int i;
        for (i = 0; i < out->n; i++)
            if (!strcmp(out->name[i], name))
                break;
        if (i == out->n) {
            if (out->n == LG_MAX_THREADS)
                continue;
            snprintf(out->name[i], sizeof out->name[i], "%s", name);
            out->n++;
        }
        out->cpu_s[i] += cpu;
    }
    closedir(d);
}

/* ---- Prometheus histograms ------------------------------------------------- */

/* One line of Prometheus text that belongs to family name (nl bytes). */
static void prom_line(const char *p, struct lg_prom_hist *out, int *have_count)
{
    if (!strncmp(p, "_bucket{", 8)) {
        const char *le = strstr(p, "le=\""), *close = strchr(p, '}');
        if (!le || !close || le > close || out->n == LG_PROM_BUCKETS)
            return;
        le += 4;
        out->le[out->n] = !strncmp(le, "+Inf\"", 5) ? INFINITY : strtod(le, NULL);
        out->cum[out->n] = strtod(close + 1, NULL);
        out->n++;
    } else if (!strncmp(p, "_sum ", 5)) {
        out->sum = strtod(p + 5, NULL);
    } else if (!strncmp(p, "_count ", 7)) {
        out->count = strtod(p + 7, NULL);
        *have_count = 1;
    }
}

int lg_prom_hist_parse(const char *text, const char *name, struct lg_prom_hist *out)
{
    memset(out, 0, sizeof *out);
    size_t nl = strlen(name);
    int have_count = 0;
    for (const char *line = text; line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (!strncmp(line, name, nl))
            prom_line(line + nl, out, &have_count);
    }
    for (int i = 1; i < out->n; i++)
        if (!(out->le[i] > out->le[i - 1]))
            return -1;
    return have_count && out->n >= 2 && isinf(out->le[out->n - 1]) ? 0 : -1;
}

int lg_prom_hist_delta(const struct lg_prom_hist *after, const struct lg_prom_hist *before,
                       struct lg_prom_hist *out)
{
    if (after->n != before->n)
        return -1;
    memset(out, 0, sizeof *out);
    out->n = after->n;
    for (int i = 0; i < after->n; i++) {
        if (after->le[i] != before->le[i])
            return -1;
        out->le[i] = after->le[i];
        out->cum[i] = after->cum[i] - before->cum[i];
    }
    out->sum = after->sum - before->sum;
    out->count = after->count - before->count;
    return 0;
}

double lg_prom_hist_quantile(const struct lg_prom_hist *h, double q)
{
    if (h->n < 2 || !isinf(h->le[h->n - 1]))
        return NAN;
    double total = h->cum[h->n - 1];
    if (total <= 0)
        return NAN;
    double rank = q * total;
    int b = 0;
    while (b < h->n - 1 && h->cum[b] < rank)
        b++;
    if (b == h->n - 1)
        return h->le[h->n - 2];
    double start = b ? h->le[b - 1] : 0, below = b ? h->cum[b - 1] : 0;
    double in = h->cum[b] - below;
    if (in <= 0)
        return h->le[b];
    return start + (h->le[b] - start) * ((rank - below) / in);
}
