/* Structured logs: one line per event on standard error, as key=value
 * pairs (logfmt) or as one JSON object (log_format = json). A call names
 * the event and its fields in the format itself:
 *
 *     weft_info("login.ok user=%s peer=%s", name, peer);
 *     → ts=2026-12-03T20:01:02.345Z level=info event=login.ok user=ana peer=10.0.0.7
 *
 * The first word is the event; each following word is key=value, where
 * the value is literal text and conversions. Each value is rendered on its
 * own and quoted (logfmt) or escaped (JSON) as a whole, so a value with
 * spaces, quotes or newlines (an SQLite error, a path) can never forge
 * another field or another line. Any thread: a line is built on the stack
 * and goes out in one write(2). */
#include "weft/common.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

_Atomic int weft_log_level = WEFT_LOG_INFO;
_Atomic int weft_log_json;

#define LINE_MAX_BYTES 2048
#define VALUE_MAX 1024

static const char *const level_names[] = { "error", "warn", "info", "debug", "notice" };

/* va_list wrapped so helpers can consume it through a pointer. */
struct args {
	va_list ap;
};

/* One conversion of fmt at *pf (just after '%') rendered into out; *pf
 * moves past it. *number tells an integer or floating conversion. */
static int render_conv(const char **pf, struct args *a, char *out, size_t cap, bool *number)
{
	const char *f = *pf;
	char spec[32] = "%", *sp = spec + 1;
	while (*f && strchr("-+#0", *f) && sp < spec + 6)
		*sp++ = *f++;
	int width = -1, prec = -1;
	if (*f == '*') {
		width = va_arg(a->ap, int);
		f++;
	} else {
		for (width = 0; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		if (width == 0)
			width = -1;
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			prec = va_arg(a->ap, int);
			f++;
		} else {
			for (prec = 0; *f >= '0' && *f <= '9'; f++)
				prec = prec * 10 + (*f - '0');
		}
	}
	if (width >= 0)
		sp += snprintf(sp, 8, "%d", width > 999 ? 999 : width);
	if (prec >= 0)
		sp += snprintf(sp, 8, ".%d", prec > 9999 ? 9999 : prec);
	char len[3] = "";
	int nl = 0;
	while (*f && strchr("hlzjtL", *f) && nl < 2)
		len[nl++] = *f++;
	len[nl] = '\0';
	char conv = *f ? *f++ : '%';
	*pf = f;
	memcpy(sp, len, (size_t)nl);
	sp[nl] = conv;
	sp[nl + 1] = '\0';
	*number = strchr("diufgeE", conv) != NULL;
	switch (conv) {
	case 'd': case 'i':
		if (!strcmp(len, "ll") || !strcmp(len, "j"))
			return snprintf(out, cap, spec, va_arg(a->ap, long long));
		if (!strcmp(len, "l") || !strcmp(len, "z") || !strcmp(len, "t"))
			return snprintf(out, cap, spec, va_arg(a->ap, long));
		return snprintf(out, cap, spec, va_arg(a->ap, int));
	case 'u': case 'x': case 'X': case 'o':
		if (!strcmp(len, "ll") || !strcmp(len, "j"))
			return snprintf(out, cap, spec, va_arg(a->ap, unsigned long long));
		if (!strcmp(len, "l") || !strcmp(len, "z") || !strcmp(len, "t"))
			return snprintf(out, cap, spec, va_arg(a->ap, unsigned long));
		return snprintf(out, cap, spec, va_arg(a->ap, unsigned));
	case 'c':
		return snprintf(out, cap, spec, va_arg(a->ap, int));
	case 's': {
		const char *s = va_arg(a->ap, const char *);
		return snprintf(out, cap, spec, s ? s : "(null)");
	}
	case 'p':
		return snprintf(out, cap, spec, va_arg(a->ap, void *));
	case 'f': case 'g': case 'e': case 'E':
		return snprintf(out, cap, spec, va_arg(a->ap, double));
	default:
		*number = false;
		return snprintf(out, cap, "%%");
	}
}

/* fmt from f up to the next space (or end) rendered into out; returns the
 * end of that word in fmt. *number: the word was one numeric conversion. */
static const char *render_word(const char *f, struct args *a, char *out, size_t cap, bool *number)
{
	size_t n = 0;
	int convs = 0;
	bool num = false;
	out[0] = '\0';
	while (*f && *f != ' ') {
		if (*f != '%') {
			if (n + 1 < cap)
				out[n++] = *f;
			f++;
			num = false;
			convs += 2; /* literal text: never a number */
			continue;
		}
		f++;
		char tmp[VALUE_MAX];
		int w = render_conv(&f, a, tmp, sizeof tmp, &num);
		size_t k = w < 0 ? 0 : (size_t)w < sizeof tmp ? (size_t)w : sizeof tmp - 1;
		if (k > cap - 1 - n)
			k = cap - 1 - n;
		memcpy(out + n, tmp, k);
		n += k;
		convs++;
	}
	out[n] = '\0';
	*number = num && convs == 1;
	return f;
}

