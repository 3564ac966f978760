/* proxy.h: the HTTPS proxy (--proxy-port). A plain-HTTP listener that accepts
 * "CONNECT host:443" for the Azure names the mock impersonates (mv_host_is_azure) and tunnels the
 * bytes to the mock's own TLS listener; every other host gets 403 and nothing ever connects
 * outside the mock. */
#ifndef MV_PROXY_H
#define MV_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct sockaddr;

struct mv_proxy;

/* Listens on bind_addr (IPv4 or IPv6 literal) and port (0 = a free port) and tunnels allowed
 * CONNECTs to target_addr:target_port. Returns 0 once the socket accepts connections, or -1 with
 * a message in err. */
int mv_proxy_start(const char *bind_addr, uint16_t port, const char *target_addr,
                   uint16_t target_port, struct mv_proxy **out, char *err, size_t errlen);
uint16_t mv_proxy_port(const struct mv_proxy *p);
/* True when peer (a loopback address and port the TLS listener sees) is the mock's end of a tunnel
 * the proxy opened for a client that is not loopback. Such requests are not a loopback peer's
 * (docs/threat-model.md). False for NULL p. */
bool mv_proxy_tunnel_is_remote(struct mv_proxy *p, const struct sockaddr *peer);
/* Stops listening, closes every tunnel and frees p. Accepts NULL. */
void mv_proxy_stop(struct mv_proxy *p);

#endif
