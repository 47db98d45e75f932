/* The configuration table and its three readers: file, flags, help. */
#include "weft/config.h"
#include "weft/tz.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum opt_type { OPT_INT, OPT_STR };

struct opt {
	const char *name;
	enum opt_type type;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define O(field) offsetof(struct weft_config, field)


static const struct opt options[] = {
	{ "data", OPT_STR, O(data), "./data", 0, 0,
	  "data directory: database, certificate, key" },
	{ "bind", OPT_STR, O(bind), "127.0.0.1", 0, 0,
	  "address to listen on (0.0.0.0 or :: for every interface)" },
	{ "port", OPT_INT, O(port), "8443", 0, 65535,
	  "TLS port for HTTPS and WebSocket (0 picks a free one)" },
	{ "cert", OPT_STR, O(cert), "", 0, 0,
	  "TLS certificate chain (PEM); empty generates a self-signed one in the data directory" },
	{ "key", OPT_STR, O(key), "", 0, 0,
	  "TLS private key (PEM) for cert" },
	{ "public_url", OPT_STR, O(public_url), "", 0, 0,
	  "public https URL of this server; its origin is allowed on /ws and POST" },
	{ "allowed_origins", OPT_STR, O(allowed_origins), "", 0, 0,
	  "extra comma-separated origins allowed on /ws and POST" },
	{ "default_channels", OPT_STR, O(default_channels), "", 0, 0,
	  "comma-separated names of channels every new account joins (e.g. welcome)" },
	{ "web_root", OPT_STR, O(web_root), WEFT_DEFAULT_WEB_ROOT, 0, 0,
	  "directory of the web client's static files (default: ../share/weft/client-web beside weftd when "
	  "there is one, as the package installs it)" },
	{ "max_body", OPT_INT, O(max_body), "4000", 1, 100000,
	  "longest message body, in characters" },
	{ "max_frame", OPT_INT, O(max_frame), "65536", 1024, 16777216,
	  "largest WebSocket message accepted, in bytes" },
	{ "frame_timeout", OPT_INT, O(frame_timeout), "30", 1, 3600,
	  "seconds a client may take to finish a WebSocket frame it started; a client silent this long is "
	  "pinged and closed if no answer comes within as long again" },
	{ "max_name", OPT_INT, O(max_name), "64", 1, 64,
	  "longest channel name, in characters" },
	{ "rate", OPT_INT, O(rate), "50", 1, 100000000,
	  "sustained requests per second per connection" },
	{ "burst", OPT_INT, O(burst), "200", 1, 100000000,
	  "requests a connection may send at once above the rate" },
	{ "send_queue", OPT_INT, O(send_queue), "4096", 16, 1000000,
	  "frames queued for one slow connection before it is disconnected" },
	{ "send_queue_bytes", OPT_INT, O(send_queue_bytes), "8388608", 1048576, 1073741824,
	  "bytes queued for one slow connection before it is disconnected; its requests are not read "
	  "while an eighth of this is queued" },
	{ "replay_max", OPT_INT, O(replay_max), "1000", 1, 1000000,
	  "events per channel replayed on resume before a gap is reported" },
	{ "max_conns_per_addr", OPT_INT, O(max_conns_per_addr), "256", 0, 1000000,
	  "WebSocket connections allowed from one address, enough for an office behind one NAT "
	  "(0 = unlimited)" },
	{ "session_idle", OPT_INT, O(session_idle), "1209600", 60, INT_MAX,
	  "seconds a session may go unused before it expires (14 days)" },
	{ "session_max", OPT_INT, O(session_max), "7776000", 60, INT_MAX,
	  "seconds a session lives at most (90 days)" },
	{ "request_cooldown", OPT_INT, O(request_cooldown), "86400", 0, INT_MAX,
	  "seconds before a declined join request may be filed again" },
	{ "channels_per_day", OPT_INT, O(channels_per_day), "20", 0, 100000,
	  "channels one user may create in 24 hours (administrators: any; 0 = no limit)" },
	{ "signup_ttl", OPT_INT, O(signup_ttl), "604800", 60, INT_MAX,
	  "seconds a one-time sign-up link stays valid (7 days)" },
	{ "argon2_iterations", OPT_INT, O(argon2_iterations), "3", 1, 100,
	  "argon2id passes for new password hashes" },
	{ "argon2_memory", OPT_INT, O(argon2_memory), "65536", 64, 4194304,
	  "argon2id memory for new password hashes, in KiB" },
	{ "auth_threads", OPT_INT, O(auth_threads), "2", 1, 64,
	  "threads that verify passwords" },
	{ "auth_queue", OPT_INT, O(auth_queue), "64", 1, 100000,
	  "password checks waiting for those threads before further sign-ins are refused with 503" },
	{ "search_threads", OPT_INT, O(search_threads), "2", 1, 64,
	  "threads that run message searches, each with its own read-only database connection" },
	{ "search_queue", OPT_INT, O(search_queue), "64", 1, 100000,
	  "searches waiting for those threads before further searches are refused as unavailable" },
	{ "hsts_max_age", OPT_INT, O(hsts_max_age), "31536000", 0, INT_MAX,
	  "Strict-Transport-Security max-age in seconds" },
	{ "metrics_open_loopback", OPT_INT, O(metrics_open_loopback), "1", 0, 1,
	  "1: /metrics answers any loopback peer without credentials; 0 (behind a reverse proxy on the same "
	  "host, whose requests come from loopback): an admin session only" },
	{ "max_file", OPT_INT, O(max_file), "26214400", 1, INT_MAX,
	  "largest uploaded file, in bytes (25 MiB)" },
	{ "file_quota", OPT_INT, O(file_quota), "524288000", 0, INT_MAX,
	  "bytes one user may upload in 24 hours (500 MiB; 0 = no limit)" },
	{ "upload_rate", OPT_INT, O(upload_rate), "32", 0, 100000,
	  "MiB per second the bodies of all uploads together are read at, so that large files arriving "
	  "leave the chat its share of the CPU (0 = no limit)" },
	{ "file_unattached_ttl", OPT_INT, O(file_unattached_ttl), "86400", 1, INT_MAX,
	  "seconds an uploaded file that no message attached is kept before it is removed (24 hours)" },
	{ "file_threads", OPT_INT, O(file_threads), "2", 1, 64,
	  "threads that write, hash and read the bytes of uploaded files" },
	{ "event_loop", OPT_STR, O(event_loop), "poll", 0, 0,
	  "poll (libwebsockets' own loop: lowest latency under load) or epoll (libev: less CPU per new connection)" },
	{ "log_level", OPT_STR, O(log_level), "info", 0, 0,
	  "error, warn, info or debug (start, ready, reload and shutdown lines are always written)" },
	{ "log_format", OPT_STR, O(log_format), "text", 0, 0,
	  "text (one line of key=value fields per event) or json (one JSON object per line)" },
	{ "config", OPT_STR, O(config), "", 0, 0,
	  "config file of `key = value` lines, read before the flags" },
	{ "tz", OPT_STR, O(tz), "", 0, 0,
	  "IANA time zone of the server's dates: when action items are overdue, when the digest goes out "
	  "(empty: the system's zone, /etc/localtime, else UTC)" },
	{ "digest_time", OPT_STR, O(digest_time), "08:30", 0, 0,
	  "HH:MM in tz when each person with action items due today or overdue gets the daily digest" },
	/* Weaving (issue 17). */
	{ "intro_daily", OPT_INT, O(intro_daily), "10", 0, 10000,
	  "introductions one person may propose in 24 hours (0 = no limit)" },
	{ "test_clock", OPT_INT, O(test_clock), "0", 0, 1,
	  "testing only: 1 lets clients move the server's schedule clock (test.clock) and allows clock_offset; "
	  "never set it on a real server" },
	{ "clock_offset", OPT_INT, O(clock_offset), "0", INT_MIN, INT_MAX,
	  "testing only (needs test_clock = 1): seconds added to the clock that opens standups and sends digests" },
};

#define NOPTS (sizeof options / sizeof options[0])

static int valid_tz(const char *value, char *err, size_t errlen);
static int valid_hhmm(const char *value, char *err, size_t errlen);

/* The strings with a form of their own, each with its check: 0, or
 * WEFT_EINVAL with the reason (naming the option) in err. A bad value is
 * refused on its line of the file or as its flag, not later at start. */
static const struct {
	const char *name;
	int (*valid)(const char *value, char *err, size_t errlen);
} forms[] = {
	{ "tz", valid_tz },
	{ "digest_time", valid_hhmm },
};

static int valid_form(const struct opt *o, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
		if (!strcmp(forms[i].name, o->name))
			return forms[i].valid(value, err, errlen);
	return WEFT_OK;
}

/* What a running server takes from a reload (SIGHUP): options only the
 * service thread reads. The others (the listening socket, the data
 * directory, the threads, argon2's cost, which the auth workers read) need
 * a restart. */
static const char *const reloadable[] = {
	"cert", "key", "public_url", "allowed_origins", "default_channels", "max_body", "max_frame",
	"frame_timeout", "max_name", "rate", "burst", "send_queue", "send_queue_bytes", "replay_max",
	"max_conns_per_addr", "session_idle", "session_max", "request_cooldown", "channels_per_day",
	"signup_ttl", "auth_queue", "hsts_max_age", "metrics_open_loopback", "log_level", "log_format",
	"upload_rate",
};

bool weft_config_reloadable(const char *name)
{
	for (size_t i = 0; i < sizeof reloadable / sizeof reloadable[0]; i++)
		if (!strcmp(reloadable[i], name))
			return true;
	return false;
}

static void value_text(const struct weft_config *cfg, const struct opt *o, char *out, size_t cap)
{
	const void *field = (const char *)cfg + o->offset;
	if (o->type == OPT_INT)
		snprintf(out, cap, "%d", *(const int *)field);
	else
		snprintf(out, cap, "%s", *(char *const *)field ? *(char *const *)field : "");
}

int weft_config_reload(struct weft_config *cur, struct weft_config *next,
		       void (*note)(void *arg, const char *name, const char *from, const char *to, bool applied),
		       void *arg)
{
	int changed = 0;
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &options[i];
		char from[512], to[512];
		if (!strcmp(o->name, "config"))
			continue;
		value_text(cur, o, from, sizeof from);
		value_text(next, o, to, sizeof to);
		if (!strcmp(from, to))
			continue;
		bool applied = weft_config_reloadable(o->name);
		if (applied) {
			char *a = (char *)cur + o->offset, *b = (char *)next + o->offset;
			if (o->type == OPT_INT) {
				*(int *)(void *)a = *(int *)(void *)b;
			} else {
				char *tmp = *(char **)(void *)a;
				*(char **)(void *)a = *(char **)(void *)b;
				*(char **)(void *)b = tmp;
			}
			changed++;
		}
		if (note)
			note(arg, o->name, from, to, applied);
	}
	return changed;
}

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const char *o = options[i].name;
		if (strlen(o) != len)
			continue;
		size_t j;
		for (j = 0; j < len; j++) {
			char c = name[j] == '-' ? '_' : name[j];
			if (c != o[j])
				break;
		}
		if (j == len)
			return &options[i];
	}
	return NULL;
}

