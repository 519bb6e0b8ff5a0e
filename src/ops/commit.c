/*
 * commit.c: qmail-pem rotate --commit, the second half of a DANE
 * rollover: the files staged by rotate --stage (NAME.next) replace the
 * live ones, which are kept as backups, and the .next files go.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "fs/fileacl.h"
#include "fs/plan.h"
#include "ops/commit.h"
#include "ops/readerload.h"
#include "ops/replace.h"
#include "ops/tlsa.h"
#include "site/danenote.h"
#include "ops/trace.h"
#include "site/policy.h"
#include "x509/certinfo.h"

/* A staged file as rotate --stage wrote it. */
struct staged {
	const char		*name;
	const char		*live;
	const struct perms_target *target;
	int			 usage;
	int			 found;
	char			*data;
	size_t			 len;
	struct pem_bundle	 b;
	const char		*install;	/* the hints' commands, */
	const char		*rotate;	/* complete */
};

/* The staged file still has the owner and mode it was written with: if
 * anyone widened them, its key may have been read and must not go live. */
static int
check_staged_perms(const struct perms_dir *dir, const struct staged *s,
    struct err *err)
{
	char want[128], have[128], who[512];
	struct stat st;
	int rc;

	if (perms_stat(dir, s->name, &st, err) != 1)
		return err_set(err, EX_NOINPUT, "%s/%s vanished while "
		    "qmail-pem ran; run again", dir->path, s->name);
	if (perms_matches(&st, s->target)) {
		if ((rc = fileacl_extended_at(dir->fd, s->name, &st, who,
		    sizeof(who))) == 0)
			return 0;
		if (rc == -1)
			return err_set(err, errno == ELIBACC ? EX_OSFILE :
			    EX_NOINPUT, "%s/%s: cannot read its ACL: %s",
			    dir->path, s->name, fileacl_strerror(errno));
		return err_set(err, EX_DATAERR, "%s/%s has extended ACL "
		    "entries (%s) that it was not staged with: its key may "
		    "have been read by them, so it does not go live; remove "
		    "the .next files and stage a new key with %s --stage",
		    dir->path, s->name, who, s->rotate);
	}
	perms_describe(st.st_uid, st.st_gid, st.st_mode, have, sizeof(have));
	perms_describe(s->target->uid, s->target->gid, s->target->mode, want,
	    sizeof(want));
	return err_set(err, EX_DATAERR, "%s/%s is %s, not %s as it was staged: "
	    "its key may have been read by others, so it does not go live; "
	    "remove the .next files and stage a new key with %s --stage",
	    dir->path, s->name, have, want, s->rotate);
}

/* quiet: the same bytes as a file already checked, warnings said once. */
static int
read_staged(const struct perms_dir *dir, struct staged *s,
    const struct staged *first, struct err *err)
{
	struct cert_names *n;
	char shown[300];
	int rc = -1;

	if ((s->found = replace_read_pem(dir, s->name, &s->data, &s->len,
	    &s->b, err)) <= 0)
		return s->found;
	if (check_staged_perms(dir, s, err) == -1)
		return -1;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	/* The file is in qmail-pem's layout: the leaf comes first. */
	if (certinfo_names(sk_X509_value(s->b.certs, 0), n) == -1) {
		err_set(err, EX_DATAERR, "%s/%s: the certificate names no "
		    "host: remove the .next files and stage again", dir->path,
		    s->name);
		goto out;
	}
	snprintf(shown, sizeof(shown), "the staged %s", s->name);
	rc = replace_verify(shown, s->data, s->len, s->target, s->usage,
	    n->host, s->install, first != NULL && first->found && first->len == s->len &&
	    memcmp(first->data, s->data, s->len) == 0 ? REPLACE_QUIET : 0, err);
out:
	free(n);
	return rc;
}

static void
staged_free(struct staged *s)
{
	secret_free(s->data, s->len);
	s->data = NULL;
	pemfile_free(&s->b);
}

static int
print_commit(const struct common_opts *c, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const char *tlsa, struct err *err)
{
	json_t *root;

	if (c->json) {
		if ((root = plan_json("rotate", dir, plans, n, c->dry_run))
		    == NULL)
			return err_set(err, EX_OSERR, "out of memory");
		json_object_set_new(root, "tlsa", json_string(tlsa));
		return plan_dump_json(root, err);
	}
	plan_print(plans, n, c->dry_run);
	if (c->dry_run)
		return 0;
	msg_info("TLSA record of the key now in place (keep it; remove the "
	    "old one from DNS):");
	printf("%s\n", tlsa);
	return 0;
}

/* The hex SHA-256 of the live server key that the commit replaces with
 * staged, or "" (none, or the same key). */
