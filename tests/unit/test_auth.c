/* Unit tests for auth.c: argon2id hashing, tokens, the token hash, and the
 * self-signed certificate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "weft/auth.h"

#define IT 1
#define MEM 1024

static void test_hash_verify(void **state)
{
	(void)state;
	char h1[WEFT_HASH_ENCODED_MAX], h2[WEFT_HASH_ENCODED_MAX];
	assert_int_equal(weft_auth_hash_password("correct horse", IT, MEM, h1), 0);
	assert_true(strlen(h1) < WEFT_HASH_ENCODED_MAX);
	/* argon2id, with the parameters asked for. */
	assert_int_equal(strncmp(h1, "$argon2id$v=19$m=1024,t=1,p=1$", 30), 0);
	assert_int_equal(weft_auth_verify_password(h1, "correct horse"), 0);
	assert_int_equal(weft_auth_verify_password(h1, "correct horsE"), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password(h1, "correct hors"), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password(h1, "correct horse "), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password(h1, ""), WEFT_EAUTH);
	/* A fresh salt each time: same password, different hashes, both verify. */
	assert_int_equal(weft_auth_hash_password("correct horse", IT, MEM, h2), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(weft_auth_verify_password(h2, "correct horse"), 0);
	/* Non-ASCII passwords are bytes like any other. */
	assert_int_equal(weft_auth_hash_password("p\xc3\xa4ss \xf0\x9f\x98\x80", IT, MEM, h1), 0);
	assert_int_equal(weft_auth_verify_password(h1, "p\xc3\xa4ss \xf0\x9f\x98\x80"), 0);
	assert_int_equal(weft_auth_verify_password(h1, "pass \xf0\x9f\x98\x80"), WEFT_EAUTH);
	/* Other parameters are encoded in the hash and honoured on verify. */
	assert_int_equal(weft_auth_hash_password("x", 2, 2048, h1), 0);
	assert_int_equal(strncmp(h1, "$argon2id$v=19$m=2048,t=2,p=1$", 30), 0);
	assert_int_equal(weft_auth_verify_password(h1, "x"), 0);
}

