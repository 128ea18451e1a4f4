// SPDX-License-Identifier: GPL-2.0
/*
 * Registration of the moved-pages area through MSR_KVM_NUMA_MOVED: the
 * header is validated by area.c, then the header's page and the bitmap are
 * pinned and mapped into the host, so that the tracker can flip bits from
 * any context without touching the guest's page tables.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "pvnuma.h"

/**
 * pvnuma_gfn_to_hva() - The host address of guest frames
 * @kvm: the VM
 * @gfn: first guest frame
 * @nr: number of frames, which must all be in the memslot of @gfn
 * @hva: set to the host virtual address of @gfn
 *
 * Called with kvm->srcu held.
 *
 * Return: 0; -EINVAL when the frames are not all in one guest RAM memslot
 * (MMIO, KVM's private slots, crossing a slot's end); -EFAULT when the slot
 * is read-only (ROM) or backed by guest_memfd.
 */
int pvnuma_gfn_to_hva(struct kvm *kvm, u64 gfn, u64 nr, unsigned long *hva)
{
	struct kvm_memory_slot *slot = gfn_to_memslot(kvm, gfn);
	unsigned long addr;

	if (!slot || slot->id >= KVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (gfn + nr < gfn || gfn + nr > slot->base_gfn + slot->npages)
		return -EINVAL;
	if (slot->flags & (KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD))
		return -EFAULT;
	addr = gfn_to_hva_memslot(slot, gfn);
	if (kvm_is_error_hva(addr))
		return -EINVAL;
	*hva = addr;
	return 0;
}

static void pvnuma_map_free(struct pvnuma_map *map)
{
	if (map->vaddr)
		vunmap(map->vaddr);
	if (map->nr_pages)
		unpin_user_pages(map->pages, map->nr_pages);
	kvfree(map->pages);
	kvfree(map->pending);
	kfree(map);
}

/* Pin the header's page and the bitmap's pages and map them together. */
/* One past the highest gfn of guest RAM (the user memslots); kvm->srcu held. */
static u64 pvnuma_ram_end_gfn(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	u64 end = 0;
	int bkt;

	kvm_for_each_memslot(slot, bkt, kvm_memslots(kvm))
		if (slot->id < KVM_USER_MEM_SLOTS)
			end = max(end, slot->base_gfn + slot->npages);
	return end;
}

static int pvnuma_map_create(struct kvm *kvm, u64 area_gpa,
			     const struct kvm_numa_moved_area *hdr,
			     struct pvnuma_map **out)
{
	u64 bytes = pvnuma_area_bitmap_bytes(hdr->nr_gfns);
	u64 nr_bitmap = DIV_ROUND_UP_ULL(bytes, PAGE_SIZE);
	struct pvnuma_map *map;
	unsigned long hva;
	int ret, i;

	/*
	 * The guest chooses nr_gfns: bound what it makes the host allocate
	 * (a bitmap as large as its own) by the RAM it really has.
	 */
	if (hdr->nr_gfns > pvnuma_ram_end_gfn(kvm))
		return -ERANGE;

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	map->area_gpa = area_gpa;
	map->nr_gfns = hdr->nr_gfns;
	map->pages = kvcalloc(nr_bitmap + 1, sizeof(*map->pages),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	map->pending = kvzalloc(bytes, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	ret = -ENOMEM;
	if (!map->pages || !map->pending)
		goto err;

	for (i = 0; i < nr_bitmap + 1; i++) {
		u64 gfn = i ? gpa_to_gfn(hdr->bitmap_gpa) + i - 1 :
			      gpa_to_gfn(area_gpa);

		ret = pvnuma_gfn_to_hva(kvm, gfn, 1, &hva);
		if (ret)
			goto err;
		ret = pin_user_pages_fast(hva, 1, FOLL_WRITE | FOLL_LONGTERM,
					  &map->pages[i]);
		if (ret != 1) {
			ret = ret < 0 ? ret : -EFAULT;
			goto err;
		}
		map->nr_pages++;
	}
	ret = -ENOMEM;
	map->vaddr = vmap(map->pages, map->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!map->vaddr)
		goto err;
	map->hdr = map->vaddr + offset_in_page(area_gpa);
	map->bitmap = map->vaddr + PAGE_SIZE;
	memset(map->bitmap, 0, bytes);
	WRITE_ONCE(map->hdr->nr_moved, 0);
	*out = map;
	return 0;
err:
	pvnuma_map_free(map);
	return ret;
}

/* Drop the registration; with vm->lock held. */
static void pvnuma_area_unregister_locked(struct pvnuma_vm *vm)
{
	struct pvnuma_map *map;

	map = rcu_dereference_protected(vm->map, lockdep_is_held(&vm->lock));
	if (!map)
		return;
	RCU_INIT_POINTER(vm->map, NULL);
	synchronize_rcu();	/* for pvnuma_track_unmap() */
	pvnuma_map_free(map);
}

/**
 * pvnuma_area_unregister() - Drop @vm's registration, if any
 * @vm: the VM
 */
void pvnuma_area_unregister(struct pvnuma_vm *vm)
{
	mutex_lock(&vm->lock);
	pvnuma_area_unregister_locked(vm);
	mutex_unlock(&vm->lock);
}

/**
 * pvnuma_set_msr() - A write to MSR_KVM_NUMA_MOVED
 * @vcpu: the vCPU written
 * @data: the value
 * @host_initiated: written by the VMM (restore, reset), not the guest
 *
 * Registers, replaces or drops the VM's area; see msr.rst.
 *
 * Return: 0, or 1 to raise #GP.
 */
int pvnuma_set_msr(struct kvm_vcpu *vcpu, u64 data, bool host_initiated)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_numa_moved_area hdr;
	struct pvnuma_map *map = NULL;
	struct pvnuma_vm *vm;
	u64 gpa = 0;
	int ret, idx;

	ret = pvnuma_msr_decode(data, &gpa);
	if (ret < 0)
		goto err_nolock;
	vm = pvnuma_vm_get_or_create(kvm);
	if (!vm) {
		ret = -ENOMEM;
		goto err_nolock;
	}

	mutex_lock(&vm->lock);
	if (ret == 1) {
		/* Pinning works on current->mm: only from the VM's process. */
		ret = -EPERM;
		if (current->mm != kvm->mm)
			goto err;
		idx = srcu_read_lock(&kvm->srcu);
		ret = kvm_read_guest(kvm, gpa, &hdr, sizeof(hdr)) ? -EFAULT : 0;
		if (!ret)
			ret = pvnuma_area_check(&hdr, gpa);
		if (!ret)
			ret = pvnuma_map_create(kvm, gpa, &hdr, &map);
		srcu_read_unlock(&kvm->srcu, idx);
		if (ret)
			goto err;
	}
	pvnuma_area_unregister_locked(vm);
	vm->msr = data;
	if (map) {
		rcu_assign_pointer(vm->map, map);
		pvnuma_stat_add(vm, PVNUMA_STAT_REGISTRATIONS, 1);
		/* Pages the host moved before the guest registered. */
		pvnuma_track_queue_all(vm);
	}
	mutex_unlock(&vm->lock);
	return 0;

err:
	mutex_unlock(&vm->lock);
	pvnuma_stat_add(vm, PVNUMA_STAT_ERR_REGISTRATION, 1);
	pr_debug("VM %u: MSR write %#llx rejected: %d\n", vm->id, data, ret);
	return 1;
err_nolock:
	pvnuma_stat_add(pvnuma_vm_find(kvm), PVNUMA_STAT_ERR_REGISTRATION, 1);
	return 1;
}

/**
 * pvnuma_get_msr() - The value last written to MSR_KVM_NUMA_MOVED
 * @kvm: the VM
 *
 * Return: that value, 0 if none.
 */
u64 pvnuma_get_msr(struct kvm *kvm)
{
	struct pvnuma_vm *vm = pvnuma_vm_find(kvm);

	return vm ? READ_ONCE(vm->msr) : 0;
}
