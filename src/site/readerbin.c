/*
 * readerbin.c: the binary of each reader and what it loads (readerbin.h).
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/err.h"
#include "site/policy.h"
#include "site/programs.h"
#include "site/readerbin.h"
#include "x509gen.h"

static const char *
how_words(enum program_how how)
{
	switch (how) {
	case PROGRAM_AS_WRITTEN:
		return "as written";
	case PROGRAM_SERVICE_DIR:
		return "relative to its service directory";
	case PROGRAM_SCRIPT_PATH:
		return "found in the PATH the script sets";
	case PROGRAM_DEFAULT_PATH:
		return "found in the supervisor's PATH";
	default:
		return "not found";
	}
}

/* The program the run script starts: found, or unknown with why. */
static void
from_script(const struct reader *r, struct readerbin *out)
{
	struct program_context ctx;
	struct program_where where;

	memset(&ctx, 0, sizeof(ctx));
	ctx.path = r->path_set ? r->path : NULL;
	ctx.service_dir = r->service_dir[0] ? r->service_dir : NULL;
	programs_resolve(r->word, &ctx, &where);
	if (where.how == PROGRAM_UNRESOLVED) {
		snprintf(out->how_text, sizeof(out->how_text), "%.200s line %u "
		    "starts %.200s", r->script, r->line, r->word);
		loaders_unknown(&out->loads, "%.80s in %.100s (line %u): %.60s",
		    r->word, r->script, r->line, where.why);
		return;
	}
	out->how = READERBIN_SCRIPT;
	snprintf(out->path, sizeof(out->path), "%s", where.path);
	snprintf(out->how_text, sizeof(out->how_text), "started by %.300s "
	    "line %u, %s", r->script, r->line, how_words(where.how));
}

int
readerbin_find(const char *control_dir, const struct reader *r,
    struct loaders_cache *cache, struct readerbin *out, struct err *err)
{
	struct qmail_programs qp;
	struct err why = { 0 };
	int remote = strcmp(r->file, CLIENTCERT) == 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->program, sizeof(out->program), "%s", remote ?
	    "qmail-remote" : "qmail-smtpd");
	if (!remote && r->word[0] != '\0') {
		from_script(r, out);
	} else if (!remote && r->source == READER_UNKNOWN && r->script[0]) {
		snprintf(out->how_text, sizeof(out->how_text), "%.300s",
		    r->script);
		loaders_unknown(&out->loads, "the run script %.200s does not "
		    "say which program it starts", r->script);
	} else if (programs_defaults(control_dir, &qp, &why) == -1) {
		loaders_unknown(&out->loads, "%.200s", why.text);
	} else {
		out->how = READERBIN_QMAILHOME;
		snprintf(out->path, sizeof(out->path), "%s", remote ?
		    qp.remote : qp.smtpd);
		snprintf(out->how_text, sizeof(out->how_text), "in QMAILHOME/bin; "
		    "QMAILHOME is the control directory's parent, %.200s%s",
		    qp.home, remote ? "" : "; no run script names it");
	}
	if (out->path[0] == '\0')
		return 0;
	return loaders_read(out->path, cache, &out->loads, err);
}

/* Combine one reader's binary into the file's verdict. */
static void
combine(struct readerbin_file *f, const struct readerbin *b, int first)
{
	const char *path = b->path[0] ? b->path : "not found";

	if (first || (b->loads.key == LOADERS_KEY_RSA_ONLY &&
	    f->key != LOADERS_KEY_RSA_ONLY) || (b->loads.key ==
	    LOADERS_KEY_UNKNOWN && f->key == LOADERS_KEY_ANY)) {
		f->key = b->loads.key;
		loaders_describe_key(&b->loads, b->program, path, f->key_text,
		    sizeof(f->key_text));
	}
	if (first || (b->loads.cert == LOADERS_CERT_LEAF_ONLY &&
	    f->cert != LOADERS_CERT_LEAF_ONLY) || (b->loads.cert ==
	    LOADERS_CERT_UNKNOWN && f->cert == LOADERS_CERT_CHAIN)) {
		f->cert = b->loads.cert;
		loaders_describe_cert(&b->loads, b->program, path,
		    f->cert_text, sizeof(f->cert_text));
	}
}

int
readerbin_of_file(const char *control_dir, const struct reader_list *list,
    const char *file, struct loaders_cache *cache, struct readerbin_file *out,
    struct err *err)
{
	struct readerbin b;
	size_t i;
	int first = 1;

	memset(out, 0, sizeof(*out));
	out->file = file;
	for (i = 0; i < list->n; i++) {
		if (strcmp(list->v[i].file, file) != 0)
			continue;
		if (readerbin_find(control_dir, &list->v[i], cache, &b,
		    err) == -1)
			return -1;
		combine(out, &b, first);
		first = 0;
	}
	return 0;
}

const char *
readerbin_key_failure(const char *file)
{
	return strcmp(file, CLIENTCERT) == 0 ? "qmail-remote then sends no "
	    "client certificate, as when the file is missing" :
	    "qmail-smtpd then answers STARTTLS with \"454 TLS no valid RSA "
	    "private key\"";
}

int
readerbin_refuse_key(const struct readerbin_file *f, EVP_PKEY *key,
    struct err *err)
{
	char desc[64];

	if (f->key != LOADERS_KEY_RSA_ONLY || key == NULL ||
	    x509gen_key_is_rsa(key))
		return 0;
	x509gen_describe_key(key, desc, sizeof(desc));
	return err_set(err, EX_CONFIG, "%s: refusing %s, not an RSA key: %s; "
	    "%s.  Nothing was changed.  Use an RSA key (--key-type rsa2048; "
	    "for certbot, --key-type rsa: certbot renew --cert-name NAME "
	    "--key-type rsa --force-renewal), or --allow-non-rsa if you "
	    "know that this program loads the key another way", f->file,
	    desc, f->key_text, readerbin_key_failure(f->file));
}
