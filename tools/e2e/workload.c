// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma end-to-end workload, run inside the L2 guest (static binary).
 *
 *   workload DIR MIB [4k|thp]
 *
 * 1. On a vNode-0 CPU, fill MIB MiB of anonymous memory bound to vNode 0
 *    with a known pattern, in 4 KiB pages (MADV_NOHUGEPAGE, the default)
 *    or in 2 MiB transparent huge pages (thp: MADV_HUGEPAGE, the buffer
 *    2 MiB aligned); then drop the binding, so that NUMA balancing
 *    may move the pages; write each page's guest frame number to
 *    DIR/frames ("PAGE PFN" lines, for hostctl frames) and create
 *    DIR/ready.
 * 2. Wait for DIR/go: meanwhile the host pages the guest's vNode-0 memory
 *    out (and may migrate some of it).
 * 3. Run on a vNode-1 CPU, first without touching the memory until NUMA
 *    balancing has scanned it (numa_pte_updates in /proc/vmstat grew by
 *    the buffer's pages since step 1 ended, or 60 s passed), then sweep
 *    it until NUMA balancing has moved at least 95% of it to vNode 1, or
 *    120 s passed.
 * 4. Check every byte; write the frame numbers again, to
 *    DIR/frames-balanced (a page NUMA balancing moved has a new one);
 *    create DIR/balanced, wait for DIR/finish (the host
 *    looks at its memory meanwhile), print the results as key=value
 *    lines and exit 0 if the data is intact.
 *
 * First of all it makes the pvnuma hypercall itself, from user mode: KVM
 * must refuse it (-KVM_EPERM, printed as cpl3_hypercall=-1) before pvnuma
 * sees it.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE		4096UL
#define HUGE		(2UL << 20)
#define MPOL_DEFAULT	0
#define MPOL_BIND	2

#define KVM_HC_NUMA_MOVE	13

/* KVM_HC_NUMA_MOVE at CPL 3, with arguments that would be valid at CPL 0. */
static long cpl3_hypercall(void)
{
	static uint64_t req[3];
	unsigned int a, b, c, d;
	long ret;

	__cpuid(0, a, b, c, d);
	if (b == 0x68747541)	/* "AuthenticAMD": vmmcall */
		asm volatile("vmmcall" : "=a"(ret)
			     : "a"(KVM_HC_NUMA_MOVE), "b"(req), "c"(1), "d"(0)
			     : "memory");
	else
		asm volatile("vmcall" : "=a"(ret)
			     : "a"(KVM_HC_NUMA_MOVE), "b"(req), "c"(1), "d"(0)
			     : "memory");
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(2);
	}
}