/* The string options that take one of a few words, and those words. */
static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };
static const char *const event_loops[] = { "epoll", "poll", NULL };
static const char *const log_formats[] = { "text", "json", NULL };

static const char *const *words_of(const struct opt *o)
{
	return !strcmp(o->name, "log_level") ? log_levels : !strcmp(o->name, "event_loop") ? event_loops
	       : !strcmp(o->name, "log_format") ? log_formats : NULL;
}

static bool one_of(const char *const *words, const char *value)
{
	for (; *words; words++)
		if (!strcmp(*words, value))
			return true;
	return false;
}

/* "a, b or c" for an option's words. */
static void words_text(const char *const *words, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; words[i] && n < cap; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", !i ? "" : words[i + 1] ? ", " : " or ", words[i]);
		n += w > 0 ? (size_t)w : 0;
	}
}

static bool control_char(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The first len bytes of s as an error message quotes them: at most 64
 * bytes, cut at a character, control bytes shown as '?', so that a reason
 * stays one printable line whatever the file or the flag held. */
static const char *shown(const char *s, size_t len, char out[72])
{
	size_t n = 0;
	for (; n < len && s[n] && n < 64; n++)
		out[n] = control_char((unsigned char)s[n]) ? '?' : s[n];
	bool cut = n < len && s[n];
	while (cut && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* back to the start of the character that did not fit */
	strcpy(out + n, cut ? "..." : "");
	return out;
}

static int apply(struct weft_config *cfg, const struct opt *o, const char *value,
		 char *err, size_t errlen)
{
	char quoted[72];
	char *field = (char *)cfg + o->offset;
	if (o->type == OPT_STR) {
		const char *const *words = words_of(o);
		if (words && !one_of(words, value)) {
			char expected[128];
			words_text(words, expected, sizeof expected);
			snprintf(err, errlen, "%s: expected %s, got \"%s\"", o->name, expected,
				 shown(value, SIZE_MAX, quoted));
			return WEFT_EINVAL;
		}
		/* Strings end up in HTTP headers (public_url, allowed_origins) and logs. */
		for (const char *p = value; *p; p++)
			if (control_char((unsigned char)*p)) {
				snprintf(err, errlen, "%s: control characters are not allowed", o->name);
				return WEFT_EINVAL;
			}
		if (valid_form(o, value, err, errlen))
			return WEFT_EINVAL;
		char *copy = strdup(value);
		if (!copy)
			return WEFT_ENOMEM;
		char **slot = (char **)(void *)field;
		free(*slot);
		*slot = copy;
		return WEFT_OK;
	}
	char *end;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < o->min || v > o->max) {
		snprintf(err, errlen, "%s: expected an integer from %ld to %ld, got \"%s\"",
			 o->name, o->min, o->max, shown(value, SIZE_MAX, quoted));
		return WEFT_EINVAL;
	}
	*(int *)(void *)field = (int)v;
	return WEFT_OK;
}

/* The client installed beside the binary when there is one: a package's
 * /usr/bin/weftd finds /usr/share/weft/client-web (any prefix works, and a
 * tree unpacked with `dpkg -x`); else the built-in default, the source tree
 * this weftd was built from. */
static void installed_web_root(struct weft_config *cfg)
{
	char exe[4096], probe[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(probe, sizeof probe, "%s/../share/weft/client-web/index.html", exe);
	char *real = access(probe, R_OK) ? NULL : realpath(probe, NULL);
	char *end = real ? strrchr(real, '/') : NULL;
	if (!end) {
		free(real);
		return;
	}
	*end = '\0';
	free(cfg->web_root);
	cfg->web_root = real;
}

void weft_config_defaults(struct weft_config *cfg)
{
	char err[256];
	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NOPTS; i++) {
		int rc = apply(cfg, &options[i], options[i].def, err, sizeof err);
		(void)rc;
		/* The defaults are part of the table; a bad one is a programming error. */
		if (rc)
			abort();
	}
	installed_web_root(cfg);
}

void weft_config_free(struct weft_config *cfg)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (options[i].type != OPT_STR)
			continue;
		char **slot = (char **)(void *)((char *)cfg + options[i].offset);
		free(*slot);
		*slot = NULL;
	}
}

