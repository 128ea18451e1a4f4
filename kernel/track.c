// SPDX-License-Identifier: GPL-2.0
/*
 * Which guest frames are away from their home node.
 *
 * KVM calls pvnuma_track_unmap() from kvm_unmap_gfn_range() whenever the
 * host is about to unmap guest memory: reclaim, NUMA-balancing and explicit
 * migration, but also munmap, KSM, mprotect and more all look alike there
 * (MMU_NOTIFY_CLEAR).  So the hook only records candidates in a host-side
 * "pending" bitmap; a worker then looks at each candidate's page table entry
 * (anon_page_residency()) once the invalidation is over and sets or clears
 * the frame's bit in the guest's bitmap:
 *
 *   swapped out                          -> moved
 *   resident on a node other than home   -> moved
 *   resident at home, unmapped, zero page -> not moved
 *   being migrated                       -> look again later
 *
 * A frame's home is the node its host VMA is bound to (QEMU's
 * memory-backend host-nodes=N,policy=bind); memory without such a policy has
 * no home and only counts as moved when swapped out.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mempolicy.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>

#include "pvnuma.h"
#include "trace.h"

/* Gfns looked at per hold of the mmap lock. */
#define PVNUMA_TRACK_CHUNK	1024

/**
 * pvnuma_vma_home_node() - The home node of guest memory in @vma
 * @vma: a VMA of the VMM
 *
 * Return: the one node the VMA's memory policy binds or prefers, or
 * NUMA_NO_NODE.
 */
int pvnuma_vma_home_node(struct vm_area_struct *vma)
{
#ifdef CONFIG_NUMA
	struct mempolicy *pol = vma->vm_policy;

	if (!pol)
		return NUMA_NO_NODE;
	switch (pol->mode) {
	case MPOL_BIND:
	case MPOL_PREFERRED:
	case MPOL_PREFERRED_MANY:
		if (nodes_weight(pol->nodes) == 1)
			return first_node(pol->nodes);
		break;
	default:
		break;
	}
#endif
	return NUMA_NO_NODE;
}

/* Atomically set bits [start, end) of @map: racing setters lose nothing. */
static void pvnuma_bits_set_atomic(unsigned long *map, u64 start, u64 end)
{
	while (start < end) {
		u64 word = start / BITS_PER_LONG;
		unsigned int lo = start % BITS_PER_LONG;
		unsigned int n = min_t(u64, BITS_PER_LONG - lo, end - start);
		unsigned long mask = (n == BITS_PER_LONG) ? ~0UL :
				     ((1UL << n) - 1) << lo;

		atomic_long_or(mask, (atomic_long_t *)&map[word]);
		start += n;
	}
}

static void pvnuma_track_kick(struct pvnuma_vm *vm, unsigned int delay_ms)
{
	queue_delayed_work(system_unbound_wq, &vm->work,
			   msecs_to_jiffies(delay_ms));
}

/* With rcu_read_lock held. */
static void pvnuma_track_queue_map(struct pvnuma_vm *vm, struct pvnuma_map *map,
				   u64 start, u64 end)
{
	if (start >= map->nr_gfns)
		return;
	pvnuma_bits_set_atomic(map->pending, start, min(end, map->nr_gfns));
	pvnuma_track_kick(vm, READ_ONCE(pvnuma_tun.scan_delay_ms));
}

/**
 * pvnuma_track_unmap() - KVM is about to unmap guest frames of @kvm
 * @kvm: the VM
 * @range: the frames
 *
 * Called with kvm->mmu_lock held: only records the frames for the worker.
 */
void pvnuma_track_unmap(struct kvm *kvm, struct kvm_gfn_range *range)
{
	struct pvnuma_vm *vm;
	struct pvnuma_map *map;

	rcu_read_lock();
	vm = pvnuma_vm_find(kvm);
	map = vm ? rcu_dereference(vm->map) : NULL;
	if (map)
		pvnuma_track_queue_map(vm, map, range->start, range->end);
	rcu_read_unlock();
}

