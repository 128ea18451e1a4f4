// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the moved-pages area logic (kernel/area.c).
 */

#include <kunit/test.h>
#include <kunit/visibility.h>

#include "../area.h"
#include "area_cases.h"

static void pvnuma_area_test_bitmap_bytes(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(bitmap_bytes_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, bitmap_bytes_cases[i].bytes,
				    pvnuma_area_bitmap_bytes(bitmap_bytes_cases[i].nr_gfns),
				    "case: %s", bitmap_bytes_cases[i].name);
}

static void pvnuma_area_test_msr_decode(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(msr_decode_cases); i++) {
		u64 gpa = 0;

		KUNIT_EXPECT_EQ_MSG(test, msr_decode_cases[i].ret,
				    pvnuma_msr_decode(msr_decode_cases[i].data, &gpa),
				    "case: %s", msr_decode_cases[i].name);
		KUNIT_EXPECT_EQ_MSG(test, msr_decode_cases[i].gpa, gpa,
				    "case: %s", msr_decode_cases[i].name);
	}
}

static void pvnuma_area_test_check(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(area_check_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, area_check_cases[i].ret,
				    pvnuma_area_check(&area_check_cases[i].area,
						      area_check_cases[i].area_gpa),
				    "case: %s", area_check_cases[i].name);
}

static struct kunit_case pvnuma_area_test_cases[] = {
	KUNIT_CASE(pvnuma_area_test_bitmap_bytes),
	KUNIT_CASE(pvnuma_area_test_msr_decode),
	KUNIT_CASE(pvnuma_area_test_check),
	{}
};

static struct kunit_suite pvnuma_area_test_suite = {
	.name = "pvnuma_area",
	.test_cases = pvnuma_area_test_cases,
};

kunit_test_suite(pvnuma_area_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the pvnuma host module");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
