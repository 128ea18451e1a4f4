// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: copyless NUMA balancing for KVM guests, host side.
 *
 * This file only wires the pieces together; each lives in its own file.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "pvnuma.h"

static int __init pvnuma_init(void)
{
	int ret;

	ret = pvnuma_sysfs_init();
	if (ret)
		return ret;
	pr_info("version %s loaded\n", PVNUMA_VERSION);
	return 0;
}

static void __exit pvnuma_exit(void)
{
	pvnuma_sysfs_exit();
}

module_init(pvnuma_init);
module_exit(pvnuma_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvnuma: copyless NUMA balancing for KVM guests (host)");
MODULE_VERSION(PVNUMA_VERSION);
