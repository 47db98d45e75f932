/* The one configuration table: it drives the config file, the command-line
 * flags, --help and deploy/weft.conf.example. */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

#include <stdio.h>
#include "weft/common.h"

struct weft_config {
	char *data;            /* data directory */
	char *config;          /* config file that was loaded, if any */
	char *bind;
	int port;
	char *cert;            /* TLS certificate chain (PEM); empty: self-signed in data dir */
	char *key;             /* TLS private key (PEM) */
	char *public_url;      /* e.g. https://chat.example.org; added to the Origin allow-list */
	char *allowed_origins; /* extra comma-separated origins */
	char *default_channels; /* comma-separated channel names every new account joins */
	char *web_root;        /* static client files */
	int max_body;          /* characters */
	int max_frame;         /* bytes */
	int frame_timeout;     /* seconds to finish a started frame, or to answer a ping */
	int max_name;          /* characters of channel names */
	int rate;              /* requests per second per connection */
	int burst;
	int send_queue;        /* frames queued per connection before it is dropped */
	int send_queue_bytes;  /* bytes queued per connection before it is dropped */
	int replay_max;        /* events per channel replayed on resume */
	int max_conns_per_addr;
	int session_idle;      /* seconds */
	int session_max;       /* seconds */
	int request_cooldown;  /* seconds */
	int channels_per_day;  /* channels one (non-admin) user may create a day; 0: any */
	int signup_ttl;        /* seconds */
	int argon2_iterations;
	int argon2_memory;     /* KiB */
	int auth_threads;
	int auth_queue;        /* password checks waiting for a worker before sign-ins get 503 */
	int search_threads;    /* workers that run searches (each with its own connection) */
	int search_queue;      /* searches waiting for a worker before further ones are refused */
	int hsts_max_age;
	int metrics_open_loopback; /* 1: /metrics answers loopback without credentials */
	int max_file;          /* bytes of one uploaded file */
	int upload_rate;       /* MiB/s the bodies of all uploads together may take; 0: any */
	int file_quota;        /* bytes one user may upload in 24 hours; 0: any */
	int file_unattached_ttl; /* seconds an upload no message attached is kept */
	int file_threads;      /* workers that write, hash and read file bytes */
	char *event_loop;      /* "epoll" or "poll" */
	char *log_level;
	char *log_format;      /* "text" or "json" */
	/* Standups, action items, the digest. */
	char *tz;              /* IANA zone of the server's dates (overdue, digest); "": the system's */
	char *digest_time;     /* HH:MM in tz */
	int test_clock;        /* 1: tests may move the schedule clock (test.clock, clock_offset) */
	int clock_offset;      /* seconds added to the schedule clock (with test_clock only) */
	/* Weaving (issue 17). */
	int intro_daily;       /* introductions one person may propose a day; 0: any */
};

/* Fills cfg with the table's defaults (strings are heap copies). */
void weft_config_defaults(struct weft_config *cfg);

/* Releases the strings of cfg. */
void weft_config_free(struct weft_config *cfg);

/* Applies one option by name ("max_body" or "max-body"). Returns 0, or
 * WEFT_EINVAL with a one-line reason naming the option in err. */
int weft_config_set(struct weft_config *cfg, const char *name, const char *value,
		    char *err, size_t errlen);

#define WEFT_CONFIG_FILE_MAX (1024 * 1024) /* bytes of a config file */

/* Reads a `key = value` file ('#' comments, blank lines) of at most
 * WEFT_CONFIG_FILE_MAX bytes, as weft_config_load_buffer does. Returns 0
 * or WEFT_EINVAL/WEFT_EIO/WEFT_ENOMEM with a reason (file:line) in err.
 * Main thread, at start. */
int weft_config_load_file(struct weft_config *cfg, const char *path, char *err, size_t errlen);

/* Reads len bytes of text (any bytes; no NUL needed after them) as the
 * config file name (which the messages give): lines of `key = value`,
 * '#' comments and blank lines, a value optionally in double quotes.
 * Returns 0, or WEFT_EINVAL with "name:LINE: reason" in err, or
 * WEFT_ENOMEM. Borrows everything; the strings it sets in cfg are new heap
 * copies (weft_config_free). Any thread, on a cfg no other thread uses. */
int weft_config_load_buffer(struct weft_config *cfg, const char *name, const char *text, size_t len,
			    char *err, size_t errlen);

/* Checks each option of cfg against the table: every integer within its
 * min and max, every string set, free of control characters and, for
 * those that take one of a few words (log_level, event_loop) or have a
 * form of their own (tz, digest_time), valid. Every config that
 * weft_config_load_buffer or weft_config_set accepted passes. Returns 0,
 * or WEFT_EINVAL naming the first option that is not, in err. Any thread. */
int weft_config_check_options(const struct weft_config *cfg, char *err, size_t errlen);

/* weft_config_check_options, then the rules between options, which no
 * single line can break (clock_offset needs test_clock = 1): what start
 * and reload check. */
int weft_config_check(const struct weft_config *cfg, char *err, size_t errlen);

/* A command-line flag of a subcommand that is not configuration (`user
 * add`'s --admin, --display NAME): a boolean is stored as "1" in *out, a
 * value as given. */
struct weft_cli_flag {
	const char *name;
	bool takes_value;
	const char **out;      /* borrows argv; left alone when the flag is absent */
};

/* Parses argv: `--name value` and `--name=value` for the table's options
 * and extra's flags (an array ended by a NULL name; may be NULL). `--config
 * FILE` is loaded before any other flag so that flags override the file.
 * Non-flag words are collected into pos (at most max_pos). Returns 0 or
 * WEFT_EINVAL with a one-line reason in err. The pointers stored in pos and
 * extra's outs borrow argv. */
int weft_config_parse_args(struct weft_config *cfg, int argc, char **argv,
			   const struct weft_cli_flag *extra,
			   const char **pos, int max_pos, int *npos,
			   char *err, size_t errlen);

/* Whether a running server applies option name on a reload (SIGHUP). */
bool weft_config_reloadable(const char *name);

/* A reload: for each option whose value differs between cur and next,
 * calls note (may be NULL) with its name, both values as text and whether
 * it is applied; reloadable ones are moved into cur (an int copied, a
 * string's pointer swapped with next's, so next then holds cur's old
 * string: the caller frees next only once nothing borrows cur's old
 * strings). Returns how many were applied. The thread that owns cur. */
int weft_config_reload(struct weft_config *cur, struct weft_config *next,
		       void (*note)(void *arg, const char *name, const char *from, const char *to, bool applied),
		       void *arg);

/* Prints the options table as --help text. */
void weft_config_usage(FILE *out);

/* The one-time sign-up URL for token: public_url when set, else
 * https://localhost:PORT, with the token in the fragment (never sent to a
 * server in a Referer or a log). Writes at most cap bytes to out. */
void weft_config_signup_url(const struct weft_config *cfg, const char *token, char *out, size_t cap);

/* Prints an example config file listing every option with its default. */
void weft_config_write_example(FILE *out);

#endif
