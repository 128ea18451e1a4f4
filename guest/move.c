// SPDX-License-Identifier: GPL-2.0
/*
 * The migration hook.  When the kernel migrates a folio (NUMA balancing,
 * compaction, mbind) and the host has moved that folio's frames away from
 * their home node, ask the host to move the data to the new folio with
 * KVM_HC_NUMA_MOVE instead of copying it: the host then neither swaps it
 * back in onto the old node nor has the guest copy it across the
 * interconnect.  On any answer but success the kernel copies as usual.
 *
 * A 2 MiB folio goes as one entry if the host moved all of it; if it moved
 * only some frames (or declines the whole), as one batch of a 4 KiB entry
 * per moved frame, and the driver copies the other frames itself.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "pvnuma_guest.h"

#define PVG_HUGE_PAGES	512

bool pvnuma_guest_eager;

struct pvnuma_guest_pcpu {
	u64 stats[PVG_NR_STATS];
};

static DEFINE_PER_CPU(struct pvnuma_guest_pcpu, pvnuma_guest_pcpu);

/*
 * One batch of up to PVG_HUGE_PAGES entries per CPU, each in the direct map
 * (the host needs its guest physical address, and the array contiguous:
 * per-CPU and stack memory may be vmalloc'ed).
 */
static DEFINE_PER_CPU(struct kvm_numa_move_req *, pvnuma_guest_batch);
#define PVG_BATCH_BYTES	(PVG_HUGE_PAGES * sizeof(struct kvm_numa_move_req))

static void pvg_stat(enum pvnuma_guest_stat s, u64 n)
{
	this_cpu_add(pvnuma_guest_pcpu.stats[s], n);
}

/**
 * pvnuma_guest_stats_sum() - The statistics summed over all CPUs
 * @out: PVG_NR_STATS counters
 */
void pvnuma_guest_stats_sum(u64 *out)
{
	int cpu, i;

	memset(out, 0, PVG_NR_STATS * sizeof(*out));
	for_each_possible_cpu(cpu)
		for (i = 0; i < PVG_NR_STATS; i++)
			out[i] += per_cpu(pvnuma_guest_pcpu.stats[i], cpu);
}

/*
 * How many frames of a folio at @pfn of @nr pages (1 or PVG_HUGE_PAGES) has
 * the host moved away from home?
 */
static unsigned long pvnuma_guest_nr_marked(unsigned long pfn, unsigned long nr)
{
	const struct pvnuma_guest_area *a;
	unsigned long n = 0;

	rcu_read_lock();
	a = rcu_dereference(pvnuma_guest_area);
	/* A 2 MiB folio: @pfn is 512-aligned, so its bits are whole words. */
	if (a && pfn + nr <= a->nr_gfns)
		n = nr == 1 ? test_bit(pfn, a->bitmap) :
			      bitmap_weight(a->bitmap + BIT_WORD(pfn), nr);
	rcu_read_unlock();
	return n;
}

/*
 * Send the @n entries of this CPU's batch; the caller has preemption
 * disabled (it holds the batch), for the call only.  Returns the number
 * the host moved (each entry's status then says which), or a negative KVM
 * error for the whole call (no status is valid then).
 */
static long pvnuma_guest_call(struct kvm_numa_move_req *req, unsigned int n)
{
	long ret;
	u64 t;

	t = ktime_get_ns();
	ret = kvm_hypercall3(KVM_HC_NUMA_MOVE, __pa(req), n,
			     READ_ONCE(pvnuma_guest_eager) ? KVM_NUMA_MOVE_EAGER : 0);
	pvg_stat(PVG_STAT_HYPERCALL_NS, ktime_get_ns() - t);
	pvg_stat(PVG_STAT_CALLS, 1);
	return ret;
}

static void pvnuma_guest_count_fail(long ret, int status)
{
	if (ret >= 0 && status == -KVM_EOPNOTSUPP)
		pvg_stat(PVG_STAT_DECLINED, 1);
	else
		pvg_stat(PVG_STAT_ERROR, 1);
}

/*
 * A 2 MiB folio the host moved only in part (or declined whole): one batch
 * of 4 KiB entries for the frames it moved away, and the driver copies the
 * rest itself.  The frames it did not move are copied first, while a copy
 * that fails (a machine check) can still leave everything to the kernel;
 * the ones the host then declines are copied after the call.  The copies
 * run preemptible, rescheduling between frames as folio_mc_copy() does;
 * only the call holds this CPU's batch.  Returns true if @dst holds all of
 * @src's data.
 */