int weft_config_set(struct weft_config *cfg, const char *name, const char *value,
		    char *err, size_t errlen)
{
	const struct opt *o = find_opt(name, strlen(name));
	if (!o) {
		char quoted[72];
		snprintf(err, errlen, "unknown option \"%s\" (see --help)", shown(name, SIZE_MAX, quoted));
		return WEFT_EINVAL;
	}
	return apply(cfg, o, value, err, errlen);
}

/* tz: empty (the system's zone) or a zone of the tz database. */
static int valid_tz(const char *value, char *err, size_t errlen)
{
	struct weft_tz *z = NULL;
	if (value[0] && weft_tz_load(NULL, value, &z)) {
		snprintf(err, errlen, "tz: unknown time zone (expected a name such as America/Chicago)");
		return WEFT_EINVAL;
	}
	weft_tz_free(z);
	return WEFT_OK;
}

/* digest_time: HH:MM from 00:00 to 23:59. */
static int valid_hhmm(const char *t, char *err, size_t errlen)
{
	if (strlen(t) != 5 || t[2] != ':' || !isdigit((unsigned char)t[0]) || !isdigit((unsigned char)t[1]) ||
	    !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]) || (t[0] - '0') * 10 + (t[1] - '0') > 23 ||
	    t[3] > '5') {
		snprintf(err, errlen, "digest_time: expected HH:MM from 00:00 to 23:59");
		return WEFT_EINVAL;
	}
	return WEFT_OK;
}

