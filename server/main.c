/* weftd: wires the command line, configuration, signals and the server. */
#include "weft/cli.h"
#include "weft/datadir.h"
#include "weft/server.h"
#include "weft/blobs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_flag, reload_flag;
static struct lws_context *volatile signal_ctx;

/* SIGTERM and SIGINT stop; SIGHUP reloads. Either is acted on by the
 * service thread, which this wakes. */
static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
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
	weft_log_configure(cfg->log_level, cfg->log_format);
}

static int cmd_serve(struct weft_config *cfg, int argc, char **argv)
{
	struct weft_server *s;
	char err[256];
	if (weft_config_check(cfg, err, sizeof err)) {
		fprintf(stderr, "weftd: %s\n", err);
		return EXIT_USAGE;
	}
	/* One server per data directory, and no restore under it; held until
	 * the process exits. */
	int lock, rc = weft_datadir_lock(cfg->data, &lock);
	if (rc) {
		weft_err("start.failed data=%s reason=%s", cfg->data,
			 rc == WEFT_EBUSY ? "another weftd serves (or restores) it" : "cannot lock it");
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	/* A reload asked for while the server starts runs once it serves. */
	sigaction(SIGHUP, &sa, NULL);
	if (weft_server_create(cfg, &s)) {
		weft_err("start.failed hint=%s", "see the lines above");
		return 1;
	}
	signal_ctx = s->ctx;
	weft_server_on_reload(s, &reload_flag, argc, argv);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = weft_server_run(s, &stop_flag);
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

/* Options of `user` subcommands that are not configuration. */
struct user_opts {
	const char *display, *jurisdiction, *region, *title;
	bool admin, invite;
};

static int check_text(const char *flag, const char *v, int max)
{
	long n = v ? weft_utf8_len(v, strlen(v)) : 0;
	if (v && (n < 1 || n > max)) {
		fprintf(stderr, "weftd: --%s must be 1 to %d characters of UTF-8 (see weftd --help)\n", flag, max);
		return EXIT_USAGE;
	}
	return 0;
}

static int open_store(struct weft_config *cfg, struct weft_store **st)
{
	if (weft_server_open_store(cfg->data, st)) {
		fprintf(stderr, "weftd: cannot open the database in %s\n", cfg->data);
		return 1;
	}
	return 0;
}

/* The port the server on this data directory listens on (it leaves it in
 * DIR/port), or the configured one. */
static int server_port(const struct weft_config *cfg)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/port", cfg->data);
	FILE *f = fopen(path, "r");
	int port = 0;
	if (f) {
		if (fscanf(f, "%d", &port) != 1 || port < 1 || port > 65535)
			port = 0;
		fclose(f);
	}
	return port ? port : cfg->port;
}

static void print_link(struct weft_config *cfg, const char *token, int64_t expires_ms)
{
	char iso[WEFT_ISO_LEN], url[1024];
	weft_iso8601(expires_ms, iso);
	if (!cfg->public_url[0]) {
		cfg->port = server_port(cfg);
		fprintf(stderr, "weftd: public_url is not set: this link names https://localhost:%d and works only "
				"on this machine; set public_url to the address people use\n", cfg->port);
	}
	weft_config_signup_url(cfg, token, url, sizeof url);
	printf("sign-up link (single use, until %s): %s\n", iso, url);
	OPENSSL_cleanse(url, sizeof url);
}

/* Runs job synchronously; prints a one-line reason and returns an exit status. */
static int run_job(struct weft_config *cfg, struct weft_job *job, const char *name)
{
	struct weft_store *st;
	int rc = open_store(cfg, &st);
	if (rc) {
		weft_job_free(job);
		return rc;
	}
	/* The job names users by id; the command line by name. */
	if (job->kind != WEFT_JOB_USER_CREATE) {
		struct weft_user_auth ua;
		if ((rc = weft_store_user_by_name(st, name, &ua))) {
			if (rc == WEFT_ENOTFOUND)
				fprintf(stderr, "weftd: no user %s\n", name);
			else
				fprintf(stderr, "weftd: cannot read user %s: %s\n", name, weft_strerror(rc));
			weft_store_close(st);
			weft_job_free(job);
			return 1;
		}
		job->target = ua.user.id;
	}
	rc = weft_store_run_sync(st, job);
	weft_store_close(st);
	weft_job_free(job);
	if (rc == WEFT_ECONFLICT)
		fprintf(stderr, "weftd: user %s already exists\n", name);
	else if (rc)
		fprintf(stderr, "weftd: cannot update user %s: %s\n", name, weft_strerror(rc));
	return rc ? 1 : 0;
}

static int new_link(struct weft_job *job, int ttl_s, char token[WEFT_TOKEN_LEN + 1])
{
	if (weft_auth_new_token(token))
		return WEFT_EIO;
	weft_auth_token_hash(token, WEFT_TOKEN_LEN, job->token_hash);
	job->expires_ms = weft_now_ms() + (int64_t)ttl_s * 1000;
	return WEFT_OK;
}

/* Reads and hashes a password from stdin into job->text. */
static int password_from_stdin(struct weft_config *cfg, struct weft_job *job)
{
	char pw[WEFT_PASSWORD_MAX + 2], hash[WEFT_HASH_ENCODED_MAX];
	int rc = read_password(pw, sizeof pw);
	if (rc) {
		OPENSSL_cleanse(pw, sizeof pw);
		fprintf(stderr, "weftd: expected a password of 1 to %d bytes on one line of standard input\n",
			WEFT_PASSWORD_MAX);
		return EXIT_USAGE;
	}
	rc = weft_auth_hash_password(pw, cfg->argon2_iterations, cfg->argon2_memory, hash);
	OPENSSL_cleanse(pw, sizeof pw);
	if (rc || !(job->text = strdup(hash))) {
		fprintf(stderr, "weftd: cannot hash the password\n");
		return 1;
	}
	return 0;
}

static int cmd_user(struct weft_config *cfg, const char *verb, const char *name, const struct user_opts *o)
{
	if (!weft_username_valid(name))
		return usage_error("user name must be 1 to 32 characters of a-z, 0-9, '.', '_' and '-', "
				   "starting with a letter or digit");
	int rc;
	if ((rc = check_text("display", o->display, WEFT_DISPLAY_MAX)) ||
	    (rc = check_text("jurisdiction", o->jurisdiction, WEFT_PROFILE_MAX)) ||
	    (rc = check_text("region", o->region, WEFT_PROFILE_MAX)) ||
	    (rc = check_text("title", o->title, WEFT_PROFILE_MAX)))
		return rc;
	char token[WEFT_TOKEN_LEN + 1] = "";
	struct weft_job *job = NULL;
	if (!strcmp(verb, "add")) {
		job = weft_job_new(WEFT_JOB_USER_CREATE);
		if (!job)
			return 1;
		struct weft_profile *p = &job->profile;
		snprintf(p->user.name, sizeof p->user.name, "%s", name);
		snprintf(p->user.display, sizeof p->user.display, "%s", o->display ? o->display : "");
		snprintf(p->jurisdiction, sizeof p->jurisdiction, "%s", o->jurisdiction ? o->jurisdiction : "");
		snprintf(p->region, sizeof p->region, "%s", o->region ? o->region : "");
		snprintf(p->title, sizeof p->title, "%s", o->title ? o->title : "");
		p->admin = o->admin;
		job->defaults = cfg->default_channels;
		rc = o->invite ? new_link(job, cfg->signup_ttl, token) : password_from_stdin(cfg, job);
	} else if (!strcmp(verb, "passwd")) {
		if ((job = weft_job_new(WEFT_JOB_USER_PASSWORD)))
			rc = password_from_stdin(cfg, job);
	} else if (!strcmp(verb, "invite") || !strcmp(verb, "reset")) {
		if ((job = weft_job_new(WEFT_JOB_SIGNUP_CREATE))) {
			job->flag = !strcmp(verb, "reset");
			rc = new_link(job, cfg->signup_ttl, token);
		}
	} else if (!strcmp(verb, "deactivate") || !strcmp(verb, "reactivate")) {
		if ((job = weft_job_new(WEFT_JOB_USER_ACTIVE)))
			job->flag = !strcmp(verb, "reactivate");
	} else {
		return usage_error("expected `weftd user add|passwd|invite|reset|deactivate|reactivate NAME`");
	}
	if (!job)
		return 1;
	if (rc) {
		weft_job_free(job);
		return rc;
	}
	int64_t expires = job->expires_ms;
	if ((rc = run_job(cfg, job, name)))
		return rc;
	if (!strcmp(verb, "add"))
		printf("created user %s%s\n", name, o->admin ? " with admin rights" : "");
	else
		printf("%s: done for user %s\n", verb, name);
	if (token[0])
		print_link(cfg, token, expires);
	OPENSSL_cleanse(token, sizeof token);
	return 0;
}

/* Options of `channel add`. */
struct channel_opts {
	const char *kind, *access, *topic, *owner;
};

/* `weftd channel add NAME --owner USER [--kind K] [--access A] [--topic T]`:
 * e.g. the welcome cohort of default_channels, made before anyone signs in. */
static int cmd_channel(struct weft_config *cfg, const char *name, const struct channel_opts *o)
{
	int kind = weft_kind_parse(o->kind ? o->kind : "cohort");
	int access = o->access ? weft_access_parse(o->access) : kind >= 0 ? weft_kind_default_access(kind) : -1;
	if (!weft_channel_name_valid(name, cfg->max_name))
		return usage_error("channel name must be lowercase letters, digits and '-'");
	if (kind < 0 || kind == WEFT_KIND_DM)
		return usage_error("--kind must be caucus, cohort or team");
	if (access < 0)
		return usage_error("--access must be open, request or invite");
	if (!o->owner)
		return usage_error("--owner USER is required: someone runs the channel");
	int rc = check_text("topic", o->topic, WEFT_TOPIC_MAX);
	struct weft_job *job = rc ? NULL : weft_job_new(WEFT_JOB_CHANNEL_CREATE);
	if (!job)
		return rc ? rc : 1;
	snprintf(job->name, sizeof job->name, "%s", name);
	job->ckind = kind;
	job->access = access;
	if (o->topic && !(job->text = strdup(o->topic))) {
		weft_job_free(job);
		return 1;
	}
	struct weft_store *st;
	if ((rc = open_store(cfg, &st))) {
		weft_job_free(job);
		return rc;
	}
	struct weft_user_auth ua;
	if ((rc = weft_store_user_by_name(st, o->owner, &ua)))
		fprintf(stderr, "weftd: no user %s\n", o->owner);
	else {
		job->user = ua.user.id;
		if ((rc = weft_store_run_sync(st, job)))
			fprintf(stderr, "weftd: cannot create channel %s: %s\n", name,
				rc == WEFT_ECONFLICT ? "the name is taken" : weft_strerror(rc));
		else
			printf("created channel %s (%s, %s) owned by %s\n", name, weft_kind_name(kind),
			       weft_access_name(access), o->owner);
	}
	weft_store_close(st);
	weft_job_free(job);
	return rc ? 1 : 0;
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
	char err[512] = "", blobs[4200];
	snprintf(blobs, sizeof blobs, "%s.files", dest);
	if (!access(blobs, F_OK)) {
		fprintf(stderr, "weftd: %s exists; choose a new file\n", blobs);
		return 1;
	}
	/* The files' bytes with the database, consistently: while the copy
	 * runs the server removes no blob (it keeps removals for later), so
	 * every file the copied database names has its bytes copied. */
	int lock = -1, copied = 0;
	if (weft_blobs_backup_lock(cfg->data, &lock, err, sizeof err) ||
	    weft_store_backup(db, dest, err, sizeof err) ||
	    (lock >= 0 && weft_blobs_backup_copy(cfg->data, dest, &copied, err, sizeof err))) {
		weft_blobs_backup_unlock(lock);
		fprintf(stderr, "weftd: backup failed: %s\n", err);
		unlink(dest);
		return 1;
	}
	weft_blobs_backup_unlock(lock);
	if (lock >= 0)
		printf("backed up %s to %s and the bytes of its files (%d) to %s/\n", db, dest, copied, blobs);
	else
		printf("backed up %s to %s\n", db, dest);
	return 0;
}

/* Whether argv names the flag (`--flag V` or `--flag=V`). */
static bool flag_given(int argc, char **argv, const char *flag)
{
	size_t n = strlen(flag);
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], flag, n) && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	return false;
}

