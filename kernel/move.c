// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_HC_NUMA_MOVE: move the data of guest frames to other guest frames
 * without the guest copying it.
 *
 * For each entry whose source the host has moved away from its home node
 * (swapped out, or resident on another node), the host moves the page
 * table entries, swap entries included, from the source's host address to
 * the destination's with mm_move_anon_pages(): no data is read or copied.
 * Lazy mode stops there: the next access to the destination swaps the data
 * in under the destination's memory policy, i.e. onto its home node.
 * Eager mode then faults the destination in now (swap-in straight onto the
 * destination's node) or migrates it there once if it is resident
 * elsewhere, and maps it into the calling vCPU's page tables, so that the
 * guest's first touch of each page costs no exit.
 *
 * An entry whose source is at home is declined: moving it would strand the
 * data on the wrong node, so the guest copies it as it would without us.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>

#include <asm/kvm_numa_moved.h>

#include "pvnuma.h"
#include "req.h"
#include "trace.h"

/* Take @pages tokens from @vm's bucket; false if the rate limit says no. */
static bool pvnuma_rate_take(struct pvnuma_vm *vm, u32 pages)
{
	unsigned int limit = READ_ONCE(pvnuma_tun.rate_limit);
	u64 now, refill;
	bool ok;

	if (!limit)
		return true;
	spin_lock(&vm->rate_lock);
	now = ktime_get_ns();
	/* At most one second's worth: the bucket holds @limit tokens. */
	refill = div64_u64(min_t(u64, now - vm->rate_stamp, NSEC_PER_SEC) * limit,
			   NSEC_PER_SEC);
	if (refill) {
		vm->rate_tokens = min_t(u64, vm->rate_tokens + refill, limit);
		vm->rate_stamp = now;
	}
	ok = vm->rate_tokens >= pages;
	if (ok)
		vm->rate_tokens -= pages;
	spin_unlock(&vm->rate_lock);
	return ok;
}

/*
 * Is the source worth moving?  0: yes, every page is away from home or
 * holds no data; -KVM_EOPNOTSUPP: a page is at home, or being migrated;
 * -KVM_EFAULT: not anonymous private memory of the VMM.
 */
static int pvnuma_src_moved(struct mm_struct *mm, unsigned long hva, u32 nr)
{
	struct vm_area_struct *vma;
	int ret = 0, home, nid;
	unsigned long addr;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, hva);
	if (!vma || !vma_is_anonymous(vma) || (vma->vm_flags & VM_SHARED) ||
	    hva + nr * PAGE_SIZE > vma->vm_end) {
		ret = -KVM_EFAULT;
		goto out;
	}
	home = pvnuma_vma_home_node(vma);
	for (addr = hva; addr < hva + nr * PAGE_SIZE; addr += PAGE_SIZE) {
		switch (anon_page_residency(vma, addr, &nid)) {
		case ANON_PAGE_NONE:
		case ANON_PAGE_SWAPPED:
			continue;
		case ANON_PAGE_PRESENT:
			if (home != NUMA_NO_NODE && nid != home)
				continue;
			fallthrough;
		default:
			ret = -KVM_EOPNOTSUPP;
			goto out;
		}
	}
out:
	mmap_read_unlock(mm);
	return ret;
}