int weft_config_check_options(const struct weft_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &options[i];
		const void *field = (const char *)cfg + o->offset;
		if (o->type == OPT_INT) {
			int v = *(const int *)field;
			if (v < o->min || v > o->max) {
				snprintf(err, errlen, "%s: %d is not from %ld to %ld", o->name, v, o->min, o->max);
				return WEFT_EINVAL;
			}
		} else {
			const char *v = *(char *const *)field, *c = v;
			while (c && *c && !control_char((unsigned char)*c))
				c++;
			if (!v || *c || (words_of(o) && !one_of(words_of(o), v))) {
				snprintf(err, errlen, "%s: %s", o->name,
					 !v ? "not set" : *c ? "holds a control character" : "not one of its words");
				return WEFT_EINVAL;
			}
			if (valid_form(o, v, err, errlen))
				return WEFT_EINVAL;
		}
	}
	return WEFT_OK;
}

int weft_config_check(const struct weft_config *cfg, char *err, size_t errlen)
{
	int rc = weft_config_check_options(cfg, err, errlen);
	if (rc)
		return rc;
	/* The one rule between options: they may come in any order, in the
	 * file and the flags, so it holds of the whole, at start and reload. */
	if (cfg->clock_offset && !cfg->test_clock) {
		snprintf(err, errlen, "clock_offset: only with test_clock = 1 (for tests)");
		return WEFT_EINVAL;
	}
	return WEFT_OK;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Applies one line of len bytes (NUL-terminated after them, without its
 * newline; trimmed in place) of the file name; a failure's reason goes to
 * err as "name:lineno: ...". */
static int load_line(struct weft_config *cfg, const char *name, int lineno, char *line, size_t len,
		     char *err, size_t errlen)
{
	/* A NUL would silently cut the line (and its value) short. */
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "%s:%d: a NUL byte (is this a text file?)", name, lineno);
		return WEFT_EINVAL;
	}
	char *s = trim(line);
	if (!*s || *s == '#')
		return WEFT_OK;
	char *eq = strchr(s, '=');
	if (!eq) {
		snprintf(err, errlen, "%s:%d: expected `key = value`", name, lineno);
		return WEFT_EINVAL;
	}
	*eq = '\0';
	char *key = trim(s), *value = trim(eq + 1);
	size_t vl = strlen(value);
	if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
		value[vl - 1] = '\0';
		value++;
	}
	if (!strcmp(key, "config")) {
		snprintf(err, errlen, "%s:%d: config files cannot include others", name, lineno);
		return WEFT_EINVAL;
	}
	char why[256];
	int rc = weft_config_set(cfg, key, value, why, sizeof why);
	if (rc)
		snprintf(err, errlen, "%s:%d: %s", name, lineno, why);
	return rc;
}