/* Where the arguments of argv's command start (after `user VERB` or
 * `channel add`), and its verb (NULL: none); 0 after a usage error. */
static int command_start(int argc, char **argv, const char **verb)
{
	const char *cmd = argv[1];
	*verb = NULL;
	if (!strcmp(cmd, "user") || !strcmp(cmd, "channel")) {
		bool user = cmd[0] == 'u';
		if (argc < 3 || argv[2][0] == '-' || (!user && strcmp(argv[2], "add"))) {
			usage_error(user ? "expected `weftd user add|import|passwd|invite|reset|deactivate|reactivate NAME`"
					 : "expected `weftd channel add NAME --owner USER`");
			return 0;
		}
		*verb = argv[2];
		return 3;
	}
	if (strcmp(cmd, "serve") && strcmp(cmd, "backup") && strcmp(cmd, "config-example") && strcmp(cmd, "export") &&
	    strcmp(cmd, "restore") && strcmp(cmd, "check")) {
		char msg[128];
		snprintf(msg, sizeof msg, "unknown command \"%.40s\"", cmd);
		usage_error(msg);
		return 0;
	}
	return 2;
}

/* The data directory's operations (server/cli/): `user import`, `export`,
 * `restore`, `check`, with their own flags; args start after the command
 * (and import's verb). */
