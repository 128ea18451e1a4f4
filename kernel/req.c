// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of a KVM_HC_NUMA_MOVE batch, before any page is looked at.
 *
 * Runs on a copy of the batch taken once from guest memory: a guest that
 * rewrites its buffer during the call changes nothing the host decides on.
 */

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kvm_para.h>
#include <linux/sort.h>
#include <kunit/visibility.h>

#include "req.h"

/**
 * pvnuma_req_check_call() - Validate the arguments of the hypercall
 * @gpa: a0, guest physical address of the entries
 * @nr: a1, number of entries
 * @flags: a2
 *
 * Return: 0 or -KVM_EINVAL.
 */
int pvnuma_req_check_call(u64 gpa, u64 nr, u64 flags)
{
	if (flags & ~(u64)KVM_NUMA_MOVE_EAGER)
		return -KVM_EINVAL;
	if (!nr || nr > KVM_NUMA_MOVE_MAX_BATCH)
		return -KVM_EINVAL;
	if (gpa & (sizeof(u64) - 1))
		return -KVM_EINVAL;
	if (gpa + nr * sizeof(struct kvm_numa_move_req) < gpa)
		return -KVM_EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pvnuma_req_check_call);

static int pvnuma_range_cmp(const void *a, const void *b)
{
	const struct pvnuma_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static bool pvnuma_req_entry_ok(const struct kvm_numa_move_req *r)
{
	u64 n = r->nr_pages;

	if (n != 1 && n != PVNUMA_HUGE_PAGES)
		return false;
	if (n == PVNUMA_HUGE_PAGES &&
	    ((r->src_gfn | r->dst_gfn) & (PVNUMA_HUGE_PAGES - 1)))
		return false;
	if (r->src_gfn >= KVM_NUMA_MOVED_MAX_GFNS ||
	    r->dst_gfn >= KVM_NUMA_MOVED_MAX_GFNS)
		return false;
	/* src and dst of one entry may not overlap, nor be equal. */
	return r->src_gfn + n <= r->dst_gfn || r->dst_gfn + n <= r->src_gfn;
}

/**
 * pvnuma_req_check() - Validate the entries of a batch
 * @reqs: the entries, copied from the guest; status is written
 * @n: number of entries, 1 to KVM_NUMA_MOVE_MAX_BATCH
 * @scratch: room for 2 * @n ranges
 *
 * An entry is invalid (status -KVM_EINVAL) if nr_pages is neither 1 nor
 * 512, a 512-page range is not 2 MiB aligned, a gfn is beyond
 * KVM_NUMA_MOVED_MAX_GFNS, its src and dst overlap, or one of its ranges
 * overlaps a range of another entry (then both entries are invalid).  The
 * other entries get status 0; whether their frames are guest RAM is checked
 * when they are served.
 *
 * Return: the number of valid entries.
 */
unsigned int pvnuma_req_check(struct kvm_numa_move_req *reqs, unsigned int n,
			      struct pvnuma_range *scratch)
{
	unsigned int i, nr_ranges = 0, valid = 0;
	const struct pvnuma_range *last = NULL;

	for (i = 0; i < n; i++) {
		struct kvm_numa_move_req *r = &reqs[i];

		if (!pvnuma_req_entry_ok(r)) {
			r->status = -KVM_EINVAL;
			continue;
		}
		r->status = 0;
		scratch[nr_ranges++] = (struct pvnuma_range) {
			r->src_gfn, r->src_gfn + r->nr_pages, i };
		scratch[nr_ranges++] = (struct pvnuma_range) {
			r->dst_gfn, r->dst_gfn + r->nr_pages, i };
	}

	/*
	 * Sorted by start, a range overlaps an earlier one iff it overlaps the
	 * earlier one that ends last.
	 */
	sort(scratch, nr_ranges, sizeof(*scratch), pvnuma_range_cmp, NULL);
	for (i = 0; i < nr_ranges; i++) {
		const struct pvnuma_range *cur = &scratch[i];

		if (last && cur->start < last->end && cur->idx != last->idx) {
			reqs[cur->idx].status = -KVM_EINVAL;
			reqs[last->idx].status = -KVM_EINVAL;
		}
		if (!last || cur->end > last->end)
			last = cur;
	}

	for (i = 0; i < n; i++)
		valid += !reqs[i].status;
	return valid;
}
EXPORT_SYMBOL_IF_KUNIT(pvnuma_req_check);
