// SPDX-License-Identifier: GPL-2.0
/*
 * The moved-pages area, guest side: one header and a bitmap with a bit per
 * guest frame, in physically contiguous guest memory, registered with the
 * host through MSR_KVM_NUMA_MOVED.  The host writes the bitmap; the guest
 * only reads it.  The registration is dropped before a reboot or kexec, on
 * a panic and on unload, so the host never writes into memory the next
 * kernel uses.
 * Memory hot-added above the frames it covers gets a larger area in its
 * place; readers find the current one under RCU.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/memory.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/panic_notifier.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <asm/msr.h>

#include "pvnuma_guest.h"

struct pvnuma_guest_area __rcu *pvnuma_guest_area;
bool pvnuma_guest_registered;

/* Serialises registering, growing (memory hot-add) and unregistering. */
static DEFINE_MUTEX(pvnuma_guest_area_lock);

/* One past the highest guest frame of any online node. */
static u64 pvnuma_guest_end_pfn(void)
{
	u64 end = 0;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, node_end_pfn(nid));
	return end;
}

static void pvnuma_guest_area_free(struct pvnuma_guest_area *a)
{
	if (!a)
		return;
	if (a->bitmap)
		free_pages_exact(a->bitmap, a->bitmap_bytes);
	kfree(a->hdr);
	kfree(a);
}

/* An area for guest frames [0, @nr_gfns), zeroed; NULL without memory. */
static struct pvnuma_guest_area *pvnuma_guest_area_alloc(u64 nr_gfns)
{
	struct pvnuma_guest_area *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return NULL;
	a->nr_gfns = nr_gfns;
	a->bitmap_bytes = PAGE_ALIGN(DIV_ROUND_UP_ULL(nr_gfns, 64) * 8);
	/* kmalloc-64 objects are 64-byte aligned, as the MSR wants. */
	a->hdr = kzalloc(sizeof(*a->hdr), GFP_KERNEL);
	/* One contiguous run: 32 KiB per GiB, up to 128 GiB of guest. */
	a->bitmap = alloc_pages_exact(a->bitmap_bytes,
				      GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!a->hdr || !a->bitmap) {
		pr_warn("no %zu contiguous bytes for the bitmap of %llu frames\n",
			a->bitmap_bytes, nr_gfns);
		pvnuma_guest_area_free(a);
		return NULL;
	}
	a->hdr->version = KVM_NUMA_MOVED_VERSION;
	a->hdr->bitmap_gpa = __pa(a->bitmap);
	a->hdr->nr_gfns = nr_gfns;
	return a;
}

static void pvnuma_guest_msr_disable(void)
{
	if (pvnuma_guest_registered)
		wrmsrl_safe(MSR_KVM_NUMA_MOVED, 0);
	WRITE_ONCE(pvnuma_guest_registered, false);
}

/*
 * Register @a with the host in place of the area registered now, if any:
 * the host drops the old one in the same MSR write and marks in @a, as its
 * tracker goes over the VM's memory again, what it has moved.  The old one
 * is freed once no reader has it.
 */
static int pvnuma_guest_area_install(struct pvnuma_guest_area *a)
{
	struct pvnuma_guest_area *old;

	lockdep_assert_held(&pvnuma_guest_area_lock);
	if (wrmsrl_safe(MSR_KVM_NUMA_MOVED, __pa(a->hdr) | KVM_MSR_ENABLED)) {
		pr_warn("the host refused the area of %llu frames (#GP)\n", a->nr_gfns);
		return -EIO;
	}
	old = rcu_replace_pointer(pvnuma_guest_area, a,
				  lockdep_is_held(&pvnuma_guest_area_lock));
	WRITE_ONCE(pvnuma_guest_registered, true);
	if (old) {
		synchronize_rcu();
		pvnuma_guest_area_free(old);
	}
	return 0;
}

static int pvnuma_guest_reboot(struct notifier_block *nb, unsigned long code,
			       void *unused)
{
	/* Reboot, halt, power off and kexec all come through here. */
	mutex_lock(&pvnuma_guest_area_lock);
	pvnuma_guest_msr_disable();
	mutex_unlock(&pvnuma_guest_area_lock);
	return NOTIFY_DONE;
}

static struct notifier_block pvnuma_guest_reboot_nb = {
	.notifier_call = pvnuma_guest_reboot,
};

/*
 * A panic: disable the area before the kernel stops or reboots (panic=N),
 * so that the host writes nothing into what the next boot uses.  No lock:
 * the other CPUs are stopped, and the write is harmless if it comes twice.
 * With a kdump kernel loaded, panic() starts it before the notifiers (see
 * guest.rst).
 */
