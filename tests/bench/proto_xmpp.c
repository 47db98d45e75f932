/* weft-load: XMPP over WebSocket (RFC 7395, subprotocol "xmpp"), for
 * comparing weftd with ejabberd on the same workloads.
 *
 * Each connection signs in with SASL PLAIN as "<prefix><account>" (password
 * --password), binds a resource and joins its room, a MUC room
 * "<room_prefix>-<index>@conference.<domain>", with nick "c<conn>". A send is
 * a groupchat message whose id carries the send time; the MUC's reflection of
 * it to the sender is the "ack" (MUC stores nothing durably before that).
 * Every occupant's copy is a delivery. History is a XEP-0313 (MAM) query for
 * the latest page: RSM cursors are opaque archive ids, so W5 pages the newest
 * messages rather than random offsets.
 *
 * Stanzas are recognised by string search, not parsed: RFC 7395 puts exactly
 * one stanza in each WebSocket message, and the generator must stay cheap. */
#define _GNU_SOURCE
#include "lg.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

enum { XS_OPEN1, XS_AUTH, XS_OPEN2, XS_BIND, XS_READY };

struct xm_conn {
    int st;
};

static int xm_nrooms;

static int xm_rooms_init(int n)
{
    xm_nrooms = n > 0 ? n : 0;
    return 0;
}

static struct xm_conn *state(struct lg_conn *c)
{
    if (!c->pstate)
        c->pstate = calloc(1, sizeof(struct xm_conn));
    return c->pstate;
}

static void xm_conn_free(struct lg_conn *c)
{
    free(c->pstate);
    c->pstate = NULL;
}

static int sendf(struct lg_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int sendf(struct lg_conn *c, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return lg_ws_send_text(c, buf, (size_t)n);
}

static void stream_open(struct lg_conn *c)
{
    sendf(c, "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"%s\" version=\"1.0\"/>",
          lg->xmpp_domain);
}

static void xm_open(struct lg_conn *c)
{
    struct xm_conn *x = state(c);
    if (!x)
        return;
    x->st = XS_OPEN1;
    stream_open(c);
}

/* Copies attribute name's value from the first tag of s. */
static int attr(const char *s, const char *name, char *out, size_t cap)
{
    const char *end = strchr(s, '>');
    char pat[40];
    for (int q = 0; q < 2; q++) {
        snprintf(pat, sizeof pat, " %s=%c", name, q ? '\'' : '"');
        const char *p = strstr(s, pat);
        if (p && (!end || p < end)) {
            p += strlen(pat);
            const char *e = strchr(p, q ? '\'' : '"');
            if (!e)
                return -1;
            snprintf(out, cap, "%.*s", (int)(e - p), p);
            return 0;
        }
    }
    return -1;
}

static void room_jid(char *out, size_t cap, int room)
{
    snprintf(out, cap, "%s-%d@conference.%s", lg->room_prefix, room, lg->xmpp_domain);
}

static void xm_text(struct lg_conn *c, char *d, size_t len)
{
    struct xm_conn *x = state(c);
    (void)len;
    if (!x)
        return;
    if (x->st != XS_READY) {
        if (x->st == XS_OPEN1 && strstr(d, "<mechanism>PLAIN</mechanism>")) {
            char raw[512], b64[720];
            int rl = snprintf(raw, sizeof raw, "%c%s%d%c%s", 0, lg->xmpp_user_prefix, c->account, 0,
                              lg->password);
            EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)raw, rl);
            sendf(c, "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"PLAIN\">%s</auth>",
                  b64);
            x->st = XS_AUTH;
        } else if (x->st == XS_AUTH && !strncmp(d, "<success", 8)) {
            x->st = XS_OPEN2;
            stream_open(c);
        } else if (x->st == XS_AUTH && !strncmp(d, "<failure", 8)) {
            snprintf(lg->last_error, sizeof lg->last_error, "conn %d: SASL failure for %s%d: %.120s",
                     c->idx, lg->xmpp_user_prefix, c->account, d);
            lg_conn_close(c, 1000);
        } else if (x->st == XS_OPEN2 && strstr(d, "urn:ietf:params:xml:ns:xmpp-bind")) {
            sendf(c, "<iq xmlns=\"jabber:client\" type=\"set\" id=\"bind\"><bind "
                     "xmlns=\"urn:ietf:params:xml:ns:xmpp-bind\"><resource>wl-%s-%d</resource>"
                     "</bind></iq>",
                  lg->run_id, c->idx);
            x->st = XS_BIND;
        } else if (x->st == XS_BIND && !strncmp(d, "<iq", 3) && strstr(d, "result")) {
            x->st = XS_READY;
            lg_ev_ready(c, 0);
        } else if (strstr(d, "<close") || strstr(d, "stream:error")) {
            snprintf(lg->last_error, sizeof lg->last_error, "conn %d: %.160s", c->idx, d);
            lg_conn_close(c, 1000);
        }
        return;
    }

    char id[64] = "";
    if (!strncmp(d, "<message", 8) && (strstr(d, "type='error'") || strstr(d, "type=\"error\""))) {
        if (attr(d, "id", id, sizeof id) == 0 && id[0] == 's') {
            if (c->inflight > 0)
                c->inflight--;
            const char *cond = strstr(d, "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'");
            const char *lt = cond ? cond : d;
            while (lt > d && *lt != '<')
                lt--;
            char code[64];
            snprintf(code, sizeof code, "%.*s", (int)strcspn(lt + 1, " />"), lt + 1);
            lg_ev_error(c, strtoull(id + 1, NULL, 10), 1, code, "message refused", 0);
        }
        return;
    }
    if (!strncmp(d, "<message", 8)) {
        /* an archived copy forwarded in a history page, not a delivery
         * (live messages carry <archived xmlns='urn:xmpp:mam:tmp'> instead) */
        if (strstr(d, "<result ") && strstr(d, "<forwarded"))
            return;
        const char *b = strstr(d, "<body>wl|");
        if (!b)
            return;
        b += 6;
        const char *e = strstr(b, "</body>");
        if (!e)
            return;
        lg_ev_delivery(c, c->room, b, (size_t)(e - b));
        char from[256], nick[32];
        snprintf(nick, sizeof nick, "/c%d", c->idx);
        if (attr(d, "from", from, sizeof from) == 0 && attr(d, "id", id, sizeof id) == 0 &&
            id[0] == 's') {
            size_t fl = strlen(from), nl = strlen(nick);
            if (fl > nl && !strcmp(from + fl - nl, nick)) {
                if (c->inflight > 0)
                    c->inflight--;
                lg_ev_ack(c, strtoull(id + 1, NULL, 10), 0);
            }
        }
    } else if (!strncmp(d, "<presence", 9)) {
        if (strstr(d, "type='error'") || strstr(d, "type=\"error\"")) {
            if (c->pending > 0) {
                c->pending--;
                lg_ev_setup_done(c, 0, d);
            }
        } else if (strstr(d, "code='110'") || strstr(d, "code=\"110\"")) {
            if (strstr(d, "code='201'") || strstr(d, "code=\"201\"")) {
                /* we created the room: accept the default configuration */
                char rj[256];
                room_jid(rj, sizeof rj, c->room);
                sendf(c, "<iq xmlns=\"jabber:client\" type=\"set\" id=\"cfg\" to=\"%s\"><query "
                         "xmlns=\"http://jabber.org/protocol/muc#owner\"><x xmlns=\"jabber:x:data\" "
                         "type=\"submit\"/></query></iq>",
                      rj);
                return; /* the join completes with the iq result */
            }
            if (c->pending > 0) {
                c->pending--;
                lg_ev_setup_done(c, 1, NULL);
            }
        }
    } else if (!strncmp(d, "<iq", 3)) {
        if (attr(d, "id", id, sizeof id) < 0)
            return;
        int err = strstr(d, "type='error'") || strstr(d, "type=\"error\"");
        if (!strcmp(id, "cfg")) {
            if (c->pending > 0)
                c->pending--;
            lg_ev_setup_done(c, !err, d);
        } else if (id[0] == 'h') {
            if (c->inflight > 0)
                c->inflight--;
            if (err)
                lg_ev_error(c, strtoull(id + 1, NULL, 10), 0, "error", d, 0);
            else
                lg_ev_history(c, strtoull(id + 1, NULL, 10), 0);
        } else if (!strncmp(d, "<iq", 3) && strstr(d, "type='get'") && strstr(d, "urn:xmpp:ping")) {
            char from[256];
            if (attr(d, "from", from, sizeof from) == 0)
                sendf(c, "<iq xmlns=\"jabber:client\" type=\"result\" id=\"%s\" to=\"%s\"/>", id, from);
        }
    }
}

