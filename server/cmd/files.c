/* Files, on the service thread: a channel's resource library
 * (channel.files). Uploads and downloads are HTTP (server/net/files.c);
 * attaching is send's `files` (message.c). */
#include "handlers.h"

#include <stdlib.h>

/* {"id","name","size","type"} as message objects carry a file, and the
 * library's "message", "author" and "ts". */
static cJSON *file_json(const struct weft_file_info *f)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	char ts[WEFT_ISO_LEN];
	weft_iso8601(f->ts_ms, ts);
	cJSON_AddNumberToObject(o, "id", (double)f->id);
	cJSON_AddStringToObject(o, "name", f->name);
	cJSON_AddNumberToObject(o, "size", (double)f->size);
	cJSON_AddStringToObject(o, "type", f->type);
	cJSON_AddNumberToObject(o, "message", (double)f->message);
	cJSON_AddItemToObject(o, "author", weft_proto_user(&f->uploader));
	cJSON_AddStringToObject(o, "ts", ts);
	return o;
}

/* Newest first, `limit` (default 50, at most 200) a page, `before` the id
 * of the last file of the previous page. */
WEFT_HANDLER(weft_cmd_channel_files)
{
	struct weft_file_info *files = calloc((size_t)cmd->limit, sizeof *files);
	int n = 0;
	bool more = false;
	if (!files || weft_store_channel_files(c->srv->store, ch->info.id, cmd->before, cmd->limit, files, &n, &more)) {
		free(files);
		weft_conn_error(c, cmd->req, WEFT_EIO, "the channel's files are unavailable");
		return;
	}
	cJSON *r = weft_proto_reply("files", cmd->req);
	cJSON_AddNumberToObject(r, "channel", (double)ch->info.id);
	cJSON *list = cJSON_AddArrayToObject(r, "files");
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(list, file_json(&files[i]));
	cJSON_AddBoolToObject(r, "more", more);
	free(files);
	weft_conn_send(c, r);
}
