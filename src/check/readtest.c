/*
 * readtest.c: load a key file as the daemon's user.
 *
 * For the open and the read only, the process takes the reader's
 * supplementary groups, filesystem gid and uid, and empties its effective
 * capability set (as_reader); right after, it takes its own back
 * (as_root), or stops the command when it cannot.  The file is opened by
 * its full path, as qmail-smtpd opens control/servercert.pem, so that a
 * parent directory the reader cannot search fails here too; a symlink in
 * the last component is refused.  The bytes read are then loaded as the
 * TLS patch loads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sys/capability.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/userdb.h"
#include "check/readgroups.h"
#include "check/readtest.h"
#include "check/sslctx.h"
#include "fs/readfile.h"
#include "x509/certmemo.h"
#include "x509/keydecode.h"

int
readtest_reader_by_name(const char *user, struct readtest_reader *reader,
    struct err *err)
{
	uid_t uid;
	gid_t gid;

	if (userdb_find_user(user, &uid, &gid, err) == -1)
		return err_set(err, EX_NOUSER, "user %s does not exist on this "
		    "system: create it (qmail's install makes it), or give "
		    "verify the user the daemon runs as with --server-user or "
		    "--client-user", user);
	readtest_reader_from_ids(user, uid, gid, reader);
	return 0;
}

void
readtest_reader_from_ids(const char *user, uid_t uid, gid_t gid,
    struct readtest_reader *reader)
{
	memset(reader, 0, sizeof(*reader));
	snprintf(reader->user, sizeof(reader->user), "%s", user);
	reader->uid = uid;
	reader->gid = gid;
	reader->ngroups = -1;
}

void
readtest_reader_of(const struct reader *r, struct readtest_reader *probe)
{
	char user[64];
	size_t i;
	int n;

	if (r->user[0])
		snprintf(user, sizeof(user), "%s", r->user);
	else
		snprintf(user, sizeof(user), "uid %lu", (unsigned long)r->uid);
	readtest_reader_from_ids(user, r->uid, r->gid, probe);
	if (r->init_groups && r->user[0])
		return;		/* the group database's, as initgroups(3) */
	/* tcpserver -u -g, setuidgid and chpst set exactly these */
	n = 0;
	probe->groups[n++] = r->gid;
	for (i = 0; i < r->ngroups && n < READTEST_MAX_GROUPS; i++)
		probe->groups[n++] = r->groups[i];
	probe->ngroups = n;
}

static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	return why ? why : "unknown reason";
}

/*
 * The groups and the filesystem ids of rd, and an empty effective
 * capability set, for the open and read alone: the kernel checks a
 * path's directories and the file's owner, group, mode and ACL against
 * the filesystem uid, gid and the supplementary groups, and with no
 * effective capability nothing overrides that check.  as_root() undoes
 * it.  0, or -1 with res->message set (whatever was changed undone).
 */
struct saved_ids {
	gid_t	groups[READTEST_MAX_GROUPS];
	int	ngroups;
	uid_t	fsuid;		/* as they were: root's, but its group */
	gid_t	fsgid;		/* need not be 0 (sudo -g, a wrapper) */
	cap_t	caps;
};

/* A step back to this process's own ids failed: going on would run the
 * rest of the command with the reader's, so it stops here. */
static void __attribute__((noreturn))
ids_lost(const char *path, const struct readtest_reader *rd)
{
	msg_say(stderr, "qmail-pem: ", "%s: after the read test as %s, this "
	    "process cannot take its own ids back (%s); stopped before any "
	    "other check: run the command again", path, rd->user,
	    strerror(errno));
	_exit(EX_OSERR);
}

static int
as_root(struct saved_ids *sv)
{
	if (cap_set_proc(sv->caps) == -1)
		return -1;
	(void)setfsuid(sv->fsuid);
	(void)setfsgid(sv->fsgid);
	errno = EPERM;		/* setfsuid and setfsgid do not set it */
	if ((uid_t)setfsuid((uid_t)-1) != sv->fsuid ||
	    (gid_t)setfsgid((gid_t)-1) != sv->fsgid ||
	    setgroups((size_t)sv->ngroups, sv->groups) == -1)
		return -1;
	return 0;
}

static int
as_reader(const char *path, const struct readtest_reader *rd,
    struct saved_ids *sv, struct readtest_result *res)
{
	gid_t groups[READTEST_MAX_GROUPS];
	int ngroups = READTEST_MAX_GROUPS;
	cap_t none;

