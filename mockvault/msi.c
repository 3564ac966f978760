/* msi.c: managed identity endpoints: IMDS, App Service and Cloud Shell styles (spec/identity.md §4). */
#include <stddef.h>

#include "router.h"

const struct mv_route mv_msi_routes[] = {
    {NULL, NULL, NULL, MV_KIND_OTHER, NULL, false},
};
