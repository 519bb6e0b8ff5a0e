/*
 * tlscontent.h: what qmail makes of the bytes of its other TLS files
 * (issue 23): client CAs, the CRL, the CAs pinned per host in tlshosts/,
 * DH parameters and temporary RSA keys.  Bytes in, named checks
 * out (verify.h's verify_add); no file is opened here (tlsfiles.c reads
 * them).  tlsclients and the names in tlshosts/ are tlstext.h's.
 *
 * Each check reads the bytes the way qmail-tls 20231230 and OpenSSL 3 do:
 *   clientca.pem, tlshosts/HOST.pem  SSL_CTX_load_verify_locations, that
 *        is X509_load_cert_crl_file: PEM_X509_INFO_read_bio over the
 *        whole file, all or nothing (one broken block loads nothing);
 *        trust anchors only, no partial chains (qmail sets no
 *        X509_V_FLAG_PARTIAL_CHAIN), so each must lead to a self-signed
 *        root inside the file;
 *   clientcrl.pem  X509_load_crl_file: CRLs read until the first failure,
 *        which loads none; qmail-smtpd turns CRL checking on (with
 *        X509_V_FLAG_CRL_CHECK_ALL: every CA on a client's chain needs a
 *        CRL) only when it returns exactly 1;
 *   dh*.pem  PEM DH parameters; rsa*.pem  an RSA private key.
 * Functions never fail: what cannot be judged is an UNKNOWN check.
 */
#ifndef QP_TLSCONTENT_H
#define QP_TLSCONTENT_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "check/verify.h"

enum tlscontent_cas_use {
	TLSCONTENT_CLIENTCA,	/* clientca.pem: qmail-smtpd's client CAs */
	TLSCONTENT_TLSHOST	/* tlshosts/HOST.pem: qmail-remote's pins */
};

/*
 * "parses", "private-key", "ca-root", "ca-expiry" of a CA file.  host:
 * for TLSCONTENT_TLSHOST, the host the file is for (messages).  When cas
 * is not NULL it receives the certificates that load (NULL when none),
 * for tlscontent_crl(); free with sk_X509_pop_free(*cas, X509_free).
 */
void tlscontent_cas(const char *data, size_t len, enum tlscontent_cas_use use,
    const char *host, time_t now, struct file_report *r, STACK_OF(X509) **cas);

/*
 * "parses", "crl-count", "crl-next-update", "crl-issuer", "crl-coverage"
 * of clientcrl.pem; cas: the certificates of clientca.pem (NULL: none
 * load, why_no_cas says why).
 */
void tlscontent_crl(const char *data, size_t len, const STACK_OF(X509) *cas,
    const char *why_no_cas, time_t now, struct file_report *r);

/* "parses", "dh-bits" of dh*.pem. */
void tlscontent_dh(const char *data, size_t len, struct file_report *r);

/* "parses" of rsa*.pem (a private key: the caller wipes the bytes). */
void tlscontent_rsa(const char *data, size_t len, struct file_report *r);

#endif