/* dst as a deep copy of src (its own strings). */
static int config_copy(struct weft_config *dst, const struct weft_config *src)
{
	*dst = *src;
	for (size_t i = 0; i < NOPTS; i++)
		if (options[i].type == OPT_STR)
			*(char **)(void *)((char *)dst + options[i].offset) = NULL;
	for (size_t i = 0; i < NOPTS; i++) {
		if (options[i].type != OPT_STR)
			continue;
		const char *from = *(char *const *)(const void *)((const char *)src + options[i].offset);
		char **to = (char **)(void *)((char *)dst + options[i].offset);
		if (from && !(*to = strdup(from))) {
			weft_config_free(dst);
			return WEFT_ENOMEM;
		}
	}
	return WEFT_OK;
}

int weft_config_load_buffer(struct weft_config *cfg, const char *name, const char *text, size_t len,
			    char *err, size_t errlen)
{
	/* The lines apply to a copy, which replaces cfg only when all of them
	 * were good: a bad line 7 must not leave lines 1-6 applied. */
	struct weft_config next;
	/* A copy of text to cut into lines: it need not end in a NUL or a newline. */
	char *copy = malloc(len + 1);
	if (!copy || config_copy(&next, cfg)) {
		free(copy);
		snprintf(err, errlen, "%s: out of memory", name);
		return WEFT_ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	int rc = WEFT_OK, lineno = 0;
	for (char *line = copy; !rc && line < copy + len; lineno++) {
		char *nl = memchr(line, '\n', (size_t)(copy + len - line));
		if (nl)
			*nl = '\0';
		size_t n = nl ? (size_t)(nl - line) : (size_t)(copy + len - line);
		rc = load_line(&next, name, lineno + 1, line, n, err, errlen);
		line = nl ? nl + 1 : copy + len;
	}
	free(copy);
	if (rc) {
		weft_config_free(&next);
	} else {
		weft_config_free(cfg);
		*cfg = next;
	}
	return rc;
}

int weft_config_load_file(struct weft_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "config: cannot open %s: %s", path, strerror(errno));
		return WEFT_EIO;
	}
	/* Read whole: one byte more than a config file may have tells a larger one. */
	char *text = malloc(WEFT_CONFIG_FILE_MAX + 1);
	size_t len = text ? fread(text, 1, WEFT_CONFIG_FILE_MAX + 1, f) : 0;
	int rc;
	if (!text) {
		snprintf(err, errlen, "config: %s: out of memory", path);
		rc = WEFT_ENOMEM;
	} else if (ferror(f)) {
		snprintf(err, errlen, "config: cannot read %s", path);
		rc = WEFT_EIO;
	} else if (len > WEFT_CONFIG_FILE_MAX) {
		snprintf(err, errlen, "config: %s is larger than %d bytes", path, WEFT_CONFIG_FILE_MAX);
		rc = WEFT_EINVAL;
	} else {
		rc = weft_config_load_buffer(cfg, path, text, len, err, errlen);
	}
	fclose(f);
	free(text);
	return rc;
}

