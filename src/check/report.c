/*
 * report.c: the three output formats of verify (--output FILE is written
 * by output_write()).
 *
 * nagios: one status line with perfdata, as the Nagios plugin guidelines
 * ask (with -v a line per check after it); json: one object built with
 * jansson; prometheus: the text exposition format for node_exporter's
 * textfile collector, HELP and TYPE for every metric, label values
 * escaped.  Text from certificates (subjects, names) may be any bytes:
 * anything that is not printable ASCII becomes '?' before it goes out,
 * and in the nagios format so does '|', which would start perfdata
 * (a subject "CN=x|'servercert_days'=9999" must not forge a value).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "base/err.h"
#include "base/msg.h"
#include "base/text.h"
#include "check/problems.h"
#include "check/report.h"
#include "fs/output.h"

const char *const report_format_names[] = { "nagios", "json", "prometheus",
    NULL };

enum check_status
report_overall(const struct verify_summary *s)
{
	enum check_status worst = CHECK_OK;
	size_t i;

	if (s->error != NULL)
		return s->status == CHECK_CRITICAL ? CHECK_CRITICAL :
		    CHECK_UNKNOWN;
	for (i = 0; i < s->nfiles; i++)
		worst = verify_worst_status(worst, verify_worst(&s->files[i]));
	return worst;
}

/* Printable ASCII only; at most size - 1 bytes. */
static const char *
plain(const char *in, char *buf, size_t size)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < size; i++)
		buf[i] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* As plain(), and no '|': any text in the nagios format. */
static const char *
nagios_text(const char *in, char *buf, size_t size)
{
	char *p;

	for (p = (char *)plain(in, buf, size); *p != '\0'; p++)
		if (*p == '|')
			*p = '?';
	return buf;
}

/* A perfdata label goes inside '...': no quote, '=' or '|' either. */
static const char *
nagios_label(const char *in, char *buf, size_t size)
{
	char *p;

	for (p = (char *)nagios_text(in, buf, size); *p != '\0'; p++)
		if (*p == '\'' || *p == '=')
			*p = '?';
	return buf;
}

/* --- nagios ------------------------------------------------------------ */

/* "FILE: CHECK: message", without the file again where the message
 * starts with it. */
static void
nagios_problem(FILE *fp, const struct problem *p)
{
	const char *msg = p->check->message;
	size_t flen = strlen(p->file->file);
	char text[600];

	if (strncmp(msg, p->file->file, flen) == 0 && msg[flen] == ':' &&
	    msg[flen + 1] == ' ')
		msg += flen + 2;
	fprintf(fp, "%s: ", nagios_text(p->file->file, text, sizeof(text)));
	fprintf(fp, "%s: ", nagios_text(p->check->name, text, sizeof(text)));
	fputs(nagios_text(msg, text, sizeof(text)), fp);
}

/* A file with no problem: "FILE: OK, expires in N days". */
static void
nagios_file_ok(FILE *fp, const struct file_report *r)
{
	const struct check *expiry;
	char text[600];
	size_t i, skipped = 0;

	for (i = 0; i < r->n; i++)
		if (r->checks[i].status == CHECK_SKIPPED)
			skipped++;
	if ((expiry = verify_find(r, "expiry")) == NULL)
		expiry = verify_find(r, "live-cert-expiry");
	fprintf(fp, "%s: OK", nagios_text(r->file, text, sizeof(text)));
	if (r->have_cert && expiry != NULL && expiry->status == CHECK_OK)
		fprintf(fp, ", expires in %ld days", verify_days(r));
	if (skipped > 0)
		fprintf(fp, " (%zu check%s skipped)", skipped,
		    skipped == 1 ? "" : "s");
}

#define NAGIOS_MAX_SHOWN	4
#define NAGIOS_MAX_PROBLEMS	(4 * VERIFY_MAX_CHECKS)

