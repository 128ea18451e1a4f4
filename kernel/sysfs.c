// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvnuma/: the module's tunables and statistics, globally and
 * per VM.  Every file is documented in
 * Documentation/ABI/testing/sysfs-kernel-pvnuma.
 */

#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "pvnuma.h"

struct pvnuma_tunables pvnuma_tun = {
	.enabled = true,
	.mode = PVNUMA_MODE_GUEST,
	.batch_limit = KVM_NUMA_MOVE_MAX_BATCH,
	.rate_limit = 0,
	.scan_delay_ms = 10,
};

#define PVNUMA_MAX_RATE_LIMIT	1000000000U
#define PVNUMA_MAX_SCAN_DELAY	10000U

static struct kobject *pvnuma_kobj, *pvnuma_vms_kobj;

static const char * const pvnuma_stat_names[PVNUMA_NR_STATS] = {
	[PVNUMA_STAT_MARKED] = "marked",
	[PVNUMA_STAT_UNMARKED] = "unmarked",
	[PVNUMA_STAT_REQUESTS] = "requests",
	[PVNUMA_STAT_ENTRIES] = "entries",
	[PVNUMA_STAT_MOVED_LAZY] = "moved_lazy",
	[PVNUMA_STAT_MOVED_EAGER] = "moved_eager",
	[PVNUMA_STAT_SWAPIN_EAGER] = "swapin_eager",
	[PVNUMA_STAT_MIGRATED_EAGER] = "migrated_eager",
	[PVNUMA_STAT_BYTES_COPIED] = "bytes_copied",
	[PVNUMA_STAT_PLACE_FAILED] = "place_failed",
	[PVNUMA_STAT_MAPPED_EAGER] = "mapped_eager",
	[PVNUMA_STAT_FALLBACKS] = "fallbacks",
	[PVNUMA_STAT_ERR_INVAL] = "err_inval",
	[PVNUMA_STAT_ERR_FAULT] = "err_fault",
	[PVNUMA_STAT_ERR_DECLINED] = "err_declined",
	[PVNUMA_STAT_ERR_RATELIMITED] = "err_ratelimited",
	[PVNUMA_STAT_ERR_HOME] = "err_home",
	[PVNUMA_STAT_ERR_BUSY] = "err_busy",
	[PVNUMA_STAT_ERR_CALL] = "err_call",
	[PVNUMA_STAT_REGISTRATIONS] = "registrations",
	[PVNUMA_STAT_ERR_REGISTRATION] = "err_registration",
};

static const char * const pvnuma_mode_names[] = {
	[PVNUMA_MODE_GUEST] = "guest",
	[PVNUMA_MODE_LAZY] = "lazy",
	[PVNUMA_MODE_EAGER] = "eager",
};

/* Tunables */

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", PVNUMA_VERSION);
}

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(pvnuma_tun.enabled));
}

static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	bool val;
	int ret = kstrtobool(buf, &val);

	if (ret)
		return ret;
	WRITE_ONCE(pvnuma_tun.enabled, val);
	return count;
}

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  pvnuma_mode_names[READ_ONCE(pvnuma_tun.mode)]);
}

static ssize_t mode_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	int i = sysfs_match_string(pvnuma_mode_names, buf);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(pvnuma_tun.mode, i);
	return count;
}

/* An unsigned tunable with its range; one show and one store for all. */
struct pvnuma_uint_attr {
	struct kobj_attribute attr;
	unsigned int *val;
	unsigned int min;
	unsigned int max;
};

static ssize_t pvnuma_uint_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct pvnuma_uint_attr *ua = container_of(attr, typeof(*ua), attr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*ua->val));
}

static ssize_t pvnuma_uint_store(struct kobject *kobj,
				 struct kobj_attribute *attr, const char *buf,
				 size_t count)
{
	struct pvnuma_uint_attr *ua = container_of(attr, typeof(*ua), attr);
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	if (v < ua->min || v > ua->max)
		return -ERANGE;
	WRITE_ONCE(*ua->val, v);
	return count;
}

#define PVNUMA_UINT_ATTR(_name, _val, _min, _max) {			\
	.attr = __ATTR(_name, 0644, pvnuma_uint_show, pvnuma_uint_store), \
	.val = _val,							\
	.min = _min,							\
	.max = _max,							\
}

static struct pvnuma_uint_attr batch_limit_attr =
	PVNUMA_UINT_ATTR(batch_limit, &pvnuma_tun.batch_limit,
			 1, KVM_NUMA_MOVE_MAX_BATCH);
static struct pvnuma_uint_attr rate_limit_attr =
	PVNUMA_UINT_ATTR(rate_limit, &pvnuma_tun.rate_limit,
			 0, PVNUMA_MAX_RATE_LIMIT);
static struct pvnuma_uint_attr scan_delay_ms_attr =
	PVNUMA_UINT_ATTR(scan_delay_ms, &pvnuma_tun.scan_delay_ms,
			 0, PVNUMA_MAX_SCAN_DELAY);

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute enabled_attr = __ATTR_RW(enabled);
static struct kobj_attribute mode_attr = __ATTR_RW(mode);

static struct attribute *pvnuma_attrs[] = {
	&version_attr.attr,
	&enabled_attr.attr,
	&mode_attr.attr,
	&batch_limit_attr.attr.attr,
	&rate_limit_attr.attr.attr,
	&scan_delay_ms_attr.attr.attr,
	NULL,
};

static const struct attribute_group pvnuma_group = {
	.attrs = pvnuma_attrs,
};

