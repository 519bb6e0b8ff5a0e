/*
 * renew.h: how to renew a certificate that expires, for verify's expiry
 * check: a self-signed one with qmail-pem rotate, a CA-issued one with
 * the CA's client (certbot renew).
 */
#ifndef QP_RENEW_H
#define QP_RENEW_H

#include <stddef.h>


/* "with qmail-pem rotate -d DIR" or "with the client of the CA ..." for
 * a certificate with that subject and issuer (the same: self-signed); dir
 * NULL or the default: no -d.  Returns buf. */
const char *renew_how(const char *subject, const char *issuer,
    const char *dir, char *buf, size_t size);

#endif
