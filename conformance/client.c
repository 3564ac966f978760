/* client.c: `kvconform client`, grading a client through an adapter (DESIGN.md §10). A stub
 * until the client scenarios land; the engineer doing them replaces this file. */
#include <stdio.h>

#include "kvconform.h"

int kvc_client_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("kvconform client: not yet implemented\n", stderr);
    return 2;
}
