/*
 * unit_smtpreply.c: SMTP replies from an untrusted server, as the live
 * check reads them: multi-line replies, the EHLO keywords that decide
 * auth-before-tls and starttls-offered, the bounds, and the text kept for
 * messages (printable ASCII, no '|', capped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "live/smtpreply.h"

/* Feed lines[] to r; the result of the last call. */
static int
feed(struct smtp_reply *r, const char *const *lines, size_t n, char *error,
    size_t errsize)
{
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		rc = smtpreply_line(r, lines[i], strlen(lines[i]), error,
		    errsize);
		if (rc != 0 && i + 1 < n)
			fail_msg("line %zu ended the reply early (%d)", i, rc);
	}
	return rc;
}

static void
test_ehlo_keywords(void **state)
{
	const char *const lines[] = {
		"250-mail.example.com Hello",
		"250-SIZE 10240000",
		"250-starttls",
		"250-AUTH PLAIN LOGIN",
		"250 AUTH=PLAIN LOGIN"
	};
	struct smtp_reply r;
	char error[SMTP_TEXT];

	(void)state;
	assert_int_equal(feed(&r, lines, 5, error, sizeof(error)), 1);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 5);
	assert_true(r.starttls);	/* keywords are case-insensitive */
	assert_true(r.auth);
	assert_string_equal(r.auth_mechs, "PLAIN LOGIN");
	assert_string_equal(r.text, "250-mail.example.com Hello / "
	    "250-SIZE 10240000 / 250-starttls / 250-AUTH PLAIN LOGIN / "
	    "250 AUTH=PLAIN LOGIN");
}

static void
test_auth_old_form_only(void **state)
{
	const char *const lines[] = { "250-mail", "250 AUTH=LOGIN" };
	struct smtp_reply r;
	char error[SMTP_TEXT];

	(void)state;
	assert_int_equal(feed(&r, lines, 2, error, sizeof(error)), 1);
	assert_true(r.auth);
	assert_false(r.starttls);
	assert_string_equal(r.auth_mechs, "LOGIN");
}

/* The greeting line and look-alike keywords are no extension. */
static void
test_no_false_keywords(void **state)
{
	const char *const lines[] = {
		"250-STARTTLS AUTH greeting line",
		"250-AUTHENTICATE",
		"250-XSTARTTLS",
		"250 HELP"
	};
	struct smtp_reply r;
	char error[SMTP_TEXT];

	(void)state;
	assert_int_equal(feed(&r, lines, 4, error, sizeof(error)), 1);
	assert_false(r.starttls);
	assert_false(r.auth);
}

static void
test_single_line_and_bare_code(void **state)
{
	struct smtp_reply r;
	char error[SMTP_TEXT];

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtpreply_line(&r, "220", 3, error, sizeof(error)),
	    1);
	assert_int_equal(r.code, 220);
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtpreply_line(&r, "421 go away", 11, error,
	    sizeof(error)), 1);
	assert_int_equal(r.code, 421);
	assert_string_equal(r.text, "421 go away");
}

static void
test_not_a_reply(void **state)
{
	static const char *const bad[] = {
		"hello", "22", "2x0 ok", "220x", "600 nope", "150 early",
		"\x16\x03\x01\x02"	/* a TLS record where text is due */
	};
	struct smtp_reply r;
	char error[SMTP_TEXT];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0, sizeof(r));
		error[0] = '\0';
		assert_int_equal(smtpreply_line(&r, bad[i], strlen(bad[i]),
		    error, sizeof(error)), -1);
		assert_non_null(strstr(error, "not an SMTP reply"));
		assert_null(strchr(error, '\x16'));
	}
}

static void
test_code_change(void **state)
{
	struct smtp_reply r;
	char error[SMTP_TEXT];

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(smtpreply_line(&r, "250-a", 5, error, sizeof(error)),
	    0);
	assert_int_equal(smtpreply_line(&r, "550 b", 5, error, sizeof(error)),
	    -1);
	assert_non_null(strstr(error, "reply code changes"));
}

static void
test_line_bound(void **state)
{
	struct smtp_reply r;
	char error[SMTP_TEXT];
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < SMTP_MAX_LINES; i++)
		assert_int_equal(smtpreply_line(&r, "220-x", 5, error,
		    sizeof(error)), 0);
	assert_int_equal(smtpreply_line(&r, "220-x", 5, error, sizeof(error)),
	    -1);
	assert_string_equal(error, "220 reply has more than 100 lines: "
	    "stopped reading");
	/* The kept text stayed within its buffer, marked as cut. */
	assert_true(strlen(r.text) == SMTP_TEXT - 1);
	assert_string_equal(r.text + SMTP_TEXT - 4, "...");
}

static void
test_sanitize(void **state)
{
	char buf[16] = "";
	char small[8] = "ab";

	(void)state;
	smtpreply_sanitize(buf, sizeof(buf), "a\x1b[1m|b\r\n\x80", 10);
	assert_string_equal(buf, "a?[1m?b???");
	/* Appends, and cuts with "..." at the end of the buffer. */
	smtpreply_sanitize(small, sizeof(small), "cdefghij", 8);
	assert_string_equal(small, "abcd...");
	assert_int_equal(strlen(small), sizeof(small) - 1);
	/* An embedded NUL is shown, not taken as the end. */
	buf[0] = '\0';
	smtpreply_sanitize(buf, sizeof(buf), "a\0b", 3);
	assert_string_equal(buf, "a?b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ehlo_keywords),
		cmocka_unit_test(test_auth_old_form_only),
		cmocka_unit_test(test_no_false_keywords),
		cmocka_unit_test(test_single_line_and_bare_code),
		cmocka_unit_test(test_not_a_reply),
		cmocka_unit_test(test_code_change),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
