/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's environment to compile pvnuma's pure logic
 * (kernel/area.c) as a userspace program.  Force-included before anything
 * else; the empty headers beside it stand in for kernel-only ones.
 */
#ifndef _PVNUMA_SHIM_H
#define _PVNUMA_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>

typedef __u64 u64;
typedef __u32 u32;

#define PAGE_SIZE		4096ULL
#define PAGE_ALIGNED(x)		(((x) & (PAGE_SIZE - 1)) == 0)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* EXPORT_SYMBOL_IF_KUNIT() is defined empty by the Makefile (-D). */
static inline u64 DIV_ROUND_UP_ULL(u64 n, u64 d)
{
	return (n + d - 1) / d;
}

#endif /* _PVNUMA_SHIM_H */
