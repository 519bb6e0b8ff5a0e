/*
 * ciphers.c: judge a cipher string by doing what qmail-tls does with it
 * (see ciphers.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include "base/text.h"
#include "check/ciphers.h"
#include "check/sslctx.h"
#include "check/tlstext.h"

size_t
ciphers_from_control(const char *data, size_t len, char *out, size_t size)
{
	struct tlstext_lines it = { data, len, 0, 0 };
	size_t i, n, used = 0, need = 0;
	const char *line;

	if (size > 0)
		out[0] = '\0';
	while (tlstext_next_line(&it, &line, &n)) {
		/* qmail joins the lines with NUL, then turns every NUL but
		 * the last into ':' (a NUL inside a line too). */
		if (need > 0)
			need++;
		if (need > 0 && used + 1 < size)
			out[used++] = ':';
		for (i = 0; i < n; i++) {
			need++;
			if (used + 1 < size)
				out[used++] = line[i] == '\0' ? ':' : line[i];
		}
	}
	if (size > 0)
		out[used] = '\0';
	return need;
}

/* Bits of security of the certificate's key, as OpenSSL's security
 * levels count them (ssl/t1_lib.c, SP 800-57). */
static int
key_security_bits(const struct ciphers_key *k)
{
	if (strcmp(k->type, "EC") == 0 || strcmp(k->type, "SM2") == 0)
		return k->bits / 2;
	if (strcmp(k->type, "ED25519") == 0)
		return 128;
	if (strcmp(k->type, "ED448") == 0)
		return 224;
	if (k->bits >= 15360)
		return 256;
	if (k->bits >= 7680)
		return 192;
	if (k->bits >= 3072)
		return 128;
	if (k->bits >= 2048)
		return 112;
	return k->bits >= 1024 ? 80 : 0;
}

/* The TLS 1.2 authentication a server with this key can do. */
static int
key_auth_nid(const struct ciphers_key *k)
{
	if (strcmp(k->type, "RSA") == 0 || strcmp(k->type, "RSA-PSS") == 0)
		return NID_auth_rsa;
	if (strcmp(k->type, "DSA") == 0)
		return NID_auth_dss;
	return NID_auth_ecdsa;	/* EC, ED25519, ED448 */
}

/* NULL, aNULL, EXPORT, RC4, DES, MD5, or NULL when not weak. */
static const char *
weak_kind(const SSL_CIPHER *c)
{
	const char *name = SSL_CIPHER_get_name(c);
	int cipher = SSL_CIPHER_get_cipher_nid(c);

	if (strncmp(name, "EXP", 3) == 0 || strstr(name, "-EXP") != NULL)
		return "EXPORT";
	if (cipher == NID_undef)
		return "NULL";
	if (SSL_CIPHER_get_auth_nid(c) == NID_auth_null)
		return "aNULL";
	if (cipher == NID_rc4 || cipher == NID_rc4_40)
		return "RC4";
	if (cipher == NID_des_cbc || cipher == NID_des_ede3_cbc ||
	    cipher == NID_des_ede_cbc)
		return "DES";
	if (SSL_CIPHER_get_digest_nid(c) == NID_md5)
		return "MD5";
	return NULL;
}

/* Count what is in effect; weak suites named in v->weak. */
static void
count(STACK_OF(SSL_CIPHER) *sk, const struct ciphers_key *key,
    struct ciphers_verdict *v, int *usable12)
{
	const SSL_CIPHER *c;
	const char *kind;
	char one[128];
	int i, auth, want = key ? key_auth_nid(key) : NID_undef;

	*usable12 = 0;
	for (i = 0; sk != NULL && i < sk_SSL_CIPHER_num(sk); i++) {
		c = sk_SSL_CIPHER_value(sk, i);
		auth = SSL_CIPHER_get_auth_nid(c);
		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
			v->tls13++;
		else {
			v->tls12++;
			if (want != NID_undef ? auth == want :
			    auth == NID_auth_rsa || auth == NID_auth_ecdsa ||
			    auth == NID_auth_dss)
				(*usable12)++;
		}
		if ((kind = weak_kind(c)) != NULL) {
			snprintf(one, sizeof(one), "%s (%s)",
			    SSL_CIPHER_get_name(c), kind);
			text_append(v->weak, sizeof(v->weak), "%s%s",
			    v->weak[0] ? ", " : "", one);
		}
	}
}

