/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of a KVM_HC_NUMA_MOVE batch (see
 * Documentation/virt/kvm/x86/hypercalls.rst).  Pure logic on entries already
 * copied out of guest memory, so it is unit-testable.
 */
#ifndef _PVNUMA_REQ_H
#define _PVNUMA_REQ_H

#include <linux/types.h>
#include <linux/kvm_para.h>

/* nr_pages of an entry that moves a 2 MiB range. */
#define PVNUMA_HUGE_PAGES	512

/* One src or dst range of an entry, for the overlap check. */
struct pvnuma_range {
	u64 start;
	u64 end;
	u32 idx;
};

int pvnuma_req_check_call(u64 gpa, u64 nr, u64 flags);
unsigned int pvnuma_req_check(struct kvm_numa_move_req *reqs, unsigned int n,
			      struct pvnuma_range *scratch);

#endif /* _PVNUMA_REQ_H */
