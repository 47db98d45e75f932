/* Password hashing (libargon2), tokens and the self-signed certificate (OpenSSL). */
#include "weft/auth.h"

#include <argon2.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SALT_LEN 16
#define HASH_LEN 32

int weft_auth_hash_password(const char *password, int iterations, int memory_kib,
			    char out[WEFT_HASH_ENCODED_MAX])
{
	size_t len = strlen(password);
	if (!len || len > WEFT_PASSWORD_MAX)
		return WEFT_EINVAL;
	unsigned char salt[SALT_LEN];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return WEFT_EIO;
	char encoded[WEFT_HASH_ENCODED_MAX];
	int rc = argon2id_hash_encoded((uint32_t)iterations, (uint32_t)memory_kib, 1,
				       password, len, salt, sizeof salt, HASH_LEN,
				       encoded, sizeof encoded);
	if (rc != ARGON2_OK)
		return WEFT_EIO;
	memcpy(out, encoded, sizeof encoded);
	return WEFT_OK;
}

int weft_auth_verify_password(const char *encoded, const char *password)
{
	size_t len = strlen(password);
	if (!encoded || !*encoded || len > WEFT_PASSWORD_MAX)
		return WEFT_EAUTH;
	return argon2id_verify(encoded, password, len) == ARGON2_OK ? WEFT_OK : WEFT_EAUTH;
}

int weft_auth_new_token(char out[WEFT_TOKEN_LEN + 1])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33];
	if (RAND_bytes(raw, 32) != 1)
		return WEFT_EIO;
	raw[32] = 0;
	/* 32 bytes = 256 bits -> 43 base64url characters (the last carries 4 bits). */
	int o = 0;
	for (int i = 0; i < 33 && o < WEFT_TOKEN_LEN; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)(i + 1 < 33 ? raw[i + 1] : 0) << 8 |
			     (uint32_t)(i + 2 < 33 ? raw[i + 2] : 0);
		for (int k = 3; k >= 0 && o < WEFT_TOKEN_LEN; k--)
			out[o++] = alphabet[(v >> (6 * k)) & 63];
	}
	out[WEFT_TOKEN_LEN] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	return WEFT_OK;
}

void weft_auth_token_hash(const char *token, size_t len, unsigned char out[32])
{
	unsigned int n = 32;
	EVP_Digest(token, len, out, &n, EVP_sha256(), NULL);
}

static int write_key(const char *path, EVP_PKEY *pkey)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return WEFT_EIO;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return WEFT_EIO;
	}
	int ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	return (fclose(f) == 0 && ok) ? WEFT_OK : WEFT_EIO;
}

static int write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "wx");
	if (!f)
		return WEFT_EIO;
	int ok = PEM_write_X509(f, x);
	return (fclose(f) == 0 && ok) ? WEFT_OK : WEFT_EIO;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	int ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

int weft_auth_ensure_cert(const char *cert_path, const char *key_path)
{
	struct stat st;
	bool have_cert = stat(cert_path, &st) == 0, have_key = stat(key_path, &st) == 0;
	if (have_cert && have_key)
		return WEFT_OK;
	if (have_cert != have_key) {
		weft_err("tls.pair_incomplete cert=%s key=%s hint=%s", cert_path, key_path,
			 "only one exists: remove it or supply both");
		return WEFT_EIO;
	}
	int rc = WEFT_EIO;
	X509 *x = NULL;
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	if (!pkey)
		goto out;
	x = X509_new();
	if (!x)
		goto out;
	unsigned char serial[16];
	if (RAND_bytes(serial, sizeof serial) != 1)
		goto out;
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	if (!bn)
		goto out;
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 825L * 24 * 3600);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"Weft (self-signed)", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, pkey);
	if (!add_ext(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(x, NID_ext_key_usage, "serverAuth"))
		goto out;
	if (!X509_sign(x, pkey, EVP_sha256()))
		goto out;
	if (write_key(key_path, pkey))
		goto out;
	if (write_cert(cert_path, x)) {
		unlink(key_path);
		goto out;
	}
	weft_info("tls.self_signed_created cert=%s", cert_path);
	rc = WEFT_OK;
out:
	if (rc)
		weft_err("tls.self_signed_failed cert=%s", cert_path);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return rc;
}
