// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM state.  Created on a VM's first registration or request, found
 * from struct kvm through an RCU hash table (no lock on the lookup: it runs
 * from kvm_unmap_gfn_range() with mmu_lock held), freed when KVM destroys
 * the VM or when the module is unloaded.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/slab.h>

#include "pvnuma.h"

static DEFINE_HASHTABLE(pvnuma_vms, 6);
static DEFINE_MUTEX(pvnuma_vms_lock);	/* writers of pvnuma_vms */
static unsigned int pvnuma_vm_next_id;
static DEFINE_PER_CPU(struct pvnuma_stats, pvnuma_pcpu_stats);

void pvnuma_stat_add(struct pvnuma_vm *vm, enum pvnuma_stat stat, u64 n)
{
	if (!n)
		return;
	this_cpu_add(pvnuma_pcpu_stats.v[stat], n);
	if (vm)
		atomic64_add(n, &vm->stats[stat]);
}

/**
 * pvnuma_stats_sum() - Add up the global statistics
 * @out: filled with the sums over all CPUs
 */
void pvnuma_stats_sum(struct pvnuma_stats *out)
{
	int cpu, i;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu)
		for (i = 0; i < PVNUMA_NR_STATS; i++)
			out->v[i] += per_cpu(pvnuma_pcpu_stats.v[i], cpu);
}

/**
 * pvnuma_vm_find() - The state of @kvm, if any
 * @kvm: the VM
 *
 * Callers are KVM's callbacks for @kvm, which cannot run concurrently with
 * pvnuma_vm_destroy() for the same VM, or hold the RCU read lock.
 *
 * Return: the state or NULL.
 */
struct pvnuma_vm *pvnuma_vm_find(struct kvm *kvm)
{
	struct pvnuma_vm *vm;

	rcu_read_lock();
	hash_for_each_possible_rcu(pvnuma_vms, vm, node, (unsigned long)kvm)
		if (vm->kvm == kvm)
			goto out;
	vm = NULL;
out:
	rcu_read_unlock();
	return vm;
}

/**
 * pvnuma_vm_get_or_create() - The state of @kvm, created if needed
 * @kvm: the VM
 *
 * May sleep.
 *
 * Return: the state, or NULL if out of memory.
 */
struct pvnuma_vm *pvnuma_vm_get_or_create(struct kvm *kvm)
{
	struct pvnuma_vm *vm, *new;
	int i;

	vm = pvnuma_vm_find(kvm);
	if (vm)
		return vm;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return NULL;
	new->kvm = kvm;
	mutex_init(&new->lock);
	spin_lock_init(&new->rate_lock);
	INIT_DELAYED_WORK(&new->work, pvnuma_track_work);
	for (i = 0; i < PVNUMA_NR_STATS; i++)
		atomic64_set(&new->stats[i], 0);

	mutex_lock(&pvnuma_vms_lock);
	/* Another vCPU of the same VM may have won the race. */
	hash_for_each_possible(pvnuma_vms, vm, node, (unsigned long)kvm)
		if (vm->kvm == kvm)
			goto out_unlock;
	new->id = pvnuma_vm_next_id++;
	if (pvnuma_sysfs_vm_add(new)) {
		/* @new is freed. */
		mutex_unlock(&pvnuma_vms_lock);
		return NULL;
	}
	hash_add_rcu(pvnuma_vms, &new->node, (unsigned long)kvm);
	vm = new;
	new = NULL;
out_unlock:
	mutex_unlock(&pvnuma_vms_lock);
	kfree(new);
	return vm;
}

/* Called with pvnuma_vms_lock held and @vm already unhashed. */
static void pvnuma_vm_free(struct pvnuma_vm *vm)
{
	pvnuma_area_unregister(vm);
	cancel_delayed_work_sync(&vm->work);
	pvnuma_sysfs_vm_del(vm);	/* frees @vm on the last put */
}

/**
 * pvnuma_vm_destroy() - Free the state of @kvm
 * @kvm: the VM being destroyed
 */
void pvnuma_vm_destroy(struct kvm *kvm)
{
	struct pvnuma_vm *vm;

	mutex_lock(&pvnuma_vms_lock);
	hash_for_each_possible(pvnuma_vms, vm, node, (unsigned long)kvm)
		if (vm->kvm == kvm)
			break;
	if (vm) {
		hash_del_rcu(&vm->node);
		synchronize_rcu();
		pvnuma_vm_free(vm);
	}
	mutex_unlock(&pvnuma_vms_lock);
}

/**
 * pvnuma_vm_destroy_all() - Free the state of every VM, on module unload
 *
 * Called after the handler is unregistered from KVM, so no callback can
 * create or use a state any more.  The VMs live on without the feature.
 */
void pvnuma_vm_destroy_all(void)
{
	struct hlist_node *tmp;
	struct pvnuma_vm *vm;
	int bkt;

	mutex_lock(&pvnuma_vms_lock);
	hash_for_each_safe(pvnuma_vms, bkt, tmp, vm, node) {
		hash_del_rcu(&vm->node);
		synchronize_rcu();
		pvnuma_vm_free(vm);
	}
	mutex_unlock(&pvnuma_vms_lock);
}