static const struct weft_cli_flag *find_extra(const struct weft_cli_flag *extra, const char *name, size_t len)
{
	for (; extra && extra->name; extra++)
		if (strlen(extra->name) == len && !strncmp(extra->name, name, len))
			return extra;
	return NULL;
}

/* The value of the flag at argv[*i] (after '=' or the next word), or NULL
 * after writing "NAME: missing value" to err. */
static const char *flag_value(int argc, char **argv, int *i, const char *eq, const char *name, char *err,
			      size_t errlen)
{
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		snprintf(err, errlen, "%s: missing value", name);
		return NULL;
	}
	return argv[++*i];
}

int weft_config_parse_args(struct weft_config *cfg, int argc, char **argv,
			   const struct weft_cli_flag *extra,
			   const char **pos, int max_pos, int *npos,
			   char *err, size_t errlen)
{
	int n = 0, rc;
	/* First pass: the config file, so that flags override it. */
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *file = NULL;
		if (!strcmp(a, "--config")) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "config: missing value");
				return WEFT_EINVAL;
			}
			file = argv[i + 1];
		} else if (!strncmp(a, "--config=", 9)) {
			file = a + 9;
		}
		if (file) {
			if ((rc = weft_config_load_file(cfg, file, err, errlen)))
				return WEFT_EINVAL;
			if ((rc = weft_config_set(cfg, "config", file, err, errlen)))
				return rc;
		}
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) || !a[2]) {
			if (n >= max_pos) {
				snprintf(err, errlen, "unexpected argument \"%s\"", a);
				return WEFT_EINVAL;
			}
			pos[n++] = a;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct weft_cli_flag *x = find_extra(extra, name, len);
		if (x && !x->takes_value && eq) {
			snprintf(err, errlen, "--%.*s takes no value", (int)len, name);
			return WEFT_EINVAL;
		}
		if (x && !(*x->out = x->takes_value ? flag_value(argc, argv, &i, eq, x->name, err, errlen) : "1"))
			return WEFT_EINVAL;
		if (x)
			continue;
		const struct opt *o = find_opt(name, len);
		if (!o) {
			char quoted[72];
			snprintf(err, errlen, "unknown option --%s (see --help)", shown(name, len, quoted));
			return WEFT_EINVAL;
		}
		const char *value = flag_value(argc, argv, &i, eq, o->name, err, errlen);
		if (!value)
			return WEFT_EINVAL;
		if (!strcmp(o->name, "config"))
			continue; /* done in the first pass */
		if ((rc = apply(cfg, o, value, err, errlen)))
			return rc;
	}
	*npos = n;
	return WEFT_OK;
}