/**
 * pvnuma_track_faultin() - A vCPU faulted a frame of @kvm in
 * @kvm: the VM
 * @gfn: the frame
 *
 * A frame swapped in by a guest access comes home without any unmap; if
 * its bit is set, have the worker look at it again.  Cheap when it is not.
 */
void pvnuma_track_faultin(struct kvm *kvm, gfn_t gfn)
{
	struct pvnuma_vm *vm;
	struct pvnuma_map *map;

	rcu_read_lock();
	vm = pvnuma_vm_find(kvm);
	map = vm ? rcu_dereference(vm->map) : NULL;
	if (map && gfn < map->nr_gfns) {
		smp_mb();	/* the page table update, then the bit */
		if (test_bit(gfn, map->bitmap))
			pvnuma_track_queue_map(vm, map, gfn, gfn + 1);
	}
	rcu_read_unlock();
}

/**
 * pvnuma_track_queue() - Have the worker look at frames again
 * @vm: the VM
 * @gfn: first frame
 * @nr: number of frames
 */
void pvnuma_track_queue(struct pvnuma_vm *vm, u64 gfn, u64 nr)
{
	struct pvnuma_map *map;

	rcu_read_lock();
	map = rcu_dereference(vm->map);
	if (map)
		pvnuma_track_queue_map(vm, map, gfn, gfn + nr);
	rcu_read_unlock();
}

/**
 * pvnuma_track_queue_all() - Have the worker look at every frame
 * @vm: the VM, with vm->lock held and a map registered
 */
void pvnuma_track_queue_all(struct pvnuma_vm *vm)
{
	struct pvnuma_map *map;

	map = rcu_dereference_protected(vm->map, lockdep_is_held(&vm->lock));
	if (!map)
		return;
	pvnuma_bits_set_atomic(map->pending, 0, map->nr_gfns);
	pvnuma_track_kick(vm, 0);
}

/* 1: away from home, 0: not, -EAGAIN: look again later. */
static int pvnuma_classify(struct kvm *kvm, struct mm_struct *mm, u64 gfn)
{
	struct vm_area_struct *vma;
	unsigned long hva;
	int nid, home;

	if (pvnuma_gfn_to_hva(kvm, gfn, 1, &hva))
		return 0;
	vma = vma_lookup(mm, hva);
	if (!vma || !vma_is_anonymous(vma))
		return 0;
	switch (anon_page_residency(vma, hva, &nid)) {
	case ANON_PAGE_SWAPPED:
		return 1;
	case ANON_PAGE_MIGRATING:
		return -EAGAIN;
	case ANON_PAGE_PRESENT:
		home = pvnuma_vma_home_node(vma);
		return home != NUMA_NO_NODE && nid != home;
	default:
		return 0;
	}
}

/* Set or clear @gfn's bit; returns true if it changed. */
static bool pvnuma_publish(struct pvnuma_vm *vm, struct pvnuma_map *map,
			   u64 gfn, bool moved)
{
	if (moved) {
		if (test_and_set_bit(gfn, map->bitmap))
			return false;
		atomic64_inc(&map->nr_moved);
		pvnuma_stat_add(vm, PVNUMA_STAT_MARKED, 1);
	} else {
		if (!test_and_clear_bit(gfn, map->bitmap))
			return false;
		atomic64_dec(&map->nr_moved);
		pvnuma_stat_add(vm, PVNUMA_STAT_UNMARKED, 1);
	}
	trace_pvnuma_mark(vm->id, gfn, moved);
	return true;
}

/*
 * Look at up to PVNUMA_TRACK_CHUNK pending frames from *@next.  Sets
 * *@retry if some must be looked at again later.  Returns false, leaving
 * the rest pending, if the host is in the middle of unmapping guest memory
 * (reclaim, migration): their outcome is not known yet, and looking would
 * only compete with the unmapping for page table locks.
 */
