/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvnuma guest driver: declarations shared between its files.
 */
#ifndef _PVNUMA_GUEST_H
#define _PVNUMA_GUEST_H

#include <linux/types.h>

/* True when the host advertises KVM_FEATURE_NUMA_MOVED. */
extern bool pvnuma_guest_host_has_feature;

int pvnuma_guest_sysfs_init(void);
void pvnuma_guest_sysfs_exit(void);

#endif /* _PVNUMA_GUEST_H */
