/* tmprsa.c: rsa*.pem, readable by whom (see tmprsa.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "dirnames.h"
#include "fileacl.h"
#include "msg.h"
#include "pemfile.h"
#include "tmprsa.h"

int
tmprsa_too_open(const struct stat *st, gid_t reader_gid, mode_t *repair)
{
	mode_t m = st->st_mode & 07777;
	int reader_group = st->st_uid == 0 && st->st_gid == reader_gid;

	*repair = reader_group ? 0640 : 0600;
	if (reader_group)
		return (m & 0037) != 0;
	return (m & 0077) != 0;
}

/* The plan for one file, if it needs one: 1, 0 when not. */
static int
plan_one(const struct perms_dir *dir, const char *name, gid_t reader_gid,
    struct file_plan *p)
{
	char *data = NULL, who[256];
	size_t len = 0;
	struct stat st;
	mode_t repair;
	int acl, rc;

	if ((rc = perms_stat(dir, name, &st)) <= 0)
		return rc;
	if (!S_ISREG(st.st_mode))
		return 0;	/* a link or anything else: verify says so */
	if ((acl = fileacl_extended_at(dir->fd, name, &st, who,
	    sizeof(who))) == -1)
		return msg_fail(EX_NOINPUT, "%s/%s: cannot read its ACL: %s",
		    dir->path, name, strerror(errno));
	if (!tmprsa_too_open(&st, reader_gid, &repair)) {
		if (acl == 0)
			return 0;
		repair = st.st_mode & 07777;	/* only the ACL goes */
	}
	if (perms_read_file(dir, name, &data, &len, &st) == -1)
		return -1;
	p->content = pemfile_copy_bytes(data, len);
	perms_free_secret(data, len);
	if (p->content == NULL)
		return msg_fail(EX_OSERR, "out of memory");
	p->len = len;
	p->target.uid = st.st_uid;
	p->target.gid = st.st_gid;
	p->target.mode = repair;
	snprintf(p->note, sizeof(p->note), "a temporary RSA key: readable by "
	    "its owner%s only", repair == 0640 ? " and group" : "");
	return 1;
}

int
tmprsa_repair_plans(const struct perms_dir *dir, gid_t reader_gid,
    struct tmprsa_repairs *names, struct file_plan *plans, size_t max,
    size_t *n)
{
	struct dirnames list;
	size_t i;
	int rc;

	*n = 0;
	if (max > TMPRSA_MAX_REPAIRS)
		max = TMPRSA_MAX_REPAIRS;
	if (dirnames_list(dir->fd, dir->path, dirnames_is_rsa, 64, &list) == -1)
		return -1;
	for (i = 0; i < list.n; i++) {
		if (*n == max) {
			msg_warn("%s/%s: not repaired in this run (at most %zu "
			    "temporary RSA keys a run): run install again",
			    dir->path, list.v[i], max);
			continue;
		}
		memset(&plans[*n], 0, sizeof(plans[*n]));
		snprintf(names->names[*n], sizeof(names->names[*n]), "%s",
		    list.v[i]);
		if ((rc = plan_one(dir, names->names[*n], reader_gid,
		    &plans[*n])) == -1) {
			plan_free(plans, *n + 1);
			*n = 0;
			dirnames_free(&list);
			return -1;
		}
		if (rc == 1) {
			plans[*n].name = names->names[*n];
			(*n)++;
		}
	}
	dirnames_free(&list);
	return 0;
}
