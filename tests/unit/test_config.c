/* Unit tests for config.c: the table's defaults, setting options by name,
 * range and type errors, the config file, command-line flags and the
 * generated example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/config.h"

/* Every option of the table, by its file/flag name. */
static const char *const all_options[] = {
	"data", "bind", "port", "cert", "key", "public_url", "allowed_origins", "web_root",
	"max_body", "max_frame", "max_name", "rate", "burst", "send_queue", "replay_max",
	"max_conns_per_addr", "session_idle", "session_max", "argon2_iterations",
	"argon2_memory", "auth_threads", "hsts_max_age", "event_loop", "log_level",
};
#define NALL (sizeof all_options / sizeof all_options[0])

struct fixture {
	struct weft_config cfg;
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	weft_config_defaults(&f->cfg);
	snprintf(f->dir, sizeof f->dir, "/tmp/weft-config-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/weft.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	weft_config_free(&f->cfg);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;
	struct weft_config *c = &f->cfg;
	assert_string_equal(c->data, "./data");
	assert_string_equal(c->bind, "127.0.0.1");
	assert_int_equal(c->port, 8443);
	assert_string_equal(c->cert, "");
	assert_string_equal(c->key, "");
	assert_string_equal(c->public_url, "");
	assert_string_equal(c->allowed_origins, "");
	assert_non_null(c->web_root);
	assert_true(strlen(c->web_root) > 0);
	assert_int_equal(c->max_body, 4000);      /* PROTOCOL: limits.max_body 4000 */
	assert_int_equal(c->max_frame, 65536);
	assert_int_equal(c->max_name, 64);
	assert_int_equal(c->rate, 50);            /* PROTOCOL: at least 50 requests/s ... */
	assert_int_equal(c->burst, 200);          /* ... with bursts of 200 */
	assert_int_equal(c->send_queue, 4096);
	assert_int_equal(c->send_queue_bytes, 8 << 20); /* 8 MiB: a slow reader holds at most this */
	assert_int_equal(c->replay_max, 1000);    /* PROTOCOL: at least the last 1,000 events */
	assert_int_equal(c->max_conns_per_addr, 256);   /* an office behind one NAT */
	assert_int_equal(c->request_cooldown, 24 * 3600);
	assert_int_equal(c->signup_ttl, 7 * 24 * 3600);
	assert_int_equal(c->session_idle, 14 * 24 * 3600);
	assert_int_equal(c->session_max, 90 * 24 * 3600);
	assert_int_equal(c->argon2_iterations, 3);
	assert_int_equal(c->argon2_memory, 65536);
	assert_int_equal(c->auth_threads, 2);
	assert_int_equal(c->hsts_max_age, 31536000);
	assert_string_equal(c->log_level, "info");
	assert_string_equal(c->event_loop, "poll");
	assert_string_equal(c->config, "");
	/* The body of a maximal message fits in a maximal frame (4 bytes per
	 * character plus JSON overhead). */
	assert_true((long)c->max_body * 4 + 1024 <= c->max_frame);
}

static void test_set_by_name(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(weft_config_set(&f->cfg, "max_body", "123", err, sizeof err), 0);
	assert_int_equal(f->cfg.max_body, 123);
	assert_int_equal(weft_config_set(&f->cfg, "max-body", "456", err, sizeof err), 0);
	assert_int_equal(f->cfg.max_body, 456);
	assert_int_equal(weft_config_set(&f->cfg, "public-url", "https://chat.example.org", err, sizeof err), 0);
	assert_string_equal(f->cfg.public_url, "https://chat.example.org");
	assert_int_equal(weft_config_set(&f->cfg, "data", "/srv/weft", err, sizeof err), 0);
	assert_string_equal(f->cfg.data, "/srv/weft");
	/* Setting a string twice replaces it (ASan checks the old one is freed). */
	assert_int_equal(weft_config_set(&f->cfg, "data", "/srv/other", err, sizeof err), 0);
	assert_string_equal(f->cfg.data, "/srv/other");
	/* Empty strings are allowed for string options. */
	assert_int_equal(weft_config_set(&f->cfg, "cert", "", err, sizeof err), 0);
	assert_string_equal(f->cfg.cert, "");
	/* Bounds are inclusive. */
	assert_int_equal(weft_config_set(&f->cfg, "port", "0", err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 0);
	assert_int_equal(weft_config_set(&f->cfg, "port", "65535", err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 65535);
	assert_int_equal(weft_config_set(&f->cfg, "max_body", "1", err, sizeof err), 0);
	assert_int_equal(weft_config_set(&f->cfg, "max_body", "100000", err, sizeof err), 0);
	assert_int_equal(f->cfg.max_body, 100000);
	assert_int_equal(weft_config_set(&f->cfg, "session_idle", "2147483647", err, sizeof err), 0);
	assert_int_equal(f->cfg.session_idle, 2147483647);
	/* log_level takes the four names. */
	const char *levels[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(weft_config_set(&f->cfg, "log_level", levels[i], err, sizeof err), 0);
		assert_string_equal(f->cfg.log_level, levels[i]);
	}
	/* Every option in the table can be set by both spellings. */
	for (size_t i = 0; i < NALL; i++) {
		char dashed[64];
		snprintf(dashed, sizeof dashed, "%s", all_options[i]);
		for (char *p = dashed; *p; p++)
			if (*p == '_')
				*p = '-';
		const char *v = !strcmp(all_options[i], "log_level")	? "warn"
				: !strcmp(all_options[i], "event_loop") ? "epoll"
									: "100";
		/* One of these is in range for every integer option. */
		if (weft_config_set(&f->cfg, all_options[i], v, err, sizeof err) &&
		    weft_config_set(&f->cfg, all_options[i], "60", err, sizeof err) &&
		    weft_config_set(&f->cfg, all_options[i], "70000", err, sizeof err))
			fail_msg("cannot set %s: %s", all_options[i], err);
		if (weft_config_set(&f->cfg, dashed, v, err, sizeof err) &&
		    weft_config_set(&f->cfg, dashed, "60", err, sizeof err) &&
		    weft_config_set(&f->cfg, dashed, "70000", err, sizeof err))
			fail_msg("cannot set %s: %s", dashed, err);
	}
}

/* An error names the option and leaves the old value. */
static void expect_bad(struct weft_config *cfg, const char *name, const char *value, const char *mention)
{
	char err[256] = "";
	int before = cfg->max_body, port = cfg->port;
	int rc = weft_config_set(cfg, name, value, err, sizeof err);
	if (rc != WEFT_EINVAL)
		fail_msg("%s=\"%s\": expected WEFT_EINVAL, got %d", name, value, rc);
	if (!strstr(err, mention))
		fail_msg("%s=\"%s\": error \"%s\" does not name %s", name, value, err, mention);
	assert_null(strchr(err, '\n'));
	assert_int_equal(cfg->max_body, before);
	assert_int_equal(cfg->port, port);
}

static void test_bad_values(void **state)
{
	struct fixture *f = *state;
	expect_bad(&f->cfg, "max_body", "0", "max_body");
	expect_bad(&f->cfg, "max_body", "100001", "max_body");
	expect_bad(&f->cfg, "max_body", "-5", "max_body");
	expect_bad(&f->cfg, "max_body", "abc", "max_body");
	expect_bad(&f->cfg, "max_body", "", "max_body");
	expect_bad(&f->cfg, "max_body", "12abc", "max_body");
	expect_bad(&f->cfg, "max_body", "12 ", "max_body");
	expect_bad(&f->cfg, "max_body", "1.5", "max_body");
	expect_bad(&f->cfg, "max_body", "0x10", "max_body");
	expect_bad(&f->cfg, "max_body", "99999999999999999999999", "max_body");
	expect_bad(&f->cfg, "max-body", "0", "max");
	expect_bad(&f->cfg, "port", "65536", "port");
	expect_bad(&f->cfg, "port", "-1", "port");
	expect_bad(&f->cfg, "port", "https", "port");
	expect_bad(&f->cfg, "max_name", "65", "max_name");
	expect_bad(&f->cfg, "max_frame", "1023", "max_frame");
	expect_bad(&f->cfg, "session_idle", "59", "session_idle");
	expect_bad(&f->cfg, "session_idle", "2147483648", "session_idle");
	expect_bad(&f->cfg, "argon2_iterations", "0", "argon2_iterations");
	expect_bad(&f->cfg, "argon2_memory", "63", "argon2_memory");
	expect_bad(&f->cfg, "log_level", "verbose", "log_level");
	expect_bad(&f->cfg, "log_level", "INFO", "log_level");
	expect_bad(&f->cfg, "event_loop", "select", "event_loop");
	expect_bad(&f->cfg, "event_loop", "", "event_loop");
	/* Strings with a form of their own are refused as they come, not at start. */
	expect_bad(&f->cfg, "tz", "Mars/Olympus_Mons", "tz");
	expect_bad(&f->cfg, "tz", "\tOyr", "tz");
	expect_bad(&f->cfg, "tz", "../../etc/passwd", "tz");
	expect_bad(&f->cfg, "digest_time", "24:00", "digest_time");
	expect_bad(&f->cfg, "digest_time", "8:30", "digest_time");
	expect_bad(&f->cfg, "digest_time", "08:60", "digest_time");
	assert_string_equal(f->cfg.tz, "");
	assert_string_equal(f->cfg.digest_time, "08:30");
	char ok[256];
	assert_int_equal(weft_config_set(&f->cfg, "tz", "America/Chicago", ok, sizeof ok), 0);
	assert_int_equal(weft_config_set(&f->cfg, "digest_time", "23:59", ok, sizeof ok), 0);
	/* The error says what was expected. */
	char err[256];
	weft_config_set(&f->cfg, "max_body", "0", err, sizeof err);
	assert_non_null(strstr(err, "1"));
	assert_non_null(strstr(err, "100000"));
	assert_string_equal(f->cfg.log_level, "info");
}

static void test_unknown_option(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(weft_config_set(&f->cfg, "nope", "1", err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "nope"));
	assert_int_equal(weft_config_set(&f->cfg, "", "1", err, sizeof err), WEFT_EINVAL);
	assert_int_equal(weft_config_set(&f->cfg, "max_bodyx", "1", err, sizeof err), WEFT_EINVAL);
	assert_int_equal(weft_config_set(&f->cfg, "max_bod", "1", err, sizeof err), WEFT_EINVAL);
	assert_int_equal(weft_config_set(&f->cfg, "MAX_BODY", "1", err, sizeof err), WEFT_EINVAL);
	assert_int_equal(f->cfg.max_body, 4000);
	/* A tiny error buffer is not overrun (ASan) and stays terminated. */
	char small[8];
	assert_int_equal(weft_config_set(&f->cfg, "a-very-long-unknown-option", "1", small, sizeof small),
			 WEFT_EINVAL);
	assert_true(strlen(small) < sizeof small);
}

static void test_file(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	write_file(f->path,
		   "# weftd configuration\n"
		   "\n"
		   "   # an indented comment\n"
		   "port = 9443\n"
		   "max-body=1234\n"
		   "  bind   =   0.0.0.0   \n"
		   "public_url = \"https://chat.example.org/?a=b\"\n"
		   "allowed_origins = \"\"\n"
		   "data = \"/srv/weft data\"\n"
		   "log_level = debug\r\n"
		   "\t\n");
	assert_int_equal(weft_config_load_file(&f->cfg, f->path, err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 9443);
	assert_int_equal(f->cfg.max_body, 1234);
	assert_string_equal(f->cfg.bind, "0.0.0.0");
	assert_string_equal(f->cfg.public_url, "https://chat.example.org/?a=b");
	assert_string_equal(f->cfg.allowed_origins, "");
	assert_string_equal(f->cfg.data, "/srv/weft data");
	assert_string_equal(f->cfg.log_level, "debug");
	/* Untouched options keep their defaults. */
	assert_int_equal(f->cfg.rate, 50);
}

/* Reads the file and expects an error mentioning every string in want. */
static void expect_file_error(struct fixture *f, const char *text, int rc, const char *want1,
			      const char *want2)
{
	char err[512] = "";
	write_file(f->path, text);
	int got = weft_config_load_file(&f->cfg, f->path, err, sizeof err);
	if (got != rc)
		fail_msg("file \"%s\": expected %d, got %d (%s)", text, rc, got, err);
	if (want1 && !strstr(err, want1))
		fail_msg("file \"%s\": error \"%s\" lacks \"%s\"", text, err, want1);
	if (want2 && !strstr(err, want2))
		fail_msg("file \"%s\": error \"%s\" lacks \"%s\"", text, err, want2);
	assert_null(strchr(err, '\n'));
}

static void test_file_errors(void **state)
{
	struct fixture *f = *state;
	char where[160];

	snprintf(where, sizeof where, "%s:3:", f->path);
	expect_file_error(f, "# ok\nport = 1\njust some words\n", WEFT_EINVAL, where, NULL);
	snprintf(where, sizeof where, "%s:2:", f->path);
	expect_file_error(f, "\nmax_body = 0\n", WEFT_EINVAL, where, "max_body");
	snprintf(where, sizeof where, "%s:1:", f->path);
	expect_file_error(f, "colour = blue\n", WEFT_EINVAL, where, "colour");
	expect_file_error(f, "config = /etc/other.conf\n", WEFT_EINVAL, where, NULL);
	expect_file_error(f, "port = 80 # the web port\n", WEFT_EINVAL, where, "port");

	/* A file that is not there. */
	char err[512] = "";
	char missing[160];
	snprintf(missing, sizeof missing, "%s/none.conf", f->dir);
	assert_int_equal(weft_config_load_file(&f->cfg, missing, err, sizeof err), WEFT_EIO);
	assert_non_null(strstr(err, missing));
}

/* A line longer than the reader's buffer is either read whole or refused
 * at its own line number; it is never split into a truncated value plus a
 * phantom next line. */
static void test_file_long_line(void **state)
{
	struct fixture *f = *state;
	size_t n = 5000;
	char *origins = malloc(n + 1);
	assert_non_null(origins);
	memset(origins, 'a', n);
	memcpy(origins, "https://", 8);
	origins[n] = '\0';
	size_t tl = n + 64;
	char *text = malloc(tl);
	assert_non_null(text);
	snprintf(text, tl, "allowed_origins = %s\nport = 9000\n", origins);
	write_file(f->path, text);
	free(text);
	char err[512] = "";
	int rc = weft_config_load_file(&f->cfg, f->path, err, sizeof err);
	bool whole = rc == 0 && !strcmp(f->cfg.allowed_origins, origins) && f->cfg.port == 9000;
	free(origins);
	if (rc == 0) {
		assert_true(whole);
	} else {
		char where[160];
		snprintf(where, sizeof where, "%s:1:", f->path);
		if (!strstr(err, where))
			fail_msg("long line refused with \"%s\", expected it at %s", err, where);
		/* And no truncated value was applied. */
		assert_string_equal(f->cfg.allowed_origins, "");
	}
}

/* Loads len bytes of text from a heap block of exactly that size (no NUL
 * after it: ASan sees a read past the end) as the file "t.conf". */
static int load_n(struct weft_config *cfg, const char *text, size_t len, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, text, len);
	err[0] = '\0';
	int rc = weft_config_load_buffer(cfg, "t.conf", copy, len, err, errlen);
	free(copy);
	return rc;
}

static void test_buffer(void **state)
{
	struct fixture *f = *state;
	char err[512];
	/* No newline at the end, CRLF, a tab before the value. */
	const char *text = "port = 9001\r\nmax_body=\t77";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 9001);
	assert_int_equal(f->cfg.max_body, 77);
	/* Only len bytes count: the rest of the line is not read. */
	text = "port = 9002\nmax_body = 1x";
	assert_int_equal(load_n(&f->cfg, text, strlen(text) - 1, err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 9002);
	assert_int_equal(f->cfg.max_body, 1);
	/* Nothing, or nothing but newlines and comments. */
	assert_int_equal(load_n(&f->cfg, "", 0, err, sizeof err), 0);
	text = "\n\n# x = y\n   \n";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), 0);
	/* The line number counts every line, blank or not; the name is the one given. */
	text = "\n\n\nport = 1\n\nport = x\n";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "t.conf:6: port"));
	/* Quotes: only a pair around the whole value goes. */
	text = "data = \"\"\"\nbind = \"a\nlog_level = \"warn\"";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), 0);
	assert_string_equal(f->cfg.data, "\"");
	assert_string_equal(f->cfg.bind, "\"a");
	assert_string_equal(f->cfg.log_level, "warn");
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);
}

