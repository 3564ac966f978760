/* kvc-mock.h: starting and stopping the mockvault that `kvconform server` and `kvconform client`
 * run against: the binary on a free loopback port (port 0) with a ready file, waited for and
 * read back, and stopped (SIGTERM, then SIGKILL) when the run ends. */
#ifndef KVC_MOCK_H
#define KVC_MOCK_H

#include <stdbool.h>
#include <sys/types.h>

/* The mockvault binary and the source tree (for its fixtures) that the runner was built with:
 * meson passes both, and these defaults serve a build without them. Both subcommands start their
 * mock from here, so the defaults are written once. */
#ifndef KVC_MOCKVAULT_BIN
#define KVC_MOCKVAULT_BIN "mockvault"
#endif
#ifndef KVC_SOURCE_ROOT
#define KVC_SOURCE_ROOT "."
#endif

/* kvc_mock_start flags. */
#define KVC_MOCK_PROXY                                                                             \
    0x1u /* also run the mock's HTTPS proxy (--proxy-port 0); the ready file                       \
          * must then name it */

/* A started mock. Zero-initialise before use: kvc_mock_stop accepts a mock that never started. */
struct kvc_mock {
    pid_t pid;       /* 0 when not running */
    char dir[512];   /* folder of the ready file and the log */
    bool own_dir;    /* dir was made by kvc_mock_start and is removed by kvc_mock_stop */
    char ready[700]; /* the ready file */
    char log[700];   /* the mock's stdout and stderr */
    char url[256];   /* https://127.0.0.1:PORT: control API and token authority */
    char ca[1024];   /* the mock's CA file */
    char proxy[256]; /* http://127.0.0.1:PROXYPORT with KVC_MOCK_PROXY, else "" */
    unsigned port;
};

/* Starts bin with --port 0 --bind 127.0.0.1, the fixture, no request log and a ready file, waits
 * up to 15 s for the ready file and reads url, port, ca (and proxy) from it. dir: where the ready
 * file and the log go (NULL = a new temporary folder, removed again by kvc_mock_stop). Returns 0,
 * or -1 after printing why to stderr; call kvc_mock_stop either way. */
int kvc_mock_start(struct kvc_mock *m, const char *bin, const char *fixtures, const char *dir,
                   unsigned flags);

/* Stops the mock (SIGTERM, up to 5 s, then SIGKILL), reaps it and removes the ready file, the log
 * and a folder kvc_mock_start made. Accepts a mock that never started. */
void kvc_mock_stop(struct kvc_mock *m);

#endif