struct line {
	char buf[LINE_MAX_BYTES];
	size_t len;
};

static void put(struct line *l, const char *s, size_t n)
{
	/* Room is kept for the closing "}\n". */
	if (n > sizeof l->buf - 3 - l->len)
		n = sizeof l->buf - 3 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void putc_(struct line *l, char c)
{
	put(l, &c, 1);
}

static void put_escaped_json(struct line *l, const char *v)
{
	bool utf8 = weft_utf8_len(v, strlen(v)) >= 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8)) {
			put(l, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p));
		} else {
			putc_(l, (char)*p);
		}
	}
}

/* logfmt: bare when the value is plain, else in double quotes with \" \\
 * \n and \xHH escapes. */
static void put_logfmt_value(struct line *l, const char *v)
{
	bool plain = *v != '\0';
	for (const unsigned char *p = (const unsigned char *)v; *p && plain; p++)
		plain = *p > 0x20 && *p != 0x7f && *p != '"' && *p != '=' && *p != '\\';
	if (plain) {
		put(l, v, strlen(v));
		return;
	}
	putc_(l, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p == '\n') {
			put(l, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			put(l, esc, (size_t)snprintf(esc, sizeof esc, "\\x%02x", *p));
		} else {
			putc_(l, (char)*p);
		}
	}
	putc_(l, '"');
}

static void field(struct line *l, const char *key, size_t klen, const char *value, bool number)
{
	if (weft_log_json) {
		put(l, l->len > 1 ? ",\"" : "\"", l->len > 1 ? 2 : 1);
		put(l, key, klen);
		put(l, "\":", 2);
		if (number) {
			put(l, value, strlen(value));
		} else {
			putc_(l, '"');
			put_escaped_json(l, value);
			putc_(l, '"');
		}
	} else {
		if (l->len)
			putc_(l, ' ');
		put(l, key, klen);
		putc_(l, '=');
		put_logfmt_value(l, value);
	}
}

static void vlog(int level, const char *fmt, struct args *a)
{
	struct line l = { .len = 0 };
	char iso[WEFT_ISO_LEN], value[VALUE_MAX], msg[VALUE_MAX] = "";
	size_t msglen = 0;
	bool number;
	if (weft_log_json)
		putc_(&l, '{');
	weft_iso8601(weft_now_ms(), iso);
	field(&l, "ts", 2, iso, false);
	field(&l, "level", 5, level_names[level], false);
	const char *f = render_word(fmt, a, value, sizeof value, &number);
	size_t n = strlen(value);
	if (n > 1 && value[n - 1] == ':')
		value[n - 1] = '\0';
	field(&l, "event", 5, value, false);
	while (*f) {
		while (*f == ' ')
			f++;
		if (!*f)
			break;
		const char *eq = f;
		while (*eq && *eq != '=' && *eq != ' ')
			eq++;
		if (*eq != '=') {
			/* Words without a key (a sentence in an old-style call) are
			 * kept together, as one "msg" field at the end. */
			f = render_word(f, a, value, sizeof value, &number);
			int w = snprintf(msg + msglen, sizeof msg - msglen, "%s%s", msglen ? " " : "", value);
			msglen += w > 0 && (size_t)w < sizeof msg - msglen ? (size_t)w : 0;
			continue;
		}
		const char *key = f;
		f = render_word(eq + 1, a, value, sizeof value, &number);
		field(&l, key, (size_t)(eq - key), value, number);
	}
	if (msglen)
		field(&l, "msg", 3, msg, false);
	if (weft_log_json)
		putc_(&l, '}');
	l.buf[l.len++] = '\n';
	/* One write: lines of several threads never interleave. */
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}

void weft_log(int level, const char *fmt, ...)
{
	if (level < 0 || level > WEFT_LOG_NOTICE || (level != WEFT_LOG_NOTICE && level > weft_log_level))
		return;
	struct args a;
	va_start(a.ap, fmt);
	vlog(level, fmt, &a);
	va_end(a.ap);
}

/* libwebsockets' own lines, as events of ours: errors and warnings. */
static void lws_emit(int lll, const char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	int level = lll & LLL_ERR ? WEFT_LOG_ERR : lll & LLL_WARN ? WEFT_LOG_WARN : WEFT_LOG_DEBUG;
	weft_log(level, "lws msg=%.*s", (int)n, line);
}

int weft_log_configure(const char *level, const char *format)
{
	int found = -1;
	for (int i = 0; i <= WEFT_LOG_DEBUG; i++)
		if (level && !strcmp(level, level_names[i]))
			found = i;
	if (found < 0 || (format && strcmp(format, "text") && strcmp(format, "json")))
		return WEFT_EINVAL;
	weft_log_level = found;
	if (format)
		weft_log_json = !strcmp(format, "json");
	lws_set_log_level(LLL_ERR | (weft_log_level >= WEFT_LOG_WARN ? LLL_WARN : 0), lws_emit);
	return WEFT_OK;
}
