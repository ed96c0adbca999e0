#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "jwt.h"

/* No claim set we issue comes near this; anything longer is not ours. */
#define JWT_MAX_LEN	2048
#define SIG_LEN		32	/* HMAC-SHA256 */
#define SIG_B64_LEN	43

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 |
		    in[i + 2];

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int
b64url_value(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64url, c)) == NULL)
		return -1;
	return (int)(p - b64url);
}

long
b64url_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	size_t o = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (long)o;
}

/* base64url(HMAC-SHA256(key, data[0..n))) into out[SIG_B64_LEN + 1]. */
static int
sign(const unsigned char *key, const char *data, size_t n, char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;

	if (HMAC(EVP_sha256(), key, JWT_KEY_LEN, (const unsigned char *)data,
	    n, mac, &maclen) == NULL || maclen != SIG_LEN)
		return -1;
	b64url_encode(mac, maclen, out);
	return 0;
}

static char *
b64url_json(cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j), *out;
	size_t n;

	if (text == NULL)
		return NULL;
	n = strlen(text);
	out = malloc((n * 4 + 2) / 3 + 1);
	if (out != NULL)
		b64url_encode((unsigned char *)text, n, out);
	cJSON_free(text);
	return out;
}

/*
 * The token rides on every request, an idle long-poll's included, so it
 * carries only what the server reads back: who (sub), until when (exp),
 * and a jti that keeps two tokens issued in the same second apart.  The
 * role is loaded from the database on each request, so a claim could
 * only be stale; typ and iat say nothing the server needs.
 */
char *
jwt_issue(const unsigned char key[JWT_KEY_LEN], int64_t sub, int64_t now,
    int64_t ttl)
{
	static const char header[] = "eyJhbGciOiJIUzI1NiJ9";
	unsigned char rnd[12];
	char jti[32], subs[24], sig[SIG_B64_LEN + 1], *payload, *tok = NULL;
	cJSON *claims;
	size_t n;

	/* header is base64url of {"alg":"HS256"} */
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return NULL;
	b64url_encode(rnd, sizeof rnd, jti);
	snprintf(subs, sizeof subs, "%lld", (long long)sub);
	claims = cJSON_CreateObject();
	cJSON_AddStringToObject(claims, "sub", subs);
	cJSON_AddNumberToObject(claims, "exp", (double)(now + ttl));
	cJSON_AddStringToObject(claims, "jti", jti);
	payload = b64url_json(claims);
	cJSON_Delete(claims);
	if (payload == NULL)
		return NULL;
	n = strlen(header) + 1 + strlen(payload);
	tok = malloc(n + 1 + SIG_B64_LEN + 1);
	if (tok != NULL) {
		snprintf(tok, n + 1, "%s.%s", header, payload);
		if (sign(key, tok, n, sig) != 0) {
			free(tok);
			tok = NULL;
		} else
			snprintf(tok + n, SIG_B64_LEN + 2, ".%s", sig);
	}
	free(payload);
	return tok;
}

/* The JSON object in base64url s[0..n), or NULL. */
static cJSON *
decode_part(const char *s, size_t n)
{
	unsigned char buf[JWT_MAX_LEN];
	long len = b64url_decode(s, n, buf, sizeof buf - 1);
	cJSON *j;

	if (len < 0)
		return NULL;
	buf[len] = '\0';
	if (strlen((char *)buf) != (size_t)len)
		return NULL;
	j = cJSON_Parse((char *)buf);
	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static int
parse_sub(const cJSON *v, int64_t *sub)
{
	char *end;
	long long id;

	if (!cJSON_IsString(v) || v->valuestring[0] < '1' ||
	    v->valuestring[0] > '9')
		return -1;
	id = strtoll(v->valuestring, &end, 10);
	if (*end != '\0' || id <= 0)
		return -1;
	*sub = id;
	return 0;
}

enum jwt_status
jwt_verify(const unsigned char key[JWT_KEY_LEN], const char *token,
    int64_t now, int64_t *sub)
{
	const char *d1, *d2;
	char sig[SIG_B64_LEN + 1];
	cJSON *head, *claims;
	const cJSON *alg, *exp;
	enum jwt_status rc = JWT_INVALID;
	size_t len = strnlen(token, JWT_MAX_LEN + 1);

	if (len > JWT_MAX_LEN || (d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return JWT_INVALID;

	/* The alg comes from the attacker; only the one we issue is taken,
	 * so "none" and algorithm confusion are refused outright. */
	head = decode_part(token, (size_t)(d1 - token));
	alg = cJSON_GetObjectItemCaseSensitive(head, "alg");
	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0) {
		cJSON_Delete(head);
		return JWT_INVALID;
	}
	cJSON_Delete(head);

	/* Comparing the canonical encodings also refuses a signature that
	 * differs only in the unused bits of its last character. */
	if (strlen(d2 + 1) != SIG_B64_LEN ||
	    sign(key, token, (size_t)(d2 - token), sig) != 0 ||
	    CRYPTO_memcmp(sig, d2 + 1, SIG_B64_LEN) != 0)
		return JWT_INVALID;

	claims = decode_part(d1 + 1, (size_t)(d2 - d1 - 1));
	exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	if (claims != NULL && cJSON_IsNumber(exp) && parse_sub(
	    cJSON_GetObjectItemCaseSensitive(claims, "sub"), sub) == 0)
		rc = exp->valuedouble > (double)now ? JWT_OK : JWT_EXPIRED;
	cJSON_Delete(claims);
	return rc;
}
