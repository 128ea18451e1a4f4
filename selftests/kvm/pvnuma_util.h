/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the pvnuma KVM selftests: test data, area registration,
 * NUMA placement of guest memory, the VM's pvnuma statistics in sysfs, and
 * running vCPUs (to a numbered GUEST_SYNC step, or to GUEST_DONE).
 */
#ifndef SELFTEST_KVM_PVNUMA_UTIL_H
#define SELFTEST_KVM_PVNUMA_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/kvm_para.h>
#include <linux/kvm_para.h>
#include <linux/mempolicy.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

#define X86_FEATURE_KVM_NUMA_MOVED \
	KVM_X86_CPU_FEATURE(KVM_CPUID_FEATURES, 0, EAX, KVM_FEATURE_NUMA_MOVED)

/*
 * The test data: word @w of a page holding data @id (the inverse of the
 * multiplier, 0xf1de83e19937733d, recovers @id from word 0).
 */
static inline u64 pvnuma_pattern(u64 id, u64 w)
{
	return (id * 0x9e3779b97f4a7c15ULL) ^ w;
}

/* A seeded stream of pseudo-random numbers (xorshift64, @s != 0). */
static inline u64 pvnuma_rand(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Guest: write a valid area header at @area_gpa. */
static inline void pvnuma_area_fill(u64 area_gpa, u64 bitmap_gpa, u64 nr_gfns)
{
	struct kvm_numa_moved_area *area = (void *)area_gpa;
	int i;

	area->version = KVM_NUMA_MOVED_VERSION;
	area->flags = 0;
	area->bitmap_gpa = bitmap_gpa;
	area->nr_gfns = nr_gfns;
	for (i = 0; i < ARRAY_SIZE(area->reserved); i++)
		area->reserved[i] = 0;
}

/* Guest: register the area at @area_gpa; it must succeed. */
static inline void pvnuma_guest_register(u64 area_gpa, u64 bitmap_gpa,
					 u64 nr_gfns)
{
	u64 val;

	pvnuma_area_fill(area_gpa, bitmap_gpa, nr_gfns);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, area_gpa | KVM_MSR_ENABLED), 0);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &val), 0);
	GUEST_ASSERT_EQ(val, area_gpa | KVM_MSR_ENABLED);
}

/* Most pages one placement helper handles at once. */
#define PVNUMA_MAX_PAGES	1024

static char vm_dir[512];

static inline void bind_to_node(void *hva, u64 len, int node)
{
	unsigned long mask = 1UL << node;

	TEST_ASSERT(!syscall(__NR_mbind, hva, len, MPOL_BIND, &mask,
			     sizeof(mask) * 8, MPOL_MF_MOVE | MPOL_MF_STRICT),
		    "mbind to node %d: %s", node, strerror(errno));
}

/* Node of each page at @hva (move_pages with no target), or -errno. */
static inline void page_nodes(void *hva, int n, int *status)
{
	void *pages[PVNUMA_MAX_PAGES];
	int i;

	for (i = 0; i < n; i++)
		pages[i] = hva + i * PAGE_SIZE;
	TEST_ASSERT(!syscall(__NR_move_pages, 0, n, pages, NULL, status, 0),
		    "move_pages query: %s", strerror(errno));
}

static inline void migrate_to(void *hva, int n, int node)
{
	void *pages[PVNUMA_MAX_PAGES];
	int nodes[PVNUMA_MAX_PAGES], status[PVNUMA_MAX_PAGES], i;

	for (i = 0; i < n; i++) {
		pages[i] = hva + i * PAGE_SIZE;
		nodes[i] = node;
	}
	TEST_ASSERT(!syscall(__NR_move_pages, 0, n, pages, nodes, status,
			     MPOL_MF_MOVE),
		    "move_pages to node %d: %s", node, strerror(errno));
	for (i = 0; i < n; i++)
		TEST_ASSERT(status[i] == node, "page %d went to %d, not node %d",
			    i, status[i], node);
}

static inline void expect_nodes(const char *what, void *hva, int n, int node)
{
	int status[PVNUMA_MAX_PAGES], i;

	page_nodes(hva, n, status);
	for (i = 0; i < n; i++)
		TEST_ASSERT(status[i] == node, "%s: page %d is at %d, expected %d",
			    what, i, status[i], node);
}

/* No page at all: swapped out, moved away, or only the zero page. */
static inline void expect_absent(const char *what, void *hva, int n)
{
	int status[PVNUMA_MAX_PAGES], i;

	page_nodes(hva, n, status);
	for (i = 0; i < n; i++)
		TEST_ASSERT(status[i] < 0, "%s: page %d is on node %d", what, i,
			    status[i]);
}

