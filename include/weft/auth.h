/* Credentials: argon2id password hashes, session tokens, TLS certificate
 * bootstrap. Pure functions of their inputs plus the system RNG; any thread.
 * Password hashing is slow by design: never call it on the service thread. */
#ifndef WEFT_AUTH_H
#define WEFT_AUTH_H

#include "weft/common.h"

#define WEFT_TOKEN_LEN 43      /* base64url of 32 random bytes */
#define WEFT_HASH_ENCODED_MAX 160
#define WEFT_PASSWORD_MAX 1024  /* bytes */

/* Hashes password with argon2id into out (NUL-terminated encoded form).
 * Returns 0, WEFT_EINVAL (empty or over WEFT_PASSWORD_MAX) or WEFT_EIO. */
int weft_auth_hash_password(const char *password, int iterations, int memory_kib,
			    char out[WEFT_HASH_ENCODED_MAX]);

/* Returns 0 when password matches the encoded hash, WEFT_EAUTH otherwise. */
int weft_auth_verify_password(const char *encoded, const char *password);

/* Writes a fresh 256-bit random token (base64url, NUL-terminated). */
int weft_auth_new_token(char out[WEFT_TOKEN_LEN + 1]);

/* SHA-256 of the token text: the only form in which tokens are stored. */
void weft_auth_token_hash(const char *token, size_t len, unsigned char out[32]);

/* Ensures a certificate and key exist at the paths; when both are missing,
 * generates an ECDSA P-256 self-signed certificate for localhost and
 * 127.0.0.1 (key written 0600). Returns 0 or WEFT_EIO with a reason logged. */
int weft_auth_ensure_cert(const char *cert_path, const char *key_path);

#endif
