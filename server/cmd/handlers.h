/* What the request handlers of server/cmd/ share: one per row of the
 * command table (table.c), each defined in its family's file. Service
 * thread; every handler borrows c, cmd (it may steal cmd's owned strings)
 * and ch, the row's channel (NULL for rows without WEFT_CMDF_CHANNEL). */
#ifndef WEFT_CMD_HANDLERS_H
#define WEFT_CMD_HANDLERS_H

#include "weft/cmd.h"
#include "weft/net.h"
#include "weft/policy.h"

/* A handler's signature. A handler file defines each of its handlers as
 *     WEFT_HANDLER(weft_cmd_ping)
 *     {
 *             weft_conn_send(c, weft_proto_reply("pong", cmd->req));
 *     }
 * (the macro declares it first, as -Wmissing-prototypes wants), and
 * table.c declares the ones its rows name with WEFT_HANDLER_DECL. */
#define WEFT_HANDLER_DECL(name) void name(struct weft_conn *c, struct weft_cmd *cmd, struct weft_hub_channel *ch)
#define WEFT_HANDLER(name) WEFT_HANDLER_DECL(name); WEFT_HANDLER_DECL(name)

#endif