static void test_file_too_large(void **state)
{
	struct fixture *f = *state;
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	const char pad[] = "# padding......\n";
	for (long n = 0; n <= WEFT_CONFIG_FILE_MAX; n += (long)strlen(pad))
		fputs(pad, fp);
	assert_int_equal(fclose(fp), 0);
	char err[512] = "";
	assert_int_equal(weft_config_load_file(&f->cfg, f->path, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "larger"));
	assert_non_null(strstr(err, f->path));
}

static void test_check(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);
	f->cfg.port = 65536;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "port"));
	f->cfg.port = 0;
	f->cfg.max_frame = 1023;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "max_frame"));
	f->cfg.max_frame = 1024;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);
	char *level = f->cfg.log_level;
	f->cfg.log_level = (char *)"loud";
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "log_level"));
	f->cfg.log_level = NULL;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), WEFT_EINVAL);
	f->cfg.log_level = level;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);
	/* A rule between two options: each alone is valid, the whole is not. */
	f->cfg.clock_offset = 60;
	assert_int_equal(weft_config_check_options(&f->cfg, err, sizeof err), 0);
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "clock_offset"));
	f->cfg.test_clock = 1;
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);
}

/* No byte below 0x20 but tab, and no DEL: one printable line. */
static void assert_printable(const char *s)
{
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", (unsigned char)*p, s);
}

