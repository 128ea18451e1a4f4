/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The moved-pages area: checks of what the guest registers through
 * MSR_KVM_NUMA_MOVED (see Documentation/virt/kvm/x86/msr.rst).  Pure logic on
 * values already copied out of guest memory, so it is unit-testable.
 */
#ifndef _PVNUMA_AREA_H
#define _PVNUMA_AREA_H

#include <linux/types.h>
#include <asm/kvm_para.h>

u64 pvnuma_area_bitmap_bytes(u64 nr_gfns);
int pvnuma_msr_decode(u64 data, u64 *area_gpa);
int pvnuma_area_check(const struct kvm_numa_moved_area *area, u64 area_gpa);

#endif /* _PVNUMA_AREA_H */
