/* privs.c: process hygiene and capability checks. */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <sys/capability.h>

#include "msg.h"
#include "privs.h"

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
has_effective(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

int
privs_check_can_write(void)
{
	cap_t caps;
	int chown_ok;

	if (geteuid() != 0)
		return msg_fail(EX_NOPERM, "must run as root to set the owner "
		    "and group of the key files (use sudo, or --dry-run to see "
		    "the plan)");
	if ((caps = cap_get_proc()) == NULL)
		return msg_fail(EX_OSERR, "cannot read this process's "
		    "capabilities");
	chown_ok = has_effective(caps, CAP_CHOWN);
	cap_free(caps);
	if (!chown_ok)
		return msg_fail(EX_NOPERM, "running as root but without "
		    "CAP_CHOWN (a restricted container or systemd unit?): "
		    "qmail-pem needs it to give the files to their groups");
	return 0;
}
