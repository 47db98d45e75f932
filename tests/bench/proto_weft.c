/* weft-load: the Weft backend (subprotocol weft.v1, see /work/shared/PROTOCOL.md).
 *
 * Rooms are channels named "<room_prefix>-<index>" (kind cohort, access open).
 * Message events whose body starts with the load marker are recognised by a
 * substring scan instead of a full JSON parse: at thousands of deliveries per
 * second the generator shares the cores with the server and must stay cheap.
 * Every other frame is parsed with cJSON. */
#define _GNU_SOURCE
#include "lg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

struct weft_room {
    int64_t id;   /* channel id, 0 = unknown */
    int64_t lo;   /* smallest message id seen */
    int64_t hi;   /* largest message id (or channel last_seq) seen */
};

static struct weft_room *rooms;
static int nrooms;

static int weft_rooms_init(int n)
{
    free(rooms);
    rooms = NULL;
    nrooms = 0;
    if (n <= 0)
        return 0;
    rooms = calloc((size_t)(n > 0 ? n : 1), sizeof *rooms);
    nrooms = rooms ? n : 0;
    return rooms ? 0 : -1;
}

static int room_of_name(const char *name)
{
    size_t pl = strlen(lg->room_prefix);
    if (!name || strncmp(name, lg->room_prefix, pl) != 0 || name[pl] != '-')
        return -1;
    char *end;
    long r = strtol(name + pl + 1, &end, 10);
    if (*end || end == name + pl + 1 || r < 0 || r >= nrooms)
        return -1;
    return (int)r;
}

static void room_seen_msg(int room, int64_t id)
{
    if (room < 0 || room >= nrooms || id <= 0)
        return;
    if (!rooms[room].lo || id < rooms[room].lo)
        rooms[room].lo = id;
    if (id > rooms[room].hi)
        rooms[room].hi = id;
}

static int room_by_id(int64_t id)
{
    for (int i = 0; i < nrooms; i++)
        if (rooms[i].id == id)
            return i;
    return -1;
}

static void learn_channel(const cJSON *ch)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(ch, "name");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ch, "id");
    int r = room_of_name(cJSON_IsString(name) ? name->valuestring : NULL);
    if (r < 0 || !cJSON_IsNumber(id))
        return;
    rooms[r].id = (int64_t)id->valuedouble;
    const cJSON *ls = cJSON_GetObjectItemCaseSensitive(ch, "last_seq");
    if (cJSON_IsNumber(ls) && (int64_t)ls->valuedouble > rooms[r].hi)
        rooms[r].hi = (int64_t)ls->valuedouble;
}

static int weft_headers(struct lg_conn *c, char *buf, size_t cap)
{
    if (!lg->ntokens)
        return 0;
    snprintf(buf, cap, "Authorization: Bearer %s\r\n", lg->tokens[c->account % lg->ntokens]);
    return 0;
}

static void weft_open(struct lg_conn *c)
{
    char f[96];
    int n = snprintf(f, sizeof f, "{\"type\":\"hello\",\"since\":%" PRId64 "}", lg->hello_since);
    lg_ws_send_text(c, f, (size_t)n);
}

static int weft_room_create(struct lg_conn *c, int room)
{
    char f[256];
    int n = snprintf(f, sizeof f,
                     "{\"type\":\"channel.create\",\"req\":\"c%d\",\"name\":\"%s-%d\","
                     "\"kind\":\"cohort\",\"access\":\"open\",\"topic\":\"weft-load\"}",
                     room, lg->room_prefix, room);
    c->pending++;
    return lg_ws_send_text(c, f, (size_t)n);
}

static int weft_room_join(struct lg_conn *c, int room)
{
    if (room < 0 || room >= nrooms || !rooms[room].id)
        return -1;
    char f[128];
    int n = snprintf(f, sizeof f, "{\"type\":\"channel.join\",\"req\":\"j%d\",\"channel\":%" PRId64 "}",
                     room, rooms[room].id);
    c->pending++;
    return lg_ws_send_text(c, f, (size_t)n);
}

static int weft_room_lookup(struct lg_conn *c)
{
    static const char f[] = "{\"type\":\"channel.list\",\"req\":\"l\"}";
    c->pending++;
    return lg_ws_send_text(c, f, sizeof f - 1);
}

static int weft_send(struct lg_conn *c, int room, const char *body, size_t len, uint64_t msg_seq)
{
    if (room < 0 || room >= nrooms || !rooms[room].id)
        return -1;
    char f[8192];
    if (len > 7000)
        return -1;
    int n = snprintf(f, sizeof f,
                     "{\"type\":\"send\",\"req\":\"s%" PRIu64 "\",\"channel\":%" PRId64
                     ",\"body\":\"%.*s\",\"client_id\":\"%s-%d-%" PRIu64 "\"}",
                     lg_now_ns(), rooms[room].id, (int)len, body, lg->run_id, c->idx, msg_seq);
    c->inflight++;
    return lg_ws_send_text(c, f, (size_t)n);
}

static int weft_history(struct lg_conn *c, int room, int64_t before, int limit)
{
    if (room < 0 || room >= nrooms || !rooms[room].id)
        return -1;
    char f[256], where[64] = "";
    if (before > 0)
        snprintf(where, sizeof where, ",\"before\":%" PRId64, before);
    else if (before < 0)
        snprintf(where, sizeof where, ",\"after\":0");
    int n = snprintf(f, sizeof f,
                     "{\"type\":\"history\",\"req\":\"h%" PRIu64 "\",\"channel\":%" PRId64
                     "%s,\"limit\":%d}",
                     lg_now_ns(), rooms[room].id, where, limit);
    c->inflight++;
    return lg_ws_send_text(c, f, (size_t)n);
}

