/*
 * loaders.h: what a reader of servercert.pem or clientcert.pem can load,
 * read from the program itself.
 *
 * qmail's TLS patches load the key and the certificate with libssl
 * functions whose names say what they accept: qmail-tls 20231230, the
 * newest, calls SSL_use_RSAPrivateKey_file (qmail-smtpd) and
 * SSL_CTX_use_RSAPrivateKey_file (qmail-remote), which take RSA keys only;
 * newer distributions call SSL_CTX_use_PrivateKey_file, which takes any
 * key.  A program linked with libssl imports these functions by name, so
 * its dynamic symbol table (.dynsym, read with libelf) tells which one it
 * can call.  The program is read, never run.
 *
 * The rules (the table in loaders_elf.c lists every name):
 *
 *   key   RSA only: it imports an RSA-only key loader
 *         (SSL_[CTX_]use_RSAPrivateKey[_file|_ASN1]) and no other key
 *         loader.  Any key type: it imports SSL_[CTX_]use_PrivateKey_file,
 *         or installs a key object (SSL_[CTX_]use_PrivateKey,
 *         SSL_[CTX_]use_cert_and_key) that it reads with a reader for any
 *         key type (PEM_read[_bio]_PrivateKey, d2i_AutoPrivateKey,
 *         OSSL_STORE_open ...), and no RSA-only loader.  Unknown
 *         otherwise: no loader (a reader alone installs nothing), both
 *         kinds (which one reads the file cannot be told from the
 *         imports), or a key it decodes itself (a key object without such
 *         a reader, SSL_[CTX_]use_PrivateKey_ASN1).
 *   cert  Chain: it imports SSL_[CTX_]use_certificate_chain_file.  Leaf
 *         only: it imports SSL_[CTX_]use_certificate_file, no chain
 *         loader, and nothing that reads certificates itself
 *         (PEM_read[_bio]_X509[_AUX], PEM_X509_INFO_read[_bio],
 *         SSL_[CTX_]use_certificate[_ASN1], SSL_[CTX_]use_cert_and_key,
 *         OSSL_STORE_open): such a program could add
 *         intermediates with SSL_CTX_add_extra_chain_cert, a macro that
 *         leaves no import of its own.  Unknown otherwise.
 *   dh_params, tmp_rsa  (for the DH-parameter and temporary-RSA files of
 *         older patches) whether it imports PEM_read[_bio]_DHparams and
 *         PEM_read[_bio]_RSAPrivateKey.  These readers do not count as key
 *         loaders: a key they read still goes in through one of the above.
 *
 * A file that is not a program whose imports can be read gives unknown
 * with the reason: a script (#!), not ELF, an object file or core dump,
 * statically linked (no .dynsym or no DT_NEEDED), no section headers, no
 * libssl among its libraries, damaged, truncated, larger than
 * LOADERS_MAX_FILE, or not readable at all.  All of it is bounded: hostile
 * bytes give "unknown", never a crash or a hang (fuzz/fuzz_elfimports.c).
 *
 * Functions return 0 with *out filled, "unknown" included; -1 with a
 * message in err only when memory runs out or libelf
 * cannot start.  loaders_elf.c reads the bytes (libelf and the rules:
 * loaders_elf.h), loaders.c the file (and the cache, and the words).
 */
#ifndef QP_LOADERS_H
#define QP_LOADERS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"
#include "site/loaders_elf.h"

/*
 * Results of one run, by file: a program named twice (a symlink and its
 * target, two run scripts starting the same qmail-smtpd) is read once.
 * The key is the device, inode, size and modification time of the file
 * opened, so a binary replaced or rebuilt meanwhile is read again.  The
 * caller owns it; zero it before first use ({ 0 } or memset).  No
 * resources to free.
 */
struct loaders_cache {
	struct loaders_cached {
		dev_t		 dev;
		ino_t		 ino;
		off_t		 size;
		struct timespec	 mtime;
		struct loaders	 result;
	}		 v[LOADERS_CACHE_SIZE];
	size_t		 n;
	size_t		 next;		/* the entry to replace when full */
	unsigned	 reads;		/* files read and parsed, not found in
					 * the cache (for tests) */
};

/*
 * Read the program at path (symlinks followed: /usr/sbin/qmail-smtpd may
 * be a link) and classify its loaders.  It must be a regular file of at
 * most LOADERS_MAX_FILE bytes; opened O_NONBLOCK, so a FIFO cannot block.
 * cache may be NULL.  Reading or parsing failures give unknown with the
 * reason in key_why and cert_why.
 */
int loaders_read(const char *path, struct loaders_cache *cache,
    struct loaders *out, struct err *err);

/* "RSA only", "any key type", "unknown"; "the chain", "the leaf only",
 * "unknown". */
const char *loaders_key_words(enum loaders_key key);
const char *loaders_cert_words(enum loaders_cert cert);

/*
 * One sentence for messages, about program (its name, e.g. qmail-smtpd)
 * at path, both printed as given (pass names fit for a message):
 *   "qmail-smtpd (/var/qmail/bin/qmail-smtpd) loads keys with
 *    SSL_use_RSAPrivateKey_file: RSA only"
 *   "qmail-smtpd (/usr/sbin/qmail-smtpd) loads certificates with
 *    SSL_CTX_use_certificate_file: the leaf only, intermediates are never
 *    sent"
 *   "qmail-smtpd (/var/qmail/bin/qmail-smtpd): the key types it loads are
 *    unknown: a script (#!/bin/sh), not a program"
 * Returns buf.
 */
const char *loaders_describe_key(const struct loaders *l,
    const char *program, const char *path, char *buf, size_t size);
const char *loaders_describe_cert(const struct loaders *l,
    const char *program, const char *path, char *buf, size_t size);

#endif
