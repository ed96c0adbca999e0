/* HS256 JSON Web Tokens (RFC 7519) for access tokens, and the base64url
 * they are framed in.  Only the framing is ours: HMAC-SHA256 and the
 * random jti come from OpenSSL. */
#ifndef MKTD_JWT_H
#define MKTD_JWT_H

#include <stddef.h>
#include <stdint.h>

#define JWT_KEY_LEN	32

enum jwt_status {
	JWT_OK = 0,
	JWT_INVALID = -1,	/* malformed, wrong alg, bad signature */
	JWT_EXPIRED = -2,
};

/* A signed token with claims sub, exp = now + ttl and a random jti.
 * Malloc'd, or NULL. */
char	*jwt_issue(const unsigned char key[JWT_KEY_LEN], int64_t sub,
	    int64_t now, int64_t ttl);

/* Checks the alg, the signature (in constant time) and exp; on JWT_OK
 * *sub is the subject, a positive user id. */
enum jwt_status jwt_verify(const unsigned char key[JWT_KEY_LEN],
	    const char *token, int64_t now, int64_t *sub);

/* Unpadded base64url of in[0..n) into out, NUL-terminated; out needs
 * (n * 4 + 2) / 3 + 1 bytes.  Returns the length. */
size_t	 b64url_encode(const unsigned char *in, size_t n, char *out);

/* Decodes s[0..n) into out (capacity cap); -1 on a bad character,
 * padding or overflow, else the decoded length. */
long	 b64url_decode(const char *s, size_t n, unsigned char *out,
	    size_t cap);

#endif
