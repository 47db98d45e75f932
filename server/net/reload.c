/* Reload on SIGHUP (`systemctl reload weft`), on the service thread: the
 * configuration read again (the file and the same command-line flags, which
 * still win) with the options that can change at run time applied, and the
 * TLS certificate and key read again for new connections. Open connections
 * keep the certificate their handshake used: each TLS connection holds its
 * own reference to its certificate. New handshakes get the new pair from a
 * certificate callback on the vhost's context, which first clears what the
 * connection inherited from the context: a context keeps one certificate
 * per key type, so an RSA certificate replacing an ECDSA one would
 * otherwise leave the old ECDSA one to clients that prefer it. A
 * configuration or certificate that does not load changes nothing of its
 * kind and says why. */
#include "weft/server.h"

#include "weft/net.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* ---- The certificate */

struct weft_tls_pair {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
};

static void pair_free(struct weft_tls_pair *p)
{
	if (!p)
		return;
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
	sk_X509_pop_free(p->chain, X509_free);
}

/* OpenSSL's reason for the last failure, or fallback. */
static const char *ossl_why(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	return r ? r : fallback;
}

/* Reads cert (the leaf, then its chain) and key and checks that they
 * belong together and that the certificate is valid now. */
static int pair_read(const char *cert, const char *key, struct weft_tls_pair *p, char *why, size_t cap)
{
	int rc = WEFT_EINVAL;
	BIO *b = NULL;
	ERR_clear_error();
	memset(p, 0, sizeof *p);
	if (!(b = BIO_new_file(cert, "r")) || !(p->cert = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		snprintf(why, cap, "cannot read the certificate %.1000s: %s", cert, ossl_why("no PEM certificate"));
		goto out;
	}
	if (!(p->chain = sk_X509_new_null())) {
		snprintf(why, cap, "out of memory");
		goto out;
	}
	X509 *ca;
	while ((ca = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(p->chain, ca)) {
			X509_free(ca);
			snprintf(why, cap, "out of memory");
			goto out;
		}
	ERR_clear_error(); /* the end of the file ends the chain */
	BIO_free(b);
	if (!(b = BIO_new_file(key, "r")) || !(p->key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL))) {
		snprintf(why, cap, "cannot read the key %.1000s: %s", key, ossl_why("no PEM private key"));
		goto out;
	}
	if (X509_check_private_key(p->cert, p->key) != 1) {
		snprintf(why, cap, "the key %.1000s does not belong to the certificate %.1000s", key, cert);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(p->cert)) <= 0) {
		snprintf(why, cap, "the certificate %.1000s has expired", cert);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(p->cert)) >= 0) {
		snprintf(why, cap, "the certificate %.1000s is not valid yet", cert);
		goto out;
	}
	rc = WEFT_OK;
out:
	BIO_free(b);
	if (rc)
		pair_free(p);
	return rc;
}

/* The certificate's serial in hex and its expiry, for the log. */
static void describe(X509 *x, char serial[80], char not_after[64])
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(serial, 80, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	BIO *m = BIO_new(BIO_s_mem());
	int n = m && ASN1_TIME_print(m, X509_get0_notAfter(x)) ? BIO_read(m, not_after, 63) : 0;
	not_after[n > 0 ? n : 0] = '\0';
	BIO_free(m);
}

void weft_server_cert_paths(const struct weft_server *s, char *cert, char *key, size_t cap)
{
	if (s->cfg->cert[0]) {
		snprintf(cert, cap, "%s", s->cfg->cert);
		snprintf(key, cap, "%s", s->cfg->key);
	} else {
		snprintf(cert, cap, "%s/cert.pem", s->cfg->data);
		snprintf(key, cap, "%s/key.pem", s->cfg->data);
	}
}

void weft_server_log_cert(struct weft_server *s, const char *event)
{
	const struct weft_tls_pair *p = s->tls_pair;
	X509 *x = p ? p->cert : s->ssl_ctx ? SSL_CTX_get0_certificate(s->ssl_ctx) : NULL;
	char serial[80], not_after[64];
	if (!x)
		return;
	describe(x, serial, not_after);
	weft_notice("%s serial=%s not_after=%s", event, serial, not_after);
}

/* OpenSSL, during a handshake on the service thread: this connection gets
 * the pair of the last reload and nothing it inherited from the context. */
static int use_current_pair(SSL *ssl, void *arg)
{
	const struct weft_tls_pair *p = ((struct weft_server *)arg)->tls_pair;
	if (!p)
		return 1;
	SSL_certs_clear(ssl);
	return SSL_use_cert_and_key(ssl, p->cert, p->key, p->chain, 1) == 1;
}

