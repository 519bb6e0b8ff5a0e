/*
 * readerbin.h: the program that reads a key file, and what it can load.
 *
 * For each reader that readers.h finds, the binary is the program its run
 * script starts (programs.h resolves the word: as written, in the PATH the
 * script sets, else the supervisor's), else QMAILHOME/bin/qmail-smtpd;
 * qmail-remote is always QMAILHOME/bin/qmail-remote.  QMAILHOME is the
 * control directory's parent, from the path as given (-d), never
 * resolved: Debian's /var/qmail/control -> /etc/qmail link gives
 * /var/qmail, while -d /etc/qmail gives /etc and no program there (the
 * loaders are then unknown).  loaders.h reads what the binary imports.
 *
 * A file read by several programs (qmail-smtpd on ports 25 and 587) loads
 * what the most restrictive of them loads: RSA only if one of them takes
 * RSA keys only, any key type if every one does, unknown otherwise; the
 * leaf only if one of them sends the leaf only.
 */
#ifndef QP_READERBIN_H
#define QP_READERBIN_H

#include <limits.h>
#include <stddef.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "site/loaders.h"
#include "site/readers.h"

enum readerbin_how {
	READERBIN_UNKNOWN,	/* no binary: loads.key_why says why */
	READERBIN_SCRIPT,	/* the program a run script starts */
	READERBIN_QMAILHOME	/* QMAILHOME/bin/NAME */
};

struct readerbin {
	char			 program[32];	/* qmail-smtpd, qmail-remote */
	enum readerbin_how	 how;
	char			 path[PATH_MAX];	/* "" when unknown */
	char			 how_text[512];	/* how it was found */
	struct loaders		 loads;
};

/* What one file's readers load, the most restrictive of them. */
struct readerbin_file {
	const char	*file;		/* servercert.pem, clientcert.pem */
	enum loaders_key key;
	enum loaders_cert cert;
	char		 key_text[PATH_MAX + 512];	/* the sentence of the
							 * deciding reader */
	char		 cert_text[PATH_MAX + 512];
};

/*
 * The binary of reader r of the files in control_dir (as given), read
 * through cache (one per run: each binary is read once).  -1 only when
 * memory runs out or libelf cannot start.
 */
int readerbin_find(const char *control_dir, const struct reader *r,
    struct loaders_cache *cache, struct readerbin *out, struct err *err);

/* The same for every reader of file in list, combined into out. */
int readerbin_of_file(const char *control_dir, const struct reader_list *list,
    const char *file, struct loaders_cache *cache, struct readerbin_file *out,
    struct err *err);

/*
 * Before a command writes key into file: -1 (EX_CONFIG, message naming
 * the binary, the function and the fixes) when the file's readers load
 * RSA keys only and key is not RSA; 0 otherwise.
 */
int readerbin_refuse_key(const struct readerbin_file *f, EVP_PKEY *key,
    struct err *err);

/* "what happens" for a non-RSA key in file: "qmail-smtpd answers STARTTLS
 * with ..." (server) or "qmail-remote sends no client certificate ...". */
const char *readerbin_key_failure(const char *file);

#endif