/* The status line: the problems (problems.h), then the files without. */
static void
nagios_summary(FILE *fp, const struct verify_summary *s)
{
	static const char *const levels[] = { "CRITICAL", "WARNING",
	    "UNKNOWN" };
	struct problem p[NAGIOS_MAX_PROBLEMS];
	size_t i, n, shown, quiet;
	const char *sep = "";

	n = problems_collect(s->files, s->nfiles, p, NAGIOS_MAX_PROBLEMS);
	shown = n < NAGIOS_MAX_SHOWN ? n : NAGIOS_MAX_SHOWN;
	for (i = 0; i < shown; i++, sep = "; ") {
		fputs(sep, fp);
		/* a lower level than the status line's is named */
		if (i > 0 ? p[i].level != p[i - 1].level :
		    p[i].level != problems_level(s->status))
			fprintf(fp, "%s: ", levels[p[i].level]);
		nagios_problem(fp, &p[i]);
	}
	if (n > shown)
		fprintf(fp, " (and %zu more; -v lists every check)", n - shown);
	for (i = 0, quiet = 0; i < s->nfiles; i++) {
		if (verify_worst(&s->files[i]) != CHECK_OK)
			continue;
		if (s->files[i].secondary) {	/* issue 23: a count */
			quiet++;
			continue;
		}
		fputs(n > 0 ? "; " : sep, fp);
		sep = "; ";
		nagios_file_ok(fp, &s->files[i]);
	}
	if (quiet > 0)
		fprintf(fp, "%s%zu other TLS file%s OK", n > 0 ? "; " : sep,
		    quiet, quiet == 1 ? "" : "s");
}

static void
render_nagios(FILE *fp, const struct verify_summary *s)
{
	char text[600];
	size_t i, j;

	fprintf(fp, "QMAIL-PEM %s - ", verify_status_name(s->status));
	if (s->error != NULL) {
		fprintf(fp, "%s\n", nagios_text(s->error, text, sizeof(text)));
		return;
	}
	nagios_summary(fp, s);
	fputs(" |", fp);
	for (i = 0; i < s->nfiles; i++) {
		char label[320], *pem;
		if (s->files[i].secondary)
			continue;	/* issue 23: no perfdata */
		nagios_label(s->files[i].file, label, sizeof(label));
		/* servercert.pem: servercert; smtp:HOST:PORT stays whole. */
		if ((pem = strstr(label, ".pem")) != NULL && pem[4] == '\0')
			*pem = '\0';
		if (s->files[i].have_cert)
			fprintf(fp, " '%s_days'=%ld;%d;%d", label,
			    verify_days(&s->files[i]), s->warn_days,
			    s->crit_days);
		else
			fprintf(fp, " '%s_days'=U;%d;%d", label, s->warn_days,
			    s->crit_days);
	}
	fputc('\n', fp);
	if (!s->verbose)
		return;
	for (i = 0; i < s->nfiles; i++)
		for (j = 0; j < s->files[i].n; j++) {
			fprintf(fp, "%s ", nagios_text(s->files[i].file, text,
			    sizeof(text)));
			fprintf(fp, "%s %s: ", nagios_text(
			    s->files[i].checks[j].name, text, sizeof(text)),
			    verify_status_name(s->files[i].checks[j].status));
			fprintf(fp, "%s\n", nagios_text(
			    s->files[i].checks[j].message, text,
			    sizeof(text)));
		}
}

/* --- json -------------------------------------------------------------- */

static json_t *
jtext(const char *s)
{
	char buf[1100];
	json_t *j = json_string(s);

	return j != NULL ? j : json_string(plain(s, buf, sizeof(buf)));
}

static json_t *
json_file(const struct file_report *r)
{
	json_t *o = json_object(), *checks = json_array(), *sans, *c;
	char buf[64], copy[sizeof(r->sans)], *p, *save = NULL;
	size_t i;

	if (o == NULL || checks == NULL) {
		json_decref(o);
		json_decref(checks);
		return NULL;
	}
	json_object_set_new(o, "status",
	    json_string(verify_status_name(verify_worst(r))));
	if (r->have_cert) {
		json_object_set_new(o, "not_before", json_string(
		    text_iso_time(r->not_before, buf, sizeof(buf))));
		json_object_set_new(o, "not_after", json_string(
		    text_iso_time(r->not_after, buf, sizeof(buf))));
		json_object_set_new(o, "not_after_epoch",
		    json_integer((json_int_t)r->not_after));
		json_object_set_new(o, "days_left",
		    json_integer(verify_days(r)));
		json_object_set_new(o, "subject", jtext(r->subject));
		json_object_set_new(o, "issuer", jtext(r->issuer));
		json_object_set_new(o, "serial", jtext(r->serial));
		json_object_set_new(o, "key_type", jtext(r->key_type));
		json_object_set_new(o, "key_bits", json_integer(r->key_bits));
		sans = json_array();
		snprintf(copy, sizeof(copy), "%s", r->sans);
		for (p = strtok_r(copy, ",", &save); p != NULL && sans != NULL;
		    p = strtok_r(NULL, ",", &save))
			json_array_append_new(sans, jtext(p));
		json_object_set_new(o, "sans", sans);
		json_object_set_new(o, "cert_sha256", jtext(r->cert_sha256));
		json_object_set_new(o, "pubkey_sha256",
		    jtext(r->pubkey_sha256));
	}
	for (i = 0; i < r->n; i++) {
		if ((c = json_object()) == NULL)
			continue;
		json_object_set_new(c, "name", jtext(r->checks[i].name));
		json_object_set_new(c, "status",
		    json_string(verify_status_name(r->checks[i].status)));
		json_object_set_new(c, "message", jtext(r->checks[i].message));
		json_array_append_new(checks, c);
	}
	json_object_set_new(o, "checks", checks);
	return o;
}

