/* libFuzzer target for the config file parser: any bytes go, as the file
 * "fuzz.conf", into weft_config_load_buffer over the table's defaults.
 * Besides the sanitizers' findings (overflow, leak, UB), it checks:
 *  - a success leaves a config the table accepts (weft_config_check_options:
 *    every integer within its min and max, log_level and event_loop one of
 *    their words, tz a known zone, digest_time HH:MM) whose strings hold
 *    no control character (they end up in HTTP headers and logs);
 *  - a failure is WEFT_EINVAL with one printable line "fuzz.conf:N: ..."
 *    that names a line N of the input which is bad on its own, after lines
 *    1..N-1 that load on their own; and the config is left exactly as it
 *    was (house rule 2: written only on success). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* assert() is compiled out in release builds; these checks never are. */
#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_config: %s:%d: check failed: %s\n",    \
				__FILE__, __LINE__, #cond);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

static int printable(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/* Loads n bytes of text over the defaults; returns the result. */
static int load_alone(const char *text, size_t n)
{
	struct weft_config cfg;
	char err[512];
	weft_config_defaults(&cfg);
	int rc = weft_config_load_buffer(&cfg, "fuzz.conf", text, n, err, sizeof err);
	weft_config_free(&cfg);
	return rc;
}

static void check_success(const struct weft_config *cfg)
{
	char why[256];
	if (weft_config_check_options(cfg, why, sizeof why)) {
		fprintf(stderr, "fuzz_config: out of the table: %s\n", why);
		CHECK(0);
	}
	const char *strs[] = { cfg->data, cfg->bind, cfg->cert, cfg->key, cfg->public_url,
			       cfg->allowed_origins, cfg->web_root, cfg->event_loop, cfg->log_level };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		CHECK(printable(strs[i]));
}

/* err must be "fuzz.conf:N: reason" on one printable line, N a line of the
 * input that is bad alone, after lines that are good. */
static void check_failure(const char *text, size_t size, const char *err)
{
	int n = 0, used = 0;
	CHECK(sscanf(err, "fuzz.conf:%d: %n", &n, &used) == 1 && used > 0 && err[used]);
	CHECK(printable(err));
	const char *line = text, *end = text + size;
	for (int i = 1; i < n; i++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		CHECK(nl != NULL); /* N is a line of the input */
		line = nl + 1;
	}
	CHECK(n >= 1 && line <= end);
	const char *nl = memchr(line, '\n', (size_t)(end - line));
	size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
	CHECK(load_alone(text, (size_t)(line - text)) == 0);
	CHECK(load_alone(line, len) == WEFT_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct weft_config cfg, before;
	char err[512];
	weft_config_defaults(&cfg);
	before = cfg;
	memset(err, 0x5a, sizeof err);
	int rc = weft_config_load_buffer(&cfg, "fuzz.conf", text, size, err, sizeof err);
	if (rc == 0) {
		check_success(&cfg);
	} else {
		CHECK(rc == WEFT_EINVAL);
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		CHECK(!memcmp(&cfg, &before, sizeof cfg));
		check_failure(text, size, err);
	}
	weft_config_free(&cfg);
	return 0;
}
