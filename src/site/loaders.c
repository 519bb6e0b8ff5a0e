/*
 * loaders.c: read a program file for loaders_elf.c, remember the result
 * per file for the run, and put it in words (see loaders.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/err.h"
#include "site/loaders.h"

static struct loaders *
cache_find(struct loaders_cache *cache, const struct stat *st)
{
	size_t i;

	for (i = 0; cache != NULL && i < cache->n; i++) {
		struct loaders_cached *c = &cache->v[i];
		if (c->dev == st->st_dev && c->ino == st->st_ino &&
		    c->size == st->st_size &&
		    c->mtime.tv_sec == st->st_mtim.tv_sec &&
		    c->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return &c->result;
	}
	return NULL;
}

static void
cache_add(struct loaders_cache *cache, const struct stat *st,
    const struct loaders *result)
{
	struct loaders_cached *c;

	if (cache == NULL)
		return;
	if (cache->n < LOADERS_CACHE_SIZE)
		c = &cache->v[cache->n++];
	else {
		c = &cache->v[cache->next];
		cache->next = (cache->next + 1) % LOADERS_CACHE_SIZE;
	}
	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->size = st->st_size;
	c->mtime = st->st_mtim;
	c->result = *result;
}

/* Read all of fd (size bytes at most) into *buf: 0; 1 when it cannot be
 * read (*out says why); -1 out of memory (err set). */
static int
read_all(int fd, size_t size, char **buf, size_t *len, struct loaders *out,
    struct err *err)
{
	ssize_t n;

	*len = 0;
	if ((*buf = malloc(size > 0 ? size : 1)) == NULL)
		return err_set(err, EX_OSERR, "out of memory reading a "
		    "program's imports");
	while (*len < size) {
		n = read(fd, *buf + *len, size - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			loaders_unknown(out, "cannot read it: %s",
			    strerror(errno));
			free(*buf);
			*buf = NULL;
			return 1;
		}
		if (n == 0)
			break;	/* shrank meanwhile: what is there */
		*len += (size_t)n;
	}
	return 0;
}

int
loaders_read(const char *path, struct loaders_cache *cache,
    struct loaders *out, struct err *err)
{
	struct loaders *cached;
	struct stat st;
	char *buf = NULL;
	size_t len;
	int fd, rc = 0;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		loaders_unknown(out, "cannot open it: %s", strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		loaders_unknown(out, "cannot examine it: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		loaders_unknown(out, "%s, not a program", S_ISDIR(st.st_mode) ?
		    "a directory" : "not a regular file");
		goto out;
	}
	if (st.st_size > LOADERS_MAX_FILE) {
		loaders_unknown(out, "larger than %d MiB: not read",
		    LOADERS_MAX_FILE / (1024 * 1024));
		goto out;
	}
	if ((cached = cache_find(cache, &st)) != NULL) {
		*out = *cached;
		goto out;
	}
	if ((rc = read_all(fd, (size_t)st.st_size, &buf, &len, out,
	    err)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	if (cache != NULL)
		cache->reads++;
	if ((rc = loaders_read_image(buf, len, out, err)) == 0)
		cache_add(cache, &st, out);
out:
	free(buf);
	close(fd);
	return rc;
}

const char *
loaders_key_words(enum loaders_key key)
{
	switch (key) {
	case LOADERS_KEY_RSA_ONLY:
		return "RSA only";
	case LOADERS_KEY_ANY:
		return "any key type";
	default:
		return "unknown";
	}
}

const char *
loaders_cert_words(enum loaders_cert cert)
{
	switch (cert) {
	case LOADERS_CERT_LEAF_ONLY:
		return "the leaf only";
	case LOADERS_CERT_CHAIN:
		return "the chain";
	default:
		return "unknown";
	}
}

/* "PROGRAM (PATH) loads KIND with WITH: WORDS", or, when unknown is
 * set, "PROGRAM (PATH): UNKNOWN unknown: WHY". */
static const char *
describe(char *buf, size_t size, const char *program, const char *path,
    const char *unknown, const char *why, const char *kind,
    const char *with, const char *words)
{
	if (unknown != NULL)
		snprintf(buf, size, "%s (%s): %s unknown: %s", program, path,
		    unknown, why);
	else
		snprintf(buf, size, "%s (%s) loads %s with %s: %s", program,
		    path, kind, with, words);
	return buf;
}

const char *
loaders_describe_key(const struct loaders *l, const char *program,
    const char *path, char *buf, size_t size)
{
	return describe(buf, size, program, path, l->key ==
	    LOADERS_KEY_UNKNOWN ? "the key types it loads are" : NULL,
	    l->key_why, "keys", l->key_with, loaders_key_words(l->key));
}

const char *
loaders_describe_cert(const struct loaders *l, const char *program,
    const char *path, char *buf, size_t size)
{
	return describe(buf, size, program, path, l->cert ==
	    LOADERS_CERT_UNKNOWN ? "which certificates it sends is" : NULL,
	    l->cert_why, "certificates", l->cert_with,
	    l->cert == LOADERS_CERT_LEAF_ONLY ? "the leaf only, intermediates "
	    "are never sent" : "the leaf and the intermediates");
}
