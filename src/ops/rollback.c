/*
 * rollback.c: qmail-pem rollback, the way back from a rotation.
 *
 * Puts back the newest backups: the files whose newest backup carries the
 * newest stamp (the files the last replacement changed: both after a
 * rotation).  The restore is a plan like any other, so the files it
 * replaces are backed up first and a second rollback undoes the first;
 * the backups it restored are then removed, as they are live again.
 *
 * A rollback writes down what it restores (journal.h) before it replaces
 * anything and removes that note last.  A rollback killed in between
 * leaves the note, and the next one finishes that rollback instead of
 * choosing anew: the backups the killed run made of the files it replaced
 * carry the newest stamp, and choosing anew would put those back.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/secret.h"
#include "fs/backup.h"
#include "fs/plan.h"
#include "fs/readfile.h"
#include "ops/journal.h"
#include "ops/posthook.h"
#include "ops/replace.h"
#include "ops/rollback.h"
#include "ops/tlsa.h"
#include "site/danenote.h"
#include "ops/trace.h"
#include "site/policy.h"
#include "x509/pemfile.h"

/* One live file and its newest backup. */
struct restore {
	const char		*name;
	const struct perms_target *target;
	int			 usage;
	int			 have;		/* it has a backup */
	struct backup_name	 newest;
	int			 chosen;	/* it is restored */
	char			*data;
	size_t			 len;
	struct pem_bundle	 b;
	const char		*install;	/* the hints' install command */
};

/*
 * 1 if restoring the backup would change nothing: the live file is in its
 * final state (one link, owner, group, mode) and holds the backup's bytes,
 * as a copy left by a run that failed and could not remove it does.
 * Rollback looks past such a backup.
 */
static int
same_as_live(const struct perms_dir *dir, const struct restore *r,
    const char *backup)
{
	const char *name = r->name;
	struct err ignored = { 0 };
	struct stat a, b;
	char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	int same = 0;

	if (perms_stat(dir, name, &a, &ignored) != 1 ||
	    perms_stat(dir, backup, &b, &ignored) != 1 ||
	    !S_ISREG(a.st_mode) || !S_ISREG(b.st_mode) ||
	    a.st_size != b.st_size || !perms_matches(&a, r->target))
		return 0;
	if (readfile_dir(dir, name, &x, &xl, &a, &ignored) == 0 &&
	    readfile_dir(dir, backup, &y, &yl, &b, &ignored) == 0)
		same = xl == yl && memcmp(x, y, xl) == 0;
	secret_free(x, xl);
	secret_free(y, yl);
	return same;
}

static int
newest_backup(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	struct backup_name *list = NULL;
	size_t count = 0;

	if (backup_list(dir, r->name, &list, &count, err) == -1)
		return -1;
	while (count > 0 && same_as_live(dir, r, list[count - 1].name))
		count--;
	if (count > 0) {
		r->newest = list[count - 1];
		r->have = 1;
	}
	free(list);
	return 0;
}

/* Read the backup to restore; a recorded symlink is not restored. */
static int
read_backup(const struct perms_dir *dir, struct restore *r, struct err *err)
{
	char shown[300];
	struct stat st;
	int rc;

	if ((rc = perms_stat(dir, r->newest.name, &st, err)) == -1)
		return -1;
	if (rc == 1 && S_ISLNK(st.st_mode))
		return err_set(err, EX_DATAERR, "%s/%s records a symlink (the "
		    "layout qmail-pem install replaced, in which the key is "
		    "readable by both qmail users); rollback does not bring it "
		    "back: nothing was changed", dir->path, r->newest.name);
	if ((rc = replace_read_pem(dir, r->newest.name, &r->data, &r->len,
	    &r->b, err)) == -1)
		return -1;
	if (rc == 0)
		return err_set(err, EX_NOINPUT, "%s/%s vanished while "
		    "qmail-pem ran; run again", dir->path, r->newest.name);
	/* It was in place before: warn about what verify would, but put it
	 * back as it was. */
	snprintf(shown, sizeof(shown), "backup %s", r->newest.name);
	return replace_verify(shown, r->data, r->len, r->target, r->usage,
	    NULL, r->install, REPLACE_WARN_ONLY, err);
}

