/*
 * unit_tlsfiles.c: the pieces of verify's checks of qmail's other TLS
 * files (issue 23) that need no files: the cipher string qmail builds from
 * a control file and what it leaves in effect (check/ciphers.c), who may
 * read a temporary RSA key (site/tlsnames.c), tlsclients lines and
 * tlshosts names (check/tlstext.c), and a run script's TLSCIPHERS
 * (runscript/startchain.c).
 * tests/t_verify_tlsfiles.sh runs the whole of it against files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/err.h"
#include "check/ciphers.h"
#include "check/tlstext.h"
#include "runscript/runscript.h"
#include "runscript/startchain.h"
#include "site/tlsnames.h"

static const struct check *
find(const struct file_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->checks[i].name, name) == 0)
			return &r->checks[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void
assert_check(const struct file_report *r, const char *name,
    enum check_status want)
{
	const struct check *c = find(r, name);

	if (c->status != want)
		fail_msg("%s: %s, want %s (%s)", name,
		    verify_status_name(c->status), verify_status_name(want),
		    c->message);
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		fail_msg("\"%s\" not in \"%s\"", part, text);
}

/* --- ciphers_from_control: control_readfile, then ':' --------------- */

static void
from_control(const char *data, size_t len, const char *want)
{
	char out[256];

	ciphers_from_control(data, len, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_ciphers_from_control(void **state)
{
	char small[8];
	static const char nul[] = "HIGH\0MEDIUM\n";

	(void)state;
	from_control("", 0, "");
	from_control("\n\n# only a comment\n", 19, "");
	from_control("HIGH:!aNULL\n", 12, "HIGH:!aNULL");
	/* lines joined with ':', comments and empty lines dropped, trailing
	 * blanks removed, leading ones kept (qmail keeps them) */
	from_control("# ciphers\nHIGH \t\n\n!aNULL\n  !MD5", 31,
	    "HIGH:!aNULL:  !MD5");
	/* a NUL becomes ':' as qmail turns its line ends into ':' */
	from_control(nul, sizeof(nul) - 1, "HIGH:MEDIUM");
	/* a comment only at the start of a line */
	from_control("HIGH # strong\n", 14, "HIGH # strong");
	/* cut to the buffer, the full length returned */
	assert_int_equal(ciphers_from_control("ABCDEFGHIJ\n", 11, small,
	    sizeof(small)), 10);
	assert_string_equal(small, "ABCDEFG");
}

/* --- ciphers_judge: what SSL_set_cipher_list + SSL_set_ciphersuites
 * leave on a fresh SSL object ---------------------------------------- */

static void
test_ciphers_judge(void **state)
{
	struct ciphers_key rsa2048 = { "RSA", 2048 }, ec256 = { "EC", 256 };
	struct ciphers_verdict v;
	struct err err = { 0 };

	(void)state;
	/* qmail's own default: TLS 1.2 and 1.3 */
	assert_int_equal(ciphers_judge(NULL, CIPHERS_SERVER, &rsa2048, &v,
	    &err), 0);
	assert_int_equal(v.status, CHECK_OK);
	assert_true(v.tls12 > 0 && v.tls13 > 0);
	assert_int_equal(v.weak_status, CHECK_OK);
	/* a TLS 1.3 suite name: SSL_set_cipher_list fails, but the list it
	 * leaves has no TLS 1.2 cipher at all */
	assert_int_equal(ciphers_judge("TLS_AES_128_GCM_SHA256",
	    CIPHERS_SERVER, &rsa2048, &v, &err), 0);
	assert_int_equal(v.status, CHECK_WARNING);
	assert_int_equal(v.tls12, 0);
	assert_int_equal(v.tls13, 1);
	assert_contains(v.text, "clients without TLS 1.3");
	assert_int_equal(ciphers_judge("TLS_AES_128_GCM_SHA256",
	    CIPHERS_CLIENT, NULL, &v, &err), 0);
	assert_int_equal(v.status, CHECK_WARNING);
	assert_contains(v.text, "deferred");
	/* an OpenSSL 1.2 string: TLS 1.3 keeps its default suites */
	assert_int_equal(ciphers_judge("HIGH:!aNULL:!MD5", CIPHERS_SERVER,
	    &rsa2048, &v, &err), 0);
	assert_int_equal(v.status, CHECK_OK);
	assert_int_equal(v.tls13, 3);
	/* ECDSA ciphers only, with an RSA certificate: no TLS 1.2 left for
	 * this server, while an EC certificate could use them */
	assert_int_equal(ciphers_judge("ECDHE-ECDSA-AES256-GCM-SHA384",
	    CIPHERS_SERVER, &rsa2048, &v, &err), 0);
	assert_int_equal(v.status, CHECK_WARNING);
	assert_int_equal(v.tls12, 1);
	assert_contains(v.text, "0 usable with servercert.pem's RSA key");
	assert_int_equal(ciphers_judge("ECDHE-ECDSA-AES256-GCM-SHA384",
	    CIPHERS_SERVER, &ec256, &v, &err), 0);
	assert_int_equal(v.status, CHECK_OK);
	/* a security level the certificate's key does not reach */
	assert_int_equal(ciphers_judge("DEFAULT:@SECLEVEL=3", CIPHERS_SERVER,
	    &rsa2048, &v, &err), 0);
	assert_int_equal(v.status, CHECK_CRITICAL);
	assert_contains(v.text, "every handshake fails");
	assert_int_equal(ciphers_judge("DEFAULT:@SECLEVEL=3", CIPHERS_SERVER,
	    &ec256, &v, &err), 0);
	assert_int_equal(v.status, CHECK_OK);
	/* NULL and anonymous suites, let in by security level 0 */
	assert_int_equal(ciphers_judge("eNULL:aNULL:@SECLEVEL=0",
	    CIPHERS_SERVER, &rsa2048, &v, &err), 0);
	assert_int_equal(v.weak_status, CHECK_WARNING);
	assert_contains(v.weak, "(NULL)");
	assert_contains(v.weak, "(aNULL)");
	/* anonymous suites do not count as TLS 1.2 a client can use */
	assert_int_equal(ciphers_judge("aNULL:@SECLEVEL=0", CIPHERS_SERVER,
	    &rsa2048, &v, &err), 0);
	assert_int_equal(v.status, CHECK_WARNING);
}

/* --- tlsnames_tmprsa_too_open --------------------------------------- */

static int
too_open(uid_t uid, gid_t gid, mode_t mode, mode_t *repair)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_uid = uid;
	st.st_gid = gid;
	st.st_mode = S_IFREG | mode;
	return tlsnames_tmprsa_too_open(&st, 20001, repair);
}

static void
test_tmprsa_too_open(void **state)
{
	mode_t repair;

	(void)state;
	/* update_tmprsadh: qmaild:qmail 0600 */
	assert_int_equal(too_open(20001, 20002, 0600, &repair), 0);
	assert_int_equal(too_open(20001, 20002, 0400, &repair), 0);
	/* root:READER-GROUP 0640 */
	assert_int_equal(too_open(0, 20001, 0640, &repair), 0);
	assert_int_equal(too_open(0, 0, 0600, &repair), 0);
	/* readable beyond */
	assert_int_equal(too_open(20001, 20002, 0644, &repair), 1);
	assert_int_equal(repair, 0600);
	assert_int_equal(too_open(20001, 20002, 0640, &repair), 1);
	assert_int_equal(repair, 0600);
	assert_int_equal(too_open(0, 0, 0640, &repair), 1);
	assert_int_equal(repair, 0600);
	assert_int_equal(too_open(0, 20001, 0644, &repair), 1);
	assert_int_equal(repair, 0640);
	/* writable by the group, even the reader's */
	assert_int_equal(too_open(0, 20001, 0660, &repair), 1);
	assert_int_equal(repair, 0640);
	assert_int_equal(too_open(20001, 20002, 0602, &repair), 1);
}

/* --- tlsclients, tlshosts names ------------------------------------- */

static void
clients(const char *text, enum check_status want, const char *part)
{
	struct file_report r;

	memset(&r, 0, sizeof(r));
	tlstext_tlsclients(text, strlen(text), &r);
	assert_check(&r, "addresses", want);
	if (part != NULL)
		assert_contains(r.checks[0].message, part);
}

static void
test_tlsclients(void **state)
{
	(void)state;
	clients("relay@client.example\n# comment\n\nother@x.example  \n",
	    CHECK_OK, "2 addresses");
	clients("", CHECK_WARNING, "no address");
	clients("# nothing\n", CHECK_WARNING, "no address");
	clients("a@b.example\nrelay@client.example # the relay\n",
	    CHECK_WARNING, "line 2 \"relay@client.example # the relay\"");
	clients("a@b.example, c@d.example\n", CHECK_WARNING, "line 1");
	clients(" a@b.example\n", CHECK_WARNING, "line 1");
	clients("client.example\n", CHECK_WARNING, "line 1");
	clients("a@@b.example\n", CHECK_WARNING, "line 1");
	clients("<a@b.example>\n", CHECK_WARNING, "line 1");
	clients("a@b..example\n", CHECK_WARNING, "line 1");
	clients("a@b.example\n\033[2Jx@y\n", CHECK_WARNING, "\"?[2Jx@y\"");
}

static void
host(const char *name, enum check_status want, const char *part)
{
	struct file_report r;

	memset(&r, 0, sizeof(r));
	tlstext_host_name(name, &r);
	assert_check(&r, "host-name", want);
	if (part != NULL)
		assert_contains(r.checks[0].message, part);
}

static void
test_host_name(void **state)
{
	(void)state;
	host("mx.example.com", CHECK_OK, NULL);
	host("mx-1.example.com", CHECK_OK, NULL);
	host("localhost", CHECK_OK, NULL);
	host("MX.Example.com", CHECK_WARNING, "upper-case");
	host("*.example.com", CHECK_WARNING, "wildcard");
	host("192.0.2.25", CHECK_WARNING, "IP address");
	host("mx.example.com.", CHECK_WARNING, "not a host name");
	host("mx..example.com", CHECK_WARNING, "not a host name");
	host("-mx.example.com", CHECK_WARNING, "not a host name");
	host("mx_1.example.com", CHECK_WARNING, "not a host name");
	host("", CHECK_WARNING, "not a host name");
}

/* --- TLSCIPHERS as a run script leaves it for qmail-smtpd ------------ */

static void
tlsciphers(const char *script, enum start_var_state want, const char *value)
{
	struct runscript *rs = NULL;
	struct rs_command cmd;
	struct startchain l;
	struct err err = { 0 };
	int found = 0;

	assert_int_equal(runscript_open(script, strlen(script), &rs, &err), 0);
	while (runscript_next(rs, &cmd, &err) == 1) {
		startchain_follow(&cmd, NULL, &l);
		if (l.kind != START_SMTPD)
			continue;
		found = 1;
		if (l.tlsciphers.state != want)
			fail_msg("state %d, want %d (%s) in:\n%s",
			    (int)l.tlsciphers.state, (int)want,
			    l.tlsciphers.value, script);
		if (value != NULL)
			assert_contains(l.tlsciphers.value, value);
	}
	runscript_free(rs);
	assert_true(found);
}

static void
test_startchain_tlsciphers(void **state)
{
	(void)state;
	tlsciphers("#!/bin/sh\nexec tcpserver -u 20001 -g 20001 0 smtp "
	    "/var/qmail/bin/qmail-smtpd\n", START_VAR_NOT_SET, NULL);
	tlsciphers("#!/bin/sh\nTLSCIPHERS='HIGH:!aNULL'\nexport TLSCIPHERS\n"
	    "exec tcpserver -u 20001 -g 20001 0 smtp qmail-smtpd\n",
	    START_VAR_SET, "HIGH:!aNULL");
	tlsciphers("#!/bin/sh\nexec env TLSCIPHERS=TLS_AES_256_GCM_SHA384 "
	    "tcpserver -u 20001 -g 20001 0 smtp qmail-smtpd\n",
	    START_VAR_SET, "TLS_AES_256_GCM_SHA384");
	/* set but not exported: qmail-smtpd does not get it */
	tlsciphers("#!/bin/sh\nTLSCIPHERS=HIGH\nexec tcpserver -u 20001 "
	    "-g 20001 0 smtp qmail-smtpd\n", START_VAR_NOT_SET, NULL);
	/* env -i drops it again */
	tlsciphers("#!/bin/sh\nexport TLSCIPHERS=HIGH\nexec env -i "
	    "tcpserver -u 20001 -g 20001 0 smtp qmail-smtpd\n",
	    START_VAR_NOT_SET, NULL);
	/* empty: set, and qmail-smtpd then uses DEFAULT */
	tlsciphers("#!/bin/sh\nexport TLSCIPHERS=\nexec tcpserver -u 20001 "
	    "-g 20001 0 smtp qmail-smtpd\n", START_VAR_SET, "");
	/* known only by running the script */
	tlsciphers("#!/bin/sh\nexport TLSCIPHERS=\"$(cat /etc/ciphers)\"\n"
	    "exec tcpserver -u 20001 -g 20001 0 smtp qmail-smtpd\n",
	    START_VAR_UNKNOWN, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ciphers_from_control),
		cmocka_unit_test(test_ciphers_judge),
		cmocka_unit_test(test_tmprsa_too_open),
		cmocka_unit_test(test_tlsclients),
		cmocka_unit_test(test_host_name),
		cmocka_unit_test(test_startchain_tlsciphers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
