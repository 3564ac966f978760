#include "keys-common.h"
int main(void)
{
    Suite *s = suite_create("http-keys-crypto");
    return mvt_run(s, false);
}
