// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvnuma/: the module's tunables and statistics.  Every file is
 * documented in Documentation/ABI/testing/sysfs-kernel-pvnuma.
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "pvnuma.h"

static struct kobject *pvnuma_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", PVNUMA_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static struct attribute *pvnuma_attrs[] = {
	&version_attr.attr,
	NULL,
};

static const struct attribute_group pvnuma_group = {
	.attrs = pvnuma_attrs,
};

/**
 * pvnuma_sysfs_init() - Create /sys/kernel/pvnuma
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_sysfs_init(void)
{
	int ret;

	pvnuma_kobj = kobject_create_and_add("pvnuma", kernel_kobj);
	if (!pvnuma_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(pvnuma_kobj, &pvnuma_group);
	if (ret)
		goto err_put_kobj;
	return 0;

err_put_kobj:
	kobject_put(pvnuma_kobj);
	return ret;
}

/**
 * pvnuma_sysfs_exit() - Remove /sys/kernel/pvnuma
 */
void pvnuma_sysfs_exit(void)
{
	kobject_put(pvnuma_kobj);
}