/* DIR/@name, created (or emptied) for writing; exits if it cannot be. */
static FILE *create_file(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

static void touch_file(const char *dir, const char *name)
{
	fclose(create_file(dir, name));
}

static void wait_file(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (access(path, F_OK))
		usleep(100000);
}

/* Pages of @buf on @node now (move_pages with no target). */
static unsigned long pages_on(char *buf, unsigned long n, int node)
{
	static void *pages[4096];
	static int status[4096];
	unsigned long done, i, c = 0;

	for (done = 0; done < n; done += 4096) {
		unsigned long k = n - done < 4096 ? n - done : 4096;

		for (i = 0; i < k; i++)
			pages[i] = buf + (done + i) * PAGE;
		if (syscall(SYS_move_pages, 0, k, pages, NULL, status, 0)) {
			perror("move_pages");
			exit(2);
		}
		for (i = 0; i < k; i++)
			c += status[i] == node;
	}
	return c;
}

/*
 * How many pages of @buf the host has moved away from home, by the guest
 * driver's copy of the bitmap and the pages' frame numbers; -1 without the
 * driver (baseline).
 */
static long marked_pages(char *buf, unsigned long n)
{
	static uint64_t bitmap[1 << 17];	/* 8 M frames: 32 GiB */
	FILE *bf = fopen("/sys/kernel/pvnuma_guest/bitmap", "r");
	FILE *pm = fopen("/proc/self/pagemap", "r");
	unsigned long p, words;
	long c = 0;

	if (!bf || !pm) {
		if (bf)
			fclose(bf);
		if (pm)
			fclose(pm);
		return -1;
	}
	words = fread(bitmap, 8, sizeof(bitmap) / 8, bf);
	for (p = 0; p < n; p++) {
		uint64_t e = 0, pfn;

		if (fseek(pm, ((unsigned long)buf / PAGE + p) * 8, SEEK_SET) ||
		    fread(&e, 8, 1, pm) != 1 || !(e >> 63))
			continue;
		pfn = e & ((1ULL << 55) - 1);
		if (pfn / 64 < words)
			c += (bitmap[pfn / 64] >> (pfn % 64)) & 1;
	}
	fclose(bf);
	fclose(pm);
	return c;
}

/*
 * The guest frame numbers of @buf's pages into @pfns (0: not present).
 * Needs CAP_SYS_ADMIN, as pagemap gives frame numbers only then.
 */
static void frames_of(char *buf, unsigned long n, uint64_t *pfns)
{
	FILE *pm = fopen("/proc/self/pagemap", "r");
	unsigned long p, nonzero;

	if (!pm || fseek(pm, (unsigned long)buf / PAGE * 8, SEEK_SET) ||
	    fread(pfns, 8, n, pm) != n) {
		perror("pagemap");
		exit(2);
	}
	fclose(pm);
	/* 0 for a page not present (one under migration, say). */
	for (p = 0, nonzero = 0; p < n; p++) {
		pfns[p] = pfns[p] >> 63 ? pfns[p] & ((1ULL << 55) - 1) : 0;
		nonzero += pfns[p] != 0;
	}
	if (n && !nonzero) {
		fputs("pagemap gives no frame numbers (not root?)\n", stderr);
		exit(2);
	}
}

/* "PAGE PFN" lines of @pfns into DIR/@name. */
static void write_frames(const char *dir, const char *name, const uint64_t *pfns,
			 unsigned long n)
{
	FILE *f = create_file(dir, name);
	unsigned long p;

	for (p = 0; p < n; p++)
		fprintf(f, "%lu %llu\n", p, (unsigned long long)pfns[p]);
	if (fclose(f)) {
		perror(name);
		exit(2);
	}
}

/* A counter of /proc/vmstat, 0 if absent. */
static unsigned long vmstat_counter(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "r");
	unsigned long v = 0, x;
	char k[64];

	if (!f)
		return 0;
	while (fscanf(f, "%63s %lu", k, &x) == 2)
		if (!strcmp(k, key))
			v = x;
	fclose(f);
	return v;
}

static uint64_t pattern(unsigned long page, unsigned long word)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ word;
}

