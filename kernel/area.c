// SPDX-License-Identifier: GPL-2.0
/*
 * The moved-pages area: layout and validation of what the guest registers.
 *
 * Everything here works on values the caller has already copied out of guest
 * memory, so a guest that rewrites the area concurrently cannot make a check
 * pass on one value and the use see another.
 */

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <kunit/visibility.h>

#include "area.h"

/**
 * pvnuma_area_bitmap_bytes() - Size of the moved-pages bitmap
 * @nr_gfns: guest frames the bitmap covers
 *
 * One bit per guest frame, rounded up to whole u64 words: 32 KiB per GiB of
 * 4 KiB pages.  Exact for @nr_gfns up to KVM_NUMA_MOVED_MAX_GFNS, the
 * range pvnuma_area_check() accepts; callers check that first.
 *
 * Return: the size in bytes.
 */
u64 pvnuma_area_bitmap_bytes(u64 nr_gfns)
{
	return DIV_ROUND_UP_ULL(nr_gfns, 64) * sizeof(u64);
}
EXPORT_SYMBOL_IF_KUNIT(pvnuma_area_bitmap_bytes);

/**
 * pvnuma_msr_decode() - Decode a write to MSR_KVM_NUMA_MOVED
 * @data: the value the guest wrote
 * @area_gpa: set to the area's guest physical address when enabling
 *
 * Return: 1 to register the area at *@area_gpa, 0 to disable, -EINVAL if a
 * reserved bit is set (the write then raises #GP).
 */
int pvnuma_msr_decode(u64 data, u64 *area_gpa)
{
	if (data & KVM_NUMA_MOVED_RESERVED_MASK)
		return -EINVAL;
	if (!(data & KVM_MSR_ENABLED))
		return 0;
	*area_gpa = data & ~((1ULL << KVM_NUMA_MOVED_ALIGNMENT_BITS) - 1);
	return 1;
}
EXPORT_SYMBOL_IF_KUNIT(pvnuma_msr_decode);

static bool ranges_overlap(u64 a, u64 a_len, u64 b, u64 b_len)
{
	return a < b + b_len && b < a + a_len;
}

/**
 * pvnuma_area_check() - Validate an area header copied from the guest
 * @area: the header, already copied out of guest memory
 * @area_gpa: where the guest placed it
 *
 * Checks the format only; whether the header and the bitmap are in guest RAM
 * is the caller's to check against the memslots.
 *
 * Return: 0 if valid; -EPROTONOSUPPORT for an unknown version; -EINVAL for
 * non-zero flags or reserved fields, a misaligned bitmap, or a bitmap that
 * wraps or overlaps the header; -ERANGE for a size of zero or above
 * KVM_NUMA_MOVED_MAX_GFNS.
 */
int pvnuma_area_check(const struct kvm_numa_moved_area *area, u64 area_gpa)
{
	u64 bytes;
	int i;

	if (area->version != KVM_NUMA_MOVED_VERSION)
		return -EPROTONOSUPPORT;
	if (area->flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(area->reserved); i++)
		if (area->reserved[i])
			return -EINVAL;
	if (!area->nr_gfns || area->nr_gfns > KVM_NUMA_MOVED_MAX_GFNS)
		return -ERANGE;
	if (!PAGE_ALIGNED(area->bitmap_gpa))
		return -EINVAL;
	bytes = pvnuma_area_bitmap_bytes(area->nr_gfns);
	if (area->bitmap_gpa + bytes < area->bitmap_gpa)
		return -EINVAL;
	if (ranges_overlap(area_gpa, sizeof(*area), area->bitmap_gpa, bytes))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvnuma_area_check);

