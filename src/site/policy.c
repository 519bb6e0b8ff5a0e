/* policy.c: the tables of policy.h. */
#include "site/policy.h"

const char *const default_service_dirs[NDEFAULT_SERVICE_DIRS + 1] = {
	"/service", "/etc/service", "/var/service", NULL
};

const struct managed_file managed_files[2] = {
	{ "", SERVERCERT, SERVERCERT, NULL, ROLE_SERVER,
	    DEFAULT_SERVER_GROUP },
	{ "", CLIENTCERT, CLIENTCERT, NULL, ROLE_CLIENT,
	    DEFAULT_CLIENT_GROUP },
};
