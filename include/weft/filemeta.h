/* What an uploaded file is called and how it is served: its name checked,
 * its media type normalized, the type and Content-Disposition it is served
 * with, a Range header read. Pure; any thread. */
#ifndef WEFT_FILEMETA_H
#define WEFT_FILEMETA_H

#include "weft/model.h"

/* Checks an upload's name: 1 to WEFT_FILE_NAME_MAX characters of valid
 * UTF-8, no control character, no '/' or '\\', not "." or "..". NULL when
 * fine, else why not (static). */
const char *weft_file_name_problem(const char *name);

/* The media type of a Content-Type header as stored: "type/subtype" in
 * lower case, parameters dropped; application/octet-stream when absent
 * or malformed. out holds WEFT_FILE_TYPE_MAX + 1 bytes. */
void weft_file_type_normalize(const char *header, char *out);

/* The Content-Type a stored type is served with: itself, unless a browser
 * could run or render it as a page (HTML, SVG, XML, JavaScript, CSS, any
 * text/ but plain and csv, …): then application/octet-stream. */
const char *weft_file_served_type(const char *type);

/* Shown inline (the four raster image types), else an attachment. */
bool weft_file_inline(const char *type);

/* The Content-Disposition value for name (RFC 6266): `inline` or
 * `attachment`, an ASCII filename= fallback and filename*=UTF-8''…
 * percent-encoded. 0, or WEFT_EINVAL when it does not fit in cap. */
int weft_file_disposition(const char *name, bool inline_, char *out, size_t cap);

/* A Range header (NULL: none) against a file of size bytes: 0 and the
 * inclusive [*start, *end] for one satisfiable byte range; 1 when the
 * whole file is to be sent (no header, a form not served: several ranges,
 * another unit, a malformed one); -1 when unsatisfiable (416). */
int weft_file_range(const char *header, int64_t size, int64_t *start, int64_t *end);

#endif
