/* The data directory's lock: one `weftd serve` per directory, and no
 * `weftd restore` under a running server. Any thread (the main thread, at
 * start). */
#ifndef WEFT_DATADIR_H
#define WEFT_DATADIR_H

#include "weft/common.h"

/* Takes DIR/weft.lock (an exclusive flock; DIR (0700) and the file are
 * created when missing), held
 * until the process exits or weft_datadir_unlock; *fd_out on success.
 * WEFT_EBUSY when another process holds it (a server runs on DIR, or a
 * restore), WEFT_EIO when the file cannot be made. */
int weft_datadir_lock(const char *dir, int *fd_out);
/* Releases a lock weft_datadir_lock took. */
void weft_datadir_unlock(int fd);

#endif