static int pvnuma_zap(struct mm_struct *mm, unsigned long hva, u32 nr)
{
	struct vm_area_struct *vma;
	int ret = -EFAULT;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, hva);
	if (vma && vma_is_anonymous(vma) && hva + nr * PAGE_SIZE <= vma->vm_end) {
		zap_page_range_single(vma, hva, nr * PAGE_SIZE, NULL);
		ret = 0;
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * How often a move may clear what it finds in its way before it gives up:
 * each clearing takes everything left in the range, so more than one is
 * needed only if the VMM keeps faulting the same addresses in meanwhile.
 */
#define PVNUMA_MOVE_CLEARS	4

/*
 * Move the page table entries of [src, src + len) to dst, clearing what is
 * in the way at dst: the caller owns those addresses and wants them
 * replaced.  Returns the bytes moved (less than @len only on an error,
 * which *@err then holds).
 */
static size_t pvnuma_move_range(struct mm_struct *mm, unsigned long dst,
				unsigned long src, size_t len, int *err)
{
	size_t done = 0;
	int clears = 0;
	ssize_t ret;

	*err = 0;
	while (done < len) {
		ret = mm_move_anon_pages(mm, dst + done, src + done, len - done,
					 UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES);
		if (ret > 0) {
			done += ret;
			continue;
		}
		/*
		 * -EEXIST: dst has a page, a swap entry or a THP there: stale
		 * data, or a zero page a read of the VMM's faulted in.
		 */
		if (ret == -EEXIST && clears++ < PVNUMA_MOVE_CLEARS &&
		    !pvnuma_zap(mm, dst + done, (len - done) >> PAGE_SHIFT))
			continue;
		*err = ret;
		break;
	}
	return done;
}

/*
 * Move the page table entries of [src, src + nr pages) to dst.  dst's old
 * contents are the guest's to discard: it asked for them to be replaced.
 * Returns 0; -EIO if the data is left split between src and dst; -EINTR
 * if the VMM is being killed (the data may be split, nobody will look);
 * or another negative errno with src holding all of its data.
 */
static int pvnuma_move_ptes(struct mm_struct *mm, unsigned long dst,
			    unsigned long src, u32 nr)
{
	size_t len = nr * PAGE_SIZE, done, back = 0;
	int err, undo_err, try;

	done = pvnuma_move_range(mm, dst, src, len, &err);
	if (done == len)
		return 0;
	if (!done)
		return err;
	/* The VMM is being killed: its memory goes with it, undo nothing. */
	if (fatal_signal_pending(current))
		return -EINTR;
	/*
	 * Partly moved (a folio was pinned, or memory ran out): put the moved
	 * part back, so that src is whole and the guest can copy it.  What
	 * src holds now in that part is not the guest's data, which is at
	 * dst: at most a zero page a read of the VMM faulted into a hole the
	 * move left.  It is cleared out of the way like dst's old contents.
	 */
	for (try = 0; try < PVNUMA_MOVE_CLEARS && back < done; try++) {
		back += pvnuma_move_range(mm, src + back, dst + back, done - back,
					  &undo_err);
		cond_resched();
	}
	if (back == done)
		return -EBUSY;
	if (fatal_signal_pending(current))
		return -EINTR;
	/*
	 * The data is split between src and dst (a page of dst pinned, or
	 * shared by KSM, since the move; no memory): not seen in testing.
	 * The guest would copy src over dst and lose what is there, so the
	 * caller stops the VM instead.
	 */
	pr_err_ratelimited("could not undo a partial move at %#lx: %zu of %zu bytes (%d); stopping the VM\n",
			   src, back, done, undo_err);
	return -EIO;
}

/* Migrate the folio of @page to @nid once; returns the bytes copied. */
static u64 pvnuma_migrate(struct vm_area_struct *vma, struct page *page,
			  int nid)
{
	struct folio *folio = page_folio(page);
	u64 bytes = folio_size(folio);

	/*
	 * A folio still in a per-CPU LRU batch (just swapped in from a swap
	 * cache page on the wrong node) cannot be isolated: it is left where
	 * it is and NUMA balancing gets to it later.
	 */
	if (migrate_misplaced_folio_prepare(folio, vma, nid)) {
		put_page(page);
		return 0;
	}
	put_page(page);
	return migrate_misplaced_folio(folio, vma, nid) ? 0 : bytes;
}

/* Pages one get_user_pages_remote() call of pvnuma_place() swaps in. */
#define PVNUMA_PLACE_BATCH	64

/*
 * Eager: bring the data at dst onto dst's home node now.  Runs of swapped
 * out pages are swapped in by one get_user_pages_remote() call each (a
 * swap-in allocates by dst's policy: onto its home node); a page resident
 * elsewhere, or found in the swap cache on another node, is migrated once.
 */
static void pvnuma_place(struct pvnuma_vm *vm, struct mm_struct *mm,
			 unsigned long dst, u32 nr)
{
	u64 swapins = 0, migrated = 0, bytes = 0, failed = 0;
	struct page *pages[PVNUMA_PLACE_BATCH];
	unsigned long addr, end = dst + nr * PAGE_SIZE;
	struct vm_area_struct *vma;
	int home, nid, i;
	long got;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, dst);
	if (!vma)
		goto out;
	home = pvnuma_vma_home_node(vma);
	for (addr = dst; addr < end; addr += got * PAGE_SIZE) {
		enum anon_page_residency state;
		unsigned long run = 1;

		got = 1;
		state = anon_page_residency(vma, addr, &nid);
		if (state == ANON_PAGE_SWAPPED) {
			while (run < PVNUMA_PLACE_BATCH && addr + run * PAGE_SIZE < end &&
			       anon_page_residency(vma, addr + run * PAGE_SIZE, &nid) ==
			       ANON_PAGE_SWAPPED)
				run++;
		} else if (state != ANON_PAGE_PRESENT || home == NUMA_NO_NODE ||
			   nid == home) {
			continue;
		}
		got = get_user_pages_remote(mm, addr, run, 0, pages, NULL);
		if (got <= 0) {
			failed++;
			got = 1;
			continue;
		}
		if (state == ANON_PAGE_SWAPPED)
			swapins += got;
		for (i = 0; i < got; i++) {
			struct folio *folio;
			u64 copied;
			int j;

			if (!pages[i])
				continue;
			if (home == NUMA_NO_NODE || page_to_nid(pages[i]) == home) {
				put_page(pages[i]);
				continue;
			}
			/*
			 * Resident elsewhere, or found in the swap cache
			 * elsewhere: migrate its folio once, holding no other
			 * reference to it (that would make the migration fail).
			 */
			folio = page_folio(pages[i]);
			for (j = i + 1; j < got; j++) {
				if (pages[j] && page_folio(pages[j]) == folio) {
					put_page(pages[j]);
					pages[j] = NULL;
				}
			}
			copied = pvnuma_migrate(vma, pages[i], home);
			if (copied) {
				migrated += copied / PAGE_SIZE;
				bytes += copied;
			} else {
				failed++;
			}
		}
	}
out:
	mmap_read_unlock(mm);
	pvnuma_stat_add(vm, PVNUMA_STAT_SWAPIN_EAGER, swapins);
	pvnuma_stat_add(vm, PVNUMA_STAT_MIGRATED_EAGER, migrated);
	pvnuma_stat_add(vm, PVNUMA_STAT_BYTES_COPIED, bytes);
	pvnuma_stat_add(vm, PVNUMA_STAT_PLACE_FAILED, failed);
}

