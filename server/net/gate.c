/* The gate, on the service thread: which origins may open a WebSocket or
 * POST, how many connections one address may hold, and the one place where
 * a request's cookie or bearer token becomes a session (for the WebSocket
 * handshake and the HTTP endpoints alike). */
#include "weft/net.h"

#include <stdlib.h>
#include <string.h>

/* ---- Origins */

static int add_origin(struct weft_server *s, const char *o, size_t len)
{
	while (len && (o[len - 1] == '/' || o[len - 1] == ' '))
		len--;
	while (len && *o == ' ') {
		o++;
		len--;
	}
	if (!len)
		return WEFT_OK;
	if (s->norigins == WEFT_ORIGINS_MAX) {
		weft_err("config.invalid option=allowed_origins error=too_many max=%d", WEFT_ORIGINS_MAX);
		return WEFT_EINVAL;
	}
	if (!(s->origins[s->norigins] = strndup(o, len)))
		return WEFT_ENOMEM;
	s->norigins++;
	return WEFT_OK;
}

bool weft_gate_origin_ok(struct weft_server *s, const char *origin)
{
	for (int i = 0; i < s->norigins; i++)
		if (!strcasecmp(s->origins[i], origin))
			return true;
	return false;
}

int weft_gate_origins(struct weft_server *s, int port)
{
	char buf[128];
	int rc;
	snprintf(buf, sizeof buf, "https://localhost:%d", port);
	if ((rc = add_origin(s, buf, strlen(buf))))
		return rc;
	snprintf(buf, sizeof buf, "https://127.0.0.1:%d", port);
	if ((rc = add_origin(s, buf, strlen(buf))))
		return rc;
	if (s->cfg->public_url[0]) {
		/* The origin of the public URL: scheme://host[:port], no path. */
		const char *u = s->cfg->public_url, *host = strstr(u, "://");
		const char *slash = host ? strchr(host + 3, '/') : NULL;
		if ((rc = add_origin(s, u, slash ? (size_t)(slash - u) : strlen(u))))
			return rc;
	}
	const char *p = s->cfg->allowed_origins;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if ((rc = add_origin(s, p, len)))
			return rc;
		p += len + (comma ? 1 : 0);
	}
	return WEFT_OK;
}

/* ---- Connections per address */

#define ADDR_BUCKETS 4096

static struct weft_addr_count **addr_slot(struct weft_server *s, const char *addr)
{
	struct weft_addr_count **pp = &s->addr_tab[weft_hash_str(addr) % s->addr_buckets];
	while (*pp && strcmp((*pp)->addr, addr))
		pp = &(*pp)->next;
	return pp;
}

bool weft_gate_addr_take(struct weft_server *s, const char *addr)
{
	int limit = s->cfg->max_conns_per_addr;
	if (limit <= 0)
		return true;
	if (!s->addr_tab) {
		if (!(s->addr_tab = calloc(ADDR_BUCKETS, sizeof *s->addr_tab)))
			return false;
		s->addr_buckets = ADDR_BUCKETS;
	}
	struct weft_addr_count **pp = addr_slot(s, addr);
	if (!*pp) {
		struct weft_addr_count *a = calloc(1, sizeof *a);
		if (!a)
			return false;
		snprintf(a->addr, sizeof a->addr, "%s", addr);
		*pp = a;
	}
	if ((*pp)->count >= limit)
		return false;
	(*pp)->count++;
	return true;
}

void weft_gate_addr_release(struct weft_server *s, const char *addr)
{
	if (!s->addr_tab)
		return;
	struct weft_addr_count **pp = addr_slot(s, addr);
	if (*pp && --(*pp)->count <= 0) {
		struct weft_addr_count *a = *pp;
		*pp = a->next;
		free(a);
	}
}

void weft_gate_free(struct weft_server *s)
{
	for (size_t i = 0; s->addr_tab && i < s->addr_buckets; i++) {
		struct weft_addr_count *a = s->addr_tab[i];
		while (a) {
			struct weft_addr_count *next = a->next;
			free(a);
			a = next;
		}
	}
	free(s->addr_tab);
	s->addr_tab = NULL;
	for (int i = 0; i < s->norigins; i++)
		free(s->origins[i]);
	s->norigins = 0;
}

/* ---- Token -> session */

static bool cookie_value(const char *header, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *eq = strchr(p, '='), *semi = strchr(p, ';');
		if (!eq || (semi && semi < eq))
			break;
		if ((size_t)(eq - p) == nl && !strncmp(p, name, nl)) {
			const char *v = eq + 1, *e = semi ? semi : v + strlen(v);
			if ((size_t)(e - v) >= cap)
				return false;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return true;
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	return false;
}

/* The session token of a request: the __Host-weft cookie, or (when
 * allow_bearer) an Authorization: Bearer header. */
static int request_token(struct lws *wsi, bool allow_bearer, char *out, size_t cap)
{
	char buf[2048];
	bool found = false;
	if (allow_bearer && lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
		if (!strncasecmp(buf, "Bearer ", 7)) {
			const char *t = buf + 7;
			while (*t == ' ')
				t++;
			if (strlen(t) < cap) {
				strcpy(out, t);
				found = true;
			}
		}
	} else if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) > 0) {
		found = cookie_value(buf, "__Host-weft", out, cap);
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return found && strlen(out) == WEFT_TOKEN_LEN ? WEFT_OK : WEFT_EAUTH;
}

int weft_gate_session(struct weft_server *s, struct lws *wsi, bool allow_bearer, struct weft_session *out)
{
	char token[WEFT_TOKEN_LEN + 8] = "";
	unsigned char hash[32];
	int rc = request_token(wsi, allow_bearer, token, sizeof token);
	if (!rc) {
		weft_auth_token_hash(token, strlen(token), hash);
		rc = weft_store_session_get(s->store, hash, weft_now_ms(), (int64_t)s->cfg->session_idle * 1000,
					    out);
	}
	OPENSSL_cleanse(token, sizeof token);
	return rc;
}
