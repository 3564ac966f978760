/* fuzz-proxy: the HTTPS proxy's request-head check (mv_proxy_check_head in net/proxy.c, the code
 * conn_main runs on every head): request line, method, authority-form target, allowed names and
 * port. The input is the head as read from the socket (not NUL-terminated). */
#include "fz-util.h"

#include "proxy-int.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char host[MV_PROXY_HOST_MAX + 1];
    unsigned port = 0;
    enum reply_kind kind;

    int r = mv_proxy_check_head((const char *)data, size, host, &port, &kind);
    if (r == 0 && port != 443) {
        fprintf(stderr, "fuzz-proxy: a tunnel to port %u was allowed\n", port);
        abort();
    }
    if (r == 0 && (host[0] == '[' || strlen(host) > MV_PROXY_HOST_MAX)) {
        fprintf(stderr, "fuzz-proxy: a tunnel to an IP literal or overlong host was allowed\n");
        abort();
    }
    return 0;
}