static void test_hash_limits(void **state)
{
	(void)state;
	char out[WEFT_HASH_ENCODED_MAX];
	memset(out, 'Z', sizeof out);
	assert_int_equal(weft_auth_hash_password("", IT, MEM, out), WEFT_EINVAL);
	/* Nothing written on failure. */
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 'Z');

	char *pw = malloc(WEFT_PASSWORD_MAX + 2);
	assert_non_null(pw);
	memset(pw, 'p', WEFT_PASSWORD_MAX + 1);
	pw[WEFT_PASSWORD_MAX + 1] = '\0';
	assert_int_equal(weft_auth_hash_password(pw, IT, MEM, out), WEFT_EINVAL);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(weft_auth_verify_password("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
						   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", pw), WEFT_EAUTH);
	pw[WEFT_PASSWORD_MAX] = '\0'; /* exactly the maximum */
	assert_int_equal(weft_auth_hash_password(pw, IT, MEM, out), 0);
	assert_int_equal(weft_auth_verify_password(out, pw), 0);
	pw[WEFT_PASSWORD_MAX - 1] = 'q';
	assert_int_equal(weft_auth_verify_password(out, pw), WEFT_EAUTH);
	free(pw);
}

static void test_verify_bad_encoded(void **state)
{
	(void)state;
	assert_int_equal(weft_auth_verify_password(NULL, "x"), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password("", "x"), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password("not a hash", "x"), WEFT_EAUTH);
	assert_int_equal(weft_auth_verify_password("$argon2id$v=19$m=1024,t=1,p=1$", "x"), WEFT_EAUTH);
	/* Another argon2 variant is not accepted as argon2id. */
	char h[WEFT_HASH_ENCODED_MAX];
	assert_int_equal(weft_auth_hash_password("x", IT, MEM, h), 0);
	char other[WEFT_HASH_ENCODED_MAX];
	snprintf(other, sizeof other, "$argon2i$%s", h + strlen("$argon2id$"));
	assert_int_equal(weft_auth_verify_password(other, "x"), WEFT_EAUTH);
	/* A tampered hash fails. */
	size_t n = strlen(h);
	h[n - 2] = h[n - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(weft_auth_verify_password(h, "x"), WEFT_EAUTH);
}

static int b64url_index(char c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

static int cmp_tokens(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_tokens(void **state)
{
	(void)state;
	enum { N = 1000 };
	char (*toks)[WEFT_TOKEN_LEN + 1] = calloc(N, sizeof *toks);
	assert_non_null(toks);
	int seen[64] = { 0 };
	for (int i = 0; i < N; i++) {
		memset(toks[i], '#', sizeof toks[i]);
		assert_int_equal(weft_auth_new_token(toks[i]), 0);
		assert_int_equal(strlen(toks[i]), 43);
		assert_int_equal(WEFT_TOKEN_LEN, 43);
		for (int k = 0; k < 43; k++) {
			int v = b64url_index(toks[i][k]);
			if (v < 0)
				fail_msg("token %s has a character outside base64url", toks[i]);
			seen[v]++;
		}
		/* 256 bits in 43 characters: the last carries 4 bits, its two low
		 * bits are padding and must be zero (canonical base64url). */
		assert_int_equal(b64url_index(toks[i][42]) & 3, 0);
	}
	qsort(toks, N, sizeof *toks, cmp_tokens);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(toks[i - 1], toks[i]);
	/* 42,000 full characters: every symbol shows up, and none dominates
	 * (expected ~656 each; a stuck bit would double or zero some). */
	for (int v = 0; v < 64; v++) {
		if (seen[v] < 300 || seen[v] > 1100)
			fail_msg("symbol %d seen %d times in %d tokens", v, seen[v], N);
	}
	free(toks);
}

/* The token decodes back to 32 bytes that are not a fixed pattern: the
 * first and last bytes vary across tokens. */
static void test_token_bits(void **state)
{
	(void)state;
	int first_hi = 0, last_lo = 0;
	for (int i = 0; i < 200; i++) {
		char t[WEFT_TOKEN_LEN + 1];
		assert_int_equal(weft_auth_new_token(t), 0);
		first_hi |= 1 << (b64url_index(t[0]) >> 4);     /* top bits of byte 0 */
		last_lo |= 1 << (b64url_index(t[42]) >> 2);     /* low 4 bits of byte 31 */
	}
	assert_int_equal(first_hi, 0xf);
	assert_int_equal(last_lo, 0xffff);
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_token_hash(void **state)
{
	(void)state;
	unsigned char h[32];
	char x[65];
	weft_auth_token_hash("abc", 3, h);
	hex(h, 32, x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	weft_auth_token_hash("", 0, h);
	hex(h, 32, x);
	assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* Only len bytes are hashed. */
	weft_auth_token_hash("abcdef", 3, h);
	hex(h, 32, x);
	assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* FIPS 180-2 two-block vector. */
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	weft_auth_token_hash(m, strlen(m), h);
	hex(h, 32, x);
	assert_string_equal(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* ---- Certificates. */

struct dir {
	char path[64];
	char cert[128];
	char key[128];
};

static int setup_dir(void **state)
{
	struct dir *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	snprintf(d->path, sizeof d->path, "/tmp/weft-auth-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->cert, sizeof d->cert, "%s/cert.pem", d->path);
	snprintf(d->key, sizeof d->key, "%s/key.pem", d->path);
	*state = d;
	return 0;
}

static int teardown_dir(void **state)
{
	struct dir *d = *state;
	unlink(d->cert);
	unlink(d->key);
	rmdir(d->path);
	free(d);
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 16384);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 16383, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_cert_created(void **state)
{
	struct dir *d = *state;
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), 0);
	struct stat st;
	assert_int_equal(stat(d->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(d->cert, &st), 0);
	assert_true(st.st_size > 0);

	FILE *f = fopen(d->cert, "r");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	f = fopen(d->key, "r");
	assert_non_null(f);
	EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(key);

	/* ECDSA P-256. */
	EVP_PKEY *pub = X509_get0_pubkey(x);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_get_base_id(pub), EVP_PKEY_EC);
	char group[64] = "";
	size_t glen = 0;
	assert_int_equal(EVP_PKEY_get_group_name(pub, group, sizeof group, &glen), 1);
	assert_string_equal(group, "prime256v1");
	assert_int_equal(EVP_PKEY_get_bits(pub), 256);
	/* The key belongs to the certificate, which it signed. */
	assert_int_equal(X509_check_private_key(x, key), 1);
	assert_int_equal(X509_verify(x, key), 1);
	/* SAN: localhost and the loopback address. */
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_host(x, "example.org", 0, 0, NULL), 0);
	GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(san);
	bool dns_localhost = false;
	for (int i = 0; i < sk_GENERAL_NAME_num(san); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
		if (g->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
			if (ASN1_STRING_length(g->d.dNSName) == 9 && !memcmp(s, "localhost", 9))
				dns_localhost = true;
		}
	}
	assert_true(dns_localhost);
	GENERAL_NAMES_free(san);
	/* A server certificate, valid now. */
	assert_int_equal(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);
	assert_true(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
	assert_true(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
	/* Browsers refuse leaf certificates valid for more than 825 days. */
	time_t limit = time(NULL) + 826L * 24 * 3600;
	assert_true(X509_cmp_time(X509_get0_notAfter(x), &limit) < 0);
	EVP_PKEY_free(key);
	X509_free(x);
}

static void test_cert_idempotent(void **state)
{
	struct dir *d = *state;
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), 0);
	char *c1 = slurp(d->cert), *k1 = slurp(d->key);
	assert_non_null(c1);
	assert_non_null(k1);
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), 0);
	char *c2 = slurp(d->cert), *k2 = slurp(d->key);
	assert_string_equal(c1, c2);
	assert_string_equal(k1, k2);
	free(c1);
	free(c2);
	free(k1);
	free(k2);
}

static void test_cert_one_missing(void **state)
{
	struct dir *d = *state;
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), 0);
	char *c1 = slurp(d->cert);

	/* Only the certificate: refused, and the certificate is left alone. */
	assert_int_equal(unlink(d->key), 0);
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), WEFT_EIO);
	assert_int_equal(access(d->key, F_OK), -1);
	char *c2 = slurp(d->cert);
	assert_string_equal(c1, c2);
	free(c2);

	/* Only the key: refused too. */
	assert_int_equal(rename(d->cert, d->key), 0);
	assert_int_equal(weft_auth_ensure_cert(d->cert, d->key), WEFT_EIO);
	assert_int_equal(access(d->cert, F_OK), -1);
	free(c1);
}

static void test_cert_unwritable(void **state)
{
	struct dir *d = *state;
	char cert[160], key[160];
	snprintf(cert, sizeof cert, "%s/missing/cert.pem", d->path);
	snprintf(key, sizeof key, "%s/missing/key.pem", d->path);
	assert_int_equal(weft_auth_ensure_cert(cert, key), WEFT_EIO);
	/* Key writable but certificate not: no half pair is left behind. */
	snprintf(cert, sizeof cert, "%s/missing/cert.pem", d->path);
	assert_int_equal(weft_auth_ensure_cert(cert, d->key), WEFT_EIO);
	assert_int_equal(access(d->key, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_hash_limits),
		cmocka_unit_test(test_verify_bad_encoded),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_token_bits),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test_setup_teardown(test_cert_created, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_cert_idempotent, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_cert_one_missing, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_cert_unwritable, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
