/* tmprsa.c: install's repair of rsa*.pem (see tmprsa.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "base/msg.h"
#include "fs/dirnames.h"
#include "fs/fileacl.h"
#include "fs/readfile.h"
#include "ops/tmprsa.h"
#include "site/policy.h"
#include "site/tlsnames.h"

#define TMPRSA_LISTED	64	/* rsa*.pem looked at in one run */

/* The plan for one file, if it needs one: 1, 0 when not. */
static int
plan_one(const struct perms_dir *dir, const char *name, gid_t reader_gid,
    struct file_plan *p, struct err *err)
{
	char *data = NULL, who[256];
	size_t len = 0;
	struct stat st;
	mode_t repair;
	int acl, rc;

	if ((rc = perms_stat(dir, name, &st, err)) <= 0)
		return rc;
	if (!S_ISREG(st.st_mode))
		return 0;	/* a link or anything else: verify says so */
	if ((acl = fileacl_extended_at(dir->fd, name, &st, who,
	    sizeof(who))) == -1)
		return err_set(err, errno == ELIBACC ? EX_OSFILE :
		    EX_NOINPUT, "%s/%s: cannot read its ACL: %s", dir->path,
		    name, fileacl_strerror(errno));
	if (!tlsnames_tmprsa_too_open(&st, reader_gid, &repair)) {
		if (acl == 0)
			return 0;
		repair = st.st_mode & 07777;	/* only the ACL goes */
	}
	if (readfile_dir(dir, name, &data, &len, &st, err) == -1)
		return -1;
	p->content = data;	/* plan_free() cleanses it */
	p->len = len;
	p->target.uid = st.st_uid;
	p->target.gid = st.st_gid;
	p->target.mode = repair;
	snprintf(p->note, sizeof(p->note), "a temporary RSA key: readable by "
	    "its owner%s only", repair == TMPRSA_GROUP_MODE ? " and group" :
	    "");
	return 1;
}

int
tmprsa_repair_plans(const struct perms_dir *dir, gid_t reader_gid,
    struct tmprsa_repairs *names, struct file_plan *plans, size_t max,
    size_t *n, struct err *err)
{
	struct dirnames list;
	size_t i;
	int rc;

	*n = 0;
	if (max > TMPRSA_MAX_REPAIRS)
		max = TMPRSA_MAX_REPAIRS;
	if (dirnames_list(dir->fd, dir->path, tlsnames_is_tmprsa,
	    TMPRSA_LISTED, &list, err) == -1)
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
		    &plans[*n], err)) == -1) {
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
