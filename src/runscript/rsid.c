/* rsid.c: `id -u USER` and friends, answered from the user database. */
#include <stdio.h>
#include <string.h>

#include "base/userdb.h"
#include "runscript/rsid.h"

/* Answer `id [-u|-g] [-n] [USER]` from the account database. */
int
rs_eval_id(const struct wvec *wv, char *out, size_t size, char *why,
    size_t whysize)
{
	const char *user = NULL, *base, *p;
	char name[USERDB_NAME_MAX];
	int want_u = 0, want_g = 0, want_name = 0;
	size_t i;
	uid_t uid;
	gid_t gid;

	for (i = 0; i < wv->n; i++)
		if (wv->v[i].unknown)
			return -1;
	if (wv->n == 0)
		return -1;
	base = strrchr(wv->v[0].text, '/');
	base = base ? base + 1 : wv->v[0].text;
	if (strcmp(base, "id") != 0)
		return -1;
	for (i = 1; i < wv->n; i++) {
		p = wv->v[i].text;
		if (p[0] == '-' && p[1] != '\0' && user == NULL) {
			for (p++; *p != '\0'; p++) {
				if (*p == 'u')
					want_u = 1;
				else if (*p == 'g')
					want_g = 1;
				else if (*p == 'n')
					want_name = 1;
				else if (*p != 'r')
					return -1;
			}
		} else if (user == NULL)
			user = p;
		else
			return -1;
	}
	if (want_u + want_g != 1)
		return -1;
	if (user == NULL) {
		/* supervise and runsv run the script as root */
		uid = 0;
		gid = 0;
		user = "root";
	} else if (userdb_user_by_name(user, &uid, &gid) == -1) {
		snprintf(why, whysize, "`id` finds no user %s here", user);
		return -2;
	}
	if (want_u && !want_name)
		snprintf(out, size, "%lu", (unsigned long)uid);
	else if (want_u)
		snprintf(out, size, "%s", user);
	else if (!want_name)
		snprintf(out, size, "%lu", (unsigned long)gid);
	else if (userdb_group_by_gid(gid, name, sizeof(name)) == 0)
		snprintf(out, size, "%s", name);
	else {
		snprintf(why, whysize, "`id -gn %s`: gid %lu has no name",
		    user, (unsigned long)gid);
		return -2;
	}
	return 0;
}