/* Found by fuzz_config: a bad line left the lines before it applied (house
 * rule 2: out-parameters are written only on success). */
static void test_bad_line_leaves_config(void **state)
{
	struct fixture *f = *state;
	char err[512];
	const char *text = "port = 9000\ndata = /srv/new\nmax_body = 5\nnonsense\n";
	char *data = f->cfg.data;
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "t.conf:4:"));
	assert_int_equal(f->cfg.port, 8443);
	assert_int_equal(f->cfg.max_body, 4000);
	assert_ptr_equal(f->cfg.data, data); /* not even replaced by an equal copy */
	assert_string_equal(f->cfg.data, "./data");
	write_file(f->path, text);
	assert_int_equal(weft_config_load_file(&f->cfg, f->path, err, sizeof err), WEFT_EINVAL);
	assert_int_equal(f->cfg.port, 8443);
}

/* A NUL byte cut its line short, and what was left applied: "port = 9\0"
 * and "data = /srv/weft\0-old" were read as 9 and /srv/weft. */
static void test_nul_byte_refused(void **state)
{
	struct fixture *f = *state;
	char err[512];
	const char a[] = "# ok\nport = 9\0000\n";
	assert_int_equal(load_n(&f->cfg, a, sizeof a - 1, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "t.conf:2:"));
	assert_non_null(strstr(err, "NUL"));
	const char b[] = "data = /srv/weft\0-old";
	assert_int_equal(load_n(&f->cfg, b, sizeof b - 1, err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "t.conf:1:"));
	assert_string_equal(f->cfg.data, "./data");
	assert_int_equal(f->cfg.port, 8443);
}

