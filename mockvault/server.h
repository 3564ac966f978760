/* server.h: embedding API of the mockvault server (main.c and the tests use only this). */
#ifndef MV_SERVER_H
#define MV_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

struct mv_server;

/* Loads the fixture (or the snapshot in state_dir), prepares TLS and keys and starts listening.
 * Returns 0 with *out set, or -1 with a message in err (a fixture error names file and path). */
int mv_server_start(const struct mv_server_config *cfg, struct mv_server **out, char *err,
                    size_t errlen);
/* Stops every listener and frees the server. Accepts NULL. */
void mv_server_stop(struct mv_server *srv);

uint16_t mv_server_port(const struct mv_server *srv);
uint16_t mv_server_proxy_port(const struct mv_server *srv); /* 0 when the proxy is off */
uint16_t mv_server_imds_port(const struct mv_server *srv);  /* 0 when --imds-port is off */
/* "https://127.0.0.1:PORT" (or http); borrowed. */
const char *mv_server_url(const struct mv_server *srv);
/* Path of the CA certificate clients should trust; borrowed. NULL with --http. */
const char *mv_server_ca_path(const struct mv_server *srv);

#endif