static int cmd_data(struct weft_config *cfg, int argc, char **argv, const char *cmd)
{
	const char *dry = NULL, *channel = NULL, *user = NULL, *format = NULL, *pos[4];
	const struct weft_cli_flag import_flags[] = {
		{ "dry-run", false, &dry },
		{ NULL, false, NULL },
	};
	const struct weft_cli_flag export_flags[] = {
		{ "channel", true, &channel },
		{ "user", true, &user },
		{ "format", true, &format },
		{ NULL, false, NULL },
	};
	bool import = !strcmp(cmd, "user"), export = !strcmp(cmd, "export");
	char err[512];
	int npos = 0;
	if (weft_config_parse_args(cfg, argc, argv, import ? import_flags : export ? export_flags : NULL, pos, 4, &npos,
				   err, sizeof err)) {
		fprintf(stderr, "weftd: %s\n", err);
		return EXIT_USAGE;
	}
	apply_log_level(cfg);
	if (import)
		return npos != 1 ? usage_error("expected `weftd user import FILE.csv --data DIR`")
				 : weft_cli_import(cfg, pos[0], dry != NULL, flag_given(argc, argv, "--port"));
	if (export)
		return npos ? usage_error("export takes no arguments") : weft_cli_export(cfg, channel, user, format);
	if (!strcmp(cmd, "restore"))
		return npos != 1 ? usage_error("expected `weftd restore FILE --data DIR`") : weft_cli_restore(cfg, pos[0]);
	return npos ? usage_error("check takes no arguments") : weft_cli_check(cfg);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	/* A write past RLIMIT_FSIZE then fails with EFBIG, which the store
	 * answers like a full disk, instead of killing the server. */
	signal(SIGXFSZ, SIG_IGN);
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
	struct user_opts uo = { 0 };
	const char *admin = NULL, *invite = NULL;
	const struct weft_cli_flag user_flags[] = {
		{ "admin", false, &admin },
		{ "invite", false, &invite },
		{ "display", true, &uo.display },
		{ "jurisdiction", true, &uo.jurisdiction },
		{ "region", true, &uo.region },
		{ "title", true, &uo.title },
		{ NULL, false, NULL },
	};
	struct channel_opts co = { 0 };
	const struct weft_cli_flag channel_flags[] = {
		{ "kind", true, &co.kind },
		{ "access", true, &co.access },
		{ "topic", true, &co.topic },
		{ "owner", true, &co.owner },
		{ NULL, false, NULL },
	};
	const char *pos[4], *cmd = argv[1], *verb;
	int npos = 0, rc = EXIT_USAGE, first = command_start(argc, argv, &verb);
	if (!first)
		goto out;
	if (!strcmp(cmd, "export") || !strcmp(cmd, "restore") || !strcmp(cmd, "check") ||
	    (verb && !strcmp(cmd, "user") && !strcmp(verb, "import"))) {
		rc = cmd_data(&cfg, argc - first, argv + first, cmd);
		goto out;
	}
	char err[512];
	const struct weft_cli_flag *flags = !verb ? NULL : !strcmp(cmd, "user") ? user_flags : channel_flags;
	if (weft_config_parse_args(&cfg, argc - first, argv + first, flags, pos, 4, &npos, err, sizeof err)) {
		fprintf(stderr, "weftd: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	apply_log_level(&cfg);
	uo.admin = admin != NULL;
	uo.invite = invite != NULL;
	if (!strcmp(cmd, "serve")) {
		rc = npos ? usage_error("serve takes no arguments") : cmd_serve(&cfg, argc - first, argv + first);
	} else if (!strcmp(cmd, "user")) {
		rc = npos != 1 ? usage_error("expected `weftd user VERB NAME`") : cmd_user(&cfg, verb, pos[0], &uo);
	} else if (!strcmp(cmd, "channel")) {
		rc = npos != 1 ? usage_error("expected `weftd channel add NAME --owner USER`") : cmd_channel(&cfg, pos[0], &co);
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
