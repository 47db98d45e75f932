/* The command line's operations on a data directory (server/cli/): bulk
 * onboarding, exports, restore and check. Each prints what it did (the
 * data on standard output, the report on standard error) and returns the
 * exit status: 0, 1 on any failure, 2 on bad usage. Main thread, in a
 * process that serves nothing. */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

#include "weft/config.h"

/* `weftd user import FILE` (FILE "-": standard input): every valid row of
 * the roster becomes an account without a password, in transactions of a
 * few hundred rows, with a sign-up link printed as `username,signup_url`;
 * existing names are skipped, bad rows reported with their lines. With
 * dry_run nothing is written. port_given: --port names the links' port
 * (else the running server's, from DIR/port). */
int weft_cli_import(struct weft_config *cfg, const char *file, bool dry_run, bool port_given);

/* `weftd export --channel NAME | --user NAME [--format json|md]`. */
int weft_cli_export(struct weft_config *cfg, const char *channel, const char *user, const char *format);

/* `weftd restore FILE`: checks FILE, then installs it as DIR/weft.db while
 * holding the data directory's lock (refused while a server runs). */
int weft_cli_restore(struct weft_config *cfg, const char *file);

/* `weftd check`: the report on standard output; 1 when it found problems. */
int weft_cli_check(struct weft_config *cfg);

#endif
