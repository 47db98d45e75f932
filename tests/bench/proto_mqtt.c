/* weft-load: MQTT 3.1.1 over WebSocket (subprotocol "mqtt"), for comparing
 * weftd with mosquitto on the same workloads.
 *
 * A room is the topic "<room_prefix>/<index>". Every connection subscribes to
 * its room's topic itself (MQTT subscriptions belong to a connection, not to
 * a user), with QoS 0. Sends are PUBLISH QoS 1 and the PUBACK is the "ack":
 * the broker has accepted the message (mosquitto persists to disk only
 * periodically, so this is not the same promise as weftd's durable ack).
 * MQTT has no history: W5 is not available. Tokens, when given, are sent as
 * the password with the account index as the user name. */
#define _GNU_SOURCE
#include "lg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MQ_RING 1024 /* PUBLISH packet ids in flight per connection */

struct mq_conn {
    unsigned char *buf; /* partial MQTT packet carried across WebSocket messages */
    size_t len, cap;
    uint64_t sent_ns[MQ_RING];
};

static int mq_nrooms;

static int mq_rooms_init(int n)
{
    mq_nrooms = n > 0 ? n : 0;
    return 0;
}

static struct mq_conn *state(struct lg_conn *c)
{
    if (!c->pstate)
        c->pstate = calloc(1, sizeof(struct mq_conn));
    return c->pstate;
}

static void mq_conn_free(struct lg_conn *c)
{
    struct mq_conn *m = c->pstate;
    if (m)
        free(m->buf);
    free(m);
    c->pstate = NULL;
}

static size_t put_len(unsigned char *p, size_t n)
{
    size_t i = 0;
    do {
        unsigned char b = n % 128;
        n /= 128;
        p[i++] = (unsigned char)(b | (n ? 0x80 : 0));
    } while (n);
    return i;
}

