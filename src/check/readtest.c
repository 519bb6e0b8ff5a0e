/*
 * readtest.c: load a key file as the daemon's user, in a forked child.
 *
 * The child gives up root for good before it touches the file: groups
 * first (setgroups, setresgid), then the uid (setresuid), then every
 * capability (cap_set_proc of an empty set); it checks that setuid(0)
 * now fails.  The file is opened by its full path, as qmail-smtpd opens
 * control/servercert.pem, so that a parent directory the reader cannot
 * search fails here too; a symlink in the last component is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sys/capability.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/userdb.h"
#include "check/readtest.h"
#include "fs/readfile.h"
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

/* Become reader for good; 0 or -1 with res->message set. */
static int
drop_to(const struct readtest_reader *rd, struct readtest_result *res)
{
	gid_t groups[READTEST_MAX_GROUPS];
	int ngroups = READTEST_MAX_GROUPS;
	cap_t none = NULL;
	int rc = -1;

	if (rd->ngroups >= 0) {
		ngroups = rd->ngroups;
		memcpy(groups, rd->groups, sizeof(gid_t) * (size_t)ngroups);
	} else if (userdb_user_groups(rd->user, rd->gid, groups, &ngroups)
	    == -1) {
		snprintf(res->message, sizeof(res->message), "%s is in more "
		    "than %d groups", rd->user, READTEST_MAX_GROUPS);
		goto out;
	}
	if (setgroups((size_t)ngroups, groups) == -1 ||
	    setresgid(rd->gid, rd->gid, rd->gid) == -1 ||
	    setresuid(rd->uid, rd->uid, rd->uid) == -1) {
		snprintf(res->message, sizeof(res->message), "cannot become "
		    "%s (uid %lu): %s", rd->user, (unsigned long)rd->uid,
		    strerror(errno));
		goto out;
	}
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if ((none = cap_init()) == NULL || cap_set_proc(none) == -1) {
		snprintf(res->message, sizeof(res->message), "cannot drop the "
		    "capabilities: %s", strerror(errno));
		goto out;
	}
	if (rd->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 ||
	    geteuid() == 0)) {
		snprintf(res->message, sizeof(res->message), "could become "
		    "root again after dropping to %s; not testing", rd->user);
		goto out;
	}
	rc = 0;
out:
	if (none != NULL)
		cap_free(none);
	return rc;
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
 * SSL_CTX_use_PrivateKey; SSL_CTX_check_private_key compares them.  The
 * SSL_CTX applies the security level of the system's configuration as
 * qmail's does.  Only the key's decoder differs: the one of
 * x509/keydecode.c, set up before the fork (issue 26).  Never prompts:
 * an encrypted key fails, as in qmail.
 */
static void
load_bytes(SSL_CTX *ctx, const char *data, size_t len,
    struct readtest_result *res)
{
	EVP_PKEY *key = NULL;
	X509 *leaf = NULL, *cert;
	BIO *bio;
	unsigned long e;