static void weft_bounds(int room, int64_t *lo, int64_t *hi)
{
    *lo = *hi = 0;
    if (room >= 0 && room < nrooms) {
        *lo = rooms[room].lo;
        *hi = rooms[room].hi;
    }
}

static int64_t num(const cJSON *o, const char *k, int64_t dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : dflt;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void seen_seq(struct lg_conn *c, int64_t seq)
{
    if (seq > c->last_seq)
        c->last_seq = seq;
}

static void weft_text(struct lg_conn *c, char *data, size_t len)
{
    /* Fast path: a load-generator message event. */
    static const char marker[] = "\"body\":\"wl|";
    char *m = memmem(data, len, marker, sizeof marker - 1);
    if (m && memmem(data, len, "\"type\":\"event\"", 14)) {
        char *b = m + 8;
        char *e = memchr(b, '"', len - (size_t)(b - data));
        const char *sq = memmem(data, len, "\"seq\":", 6);
        if (sq)
            seen_seq(c, strtoll(sq + 6, NULL, 10));
        if (e)
            lg_ev_delivery(c, c->room, b, (size_t)(e - b));
        return;
    }

    cJSON *j = cJSON_ParseWithLength(data, len);
    if (!j) {
        lg->errors++;
        snprintf(lg->last_error, sizeof lg->last_error, "unparsable frame: %.120s", data);
        return;
    }
    const char *type = str(j, "type");
    const char *req = str(j, "req");
    if (!type) {
        lg->errors++;
    } else if (!strcmp(type, "event")) {
        seen_seq(c, num(j, "seq", 0));
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (msg) {
            const char *body = str(msg, "body");
            if (body && !strncmp(body, "wl|", 3))
                lg_ev_delivery(c, c->room, body, strlen(body));
        }
    } else if (!strcmp(type, "ack")) {
        const cJSON *dup = cJSON_GetObjectItemCaseSensitive(j, "duplicate");
        room_seen_msg(c->room, num(j, "id", 0));
        if (c->inflight > 0)
            c->inflight--;
        lg_ev_ack(c, req && req[0] == 's' ? strtoull(req + 1, NULL, 10) : 0, cJSON_IsTrue(dup));
    } else if (!strcmp(type, "history")) {
        const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(j, "messages");
        int r = room_by_id(num(j, "channel", 0));
        const cJSON *it;
        cJSON_ArrayForEach(it, msgs) room_seen_msg(r, num(it, "id", 0));
        if (c->inflight > 0)
            c->inflight--;
        lg_ev_history(c, req && req[0] == 'h' ? strtoull(req + 1, NULL, 10) : 0,
                      cJSON_GetArraySize(msgs));
    } else if (!strcmp(type, "welcome")) {
        seen_seq(c, num(j, "seq", 0));
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "channels")) learn_channel(it);
    } else if (!strcmp(type, "synced")) {
        seen_seq(c, num(j, "seq", 0));
        lg_ev_ready(c, num(j, "seq", 0));
    } else if (!strcmp(type, "channel")) {
        const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "channel");
        learn_channel(ch);
        if (req && (req[0] == 'c' || req[0] == 'j')) {
            if (c->pending > 0)
                c->pending--;
            int r = atoi(req + 1);
            int ok = r >= 0 && r < nrooms && rooms[r].id;
            lg_ev_setup_done(c, ok, ok ? NULL : "channel reply without a matching name");
        }
    } else if (!strcmp(type, "channels")) {
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "channels")) learn_channel(it);
        if (req && req[0] == 'l') {
            if (c->pending > 0)
                c->pending--;
            lg_ev_setup_done(c, 1, NULL);
        }
    } else if (!strcmp(type, "error")) {
        const char *code = str(j, "code");
        const char *msg = str(j, "message");
        int retry = (int)num(j, "retry_after_ms", 0);
        if (req && (req[0] == 'c' || req[0] == 'j' || req[0] == 'l')) {
            if (c->pending > 0)
                c->pending--;
            /* joining a channel one is already in is fine */
            int ok = req[0] == 'j' && code && !strcmp(code, "conflict");
            char why[256];
            snprintf(why, sizeof why, "%s -> %s: %s", req, code ? code : "?", msg ? msg : "");
            lg_ev_setup_done(c, ok, why);
        } else {
            if (req && (req[0] == 's' || req[0] == 'h') && c->inflight > 0)
                c->inflight--;
            lg_ev_error(c, req && (req[0] == 's' || req[0] == 'h') ? strtoull(req + 1, NULL, 10) : 0,
                        req && req[0] == 's', code ? code : "?", msg ? msg : "", retry);
        }
    } else if (!strcmp(type, "gap") || !strcmp(type, "pong") || !strcmp(type, "ok") ||
               !strcmp(type, "typing") || !strcmp(type, "presence")) {
        /* nothing to measure */
    } else if (lg->verbose > 1) {
        fprintf(stderr, "weft-load: conn %d: unhandled frame %.200s\n", c->idx, data);
    }
    cJSON_Delete(j);
}

const struct lg_proto lg_proto_weft = {
    .name = "weft",
    .ws_path = "/ws",
    .subprotocol = "weft.v1",
    .rooms_init = weft_rooms_init,
    .handshake_headers = weft_headers,
    .on_open = weft_open,
    .on_text = weft_text,
    .room_create = weft_room_create,
    .room_join = weft_room_join,
    .room_lookup = weft_room_lookup,
    .send = weft_send,
    .history = weft_history,
    .room_bounds = weft_bounds,
};
