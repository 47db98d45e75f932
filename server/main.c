/* weftd: wires the command line, configuration, signals and the server. */
#include "weft/server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_flag;
static struct lws_context *volatile signal_ctx;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	if (signal_ctx)
		lws_cancel_service(signal_ctx);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "weftd: %s (see weftd --help)\n", msg);
	return EXIT_USAGE;
}

static void apply_log_level(const struct weft_config *cfg)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(cfg->log_level, levels[i]))
			weft_log_level = i;
	int lws_levels = LLL_ERR | (weft_log_level >= WEFT_LOG_WARN ? LLL_WARN : 0);
	lws_set_log_level(lws_levels, NULL);
}

static int cmd_serve(struct weft_config *cfg)
{
	struct weft_server *s;
	if (weft_server_create(cfg, &s)) {
		fprintf(stderr, "weftd: cannot start the server (see the log above)\n");
		return 1;
	}
	signal_ctx = s->ctx;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int rc = weft_server_run(s, &stop_flag);
	signal_ctx = NULL;
	return rc ? 1 : 0;
}

/* One line from stdin without its newline; the buffer is wiped by the caller. */
static int read_password(char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, stdin))
		return WEFT_EINVAL;
	size_t n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == cap - 1)
		return WEFT_ETOOLARGE;
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return n ? WEFT_OK : WEFT_EINVAL;
}

static int cmd_user_add(struct weft_config *cfg, const char *name, bool admin, const char *display)
{
	if (!weft_username_valid(name))
		return usage_error("user name must be 1 to 32 characters of a-z, 0-9, '.', '_' and '-', "
				   "starting with a letter or digit");
	if (display) {
		long n = weft_utf8_len(display, strlen(display));
		if (n < 1 || n > WEFT_DISPLAY_MAX)
			return usage_error("--display must be 1 to 64 characters of UTF-8");
	}
	char pw[WEFT_PASSWORD_MAX + 2];
	int rc = read_password(pw, sizeof pw);
	if (rc) {
		OPENSSL_cleanse(pw, sizeof pw);
		fprintf(stderr, "weftd: expected a password of 1 to %d bytes on one line of standard input\n",
			WEFT_PASSWORD_MAX);
		return EXIT_USAGE;
	}
	char hash[WEFT_HASH_ENCODED_MAX];
	rc = weft_auth_hash_password(pw, cfg->argon2_iterations, cfg->argon2_memory, hash);
	OPENSSL_cleanse(pw, sizeof pw);
	if (rc) {
		fprintf(stderr, "weftd: cannot hash the password\n");
		return 1;
	}
	struct weft_store *st;
	if (weft_server_open_store(cfg->data, &st)) {
		fprintf(stderr, "weftd: cannot open the database in %s\n", cfg->data);
		return 1;
	}
	int64_t id;
	rc = weft_store_user_create(st, name, display ? display : "", hash, admin, &id);
	weft_store_close(st);
	if (rc == WEFT_ECONFLICT) {
		fprintf(stderr, "weftd: user %s already exists\n", name);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "weftd: cannot create user %s: %s\n", name, weft_strerror(rc));
		return 1;
	}
	printf("created user %s (id %lld)%s\n", name, (long long)id, admin ? " with admin rights" : "");
	return 0;
}

static int cmd_backup(struct weft_config *cfg, const char *dest)
{
	char db[4096];
	snprintf(db, sizeof db, "%s/weft.db", cfg->data);
	if (access(db, R_OK)) {
		fprintf(stderr, "weftd: no database at %s\n", db);
		return 1;
	}
	if (!access(dest, F_OK)) {
		fprintf(stderr, "weftd: %s exists; choose a new file\n", dest);
		return 1;
	}
	char err[512];
	if (weft_store_backup(db, dest, err, sizeof err)) {
		fprintf(stderr, "weftd: backup failed: %s\n", err);
		unlink(dest);
		return 1;
	}
	printf("backed up %s to %s\n", db, dest);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage_error("missing command");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		weft_config_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("weftd %s\n", WEFT_VERSION);
		return 0;
	}
	struct weft_config cfg;
	weft_config_defaults(&cfg);
	static const char *const flags[] = { "admin", NULL };
	const char *bools[2] = { NULL, NULL };
	const char *pos[4];
	int npos = 0, rc = EXIT_USAGE, first = 2;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "user")) {
		if (argc < 3 || strcmp(argv[2], "add")) {
			rc = usage_error("expected `weftd user add NAME`");
			goto out;
		}
		first = 3;
	} else if (strcmp(cmd, "serve") && strcmp(cmd, "backup") && strcmp(cmd, "config-example")) {
		char msg[128];
		snprintf(msg, sizeof msg, "unknown command \"%.40s\"", cmd);
		rc = usage_error(msg);
		goto out;
	}
	/* --display takes a value, so it is pulled out before the table parse. */
	const char *display = NULL;
	char **args = calloc((size_t)argc, sizeof *args);
	int nargs = 0;
	if (!args) {
		rc = 1;
		goto out;
	}
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "--display")) {
			if (i + 1 >= argc) {
				free(args);
				rc = usage_error("--display: missing value");
				goto out;
			}
			display = argv[++i];
		} else if (!strncmp(argv[i], "--display=", 10)) {
			display = argv[i] + 10;
		} else {
			args[nargs++] = argv[i];
		}
	}
	char err[512];
	if (weft_config_parse_args(&cfg, nargs, args, flags, bools, pos, 4, &npos, err, sizeof err)) {
		free(args);
		fprintf(stderr, "weftd: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	free(args);
	apply_log_level(&cfg);
	bool admin = bools[0] != NULL;
	if (!strcmp(cmd, "serve")) {
		rc = npos ? usage_error("serve takes no arguments") : cmd_serve(&cfg);
	} else if (!strcmp(cmd, "user")) {
		rc = npos != 1 ? usage_error("expected `weftd user add NAME`")
			       : cmd_user_add(&cfg, pos[0], admin, display);
	} else if (!strcmp(cmd, "backup")) {
		rc = npos != 1 ? usage_error("expected `weftd backup FILE --data DIR`") : cmd_backup(&cfg, pos[0]);
	} else {
		weft_config_write_example(stdout);
		rc = 0;
	}
out:
	weft_config_free(&cfg);
	return rc;
}
