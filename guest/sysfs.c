// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvnuma_guest/: the guest driver's state and statistics.  Every
 * file is documented in Documentation/ABI/testing/sysfs-kernel-pvnuma_guest.
 */

#include <linux/kobject.h>
#include <linux/rcupdate.h>
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

static ssize_t registered_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(pvnuma_guest_registered));
}

static struct kobj_attribute registered_attr = __ATTR_RO(registered);

/* Guest frames the registered area covers (it grows on memory hot-add). */
static ssize_t frames_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	const struct pvnuma_guest_area *a;
	u64 n = 0;

	rcu_read_lock();
	a = rcu_dereference(pvnuma_guest_area);
	if (a && READ_ONCE(pvnuma_guest_registered))
		n = a->nr_gfns;
	rcu_read_unlock();
	return sysfs_emit(buf, "%llu\n", n);
}

static struct kobj_attribute frames_attr = __ATTR_RO(frames);

static const char * const mode_names[] = { "lazy", "eager" };

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", mode_names[READ_ONCE(pvnuma_guest_eager)]);
}

static ssize_t mode_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int i = sysfs_match_string(mode_names, buf);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(pvnuma_guest_eager, i == 1);
	return count;
}

static struct kobj_attribute mode_attr = __ATTR_RW(mode);

/* The host's bitmap, read-only, for tests and diagnostics (root only). */
static ssize_t moved_bitmap_read(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	const struct pvnuma_guest_area *a;
	size_t size;

	rcu_read_lock();
	a = rcu_dereference(pvnuma_guest_area);
	size = a ? DIV_ROUND_UP_ULL(a->nr_gfns, 64) * 8 : 0;
	if (!READ_ONCE(pvnuma_guest_registered) || off >= size) {
		count = 0;
	} else {
		count = min_t(size_t, count, size - off);
		memcpy(buf, (char *)a->bitmap + off, count);
	}
	rcu_read_unlock();
	return count;
}

/* "bitmap", with a read function whose name bitmap.h does not take. */
static struct bin_attribute bitmap_attr = {
	.attr = { .name = "bitmap", .mode = 0400 },
	.read = moved_bitmap_read,
};

static struct bin_attribute *guest_bin_attrs[] = {
	&bitmap_attr,
	NULL,
};

static struct attribute *guest_attrs[] = {
	&version_attr.attr,
	&host_feature_attr.attr,
	&registered_attr.attr,
	&frames_attr.attr,
	&mode_attr.attr,
	NULL,
};

static const struct attribute_group guest_group = {
	.attrs = guest_attrs,
	.bin_attrs = guest_bin_attrs,
};

/* stats/: one read-only counter per file */

static const char * const stat_names[PVG_NR_STATS] = {
	[PVG_STAT_PAGES_MOVED] = "pages_moved",
	[PVG_STAT_CALLS] = "calls",
	[PVG_STAT_HYPERCALL_NS] = "hypercall_ns",
	[PVG_STAT_NOT_MARKED] = "copied_not_marked",
	[PVG_STAT_DECLINED] = "copied_declined",
	[PVG_STAT_ERROR] = "copied_error",
	[PVG_STAT_UNSUPPORTED] = "copied_unsupported_size",
	[PVG_STAT_PAGES_COPIED_PARTIAL] = "pages_copied_partial",
};

struct stat_attr {
	struct kobj_attribute attr;
	enum pvnuma_guest_stat stat;
};

static struct stat_attr stat_attrs[PVG_NR_STATS];
static struct attribute *stat_attr_ptrs[PVG_NR_STATS + 1];

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct stat_attr *sa = container_of(attr, typeof(*sa), attr);
	u64 sums[PVG_NR_STATS];

	pvnuma_guest_stats_sum(sums);
	return sysfs_emit(buf, "%llu\n", sums[sa->stat]);
}

static const struct attribute_group stats_group = {
	.name = "stats",
	.attrs = stat_attr_ptrs,
};

/**
 * pvnuma_guest_sysfs_init() - Create /sys/kernel/pvnuma_guest
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_guest_sysfs_init(void)
{
	int ret, i;

	for (i = 0; i < PVG_NR_STATS; i++) {
		sysfs_attr_init(&stat_attrs[i].attr.attr);
		stat_attrs[i].attr.attr.name = stat_names[i];
		stat_attrs[i].attr.attr.mode = 0444;
		stat_attrs[i].attr.show = stat_show;
		stat_attrs[i].stat = i;
		stat_attr_ptrs[i] = &stat_attrs[i].attr.attr;
	}

	guest_kobj = kobject_create_and_add("pvnuma_guest", kernel_kobj);
	if (!guest_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(guest_kobj, &guest_group);
	if (!ret)
		ret = sysfs_create_group(guest_kobj, &stats_group);
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