/* Found by fuzz_config: string values took control characters (they end
 * up in the CSP header and in logs), and the errors quoted values and
 * names as they were, escape sequences and all, at any length. */
static void test_control_characters(void **state)
{
	struct fixture *f = *state;
	char err[512];
	const char *text = "public_url = https://a.example\r/x\n";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "t.conf:1: public_url"));
	assert_non_null(strstr(err, "control"));
	assert_int_equal(weft_config_set(&f->cfg, "bind", "0.0.0.0\x1b[2J", err, sizeof err), WEFT_EINVAL);
	assert_int_equal(weft_config_set(&f->cfg, "data", "/srv/\x7f", err, sizeof err), WEFT_EINVAL);
	assert_string_equal(f->cfg.bind, "127.0.0.1");
	/* A tab is text. */
	assert_int_equal(weft_config_set(&f->cfg, "data", "/srv/a\tb", err, sizeof err), 0);
	assert_int_equal(weft_config_check(&f->cfg, err, sizeof err), 0);

	/* Quoted values and names come out printable and short. */
	text = "max_body = 1\x1b[2J\x01\n";
	assert_int_equal(load_n(&f->cfg, text, strlen(text), err, sizeof err), WEFT_EINVAL);
	assert_non_null(strstr(err, "max_body"));
	assert_printable(err);
	assert_int_equal(weft_config_set(&f->cfg, "log_level", "info\x1b", err, sizeof err), WEFT_EINVAL);
	assert_printable(err);
	assert_int_equal(weft_config_set(&f->cfg, "n\x08o", "1", err, sizeof err), WEFT_EINVAL);
	assert_printable(err);
	char *long_value = malloc(5001);
	assert_non_null(long_value);
	memset(long_value, '7', 5000);
	long_value[5000] = '\0';
	assert_int_equal(weft_config_set(&f->cfg, "port", long_value, err, sizeof err), WEFT_EINVAL);
	assert_true(strlen(err) < 160);
	assert_non_null(strstr(err, "..."));
	free(long_value);
	/* Cut at a character, not inside one: 63 bytes, then a 2-byte one. */
	char utf[70];
	memset(utf, 'x', 63);
	strcpy(utf + 63, "\xc3\xa9tail");
	assert_int_equal(weft_config_set(&f->cfg, "port", utf, err, sizeof err), WEFT_EINVAL);
	assert_null(strstr(err, "\xc3\""));
	assert_non_null(strstr(err, "x...\""));
	/* Flags are quoted the same way. */
	char *argv[] = { (char *)"--po\x1brt=1" };
	const char *pos[1];
	int npos;
	assert_int_equal(weft_config_parse_args(&f->cfg, 1, argv, NULL, pos, 1, &npos, err, sizeof err),
			 WEFT_EINVAL);
	assert_printable(err);
}