static int pvnuma_guest_panic(struct notifier_block *nb, unsigned long code,
			      void *unused)
{
	if (READ_ONCE(pvnuma_guest_registered))
		wrmsrl_safe(MSR_KVM_NUMA_MOVED, 0);
	return NOTIFY_DONE;
}

static struct notifier_block pvnuma_guest_panic_nb = {
	.notifier_call = pvnuma_guest_panic,
};

/*
 * Memory hot-add: once a block is online above the frames the area covers,
 * register a larger area in its place.  If that fails the old one stays,
 * and the new memory is not covered (its pages are copied, as without
 * pvnuma).
 */
static int pvnuma_guest_memory(struct notifier_block *nb, unsigned long action,
			       void *arg)
{
	const struct memory_notify *mn = arg;
	struct pvnuma_guest_area *a, *cur;
	u64 end;

	if (action != MEM_ONLINE)
		return NOTIFY_OK;
	mutex_lock(&pvnuma_guest_area_lock);
	cur = rcu_dereference_protected(pvnuma_guest_area,
					lockdep_is_held(&pvnuma_guest_area_lock));
	end = max_t(u64, pvnuma_guest_end_pfn(), mn->start_pfn + mn->nr_pages);
	if (cur && pvnuma_guest_registered && end > cur->nr_gfns) {
		a = pvnuma_guest_area_alloc(end);
		if (a && !pvnuma_guest_area_install(a))
			pr_info("area registered again for hot-added memory: %llu frames, %zu KiB bitmap\n",
				a->nr_gfns, a->bitmap_bytes >> 10);
		else if (a)
			pvnuma_guest_area_free(a);
		if (rcu_access_pointer(pvnuma_guest_area) != a)
			pr_warn("memory from frame %llu on is not covered\n", cur->nr_gfns);
	}
	mutex_unlock(&pvnuma_guest_area_lock);
	return NOTIFY_OK;
}

static struct notifier_block pvnuma_guest_memory_nb = {
	.notifier_call = pvnuma_guest_memory,
};

/**
 * pvnuma_guest_area_register() - Allocate the area and register it
 *
 * Return: 0, or a negative errno (the driver then stays inactive).
 */
int pvnuma_guest_area_register(void)
{
	struct pvnuma_guest_area *a;
	int ret;

	a = pvnuma_guest_area_alloc(pvnuma_guest_end_pfn());
	if (!a) {
		pr_warn("inactive\n");
		return -ENOMEM;
	}
	/*
	 * The notifiers that disable the area first, so that no reboot or
	 * panic finds it registered without them; they look at
	 * pvnuma_guest_registered.
	 */
	register_reboot_notifier(&pvnuma_guest_reboot_nb);
	atomic_notifier_chain_register(&panic_notifier_list, &pvnuma_guest_panic_nb);
	mutex_lock(&pvnuma_guest_area_lock);
	ret = pvnuma_guest_area_install(a);
	if (!ret)
		pr_info("area registered: %llu frames, %zu KiB bitmap\n", a->nr_gfns,
			a->bitmap_bytes >> 10);
	mutex_unlock(&pvnuma_guest_area_lock);
	if (ret) {
		atomic_notifier_chain_unregister(&panic_notifier_list, &pvnuma_guest_panic_nb);
		unregister_reboot_notifier(&pvnuma_guest_reboot_nb);
		pr_warn("inactive\n");
		pvnuma_guest_area_free(a);
		return ret;
	}
	/* From here on a hot-add may replace (and free) @a. */
	register_memory_notifier(&pvnuma_guest_memory_nb);
	return 0;
}

/**
 * pvnuma_guest_area_unregister() - Disable the area and free it
 */
void pvnuma_guest_area_unregister(void)
{
	struct pvnuma_guest_area *a;

	if (!rcu_access_pointer(pvnuma_guest_area))
		return;
	unregister_memory_notifier(&pvnuma_guest_memory_nb);
	/* Disabled before the notifiers that would disable it go. */
	mutex_lock(&pvnuma_guest_area_lock);
	pvnuma_guest_msr_disable();
	a = rcu_replace_pointer(pvnuma_guest_area, NULL,
				lockdep_is_held(&pvnuma_guest_area_lock));
	mutex_unlock(&pvnuma_guest_area_lock);
	atomic_notifier_chain_unregister(&panic_notifier_list, &pvnuma_guest_panic_nb);
	unregister_reboot_notifier(&pvnuma_guest_reboot_nb);
	synchronize_rcu();
	pvnuma_guest_area_free(a);
}
