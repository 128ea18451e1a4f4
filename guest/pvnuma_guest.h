/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvnuma guest driver: declarations shared between its files.
 *
 * main.c   detection, and the order things are set up and torn down in
 * area.c   the moved-pages area: allocated, registered with the host
 *          through MSR_KVM_NUMA_MOVED, grown on memory hot-add, disabled
 *          on reboot, panic and unload
 * move.c   the migration hook: a migrating folio the host has moved away
 *          from home is moved by KVM_HC_NUMA_MOVE instead of copied
 * sysfs.c  /sys/kernel/pvnuma_guest: state, mode, statistics
 */
#ifndef _PVNUMA_GUEST_H
#define _PVNUMA_GUEST_H

#include <linux/kvm_para.h>
#include <linux/types.h>

/* True when the host advertises KVM_FEATURE_NUMA_MOVED. */
extern bool pvnuma_guest_host_has_feature;

enum pvnuma_guest_stat {
	PVG_STAT_PAGES_MOVED,		/* pages the host moved for us */
	PVG_STAT_CALLS,			/* KVM_HC_NUMA_MOVE calls */
	PVG_STAT_HYPERCALL_NS,		/* time spent in them */
	PVG_STAT_NOT_MARKED,		/* copied: the host had not moved it */
	PVG_STAT_DECLINED,		/* copied: the host declined */
	PVG_STAT_ERROR,			/* copied: the host returned an error */
	PVG_STAT_UNSUPPORTED,		/* copied: neither 4 KiB nor 2 MiB */
	PVG_STAT_PAGES_COPIED_PARTIAL,	/* pages of partly moved 2 MiB folios copied */
	PVG_NR_STATS,
};

/*
 * The registered area.  Replaced by a larger one when memory is hot-added
 * above nr_gfns: read it under rcu_read_lock().
 */
struct pvnuma_guest_area {
	struct kvm_numa_moved_area *hdr;
	unsigned long *bitmap;
	u64 nr_gfns;
	size_t bitmap_bytes;
};

extern struct pvnuma_guest_area __rcu *pvnuma_guest_area;
extern bool pvnuma_guest_registered;
extern bool pvnuma_guest_eager;

/* area.c */
int pvnuma_guest_area_register(void);
void pvnuma_guest_area_unregister(void);

/* move.c */
int pvnuma_guest_move_init(void);
void pvnuma_guest_move_exit(void);
void pvnuma_guest_stats_sum(u64 *out);

/* sysfs.c */
int pvnuma_guest_sysfs_init(void);
void pvnuma_guest_sysfs_exit(void);

#endif /* _PVNUMA_GUEST_H */
