// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the KVM_HC_NUMA_MOVE batch validation (kernel/req.c).
 */

#include <kunit/test.h>
#include <kunit/visibility.h>

#include "../req.h"
#include "req_cases.h"

static void pvnuma_req_test_call(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(req_call_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, req_call_cases[i].ret,
				    pvnuma_req_check_call(req_call_cases[i].gpa,
							  req_call_cases[i].nr,
							  req_call_cases[i].flags),
				    "case: %s", req_call_cases[i].name);
}

static void pvnuma_req_test_check(struct kunit *test)
{
	struct kvm_numa_move_req reqs[REQ_CASE_MAX];
	struct pvnuma_range scratch[2 * REQ_CASE_MAX];
	unsigned int i, j, valid, want;

	for (i = 0; i < ARRAY_SIZE(req_check_cases); i++) {
		want = 0;
		for (j = 0; j < req_check_cases[i].n; j++) {
			reqs[j].src_gfn = req_check_cases[i].e[j].src;
			reqs[j].dst_gfn = req_check_cases[i].e[j].dst;
			reqs[j].nr_pages = req_check_cases[i].e[j].nr;
			reqs[j].status = 12345;	/* must be overwritten */
			want += !req_check_cases[i].e[j].status;
		}
		valid = pvnuma_req_check(reqs, req_check_cases[i].n, scratch);
		KUNIT_EXPECT_EQ_MSG(test, want, valid, "case: %s",
				    req_check_cases[i].name);
		for (j = 0; j < req_check_cases[i].n; j++)
			KUNIT_EXPECT_EQ_MSG(test, req_check_cases[i].e[j].status,
					    reqs[j].status, "case: %s, entry %u",
					    req_check_cases[i].name, j);
	}
}

static struct kunit_case pvnuma_req_test_cases[] = {
	KUNIT_CASE(pvnuma_req_test_call),
	KUNIT_CASE(pvnuma_req_test_check),
	{}
};

static struct kunit_suite pvnuma_req_test_suite = {
	.name = "pvnuma_req",
	.test_cases = pvnuma_req_test_cases,
};

kunit_test_suite(pvnuma_req_test_suite);