int main(int argc, char **argv)
{
	unsigned long mib, n, p, w, on1 = 0, bad = 0, sweeps = 0;
	unsigned long mask = 1, thp0;
	unsigned long scanned0, scanned, refiled = 0;
	uint64_t *pfns, *pfns_go;
	int thp = 0;
	char *map;
	double t0, t, scan_seconds;
	long marked;
	uint64_t *buf, sum = 0;

	mib = argc == 3 || argc == 4 ? strtoul(argv[2], NULL, 0) : 0;
	if (argc == 4 && !strcmp(argv[3], "thp"))
		thp = 1;
	else if (argc == 4 && strcmp(argv[3], "4k"))
		mib = 0;
	if (!mib) {
		fprintf(stderr, "usage: %s DIR MIB [4k|thp]\n", argv[0]);
		return 2;
	}
	printf("cpl3_hypercall=%ld\n", cpl3_hypercall());
	n = mib << 20 >> 12;
	/* 2 MiB more, to align the buffer for THPs. */
	map = mmap(NULL, n * PAGE + HUGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	buf = (uint64_t *)(((unsigned long)map + HUGE - 1) & ~(HUGE - 1));
	if (madvise(buf, n * PAGE, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		perror("madvise");
		return 2;
	}
	thp0 = vmstat_counter("thp_fault_alloc");

	pin_to_cpu(0);
	if (syscall(SYS_mbind, buf, n * PAGE, MPOL_BIND, &mask, 64, 0)) {
		perror("mbind");
		return 2;
	}
	for (p = 0; p < n; p++)
		for (w = 0; w < PAGE / 8; w++)
			buf[p * PAGE / 8 + w] = pattern(p, w);
	printf("filled_pages=%lu on_node0=%lu\n", n, pages_on((char *)buf, n, 0));
	printf("page_size=%s\nfilled_thps=%lu\n", thp ? "thp" : "4k",
	       vmstat_counter("thp_fault_alloc") - thp0);
	if (syscall(SYS_mbind, buf, n * PAGE, MPOL_DEFAULT, NULL, 0, 0)) {
		perror("mbind default");
		return 2;
	}
	fflush(stdout);
	/*
	 * From here on nothing touches the data until the sweep, so a scan
	 * while the host pages it out counts too: it armed the hint faults
	 * as well as one after "go" does.  Counted from "go", such a scan
	 * (seen in most THP runs, whose pages are then protnone already and
	 * not counted again) made the wait below run its full 60 s.
	 */
	scanned0 = vmstat_counter("numa_pte_updates");
	pfns = malloc(n * 8);
	pfns_go = malloc(n * 8);
	if (!pfns || !pfns_go) {
		perror("malloc");
		return 2;
	}
	frames_of((char *)buf, n, pfns);
	write_frames(argv[1], "frames", pfns, n);
	touch_file(argv[1], "ready");
	wait_file(argv[1], "go");
	/* Nothing should have moved them meanwhile (compaction could). */
	frames_of((char *)buf, n, pfns_go);
	for (p = 0; p < n; p++)
		refiled += pfns_go[p] != pfns[p];

	marked = marked_pages((char *)buf, n);
	pin_to_cpu(1);
	/*
	 * Run on vNode 1 without touching the data until NUMA balancing has
	 * scanned it: it only scans (and marks for hint faults) a task that
	 * is running, and an access before the scan is no hint fault: it
	 * would fault the data in on the host where it was, as any access
	 * does, and the guest would then copy it.  How long the scan takes
	 * depends on the guest's scheduler ticks, so wait for the scan, not
	 * for a time.
	 */
	t0 = now();
	do {
		for (p = 0; p < 1000000; p++)
			sum++;
		scanned = vmstat_counter("numa_pte_updates") - scanned0;
		scan_seconds = now() - t0;
	} while (scanned < n && scan_seconds < 60);
	t0 = now();
	do {
		for (p = 0; p < n; p++)
			sum += buf[p * PAGE / 8];
		sweeps++;
		on1 = pages_on((char *)buf, n, 1);
		t = now() - t0;
	} while (on1 * 100 < n * 95 && t < 120);

	for (p = 0; p < n; p++)
		for (w = 0; w < PAGE / 8; w++)
			bad += buf[p * PAGE / 8 + w] != pattern(p, w);
	frames_of((char *)buf, n, pfns);
	write_frames(argv[1], "frames-balanced", pfns, n);
	touch_file(argv[1], "balanced");
	printf("balance_seconds=%.2f\nsweeps=%lu\npages=%lu\n", t, sweeps, n);
	printf("on_node1=%lu\nbad_words=%lu\nchecksum=%llx\n", on1, bad,
	       (unsigned long long)sum);
	printf("marked_at_go=%ld\nframes_moved_before_go=%lu\n", marked, refiled);
	printf("scan_seconds=%.2f\nscan_pte_updates=%lu\n", scan_seconds, scanned);
	fflush(stdout);
	wait_file(argv[1], "finish");
	return bad ? 1 : 0;
}
