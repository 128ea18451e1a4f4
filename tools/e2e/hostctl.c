// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma end-to-end host control, run in L1 against a running QEMU.
 *
 *   hostctl pageout PID NODE [half]
 *                                page out the guest memory QEMU bound to
 *                                host node NODE (a vNUMA node's backend);
 *                                half: only the first 1 MiB of every 2 MiB
 *                                (a guest's THPs there are then half moved)
 *   hostctl migrate PID NODE TO PERCENT
 *                                migrate PERCENT of its resident pages to
 *                                host node TO
 *   hostctl resident PID NODE    where that memory is: pages resident on
 *                                each host node, and pages not resident
 *   hostctl frames PID NODE FILE for each "PAGE PFN" line of FILE (the e2e
 *                                workload's DIR/frames), where the host has
 *                                that guest frame: "PAGE STATE" lines, STATE
 *                                one of swapped; absent (neither resident
 *                                nor swapped); nodeN (resident on host node
 *                                N), nodeN+data if it still holds the
 *                                workload's data for PAGE; unknown
 *                                (resident, but move_pages() finds no page
 *                                there; or PFN 0: the workload saw
 *                                none).  The memory bound to NODE must
 *                                be the guest's first RAM, from guest
 *                                physical address 0 (vNode 0 under
 *                                tools/rig/l2.sh)
 *
 * The memory is found in /proc/PID/numa_maps by its policy, "bind:NODE";
 * NODE may also be given as POLICY:N for another policy, as numa_maps
 * names it ("prefer:1": a QEMU memory backend with policy=preferred).
 * Output is key=value lines (frames: as above); errors go to stderr with
 * exit status 1, bad usage exits 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE		4096UL
#define MAX_VMAS	64
#define CHUNK		4096
#define MAX_NODES	64
#define HUGE		(2UL << 20)
#define MAX_IOV		1024	/* UIO_MAXIOV */

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#define MPOL_MF_MOVE	2	/* 1 << 1, as in <linux/mempolicy.h> */

struct range {
	unsigned long start, end;
};

static int bad_usage(void)
{
	fputs("usage: hostctl pageout PID NODE [half]     (NODE: N or POLICY:N)\n"
	      "       hostctl migrate PID NODE TO PERCENT\n"
	      "       hostctl resident PID NODE\n"
	      "       hostctl frames PID NODE FILE\n", stderr);
	return 2;
}

/* The policy the memory is found by: "bind", or POLICY of POLICY:N. */
static char policy[16] = "bind";

/* The VMAs of @pid whose policy (policy) is for @node. */
static int bound_vmas(int pid, int node, struct range *r)
{
	char path[64], line[4096], want[32];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	snprintf(want, sizeof(want), " %s:%d ", policy, node);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "hostctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f) && n < MAX_VMAS) {
		char *end;
		unsigned long start;

		if (!strstr(line, want) || !strstr(line, "anon="))
			continue;
		start = strtoul(line, &end, 16);
		if (end != line)
			r[n++].start = start;
	}
	fclose(f);

	/* numa_maps gives starts; /proc/PID/maps gives the ends. */
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "hostctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		int i;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (r[i].start == s)
				r[i].end = e;
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "hostctl: no memory of pid %d has policy %s:%d\n",
			pid, policy, node);
		exit(1);
	}
	return n;
}

/* move_pages() on another process, chunk by chunk; @nodes may be NULL. */
static void walk(int pid, struct range *r, int n, int to, int percent,
		 long *count, long *absent)
{
	static void *pages[CHUNK];
	static int nodes[CHUNK], status[CHUNK];
	unsigned long a, k, i, seen = 0;
	int v;

	for (v = 0; v < n; v++) {
		for (a = r[v].start; a < r[v].end; a += k * PAGE) {
			k = (r[v].end - a) / PAGE < CHUNK ? (r[v].end - a) / PAGE : CHUNK;
			for (i = 0; i < k; i++) {
				pages[i] = (void *)(a + i * PAGE);
				nodes[i] = to;
			}
			if (to >= 0) {
				/* Every (100 / percent)th page: spread over the range. */
				unsigned long m = 0;

				for (i = 0; i < k; i++, seen++)
					if (seen * percent / 100 != (seen + 1) * percent / 100)
						pages[m++] = pages[i];
				if (m && syscall(SYS_move_pages, pid, m, pages, nodes,
						 status, MPOL_MF_MOVE) < 0) {
					perror("hostctl: move_pages");
					exit(1);
				}
				for (i = 0; i < m; i++)
					count[to] += status[i] == to;
				continue;
			}
			if (syscall(SYS_move_pages, pid, k, pages, NULL, status, 0) < 0) {
				perror("hostctl: move_pages");
				exit(1);
			}
			for (i = 0; i < k; i++) {
				if (status[i] >= 0 && status[i] < MAX_NODES)
					count[status[i]]++;
				else
					(*absent)++;
			}
		}
	}
}

