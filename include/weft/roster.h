/* A roster of people to bring in (`weftd user import`, POST /api/import):
 * CSV with a header row naming its columns in any order, each row checked
 * into an account to create or a reason why not. Pure: no I/O; any thread.
 * The CSV itself is read by csv.h. */
#ifndef WEFT_ROSTER_H
#define WEFT_ROSTER_H

#include "weft/model.h"

#define WEFT_ROSTER_ROWS_MAX 100000     /* rows of one roster */
#define WEFT_ROSTER_REASON_BYTES 192

enum weft_roster_col {
	WEFT_ROSTER_USERNAME,
	WEFT_ROSTER_DISPLAY,
	WEFT_ROSTER_EMAIL,
	WEFT_ROSTER_JURISDICTION,
	WEFT_ROSTER_REGION,
	WEFT_ROSTER_TITLE,
	WEFT_ROSTER_COLS,
};

/* One row. When reason is "" the row is valid and field[] holds its
 * values, trimmed, the user name in lowercase ("" for an absent column). */
struct weft_roster_row {
	int line;                       /* where the row starts in the file (the header is line 1) */
	const char *field[WEFT_ROSTER_COLS]; /* into buf */
	char *buf;                      /* owned */
	char reason[WEFT_ROSTER_REASON_BYTES];
};

struct weft_roster {
	struct weft_roster_row *rows;   /* owned, nrows of them, in file order */
	int nrows;
	int valid;                      /* rows with no reason */
	char ignored[256];              /* columns the header named that are not ours,
					   comma-separated ("" when none): a warning */
};

/* The column names, in enum order ("username", "display", …). */
extern const char *const weft_roster_col_names[WEFT_ROSTER_COLS];

/* Reads a roster from buf[0..len). Returns 0 with *out filled (even when
 * every row is refused), WEFT_EINVAL when the file cannot be a roster (no
 * header, no username column, a column named twice, more than
 * WEFT_ROSTER_ROWS_MAX rows) with the reason in err, or WEFT_ENOMEM. A row
 * whose user name appears on an earlier valid row is refused naming that
 * line. */
int weft_roster_read(const char *buf, size_t len, struct weft_roster *out, char *err, size_t errlen);

/* Frees what r owns. */
void weft_roster_free(struct weft_roster *r);

/* Fills p (zeroed first) with a valid row's account fields. */
void weft_roster_profile(const struct weft_roster_row *row, struct weft_profile *p);

#endif
