// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: copyless NUMA balancing for KVM guests, guest side.
 *
 * This file only wires the pieces together; each lives in its own file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <linux/module.h>

#include "pvnuma_guest.h"

bool pvnuma_guest_host_has_feature;

static int __init pvnuma_guest_init(void)
{
	int ret;

	pvnuma_guest_host_has_feature = kvm_para_available() &&
		kvm_para_has_feature(KVM_FEATURE_NUMA_MOVED);
	ret = pvnuma_guest_sysfs_init();
	if (ret)
		return ret;
	/* Without the feature the driver stays loaded but does nothing. */
	if (!pvnuma_guest_host_has_feature)
		pr_info("host does not offer KVM_FEATURE_NUMA_MOVED; inactive\n");
	return 0;
}

static void __exit pvnuma_guest_exit(void)
{
	pvnuma_guest_sysfs_exit();
}

module_init(pvnuma_guest_init);
module_exit(pvnuma_guest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvnuma: copyless NUMA balancing for KVM guests (guest)");
MODULE_VERSION(PVNUMA_VERSION);