static json_t *
json_warnings(void)
{
	const char *list[MSG_MAX_WARNINGS];
	json_t *a = json_array();
	size_t i, n = msg_warnings(list);

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

static int
render_json(FILE *fp, const struct verify_summary *s, struct err *err)
{
	json_t *root = json_object(), *files = json_object();
	char buf[64], *text = NULL;
	size_t i;
	int rc = -1;

	if (root == NULL || files == NULL) {
		json_decref(files);
		goto out;
	}
	json_object_set_new(root, "command", json_string("verify"));
	/* ok: the files could be checked (status says how they are) */
	json_object_set_new(root, "ok", json_boolean(s->error == NULL));
	json_object_set_new(root, "status",
	    json_string(verify_status_name(s->status)));
	json_object_set_new(root, "exit", json_integer(s->status));
	json_object_set_new(root, "dir", s->dir ? jtext(s->dir) : json_null());
	json_object_set_new(root, "hostname",
	    s->hostname ? jtext(s->hostname) : json_null());
	json_object_set_new(root, "timestamp",
	    json_string(text_iso_time(s->now, buf, sizeof(buf))));
	json_object_set_new(root, "warning_days", json_integer(s->warn_days));
	json_object_set_new(root, "critical_days", json_integer(s->crit_days));
	if (s->error != NULL) {
		json_object_set_new(root, "message", jtext(s->error));
		json_object_set_new(root, "error", jtext(s->error));
	}
	json_object_set_new(root, "warnings", json_warnings());
	for (i = 0; i < s->nfiles; i++)
		json_object_set_new(files, s->files[i].file,
		    json_file(&s->files[i]));
	json_object_set_new(root, "files", files);
	if ((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER))
	    == NULL)
		goto out;
	fprintf(fp, "%s\n", text);
	rc = 0;
out:
	free(text);
	json_decref(root);
	if (rc == -1)
		err_set(err, EX_OSERR, "out of memory");
	return rc;
}

/* --- prometheus --------------------------------------------------------- */

/* A label value: \ " and newline escaped, printable ASCII only. */
static void
put_label(FILE *fp, const char *name, const char *value)
{
	char buf[1100];
	const char *p;

	fprintf(fp, "%s=\"", name);
	for (p = plain(value, buf, sizeof(buf)); *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', fp);
		fputc(*p, fp);
	}
	fputc('"', fp);
}

static void
put_meta(FILE *fp, const char *metric, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", metric, help, metric);
}

/* A gauge per file that has a certificate: its notAfter or notBefore. */
static void
put_cert_times(FILE *fp, const struct verify_summary *s, const char *metric,
    const char *help, int after)
{
	const struct file_report *r;
	size_t i;

	put_meta(fp, metric, help);
	for (i = 0; i < s->nfiles; i++) {
		if (!(r = &s->files[i])->have_cert)
			continue;
		fprintf(fp, "%s{", metric);
		put_label(fp, "file", r->file);
		fprintf(fp, "} %lld\n", (long long)(after ? r->not_after :
		    r->not_before));
	}
}

