/* graph.c: a minimal Microsoft Graph: users and organization, in Graph's OData shapes. */
#include <stddef.h>

#include "router.h"

const struct mv_route mv_graph_routes[] = {
    {NULL, NULL, NULL, MV_KIND_OTHER, NULL, false},
};
