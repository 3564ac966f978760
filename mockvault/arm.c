/* arm.c: the little of Azure Resource Manager that az login needs: subscriptions, tenants, metadata/endpoints. */
#include <stddef.h>

#include "router.h"

const struct mv_route mv_arm_routes[] = {
    {NULL, NULL, NULL, MV_KIND_OTHER, NULL, false},
};