/* Pages of the ranges that are swapped out (/proc/PID/pagemap bit 62). */
static long swapped(int pid, struct range *r, int n)
{
	static unsigned long long pm[CHUNK];
	unsigned long a, k, i;
	char path[64];
	long c = 0;
	int fd, v;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "hostctl: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (v = 0; v < n; v++) {
		for (a = r[v].start; a < r[v].end; a += k * PAGE) {
			k = (r[v].end - a) / PAGE < CHUNK ? (r[v].end - a) / PAGE : CHUNK;
			if (pread(fd, pm, k * 8, a / PAGE * 8) != (ssize_t)(k * 8)) {
				perror("hostctl: pagemap");
				exit(1);
			}
			for (i = 0; i < k; i++)
				c += (pm[i] >> 62) & 1;
		}
	}
	close(fd);
	return c;
}

/* The e2e workload's data: word @word of its page @page (workload.c). */
static unsigned long long pattern(unsigned long page, unsigned long word)
{
	return (page * 0x9e3779b97f4a7c15ULL) ^ word;
}

/*
 * Where the host has each guest frame FILE lists: see the usage at the top.
 * Guest physical address G of the memory bound to @node is at the start of
 * its (contiguous) VMAs plus G.  Reads the frames' contents only where they
 * are resident, so nothing is faulted in.
 */
static int frames(int pid, struct range *r, int n, const char *file)
{
	static unsigned long long word[PAGE / 8];
	struct iovec local = { word, PAGE }, remote = { NULL, PAGE };
	unsigned long page, size = 0, hva, i;
	unsigned long long pfn, pm;
	char path[64];
	int fd, v, status;
	void *addr;
	FILE *f;

	for (v = 0; v < n; v++) {
		if (v && r[v].start != r[v - 1].end) {
			fprintf(stderr, "hostctl: the node's memory is not contiguous at %lx\n",
				r[v].start);
			return 1;
		}
		size += r[v].end - r[v].start;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	f = fopen(file, "r");
	if (fd < 0 || !f) {
		fprintf(stderr, "hostctl: %s: %s\n", fd < 0 ? path : file, strerror(errno));
		return 1;
	}
	while (fscanf(f, "%lu %llu", &page, &pfn) == 2) {
		if (!pfn) {	/* the workload saw no frame (under migration) */
			printf("%lu unknown\n", page);
			continue;
		}
		if (pfn >= size / PAGE) {
			fprintf(stderr, "hostctl: page %lu: frame %#llx past the node's %lu MiB\n",
				page, pfn, size >> 20);
			return 1;
		}
		hva = r[0].start + pfn * PAGE;
		if (pread(fd, &pm, 8, hva / PAGE * 8) != 8) {
			perror("hostctl: pagemap");
			return 1;
		}
		if (!(pm >> 63)) {
			printf("%lu %s\n", page, (pm >> 62) & 1 ? "swapped" : "absent");
			continue;
		}
		addr = (void *)hva;
		if (syscall(SYS_move_pages, pid, 1, &addr, NULL, &status, 0) < 0) {
			perror("hostctl: move_pages");
			return 1;
		}
		if (status < 0) {	/* gone meanwhile, or no page move_pages knows */
			printf("%lu unknown\n", page);
			continue;
		}
		remote.iov_base = addr;
		if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != PAGE) {
			perror("hostctl: process_vm_readv");
			return 1;
		}
		for (i = 0; i < PAGE / 8 && word[i] == pattern(page, i); i++)
			;
		printf("%lu node%d%s\n", page, status, i == PAGE / 8 ? "+data" : "");
	}
	if (!feof(f)) {
		fprintf(stderr, "hostctl: %s: not PAGE PFN lines\n", file);
		return 1;
	}
	fclose(f);
	close(fd);
	return 0;
}