/* The newest backups of the files the model holds (with --sni, the SNI
 * folder's servercert.pem alone). */
static int
choose(const struct perms_dir *dir, const struct site_model *m,
    struct restore *r, struct err *err)
{
	const struct backup_name *max = NULL;
	int i, sni = m->sni[0] != '\0';

	for (i = 0; i < 2; i++) {
		if (model_file(m, r[i].name) == NULL)
			continue;
		if (newest_backup(dir, &r[i], err) == -1)
			return -1;
		if (r[i].have && (max == NULL ||
		    backup_compare(&r[i].newest, max) > 0))
			max = &r[i].newest;
	}
	if (max == NULL && sni)	/* an SNI folder: its file alone */
		return err_set(err, EX_NOINPUT, "%s holds no backup of %s "
		    "(%s.YYYYMMDDTHHMMSSZ.bak): there is nothing to roll back "
		    "to", dir->path, SERVERCERT, SERVERCERT);
	if (max == NULL)
		return err_set(err, EX_NOINPUT, "%s holds no backup of %s or "
		    "%s (NAME.YYYYMMDDTHHMMSSZ.bak): there is nothing to roll "
		    "back to", dir->path, SERVERCERT, CLIENTCERT);
	for (i = 0; i < 2; i++)
		r[i].chosen = r[i].have &&
		    backup_compare(&r[i].newest, max) == 0;
	return 0;
}

static int
print_rollback(const struct rollback_opts *o, const struct perms_dir *dir,
    const struct file_plan *plans, size_t n, const struct restore *r,
    const char *tlsa, struct err *err)
{
	json_t *root, *restored;
	int i;

	if (o->c.json) {
		if ((root = plan_json("rollback", dir, plans, n, o->c.dry_run))
		    == NULL)
			return err_set(err, EX_OSERR, "out of memory");
		restored = json_array();
		for (i = 0; i < 2; i++)
			if (r[i].chosen)
				json_array_append_new(restored,
				    json_string(r[i].newest.name));
		json_object_set_new(root, "restored_from", restored);
		if (tlsa[0])
			json_object_set_new(root, "tlsa", json_string(tlsa));
		return plan_dump_json(root, err);
	}
	plan_print(plans, n, o->c.dry_run);
	for (i = 0; i < 2; i++)
		if (r[i].chosen && !o->c.dry_run)
			msg_info("%s: restored from %s (that backup is removed)",
			    r[i].name, r[i].newest.name);
	if (tlsa[0]) {
		msg_info("TLSA record of the restored key (it must be in DNS "
		    "again):");
		printf("%s\n", tlsa);
	}
	return 0;
}

/*
 * A rollback that failed and put everything back leaves no note: the
 * directory is as it was.  When a file was restored, the note stays so
 * that the next rollback finishes the job.
 */
static void
journal_drop_if_unchanged(const struct perms_dir *dir,
    const struct file_plan *plans, size_t n)
{
	struct err ignored = { 0 };
	char *data = NULL;
	size_t len = 0, i;
	struct stat st;
	int restored = 0;

	for (i = 0; i < n && !restored; i++) {
		if (!(plans[i].actions & ACT_WRITES))
			continue;
		if (readfile_dir(dir, plans[i].name, &data, &len, &st,
		    &ignored) == 0)
			restored = len == plans[i].len &&
			    memcmp(data, plans[i].content, len) == 0;
		else
			restored = 1;	/* cannot tell: keep the note */
		secret_free(data, len);
		data = NULL;
	}
	if (!restored)
		journal_drop(dir);
}

/* The plans that put the chosen backups back. */
static int
plan_restores(const struct perms_dir *dir, struct restore *r,
    struct file_plan *plans, size_t *n, struct err *err)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		if (!r[i].chosen)
			continue;
		if (read_backup(dir, &r[i], err) == -1)
			return -1;
		plans[*n].name = r[i].name;
		plans[*n].target = *r[i].target;
		plans[*n].keep_backup = 1;
		snprintf(plans[*n].note, sizeof(plans[*n].note), "from %s",
		    r[i].newest.name);
		if ((plans[*n].content = secret_copy(r[i].data, r[i].len,
		    err)) == NULL)
			return -1;
		plans[*n].len = r[i].len;
		if (plan_decide(dir, &plans[(*n)++], err) == -1)
			return -1;
	}
	return 0;
}

