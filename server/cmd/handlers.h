/* The request handlers, one per row of the command table (table.c), each
 * defined in its family's file. Private to server/cmd/. Service thread;
 * every handler borrows c, cmd (it may steal cmd's owned strings) and ch,
 * the row's channel (NULL for rows without WEFT_CMDF_CHANNEL). */
#ifndef WEFT_CMD_HANDLERS_H
#define WEFT_CMD_HANDLERS_H

#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/policy.h"

#define WEFT_HANDLER(name) void name(struct weft_conn *c, struct weft_cmd *cmd, struct weft_hub_channel *ch)

/* session.c */
WEFT_HANDLER(weft_cmd_hello);
WEFT_HANDLER(weft_cmd_ping);
/* message.c */
WEFT_HANDLER(weft_cmd_send);
WEFT_HANDLER(weft_cmd_edit);
WEFT_HANDLER(weft_cmd_delete);
WEFT_HANDLER(weft_cmd_history);
WEFT_HANDLER(weft_cmd_read);
/* channel.c */
WEFT_HANDLER(weft_cmd_channel_create);
WEFT_HANDLER(weft_cmd_channel_list);
WEFT_HANDLER(weft_cmd_channel_leave);
WEFT_HANDLER(weft_cmd_channel_members);
WEFT_HANDLER(weft_cmd_channel_remove);
WEFT_HANDLER(weft_cmd_channel_role);
WEFT_HANDLER(weft_cmd_channel_update);
WEFT_HANDLER(weft_cmd_channel_archive);
WEFT_HANDLER(weft_cmd_dm_open);
/* access.c */
WEFT_HANDLER(weft_cmd_channel_join);
WEFT_HANDLER(weft_cmd_channel_requests);
WEFT_HANDLER(weft_cmd_channel_decide);
WEFT_HANDLER(weft_cmd_channel_invite);
WEFT_HANDLER(weft_cmd_channel_uninvite);
/* admin.c */
WEFT_HANDLER(weft_cmd_user_find);
WEFT_HANDLER(weft_cmd_admin_user_create);
WEFT_HANDLER(weft_cmd_admin_user_invite);
WEFT_HANDLER(weft_cmd_admin_user_reset);
WEFT_HANDLER(weft_cmd_admin_user_deactivate);
WEFT_HANDLER(weft_cmd_admin_user_reactivate);

#endif
