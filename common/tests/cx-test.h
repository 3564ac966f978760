/* cx-test.h: the one main every common/ unit test program shares: runs the suite its file
 * builds and exits non-zero on any failure. */
#ifndef CX_TEST_H
#define CX_TEST_H

#include <check.h>
#include <stdlib.h>

#define CX_TEST_MAIN(make_suite)                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *sr = srunner_create(make_suite());                                                \
        srunner_run_all(sr, CK_NORMAL);                                                            \
        int failed = srunner_ntests_failed(sr);                                                    \
        srunner_free(sr);                                                                          \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

#endif
