/* tlshosts.c: tlshosts/ and notlshosts/ (see tlshosts.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/secret.h"
#include "base/text.h"
#include "check/tlscontent.h"
#include "check/tlshosts.h"
#include "check/tlstext.h"
#include "fs/dirnames.h"
#include "site/policy.h"
#include "site/tlsnames.h"

/* tlshosts/NAME, NAME being HOST.pem. */
static void
host_file(const struct tlshosts_opts *o, const struct perms_dir *sub,
    const char *name, struct tlsreport_list *l, struct tlshosts_result *out)
{
	char host[NAME_MAX + 1], writable[400], means[400], *data;
	struct tlsdisk_kind k;
	size_t len, i;

	snprintf(host, sizeof(host), "%.*s", (int)(strlen(name) -
	    strlen(TLSFILE_SUFFIX)), name);
	if (tlsreport_push_name(&out->tlshosts, &out->ntlshosts, host) == -1) {
		l->failed = 1;
		return;
	}
	if ((i = tlsreport_add(l, TLSHOSTS_DIR "/%s", name)) == TLSREPORT_NONE)
		return;
	snprintf(writable, sizeof(writable), "make qmail-remote trust a CA "
	    "of their own for %s, and read the mail to it", host);
	snprintf(means, sizeof(means), "qmail-remote cannot load it: mail to "
	    "%s is deferred (TLS unable to load), then bounced", host);
	k = tlsdisk_kind_of(o->remote, CHECK_CRITICAL, writable, means);
	tlstext_host_name(host, tlsreport_at(l, i));
	if (!tlsdisk_check_read(sub, name, &k, o->reader_gid, o->dir_arg,
	    "parses", &data, &len, tlsreport_at(l, i)))
		return;
	tlscontent_cas(data, len, TLSCONTENT_TLSHOST, host, o->now,
	    tlsreport_at(l, i), NULL);
	secret_free(data, len);
}

/* names and exhaustivelist of tlshosts/, from its listing. */
static void
tlshosts_names(const struct dirnames *names, struct file_report *r,
    struct tlshosts_result *out)
{
	char stray[300] = "";
	size_t n, hosts = 0, nstray = 0;

	for (n = 0; n < names->n; n++) {
		if (strcmp(names->v[n], TLSHOSTS_EXHAUSTIVE) == 0)
			out->exhaustivelist = 1;
		else if (tlsnames_is_host_file(names->v[n]))
			hosts++;
		else if (nstray++ == 0)
			snprintf(stray, sizeof(stray), "%s", names->v[n]);
	}
	if (nstray > 0)
		verify_add(r, "names", CHECK_WARNING, "tlshosts/%s%s is never "
		    "read: qmail-remote looks only for HOST.pem (and "
		    "exhaustivelist)", stray, nstray > 1 ? " (and more)" : "");
	else
		verify_add(r, "names", CHECK_OK, "%zu host file%s%s", hosts,
		    hosts == 1 ? "" : "s", names->more ? " (and more, not "
		    "checked)" : "");
	if (out->exhaustivelist)
		verify_add(r, "exhaustivelist", CHECK_INFO, "exists: "
		    "qmail-remote tries TLS only with the %zu host(s) that have "
		    "a file here, and sends to every other host in plain text",
		    hosts);
	else
		verify_add(r, "exhaustivelist", CHECK_INFO, "does not exist: "
		    "qmail-remote tries TLS with every host that offers it "
		    "(%zu host(s) must show a certificate from their CAs)",
		    hosts);
}

/*
 * DIR/ (tlshosts/, notlshosts/) as a report of its own: checked as a
 * directory of kind k, opened into sub and listed into names.  1 when
 * listed, with *i its report; 0 when not (the report says why, if there
 * is one).  Close sub with tlsdisk_close() either way.
 */
static int
list_dir(const struct tlshosts_opts *o, struct tlsreport_list *l,
    const char *dir, const struct tlsdisk_kind *k, const char *check,
    struct tlsdisk_loc *sub, struct dirnames *names, size_t *i)
{
	struct err e = { 0 };