	if (rd->ngroups >= 0) {
		ngroups = rd->ngroups;
		memcpy(groups, rd->groups, sizeof(gid_t) * (size_t)ngroups);
	} else if (!readgroups_matter(path, rd->uid, rd->gid)) {
		groups[0] = rd->gid;	/* no other can change the answer */
		ngroups = 1;
	} else if (userdb_user_groups(rd->user, rd->gid, groups, &ngroups)
	    == -1) {
		snprintf(res->message, sizeof(res->message), "%s is in more "
		    "than %d groups", rd->user, READTEST_MAX_GROUPS);
		return -1;
	}
	sv->caps = NULL;
	sv->fsuid = (uid_t)setfsuid((uid_t)-1);
	sv->fsgid = (gid_t)setfsgid((gid_t)-1);
	if ((sv->ngroups = getgroups(READTEST_MAX_GROUPS, sv->groups)) == -1 ||
	    (sv->caps = cap_get_proc()) == NULL ||
	    (none = cap_dup(sv->caps)) == NULL) {
		snprintf(res->message, sizeof(res->message), "cannot save "
		    "this process's ids: %s", strerror(errno));
		cap_free(sv->caps);
		return -1;
	}
	errno = EPERM;		/* setfsuid and setfsgid do not set it */
	if (setgroups((size_t)ngroups, groups) == -1 ||
	    (setfsgid(rd->gid), (gid_t)setfsgid((gid_t)-1) != rd->gid) ||
	    (setfsuid(rd->uid), (uid_t)setfsuid((uid_t)-1) != rd->uid) ||
	    cap_clear_flag(none, CAP_EFFECTIVE) == -1 ||
	    cap_set_proc(none) == -1) {
		snprintf(res->message, sizeof(res->message), "cannot act as "
		    "%s (uid %lu): %s", rd->user, (unsigned long)rd->uid,
		    strerror(errno));
		cap_free(none);
		if (as_root(sv) == -1)
			ids_lost(path, rd);
		cap_free(sv->caps);
		return -1;
	}
	cap_free(none);
	return 0;
}

/*
 * Without a callback of its own, OpenSSL asks for the pass phrase of an
 * encrypted key on the terminal, or on stdin and stderr when there is
 * none: the monitoring output would get "Enter PEM pass phrase:" and the
 * caller's stdin would be read.  qmail cannot type a password either; -1
 * (not 0, an empty password that would still be tried) refuses at once.
 */
static int
never_prompt(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* Read the opened file whole; its length, or -1 (too big, or an error). */
static ssize_t
read_whole(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return (ssize_t)got;
		got += (size_t)n;
	}
	return -1;
}

/*
 * The bytes as qmail's TLS patch loads them, call for call:
 * SSL_CTX_use_certificate_chain_file reads the first certificate with
 * PEM_read_bio_X509_AUX into SSL_CTX_use_certificate and the rest with
 * PEM_read_bio_X509 into SSL_CTX_add0_chain_cert up to the end of the
 * file; SSL_CTX_use_PrivateKey_file gives the first private key block to
 * SSL_CTX_use_PrivateKey; SSL_CTX_check_private_key compares them.  Here
 * the same calls go to an SSL of the shared SSL_CTX (as qmail-smtpd's
 * SSL_use_RSAPrivateKey_file does): the same checks, the security level
 * of the system's configuration included.  Two steps are not done
 * again: the key's decoder is the one of x509/keydecode.c, built once
 * per key type, and a certificate whose DER the content checks decoded
 * already is their object (x509/certmemo.c; issue 26).  Never prompts:
 * an encrypted key fails, as in qmail.
 */
static void
load_bytes(SSL *ssl, const char *data, size_t len,
    struct readtest_result *res)
{
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL, *cert;
	BIO *bio;
	unsigned long e;

	res->status = READTEST_CHAIN_FAILS;
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (leaf = certmemo_read_pem(bio, 1)) == NULL ||
	    SSL_use_certificate(ssl, leaf) != 1)
		goto out;
	while ((cert = certmemo_read_pem(bio, 0)) != NULL)
		if (SSL_add0_chain_cert(ssl, cert) != 1) {
			X509_free(cert);
			goto out;
		}
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
		goto out;
	ERR_clear_error();
	res->status = READTEST_KEY_FAILS;
	if ((key = keydecode_first(data, len)) == NULL ||
	    SSL_use_PrivateKey(ssl, key) != 1)
		goto out;
	res->status = READTEST_MISMATCH;
	if (SSL_check_private_key(ssl) != 1)
		goto out;
	res->status = READTEST_OK;
	res->rsa_key = EVP_PKEY_is_a(key, "RSA");
out:
	if (res->status != READTEST_OK)
		snprintf(res->message, sizeof(res->message), "%s",
		    ssl_reason());
	EVP_PKEY_free(key);
	X509_free(leaf);
	BIO_free(bio);
}

/* Open path and read it whole as rd: its length, or -1 with res set. */
static ssize_t
read_as(const char *path, const struct stat *expect,
    const struct readtest_reader *rd, char *buf, size_t size,
    struct readtest_result *res)
{
	struct saved_ids sv;
	struct stat st;
	ssize_t len = -1;
	int fd, changed = 0, e;

