/* privs.c: process hygiene and capabilities. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <sys/capability.h>

#include "base/err.h"
#include "base/privs.h"

void
privs_harden_process(void)
{
	struct rlimit none = { 0, 0 };

	umask(077);
	/* Keys are held in memory: never in a core file or ptrace-able. */
	(void)setrlimit(RLIMIT_CORE, &none);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int
has_flag(cap_t caps, cap_value_t cap, cap_flag_t flag)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, cap, flag, &v) == 0 && v == CAP_SET;
}

int
privs_check_can_write(struct err *err)
{
	cap_t caps;
	int chown_ok;

	if (geteuid() != 0)
		return err_set(err, EX_NOPERM, "must run as root to set the "
		    "owner and group of the key files (use sudo, or --dry-run "
		    "to see the plan)");
	if ((caps = cap_get_proc()) == NULL)
		return err_set(err, EX_OSERR, "cannot read this process's "
		    "capabilities");
	chown_ok = has_flag(caps, CAP_CHOWN, CAP_EFFECTIVE);
	cap_free(caps);
	if (!chown_ok)
		return err_set(err, EX_NOPERM, "running as root but without "
		    "CAP_CHOWN (a restricted container or systemd unit?): "
		    "qmail-pem needs it to give the files to their groups");
	return 0;
}

/* The capabilities of a set (privs_set_names(), the one list of them);
 * -1 for a name libcap does not know. */
static int
set_caps(enum privs_set set, cap_value_t *v, size_t max)
{
	char names[128], *name, *save = NULL;
	size_t n = 0;

	snprintf(names, sizeof(names), "%s", privs_set_names(set));
	for (name = strtok_r(names, ",", &save); name != NULL && n < max;
	    name = strtok_r(NULL, ",", &save))
		if (cap_from_name(name, &v[n++]) == -1)
			return -1;
	return (int)n;
}

static int
in_set(cap_value_t c, const cap_value_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == c)
			return 1;
	return 0;
}

const char *
privs_set_names(enum privs_set set)
{
	switch (set) {
	case PRIVS_WRITE:
		return "cap_chown,cap_dac_read_search,cap_fowner";
	case PRIVS_WRITE_HOOK:
		return "cap_chown,cap_dac_read_search,cap_fowner,cap_kill";
	case PRIVS_PROBE:
		return "cap_dac_read_search,cap_setgid,cap_setuid";
	case PRIVS_PROBE_OUTPUT:
		return "cap_dac_override,cap_dac_read_search,cap_setgid,"
		    "cap_setuid";
	case PRIVS_READ:
		return "cap_dac_read_search";
	case PRIVS_NONE:
		break;
	}
	return "";
}

int
privs_limit(enum privs_set set, struct err *err)
{
	cap_value_t keep[8], c, last;
	cap_t cur = NULL, want = NULL;
	size_t i;
	int nkeep, rc = -1;

	if ((nkeep = set_caps(set, keep, 8)) == -1)
		return err_set(err, EX_SOFTWARE, "cannot name the capabilities "
		    "%s", privs_set_names(set));
	if ((cur = cap_get_proc()) == NULL || (want = cap_init()) == NULL) {
		err_set(err, EX_OSERR, "cannot read this process's "
		    "capabilities: %s", strerror(errno));
		goto out;
	}
	/* The bounding set caps what a program started later (a hook run
	 * as root) gets back through execve.  Lowering it needs CAP_SETPCAP;
	 * a process without it has nothing to lower.  Dropping one that is
	 * not there succeeds: no question first (one call each, not two). */
	if (has_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE)) {
		last = cap_max_bits();
		for (c = 0; c < last; c++) {
			if (in_set(c, keep, (size_t)nkeep))
				continue;
			if (cap_drop_bound(c) == -1) {
				err_set(err, EX_OSERR, "cannot drop capability "
				    "%d from the bounding set: %s", (int)c,
				    strerror(errno));
				goto out;
			}
		}
	}
	for (i = 0; i < (size_t)nkeep; i++) {
		if (!has_flag(cur, keep[i], CAP_PERMITTED))
			continue;
		if (cap_set_flag(want, CAP_PERMITTED, 1, &keep[i], CAP_SET)
		    == -1 || cap_set_flag(want, CAP_EFFECTIVE, 1, &keep[i],
		    CAP_SET) == -1) {
			err_set(err, EX_OSERR, "cannot build the capability "
			    "set: %s", strerror(errno));
			goto out;
		}
	}
	/* Inheritable stays empty, which also empties the ambient set. */
	if (cap_set_proc(want) == -1) {
		err_set(err, EX_OSERR, "cannot drop capabilities: %s",
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	cap_free(cur);
	cap_free(want);
	return rc;
}

int
privs_no_new_privs(struct err *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return err_set(err, EX_OSERR, "cannot set no_new_privs: %s",
		    strerror(errno));
	return 0;
}
