// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: copyless NUMA balancing for KVM guests, host side.
 *
 * This file only wires the pieces together; each lives in its own file
 * (see pvnuma.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <asm/kvm_numa_moved.h>

#include "pvnuma.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static const struct kvm_numa_moved_ops pvnuma_ops = {
	.set_msr = pvnuma_set_msr,
	.get_msr = pvnuma_get_msr,
	.move = pvnuma_move,
	.unmap_gfn_range = pvnuma_track_unmap,
	.faultin = pvnuma_track_faultin,
	.destroy_vm = pvnuma_vm_destroy,
};

static int __init pvnuma_init(void)
{
	int ret;

	ret = pvnuma_sysfs_init();
	if (ret)
		return ret;
	ret = kvm_numa_moved_register(&pvnuma_ops);
	if (ret) {
		pr_err("another moved-pages handler is registered with KVM\n");
		pvnuma_sysfs_exit();
		return ret;
	}
	pr_info("version %s loaded\n", PVNUMA_VERSION);
	return 0;
}

static void __exit pvnuma_exit(void)
{
	/* No callback runs after this; VMs then see the feature as absent. */
	kvm_numa_moved_unregister(&pvnuma_ops);
	pvnuma_vm_destroy_all();
	pvnuma_sysfs_exit();
}

module_init(pvnuma_init);
module_exit(pvnuma_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvnuma: copyless NUMA balancing for KVM guests (host)");
MODULE_VERSION(PVNUMA_VERSION);
