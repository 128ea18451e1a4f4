// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: a data-integrity soak of KVM_HC_NUMA_MOVE.
 *
 * Two slots stand for two vNUMA nodes: A bound to host node 0, B to host
 * node 1.  Each of 4 vCPUs owns 1024 pages of each and moves its data from
 * A to B and back, round after round, lazily and eagerly in turn, with
 * 4 KiB entries and (one round in four) 2 MiB entries, in batches of 256.
 * After each round the host pages the vCPU's data out where it now is, and
 * all the while a host thread pages random ranges of both slots out,
 * migrates random ranges to the other node and faults random pages back
 * in.  An entry the host declines (its source is at home) the guest copies
 * itself, as the guest kernel does.  After every round each vCPU checks
 * every word of every page it moved; at the end the host checks them all
 * again.  The soak runs until the host has moved at least -m pages
 * (default 100000), and the module's counters must match the guests'
 * exactly.  With -c the guest makes no hypercall and copies everything
 * (the same host activity without pvnuma: to tell pvnuma's failures from
 * the rig's).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "pvnuma_util.h"

#define SLOT_A		10
#define SLOT_B		11
#define SLOT_REQ	12
#define NR_VCPUS	4
#define PER_VCPU	1024
#define NPAGES		(NR_VCPUS * PER_VCPU)
#define HUGE		512
#define BATCH		256
#define A_GPA		0x40000000ULL
#define B_GPA		(A_GPA + NPAGES * PAGE_SIZE)
#define REQ_GPA		(B_GPA + NPAGES * PAGE_SIZE)
#define REQ_PAGES	(NR_VCPUS * 8)	/* 6 KiB of entries per vCPU */
#define A_GFN		(A_GPA >> PAGE_SHIFT)
#define B_GFN		(B_GPA >> PAGE_SHIFT)
#define MAX_ROUNDS	1000
/*
 * A hang fails the test (SIGALRM): no vCPU ended a round for this long.
 * The alarm is re-armed at every round's end, so the debug kernel's
 * slowness makes the soak longer, not a failure (run-l1.sh's own limit
 * for the whole test, 1200 s on the debug lane, still applies).
 */
#define HANG_SECS	300

/* Guest state, read by the host at the end. */
static u64 target;
static bool copy_only;	/* -c: no hypercalls, the guest copies everything */
static u64 moved_total;
static u64 moved[NR_VCPUS], copied[NR_VCPUS], rounds[NR_VCPUS], calls[NR_VCPUS];
static u64 declined[NR_VCPUS];
static u64 words_checked[NR_VCPUS];
static int in_b[NR_VCPUS];	/* where each vCPU's data is now */

/* How each page last got where it is, for a failure's report. */
enum { HOW_NONE, HOW_LAZY, HOW_EAGER, HOW_COPIED };
static u8 how[NPAGES];
static const char *const how_name[] = { "initial fill", "moved lazily",
					"moved eagerly", "copied by the guest" };

static void guest_check(u64 gpa, u64 id, int v)
{
	const u64 *p = (const u64 *)gpa;
	int w, bad = 0, zero = 0, first = -1;
	u64 word = 0;

	for (w = 0; w < PAGE_SIZE / 8; w++) {
		if (p[w] == pvnuma_pattern(id, w))
			continue;
		bad++;
		zero += !p[w];
		if (first < 0) {
			first = w;
			word = p[w];
		}
	}
	if (bad)
		GUEST_SYNC(gpa);	/* the host says what it sees there */
	__GUEST_ASSERT(!bad,
		       "vCPU %d round %lu: page %lu at gpa %#lx has %d bad words (%d zero), the first word %d: %#lx != %#lx; the page was %s in a %s entry",
		       v, rounds[v], id - 1, gpa, bad, zero, first, word,
		       pvnuma_pattern(id, first), how_name[how[id - 1]],
		       rounds[v] % 4 == 3 ? "2 MiB" : "4 KiB");
	words_checked[v] += PAGE_SIZE / 8;
}

static void guest_copy(u64 dst, u64 src, u64 pages)
{
	u64 *d = (u64 *)dst;
	const u64 *s = (const u64 *)src;
	u64 w;

	for (w = 0; w < pages * PAGE_SIZE / 8; w++)
		d[w] = s[w];
}

static void guest_code(u64 v)
{
	struct kvm_numa_move_req *req = (void *)(REQ_GPA + v * 8 * PAGE_SIZE);
	u64 first = v * PER_VCPU, p, i, nr, src, dst, flags;
	long ret;

	while (READ_ONCE(moved_total) < target && rounds[v] < MAX_ROUNDS) {
		u64 before = copy_only ? copied[v] : moved[v];

		src = in_b[v] ? B_GFN : A_GFN;
		dst = in_b[v] ? A_GFN : B_GFN;
		nr = (rounds[v] % 4 == 3) ? HUGE : 1;
		flags = (rounds[v] / 2 + v) % 2 ? KVM_NUMA_MOVE_EAGER : 0;
		for (p = 0; p < PER_VCPU; p += BATCH * nr) {
			u64 n = (PER_VCPU - p) / nr < BATCH ? (PER_VCPU - p) / nr : BATCH;

			for (i = 0; i < n; i++) {
				req[i].src_gfn = src + first + p + i * nr;
				req[i].dst_gfn = dst + first + p + i * nr;
				req[i].nr_pages = nr;
				req[i].status = 1;
			}
			if (copy_only) {
				for (i = 0; i < n; i++)
					req[i].status = -KVM_EOPNOTSUPP;
			} else {
				ret = kvm_hypercall(KVM_HC_NUMA_MOVE,
						    REQ_GPA + v * 8 * PAGE_SIZE, n, flags, 0);
				calls[v]++;
				GUEST_ASSERT(ret >= 0 && ret <= (long)n);
			}
			for (i = 0; i < n; i++) {
				u64 pg = first + p + i * nr, k;

				for (k = 0; k < nr; k++)
					how[pg + k] = req[i].status ? HOW_COPIED :
						      flags ? HOW_EAGER : HOW_LAZY;
				if (!req[i].status) {
					moved[v] += nr;
					continue;
				}
				/* Declined: the guest copies, as without pvnuma. */
				GUEST_ASSERT_EQ(req[i].status, -KVM_EOPNOTSUPP);
				guest_copy(req[i].dst_gfn << PAGE_SHIFT,
					   req[i].src_gfn << PAGE_SHIFT, nr);
				copied[v] += nr;
				declined[v]++;
			}
		}
		__atomic_fetch_add(&moved_total, (copy_only ? copied[v] : moved[v]) - before,
				   __ATOMIC_RELAXED);
		in_b[v] = !in_b[v];
		for (p = first; p < first + PER_VCPU; p++)
			guest_check((in_b[v] ? B_GPA : A_GPA) + p * PAGE_SIZE, p + 1, v);
		rounds[v]++;
		/* The host pages the data out where it is now: more to move. */
		GUEST_SYNC(in_b[v]);
	}
	GUEST_DONE();
}

/* Host side */

static bool host_stop;
static u64 host_pageouts, host_migrations, host_reads;
static void *hva_a, *hva_b;
static struct kvm_vm *soak_vm;

static void *host_thread(void *arg)
{
	u64 s = 0x2545f4914f6cdd1dULL;
	void *pages[256];
	int nodes[256], status[256];

	while (!READ_ONCE(host_stop)) {
		bool b = pvnuma_rand(&s) & 1;
		u64 n = 1 + pvnuma_rand(&s) % 256, first = pvnuma_rand(&s) % NPAGES, i;
		void *hva = (b ? hva_b : hva_a) + first * PAGE_SIZE;

		if (first + n > NPAGES)
			n = NPAGES - first;
		switch (pvnuma_rand(&s) % 8) {
		case 0 ... 4:
			madvise(hva, n * PAGE_SIZE, MADV_PAGEOUT);
			host_pageouts += n;
			break;
		case 5 ... 6:	/* away from home: to the other node */
			for (i = 0; i < n; i++) {
				pages[i] = hva + i * PAGE_SIZE;
				nodes[i] = !b;
			}
			syscall(__NR_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE);
			host_migrations += n;
			break;
		default:
			for (i = 0; i < n; i += 1 + pvnuma_rand(&s) % 8)
				(void)READ_ONCE(*(u64 *)(hva + i * PAGE_SIZE));
			host_reads++;
			break;
		}
	}
	return NULL;
}

/*
 * A guest found a bad page at @gpa: say what the host sees at its address,
 * so that data lost in host memory can be told from a stale guest mapping.
 */
static void host_view(u64 gpa)
{
	u64 id = ((gpa - A_GPA) >> PAGE_SHIFT) % NPAGES + 1;
	const u64 *hva = addr_gpa2hva(soak_vm, gpa);
	int node, bad = 0, zero = 0, w;

	page_nodes((void *)hva, 1, &node);
	for (w = 0; w < PAGE_SIZE / 8; w++) {
		bad += hva[w] != pvnuma_pattern(id, w);
		zero += !hva[w];
	}
	pr_info("the host reads gpa %#lx (node %d before the read): %d bad words, %d zero\n",
		gpa, node, bad, zero);
}

/* After a round: page the vCPU's data out where it now is (@in_b). */
static void page_out_round(struct kvm_vcpu *vcpu, u64 in_b)
{
	if (in_b >= A_GPA) {	/* not the end of a round: a bad page */
		host_view(in_b);
		return;
	}
	alarm(HANG_SECS);	/* progress: the watchdog starts again */
	madvise((in_b ? hva_b : hva_a) + vcpu->id * PER_VCPU * PAGE_SIZE,
		PER_VCPU * PAGE_SIZE, MADV_PAGEOUT);
}

static void *vcpu_thread(void *arg)
{
	pvnuma_run_to_done(arg, page_out_round);
	return NULL;
}

int main(int argc, char *argv[])
{
	u64 total_moved = 0, total_copied = 0, total_rounds = 0, total_calls = 0;
	u64 words = 0, bad = 0, total_declined = 0, p, w;
	struct kvm_vcpu *vcpus[NR_VCPUS];
	pthread_t threads[NR_VCPUS], host;
	struct timespec t0, t1;
	struct kvm_vm *vm;
	int opt, v;

	target = 100000;
	while ((opt = getopt(argc, argv, "cm:")) != -1) {
		switch (opt) {
		case 'c':
			copy_only = true;
			break;
		case 'm':
			target = strtoull(optarg, NULL, 0);
			break;
		default:
			pr_info("usage: %s [-m pages to move] [-c: the guest copies, no hypercalls]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED));
	TEST_REQUIRE(access("/sys/devices/system/node/node1", F_OK) == 0);
	TEST_REQUIRE(have_swap());
	pvnuma_require_default_tunables();
	alarm(HANG_SECS);

	vm = vm_create_with_vcpus(NR_VCPUS, guest_code, vcpus);
	soak_vm = vm;
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, A_GPA, SLOT_A, NPAGES, 0);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, B_GPA, SLOT_B, NPAGES, 0);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, REQ_GPA, SLOT_REQ,
				    REQ_PAGES, 0);
	virt_map(vm, A_GPA, A_GPA, 2 * NPAGES + REQ_PAGES);
	hva_a = addr_gpa2hva(vm, A_GPA);
	hva_b = addr_gpa2hva(vm, B_GPA);
	bind_to_node(hva_a, NPAGES * PAGE_SIZE, 0);
	bind_to_node(hva_b, NPAGES * PAGE_SIZE, 1);
	for (p = 0; p < NPAGES; p++)
		for (w = 0; w < PAGE_SIZE / 8; w++)
			((u64 *)hva_a)[p * PAGE_SIZE / 8 + w] = pvnuma_pattern(p + 1, w);
	sync_global_to_guest(vm, target);
	sync_global_to_guest(vm, copy_only);
	for (v = 0; v < NR_VCPUS; v++)
		vcpu_args_set(vcpus[v], 1, v);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&host, NULL, host_thread, NULL);
	for (v = 0; v < NR_VCPUS; v++)
		pthread_create(&threads[v], NULL, vcpu_thread, vcpus[v]);
	for (v = 0; v < NR_VCPUS; v++)
		pthread_join(threads[v], NULL);
	WRITE_ONCE(host_stop, true);
	pthread_join(host, NULL);
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	sync_global_from_guest(vm, moved);
	sync_global_from_guest(vm, copied);
	sync_global_from_guest(vm, rounds);
	sync_global_from_guest(vm, calls);
	sync_global_from_guest(vm, in_b);
	sync_global_from_guest(vm, words_checked);
	sync_global_from_guest(vm, declined);
	for (v = 0; v < NR_VCPUS; v++) {
		void *hva = in_b[v] ? hva_b : hva_a;

		total_moved += moved[v];
		total_copied += copied[v];
		total_rounds += rounds[v];
		total_calls += calls[v];
		total_declined += declined[v];
		words += words_checked[v];
		for (p = v * PER_VCPU; p < (v + 1) * PER_VCPU; p++)
			for (w = 0; w < PAGE_SIZE / 8; w++)
				bad += ((u64 *)hva)[p * PAGE_SIZE / 8 + w] !=
				       pvnuma_pattern(p + 1, w);
	}
	pr_info("%lu rounds, %lu calls in %.1f s: %lu pages moved by the host, %lu copied by the guest\n",
		total_rounds, total_calls,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		total_moved, total_copied);
	pr_info("guests checked %lu words (%lu pages), host %lu pages; host ops: %lu paged out, %lu migrated, %lu read batches\n",
		words, (u64)(words / (PAGE_SIZE / 8)), (u64)NPAGES, host_pageouts,
		host_migrations, host_reads);
	TEST_ASSERT(!bad, "%lu words differ at the end", bad);
	if (copy_only) {
		pr_info("copy only (-c): %lu pages copied by the guest, 0 mismatches\n",
			total_copied);
		kvm_vm_free(vm);
		return 0;
	}
	TEST_ASSERT(total_moved >= target, "only %lu pages moved in %lu rounds",
		    total_moved, total_rounds);

	find_vm_dir();
	TEST_ASSERT(vm_stat("moved_lazy") + vm_stat("moved_eager") == total_moved,
		    "host moved %lu pages, the guests counted %lu",
		    vm_stat("moved_lazy") + vm_stat("moved_eager"), total_moved);
	expect_stat("requests", total_calls);
	expect_stat("err_call", 0);
	expect_stat("err_inval", 0);
	expect_stat("err_fault", 0);
	expect_stat("fallbacks", total_declined);
	expect_stat("err_declined", total_declined);
	/* Every decline here is a source at home or a lost race. */
	expect_stat("err_ratelimited", 0);
	TEST_ASSERT(vm_stat("err_home") + vm_stat("err_busy") == total_declined,
		    "declines: %lu at home + %lu busy, expected %lu",
		    vm_stat("err_home"), vm_stat("err_busy"), total_declined);
	expect_stat("bytes_copied", vm_stat("migrated_eager") * PAGE_SIZE);
	pr_info("soak: %lu moves, 0 mismatches\n", total_moved);
	kvm_vm_free(vm);
	return 0;
}