static size_t put_str(unsigned char *p, const char *s, size_t n)
{
    p[0] = (unsigned char)(n >> 8);
    p[1] = (unsigned char)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

/* Frames one packet: type byte, remaining length, then body. */
static int packet(struct lg_conn *c, unsigned char type, const unsigned char *body, size_t n)
{
    unsigned char *p = malloc(n + 5);
    if (!p)
        return -1;
    p[0] = type;
    size_t h = 1 + put_len(p + 1, n);
    memcpy(p + h, body, n);
    int rc = lg_ws_send_binary(c, p, h + n);
    free(p);
    return rc;
}

static void mq_open(struct lg_conn *c)
{
    unsigned char b[512];
    size_t n = 0;
    n += put_str(b + n, "MQTT", 4);
    b[n++] = 4; /* protocol level 3.1.1 */
    int auth = lg->ntokens > 0;
    b[n++] = (unsigned char)(0x02 | (auth ? 0xC0 : 0)); /* clean session (+ user, password) */
    b[n++] = 0;                                          /* keep alive off */
    b[n++] = 0;
    char id[64];
    int il = snprintf(id, sizeof id, "wl-%s-%d", lg->run_id, c->idx);
    n += put_str(b + n, id, (size_t)il);
    if (auth) {
        char user[32];
        int ul = snprintf(user, sizeof user, "load%d", c->account);
        const char *tok = lg->tokens[c->account % lg->ntokens];
        size_t tl = strlen(tok);
        if (tl > 400)
            tl = 400;
        n += put_str(b + n, user, (size_t)ul);
        n += put_str(b + n, tok, tl);
    }
    packet(c, 0x10, b, n);
}

static int topic(char *out, size_t cap, int room)
{
    return snprintf(out, cap, "%s/%d", lg->room_prefix, room);
}

static int mq_room_join(struct lg_conn *c, int room)
{
    if (room < 0 || room >= mq_nrooms)
        return -1;
    unsigned char b[300];
    char t[200];
    int tl = topic(t, sizeof t, room);
    size_t n = 0;
    b[n++] = 0; /* packet id 1: only one SUBSCRIBE is ever in flight */
    b[n++] = 1;
    n += put_str(b + n, t, (size_t)tl);
    b[n++] = 0; /* QoS 0 */
    c->pending++;
    return packet(c, 0x82, b, n);
}

/* Topics need no creating: "create" is a join. */
static int mq_room_create(struct lg_conn *c, int room)
{
    return mq_room_join(c, room);
}

static int mq_room_lookup(struct lg_conn *c)
{
    (void)c;
    return 0;
}

static int mq_send(struct lg_conn *c, int room, const char *body, size_t len, uint64_t msg_seq)
{
    struct mq_conn *m = state(c);
    if (!m || room < 0 || room >= mq_nrooms || len > 60000)
        return -1;
    unsigned char *b = malloc(len + 256);
    if (!b)
        return -1;
    char t[200];
    int tl = topic(t, sizeof t, room);
    size_t n = put_str(b, t, (size_t)tl);
    unsigned pid = (unsigned)(msg_seq % MQ_RING) + 1;
    b[n++] = (unsigned char)(pid >> 8);
    b[n++] = (unsigned char)pid;
    memcpy(b + n, body, len);
    n += len;
    m->sent_ns[pid - 1] = lg_now_ns();
    c->inflight++;
    int rc = packet(c, 0x32, b, n); /* PUBLISH, QoS 1 */
    free(b);
    return rc;
}

static int room_of_topic(const unsigned char *t, size_t n)
{
    size_t pl = strlen(lg->room_prefix);
    if (n <= pl + 1 || memcmp(t, lg->room_prefix, pl) != 0 || t[pl] != '/')
        return -1;
    int r = 0;
    for (size_t i = pl + 1; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return -1;
        r = r * 10 + (t[i] - '0');
    }
    return r < mq_nrooms ? r : -1;
}

static void mq_packet(struct lg_conn *c, unsigned char type, const unsigned char *p, size_t n)
{
    switch (type >> 4) {
    case 2: /* CONNACK */
        if (n >= 2 && p[1] == 0) {
            lg_ev_ready(c, 0);
        } else {
            char why[64];
            snprintf(why, sizeof why, "CONNACK return code %d", n >= 2 ? p[1] : -1);
            snprintf(lg->last_error, sizeof lg->last_error, "conn %d: %s", c->idx, why);
            lg_conn_close(c, 1000);
        }
        break;
    case 3: { /* PUBLISH from the broker */
        if (n < 2)
            return;
        size_t tl = (size_t)p[0] << 8 | p[1];
        size_t off = 2 + tl + (((type >> 1) & 3) ? 2 : 0);
        if (off > n)
            return;
        int room = room_of_topic(p + 2, tl);
        char body[160];
        size_t bl = n - off < sizeof body - 1 ? n - off : sizeof body - 1;
        memcpy(body, p + off, bl);
        body[bl] = 0;
        if (bl >= 3 && !memcmp(body, "wl|", 3))
            lg_ev_delivery(c, room, body, bl);
        if (((type >> 1) & 3) == 1) { /* QoS 1 delivery: PUBACK it */
            unsigned char a[2] = { p[2 + tl], p[3 + tl] };
            packet(c, 0x40, a, 2);
        }
        break;
    }
    case 4: { /* PUBACK */
        struct mq_conn *m = state(c);
        if (n < 2 || !m)
            return;
        unsigned pid = (unsigned)p[0] << 8 | p[1];
        uint64_t ns = pid >= 1 && pid <= MQ_RING ? m->sent_ns[pid - 1] : 0;
        if (c->inflight > 0)
            c->inflight--;
        lg_ev_ack(c, ns, 0);
        break;
    }
    case 9: /* SUBACK */
        if (c->pending > 0)
            c->pending--;
        lg_ev_setup_done(c, n >= 3 && p[2] != 0x80, "SUBACK refused the subscription");
        break;
    case 13: /* PINGRESP */
        break;
    default:
        if (lg->verbose > 1)
            fprintf(stderr, "weft-load: conn %d: unhandled MQTT packet type %d\n", c->idx,
                    type >> 4);
    }
}

/* WebSocket messages carry a byte stream of MQTT packets. */
static void mq_data(struct lg_conn *c, char *data, size_t len)
{
    struct mq_conn *m = state(c);
    if (!m)
        return;
    const unsigned char *p;
    size_t n;
    if (m->len) {
        if (m->len + len > m->cap) {
            size_t cap = (m->len + len) * 2;
            unsigned char *nb = realloc(m->buf, cap);
            if (!nb)
                return;
            m->buf = nb;
            m->cap = cap;
        }
        memcpy(m->buf + m->len, data, len);
        m->len += len;
        p = m->buf;
        n = m->len;
    } else {
        p = (const unsigned char *)data;
        n = len;
    }
    size_t off = 0;
    while (n - off >= 2 && c->state == LG_OPEN) {
        size_t rl = 0, mul = 1, i = 1;
        int complete = 0;
        for (; i < 5 && off + i < n; i++) {
            rl += (p[off + i] & 0x7f) * mul;
            mul *= 128;
            if (!(p[off + i] & 0x80)) {
                complete = 1;
                i++;
                break;
            }
        }
        if (!complete || n - off < i + rl)
            break;
        mq_packet(c, p[off], p + off + i, rl);
        off += i + rl;
    }
    size_t rest = n - off;
    if (rest && p != m->buf) {
        if (rest > m->cap) {
            unsigned char *nb = realloc(m->buf, rest);
            if (!nb)
                return;
            m->buf = nb;
            m->cap = rest;
        }
        memcpy(m->buf, p + off, rest);
    } else if (rest) {
        memmove(m->buf, m->buf + off, rest);
    }
    m->len = rest;
}

static void mq_bounds(int room, int64_t *lo, int64_t *hi)
{
    (void)room;
    *lo = *hi = 0;
}

const struct lg_proto lg_proto_mqtt = {
    .name = "mqtt",
    .ws_path = "/mqtt",
    .subprotocol = "mqtt",
    .per_conn_join = 1,
    .rooms_init = mq_rooms_init,
    .handshake_headers = NULL,
    .on_open = mq_open,
    .on_text = mq_data,
    .room_create = mq_room_create,
    .room_join = mq_room_join,
    .room_lookup = mq_room_lookup,
    .send = mq_send,
    .history = NULL,
    .room_bounds = mq_bounds,
    .conn_free = mq_conn_free,
};