/*
 * After the files are back: the backups restored go (one that cannot is
 * a copy of a live file, which the next rollback passes over: said, but
 * the rollback is done), then the note (one left behind would make the
 * next rollback finish this one, a no-op, instead of undoing it: an
 * error).
 */
static int
remove_restored(const struct perms_dir *dir, const struct restore *r,
    struct err *err)
{
	struct err left = { 0 };
	int i;

	for (i = 0; i < 2; i++)
		if (r[i].chosen &&
		    perms_unlink(dir, r[i].newest.name, &left) == -1)
			msg_warn("%s; it is a copy of the restored %s: remove "
			    "it by hand", left.text, r[i].name);
	if (perms_unlink(dir, ROLLBACK_NOTE, err) == -1)
		return err_suffix(err, "; the files are restored, but remove "
		    "%s/%s by hand before the next rollback", dir->path,
		    ROLLBACK_NOTE);
	if (perms_sync_dir(dir, &left) == -1)
		msg_warn("%s", left.text);
	return 0;
}

/* The files whose content changed, for the hook.  Finishing a killed
 * rollback: the files it had already restored changed too, and the hook
 * has not seen them. */
static void
changed_files(const struct restore *r, const struct file_plan *plans,
    size_t n, int resume, char *changed, size_t size)
{
	int i;

	replace_changed(plans, n, changed, size);
	if (!resume)
		return;
	changed[0] = '\0';
	for (i = 0; i < 2; i++)
		if (r[i].chosen)
			snprintf(changed + strlen(changed), size -
			    strlen(changed), "%s%s", changed[0] ? " " : "",
			    r[i].name);
}

/* The note says what an interrupted rollback was restoring. */
static int
resume_journal(const struct perms_dir *dir, struct restore *r,
    struct err *err)
{
	struct journal j;
	int i, rc;

	if ((rc = journal_read(dir, &j, err)) != 1)
		return rc;
	for (i = 0; i < 2; i++)
		if (j.e[i].restore) {
			r[i].newest = j.e[i].backup;
			r[i].have = r[i].chosen = 1;
		}
	msg_info("%s/%s: finishing the rollback that was interrupted",
	    dir->path, ROLLBACK_NOTE);
	return 1;
}

static int
write_journal(const struct perms_dir *dir, const struct restore *r,
    struct err *err)
{
	struct journal j;
	int i;

	memset(&j, 0, sizeof(j));
	for (i = 0; i < 2; i++) {
		j.e[i].restore = r[i].chosen;
		j.e[i].backup = r[i].newest;
	}
	return journal_write(dir, &j, err);
}

/* The hex SHA-256 of the live server key; "" when it has none. */
static void
live_spki(const struct perms_dir *dir, char hex[65])
{
	struct err ignored = { 0 };
	struct pem_bundle b;
	char *data = NULL;
	size_t len = 0;

	hex[0] = '\0';
	if (replace_read_pem(dir, SERVERCERT, &data, &len, &b,
	    &ignored) == 1 && b.key != NULL &&
	    dane_spki_sha256(b.key, hex, &ignored) == -1)
		hex[0] = '\0';
	secret_free(data, len);
	pemfile_free(&b);
}

/*
 * Would the restore bring back a server key that rotate --commit
 * replaced, whose TLSA record the administrator was told to remove?
 * Refused unless --allow-tlsa-change; tlsa gets the `3 1 1' record the
 * restored key needs (also when allowed, to print it).
 */