static int
replaced_spki(const struct perms_dir *dir, const struct staged *staged,
    char hex[65], struct err *err)
{
	struct pem_bundle b;
	char *data = NULL, next[65];
	size_t len = 0;
	int rc;

	hex[0] = '\0';
	if ((rc = replace_read_pem(dir, SERVERCERT, &data, &len, &b, err)) ==
	    1 && (dane_spki_sha256(b.key, hex, err) == -1 ||
	    dane_spki_sha256(staged->b.key, next, err) == -1))
		rc = -1;
	else if (rc == 1 && strcmp(hex, next) == 0)
		hex[0] = '\0';
	secret_free(data, len);
	pemfile_free(&b);
	return rc == -1 ? -1 : 0;
}

/*
 * After the commit: note the server key it replaced (site/danenote.h),
 * so that a rollback does not silently bring it back.  The files are in
 * place already: a failure is said, not an error.
 */
static void
note_replaced(const struct common_opts *c, const struct perms_dir *dir,
    const char *hex)
{
	struct err e = { 0 };

	if (hex[0] && dane_note_add(dir, &c->model.dane.note, hex,
	    time(NULL), c->owners.server.uid, &e) == -1)
		msg_warn("%s; a rollback will not know that the old key's TLSA "
		    "record was to be removed", e.text);
}

/* The two staged files, and the commands of the hints into install and
 * rotate (MODEL_COMMAND_MAX bytes each). */
static void
staged_init(const struct common_opts *c, struct staged *s, char *install,
    char *rotate)
{
	memset(s, 0, 2 * sizeof(*s));
	s[0].install = s[1].install = common_command(c, "install", install,
	    MODEL_COMMAND_MAX);
	s[0].rotate = s[1].rotate = common_command(c, "rotate", rotate,
	    MODEL_COMMAND_MAX);
	s[0].name = SERVERCERT_NEXT;
	s[0].live = SERVERCERT;
	s[0].target = &c->owners.server;
	s[0].usage = USAGE_SERVER;
	s[1].name = CLIENTCERT_NEXT;
	s[1].live = CLIENTCERT;
	s[1].target = &c->owners.client;
	s[1].usage = USAGE_CLIENT;
}

int
commit_run(const struct common_opts *c, int keep,
    const struct perms_dir *dir, char *changed, size_t size,
    struct err *err)
{
	struct trace trace;
	struct staged s[2];
	struct file_plan plans[4];
	char host[256], tlsa[TLSA_RECORD_MAX], old[65];
	char sub[sizeof(SNI_DIR) + 256], install[MODEL_COMMAND_MAX],
	    rotate[MODEL_COMMAND_MAX];
	size_t n = 0, i;
	int rc = -1;

	memset(plans, 0, sizeof(plans));
	staged_init(c, s, install, rotate);
	/* with --sni the model holds servercert.pem alone */
	if (read_staged(dir, &s[0], NULL, err) == -1 ||
	    (model_file(&c->model, s[1].live) != NULL &&
	    read_staged(dir, &s[1], &s[0], err) == -1))
		goto out;
	if (!s[0].found) {
		err_set(err, EX_NOINPUT, "no staged key to commit: %s/%s does "
		    "not exist; stage one with %s --stage", dir->path,
		    SERVERCERT_NEXT, rotate);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if (!s[i].found)
			continue;
		plans[n].name = s[i].live;
		plans[n].target = *s[i].target;
		plans[n].keep_backup = 1;
		plans[n].info = ACT_NEW_KEY | ACT_NEW_CERT;
		snprintf(plans[n].note, sizeof(plans[n].note), "from %s",
		    s[i].name);
		if ((plans[n].content = secret_copy(s[i].data,
		    s[i].len, err)) == NULL)
			goto out;
		plans[n++].len = s[i].len;
	}
	for (i = 0; i < 2; i++) {
		if (!s[i].found)
			continue;
		plans[n].name = s[i].name;
		plans[n++].target = *s[i].target;	/* no content: removed */
	}
	if (readerload_refuse(c, plans, n, err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (plan_decide(dir, &plans[i], err) == -1)
			goto out;
	plan_show_in(plans, n, common_sni_sub(c, sub, sizeof(sub)));
	if (tlsa_hostname(dir, c->newcert.hostname,
	    sk_X509_value(s[0].b.certs, 0), host, sizeof(host), err) == -1 ||
	    tlsa_record(s[0].b.key, host, tlsa, sizeof(tlsa), err) == -1)
		goto out;
	if (replaced_spki(dir, &s[0], old, err) == -1)
		goto out;
	if (!c->dry_run) {
		trace_before(&trace, dir, plans, n);
		if (plan_apply(dir, plans, n, time(NULL), err) == -1)
			goto out;
		trace_after(&trace, "rotate --commit", dir, plans, n);
		note_replaced(c, dir, old);
		if (replace_check_result(dir, plans, n, install, err) == -1 ||
		    replace_prune(dir, SERVERCERT, keep, err) == -1 ||
		    replace_prune(dir, CLIENTCERT, keep, err) == -1)
			goto out;
		replace_changed(plans, n, changed, size);
	}
	rc = print_commit(c, dir, plans, n, tlsa, err);
out:
	plan_free(plans, n);
	staged_free(&s[0]);
	staged_free(&s[1]);
	return rc;
}
