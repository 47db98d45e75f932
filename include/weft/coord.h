/* The coordination clock (server/net/coord.c): standup schedules and open
 * standups kept in memory, the server's time zone, the daily digest, and
 * the one lws timer that opens and closes standups and sends digests on
 * time. Service thread only; the writes it decides on go to the writer as
 * jobs. */
#ifndef WEFT_COORD_H
#define WEFT_COORD_H

#include "weft/service.h"
#include "weft/tz.h"

/* At start, before serving: the server's zone (cfg->tz, else the system's,
 * else UTC) and the digest time. 0, or WEFT_EINVAL / WEFT_ENOMEM (logged). */
int weft_coord_create(struct weft_server *s);
/* Once listening: loads the schedules and open standups and runs the
 * first tick (a standup whose time passed while the server was down opens
 * now if its window has not; one whose window ended closes). */
int weft_coord_start(struct weft_server *s);
void weft_coord_free(struct weft_server *s);

/* The schedule clock, in ms: the wall clock, plus a test offset only when
 * test_clock is on. */
int64_t weft_coord_now(struct weft_server *s);
/* Tests (test.clock): the schedule clock now shows at_ms; runs a tick. */
void weft_coord_set_clock(struct weft_server *s, int64_t at_ms);

/* The zone of name (cached; "" or NULL: the server's). WEFT_EINVAL when
 * there is no such zone. The zone lives as long as the server. */
int weft_coord_zone(struct weft_server *s, const char *name, const struct weft_tz **out);
/* The server's zone name ("Europe/Berlin", "UTC"). */
const char *weft_coord_tz_name(struct weft_server *s);
/* Today in the server's zone, "YYYY-MM-DD". */
void weft_coord_today(struct weft_server *s, char out[WEFT_DATE_BYTES]);

/* What committed jobs changed, from the handlers' completions. */
/* Channel's schedule is now config (canonical JSON; NULL: none). */
void weft_coord_config_set(struct weft_server *s, int64_t channel, const char *config);
/* Standup id of channel opened, closing at closes_ms. */
void weft_coord_opened(struct weft_server *s, int64_t channel, int64_t id, int64_t closes_ms);
/* Standup id closed. */
void weft_coord_closed(struct weft_server *s, int64_t id);
/* The channel's open standup (0: none). */
int64_t weft_coord_open_standup(struct weft_server *s, int64_t channel);
/* Adds "standup" (the schedule: questions, days, time, tz, window) to a
 * channel object when the channel has one. */
void weft_coord_channel_json(struct weft_server *s, int64_t channel, cJSON *obj);

#endif
