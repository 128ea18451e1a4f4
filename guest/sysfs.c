// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvnuma_guest/: the guest driver's state and statistics.  Every
 * file is documented in Documentation/ABI/testing/sysfs-kernel-pvnuma_guest.
 */

#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "pvnuma_guest.h"

static struct kobject *guest_kobj;

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", PVNUMA_VERSION);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static ssize_t host_feature_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", pvnuma_guest_host_has_feature);
}

static struct kobj_attribute host_feature_attr = __ATTR_RO(host_feature);

static struct attribute *guest_attrs[] = {
	&version_attr.attr,
	&host_feature_attr.attr,
	NULL,
};

static const struct attribute_group guest_group = {
	.attrs = guest_attrs,
};

/**
 * pvnuma_guest_sysfs_init() - Create /sys/kernel/pvnuma_guest
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_guest_sysfs_init(void)
{
	int ret;

	guest_kobj = kobject_create_and_add("pvnuma_guest", kernel_kobj);
	if (!guest_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(guest_kobj, &guest_group);
	if (ret)
		goto err_put_kobj;
	return 0;

err_put_kobj:
	kobject_put(guest_kobj);
	return ret;
}

/**
 * pvnuma_guest_sysfs_exit() - Remove /sys/kernel/pvnuma_guest
 */
void pvnuma_guest_sysfs_exit(void)
{
	kobject_put(guest_kobj);
}
