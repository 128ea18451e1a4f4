// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: copyless NUMA balancing for KVM guests, guest side.
 *
 * This file only wires the pieces together; each lives in its own file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_para.h>
#include <linux/module.h>
#include <asm/processor.h>

#include "pvnuma_guest.h"

bool pvnuma_guest_host_has_feature;

/*
 * kvm_para_has_feature() is not usable from modules (its helper is not
 * exported), so read the KVM PV feature leaf directly.
 */
static bool host_has_feature(void)
{
	u32 base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);

	return base && (cpuid_eax(base | KVM_CPUID_FEATURES) &
			BIT(KVM_FEATURE_NUMA_MOVED));
}

static int __init pvnuma_guest_init(void)
{
	int ret;

	pvnuma_guest_host_has_feature = host_has_feature();
	ret = pvnuma_guest_sysfs_init();
	if (ret)
		return ret;
	/* Without the feature the driver stays loaded but does nothing. */
	if (!pvnuma_guest_host_has_feature) {
		pr_info("host does not offer KVM_FEATURE_NUMA_MOVED; inactive\n");
		return 0;
	}
	/* Any failure below leaves the driver loaded and inactive. */
	if (pvnuma_guest_area_register())
		return 0;
	if (pvnuma_guest_move_init())
		pvnuma_guest_area_unregister();
	return 0;
}

static void __exit pvnuma_guest_exit(void)
{
	/* No hook call in flight after this, then no host write. */
	pvnuma_guest_move_exit();
	pvnuma_guest_area_unregister();
	pvnuma_guest_sysfs_exit();
}

module_init(pvnuma_guest_init);
module_exit(pvnuma_guest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvnuma: copyless NUMA balancing for KVM guests (guest)");
MODULE_VERSION(PVNUMA_VERSION);