	if (as_reader(path, rd, &sv, res) == -1)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	e = errno;
	if (fd != -1) {
		changed = fstat(fd, &st) == -1 || st.st_dev != expect->st_dev ||
		    st.st_ino != expect->st_ino;
		errno = 0;
		if (!changed)
			len = read_whole(fd, buf, size);
		e = errno;
		close(fd);
	}
	if (as_root(&sv) == -1)
		ids_lost(path, rd);
	cap_free(sv.caps);
	if (len != -1)
		return len;
	res->status = changed ? READTEST_ERROR : READTEST_CANNOT_OPEN;
	snprintf(res->message, sizeof(res->message), "%s", changed ?
	    "the file changed while it was being tested" : e ? strerror(e) :
	    "larger than 1 MB");
	return -1;
}

static void
load_as_daemon(const char *path, const struct stat *expect,
    const struct readtest_reader *rd, struct readtest_result *res)
{
	static char buf[READFILE_MAX + 1];
	SSL_CTX *ctx;
	SSL *ssl = NULL;
	ssize_t len;

	if ((len = read_as(path, expect, rd, buf, sizeof(buf), res)) == -1)
		return;
	ERR_clear_error();
	if ((ctx = sslctx_shared()) == NULL || (ssl = SSL_new(ctx)) == NULL) {
		res->status = READTEST_ERROR;
		snprintf(res->message, sizeof(res->message), "%s: %s",
		    ctx ? "SSL_new" : "SSL_CTX_new", ssl_reason());
	} else {
		SSL_set_default_passwd_cb(ssl, never_prompt);
		load_bytes(ssl, buf, (size_t)len, res);
		SSL_free(ssl);
	}
	ERR_clear_error();
	OPENSSL_cleanse(buf, (size_t)len);
}

int
readtest_run(const struct perms_dir *dir, const char *name,
    const struct readtest_reader *reader, struct readtest_result *res,
    struct err *err)
{
	char path[PATH_MAX];
	struct stat st;

	memset(res, 0, sizeof(res[0]));
	res->status = READTEST_ERROR;
	if (geteuid() != 0)
		return err_set(err, EX_NOPERM, "needs root to act as %s",
		    reader->user);
	snprintf(path, sizeof(path), "%s/%s", dir->path, name);
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(res->message, sizeof(res->message), "%s",
		    strerror(errno));
		res->status = READTEST_CANNOT_OPEN;
		return 0;
	}
	load_as_daemon(path, &st, reader, res);
	return 0;
}

void
readtest_check(const struct perms_dir *dir, const char *name,
    struct readtest_check *t)
{
	struct readtest_result res;
	enum check_status status = CHECK_CRITICAL;
	const char *who = t->reader.user;
	struct err why = { 0 };
	char text[512];

	if (t->not_run[0]) {
		verify_set(&t->check, "reader-can-read", CHECK_UNKNOWN,
		    t->not_run);
		return;
	}
	if (geteuid() != 0) {
		snprintf(text, sizeof(text), "needs root to act as %s (run "
		    "qmail-pem verify through sudo)", t->reader.user);
		verify_set(&t->check, "reader-can-read", CHECK_SKIPPED, text);
		return;
	}
	if (readtest_run(dir, name, &t->reader, &res, &why) == -1) {
		verify_set(&t->check, "reader-can-read", CHECK_UNKNOWN,
		    why.text);
		return;
	}
	switch (res.status) {
	case READTEST_OK:
		status = CHECK_OK;
		snprintf(text, sizeof(text), "%s (uid %lu) loads the key and "
		    "the chain as %s does%s", who,
		    (unsigned long)t->reader.uid, t->daemon, res.rsa_key ? "" :
		    "; SSL_CTX_use_RSAPrivateKey_file would fail: not an RSA "
		    "key");
		break;
	case READTEST_CANNOT_OPEN:
		snprintf(text, sizeof(text), "%s cannot open it (%s), so %s "
		    "fails STARTTLS; fix owner and mode with %s", who,
		    res.message, t->daemon, t->fix ? t->fix : "qmail-pem install");
		break;
	case READTEST_CHAIN_FAILS:
		snprintf(text, sizeof(text), "as %s, OpenSSL refuses the "
		    "certificate chain (%s), so %s fails STARTTLS", who,
		    res.message, t->daemon);
		break;
	case READTEST_KEY_FAILS:
	case READTEST_MISMATCH:
		snprintf(text, sizeof(text), "as %s, OpenSSL refuses the "
		    "private key (%s), so %s fails STARTTLS", who, res.message,
		    t->daemon);
		break;
	default:
		status = CHECK_UNKNOWN;
		snprintf(text, sizeof(text), "the read test as %s could not "
		    "run: %s", who, res.message);
		break;
	}
	verify_set(&t->check, "reader-can-read", status, text);
}