static void flag_name(const char *name, char *out, size_t outlen)
{
	size_t i;
	for (i = 0; name[i] && i + 1 < outlen; i++)
		out[i] = name[i] == '_' ? '-' : name[i];
	out[i] = '\0';
}

void weft_config_usage(FILE *out)
{
	fprintf(out,
		"usage: weftd serve --data DIR [--port N] [--bind ADDR] [--config FILE] [options]\n"
		"       weftd user add NAME --data DIR [--admin] [--display \"Full Name\"] [--jurisdiction J]\n"
		"                 [--region R] [--title T] [--invite]   (password on stdin, or --invite prints a link)\n"
		"       weftd user passwd NAME --data DIR   (new password on stdin; signs the user out everywhere)\n"
		"       weftd user invite|reset NAME --data DIR   (one-time sign-up link; reset also clears the password)\n"
		"       weftd user deactivate|reactivate NAME --data DIR\n"
		"       weftd user import FILE.csv --data DIR [--dry-run] [--port N]   (a roster: links on stdout)\n"
		"       weftd channel add NAME --owner USER --data DIR [--kind cohort] [--access A] [--topic T]\n"
		"       weftd backup FILE --data DIR\n"
		"       weftd restore FILE --data DIR   (not while a server runs on DIR)\n"
		"       weftd export --channel NAME | --user NAME --data DIR [--format json|md]\n"
		"       weftd check --data DIR\n"
		"       weftd config-example\n"
		"serve reloads its certificate and the options marked below on SIGHUP (systemctl reload weft).\n"
		"       weftd --help | --version\n\noptions (also `key = value` lines in the config file):\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char flag[64];
		flag_name(options[i].name, flag, sizeof flag);
		fprintf(out, "  --%-22s %s (default: %s%s)\n", flag, options[i].help,
			options[i].def[0] ? options[i].def : "none",
			weft_config_reloadable(options[i].name) ? "; SIGHUP reloads it" : "");
	}
}

void weft_config_write_example(FILE *out)
{
	fprintf(out, "# weftd configuration: every option with its default.\n"
		     "# Lines are `key = value`; command-line flags (--key value) override them.\n"
		     "# Generated by `weftd config-example`.\n");
	for (size_t i = 0; i < NOPTS; i++) {
		if (!strcmp(options[i].name, "config"))
			continue;
		fprintf(out, "\n# %s", options[i].help);
		if (options[i].type == OPT_INT)
			fprintf(out, " [%ld..%ld]", options[i].min, options[i].max);
		if (weft_config_reloadable(options[i].name))
			fprintf(out, " (SIGHUP reloads it)");
		/* The built-in web root is a path on the build machine. */
		fprintf(out, "\n# %s = %s\n", options[i].name,
			strcmp(options[i].name, "web_root") ? options[i].def : "/path/to/weft/client-web");
	}
}

void weft_config_signup_url(const struct weft_config *cfg, const char *token, char *out, size_t cap)
{
	const char *base = cfg->public_url;
	size_t n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	if (n)
		snprintf(out, cap, "%.*s/#signup=%s", (int)n, base, token);
	else
		snprintf(out, cap, "https://localhost:%d/#signup=%s", cfg->port, token);
}