	memset(sub, 0, sizeof(*sub));
	sub->dir.fd = -1;
	if ((*i = tlsreport_add(l, "%s/", dir)) == TLSREPORT_NONE ||
	    !tlsdisk_open_subdir(o->dir, dir, k, sub, tlsreport_at(l, *i)))
		return 0;
	if (dirnames_list(sub->dir.fd, sub->shown, NULL, TLSHOSTS_MAX, names,
	    &e) == -1) {
		verify_add(tlsreport_at(l, *i), check, CHECK_UNKNOWN, "%s",
		    e.text);
		return 0;
	}
	return 1;
}

static void
tlshosts_dir(const struct tlshosts_opts *o, struct tlsreport_list *l,
    struct tlshosts_result *out)
{
	struct tlsdisk_loc sub;
	struct tlsdisk_kind k;
	struct dirnames names;
	size_t i, n;

	k = tlsdisk_kind_of(o->remote, CHECK_CRITICAL, "make qmail-remote "
	    "trust a CA of their own for any host, or stop the mail to it",
	    "qmail-remote sees none of its files: it checks no host's "
	    "certificate and ignores exhaustivelist");
	if (!list_dir(o, l, TLSHOSTS_DIR, &k, "names", &sub, &names, &i))
		goto out;
	tlshosts_names(&names, tlsreport_at(l, i), out);
	for (n = 0; n < names.n && !l->failed; n++)
		if (tlsnames_is_host_file(names.v[n]))
			host_file(o, &sub.dir, names.v[n], l, out);
	dirnames_free(&names);
out:
	tlsdisk_close(&sub);
}

static void
notlshosts_dir(const struct tlshosts_opts *o, struct tlsreport_list *l,
    struct tlshosts_result *out)
{
	struct tlsdisk_loc sub;
	struct tlsdisk_kind k;
	struct dirnames names;
	char list[400] = "";
	size_t i, n;

	k = tlsdisk_kind_of(o->remote, CHECK_WARNING, "switch TLS off for any "
	    "host (a downgrade to plain text)", "qmail-remote cannot see the "
	    "names in it and tries TLS with those hosts too");
	if (!list_dir(o, l, NOTLSHOSTS_DIR, &k, "hosts", &sub, &names, &i))
		goto out;
	for (n = 0; n < names.n; n++) {
		if (tlsreport_push_name(&out->notlshosts, &out->nnotlshosts,
		    names.v[n]) == -1)
			l->failed = 1;
		text_append(list, sizeof(list), "%s%s", n ? ", " : "",
		    names.v[n]);
	}
	if (names.n == 0)
		verify_add(tlsreport_at(l, i), "hosts", CHECK_INFO, "empty: "
		    "qmail-remote tries TLS with every host that offers it");
	else
		verify_add(tlsreport_at(l, i), "hosts", CHECK_INFO, "qmail-remote "
		    "never tries TLS with %zu host%s: %s%s",
		    names.n + names.more, names.n + names.more == 1 ? "" : "s",
		    list, names.more ? ", ..." : "");
	dirnames_free(&names);
out:
	tlsdisk_close(&sub);
}

void
tlshosts_check(const struct tlshosts_opts *o, struct tlsreport_list *l,
    struct tlshosts_result *out)
{
	memset(out, 0, sizeof(*out));
	if (tlsdisk_present(o->dir, TLSHOSTS_DIR))
		tlshosts_dir(o, l, out);
	if (tlsdisk_present(o->dir, NOTLSHOSTS_DIR))
		notlshosts_dir(o, l, out);
}

void
tlshosts_free(struct tlshosts_result *r)
{
	tlsreport_free_names(r->tlshosts, r->ntlshosts);
	tlsreport_free_names(r->notlshosts, r->nnotlshosts);
	memset(r, 0, sizeof(*r));
}
