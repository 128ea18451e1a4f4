/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvnuma host module: declarations shared between its files.
 *
 * vm.c     per-VM state: created on the first use by a VM, freed when KVM
 *          destroys the VM or the module is unloaded
 * area.c   the shared area: validation (pure)
 * register.c  MSR_KVM_NUMA_MOVED: mapping the area into the host
 * track.c  which gfns are away from their home node: candidates from
 *          kvm_unmap_gfn_range(), verified by a worker, published as bits
 * req.c    KVM_HC_NUMA_MOVE: batch validation (pure)
 * move.c   KVM_HC_NUMA_MOVE: the moves
 * sysfs.c  /sys/kernel/pvnuma: tunables, global and per-VM statistics
 */
#ifndef _PVNUMA_H
#define _PVNUMA_H

#include <linux/kobject.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "area.h"

/* Statistics, kept globally (per CPU) and per VM; sysfs shows each by name. */
enum pvnuma_stat {
	PVNUMA_STAT_MARKED,		/* bits set: a gfn left its home node */
	PVNUMA_STAT_UNMARKED,		/* bits cleared: a gfn is home again */
	PVNUMA_STAT_REQUESTS,		/* KVM_HC_NUMA_MOVE calls */
	PVNUMA_STAT_ENTRIES,		/* entries in those calls */
	PVNUMA_STAT_MOVED_LAZY,		/* pages moved without copy, lazily */
	PVNUMA_STAT_MOVED_EAGER,	/* pages moved and placed on dst's node */
	PVNUMA_STAT_SWAPIN_EAGER,	/* eager: read from swap onto dst's node */
	PVNUMA_STAT_MIGRATED_EAGER,	/* eager: migrated once to dst's node */
	PVNUMA_STAT_BYTES_COPIED,	/* bytes the host copied (migrations) */
	PVNUMA_STAT_PLACE_FAILED,	/* eager: pages left off dst's node */
	PVNUMA_STAT_MAPPED_EAGER,	/* eager: pages mapped for the vCPU */
	PVNUMA_STAT_FALLBACKS,		/* entries answered with an error */
	PVNUMA_STAT_ERR_INVAL,		/* ... -KVM_EINVAL */
	PVNUMA_STAT_ERR_FAULT,		/* ... -KVM_EFAULT */
	PVNUMA_STAT_ERR_DECLINED,	/* ... -KVM_EOPNOTSUPP (any reason) */
	PVNUMA_STAT_ERR_RATELIMITED,	/* of those, by the rate limit */
	PVNUMA_STAT_ERR_HOME,		/* of those, the source was at home */
	PVNUMA_STAT_ERR_BUSY,		/* of those, the move lost a race */
	PVNUMA_STAT_ERR_CALL,		/* whole calls rejected */
	PVNUMA_STAT_REGISTRATIONS,	/* areas registered */
	PVNUMA_STAT_ERR_REGISTRATION,	/* MSR writes answered with #GP */
	PVNUMA_NR_STATS,
};

struct pvnuma_stats {
	u64 v[PVNUMA_NR_STATS];
};

/* Tunables (sysfs.c); read with READ_ONCE, no lock. */
enum pvnuma_mode {
	PVNUMA_MODE_GUEST,	/* as the guest asks (KVM_NUMA_MOVE_EAGER) */
	PVNUMA_MODE_LAZY,	/* always lazy */
	PVNUMA_MODE_EAGER,	/* always eager */
};

struct pvnuma_tunables {
	bool enabled;
	enum pvnuma_mode mode;
	unsigned int batch_limit;	/* entries served per call, 1..512 */
	unsigned int rate_limit;	/* pages per second per VM, 0: none */
	unsigned int scan_delay_ms;	/* from unmap to verification */
};

extern struct pvnuma_tunables pvnuma_tun;

/* A registered area, mapped into the host. */
struct pvnuma_map {
	u64 area_gpa;
	u64 nr_gfns;
	struct kvm_numa_moved_area *hdr;	/* vmap of the pinned pages */
	unsigned long *bitmap;			/* the guest's bitmap */
	unsigned long *pending;			/* host only: gfns to verify */
	struct page **pages;			/* pinned header + bitmap */
	unsigned int nr_pages;
	void *vaddr;
	atomic64_t nr_moved;
	u64 seq;
};

struct pvnuma_vm {
	struct hlist_node node;		/* in pvnuma_vms, by kvm */
	struct kvm *kvm;
	unsigned int id;		/* for the sysfs name */

	struct mutex lock;		/* registration, tracking worker */
	u64 msr;			/* last value written to the MSR */
	struct pvnuma_map __rcu *map;	/* NULL when not registered */
	struct delayed_work work;

	spinlock_t rate_lock;		/* the token bucket below */
	u64 rate_tokens;
	u64 rate_stamp;			/* ktime_get_ns() of the last refill */

	atomic64_t stats[PVNUMA_NR_STATS];
	struct kobject kobj;		/* /sys/kernel/pvnuma/vms/<pid>-<id> */
};

/* vm.c */
struct pvnuma_vm *pvnuma_vm_find(struct kvm *kvm);
struct pvnuma_vm *pvnuma_vm_get_or_create(struct kvm *kvm);
void pvnuma_vm_destroy(struct kvm *kvm);
void pvnuma_vm_destroy_all(void);
void pvnuma_stat_add(struct pvnuma_vm *vm, enum pvnuma_stat stat, u64 n);
void pvnuma_stats_sum(struct pvnuma_stats *out);

/* register.c: registration through the MSR */
int pvnuma_gfn_to_hva(struct kvm *kvm, u64 gfn, u64 nr, unsigned long *hva);
int pvnuma_set_msr(struct kvm_vcpu *vcpu, u64 data, bool host_initiated);
u64 pvnuma_get_msr(struct kvm *kvm);
void pvnuma_area_unregister(struct pvnuma_vm *vm);

/* track.c */
void pvnuma_track_unmap(struct kvm *kvm, struct kvm_gfn_range *range);
void pvnuma_track_faultin(struct kvm *kvm, gfn_t gfn);
void pvnuma_track_queue(struct pvnuma_vm *vm, u64 gfn, u64 nr);
void pvnuma_track_queue_all(struct pvnuma_vm *vm);
void pvnuma_track_work(struct work_struct *work);
int pvnuma_vma_home_node(struct vm_area_struct *vma);

/* move.c */
unsigned long pvnuma_move(struct kvm_vcpu *vcpu, unsigned long gpa,
			  unsigned long nr, unsigned long flags);

/* sysfs.c */
int pvnuma_sysfs_init(void);
void pvnuma_sysfs_exit(void);
int pvnuma_sysfs_vm_add(struct pvnuma_vm *vm);
void pvnuma_sysfs_vm_del(struct pvnuma_vm *vm);

#endif /* _PVNUMA_H */
