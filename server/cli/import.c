/* `weftd user import FILE`: a roster (roster.h) into accounts without
 * passwords, each with a one-time sign-up link. The rows go to the store
 * as the same USER_CREATE jobs `weftd user add --invite` and
 * admin.user.create make, IMPORT_BATCH of them in one transaction (each
 * under its own savepoint, so a taken name leaves the others), through
 * weft_store_run_sync_list: no password is hashed, so 13,000 rows take
 * seconds. A server running on the same directory sees the accounts as
 * soon as a batch commits (its reads go to the database) and fans out the
 * default channels' join events it finds in the log (pick_foreign). Main
 * thread. */
#include "weft/cli.h"

#include "weft/auth.h"
#include "weft/roster.h"
#include "weft/server.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_BATCH 250                /* rows per transaction */
#define IMPORT_FILE_MAX (64 << 20)      /* bytes of a roster */

/* What happened to each row, for the summary. */
struct tally {
	int created, existing, rejected, failed;
};

/* The whole of path ("-": standard input) into *buf (NUL-terminated). */
static int slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "weftd: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	int rc = 1;
	while (b) {
		if (n + 1 == cap) {
			char *nb = cap >= IMPORT_FILE_MAX ? NULL : realloc(b, cap * 2);
			if (!nb) {
				fprintf(stderr, "weftd: %s is larger than %d MiB; split it\n", path, IMPORT_FILE_MAX >> 20);
				goto out;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (!b || ferror(f)) {
		fprintf(stderr, "weftd: cannot read %s: %s\n", path, b ? strerror(errno) : "out of memory");
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* The port the server on this data directory listens on (it leaves it in
 * DIR/port), or 0. */
static int running_port(const struct weft_config *cfg)
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
	return port;
}

static void report(const struct weft_roster_row *row, const char *what, const char *why)
{
	fprintf(stderr, "weftd: line %d: %s: %s\n", row->line, what, why);
}

static void report_exists(const struct weft_roster_row *row, const char *what)
{
	fprintf(stderr, "weftd: line %d: %s: %s exists\n", row->line, what, row->field[WEFT_ROSTER_USERNAME]);
}

/* One batch of rows[from..to): jobs made, run in one transaction, the
 * links printed. Returns the transaction's error (then nothing of the
 * batch was written). */
static int run_batch(struct weft_config *cfg, struct weft_store *st, struct weft_roster *r, int from, int to,
		     struct tally *t)
{
	struct weft_job *jobs[IMPORT_BATCH], *head = NULL, **tail = &head;
	const struct weft_roster_row *rows[IMPORT_BATCH];
	char (*tokens)[WEFT_TOKEN_LEN + 1] = calloc(IMPORT_BATCH, sizeof *tokens);
	int n = 0, rc = tokens ? WEFT_OK : WEFT_ENOMEM;
	int64_t expires = weft_now_ms() + (int64_t)cfg->signup_ttl * 1000;
	for (int i = from; i < to && !rc; i++) {
		if (r->rows[i].reason[0])
			continue;
		struct weft_job *j = weft_job_new(WEFT_JOB_USER_CREATE);
		if (!j)
			rc = WEFT_ENOMEM;
		else if (weft_auth_new_token(tokens[n]))
			rc = WEFT_EIO;
		if (rc) {
			weft_job_free(j);
			break;
		}
		weft_roster_profile(&r->rows[i], &j->profile);
		weft_auth_token_hash(tokens[n], WEFT_TOKEN_LEN, j->token_hash);
		j->expires_ms = expires;
		j->defaults = cfg->default_channels;
		rows[n] = &r->rows[i];
		jobs[n++] = j;
		*tail = j;
		tail = &j->next;
	}
	if (!rc)
		rc = weft_store_run_sync_list(st, head);
	for (int i = 0; i < n; i++) {
		char url[1024];
		if (rc) {
			/* The transaction failed: nothing of the batch is there. */
		} else if (!jobs[i]->result) {
			weft_config_signup_url(cfg, tokens[i], url, sizeof url);
			printf("%s,%s\n", jobs[i]->profile.user.name, url);
			OPENSSL_cleanse(url, sizeof url);
			t->created++;
		} else if (jobs[i]->result == WEFT_ECONFLICT) {
			report_exists(rows[i], "skipped");
			t->existing++;
		} else {
			report(rows[i], "failed", weft_strerror(jobs[i]->result));
			t->failed++;
		}
		weft_job_free(jobs[i]);
	}
	fflush(stdout);
	if (tokens)
		OPENSSL_cleanse(tokens, IMPORT_BATCH * sizeof *tokens);
	free(tokens);
	return rc;
}

static int import_rows(struct weft_config *cfg, struct weft_roster *r, struct tally *t)
{
	struct weft_store *st;
	if (weft_server_open_store(cfg->data, &st)) {
		fprintf(stderr, "weftd: cannot open the database in %s\n", cfg->data);
		return 1;
	}
	printf("username,signup_url\n");
	int rc = 0;
	for (int from = 0; from < r->nrows; from += IMPORT_BATCH) {
		int to = from + IMPORT_BATCH < r->nrows ? from + IMPORT_BATCH : r->nrows;
		if ((rc = run_batch(cfg, st, r, from, to, t))) {
			fprintf(stderr, "weftd: the import stopped at line %d: %s; the rows from there on were not "
				"imported (run it again: the accounts made are skipped)\n", r->rows[from].line,
				weft_strerror(rc));
			for (int i = from; i < r->nrows; i++)
				t->failed += !r->rows[i].reason[0];
			break;
		}
	}
	weft_store_close(st);
	return rc ? 1 : 0;
}

/* --dry-run: what an import would do, from a read-only look at the names. */
static int dry_run(struct weft_config *cfg, struct weft_roster *r, struct tally *t)
{
	char db[4096];
	snprintf(db, sizeof db, "%s/weft.db", cfg->data);
	const char **names = calloc((size_t)r->nrows + 1, sizeof *names);
	bool *taken = calloc((size_t)r->nrows + 1, sizeof *taken);
	int rc = 1;
	if (!names || !taken)
		goto out;
	for (int i = 0; i < r->nrows; i++)
		names[i] = r->rows[i].field[WEFT_ROSTER_USERNAME];
	if (weft_store_names_taken(db, names, r->nrows, taken)) {
		fprintf(stderr, "weftd: cannot read the accounts in %s\n", db);
		goto out;
	}
	for (int i = 0; i < r->nrows; i++) {
		if (r->rows[i].reason[0])
			continue;
		if (taken[i]) {
			report_exists(&r->rows[i], "would be skipped");
			t->existing++;
		} else {
			t->created++;
		}
	}
	rc = 0;
out:
	free(names);
	free(taken);
	return rc;
}

int weft_cli_import(struct weft_config *cfg, const char *file, bool dry, bool port_given)
{
	char *buf = NULL, err[512];
	size_t len;
	struct weft_roster r = { 0 };
	struct tally t = { 0 };
	int rc = slurp(file, &buf, &len);
	if (rc)
		goto out;
	if ((rc = weft_roster_read(buf, len, &r, err, sizeof err))) {
		fprintf(stderr, "weftd: %s: %s\n", file, rc == WEFT_ENOMEM ? "out of memory" : err);
		rc = 1;
		goto out;
	}
	if (r.ignored[0])
		fprintf(stderr, "weftd: warning: %s: ignoring the columns %s (known: username, display, email, "
			"jurisdiction, region, title)\n", file, r.ignored);
	for (int i = 0; i < r.nrows; i++)
		if (r.rows[i].reason[0]) {
			report(&r.rows[i], "rejected", r.rows[i].reason);
			t.rejected++;
		}
	if (!port_given && running_port(cfg))
		cfg->port = running_port(cfg);
	if (!dry && !cfg->public_url[0])
		fprintf(stderr, "weftd: public_url is not set: the links name https://localhost:%d and work only "
			"on this machine; set public_url to the address people use\n", cfg->port);
	rc = dry ? dry_run(cfg, &r, &t) : import_rows(cfg, &r, &t);
	if (dry)
		fprintf(stderr, "weftd: dry run of %s: %d would be created, %d skipped (they exist), %d rejected; "
			"nothing was written\n", file, t.created, t.existing, t.rejected);
	else
		fprintf(stderr, "weftd: import of %s: %d created, %d skipped (they exist), %d rejected%s\n", file,
			t.created, t.existing, t.rejected, t.failed ? ", some failed (see above)" : "");
	if (!rc && (t.rejected || t.failed))
		rc = 1;
out:
	weft_roster_free(&r);
	free(buf);
	return rc;
}
