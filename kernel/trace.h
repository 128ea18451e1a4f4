/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the pvnuma host module: events/pvnuma/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvnuma

#if !defined(_PVNUMA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PVNUMA_TRACE_H

#include <linux/tracepoint.h>

/* A frame's bit in a VM's moved-pages bitmap was set or cleared. */
TRACE_EVENT(pvnuma_mark,
	    TP_PROTO(unsigned int vm, u64 gfn, bool moved),
	    TP_ARGS(vm, gfn, moved),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(u64, gfn)
			     __field(bool, moved)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->gfn = gfn;
			   __entry->moved = moved;),
	    TP_printk("vm=%u gfn=%#llx %s", __entry->vm, __entry->gfn,
		      __entry->moved ? "moved" : "home"));

/* One entry of a KVM_HC_NUMA_MOVE call was served. */
TRACE_EVENT(pvnuma_move,
	    TP_PROTO(unsigned int vm, u64 src, u64 dst, u32 nr, bool eager,
		     int status),
	    TP_ARGS(vm, src, dst, nr, eager, status),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(u64, src)
			     __field(u64, dst)
			     __field(u32, nr)
			     __field(bool, eager)
			     __field(int, status)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->src = src;
			   __entry->dst = dst;
			   __entry->nr = nr;
			   __entry->eager = eager;
			   __entry->status = status;),
	    TP_printk("vm=%u src=%#llx dst=%#llx nr=%u %s status=%d",
		      __entry->vm, __entry->src, __entry->dst, __entry->nr,
		      __entry->eager ? "eager" : "lazy", __entry->status));

/* A KVM_HC_NUMA_MOVE call returned. */
TRACE_EVENT(pvnuma_request,
	    TP_PROTO(unsigned int vm, u64 gpa, u64 nr, u64 flags, long ret),
	    TP_ARGS(vm, gpa, nr, flags, ret),
	    TP_STRUCT__entry(__field(unsigned int, vm)
			     __field(u64, gpa)
			     __field(u64, nr)
			     __field(u64, flags)
			     __field(long, ret)),
	    TP_fast_assign(__entry->vm = vm;
			   __entry->gpa = gpa;
			   __entry->nr = nr;
			   __entry->flags = flags;
			   __entry->ret = ret;),
	    TP_printk("vm=%u gpa=%#llx nr=%llu flags=%#llx ret=%ld",
		      __entry->vm, __entry->gpa, __entry->nr, __entry->flags,
		      __entry->ret));

#endif /* _PVNUMA_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
