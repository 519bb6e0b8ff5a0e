/* policy.c: the tables of policy.h. */
#include "site/policy.h"

const char *const default_service_dirs[NDEFAULT_SERVICE_DIRS + 1] = {
	"/service", "/etc/service", "/var/service", NULL
};