/* MADV_PAGEOUT the @k ranges of @iov in the process of @pidfd; empties it. */
static int pageout(int pidfd, struct iovec *iov, int *k)
{
	long want = 0, done;
	int i;

	for (i = 0; i < *k; i++)
		want += iov[i].iov_len;
	done = syscall(SYS_process_madvise, pidfd, iov, *k, MADV_PAGEOUT, 0);
	if (done < 0) {
		perror("hostctl: process_madvise(MADV_PAGEOUT)");
		return 1;
	}
	if (done != want) {
		fprintf(stderr, "hostctl: MADV_PAGEOUT stopped after %ld of %ld bytes\n",
			done, want);
		return 1;
	}
	*k = 0;
	return 0;
}

int main(int argc, char **argv)
{
	long count[MAX_NODES] = { 0 }, absent = 0, bytes = 0;
	struct range r[MAX_VMAS];
	int pid, node, n, i, pidfd;
	bool half;

	if (argc < 4)
		return bad_usage();
	pid = atoi(argv[2]);
	if (sscanf(argv[3], "%15[a-z]:%d", policy, &node) != 2)
		node = *argv[3] && strspn(argv[3], "0123456789") == strlen(argv[3]) ?
		       atoi(argv[3]) : -1;
	if (pid <= 0 || node < 0 || node >= MAX_NODES)
		return bad_usage();
	half = argc == 5 && !strcmp(argv[4], "half");
	if (!(!strcmp(argv[1], "pageout") && (argc == 4 || half)) &&
	    !(!strcmp(argv[1], "migrate") && argc == 6) &&
	    !(!strcmp(argv[1], "resident") && argc == 4) &&
	    !(!strcmp(argv[1], "frames") && argc == 5))
		return bad_usage();
	n = bound_vmas(pid, node, r);

	if (!strcmp(argv[1], "pageout") && (argc == 4 || half)) {
		static struct iovec iov[MAX_IOV];
		unsigned long a, end;
		int k = 0;

		pidfd = syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0) {
			perror("hostctl: pidfd_open");
			return 1;
		}
		for (i = 0; i < n; i++) {
			/*
			 * half: the first 1 MiB of each 2 MiB-aligned window.
			 * QEMU aligns guest RAM to 2 MiB, so these are the
			 * first halves of the guest's THPs.
			 */
			a = half ? r[i].start & ~(HUGE - 1) : r[i].start;
			for (; a < r[i].end; a = half ? a + HUGE : end) {
				unsigned long start = a < r[i].start ? r[i].start : a;

				end = half && a + HUGE / 2 < r[i].end ? a + HUGE / 2 : r[i].end;
				if (start >= end)
					continue;
				iov[k].iov_base = (void *)start;
				iov[k++].iov_len = end - start;
				bytes += end - start;
				if (k == MAX_IOV && pageout(pidfd, iov, &k))
					return 1;
			}
		}
		if (k && pageout(pidfd, iov, &k))
			return 1;
		printf("pageout_bytes=%ld\n", bytes);
	} else if (!strcmp(argv[1], "migrate") && argc == 6) {
		int to = atoi(argv[4]), percent = atoi(argv[5]);

		if (to < 0 || to >= MAX_NODES || percent < 0 || percent > 100)
			return bad_usage();
		walk(pid, r, n, to, percent, count, &absent);
		printf("migrated_to_node%d=%ld\n", to, count[to]);
	} else if (!strcmp(argv[1], "resident") && argc == 4) {
		walk(pid, r, n, -1, 0, count, &absent);
		for (i = 0; i < MAX_NODES; i++)
			if (count[i])
				printf("resident_node%d=%ld\n", i, count[i]);
		printf("not_resident=%ld\n", absent);
		printf("swapped=%ld\n", swapped(pid, r, n));
	} else if (!strcmp(argv[1], "frames") && argc == 5) {
		return frames(pid, r, n, argv[4]);
	} else {
		return bad_usage();
	}
	return 0;
}
