/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table of KVM_HC_NUMA_MOVE batches and the statuses pvnuma_req_check()
 * must give them, shared by the KUnit suite (kernel/tests/req_test.c) and
 * the native unit test (selftests/unit/req_test.c).
 */
#ifndef _PVNUMA_REQ_CASES_H
#define _PVNUMA_REQ_CASES_H

#define REQ_CASE_MAX	4
#define E		(-KVM_EINVAL)
#define H		512	/* pages of a 2 MiB entry */

static const struct {
	const char *name;
	unsigned int n;
	struct { u64 src, dst; u32 nr; int status; } e[REQ_CASE_MAX];
} req_check_cases[] = {
	{ "one page", 1, { { 10, 20, 1, 0 } } },
	{ "src == dst", 1, { { 10, 10, 1, E } } },
	{ "nr_pages 0", 1, { { 10, 20, 0, E } } },
	{ "nr_pages 2", 1, { { 10, 20, 2, E } } },
	{ "nr_pages 513", 1, { { 0, 1024, 513, E } } },
	{ "2 MiB aligned", 1, { { 0, 2 * H, H, 0 } } },
	{ "2 MiB src misaligned", 1, { { 1, 2 * H, H, E } } },
	{ "2 MiB dst misaligned", 1, { { 0, 2 * H + 8, H, E } } },
	{ "2 MiB src == dst", 1, { { H, H, H, E } } },
	{ "gfn beyond the ABI", 1, { { KVM_NUMA_MOVED_MAX_GFNS, 0, 1, E } } },
	{ "disjoint batch", 3,
	  { { 1, 2, 1, 0 }, { 3, 4, 1, 0 }, { 5, 6, 1, 0 } } },
	{ "same dst twice", 3,
	  { { 1, 9, 1, E }, { 3, 4, 1, 0 }, { 5, 9, 1, E } } },
	{ "dst is another's src", 2, { { 1, 2, 1, E }, { 2, 3, 1, E } } },
	{ "page inside a 2 MiB range", 2,
	  { { 0, H, H, E }, { 7, 4 * H, 1, E } } },
	{ "chain with a bad entry", 3,
	  { { 1, 2, 3, E }, { 5, 6, 1, 0 }, { 2, 8, 1, 0 } } },
	{ "2 MiB ranges side by side", 2,
	  { { 0, 2 * H, H, 0 }, { H, 3 * H, H, 0 } } },
};

static const struct {
	const char *name;
	u64 gpa, nr, flags;
	int ret;
} req_call_cases[] = {
	{ "one entry", 0x1000, 1, 0, 0 },
	{ "eager", 0x1000, 1, KVM_NUMA_MOVE_EAGER, 0 },
	{ "max batch", 0x1000, KVM_NUMA_MOVE_MAX_BATCH, 0, 0 },
	{ "8-byte aligned", 0x1008, 1, 0, 0 },
	{ "no entries", 0x1000, 0, 0, -KVM_EINVAL },
	{ "batch too big", 0x1000, KVM_NUMA_MOVE_MAX_BATCH + 1, 0, -KVM_EINVAL },
	{ "misaligned", 0x1004, 1, 0, -KVM_EINVAL },
	{ "reserved flag", 0x1000, 1, 2, -KVM_EINVAL },
	{ "top flag", 0x1000, 1, 1ULL << 63, -KVM_EINVAL },
	{ "wraps", ~0ULL - 7, 2, 0, -KVM_EINVAL },
};

#undef E
#undef H

#endif /* _PVNUMA_REQ_CASES_H */
