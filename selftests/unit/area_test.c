// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit test of the moved-pages area logic: kernel/area.c compiled as
 * a userspace program against the same case table as the KUnit suite.
 * Prints one "ok"/"not ok" line per case (TAP) and exits non-zero on any
 * failure.
 */
#include <stdio.h>

#include "../../kernel/area.c"
#include "../../kernel/tests/area_cases.h"

static int nr_run, nr_failed;

static void check(int ok, const char *unit, const char *name)
{
	nr_run++;
	if (!ok)
		nr_failed++;
	printf("%sok %d %s: %s\n", ok ? "" : "not ", nr_run, unit, name);
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bitmap_bytes_cases); i++)
		check(pvnuma_area_bitmap_bytes(bitmap_bytes_cases[i].nr_gfns) ==
		      bitmap_bytes_cases[i].bytes,
		      "bitmap_bytes", bitmap_bytes_cases[i].name);

	for (i = 0; i < ARRAY_SIZE(msr_decode_cases); i++) {
		u64 gpa = 0;
		int ret = pvnuma_msr_decode(msr_decode_cases[i].data, &gpa);

		check(ret == msr_decode_cases[i].ret &&
		      gpa == msr_decode_cases[i].gpa,
		      "msr_decode", msr_decode_cases[i].name);
	}

	for (i = 0; i < ARRAY_SIZE(area_check_cases); i++)
		check(pvnuma_area_check(&area_check_cases[i].area,
					area_check_cases[i].area_gpa) ==
		      area_check_cases[i].ret,
		      "area_check", area_check_cases[i].name);

	printf("1..%d\n", nr_run);
	return nr_failed ? 1 : 0;
}
