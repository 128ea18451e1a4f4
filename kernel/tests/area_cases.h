/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table of cases for the moved-pages area logic, shared by the KUnit suite
 * (kernel/tests/area_test.c) and the native unit test
 * (selftests/unit/area_test.c) so that both check exactly the same facts.
 */
#ifndef _PVNUMA_AREA_CASES_H
#define _PVNUMA_AREA_CASES_H

#define SZ_GIB_PAGES	262144ULL	/* 4 KiB pages in 1 GiB */

static const struct {
	const char *name;
	u64 nr_gfns;
	u64 bytes;
} bitmap_bytes_cases[] = {
	{ "empty",		0,			0 },
	{ "one page",		1,			8 },
	{ "one word",		64,			8 },
	{ "word plus one",	65,			16 },
	/* The ABI promise: 32 KiB of bitmap per GiB of guest RAM. */
	{ "1 GiB",		SZ_GIB_PAGES,		32 << 10 },
	{ "1 TiB",		SZ_GIB_PAGES << 10,	32 << 20 },
	{ "max",		KVM_NUMA_MOVED_MAX_GFNS, 1ULL << 37 },
};

static const struct {
	const char *name;
	u64 data;
	int ret;
	u64 gpa;
} msr_decode_cases[] = {
	{ "disable",		0,			0,	0 },
	/* An address without the enable bit still disables. */
	{ "address, no enable",	0x100000,		0,	0 },
	{ "enable",		0x100000 | 1,		1,	0x100000 },
	{ "enable, high gpa",	0xfffffffffc0ULL | 1,	1,	0xfffffffffc0ULL },
	/* 64-byte aligned only: bits 5:1 are reserved. */
	{ "reserved bit 1",	0x100000 | 2 | 1,	-EINVAL, 0 },
	{ "reserved bit 5",	0x100000 | 0x20 | 1,	-EINVAL, 0 },
	{ "reserved, disabled",	0x20,			-EINVAL, 0 },
};

#define GOOD_AREA { .version = KVM_NUMA_MOVED_VERSION, \
		    .bitmap_gpa = 0x200000, .nr_gfns = SZ_GIB_PAGES }

static const struct {
	const char *name;
	struct kvm_numa_moved_area area;
	u64 area_gpa;
	int ret;
} area_check_cases[] = {
	{ "valid",		GOOD_AREA,		0x1000, 0 },
	/* Host-written fields are not checked: the host overwrites them. */
	{ "host fields dirty",	{ .version = 1, .bitmap_gpa = 0x200000,
				  .nr_gfns = 1, .seq = 7, .nr_moved = 3 },
				0x1000, 0 },
	{ "version 0",		{ .version = 0, .bitmap_gpa = 0x200000,
				  .nr_gfns = 1 }, 0x1000, -EPROTONOSUPPORT },
	{ "version 2",		{ .version = 2, .bitmap_gpa = 0x200000,
				  .nr_gfns = 1 }, 0x1000, -EPROTONOSUPPORT },
	{ "flags",		{ .version = 1, .flags = 1,
				  .bitmap_gpa = 0x200000, .nr_gfns = 1 },
				0x1000, -EINVAL },
	{ "reserved",		{ .version = 1, .bitmap_gpa = 0x200000,
				  .nr_gfns = 1, .reserved = { 0, 0, 1 } },
				0x1000, -EINVAL },
	{ "no gfns",		{ .version = 1, .bitmap_gpa = 0x200000 },
				0x1000, -ERANGE },
	{ "too many gfns",	{ .version = 1, .bitmap_gpa = 0x200000,
				  .nr_gfns = KVM_NUMA_MOVED_MAX_GFNS + 1 },
				0x1000, -ERANGE },
	{ "bitmap misaligned",	{ .version = 1, .bitmap_gpa = 0x200008,
				  .nr_gfns = 1 }, 0x1000, -EINVAL },
	/*
	 * |<-------- bitmap, 32 KiB -------->|
	 * 0x200000            ^ header at 0x204000
	 */
	{ "header in bitmap",	GOOD_AREA,		0x204000, -EINVAL },
	{ "header just after",	GOOD_AREA,		0x208000, 0 },
	{ "header just before",	GOOD_AREA,		0x200000 - 64, 0 },
	{ "bitmap wraps",	{ .version = 1, .bitmap_gpa = 0xfffffffffffff000ULL,
				  .nr_gfns = 1ULL << 16 }, 0x1000, -EINVAL },
};

#endif /* _PVNUMA_AREA_CASES_H */
