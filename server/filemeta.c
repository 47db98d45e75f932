/* Names, media types, Content-Disposition and Range of uploaded files
 * (weft/filemeta.h). Pure; any thread. */
#include "weft/filemeta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *weft_file_name_problem(const char *name)
{
	size_t len = strlen(name);
	long chars = weft_utf8_len(name, len);
	if (chars < 0)
		return "name must be valid UTF-8";
	if (chars < 1 || chars > WEFT_FILE_NAME_MAX)
		return "name must be 1 to 255 characters";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return "name must not contain control characters, '/' or '\\'";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "name must not be . or ..";
	return NULL;
}

/* RFC 7230 token characters. */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$&-^_.+", c);
}

void weft_file_type_normalize(const char *header, char *out)
{
	char t[WEFT_FILE_TYPE_MAX + 1];
	size_t n = 0;
	int slashes = 0;
	bool ok = header != NULL;
	const char *p = header ? header : "";
	while (*p == ' ' || *p == '\t')
		p++;
	for (; ok && *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		if (c == '/')
			ok = ++slashes == 1 && n > 0;
		else
			ok = tchar(c);
		if (ok && n >= WEFT_FILE_TYPE_MAX)
			ok = false;
		if (ok)
			t[n++] = c;
	}
	ok = ok && slashes == 1 && n > 0 && t[n - 1] != '/';
	t[n] = '\0';
	snprintf(out, WEFT_FILE_TYPE_MAX + 1, "%s", ok ? t : "application/octet-stream");
}

const char *weft_file_served_type(const char *type)
{
	static const char *const risky[] = { "html", "xml", "svg", "script", "xsl", "css", "flash", "x-sh",
					     "wasm" };
	static const char *const text_ok[] = { "text/plain", "text/csv" };
	/* Office documents are zip archives whose type names their XML. */
	if (!strncmp(type, "application/vnd.openxmlformats-officedocument.", 46) && !strstr(type, "html"))
		return type;
	for (size_t i = 0; i < sizeof risky / sizeof risky[0]; i++)
		if (strstr(type, risky[i]))
			return "application/octet-stream";
	if (!strncmp(type, "text/", 5)) {
		for (size_t i = 0; i < sizeof text_ok / sizeof text_ok[0]; i++)
			if (!strcmp(type, text_ok[i]))
				return type;
		return "application/octet-stream";
	}
	if (!strncmp(type, "multipart/", 10) || !strncmp(type, "message/", 8))
		return "application/octet-stream";
	return type;
}

bool weft_file_inline(const char *type)
{
	return !strcmp(type, "image/png") || !strcmp(type, "image/jpeg") || !strcmp(type, "image/gif") ||
	       !strcmp(type, "image/webp");
}

/* RFC 5987 attr-char: sent as is in filename*. */
static bool attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

int weft_file_disposition(const char *name, bool inline_, char *out, size_t cap)
{
	size_t n = 0;
	int w = snprintf(out, cap, "%s; filename=\"", inline_ ? "inline" : "attachment");
	if (w < 0 || (size_t)w >= cap)
		return WEFT_EINVAL;
	n = (size_t)w;
	/* The fallback: printable ASCII but the quote and backslash; every
	 * byte of a character outside ASCII becomes one '_' per character. */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		char c = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char)*p : '_';
		if (n + 1 >= cap)
			return WEFT_EINVAL;
		out[n++] = c;
	}
	w = snprintf(out + n, cap - n, "\"; filename*=UTF-8''");
	if (w < 0 || (size_t)w >= cap - n)
		return WEFT_EINVAL;
	n += (size_t)w;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (n + 4 >= cap)
			return WEFT_EINVAL;
		if (attr_char(*p))
			out[n++] = (char)*p;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
	}
	out[n] = '\0';
	return WEFT_OK;
}

/* A decimal of digits only at *p, advancing it; -1 when there is none. */
static int64_t number(const char **p)
{
	int64_t v = 0;
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*p = s;
	return v;
}

int weft_file_range(const char *header, int64_t size, int64_t *start, int64_t *end)
{
	if (!header || strncmp(header, "bytes=", 6) || strchr(header, ','))
		return 1;
	const char *p = header + 6;
	int64_t a = -1, b = -1;
	if (*p == '-') {
		/* The last b bytes. */
		p++;
		if ((b = number(&p)) < 0 || *p)
			return 1;
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*end = size - 1;
		return 0;
	}
	if ((a = number(&p)) < 0 || *p++ != '-')
		return 1;
	if (*p && ((b = number(&p)) < 0 || *p || b < a))
		return 1;
	if (a >= size)
		return -1;
	*start = a;
	*end = b < 0 || b >= size ? size - 1 : b;
	return 0;
}
