// SPDX-License-Identifier: GPL-2.0
/*
 * The moved-pages area, guest side: one header and a bitmap with a bit per
 * guest frame, in physically contiguous guest memory, registered with the
 * host through MSR_KVM_NUMA_MOVED.  The host writes the bitmap; the guest
 * only reads it.  The registration is dropped before a reboot or kexec and
 * on unload, so the host never writes into memory the next kernel uses.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <asm/msr.h>

#include "pvnuma_guest.h"

struct pvnuma_guest_area pvnuma_guest_area;
bool pvnuma_guest_registered;

/* One past the highest guest frame of any online node. */
static u64 pvnuma_guest_end_pfn(void)
{
	u64 end = 0;
	int nid;

	for_each_online_node(nid)
		end = max_t(u64, end, node_end_pfn(nid));
	return end;
}

static void pvnuma_guest_area_free(void)
{
	struct pvnuma_guest_area *a = &pvnuma_guest_area;

	if (a->bitmap)
		free_pages_exact(a->bitmap, a->bitmap_bytes);
	kfree(a->hdr);
	memset(a, 0, sizeof(*a));
}

static void pvnuma_guest_msr_disable(void)
{
	if (pvnuma_guest_registered)
		wrmsrl_safe(MSR_KVM_NUMA_MOVED, 0);
	pvnuma_guest_registered = false;
}

static int pvnuma_guest_reboot(struct notifier_block *nb, unsigned long code,
			       void *unused)
{
	/* Reboot, halt, power off and kexec all come through here. */
	pvnuma_guest_msr_disable();
	return NOTIFY_DONE;
}

static struct notifier_block pvnuma_guest_reboot_nb = {
	.notifier_call = pvnuma_guest_reboot,
};

/**
 * pvnuma_guest_area_register() - Allocate the area and register it
 *
 * Return: 0, or a negative errno (the driver then stays inactive).
 */
int pvnuma_guest_area_register(void)
{
	struct pvnuma_guest_area *a = &pvnuma_guest_area;
	int ret;

	a->nr_gfns = pvnuma_guest_end_pfn();
	a->bitmap_bytes = PAGE_ALIGN(DIV_ROUND_UP_ULL(a->nr_gfns, 64) * 8);
	/* kmalloc-64 objects are 64-byte aligned, as the MSR wants. */
	a->hdr = kzalloc(sizeof(*a->hdr), GFP_KERNEL);
	/* One contiguous run: 32 KiB per GiB, up to 128 GiB of guest. */
	a->bitmap = alloc_pages_exact(a->bitmap_bytes,
				      GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!a->hdr || !a->bitmap) {
		pr_warn("no %zu contiguous bytes for the bitmap of %llu frames; inactive\n",
			a->bitmap_bytes, a->nr_gfns);
		pvnuma_guest_area_free();
		return -ENOMEM;
	}
	a->hdr->version = KVM_NUMA_MOVED_VERSION;
	a->hdr->bitmap_gpa = __pa(a->bitmap);
	a->hdr->nr_gfns = a->nr_gfns;

	ret = wrmsrl_safe(MSR_KVM_NUMA_MOVED, __pa(a->hdr) | KVM_MSR_ENABLED);
	if (ret) {
		pr_warn("the host refused the area (#GP); inactive\n");
		pvnuma_guest_area_free();
		return -EIO;
	}
	pvnuma_guest_registered = true;
	register_reboot_notifier(&pvnuma_guest_reboot_nb);
	pr_info("area registered: %llu frames, %zu KiB bitmap\n", a->nr_gfns,
		a->bitmap_bytes >> 10);
	return 0;
}

/**
 * pvnuma_guest_area_unregister() - Disable the area and free it
 */
void pvnuma_guest_area_unregister(void)
{
	if (!pvnuma_guest_area.hdr)
		return;
	unregister_reboot_notifier(&pvnuma_guest_reboot_nb);
	pvnuma_guest_msr_disable();
	pvnuma_guest_area_free();
}