	res->status = READTEST_CHAIN_FAILS;
	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL ||
	    (leaf = PEM_read_bio_X509_AUX(bio, NULL, never_prompt, NULL))
	    == NULL || SSL_CTX_use_certificate(ctx, leaf) != 1)
		goto out;
	while ((cert = PEM_read_bio_X509(bio, NULL, never_prompt, NULL))
	    != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, cert) != 1) {
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
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto out;
	res->status = READTEST_MISMATCH;
	if (SSL_CTX_check_private_key(ctx) != 1)
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

static void
load_as_daemon(const char *path, const struct stat *expect,
    struct readtest_result *res)
{
	static char buf[READFILE_MAX + 1];
	SSL_CTX *ctx;
	struct stat st;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1) {
		res->status = READTEST_CANNOT_OPEN;
		snprintf(res->message, sizeof(res->message), "%s",
		    strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || st.st_dev != expect->st_dev ||
	    st.st_ino != expect->st_ino) {
		close(fd);
		res->status = READTEST_ERROR;
		snprintf(res->message, sizeof(res->message), "the file "
		    "changed while it was being tested");
		return;
	}
	errno = 0;
	len = read_whole(fd, buf, sizeof(buf));
	close(fd);
	if (len == -1) {
		res->status = READTEST_CANNOT_OPEN;
		snprintf(res->message, sizeof(res->message), "%s",
		    errno ? strerror(errno) : "larger than 1 MB");
		return;
	}
	if ((ctx = SSL_CTX_new(TLS_method())) == NULL) {
		res->status = READTEST_ERROR;
		snprintf(res->message, sizeof(res->message), "SSL_CTX_new: %s",
		    ssl_reason());
	} else {
		SSL_CTX_set_default_passwd_cb(ctx, never_prompt);
		load_bytes(ctx, buf, (size_t)len, res);
		SSL_CTX_free(ctx);
	}
	OPENSSL_cleanse(buf, (size_t)len);
}

static void __attribute__((noreturn))
child(const char *path, const struct stat *expect,
    const struct readtest_reader *rd, int wfd)
{
	struct readtest_result res;
	int nul;

	memset(&res, 0, sizeof(res));
	res.status = READTEST_ERROR;
	/* The caller's stdin is not the test's to read, whatever asks. */
	if ((nul = open("/dev/null", O_RDONLY | O_CLOEXEC)) > STDIN_FILENO) {
		(void)dup2(nul, STDIN_FILENO);
		close(nul);
	}
	if (drop_to(rd, &res) == 0)
		load_as_daemon(path, expect, &res);
	(void)perms_write_all(wfd, &res, sizeof(res));
	_exit(0);
}

/* Read the child's answer before the time limit, counted from when the
 * child was started; 0 or -1. */
static int
read_answer(int rfd, const struct timespec *start, struct readtest_result *res)
{
	struct timespec now;
	struct pollfd pfd = { .fd = rfd, .events = POLLIN };
	char *p = (char *)res;
	size_t got = 0;
	long waited;
	ssize_t n;

	while (got < sizeof(*res)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start->tv_sec) * 1000 +
		    (now.tv_nsec - start->tv_nsec) / 1000000;
		if (waited >= READTEST_TIMEOUT * 1000)
			return -1;
		n = poll(&pfd, 1, (int)(READTEST_TIMEOUT * 1000 - waited));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		n = read(rfd, p + got, sizeof(*res) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void
warm_up_openssl(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	keydecode_prepare();
	SSL_CTX_free(SSL_CTX_new(TLS_method()));
	ERR_clear_error();
}

int
readtest_start(const struct perms_dir *dir, const char *name,
    const struct readtest_reader *reader, struct readtest_run *run,
    struct err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fds[2];
	pid_t pid;

	memset(run, 0, sizeof(run[0]));
	run->fd = -1;
	run->early.status = READTEST_ERROR;
	snprintf(run->user, sizeof(run->user), "%s", reader->user);
	if (geteuid() != 0)
		return err_set(err, EX_NOPERM, "needs root to act as %s",
		    reader->user);
	run->started = 1;
	snprintf(path, sizeof(path), "%s/%s", dir->path, name);
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(run->early.message, sizeof(run->early.message), "%s",
		    strerror(errno));
		run->early.status = READTEST_CANNOT_OPEN;
		return 0;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(run->early.message, sizeof(run->early.message),
		    "pipe: %s", strerror(errno));
		return 0;
	}
	/* No key in memory yet: what the child needs of OpenSSL is set up
	 * once here, before the fork, for every child and for this process:
	 * the key decoders, and the algorithms the first SSL_CTX_new of a
	 * process fetches (which costs more than loading a key file). */
	warm_up_openssl();
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &run->since);
	if ((pid = fork()) == -1) {
		snprintf(run->early.message, sizeof(run->early.message),
		    "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		close(fds[0]);
		child(path, &st, reader, fds[1]);
	}
	close(fds[1]);
	run->pid = pid;
	run->fd = fds[0];
	return 0;
}

void
readtest_finish(struct readtest_run *run, struct readtest_result *res)
{
	*res = run->early;
	if (!run->started || run->pid <= 0) {
		run->started = 0;
		return;
	}
	run->started = 0;
	if (read_answer(run->fd, &run->since, res) == 0) {
		/* The child exits right after its answer: readtest_reap waits
		 * for it later, so that its exit overlaps the caller's work. */
		close(run->fd);
		run->fd = -1;
		res->message[sizeof(res->message) - 1] = '\0';
		return;
	}
	readtest_reap(run);
	memset(res, 0, sizeof(res[0]));
	res->status = READTEST_ERROR;
	snprintf(res->message, sizeof(res->message), "the test process as %s "
	    "gave no answer within %d seconds", run->user, READTEST_TIMEOUT);
}

void
readtest_reap(struct readtest_run *run)
{
	int status;

	run->started = 0;
	if (run->pid <= 0)
		return;
	if (run->fd != -1) {		/* no answer, or no longer wanted */
		close(run->fd);
		(void)kill(run->pid, SIGKILL);
	}
	while (waitpid(run->pid, &status, 0) == -1 && errno == EINTR)
		;
	run->pid = 0;
	run->fd = -1;
}

void
readtest_check_start(const struct perms_dir *dir, const char *name,
    struct readtest_check *t)
{
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
	if (readtest_start(dir, name, &t->reader, &t->run, &why) == -1)
		verify_set(&t->check, "reader-can-read", CHECK_UNKNOWN,
		    why.text);
}

void
readtest_check_finish(struct readtest_check *t)
{
	struct readtest_result res;
	enum check_status status = CHECK_CRITICAL;
	const char *who = t->reader.user;
	char text[512];

	if (!t->run.started)
		return;
	readtest_finish(&t->run, &res);
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
