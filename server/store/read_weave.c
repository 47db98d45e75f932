/* Weaving reads on the read-only connection (issue 17): a user's
 * introductions. Service thread; indexed and bounded. (The directory's
 * pages are a worker's: weave_reader.c.) */
#include "store_int.h"

#include <stdlib.h>

int weft_store_intros(struct weft_store *st, int64_t user, int64_t now_ms, char **out)
{
	sqlite3_stmt *s = st->vr[VR_INTROS];
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, now_ms - WEFT_INTRO_TTL_MS);
	sqlite3_bind_int64(s, 3, now_ms - 2 * WEFT_INTRO_TTL_MS);
	int rc = step_row(s);
	char *json = NULL;
	if (!rc)
		rc = dup_text(&json, s, 0);
	done_stmt(s);
	if (rc) {
		free(json);
		return rc == WEFT_ENOTFOUND ? WEFT_EIO : rc;
	}
	*out = json;
	return WEFT_OK;
}