/*
 * Eager: map dst into @vcpu's page tables now (KVM_PRE_FAULT_MEMORY's way).
 * Best effort: a page left unmapped is faulted in by the guest as usual.
 */
static void pvnuma_map(struct pvnuma_vm *vm, struct kvm_vcpu *vcpu,
		       const struct kvm_numa_move_req *r)
{
	int ret;

	ret = kvm_numa_moved_map(vcpu, gfn_to_gpa(r->dst_gfn),
				 (u64)r->nr_pages << PAGE_SHIFT);
	if (!ret)
		pvnuma_stat_add(vm, PVNUMA_STAT_MAPPED_EAGER, r->nr_pages);
}

/* Serve one validated entry for @vcpu; returns its status. */
static int pvnuma_move_one(struct pvnuma_vm *vm, struct kvm_vcpu *vcpu,
			   const struct kvm_numa_move_req *r, bool eager)
{
	struct kvm *kvm = vm->kvm;
	struct mm_struct *mm = kvm->mm;
	unsigned long src, dst;
	int ret;

	ret = pvnuma_gfn_to_hva(kvm, r->src_gfn, r->nr_pages, &src);
	if (!ret)
		ret = pvnuma_gfn_to_hva(kvm, r->dst_gfn, r->nr_pages, &dst);
	if (ret)
		return ret == -EINVAL ? -KVM_EINVAL : -KVM_EFAULT;

	ret = pvnuma_src_moved(mm, src, r->nr_pages);
	if (ret) {
		/* The guest's bit was stale: have it corrected. */
		if (ret == -KVM_EOPNOTSUPP) {
			pvnuma_stat_add(vm, PVNUMA_STAT_ERR_HOME, 1);
			pvnuma_track_queue(vm, r->src_gfn, r->nr_pages);
		}
		return ret;
	}

	ret = pvnuma_move_ptes(mm, dst, src, r->nr_pages);
	switch (ret) {
	case 0:
		break;
	case -EBUSY:	/* a folio is pinned, shared or being split */
	case -EAGAIN:	/* a PTE or folio changed under the move */
	case -EEXIST:	/* dst was faulted in again between zap and move */
	case -ENOMEM:
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_BUSY, 1);
		return -KVM_EOPNOTSUPP;
	case -EIO:	/* the data is split, see pvnuma_move_ptes() */
		kvm_vm_dead(kvm);
		return -KVM_EFAULT;
	default:	/* -EINTR: the VMM is being killed */
		return -KVM_EFAULT;
	}
	if (eager) {
		pvnuma_place(vm, mm, dst, r->nr_pages);
		pvnuma_map(vm, vcpu, r);
	}
	/*
	 * The unmaps above queued both ranges, but the worker may have looked
	 * before the move completed: have it look again at the final state.
	 */
	pvnuma_track_queue(vm, r->src_gfn, r->nr_pages);
	pvnuma_track_queue(vm, r->dst_gfn, r->nr_pages);
	pvnuma_stat_add(vm, eager ? PVNUMA_STAT_MOVED_EAGER :
				    PVNUMA_STAT_MOVED_LAZY, r->nr_pages);
	return 0;
}

/* The status of entry @r, which pvnuma_req_check() has validated. */
static int pvnuma_serve(struct pvnuma_vm *vm, struct kvm_vcpu *vcpu,
			const struct kvm_numa_move_req *r, bool within_limit,
			bool eager)
{
	if (r->status)
		return r->status;
	if (!READ_ONCE(pvnuma_tun.enabled) || !within_limit)
		return -KVM_EOPNOTSUPP;
	if (!pvnuma_rate_take(vm, r->nr_pages)) {
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_RATELIMITED, 1);
		return -KVM_EOPNOTSUPP;
	}
	return pvnuma_move_one(vm, vcpu, r, eager);
}

