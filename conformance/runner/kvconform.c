/* kvconform.c: entry point; dispatches to the `server` and `client` subcommands. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cx-version.h"
#include "kvconform.h"

static void usage(FILE *f)
{
    fputs("Usage: kvconform server [OPTION]...   run the server suites (see kvconform server "
          "--help)\n"
          "       kvconform client [OPTION]...   grade a client through an adapter\n"
          "       kvconform --help | --version\n",
          f);
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kvconform %s\n", CX_VERSION);
        return 0;
    }
    /* libcurl's global state is set up once here, before any fork, as its docs require. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("kvconform: libcurl initialisation failed\n", stderr);
        return 2;
    }
    if (strcmp(argv[1], "server") == 0) {
        rc = kvc_server_main(argc - 1, argv + 1);
    } else if (strcmp(argv[1], "client") == 0) {
        rc = kvc_client_main(argc - 1, argv + 1);
    } else {
        fprintf(stderr, "kvconform: unknown subcommand '%s'\n", argv[1]);
        usage(stderr);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
