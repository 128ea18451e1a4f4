// SPDX-License-Identifier: GPL-2.0
/*
 * The migration hook.  When the kernel migrates a folio (NUMA balancing,
 * compaction, mbind) and the host has moved that folio's frames away from
 * their home node, ask the host to move the data to the new folio with
 * KVM_HC_NUMA_MOVE instead of copying it: the host then neither swaps it
 * back in onto the old node nor has the guest copy it across the
 * interconnect.  On any answer but success the kernel copies as usual.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include "pvnuma_guest.h"

#define PVG_HUGE_PAGES	512

bool pvnuma_guest_eager;

struct pvnuma_guest_pcpu {
	u64 stats[PVG_NR_STATS];
};

static DEFINE_PER_CPU(struct pvnuma_guest_pcpu, pvnuma_guest_pcpu);

/*
 * One request per CPU, in the direct map (the host needs its guest
 * physical address; per-CPU and stack memory may be vmalloc'ed).
 */
static struct kvm_numa_move_req *pvnuma_guest_reqs;
#define PVG_REQ_STRIDE	(SMP_CACHE_BYTES / sizeof(struct kvm_numa_move_req) + 1)

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

/* Has the host moved every frame of [pfn, pfn + nr) away from home? */
static bool pvnuma_guest_all_marked(unsigned long pfn, unsigned long nr)
{
	const struct pvnuma_guest_area *a = &pvnuma_guest_area;

	if (pfn + nr > a->nr_gfns)
		return false;
	return find_next_zero_bit(a->bitmap, pfn + nr, pfn) >= pfn + nr;
}

static bool pvnuma_guest_move(struct folio *dst, struct folio *src)
{
	unsigned long nr = folio_nr_pages(src);
	struct kvm_numa_move_req *req;
	long ret;
	int status;
	u64 t;

	if (!READ_ONCE(pvnuma_guest_registered))
		return false;
	if (nr != 1 && nr != PVG_HUGE_PAGES) {
		pvg_stat(PVG_STAT_UNSUPPORTED, 1);
		return false;
	}
	if (!pvnuma_guest_all_marked(folio_pfn(src), nr)) {
		pvg_stat(PVG_STAT_NOT_MARKED, 1);
		return false;
	}

	req = &pvnuma_guest_reqs[get_cpu() * PVG_REQ_STRIDE];
	req->src_gfn = folio_pfn(src);
	req->dst_gfn = folio_pfn(dst);
	req->nr_pages = nr;
	req->status = 0;
	t = ktime_get_ns();
	ret = kvm_hypercall3(KVM_HC_NUMA_MOVE, __pa(req), 1,
			     READ_ONCE(pvnuma_guest_eager) ? KVM_NUMA_MOVE_EAGER : 0);
	pvg_stat(PVG_STAT_HYPERCALL_NS, ktime_get_ns() - t);
	pvg_stat(PVG_STAT_CALLS, 1);
	status = req->status;
	put_cpu();

	if (ret == 1 && !status) {
		pvg_stat(PVG_STAT_PAGES_MOVED, nr);
		return true;
	}
	if (ret == 0 && status == -KVM_EOPNOTSUPP)
		pvg_stat(PVG_STAT_DECLINED, 1);
	else
		pvg_stat(PVG_STAT_ERROR, 1);
	return false;
}

/**
 * pvnuma_guest_move_init() - Install the migration hook
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_guest_move_init(void)
{
	int ret;

	pvnuma_guest_reqs = kcalloc(nr_cpu_ids * PVG_REQ_STRIDE,
				    sizeof(*pvnuma_guest_reqs), GFP_KERNEL);
	if (!pvnuma_guest_reqs)
		return -ENOMEM;
	ret = migrate_register_move(pvnuma_guest_move);
	if (ret) {
		pr_warn("another migration handler is registered; inactive\n");
		kfree(pvnuma_guest_reqs);
		pvnuma_guest_reqs = NULL;
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
	if (!pvnuma_guest_reqs)
		return;
	migrate_unregister_move(pvnuma_guest_move);
	kfree(pvnuma_guest_reqs);
	pvnuma_guest_reqs = NULL;
}
