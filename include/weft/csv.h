/* An RFC 4180 CSV reader over a buffer in memory: quoted fields with
 * embedded commas, quotes ("") and line breaks; records ended by CRLF, LF
 * or CR; a UTF-8 byte order mark at the start skipped. Pure: no I/O, no
 * global state; any thread. Used by the roster import (roster.h). */
#ifndef WEFT_CSV_H
#define WEFT_CSV_H

#include "weft/common.h"

#define WEFT_CSV_FIELDS_MAX 64          /* fields in one record */
#define WEFT_CSV_RECORD_MAX 65536       /* bytes of one record, quotes undone */

struct weft_csv {
	const char *p, *end;            /* what is left to read (borrowed) */
	int line;                       /* the physical line p is on, from 1 */
};

/* One record: field[i] points at nfields NUL-terminated strings in buf
 * (quotes undone), which the record owns until the next read or
 * weft_csv_record_free. */
struct weft_csv_record {
	int line;                       /* the line the record starts on */
	int nfields;
	const char *field[WEFT_CSV_FIELDS_MAX];
	size_t len[WEFT_CSV_FIELDS_MAX]; /* bytes of each field (a field may hold NUL) */
	char *buf;
	size_t cap;
	char error[128];                /* why the record was refused (weft_csv_next: EINVAL) */
};

/* Starts reading buf[0..len) (borrowed for the reader's life). */
void weft_csv_init(struct weft_csv *c, const char *buf, size_t len);

/* Reads the next record into rec. Returns 1 when it read one, 0 at the
 * end, WEFT_EINVAL when the record is malformed (rec->line and rec->error
 * say where and why; the reader has moved past it, so the next call reads
 * the record after it), WEFT_ENOMEM. Lines that are empty are skipped. */
int weft_csv_next(struct weft_csv *c, struct weft_csv_record *rec);

/* Frees what rec owns (not rec). */
void weft_csv_record_free(struct weft_csv_record *rec);

#endif
