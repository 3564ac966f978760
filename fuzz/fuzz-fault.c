/* fuzz-fault: POST /_mock/faults rules (mv_fault_add_json), then a few requests matched against
 * what was added and the rule list. */
#include "fz-util.h"

#include "fault.h"

#include <cjson/cJSON.h>

static struct mv_fault_set *set;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    set = mv_fault_set_create(1, NULL, NULL);
    if (!set)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    unsigned id;
    struct mv_fault_action act;
    static const struct mv_fault_request reqs[] = {
        {MV_FAULT_EP_VAULT, "GetSecret", "demo", "app", "oid", "/secrets/x"},
        {MV_FAULT_EP_TOKEN, "TokenV2", NULL, "client", NULL, "/tenant/oauth2/v2.0/token"},
        {MV_FAULT_EP_MSI, NULL, NULL, NULL, NULL, "/metadata/identity/oauth2/token"},
        {MV_FAULT_EP_NONE, NULL, NULL, NULL, NULL, NULL},
    };

    /* The fuzzer's buffer is passed as is: the rule parser takes a length, not a C string. */
    if (mv_fault_add_json(set, (const char *)data, size, &id, err, sizeof err) == 0) {
        for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++)
            mv_fault_eval(set, &reqs[i], &act);
        cJSON_Delete(mv_fault_list(set));
    }
    mv_fault_clear(set);
    return 0;
}