/* AnonHugePages of the mapping that holds @hva, in KiB (smaps). */
static inline unsigned long thp_kb(void *hva)
{
	unsigned long start, end, kb = 0;
	bool inside = false;
	char line[256];
	FILE *f = fopen("/proc/self/smaps", "r");

	TEST_ASSERT(f, "open smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = (unsigned long)hva >= start && (unsigned long)hva < end;
		else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static inline void find_vm_dir(void)
{
	char prefix[32];
	struct dirent *d;
	DIR *dir;

	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	dir = opendir("/sys/kernel/pvnuma/vms");
	TEST_ASSERT(dir, "no /sys/kernel/pvnuma/vms");
	vm_dir[0] = 0;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, prefix, strlen(prefix)))
			snprintf(vm_dir, sizeof(vm_dir), "/sys/kernel/pvnuma/vms/%s",
				 d->d_name);
	closedir(dir);
	TEST_ASSERT(vm_dir[0], "no sysfs directory for this VM");
}

static inline u64 vm_stat(const char *name)
{
	char path[640];
	u64 val = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stats/%s", vm_dir, name);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s", path);
	TEST_ASSERT(fscanf(f, "%lu", &val) == 1, "read %s", path);
	fclose(f);
	return val;
}

static inline void expect_stat(const char *name, u64 want)
{
	u64 got = vm_stat(name);

	TEST_ASSERT(got == want, "stat %s: %lu, expected %lu", name, got, want);
	pr_info("  %-16s %lu\n", name, got);
}

static inline u64 read_tunable(const char *name)
{
	char path[128];
	u64 v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/pvnuma/%s", name);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s", path);
	TEST_ASSERT(fscanf(f, "%lu", &v) == 1, "read %s", path);
	fclose(f);
	return v;
}

/* Tests that count exactly need the module's defaults: enabled, no limits. */
static inline void pvnuma_require_default_tunables(void)
{
	TEST_ASSERT(read_tunable("enabled") == 1 && read_tunable("rate_limit") == 0 &&
		    read_tunable("batch_limit") == KVM_NUMA_MOVE_MAX_BATCH,
		    "pvnuma tunables are not at their defaults (enabled 1, rate_limit 0, batch_limit %d)",
		    KVM_NUMA_MOVE_MAX_BATCH);
}

static inline bool have_swap(void)
{
	char line[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1;
}

/*
 * Run @vcpu to its next ucall; a guest assertion fails the test.  Returns
 * UCALL_SYNC or UCALL_DONE.
 */
static inline u64 pvnuma_run_once(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	u64 cmd;

	vcpu_run(vcpu);
	if (vcpu->run->exit_reason != KVM_EXIT_IO) {
		/*
		 * Show the vCPU's state.  After a triple fault (SHUTDOWN) on
		 * SVM it is already the reset state, which at least says so.
		 */
		fprintf(stderr, "vCPU %u exited with %s; its state:\n", vcpu->id,
			exit_reason_str(vcpu->run->exit_reason));
		vcpu_dump(stderr, vcpu, 2);
	}
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	cmd = get_ucall(vcpu, uc);
	if (cmd == UCALL_ABORT)
		REPORT_GUEST_ASSERT(*uc);
	TEST_ASSERT(cmd == UCALL_SYNC || cmd == UCALL_DONE, "unexpected ucall %lu", cmd);
	return cmd;
}

/*
 * Run @vcpu to GUEST_SYNC(@step), or to GUEST_DONE() for step 0; returns
 * the first value the guest passed with the step (GUEST_SYNC_ARGS).
 */
static inline u64 run_until(struct kvm_vcpu *vcpu, u64 step)
{
	struct ucall uc;

	if (pvnuma_run_once(vcpu, &uc) == UCALL_DONE) {
		TEST_ASSERT(!step, "guest done, expected step %lu", step);
		return 0;
	}
	TEST_ASSERT(uc.args[1] == step, "guest at step %lu, expected %lu",
		    uc.args[1], step);
	return uc.args[2];
}

/*
 * A vCPU thread's body: run @vcpu until GUEST_DONE(); on each
 * GUEST_SYNC(x) call @sync(@vcpu, x), which must be given then.
 */
static inline void pvnuma_run_to_done(struct kvm_vcpu *vcpu,
				      void (*sync)(struct kvm_vcpu *vcpu, u64 arg))
{
	struct ucall uc;

	while (pvnuma_run_once(vcpu, &uc) == UCALL_SYNC) {
		TEST_ASSERT(sync, "unexpected GUEST_SYNC");
		sync(vcpu, uc.args[1]);
	}
}

#endif /* SELFTEST_KVM_PVNUMA_UTIL_H */