static int
dane_guard(const struct rollback_opts *o, const struct perms_dir *dir,
    const struct restore *r, char *tlsa, size_t size, struct err *err)
{
	const struct dane_replaced *d;
	char hex[65], live[65], host[256], cmd[2400], when[64];
	struct tm tm;

	tlsa[0] = '\0';
	if (!r[0].chosen || r[0].b.key == NULL ||
	    dane_spki_sha256(r[0].b.key, hex, err) == -1)
		return r[0].chosen && r[0].b.key != NULL ? -1 : 0;
	live_spki(dir, live);
	if ((d = dane_note_find(&o->c.model.dane.note, hex)) == NULL ||
	    strcmp(hex, live) == 0)
		return 0;
	if (tlsa_hostname(dir, o->c.newcert.hostname,
	    sk_X509_value(r[0].b.certs, 0), host, sizeof(host), err) == -1 ||
	    tlsa_record(r[0].b.key, host, tlsa, size, err) == -1)
		return -1;
	if (o->allow_tlsa_change)
		return 0;
	gmtime_r(&d->when, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	model_command(&o->c.model, "rollback", MODEL_SERVER, NULL, cmd,
	    sizeof(cmd));
	return err_set(err, EX_CONFIG, "%s/%s holds the key that qmail-pem "
	    "rotate --commit replaced on %s, whose TLSA record was to be "
	    "removed from DNS: restoring it breaks DANE for every sender that "
	    "checks TLSA, so nothing was changed. Publish its record first "
	    "(%s), then run: %s --allow-tlsa-change", dir->path,
	    r[0].newest.name, when, tlsa, cmd);
}

static int
restore_files(const struct rollback_opts *o, const struct perms_dir *dir,
    struct restore *r, char *changed, size_t size, struct err *err)
{
	char tlsa[TLSA_RECORD_MAX], install[2400];
	struct trace trace;
	struct file_plan plans[2];
	char sub[sizeof(SNI_DIR) + 256];
	size_t n = 0;
	int rc = -1, resume;

	memset(plans, 0, sizeof(plans));
	tlsa[0] = '\0';
	r[0].install = r[1].install = common_command(&o->c, "install",
	    install, sizeof(install));
	if ((resume = resume_journal(dir, r, err)) == -1 ||
	    (!resume && choose(dir, &o->c.model, r, err) == -1) ||
	    plan_restores(dir, r, plans, &n, err) == -1 ||
	    (!resume && dane_guard(o, dir, r, tlsa, sizeof(tlsa), err) == -1))
		goto out;
	plan_show_in(plans, n, common_sni_sub(&o->c, sub, sizeof(sub)));
	if (!o->c.dry_run) {
		if (!resume && write_journal(dir, r, err) == -1)
			goto out;
		trace_before(&trace, dir, plans, n);
		if (plan_apply(dir, plans, n, time(NULL), err) == -1) {
			journal_drop_if_unchanged(dir, plans, n);
			goto out;
		}
		trace_after(&trace, "rollback", dir, plans, n);
		if (replace_check_result(dir, plans, n, install, err) == -1 ||
		    remove_restored(dir, r, err) == -1)
			goto out;
		changed_files(r, plans, n, resume, changed, size);
	}
	rc = print_rollback(o, dir, plans, n, r, tlsa, err);
out:
	plan_free(plans, n);
	return rc;
}

int
rollback_run(struct rollback_opts *o, struct err *err)
{
	struct perms_dir dir = { .fd = -1 };
	struct restore r[2];
	char changed[128];
	int rc = -1, i;

	memset(r, 0, sizeof(r));
	changed[0] = '\0';
	/* The restored files get the owners, groups and modes the model
	 * wants: the live files' groups when their readers are in them. */
	r[0].name = SERVERCERT;
	r[0].target = &o->c.owners.server;
	r[0].usage = USAGE_SERVER;
	r[1].name = CLIENTCERT;
	r[1].target = &o->c.owners.client;
	r[1].usage = USAGE_CLIENT;
	if (common_prepare(&o->c, 1, err) == -1 ||
	    common_open_dir(&o->c, &dir, err) == -1 ||
	    restore_files(o, &dir, r, changed, sizeof(changed), err) == -1)
		goto out;
	perms_close_dir(&dir);
	rc = posthook_after(&o->c, changed, err);
out:
	for (i = 0; i < 2; i++) {
		secret_free(r[i].data, r[i].len);
		pemfile_free(&r[i].b);
	}
	perms_close_dir(&dir);
	common_free(&o->c);
	return rc;
}