void weft_server_tls_free(struct weft_server *s)
{
	pair_free(s->tls_pair);
	free(s->tls_pair);
	s->tls_pair = NULL;
}

static int reload_cert(struct weft_server *s)
{
	char cert[4096], key[4096], why[4096 + 256];
	struct weft_tls_pair *p = calloc(1, sizeof *p);
	if (!p || !s->ssl_ctx) {
		free(p);
		weft_err("tls.reload_failed error=%s", p ? "the TLS context is not known" : "out of memory");
		return WEFT_EIO;
	}
	weft_server_cert_paths(s, cert, key, sizeof cert);
	if (pair_read(cert, key, p, why, sizeof why)) {
		free(p);
		weft_err("tls.reload_failed error=%s kept=%s", why, "the current certificate");
		return WEFT_EINVAL;
	}
	/* Handshakes in progress took their references already. */
	weft_server_tls_free(s);
	s->tls_pair = p;
	SSL_CTX_set_cert_cb(s->ssl_ctx, use_current_pair, s);
	weft_server_log_cert(s, "tls.reloaded");
	return WEFT_OK;
}

/* ---- The configuration */

static void note(void *arg, const char *name, const char *from, const char *to, bool applied)
{
	if (applied)
		weft_notice("config.changed option=%s from=%s to=%s", name, from, to);
	else
		weft_warn("config.restart_needed option=%s from=%s to=%s", name, from, to);
}

/* The origins again from public_url and allowed_origins; the old ones
 * stay when the new ones do not fit. */
static int rebuild_origins(struct weft_server *s)
{
	char *old[WEFT_ORIGINS_MAX];
	int nold = s->norigins;
	memcpy(old, s->origins, sizeof old);
	s->norigins = 0;
	memset(s->origins, 0, sizeof s->origins);
	int rc = weft_gate_origins(s, s->cfg->port);
	char **drop = rc ? s->origins : old;
	int ndrop = rc ? s->norigins : nold;
	for (int i = 0; i < ndrop; i++)
		free(drop[i]);
	if (rc) {
		memcpy(s->origins, old, sizeof old);
		s->norigins = nold;
	}
	return rc;
}

/* Reads the configuration again into a new one and applies it; the
 * replaced strings stay alive (s->retired) until the server is freed: a
 * job on its way to the writer may borrow default_channels. */
static int reload_config(struct weft_server *s)
{
	struct weft_config *next = calloc(1, sizeof *next);
	struct weft_config **grown = realloc(s->retired, (size_t)(s->nretired + 1) * sizeof *grown);
	const char *pos[4];
	char err[512];
	int npos, rc = WEFT_ENOMEM;
	if (grown)
		s->retired = grown;
	if (!next || !grown) {
		free(next);
		weft_err("config.reload_failed error=out_of_memory");
		return rc;
	}
	weft_config_defaults(next);
	if ((rc = weft_config_parse_args(next, s->argc, s->argv, NULL, pos, 4, &npos, err, sizeof err)) ||
	    (rc = weft_config_check(next, err, sizeof err))) {
		weft_err("config.reload_failed error=%s kept=%s", err, "the running configuration");
		weft_config_free(next);
		free(next);
		return rc;
	}
	/* Port 0 picked one at start: that one stays. */
	if (!next->port)
		next->port = s->cfg->port;
	char url[sizeof s->csp], origins[sizeof s->csp];
	snprintf(url, sizeof url, "%s", s->cfg->public_url);
	snprintf(origins, sizeof origins, "%s", s->cfg->allowed_origins);
	weft_config_reload(s->cfg, next, note, s);
	s->retired[s->nretired++] = next;
	s->limits.max_body = s->cfg->max_body;
	s->limits.max_name = s->cfg->max_name;
	weft_log_configure(s->cfg->log_level, s->cfg->log_format);
	if ((strcmp(url, s->cfg->public_url) || strcmp(origins, s->cfg->allowed_origins)) &&
	    (rc = rebuild_origins(s)))
		weft_err("config.reload_failed option=allowed_origins kept=%s", "the previous origins");
	weft_server_build_headers(s);
	return rc;
}

void weft_server_reload(struct weft_server *s)
{
	weft_notice("reload phase=start");
	int rc = s->argv ? reload_config(s) : WEFT_OK;
	/* A configuration that did not load still leaves the certificate to
	 * renew (from the paths in use). */
	rc = reload_cert(s) ? WEFT_EINVAL : rc;
	if (rc)
		s->stats.reload_failures++;
	else
		s->stats.reloads++;
	weft_notice("reload phase=done result=%s", rc ? "failed" : "ok");
}