static int xm_room_join(struct lg_conn *c, int room)
{
    if (room < 0 || room >= xm_nrooms)
        return -1;
    char rj[256];
    room_jid(rj, sizeof rj, room);
    c->pending++;
    return sendf(c, "<presence xmlns=\"jabber:client\" to=\"%s/c%d\"><x "
                    "xmlns=\"http://jabber.org/protocol/muc\"><history maxstanzas=\"0\"/></x>"
                    "</presence>",
                 rj, c->idx);
}

static int xm_room_create(struct lg_conn *c, int room)
{
    return xm_room_join(c, room);
}

static int xm_room_lookup(struct lg_conn *c)
{
    (void)c;
    return 0;
}

static int xm_send(struct lg_conn *c, int room, const char *body, size_t len, uint64_t msg_seq)
{
    (void)msg_seq;
    if (room < 0 || room >= xm_nrooms || len > 6000)
        return -1;
    char rj[256];
    room_jid(rj, sizeof rj, room);
    c->inflight++;
    return sendf(c, "<message xmlns=\"jabber:client\" to=\"%s\" type=\"groupchat\" id=\"s%" PRIu64
                    "\"><body>%.*s</body></message>",
                 rj, lg_now_ns(), (int)len, body);
}

static int xm_history(struct lg_conn *c, int room, int64_t before, int limit)
{
    (void)before;
    if (room < 0 || room >= xm_nrooms)
        return -1;
    char rj[256];
    room_jid(rj, sizeof rj, room);
    c->inflight++;
    return sendf(c, "<iq xmlns=\"jabber:client\" type=\"set\" id=\"h%" PRIu64 "\" to=\"%s\"><query "
                    "xmlns=\"urn:xmpp:mam:2\"><set xmlns=\"http://jabber.org/protocol/rsm\"><max>%d"
                    "</max><before/></set></query></iq>",
                 lg_now_ns(), rj, limit);
}

static void xm_bounds(int room, int64_t *lo, int64_t *hi)
{
    (void)room;
    *lo = *hi = 0;
}

const struct lg_proto lg_proto_xmpp = {
    .name = "xmpp",
    .ws_path = "/ws",
    .subprotocol = "xmpp",
    .per_conn_join = 1,
    .rooms_init = xm_rooms_init,
    .handshake_headers = NULL,
    .on_open = xm_open,
    .on_text = xm_text,
    .room_create = xm_room_create,
    .room_join = xm_room_join,
    .room_lookup = xm_room_lookup,
    .send = xm_send,
    .history = xm_history,
    .room_bounds = xm_bounds,
    .conn_free = xm_conn_free,
};
