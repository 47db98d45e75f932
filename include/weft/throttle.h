/* Sign-in throttling: failed password checks counted per source address and
 * per user name, in memory, with an exponential back-off once a few have
 * failed. The service thread's alone (no locking); pure otherwise (no I/O,
 * time passed in), so it is unit-tested on its own. */
#ifndef WEFT_THROTTLE_H
#define WEFT_THROTTLE_H

#include "weft/common.h"

/* Failures allowed before the back-off starts: per user name, and per
 * address (higher: an office signs in from behind one NAT). */
#define WEFT_THROTTLE_FREE_NAME 5
#define WEFT_THROTTLE_FREE_ADDR 50
/* The back-off doubles from 1 s per failure past the free ones, up to this. */
#define WEFT_THROTTLE_MAX_MS (15 * 60 * 1000)
/* An entry is forgotten this long after its last failure once it waits no more. */
#define WEFT_THROTTLE_FORGET_MS (15 * 60 * 1000)
/* Entries kept at the most; past it new ones are not tracked (the table's
 * memory stays bounded whatever the number of addresses). */
#define WEFT_THROTTLE_MAX_ENTRIES 100000

struct weft_throttle;

/* A new, empty table. NULL on allocation failure. */
struct weft_throttle *weft_throttle_new(void);
/* Frees t (NULL is fine). */
void weft_throttle_free(struct weft_throttle *t);
/* Milliseconds until a sign-in from addr as name may be checked (0: now).
 * Borrows the strings. */
int64_t weft_throttle_wait(struct weft_throttle *t, const char *addr, const char *name, int64_t now_ms);
/* A password check from addr as name failed. */
void weft_throttle_failed(struct weft_throttle *t, const char *addr, const char *name, int64_t now_ms);
/* One succeeded: name's failures are forgotten (the address's are not: one
 * right password among many wrong ones from the same place proves little). */
void weft_throttle_passed(struct weft_throttle *t, const char *name);
/* Forgets entries that wait no more and last failed long ago. */
void weft_throttle_sweep(struct weft_throttle *t, int64_t now_ms);
/* Entries held now (for tests and metrics). */
int weft_throttle_count(const struct weft_throttle *t);

#endif
