/* bench_encode: the cost of encoding one history page (50 messages of
 * 200-byte bodies) into a frame, with the direct writer weftd uses and with
 * the cJSON tree + cJSON_PrintUnformatted it replaced (tests/unit/proto_ref.h).
 *
 *   bench_encode direct|cjson [pages]   encode pages times (default 1000)
 *   bench_encode check                  both give the same bytes (ctest)
 *
 * Count instructions, which do not depend on machine load, with callgrind;
 * --toggle-collect limits the count to the encode itself:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       --toggle-collect=encode_direct build/tests/bench/bench_encode direct 100
 *
 * and divide "Collected" by the pages (use encode_cjson for the other). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weft/hub.h"
#include "weft/proto.h"
#include "proto_ref.h"

#define PAGE 50
#define BODY 200

static struct weft_message page[PAGE];

/* Messages as history returns them: authors from a small set, a client_id
 * each, some thread replies, some edited. */
static void make_page(void)
{
	for (int i = 0; i < PAGE; i++) {
		struct weft_message *m = &page[i];
		memset(m, 0, sizeof *m);
		m->id = 1000000 + i;
		m->channel = 7;
		m->thread = i % 5 == 0 ? 999000 + i : 0;
		m->ts_ms = 1795894801123LL + i * 1000;
		m->edited_ms = i % 7 == 0 ? m->ts_ms + 5000 : 0;
		m->author.id = 100 + i % 13;
		snprintf(m->author.name, sizeof m->author.name, "user%d", i % 13);
		snprintf(m->author.display, sizeof m->author.display, "User Number %d", i % 13);
		snprintf(m->client_id, sizeof m->client_id, "c-%08d-abcdef", i);
		if (!(m->body = malloc(BODY + 1)))
			exit(1);
		for (int k = 0; k < BODY; k++)
			m->body[k] = "abcdefghij klmnopqrstuvwxyz.,"[(k * 7 + i) % 29];
		m->body[BODY] = '\0';
	}
}

__attribute__((noinline)) static struct weft_frame *encode_direct(void)
{
	return weft_proto_history_frame("h-42", 7, page, PAGE, true);
}

/* What cmd.c on_history and conn.c weft_conn_send did before. */
__attribute__((noinline)) static struct weft_frame *encode_cjson(void)
{
	size_t len = 0;
	char *json = weft_proto_print(ref_history("h-42", 7, page, PAGE, true), &len);
	return weft_frame_from_string(json, len);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "check";
	int pages = argc > 2 ? atoi(argv[2]) : 1000;
	make_page();
	int rc = 0;
	if (!strcmp(mode, "check")) {
		struct weft_frame *a = encode_direct(), *b = encode_cjson();
		if (!a || !b || a->len != b->len ||
		    memcmp(weft_frame_payload(a), weft_frame_payload(b), a->len)) {
			fprintf(stderr, "bench_encode: the direct and cJSON pages differ\n");
			rc = 1;
		} else {
			printf("bench_encode: same %u bytes\n", a->len);
		}
		weft_frame_unref(a);
		weft_frame_unref(b);
	} else if (!strcmp(mode, "direct") || !strcmp(mode, "cjson")) {
		struct weft_frame *(*encode)(void) = mode[0] == 'd' ? encode_direct : encode_cjson;
		size_t bytes = 0;
		double t0 = now_ns();
		for (int i = 0; i < pages; i++) {
			struct weft_frame *f = encode();
			if (!f) {
				rc = 1;
				break;
			}
			bytes = f->len;
			weft_frame_unref(f);
		}
		double t = now_ns() - t0;
		printf("bench_encode %s: %d pages of %zu bytes, %.1f us per page (wall clock)\n", mode,
		       pages, bytes, pages ? t / pages / 1e3 : 0.0);
	} else {
		fprintf(stderr, "usage: bench_encode direct|cjson|check [pages]\n");
		rc = 2;
	}
	for (int i = 0; i < PAGE; i++)
		weft_message_clear(&page[i]);
	return rc;
}