static void test_args(void **state)
{
	struct fixture *f = *state;
	const char *admin = NULL;
	const struct weft_cli_flag flags[] = { { "admin", false, &admin }, { NULL, false, NULL } };
	const char *pos[4] = { NULL };
	int npos = -1;
	char err[512] = "";
	char *argv[] = { "serve", "--port", "9001", "--max-body=77", "--bind", "::", "--admin",
			 "extra", "--log-level=warn" };
	int argc = (int)(sizeof argv / sizeof argv[0]);
	assert_int_equal(weft_config_parse_args(&f->cfg, argc, argv, flags, pos, 4, &npos, err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 9001);
	assert_int_equal(f->cfg.max_body, 77);
	assert_string_equal(f->cfg.bind, "::");
	assert_string_equal(f->cfg.log_level, "warn");
	assert_non_null(admin);
	assert_string_equal(admin, "1");
	assert_int_equal(npos, 2);
	assert_string_equal(pos[0], "serve");
	assert_string_equal(pos[1], "extra");
	/* pos borrows argv. */
	assert_ptr_equal(pos[0], argv[0]);
}

static void test_args_bool_absent(void **state)
{
	struct fixture *f = *state;
	const char *admin = NULL;
	const struct weft_cli_flag flags[] = { { "admin", false, &admin }, { NULL, false, NULL } };
	const char *pos[4];
	int npos = 0;
	char err[256];
	char *argv[] = { "user", "add", "ana", "--display", "Ana L\xc3\xb3pez" };
	/* --display is not a config option: refused, naming it. */
	assert_int_equal(weft_config_parse_args(&f->cfg, 5, argv, flags, pos, 4, &npos, err, sizeof err),
			 WEFT_EINVAL);
	assert_non_null(strstr(err, "display"));
	char *argv2[] = { "user", "add", "ana" };
	assert_int_equal(weft_config_parse_args(&f->cfg, 3, argv2, flags, pos, 4, &npos, err, sizeof err), 0);
	assert_null(admin);
	assert_int_equal(npos, 3);
	/* No bool flags at all. */
	char *argv3[] = { "--admin" };
	assert_int_equal(weft_config_parse_args(&f->cfg, 1, argv3, NULL, pos, 4, &npos, err, sizeof err),
			 WEFT_EINVAL);
	assert_non_null(strstr(err, "admin"));
}

static void test_args_errors(void **state)
{
	struct fixture *f = *state;
	const char *admin = NULL, *display = NULL;
	const struct weft_cli_flag flags[] = { { "admin", false, &admin }, { "display", true, &display },
					       { NULL, false, NULL } };
	const char *pos[2];
	int npos = 0;
	char err[256];
	struct {
		char *argv[4];
		int argc;
		const char *mention;
	} cases[] = {
		{ { "--nope", "1" }, 2, "nope" },
		{ { "--port" }, 1, "port" },                 /* missing value */
		{ { "--port", "70000" }, 2, "port" },
		{ { "--port=x" }, 1, "port" },
		{ { "--max-body", "0" }, 2, "max_body" },
		{ { "--admin=1" }, 1, "admin" },             /* bools take no value */
		{ { "--display" }, 1, "display" },           /* an extra flag's missing value */
		{ { "a", "b", "c" }, 3, "c" },               /* more words than max_pos */
		{ { "--config" }, 1, "config" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		npos = -7;
		int rc = weft_config_parse_args(&f->cfg, cases[i].argc, cases[i].argv, flags, pos, 2,
						&npos, err, sizeof err);
		if (rc != WEFT_EINVAL)
			fail_msg("case %zu: expected WEFT_EINVAL, got %d", i, rc);
		if (!strstr(err, cases[i].mention))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i].mention);
		assert_int_equal(npos, -7); /* out-parameters only on success */
	}
	assert_int_equal(f->cfg.port, 8443);
}

