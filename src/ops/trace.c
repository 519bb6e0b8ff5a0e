/*
 * trace.c: one syslog line per changed file (trace.h).
 *
 * The keys are read with the parser every command uses (x509/pemfile.h)
 * and reduced at once to their SHA-256 digests; the bytes are wiped.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "base/secret.h"
#include "fs/readfile.h"
#include "ops/trace.h"
#include "x509/pemfile.h"
#include "x509gen.h"

/* "sha256 HEX" of the key in data, "no key" when there is none. */
static void
key_digest(const char *data, size_t len, char *buf, size_t size)
{
	struct pem_bundle b;
	struct err err = { 0 };
	unsigned char digest[32];
	char hex[65];

	memset(&b, 0, sizeof(b));
	if (pemfile_parse(data, len, &b, &err) == -1 || b.key == NULL ||
	    x509gen_pubkey_sha256(b.key, digest, &err) == -1)
		snprintf(buf, size, "no key");
	else {
		x509gen_hex(digest, sizeof(digest), hex);
		snprintf(buf, size, "sha256 %s", hex);
	}
	pemfile_free(&b);
}

void
trace_before(struct trace *t, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n)
{
	struct err err = { 0 };
	struct stat st;
	char *data = NULL;
	size_t i, len = 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n && i < TRACE_MAX_FILES; i++, t->n++) {
		if (plans[i].actions == 0)	/* no line in trace_after */
			continue;
		if (!plans[i].old_exists) {
			snprintf(t->old_key[i], sizeof(t->old_key[i]),
			    "absent");
			continue;
		}
		if (readfile_dir(dir, plans[i].name, &data, &len, &st,
		    &err) == -1) {
			/* a symlink, or not readable: no key to name */
			snprintf(t->old_key[i], sizeof(t->old_key[i]),
			    "not read");
			err_clear(&err);
			continue;
		}
		key_digest(data, len, t->old_key[i], sizeof(t->old_key[i]));
		secret_free(data, len);
		data = NULL;
	}
}

void
trace_after(const struct trace *t, const char *command,
    const struct perms_dir *dir, const struct file_plan *plans, size_t n)
{
	char what[256], key[80];
	size_t i;

	openlog("qmail-pem", LOG_PID, LOG_AUTHPRIV);
	for (i = 0; i < n && i < t->n; i++) {
		if (plans[i].actions == 0)
			continue;
		if (plans[i].content != NULL)
			key_digest(plans[i].content, plans[i].len, key,
			    sizeof(key));
		else
			snprintf(key, sizeof(key), "removed");
		plan_describe(&plans[i], what, sizeof(what));
		syslog(LOG_NOTICE, "%s: %s/%s: %s; public key: old %s, new "
		    "%s%s%s", command, dir->path, plans[i].name, what,
		    t->old_key[i], key, plans[i].backup[0] ? "; backup " : "",
		    plans[i].backup);
	}
	closelog();
}
