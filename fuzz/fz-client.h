/* fz-client.h: a libkvclient client pointed at the loopback server of fz-httpd.c, for the client
 * targets that read response bodies through the real transport (fuzz-pages.c,
 * fuzz-client-keys.c). */
#ifndef FZ_CLIENT_H
#define FZ_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct kv_client;

/* Starts fz-httpd and makes the client once (later calls return the same one); aborts when it
 * cannot. The client has a static token, no retries and the challenge already taken. */
struct kv_client *fz_client(const char *who);

/* data[0..size) with every "@ORIGIN@" replaced by fz_httpd_origin(); *len receives the length.
 * Caller frees; NULL when out of memory. */
char *fz_with_origin(const uint8_t *data, size_t size, size_t *len);

#endif
