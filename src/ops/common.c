/* common.c: the defaults of the options several commands share. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/privs.h"
#include "fs/subdir.h"
#include "ops/common.h"
#include "site/policy.h"
#include "site/sni.h"

void
common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->command = "install";
	c->dir = DEFAULT_DIR;
	owners_defaults(&c->owners);
	c->newcert.key_type = DEFAULT_KEY_TYPE;
	c->newcert.days = DEFAULT_DAYS;
	c->wait = DEFAULT_WAIT;
}

int
common_prepare(struct common_opts *c, int refuse_readers, struct err *err)
{
	c->refuse_readers = refuse_readers;
	if (!c->dry_run && privs_check_can_write(err) == -1)
		return -1;
	return privs_limit(c->dry_run ? PRIVS_READ : c->post_hook ?
	    PRIVS_WRITE_HOOK : PRIVS_WRITE, err);
}

const char *
common_sni_sub(const struct common_opts *c, char *buf, size_t size)
{
	if (c->sni == NULL)
		return NULL;
	snprintf(buf, size, "%s/%s", SNI_DIR, c->sni);
	return buf;
}

const char *
common_command(const struct common_opts *c, const char *command, char *buf,
    size_t size)
{
	struct site_model told;

	/* c->sni, not the model's: rotate's sweep of the SNI files runs
	 * each under the model of DIR */
	if (c->model.dir[0])
		return model_command_sni(&c->model, command, c->sni ? c->sni :
		    "", NULL, buf, size);
	model_init(&told, c->dir, c->sni, &c->services);
	return model_command(&told, command, MODEL_SERVER, NULL, buf, size);
}

/*
 * DIR/servercerts/NAME, never made here.  A command that writes the file
 * in a new folder (plan_new: install, csr --new-key) plans in an empty
 * stand-in when it does not exist yet, and c->sni_new says which folders
 * common_make_sni() makes just before the first file is written (a
 * --dry-run says it would); for the others, which need the file in it, a
 * missing folder is an error.
 */
int
common_enter_sni(struct common_opts *c, int plan_new, struct perms_dir *dir,
    struct err *err)
{
	struct perms_dir top = *dir;
	char cmd[2400], shown[sizeof(dir->path)];
	struct stat st;
	int rc, top_exists = 0;

	if (c->sni == NULL)
		return 0;
	rc = sni_open(&top, c->sni, 0, dir, err);
	if (rc == 0 && plan_new)
		top_exists = perms_stat(&top, SNI_DIR, &st, err);
	perms_close_dir(&top);
	if (rc == -1 || top_exists == -1)
		return -1;
	if (rc == 1)
		return 0;
	if (!plan_new)
		return err_set(err, EX_NOINPUT, "%s/%s/%s does not exist: there "
		    "is no SNI certificate for %s; %s makes one", c->dir,
		    SNI_DIR, c->sni, c->sni, common_command(c, "install", cmd,
		    sizeof(cmd)));
	c->sni_new = top_exists ? SNI_NEW_NAME : SNI_NEW_BOTH;
	snprintf(shown, sizeof(shown), "%s/%s/%s", c->dir, SNI_DIR, c->sni);
	return perms_absent_subdir(shown, dir, err);
}

/* An SNI folder locked after a wait may have been taken back meanwhile
 * by the qmail-pem that made it and failed (common_unmake_sni()). */
static int
still_there(const struct perms_dir *dir, struct err *err)
{
	struct stat st;

	if (fstat(dir->fd, &st) == -1)
		return err_set(err, EX_OSERR, "cannot examine %s: %s",
		    dir->path, strerror(errno));
	if (st.st_nlink == 0)
		return err_set(err, EX_TEMPFAIL, "%s was removed while this "
		    "command waited for its lock (another qmail-pem made it, "
		    "then failed); run again", dir->path);
	return 0;
}

int
common_lock_dir(const struct common_opts *c, const struct perms_dir *dir,
    struct err *err)
{
	/* a stand-in is locked when common_make_sni() makes it */
	if (c->dry_run || c->sni_new != SNI_NEW_NONE)
		return 0;
	if (perms_lock_dir(dir, c->wait, err) == -1)
		return -1;
	return c->sni != NULL ? still_there(dir, err) : 0;
}

int
common_open_dir(struct common_opts *c, struct perms_dir *dir,
    struct err *err)
{
	if (perms_open_dir(c->dir, dir, err) == -1 ||
	    common_enter_sni(c, c->plan_new_sni, dir, err) == -1 ||
	    common_lock_dir(c, dir, err) == -1)
		return -1;
	return common_model(c, dir, c->command, 0, err);
}

void
common_sni_init(struct sni_made *m)
{
	memset(m, 0, sizeof(*m));
	m->dir.fd = m->top.fd = -1;
}

int
common_make_sni(const struct common_opts *c, struct sni_made *m,
    struct perms_dir *dir, struct err *err)
{
	struct perms_dir made = { .fd = -1 };
	struct err why = { 0 };
	int rc;

	if (c->dry_run || c->sni_new == SNI_NEW_NONE)
		return 0;
	if (perms_open_dir(c->dir, &m->dir, err) == -1 ||
	    sni_make(m, c->sni, &made, err) == -1 ||
	    perms_lock_dir(&made, c->wait, err) == -1) {
		/* not locked: another qmail-pem's now, or nothing made */
		m->made_top = m->made_name = 0;
		perms_close_dir(&made);
		return -1;
	}
	/* the plan is of an empty folder: anything in it now was written
	 * by another qmail-pem since (or it was removed) */
	if ((rc = perms_subdir_empty(&made, err)) != 1) {
		if (rc == 0)
			err_set(err, EX_TEMPFAIL, "%s: another qmail-pem wrote "
			    "in this folder (or removed it) while this command "
			    "planned its files; run again", made.path);
		if (sni_unmake(m, c->sni, &made, &why) == -1)
			err_suffix(err, "; and %s", why.text);
		perms_close_dir(&made);
		return -1;
	}
	perms_close_dir(dir);
	*dir = made;
	return 0;
}

void
common_unmake_sni(const struct common_opts *c, struct sni_made *m,
    const struct perms_dir *dir, struct err *err)
{
	struct err why = { 0 };

	if (c->sni != NULL && sni_unmake(m, c->sni, dir, &why) == -1)
		err_suffix(err, "; the folder it made is left: %s", why.text);
}

int
common_model(struct common_opts *c, const struct perms_dir *dir,
    const char *command, int quiet, struct err *err)
{
	struct model_request req;
	const struct model_file *f;

	memset(&req, 0, sizeof(req));
	req.owner = c->owners.owner;
	req.group[MODEL_SERVER] = c->owners.server_group;
	req.group[MODEL_CLIENT] = c->owners.client_group;
	req.services = &c->services;
	req.dir = c->dir;
	req.sni = c->sni;
	req.quiet = quiet;
	req.lenient = c->lenient;
	if (model_build(&req, dir, &c->model, err) == -1)
		return -1;
	f = model_file(&c->model, SERVERCERT);
	c->owners.server = f->want;
	c->owners.server_group = f->group;
	/* none with --sni: an SNI folder holds servercert.pem alone */
	if ((f = model_file(&c->model, CLIENTCERT)) != NULL) {
		c->owners.client = f->want;
		c->owners.client_group = f->group;
	}
	/* a group the real reader is not in breaks STARTTLS: refuse now */
	return c->refuse_readers ? model_refuse(&c->model, command, err) : 0;
}

void
common_free(struct common_opts *c)
{
	model_free(&c->model);
}
