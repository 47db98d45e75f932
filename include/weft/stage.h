/* Live sessions and moderation on the service thread (server/net/stage.c,
 * issue 15): each channel's live session as its events described it, its
 * hand-raise queue and floor (ephemeral: in memory only, as the contract
 * says), the floor timers (lws_sul), the mutes in force and the channels in
 * slow mode (loaded at start, changed as events and jobs commit), and the
 * last send of each member of a slow channel. Service thread only; what
 * must be written goes to the writer as jobs. */
#ifndef WEFT_STAGE_H
#define WEFT_STAGE_H

#include "weft/service.h"

/* Memory for the state (before serving). 0 or WEFT_ENOMEM. */
int weft_stage_create(struct weft_server *s);
/* Once listening: loads live sessions, mutes and slow channels; a
 * confidential session left live by a crash is ended at once (its
 * messages erased). 0 or the read's error (logged). */
int weft_stage_start(struct weft_server *s);
void weft_stage_free(struct weft_server *s);

/* A committed event of ch, before its fan-out: session start and end,
 * mutes, and leaves (a leaver's hand and floor go). */
void weft_stage_on_event(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_event *ev);
/* A committed CHANNEL_UPDATE that set slow. */
void weft_stage_slow_set(struct weft_server *s, int64_t channel, int seconds);

/* Adds "session" (the live one or null) and "slow" to a channel object;
 * with a live session also "queue" and "floor". */
void weft_stage_channel_json(struct weft_server *s, int64_t channel, cJSON *obj);
/* Adds "muted_until" (ISO) to user's channel object while user is muted there. */
void weft_stage_member_json(struct weft_server *s, int64_t channel, int64_t user, cJSON *obj);
/* Whether message m of ch must not be shown to user: a confidential
 * message of the live session, to someone who joined after it started. */
bool weft_stage_hidden(struct weft_server *s, struct weft_hub_channel *ch, int64_t user,
		       const struct weft_message *m);

/* A send by user (role in ch): 0 when allowed, with *confidential the
 * confidential live session (0: none); else WEFT_EFORBIDDEN with a message
 * in why (muted, floor mode) or WEFT_ERATE with *retry_ms (slow mode). */
int weft_stage_send_check(struct weft_server *s, struct weft_hub_channel *ch, int64_t user, int role,
			  char *why, size_t whylen, int64_t *retry_ms, int64_t *confidential);
/* When user is muted in channel: its end (ms since 1970) and a message
 * "muted until …" in why; else 0. */
int64_t weft_stage_muted(struct weft_server *s, int64_t channel, int64_t user, char *why, size_t whylen);

/* The live session of channel: its id (0: none), mode, whether confidential. */
int64_t weft_stage_live(struct weft_server *s, int64_t channel, int *mode, bool *confidential);

/* Queue and floor (ephemeral); each change broadcasts `queue` to the
 * channel's online members. 0, WEFT_ENOTFOUND (no live session, or user not
 * in the queue), WEFT_ECONFLICT (hand already raised), WEFT_ETOOLARGE
 * (queue full), WEFT_ENOMEM. */
int weft_stage_hand(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_user_ref *u, bool raise);
int weft_stage_floor_give(struct weft_server *s, struct weft_hub_channel *ch, const struct weft_user_ref *u,
			  int seconds);
int weft_stage_floor_clear(struct weft_server *s, struct weft_hub_channel *ch);
/* The floor to the first of the queue (or cleared when it is empty). */
int weft_stage_floor_next(struct weft_server *s, struct weft_hub_channel *ch, int seconds);
/* Every online member (moderators too) into the queue, in random or
 * alphabetical order (WEFT_ORDER_*). */
int weft_stage_round(struct weft_server *s, struct weft_hub_channel *ch, int order);

#endif