/* Flags override the file whatever their order on the command line. */
static void test_args_override_file(void **state)
{
	struct fixture *f = *state;
	write_file(f->path, "port = 2222\nmax_body = 55\nbind = 10.0.0.1\n");
	const char *pos[2];
	int npos = 0;
	char err[512] = "";

	char *before[] = { "--port", "1111", "--config", f->path };
	assert_int_equal(weft_config_parse_args(&f->cfg, 4, before, NULL, pos, 2, &npos, err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 1111);
	assert_int_equal(f->cfg.max_body, 55);
	assert_string_equal(f->cfg.bind, "10.0.0.1");
	assert_string_equal(f->cfg.config, f->path);
	assert_int_equal(npos, 0);

	weft_config_free(&f->cfg);
	weft_config_defaults(&f->cfg);
	char cfgflag[200];
	snprintf(cfgflag, sizeof cfgflag, "--config=%s", f->path);
	char *after[] = { cfgflag, "--port=1111", "--bind", "127.0.0.2" };
	assert_int_equal(weft_config_parse_args(&f->cfg, 4, after, NULL, pos, 2, &npos, err, sizeof err), 0);
	assert_int_equal(f->cfg.port, 1111);
	assert_int_equal(f->cfg.max_body, 55);
	assert_string_equal(f->cfg.bind, "127.0.0.2");
	assert_string_equal(f->cfg.config, f->path);

	/* An error in the file is reported with its file:line. */
	write_file(f->path, "port = 1\nport = nope\n");
	char where[200];
	snprintf(where, sizeof where, "%s:2:", f->path);
	char *bad[] = { "--config", f->path };
	assert_int_equal(weft_config_parse_args(&f->cfg, 2, bad, NULL, pos, 2, &npos, err, sizeof err),
			 WEFT_EINVAL);
	assert_non_null(strstr(err, where));
}

static char *capture(void (*print)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	print(m);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static void test_example(void **state)
{
	struct fixture *f = *state;
	char *text = capture(weft_config_write_example);
	/* Every option appears as a commented `name = default` line. */
	for (size_t i = 0; i < NALL; i++) {
		char line[80];
		snprintf(line, sizeof line, "\n# %s = ", all_options[i]);
		if (!strstr(text, line))
			fail_msg("example lacks option %s", all_options[i]);
	}
	assert_non_null(strstr(text, "\n# max_body = 4000\n"));
	assert_non_null(strstr(text, "\n# port = 8443\n"));
	assert_non_null(strstr(text, "\n# log_level = info\n"));
	/* A config file cannot name another one. */
	assert_null(strstr(text, "# config = "));

	/* Uncommenting every setting gives a file the loader accepts, and it
	 * reproduces the defaults. */
	char *copy = strdup(text);
	assert_non_null(copy);
	FILE *fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "# ", 2) && strstr(line, " = ")) {
			/* "# name = value" -> "name = value" when name is an option. */
			char name[64];
			if (sscanf(line + 2, "%63[a-z0-9_] =", name) == 1) {
				for (size_t i = 0; i < NALL; i++)
					if (!strcmp(name, all_options[i]))
						fprintf(fp, "%s\n", line + 2);
			}
		}
	}
	fclose(fp);
	free(copy);
	struct weft_config c2;
	weft_config_defaults(&c2);
	char err[512] = "";
	if (weft_config_load_file(&c2, f->path, err, sizeof err))
		fail_msg("uncommented example does not load: %s", err);
	assert_int_equal(c2.max_body, 4000);
	assert_int_equal(c2.port, 8443);
	assert_int_equal(c2.session_max, 7776000);
	assert_string_equal(c2.bind, "127.0.0.1");
	assert_string_equal(c2.log_level, "info");
	weft_config_free(&c2);
	free(text);
}

