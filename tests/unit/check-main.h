/*
 * check-main.h: the end of every unit test's main(): run its suite (each
 * test in a child process, Check's default, so that a crash fails one
 * test), print Check's summary, and exit 0 only if every test passed.
 */
#ifndef TM_TEST_CHECK_MAIN_H
#define TM_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int
run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
