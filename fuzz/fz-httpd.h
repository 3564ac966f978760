/* fz-httpd.h: a minimal loopback HTTP server that answers every request with a response the fuzz
 * target chose, so libkvclient's code that reads responses (token responses, list pages) runs
 * with fuzzed bodies behind its real transport (libcurl). */
#ifndef FZ_HTTPD_H
#define FZ_HTTPD_H

#include <stddef.h>
#include <stdint.h>

/* Starts the server thread once (later calls return the same port); aborts when it cannot. It
 * also clears the proxy variables, so libcurl talks to it directly. */
uint16_t fz_httpd_start(void);

/* "http://127.0.0.1:PORT" of the server (borrowed). */
const char *fz_httpd_origin(void);

/* Every request gets status, extra_headers (CR LF terminated lines, may be "") and body[0..len)
 * until the next call. The data is copied. */
void fz_httpd_set(int status, const char *extra_headers, const void *body, size_t len);

#endif