static void test_usage(void **state)
{
	(void)state;
	char *text = capture(weft_config_usage);
	for (size_t i = 0; i < NALL; i++) {
		char flag[80];
		snprintf(flag, sizeof flag, "--%s ", all_options[i]);
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';
		if (!strstr(text, flag))
			fail_msg("usage lacks %s", flag);
	}
	assert_non_null(strstr(text, "--config "));
	assert_non_null(strstr(text, "weftd serve"));
	assert_non_null(strstr(text, "weftd backup"));
	free(text);
}

/* A reload moves the reloadable options that changed into the running
 * configuration and reports the others; strings change hands, so the
 * replaced one is still alive in next. */
struct noted {
	int n, applied;
	char names[8][32];
};

static void note(void *arg, const char *name, const char *from, const char *to, bool applied)
{
	struct noted *x = arg;
	assert_true(x->n < 8);
	assert_string_not_equal(from, to);
	snprintf(x->names[x->n++], 32, "%s%s", applied ? "+" : "-", name);
	x->applied += applied;
}

static void test_reload(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct weft_config next;
	weft_config_defaults(&next);
	assert_int_equal(weft_config_set(&f->cfg, "default_channels", "welcome", err, sizeof err), 0);
	const char *old = f->cfg.default_channels;
	assert_int_equal(weft_config_set(&next, "default_channels", "welcome,news", err, sizeof err), 0);
	assert_int_equal(weft_config_set(&next, "rate", "70", err, sizeof err), 0);
	assert_int_equal(weft_config_set(&next, "auth_threads", "5", err, sizeof err), 0);
	assert_int_equal(weft_config_set(&next, "log_format", "json", err, sizeof err), 0);
	struct noted x = { 0 };
	assert_int_equal(weft_config_reload(&f->cfg, &next, note, &x), 3);
	assert_int_equal(x.n, 4);
	assert_string_equal(x.names[0], "+default_channels");
	assert_string_equal(x.names[1], "+rate");
	assert_string_equal(x.names[2], "-auth_threads");
	assert_string_equal(x.names[3], "+log_format");
	assert_string_equal(f->cfg.default_channels, "welcome,news");
	assert_int_equal(f->cfg.rate, 70);
	assert_int_equal(f->cfg.auth_threads, 2);
	assert_string_equal(f->cfg.log_format, "json");
	assert_ptr_equal(next.default_channels, old);
	assert_string_equal(old, "welcome");
	weft_config_free(&next);
	assert_true(weft_config_reloadable("cert"));
	assert_false(weft_config_reloadable("port"));
	assert_false(weft_config_reloadable("argon2_memory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_line_leaves_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_bool_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_override_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