/* Statistics: one read-only file per counter, in stats/ */

struct pvnuma_stat_attr {
	struct kobj_attribute attr;
	enum pvnuma_stat stat;
};

static struct pvnuma_stat_attr pvnuma_stat_attrs[PVNUMA_NR_STATS];
static struct attribute *pvnuma_global_stat_attrs[PVNUMA_NR_STATS + 1];
static struct attribute *pvnuma_vm_stat_attrs[PVNUMA_NR_STATS + 1];

static const struct kobj_type pvnuma_vm_ktype;

static ssize_t pvnuma_stat_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct pvnuma_stat_attr *sa = container_of(attr, typeof(*sa), attr);
	struct pvnuma_stats sum;

	if (kobj->ktype == &pvnuma_vm_ktype) {
		struct pvnuma_vm *vm = container_of(kobj, typeof(*vm), kobj);

		return sysfs_emit(buf, "%lld\n",
				  atomic64_read(&vm->stats[sa->stat]));
	}
	pvnuma_stats_sum(&sum);
	return sysfs_emit(buf, "%llu\n", sum.v[sa->stat]);
}

static const struct attribute_group pvnuma_global_stats_group = {
	.name = "stats",
	.attrs = pvnuma_global_stat_attrs,
};

static const struct attribute_group pvnuma_vm_stats_group = {
	.name = "stats",
	.attrs = pvnuma_vm_stat_attrs,
};

/* Per VM: /sys/kernel/pvnuma/vms/<pid>-<id>/ */

static ssize_t pid_show(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf)
{
	struct pvnuma_vm *vm = container_of(kobj, typeof(*vm), kobj);

	return sysfs_emit(buf, "%d\n", vm->kvm->userspace_pid);
}

static ssize_t area_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct pvnuma_vm *vm = container_of(kobj, typeof(*vm), kobj);
	struct pvnuma_map *map;
	ssize_t ret;

	mutex_lock(&vm->lock);
	map = rcu_dereference_protected(vm->map, lockdep_is_held(&vm->lock));
	if (map)
		ret = sysfs_emit(buf, "%#llx %llu %lld\n", map->area_gpa,
				 map->nr_gfns, atomic64_read(&map->nr_moved));
	else
		ret = sysfs_emit(buf, "none\n");
	mutex_unlock(&vm->lock);
	return ret;
}

static struct kobj_attribute pid_attr = __ATTR_RO(pid);
static struct kobj_attribute area_attr = __ATTR_RO(area);

static struct attribute *pvnuma_vm_attrs[] = {
	&pid_attr.attr,
	&area_attr.attr,
	NULL,
};

static const struct attribute_group pvnuma_vm_group = {
	.attrs = pvnuma_vm_attrs,
};

static const struct attribute_group *pvnuma_vm_groups[] = {
	&pvnuma_vm_group,
	&pvnuma_vm_stats_group,
	NULL,
};

static void pvnuma_vm_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct pvnuma_vm, kobj));
}

static const struct kobj_type pvnuma_vm_ktype = {
	.release = pvnuma_vm_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = pvnuma_vm_groups,
};

/**
 * pvnuma_sysfs_vm_add() - Create the directory of @vm
 * @vm: a new VM state
 *
 * From now on @vm is freed by its kobject's release: on failure here, or
 * by pvnuma_sysfs_vm_del().
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_sysfs_vm_add(struct pvnuma_vm *vm)
{
	int ret;

	kobject_init(&vm->kobj, &pvnuma_vm_ktype);
	ret = kobject_add(&vm->kobj, pvnuma_vms_kobj, "%d-%u",
			  vm->kvm->userspace_pid, vm->id);
	if (ret)
		kobject_put(&vm->kobj);	/* frees @vm */
	return ret;
}

/**
 * pvnuma_sysfs_vm_del() - Remove the directory of @vm and free @vm
 * @vm: the VM state
 */
void pvnuma_sysfs_vm_del(struct pvnuma_vm *vm)
{
	kobject_del(&vm->kobj);
	kobject_put(&vm->kobj);
}

/**
 * pvnuma_sysfs_init() - Create /sys/kernel/pvnuma
 *
 * Return: 0 or a negative errno.
 */
int pvnuma_sysfs_init(void)
{
	int ret, i;

	for (i = 0; i < PVNUMA_NR_STATS; i++) {
		struct pvnuma_stat_attr *sa = &pvnuma_stat_attrs[i];

		sysfs_attr_init(&sa->attr.attr);
		sa->attr.attr.name = pvnuma_stat_names[i];
		sa->attr.attr.mode = 0444;
		sa->attr.show = pvnuma_stat_show;
		sa->stat = i;
		pvnuma_global_stat_attrs[i] = &sa->attr.attr;
		pvnuma_vm_stat_attrs[i] = &sa->attr.attr;
	}

	pvnuma_kobj = kobject_create_and_add("pvnuma", kernel_kobj);
	if (!pvnuma_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(pvnuma_kobj, &pvnuma_group);
	if (ret)
		goto err_put_kobj;
	ret = sysfs_create_group(pvnuma_kobj, &pvnuma_global_stats_group);
	if (ret)
		goto err_put_kobj;
	ret = -ENOMEM;
	pvnuma_vms_kobj = kobject_create_and_add("vms", pvnuma_kobj);
	if (!pvnuma_vms_kobj)
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
	kobject_put(pvnuma_vms_kobj);
	kobject_put(pvnuma_kobj);
}
