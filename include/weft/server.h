/* The server's lifecycle (server/net/server.c): the lws context and its
 * vhost, the store and the hub loaded at start, the run loop. */
#ifndef WEFT_SERVER_H
#define WEFT_SERVER_H

#include "weft/service.h"

/* Creates data_dir (0700) when missing and opens DIR/weft.db. Any thread. */
int weft_server_open_store(const char *data_dir, struct weft_store **out);
/* Builds the server: opens the store, loads the hub (failing when the load
 * fails), creates the lws context and starts the writer. Borrows cfg for the
 * server's life. Main thread, before serving; *out on success. */
int weft_server_create(struct weft_config *cfg, struct weft_server **out);
/* Lets SIGHUP reload: the caller's handler sets *flag (and wakes the
 * loop with lws_cancel_service); the loop then reads the configuration
 * again from argc/argv (borrowed for the server's life: the flags after
 * `serve`) and the certificate (server/net/reload.c). Main thread, before
 * weft_server_run. */
void weft_server_on_reload(struct weft_server *s, volatile sig_atomic_t *flag, int argc, char **argv);
/* Runs until *stop is set; then drains the writer, answers what it
 * committed, and frees everything (s included). Main thread. */
int weft_server_run(struct weft_server *s, volatile sig_atomic_t *stop);

#endif