static bool pvnuma_guest_move_parts(struct folio *dst, struct folio *src)
{
	unsigned long pfn = folio_pfn(src), dpfn = folio_pfn(dst), i;
	DECLARE_BITMAP(ask, PVG_HUGE_PAGES);
	DECLARE_BITMAP(left, PVG_HUGE_PAGES);
	unsigned int n, k, moved = 0, copied = 0;
	struct kvm_numa_move_req *req;
	int status = 0;
	long ret;

	/* The frames to ask for, fixed now: the bits may change meanwhile. */
	for (i = 0; i < PVG_HUGE_PAGES; i++)
		__assign_bit(i, ask, pvnuma_guest_nr_marked(pfn + i, 1));
	for_each_clear_bit(i, ask, PVG_HUGE_PAGES) {
		if (copy_mc_highpage(folio_page(dst, i), folio_page(src, i))) {
			pvg_stat(PVG_STAT_ERROR, 1);
			return false;
		}
		copied++;
		cond_resched();
	}
	n = bitmap_weight(ask, PVG_HUGE_PAGES);
	if (!n) {
		/* The bits went since the caller looked: all of it is copied. */
		pvg_stat(PVG_STAT_PAGES_COPIED_PARTIAL, copied);
		return true;
	}

	req = *get_cpu_ptr(&pvnuma_guest_batch);
	k = 0;
	for_each_set_bit(i, ask, PVG_HUGE_PAGES)
		req[k++] = (struct kvm_numa_move_req) {
			.src_gfn = pfn + i, .dst_gfn = dpfn + i, .nr_pages = 1,
		};
	ret = pvnuma_guest_call(req, n);
	bitmap_zero(left, PVG_HUGE_PAGES);
	k = 0;
	for_each_set_bit(i, ask, PVG_HUGE_PAGES) {
		if (ret >= 0 && !req[k].status) {
			moved++;
		} else {
			__set_bit(i, left);
			if (!status)
				status = ret >= 0 ? req[k].status : ret;
		}
		k++;
	}
	put_cpu_ptr(&pvnuma_guest_batch);

	for_each_set_bit(i, left, PVG_HUGE_PAGES) {
		if (copy_mc_highpage(folio_page(dst, i), folio_page(src, i))) {
			/*
			 * Too late to leave it to the kernel: the host holds
			 * the other frames' data at dst now.  The frame's data
			 * is lost: treat its new frame as poisoned too, so that
			 * an access gets SIGBUS rather than wrong data.
			 */
			pr_err_ratelimited("machine check copying frame %#lx of a partly moved folio: its data is lost\n",
					   pfn + i);
			memory_failure_queue(dpfn + i, 0);
			pvg_stat(PVG_STAT_ERROR, 1);
			continue;
		}
		copied++;
		cond_resched();
	}
	if (moved < n)
		pvnuma_guest_count_fail(ret, status);
	pvg_stat(PVG_STAT_PAGES_MOVED, moved);
	pvg_stat(PVG_STAT_PAGES_COPIED_PARTIAL, copied);
	return true;
}

static bool pvnuma_guest_move(struct folio *dst, struct folio *src)
{
	unsigned long nr = folio_nr_pages(src), marked;
	struct kvm_numa_move_req *req;
	int status;
	long ret;

	if (!READ_ONCE(pvnuma_guest_registered))
		return false;
	if (nr != 1 && nr != PVG_HUGE_PAGES) {
		pvg_stat(PVG_STAT_UNSUPPORTED, 1);
		return false;
	}
	marked = pvnuma_guest_nr_marked(folio_pfn(src), nr);
	if (!marked) {
		pvg_stat(PVG_STAT_NOT_MARKED, 1);
		return false;
	}
	if (marked < nr)
		return pvnuma_guest_move_parts(dst, src);

	/* All of it: one entry, 4 KiB or 2 MiB. */
	req = *get_cpu_ptr(&pvnuma_guest_batch);
	req->src_gfn = folio_pfn(src);
	req->dst_gfn = folio_pfn(dst);
	req->nr_pages = nr;
	req->status = 0;
	ret = pvnuma_guest_call(req, 1);
	status = req->status;
	put_cpu_ptr(&pvnuma_guest_batch);

	if (ret == 1 && !status) {
		pvg_stat(PVG_STAT_PAGES_MOVED, nr);
		return true;
	}
	if (nr == PVG_HUGE_PAGES && ret >= 0 && status == -KVM_EOPNOTSUPP)
		/*
		 * Declined as a whole: a frame is back home since its bit
		 * was set, or the range is busy.  Frame by frame, the others
		 * may still go.
		 */
		return pvnuma_guest_move_parts(dst, src);
	pvnuma_guest_count_fail(ret, status);
	return false;
}

static void pvnuma_guest_free_batches(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(pvnuma_guest_batch, cpu));
		per_cpu(pvnuma_guest_batch, cpu) = NULL;
	}
}

/**
 * pvnuma_guest_move_init() - Install the migration hook
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_guest_move_init(void)
{
	int cpu, ret;

	for_each_possible_cpu(cpu) {
		struct kvm_numa_move_req *req;

		req = kzalloc_node(PVG_BATCH_BYTES, GFP_KERNEL, cpu_to_node(cpu));
		if (!req) {
			pvnuma_guest_free_batches();
			return -ENOMEM;
		}
		per_cpu(pvnuma_guest_batch, cpu) = req;
	}
	ret = migrate_register_move(pvnuma_guest_move);
	if (ret) {
		pr_warn("another migration handler is registered; inactive\n");
		pvnuma_guest_free_batches();
	}
	return ret;
}

/**
 * pvnuma_guest_move_exit() - Remove the migration hook
 *
 * On return no call of the hook is in flight.
 */
void pvnuma_guest_move_exit(void)
{
	if (!per_cpu(pvnuma_guest_batch, cpumask_first(cpu_possible_mask)))
		return;
	migrate_unregister_move(pvnuma_guest_move);
	pvnuma_guest_free_batches();
}