static void pvnuma_count_status(struct pvnuma_vm *vm, int status)
{
	switch (status) {
	case 0:
		return;
	case -KVM_EINVAL:
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_INVAL, 1);
		break;
	case -KVM_EFAULT:
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_FAULT, 1);
		break;
	default:
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_DECLINED, 1);
		break;
	}
	pvnuma_stat_add(vm, PVNUMA_STAT_FALLBACKS, 1);
}

/* Is the whole array in writable guest RAM, so that statuses can be written? */
static bool pvnuma_array_ok(struct kvm *kvm, u64 gpa, u64 bytes)
{
	unsigned long hva;
	u64 gfn;

	for (gfn = gpa_to_gfn(gpa); gfn <= gpa_to_gfn(gpa + bytes - 1); gfn++)
		if (pvnuma_gfn_to_hva(kvm, gfn, 1, &hva))
			return false;
	return true;
}

static long pvnuma_move_batch(struct pvnuma_vm *vm, struct kvm_vcpu *vcpu,
			      u64 gpa, u64 nr, u64 flags)
{
	struct kvm *kvm = vm->kvm;
	u64 bytes = nr * sizeof(struct kvm_numa_move_req);
	struct kvm_numa_move_req *reqs;
	struct pvnuma_range *scratch;
	unsigned int i, limit;
	long ret, done = 0;
	bool eager;

	ret = pvnuma_req_check_call(gpa, nr, flags);
	if (ret)
		return ret;
	if (!pvnuma_array_ok(kvm, gpa, bytes))
		return -KVM_EFAULT;
	/* Only the VMM's own thread can move its memory. */
	if (current->mm != kvm->mm)
		return -KVM_EOPNOTSUPP;

	reqs = kvmalloc(bytes, GFP_KERNEL_ACCOUNT);
	scratch = kvmalloc_array(2 * nr, sizeof(*scratch), GFP_KERNEL_ACCOUNT);
	ret = -KVM_EOPNOTSUPP;
	if (!reqs || !scratch)
		goto out;
	ret = -KVM_EFAULT;
	if (kvm_read_guest(kvm, gpa, reqs, bytes))
		goto out;

	switch (READ_ONCE(pvnuma_tun.mode)) {
	case PVNUMA_MODE_LAZY:
		eager = false;
		break;
	case PVNUMA_MODE_EAGER:
		eager = true;
		break;
	default:
		eager = flags & KVM_NUMA_MOVE_EAGER;
		break;
	}
	limit = READ_ONCE(pvnuma_tun.batch_limit);

	pvnuma_req_check(reqs, nr, scratch);
	for (i = 0; i < nr; i++) {
		struct kvm_numa_move_req *r = &reqs[i];

		r->status = pvnuma_serve(vm, vcpu, r, i < limit, eager);
		pvnuma_count_status(vm, r->status);
		trace_pvnuma_move(vm->id, r->src_gfn, r->dst_gfn, r->nr_pages,
				  eager, r->status);
		done += !r->status;
		cond_resched();
	}
	pvnuma_stat_add(vm, PVNUMA_STAT_ENTRIES, nr);

	/*
	 * The array was writable RAM when checked, but the VMM may have
	 * deleted or changed its memslot since: then the guest learns nothing
	 * about the entries, exactly as for any other failed write.
	 */
	ret = kvm_write_guest(kvm, gpa, reqs, bytes) ? -KVM_EFAULT : done;
out:
	kvfree(scratch);
	kvfree(reqs);
	return ret;
}

/**
 * pvnuma_move() - The KVM_HC_NUMA_MOVE hypercall
 * @vcpu: the calling vCPU, at CPL 0 (KVM checked)
 * @gpa: a0
 * @nr: a1
 * @flags: a2
 *
 * Return: the number of entries moved, or a negative KVM error for the
 * whole call; see hypercalls.rst.
 */
unsigned long pvnuma_move(struct kvm_vcpu *vcpu, unsigned long gpa,
			  unsigned long nr, unsigned long flags)
{
	struct pvnuma_vm *vm = pvnuma_vm_get_or_create(vcpu->kvm);
	long ret;

	if (!vm)
		return -KVM_EOPNOTSUPP;
	pvnuma_stat_add(vm, PVNUMA_STAT_REQUESTS, 1);
	ret = pvnuma_move_batch(vm, vcpu, gpa, nr, flags);
	if (ret < 0)
		pvnuma_stat_add(vm, PVNUMA_STAT_ERR_CALL, 1);
	trace_pvnuma_request(vm->id, gpa, nr, flags, ret);
	return ret;
}