static void
put_cert_info(FILE *fp, const struct verify_summary *s)
{
	const struct file_report *r;
	size_t i;

	put_meta(fp, "qmail_pem_cert_info", "The leaf certificate; always 1.");
	for (i = 0; i < s->nfiles; i++) {
		if (!(r = &s->files[i])->have_cert)
			continue;
		fputs("qmail_pem_cert_info{", fp);
		put_label(fp, "file", r->file);
		fputc(',', fp);
		put_label(fp, "subject", r->subject);
		fputc(',', fp);
		put_label(fp, "issuer", r->issuer);
		fputc(',', fp);
		put_label(fp, "serial", r->serial);
		fputc(',', fp);
		put_label(fp, "key_type", r->key_type);
		fprintf(fp, ",key_bits=\"%d\",", r->key_bits);
		put_label(fp, "cert_sha256", r->cert_sha256);
		fputc(',', fp);
		put_label(fp, "pubkey_sha256", r->pubkey_sha256);
		fputs("} 1\n", fp);
	}
}

/* qmail_pem_check_ok (ok: of the checks not skipped) or
 * qmail_pem_check_status, a line per check. */
static void
put_checks(FILE *fp, const struct verify_summary *s, int ok)
{
	const struct file_report *r;
	size_t i, j;

	if (ok)
		put_meta(fp, "qmail_pem_check_ok", "1 if the check passed, 0 "
		    "if it gave WARNING, CRITICAL or UNKNOWN; absent when "
		    "skipped.");
	else
		put_meta(fp, "qmail_pem_check_status", "Result per check: 0 OK, "
		    "1 WARNING, 2 CRITICAL, 3 UNKNOWN, 4 SKIPPED, 5 INFO.");
	for (i = 0; i < s->nfiles; i++)
		for (j = 0; j < (r = &s->files[i])->n; j++) {
			if (ok && r->checks[j].status == CHECK_SKIPPED)
				continue;
			fputs(ok ? "qmail_pem_check_ok{" :
			    "qmail_pem_check_status{", fp);
			put_label(fp, "file", r->file);
			fputc(',', fp);
			put_label(fp, "check", r->checks[j].name);
			fprintf(fp, "} %d\n", !ok ? (int)r->checks[j].status :
			    r->checks[j].status == CHECK_OK ||
			    r->checks[j].status == CHECK_INFO);
		}
}

static void
render_prometheus(FILE *fp, const struct verify_summary *s)
{
	size_t i;

	put_meta(fp, "qmail_pem_verify_timestamp_seconds", "When qmail-pem "
	    "verify last ran (Unix time).");
	fprintf(fp, "qmail_pem_verify_timestamp_seconds %lld\n",
	    (long long)s->now);
	put_meta(fp, "qmail_pem_status", "Overall result: 0 OK, 1 WARNING, "
	    "2 CRITICAL, 3 UNKNOWN.");
	fprintf(fp, "qmail_pem_status %d\n", (int)s->status);
	if (s->nfiles == 0)
		return;
	put_meta(fp, "qmail_pem_file_status", "Result per file: 0 OK, "
	    "1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	for (i = 0; i < s->nfiles; i++) {
		fputs("qmail_pem_file_status{", fp);
		put_label(fp, "file", s->files[i].file);
		fprintf(fp, "} %d\n", (int)verify_worst(&s->files[i]));
	}
	put_cert_times(fp, s, "qmail_pem_cert_not_after_seconds", "End of the "
	    "leaf certificate's validity (Unix time).", 1);
	put_cert_times(fp, s, "qmail_pem_cert_not_before_seconds", "Start of "
	    "the leaf certificate's validity (Unix time).", 0);
	put_cert_info(fp, s);
	put_checks(fp, s, 1);
	put_checks(fp, s, 0);
}

int
report_render(const struct verify_summary *s, enum report_format format,
    char **out, size_t *len, struct err *err)
{
	FILE *fp;
	int rc = 0;

	*out = NULL;
	*len = 0;
	if ((fp = open_memstream(out, len)) == NULL)
		return err_set(err, EX_OSERR, "out of memory");
	switch (format) {
	case REPORT_NAGIOS:
		render_nagios(fp, s);
		break;
	case REPORT_JSON:
		rc = render_json(fp, s, err);
		break;
	case REPORT_PROMETHEUS:
		render_prometheus(fp, s);
		break;
	}
	if (fclose(fp) != 0 && rc == 0)
		rc = err_set(err, EX_OSERR, "out of memory");
	if (rc == -1) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}