static void
verdict(enum ciphers_side side, const struct ciphers_key *key, int level,
    int usable12, struct ciphers_verdict *v)
{
	static const int level_bits[] = { 0, 80, 112, 128, 192, 256 };
	int need = level_bits[level < 0 ? 0 : level > 5 ? 5 : level];
	char with[96] = "";

	if (key != NULL && usable12 != v->tls12)
		snprintf(with, sizeof(with), " (%d usable with servercert.pem's "
		    "%s key)", usable12, key->type);
	if (key != NULL && key_security_bits(key) < need) {
		v->status = CHECK_CRITICAL;
		snprintf(v->text, sizeof(v->text), "security level %d is in "
		    "effect, which needs %d-bit keys, and servercert.pem's %s "
		    "%d-bit key gives %d: every handshake fails", level, need,
		    key->type, key->bits, key_security_bits(key));
	} else if (usable12 + v->tls13 == 0) {
		v->status = CHECK_CRITICAL;
		snprintf(v->text, sizeof(v->text), "nothing usable is left "
		    "(%d TLS 1.2 ciphers%s, no TLS 1.3 suite): %s", v->tls12,
		    with, side == CIPHERS_SERVER ? "every STARTTLS handshake "
		    "fails" : "every TLS handshake fails, so mail to each "
		    "server that offers STARTTLS is deferred (TLS connect "
		    "failed)");
	} else if (usable12 == 0) {
		v->status = CHECK_WARNING;
		snprintf(v->text, sizeof(v->text), "no TLS 1.2 cipher is left "
		    "(%d in the list%s), only %d TLS 1.3 suite%s: %s", v->tls12,
		    with, v->tls13, v->tls13 == 1 ? "" : "s",
		    side == CIPHERS_SERVER ? "clients without TLS 1.3 cannot "
		    "start TLS and send in plain text" : "mail to servers "
		    "without TLS 1.3 is deferred (TLS connect failed)");
	} else {
		v->status = CHECK_OK;
		snprintf(v->text, sizeof(v->text), "in effect: %d TLS 1.2 "
		    "cipher%s%s, %d TLS 1.3 suite%s (security level %d)",
		    v->tls12, v->tls12 == 1 ? "" : "s", with, v->tls13,
		    v->tls13 == 1 ? "" : "s", level);
	}
}

int
ciphers_judge(const char *list, enum ciphers_side side,
    const struct ciphers_key *key, struct ciphers_verdict *v,
    struct err *err)
{
	STACK_OF(SSL_CIPHER) *sk = NULL;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	int usable12 = 0, rc = -1;

	memset(v, 0, sizeof(*v));
	if (list == NULL || list[0] == '\0')
		list = "DEFAULT";
	if (key != NULL && key->type == NULL)
		key = NULL;
	if (side == CIPHERS_CLIENT)
		key = NULL;
	if ((ctx = sslctx_shared()) == NULL || (ssl = SSL_new(ctx)) == NULL) {
		err_set_ssl(err, EX_SOFTWARE, "libssl cannot make an SSL object to "
		    "judge the cipher list");
		goto out;
	}
	if (side == CIPHERS_SERVER)	/* the side qmail-smtpd or -remote is */
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	/* As qmail-tls: both calls, results ignored. */
	(void)SSL_set_cipher_list(ssl, list);
	(void)SSL_set_ciphersuites(ssl, list);
	ERR_clear_error();
	/* NULL when nothing at all is left. */
	sk = SSL_get1_supported_ciphers(ssl);
	ERR_clear_error();
	count(sk, key, v, &usable12);
	verdict(side, key, SSL_get_security_level(ssl), usable12, v);
	if (v->weak[0]) {
		char names[sizeof(v->weak)];
		memcpy(names, v->weak, sizeof(names));
		/* the names were cut to fit: say so */
		if (strlen(names) + 1 >= sizeof(names))
			memcpy(names + sizeof(names) - 5, " ...", 5);
		v->weak_status = CHECK_WARNING;
		snprintf(v->weak, sizeof(v->weak), "weak suites in effect, "
		    "which a client or server that offers them may choose: %s",
		    names);
	} else {
		v->weak_status = CHECK_OK;
		snprintf(v->weak, sizeof(v->weak), "no NULL, aNULL, EXPORT, "
		    "RC4, DES or MD5 suite in effect");
	}
	rc = 0;
out:
	sk_SSL_CIPHER_free(sk);
	SSL_free(ssl);
	return rc;
}
