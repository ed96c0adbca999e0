/* The HTTP layer: libmicrohttpd, one thread per connection, routing on
 * the domain tables, and everything common to all routes (see api.h). */
#ifndef MKTD_HTTP_H
#define MKTD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct MHD_Daemon;

/* Serves srv on the IPv4 address addr, port port (0: a free one, stored in
 * *bound).  NULL with a message on failure. */
struct MHD_Daemon *http_start(struct server *srv, const char *addr, int port,
	    bool verbose, int *bound, char *err, size_t errlen);
void	 http_stop(struct MHD_Daemon *d);

#endif
