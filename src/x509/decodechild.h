/*
 * decodechild.h: the import decoders (import_decode_key, _certs, _pkcs12)
 * run in a sandboxed child (base/sandbox.h, SANDBOX_DECODE), so that
 * the bytes of a file the administrator names are parsed by a process with
 * no capability that can make no system call but the few decoding needs
 * (issue 22).
 *
 * The caller reads the file, as before, with its checks; the child gets
 * the bytes (a copy of the caller's memory, by fork) and decodes them with
 * exactly the code the command used to run in its own process.  It hands
 * back the canonical re-encoding of what it found, the key as unencrypted
 * PKCS#8 PEM and the certificates as PEM in input order, with the facts
 * the plan needs about them; on failure it hands back the status, the
 * message and OpenSSL's reasons the decoder recorded, which the parent
 * records as they were.  Warnings the decoder prints reach the parent's
 * stderr unchanged.  The parent then decodes only the canonical PEM, and
 * checks it against the facts.
 *
 * The password: the parent resolves it and the child has it in memory
 * (fork).  A --passin source is read only when an input needs it, as the
 * in-process decoders do: while the password is not loaded yet, the child
 * first decodes with a stand-in source that fails at once; if the decoder
 * asked for it, the parent loads it (its errors are passin_load()'s own)
 * and a second child decodes with it.
 *
 * Key bytes are wiped on both sides: the canonical key PEM in the child's
 * buffers (OpenSSL's secure memory, the answer), in the parent's answer
 * buffer and the copy of the input in the child.
 */
#ifndef QP_DECODECHILD_H
#define QP_DECODECHILD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/sandbox.h"
#include "x509/passin.h"

enum decodechild_kind { DECODE_KEY, DECODE_CERTS, DECODE_PKCS12 };

/* What the plan needs to know about a certificate. */
struct decodechild_cert {
	unsigned char	sha256[32];	/* of its DER encoding */
	char		subject[256];	/* chain_subject() */
	int64_t		not_before, not_after;	/* seconds since 1970, UTC */
};

struct decodechild_facts {
	int			 has_key;
	char			 key_type[64];	/* x509gen_describe_key() */
	unsigned char		 key_sha256[32];	/* of the public key */
	int			 ncerts;
	struct decodechild_cert	*certs;		/* ncerts, input order */
};

struct decodechild_input {
	enum decodechild_kind	 kind;
	const unsigned char	*data;
	size_t			 len;
	struct passin		*passin;	/* NULL: no --passin */
	const char		*shown;		/* "key.pem" */
	const char		*opt;		/* "--key" (DECODE_PKCS12: unused) */
	enum sandbox_selftest	 selftest;	/* unit tests only */
};

/*
 * Decode in a child: 0 with *key set (DECODE_KEY, DECODE_PKCS12), the
 * certificates appended to certs (DECODE_CERTS, DECODE_PKCS12) and facts
 * filled in (free with decodechild_facts_free(); facts may be NULL), or -1
 * with the decoder's message, or the sandbox's when the child failed.
 */
int decodechild_run(const struct decodechild_input *in, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct decodechild_facts *facts,
    struct err *err);
void decodechild_facts_free(struct decodechild_facts *facts);

/* import_decode_key(), _certs() and _pkcs12() in a child: the same
 * arguments, results and messages. */
int decodechild_key(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, const char *opt,
    EVP_PKEY **key, struct err *err);
int decodechild_certs(const unsigned char *data, size_t len,
    const char *shown, const char *opt, STACK_OF(X509) *certs,
    struct err *err);
int decodechild_pkcs12(const unsigned char *data, size_t len,
    struct passin *passin, const char *shown, EVP_PKEY **key,
    STACK_OF(X509) *certs, struct err *err);

#endif
