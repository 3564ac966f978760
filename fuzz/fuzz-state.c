/* fuzz-state: fixtures, snapshots and PUT /_mock/state bodies (mv_state_parse), then the export
 * of whatever parsed, which must parse again. Keys without material are generated through
 * fz-keygen.c (one key per spec and process). With FZ_VERBOSE set in the environment, the
 * parser's message for a refused input is printed, to check that a seed gets as far as meant. */
#include "fz-util.h"

#include "state.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    /* A fixed now, so that relative times ("+90d") give the same result on every run. */
    const int64_t now = 1767225600;
    struct mv_data *d = mv_state_parse((const char *)data, size, "fuzz", now, err, sizeof err);
    if (!d) {
        if (getenv("FZ_VERBOSE"))
            fprintf(stderr, "fuzz-state: refused: %s\n", err);
        return 0;
    }
    /* What was accepted exports to the same format and reads back: the persisted snapshot. */
    cJSON *j = mv_state_export(d);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    if (text) {
        struct mv_data *again = mv_state_parse(text, strlen(text), "export", now, err, sizeof err);
        if (!again) {
            fprintf(stderr, "fuzz-state: the export of an accepted fixture does not parse: %s\n",
                    err);
            abort();
        }
        mv_data_free(again);
    }
    free(text);
    cJSON_Delete(j);
    mv_data_free(d);
    return 0;
}
