/*
 * loaders_elf.h: what a program can load, from its bytes (libelf and the
 * rules of loaders.h), and the result loaders.c and its callers read.
 */
#ifndef QP_LOADERS_ELF_H
#define QP_LOADERS_ELF_H

#include <stddef.h>

#include "base/err.h"

/* Larger files give unknown: a qmail program is a few hundred KiB, and
 * libelf needs about twice a file's size for its section table. */
#define LOADERS_MAX_FILE	(32 * 1024 * 1024)
#define LOADERS_MAX_SYMBOLS	(1024 * 1024)	/* more in .dynsym: unknown */
#define LOADERS_NAMES_MAX	160	/* "A, B, C": the names found */
#define LOADERS_WHY_MAX		256
#define LOADERS_CACHE_SIZE	8

enum loaders_key {
	LOADERS_KEY_UNKNOWN = 0,
	LOADERS_KEY_RSA_ONLY,	/* an EC or Ed25519 key fails to load */
	LOADERS_KEY_ANY		/* any key type libssl supports */
};

enum loaders_cert {
	LOADERS_CERT_UNKNOWN = 0,
	LOADERS_CERT_LEAF_ONLY,	/* the first certificate only: intermediates
				 * in the file are never sent */
	LOADERS_CERT_CHAIN	/* the leaf, then the intermediates */
};

struct loaders {
	enum loaders_key	 key;
	enum loaders_cert	 cert;
	int			 dh_params;	/* imports a DH params reader */
	int			 tmp_rsa;	/* imports an RSA key reader */
	int			 imports_read;	/* a dynamically linked ELF
						 * program: .dynsym was read */
	/* The functions of each kind it imports, from loaders.c's tables
	 * (never from the file), joined with ", "; "" when none. */
	char	 key_with[LOADERS_NAMES_MAX];
	char	 cert_with[LOADERS_NAMES_MAX];
	char	 dh_with[LOADERS_NAMES_MAX];
	char	 tmp_rsa_with[LOADERS_NAMES_MAX];
	/* Why key or cert is unknown ("" otherwise): a phrase without the
	 * file's name, e.g. "a script (#!/bin/sh), not a program". */
	char	 key_why[LOADERS_WHY_MAX];
	char	 cert_why[LOADERS_WHY_MAX];
};

/*
 * The same for a program already in memory (len bytes at image).  libelf's
 * elf_memory() takes a char *, so image is not const, but nothing writes
 * to it.
 */
int loaders_read_image(char *image, size_t len, struct loaders *out,
    struct err *err);

/*
 * Set *out to unknown for both the key and the certificate, the reason
 * (a phrase without the file's name) in key_why and cert_why: for a caller
 * with no program to read ("no run script names it").
 */
void loaders_unknown(struct loaders *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
