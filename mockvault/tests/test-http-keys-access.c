#include "keys-common.h"
int main(void)
{
    Suite *s = suite_create("http-keys-access");
    return mvt_run(s, false);
}
