/*
 * ciphers.h: what a cipher string in tlsserverciphers, tlsclientciphers
 * or a run script's TLSCIPHERS leaves in effect (issue 23).
 *
 * qmail-tls (20231230) reads the file as qmail reads every control file
 * (control_readfile: trailing blanks removed, empty lines and lines that
 * start with '#' dropped, the rest joined with ':'), takes "DEFAULT" when
 * that leaves nothing, and passes the one string to both
 * SSL_set_cipher_list (TLS 1.2 and older) and SSL_set_ciphersuites (TLS
 * 1.3), ignoring both results: a call that fails keeps its list as it was.
 * qmail-smtpd takes $TLSCIPHERS instead of the file when it is set at all
 * (an empty value then means DEFAULT).  ciphers_judge() does the same on a
 * fresh SSL object of this process's libssl and OpenSSL configuration (the
 * ones qmail links and reads), and judges what SSL_get1_supported_ciphers
 * says is in effect once the protocol versions and the security level are
 * applied.  Nothing is read from a file here.
 */
#ifndef QP_CIPHERS_H
#define QP_CIPHERS_H

#include <stddef.h>

#include "base/err.h"
#include "check/verify.h"

#define CIPHERS_MAX	4096	/* longer strings are judged truncated */

enum ciphers_side {
	CIPHERS_SERVER,		/* qmail-smtpd: TLS_server_method() */
	CIPHERS_CLIENT		/* qmail-remote: TLS_client_method() */
};

/* The key of the certificate the server presents (servercert.pem), which
 * decides which TLS 1.2 ciphers a server can use and which security
 * levels it passes; type NULL: not known (every cipher counts). */
struct ciphers_key {
	const char	*type;		/* EVP_PKEY_get0_type_name(): "RSA" */
	int		 bits;		/* EVP_PKEY_get_bits() */
};

struct ciphers_verdict {
	/* "ciphers": CRITICAL when nothing is usable, WARNING when no TLS
	 * 1.2 cipher is left, else OK; text says what is in effect. */
	enum check_status	 status;
	char			 text[480];
	/* "weak-ciphers": WARNING when NULL, aNULL, EXPORT, RC4, DES or
	 * MD5 suites are in effect (named), else OK. */
	enum check_status	 weak_status;
	char			 weak[480];
	int			 tls12, tls13;	/* suites in effect */
};

/*
 * The string qmail builds from a control file's bytes, into out (at most
 * size - 1 bytes, NUL-terminated); "" when the file leaves nothing (qmail
 * then uses "DEFAULT").  Returns the length; longer than size - 1 means
 * the string was cut.
 */
size_t ciphers_from_control(const char *data, size_t len, char *out,
    size_t size);

/*
 * Judge list (NULL or "": "DEFAULT", as qmail does) for side.  key may be
 * NULL (client side, or no servercert.pem).  Returns -1 with err set
 * (and OpenSSL's reasons) only when libssl cannot make an SSL object.
 */
int ciphers_judge(const char *list, enum ciphers_side side,
    const struct ciphers_key *key, struct ciphers_verdict *v,
    struct err *err);

#endif
