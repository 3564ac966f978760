/* console-assets.h: the console's files (mockvault/control/ui/), embedded in the binary by the
 * build (scripts/embed-assets writes console-assets.c), so the console works offline and needs
 * nothing beside the binary. */
#ifndef MV_CONSOLE_ASSETS_H
#define MV_CONSOLE_ASSETS_H

#include <stddef.h>

struct mv_console_asset {
    const char *name;         /* file name: "index.html", "console.js" */
    const char *content_type; /* with charset */
    const unsigned char *data;
    size_t len;
};

/* Ends with an entry whose name is NULL. */
extern const struct mv_console_asset mv_console_assets[];

#endif
