/*
 * readerload.c: refuse a key the readers' programs cannot load
 * (readerload.h).
 */
#include <string.h>

#include "base/msg.h"
#include "ops/readerload.h"
#include "site/policy.h"
#include "x509/pemfile.h"

int
readerload_scan(const struct common_opts *c, struct readerbin_file files[2],
    struct err *err)
{
	struct loaders_cache cache;

	/* the readers of the model common_open_dir() built, not a second
	 * scan of the run scripts */
	memset(&cache, 0, sizeof(cache));
	if (readerbin_of_file(c->dir, &c->model.readers, SERVERCERT, &cache,
	    &files[0], err) == -1 || readerbin_of_file(c->dir,
	    &c->model.readers, CLIENTCERT, &cache, &files[1], err) == -1)
		return -1;
	return 0;
}

/* The file whose readers read plan p: servercert.pem for itself and its
 * staged .next. */
static const struct readerbin_file *
file_of(const struct file_plan *p, const struct readerbin_file files[2])
{
	size_t k;

	for (k = 0; k < 2; k++)
		if (strncmp(p->name, files[k].file, strlen(files[k].file)) == 0)
			return &files[k];
	return NULL;
}

/* One plan's key: -1 when refused. */
static int
check_plan(const struct common_opts *c, const struct file_plan *p,
    const struct readerbin_file *f, struct err *err)
{
	struct pem_bundle b;
	struct err why = { 0 };
	int rc = 0;

	if (f->key != LOADERS_KEY_RSA_ONLY)	/* nothing to refuse */
		return 0;
	memset(&b, 0, sizeof(b));
	if (pemfile_parse(p->content, p->len, &b, err) == -1)
		return -1;
	if (readerbin_refuse_key(f, b.key, &why) == -1) {
		if (c->allow_non_rsa || p->same_key_as_old || p->key_kept)
			msg_warn("%s: not an RSA key, and %s; %s", p->name,
			    f->key_text, readerbin_key_failure(f->file));
		else {
			*err = why;
			rc = -1;
		}
	}
	pemfile_free(&b);
	return rc;
}

int
readerload_refuse(const struct common_opts *c, const struct file_plan *plans,
    size_t n, struct err *err)
{
	struct readerbin_file files[2];
	const struct readerbin_file *f;
	size_t i;

	if (readerload_scan(c, files, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (plans[i].content == NULL ||
		    (f = file_of(&plans[i], files)) == NULL)
			continue;
		if (check_plan(c, &plans[i], f, err) == -1)
			return -1;
	}
	return 0;
}