static bool pvnuma_track_chunk(struct pvnuma_vm *vm, struct pvnuma_map *map,
			       struct mm_struct *mm, u64 *next, bool *retry)
{
	struct kvm *kvm = vm->kvm;
	bool quiet = true;
	unsigned long seq;
	int n = 0, idx, ret;
	u64 gfn;

	mmap_read_lock(mm);
	idx = srcu_read_lock(&kvm->srcu);
	for (gfn = find_next_bit(map->pending, map->nr_gfns, *next);
	     gfn < map->nr_gfns && n < PVNUMA_TRACK_CHUNK;
	     gfn = find_next_bit(map->pending, map->nr_gfns, gfn + 1), n++) {
		if (READ_ONCE(kvm->mmu_invalidate_in_progress)) {
			quiet = false;
			break;
		}
		if (!test_and_clear_bit(gfn, map->pending))
			continue;
		/*
		 * Same protocol as KVM's page faults: the answer only counts if
		 * no invalidation ran while it was taken.  The barriers order
		 * the reads of seq and in_progress around the page table read,
		 * pairing with the updates in kvm_mmu_invalidate_begin/end().
		 */
		seq = READ_ONCE(kvm->mmu_invalidate_seq);
		smp_rmb();	/* seq before in_progress */
		ret = -EAGAIN;
		if (!READ_ONCE(kvm->mmu_invalidate_in_progress))
			ret = pvnuma_classify(kvm, mm, gfn);
		smp_rmb();	/* see above */
		if (READ_ONCE(kvm->mmu_invalidate_in_progress) ||
		    READ_ONCE(kvm->mmu_invalidate_seq) != seq)
			ret = -EAGAIN;
		if (ret < 0) {
			set_bit(gfn, map->pending);
			*retry = true;
			continue;
		}
		if (!pvnuma_publish(vm, map, gfn, ret) || !ret)
			continue;
		/*
		 * A frame just marked may have been faulted in since we looked,
		 * by a fault whose pvnuma_track_faultin() saw the bit clear.
		 * Look once more: either we see it home, or the fault sees the
		 * bit (the barrier pairs with the one there).
		 */
		smp_mb__after_atomic();
		ret = pvnuma_classify(kvm, mm, gfn);
		if (ret < 0) {
			set_bit(gfn, map->pending);
			*retry = true;
		} else if (!ret) {
			pvnuma_publish(vm, map, gfn, false);
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);
	mmap_read_unlock(mm);
	*next = gfn;
	return quiet;
}

/**
 * pvnuma_track_work() - Verify the pending frames of a VM
 * @work: vm->work
 */
void pvnuma_track_work(struct work_struct *work)
{
	struct pvnuma_vm *vm = container_of(to_delayed_work(work),
					    struct pvnuma_vm, work);
	struct mm_struct *mm = vm->kvm->mm;
	struct pvnuma_map *map;
	bool retry = false;
	u64 next = 0;

	if (!mmget_not_zero(mm))
		return;
	mutex_lock(&vm->lock);
	map = rcu_dereference_protected(vm->map, lockdep_is_held(&vm->lock));
	if (!map)
		goto out;
	while (next < map->nr_gfns) {
		if (!pvnuma_track_chunk(vm, map, mm, &next, &retry)) {
			retry = true;
			break;
		}
		cond_resched();
	}
	/* The header: nr_moved, then seq, for a guest that polls seq. */
	WRITE_ONCE(map->hdr->nr_moved, atomic64_read(&map->nr_moved));
	smp_wmb();	/* the bits and nr_moved before seq */
	WRITE_ONCE(map->hdr->seq, ++map->seq);
	if (retry)
		pvnuma_track_kick(vm, max(1U, READ_ONCE(pvnuma_tun.scan_delay_ms)));
out:
	mutex_unlock(&vm->lock);
	mmput(mm);
}
