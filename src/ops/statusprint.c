/*
 * statusprint.c: qmail-pem status as JSON or as text (statusprint.h).
 *
 * The text is a block per file, of "label  value" lines, and
 * verify's verdict last.  Everything echoed goes out printable
 * (msg_printable): a subject or a path may hold any bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "base/msg.h"
#include "ops/statusprint.h"

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* One "  label  value" line, the value made printable. */
static void
line(const char *label, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
line(const char *label, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("  %-10s %s\n", label, msg_printable(buf));
}

static void
print_disk(json_t *d)
{
	const char *type = str(d, "type");

	if (strcmp(type, "missing") == 0)
		line("file", "not there");
	else if (strcmp(type, "symlink") == 0)
		line("file", "a symlink to %s (qmail-pem install makes it a "
		    "file of its own)", str(d, "target"));
	else if (strcmp(type, "unusable") == 0)
		line("file", "cannot be used: %s", str(d, "why"));
	else if (strcmp(type, "other") == 0)
		line("file", "not a regular file (%s)", str(d, "permissions"));
	else
		line("file", "%s", str(d, "permissions"));
}

/* What the file should be, and the fix of a group that does not exist. */
static void
print_wanted(json_t *w)
{
	if (!json_is_object(w))
		return;
	line("should be", "%s:%s%s %s (%s)", str(w, "owner"), str(w, "group"),
	    json_is_false(json_object_get(w, "group_exists")) ?
	    " (does not exist on this system)" : "", str(w, "mode"),
	    str(w, "why"));
	if (str(w, "fix")[0])
		line("", "%s", str(w, "fix"));
}

static void
print_cert(json_t *f)
{
	json_t *c = json_object_get(f, "certificate"), *sans, *v;
	char names[4096] = "";
	size_t i, used = 0;

	if (!json_is_object(c)) {
		line("key", "none read (see the verdict)");
		return;
	}
	line("key", "%s, %lld bits%s%s", str(c, "key_type"),
	    num(c, "key_bits"), str(f, "shared_key")[0] ? "; " : "",
	    str(f, "shared_key"));
	line("subject", "%s", str(c, "subject"));
	line("issuer", "%s", json_is_true(json_object_get(c, "self_signed")) ?
	    "self-signed" : str(c, "issuer"));
	sans = json_object_get(c, "sans");
	json_array_foreach(sans, i, v)
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used,
			    sizeof(names) - used, "%s%s", i ? ", " : "",
			    json_string_value(v));
	line("names", "%s", names[0] ? names : "(none)");
	line("expires", "%s (%lld days left)", str(c, "not_after"),
	    num(c, "days_left"));
}

static void
print_reader(json_t *r)
{
	json_t *groups = json_object_get(r, "groups"), *g, *can;
	char list[1024] = "";
	size_t i, used = 0;

	line("reader", "%s", str(r, "reader"));
	json_array_foreach(groups, i, g)
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, "%s%s", i ? ", " : "",
			    json_string_value(g));
	if (list[0])
		line("  groups", "also %s", list);
	can = json_object_get(r, "can_read");
	if (json_is_true(can))
		line("  can read", "yes, as the file is now");
	else if (json_is_false(can))
		line("  can read", "NO; fix: %s", str(r, "fix"));
	else
		line("  can read", "cannot tell: %s", str(r, "why"));
}

static void
print_program(json_t *p)
{
	if (!json_is_string(json_object_get(p, "keys"))) {
		line("program", "%s%s%s", str(p, "path"),
		    str(p, "path")[0] ? ": " : "", str(p, "why"));
		return;
	}
	line("program", "%s", str(p, "key_loader"));
	line("", "%s", str(p, "cert_loader"));
}

static void
print_file(json_t *f)
{
	json_t *r, *t, *s, *b;
	size_t i;

	printf("%s (%s)\n", str(f, "file"), str(f, "status"));
	print_disk(json_object_get(f, "on_disk"));
	print_wanted(json_object_get(f, "wanted"));
	print_cert(f);
	json_array_foreach(json_object_get(f, "readers"), i, r)
		print_reader(r);
	print_program(json_object_get(f, "program"));
	if (json_is_object(t = json_object_get(f, "read_test")))
		line("read test", "%s: %s", str(t, "status"),
		    str(t, "message"));
	if (json_is_object(s = json_object_get(f, "staged")))
		line("staged", "%s, since %s (%lld days): rotate --commit puts "
		    "it in place", str(s, "file"), str(s, "since"),
		    num(s, "age_days"));
	else
		line("staged", "none");
	b = json_object_get(f, "backups");
	if (num(b, "count") == 0)
		line("backups", "none%s%s", str(b, "why")[0] ? ": " : "",
		    str(b, "why"));
	else
		line("backups", "%lld, newest %s (%lld days old), oldest %lld "
		    "days old", num(b, "count"), str(b, "newest"),
		    num(b, "newest_age_days"), num(b, "oldest_age_days"));
}

int
statusprint_text(json_t *root, struct err *err)
{
	json_t *f;
	size_t i;
	char head[4300];

	snprintf(head, sizeof(head), "qmail-pem status of %s%s%s",
	    str(root, "dir"), str(root, "hostname")[0] ? ", host " : "",
	    str(root, "hostname"));
	printf("%s\n\n", msg_printable(head));
	json_array_foreach(json_object_get(root, "files"), i, f) {
		print_file(f);
		putchar('\n');
	}
	printf("verify: %s\n", str(json_object_get(root, "verdict"), "line"));
	if (fflush(stdout) != 0)
		return err_set(err, EX_IOERR, "cannot write the status: %s",
		    strerror(errno));
	return 0;
}

int
statusprint_json(json_t *root, struct err *err)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	printf("%s\n", text);
	free(text);
	if (fflush(stdout) != 0)
		return err_set(err, EX_IOERR, "cannot write the status: %s",
		    strerror(errno));
	return 0;
}
