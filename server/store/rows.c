/* Reads that know no statement's columns: a step's outcome, a column's
 * text, rows into an array or one JSON array. stmt.c, read*.c and the
 * statements of the later issues (stmt_coord.c, stage_stmt.c, …) share
 * them. No thread of its own: each runs on the thread that owns the
 * statement's connection. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

void copy_text(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	if (!t) {
		dst[0] = '\0';
		return;
	}
	size_t n = (size_t)sqlite3_column_bytes(s, col);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, t, n);
	dst[n] = '\0';
}

int dup_text(char **dst, sqlite3_stmt *s, int col)
{
	*dst = NULL;
	const unsigned char *t = sqlite3_column_text(s, col);
	if (!t)
		return WEFT_OK;
	size_t n = (size_t)sqlite3_column_bytes(s, col);
	char *p = malloc(n + 1);
	if (!p)
		return WEFT_ENOMEM;
	memcpy(p, t, n);
	p[n] = '\0';
	*dst = p;
	return WEFT_OK;
}

/* ---- Reads. A failed step is an error, never "no row" (DESIGN rule 10). */

int step_rc(sqlite3_stmt *s, int step)
{
	if (step == SQLITE_ROW || step == SQLITE_DONE)
		return WEFT_OK;
	weft_err("store.step_failed sql=%s error=%s", sqlite3_sql(s), sqlite3_errstr(step));
	return map_sqlite(step);
}

int step_row(sqlite3_stmt *s)
{
	int step = sqlite3_step(s);
	return step == SQLITE_ROW ? WEFT_OK : step == SQLITE_DONE ? WEFT_ENOTFOUND : step_rc(s, step);
}

int step_int64(sqlite3_stmt *s, int64_t dflt, int64_t *out)
{
	int rc = step_row(s);
	int64_t v = rc ? dflt : sqlite3_column_int64(s, 0);
	done_stmt(s);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	*out = v;
	return WEFT_OK;
}

int row_exists(sqlite3_stmt *s, int64_t a, int64_t b, bool *out)
{
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	int rc = step_row(s);
	done_stmt(s);
	if (rc && rc != WEFT_ENOTFOUND)
		return rc;
	*out = rc == WEFT_OK;
	return WEFT_OK;
}

int read_rows(sqlite3_stmt *s, const struct rows *r, int max, int *n)
{
	char *p = r->out;
	int count = 0, rc = WEFT_OK, step = SQLITE_DONE;
	while (count < max && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = r->read(s, p + (size_t)count * r->size)))
			break;
		count++;
	}
	if (!rc)
		rc = step_rc(s, step);
	done_stmt(s);
	if (rc) {
		for (int i = 0; r->clear && i < count; i++)
			r->clear(p + (size_t)i * r->size);
		return rc;
	}
	*n = count;
	return WEFT_OK;
}

int json_rows(sqlite3_stmt *s, int limit, char **out, bool *more)
{
	size_t len = 1, cap = 4096;
	char *buf = malloc(cap);
	int n = 0, step = SQLITE_DONE, rc = buf ? WEFT_OK : WEFT_ENOMEM;
	if (buf)
		buf[0] = '[';
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == limit) {
			n++;
			break;
		}
		const char *row = (const char *)sqlite3_column_text(s, 0);
		size_t k = row ? (size_t)sqlite3_column_bytes(s, 0) : 4;
		if (len + k + 3 > cap) {
			while (len + k + 3 > cap)
				cap *= 2;
			char *p = realloc(buf, cap);
			if (!p) {
				rc = WEFT_ENOMEM;
				break;
			}
			buf = p;
		}
		if (n++)
			buf[len++] = ',';
		memcpy(buf + len, row ? row : "null", k);
		len += k;
	}
	if (!rc && step != SQLITE_ROW)
		rc = step_rc(s, step);
	done_stmt(s);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[len++] = ']';
	buf[len] = '\0';
	*out = buf;
	*more = n > limit;
	return WEFT_OK;
}
