// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma_bench: what copyless balancing saves for host-swapped guest pages.
 *
 * A guest with two memslots, A bound to host node 0 and B to host node 1,
 * fills N pages of A; the host pages all of them out; then the guest moves
 * them to B, one of three ways, each in a fresh VM:
 *
 *   baseline  the guest copies (pvnuma.ko unloaded): every read of A swaps
 *             a page in onto node 0, then the guest copies it to B;
 *   lazy      KVM_HC_NUMA_MOVE in batches of 512, lazy: no copy, B's pages
 *             are swapped in on node 1 when the guest reads them;
 *   eager     the same with KVM_NUMA_MOVE_EAGER: swapped in on node 1 by the
 *             host during the hypercall.
 *
 * Then the guest reads all of B and checks every byte.  Reported per mode:
 * time to balance and to read B, pages per second, hypercalls per page,
 * swap-ins and where they landed, bytes copied by guest and host, memory
 * left on node 0, data mismatches; and the ratio of the MADV_PAGEOUT time
 * with pvnuma.ko loaded (and the area registered) to the time without it.
 * Timings are measured, not asserted.
 *
 * Usage: pvnuma_bench [-n PAGES] [-o CSV]; needs PVNUMA_KO, 2 nodes, swap.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "pvnuma_util.h"

#define SLOT_A		10
#define SLOT_B		11
#define SLOT_C		12
#define A_GPA		0x100000000ULL
#define A_GFN		(A_GPA >> PAGE_SHIFT)
#define BATCH		KVM_NUMA_MOVE_MAX_BATCH

enum mode { BASELINE, LAZY, EAGER, NR_MODES };
static const char * const mode_name[] = { "baseline", "lazy", "eager" };

enum { STEP_FILLED = 1, STEP_GO, STEP_BALANCED, STEP_READ };

/* Set by the host before the guest runs. */
static u64 npages, b_gpa, c_gpa, nr_gfns;
static int guest_mode;

static u64 pattern(u64 gfn, int i)
{
	return (gfn * 0x9e3779b97f4a7c15ULL) ^ (u64)i;
}

static void guest_code(void)
{
	struct kvm_numa_move_req *reqs = (void *)(c_gpa + 64 * PAGE_SIZE);
	u64 p, i, n, mismatches = 0, fallbacks = 0;

	for (p = 0; p < npages; p++)
		for (i = 0; i < PAGE_SIZE / 8; i++)
			((u64 *)(A_GPA + p * PAGE_SIZE))[i] = pattern(A_GFN + p, i);
	if (guest_mode != BASELINE)
		pvnuma_guest_register(c_gpa, c_gpa + PAGE_SIZE, nr_gfns);
	GUEST_SYNC(STEP_FILLED);
	GUEST_SYNC(STEP_GO);

	for (p = 0; p < npages; p += n) {
		n = npages - p < BATCH ? npages - p : BATCH;
		if (guest_mode != BASELINE) {
			for (i = 0; i < n; i++) {
				reqs[i].src_gfn = A_GFN + p + i;
				reqs[i].dst_gfn = (b_gpa >> PAGE_SHIFT) + p + i;
				reqs[i].nr_pages = 1;
			}
			kvm_hypercall(KVM_HC_NUMA_MOVE, (u64)reqs, n,
				      guest_mode == EAGER ? KVM_NUMA_MOVE_EAGER : 0, 0);
		}
		for (i = 0; i < n; i++) {
			u64 *src = (u64 *)(A_GPA + (p + i) * PAGE_SIZE);
			u64 *dst = (u64 *)(b_gpa + (p + i) * PAGE_SIZE);
			int w;

			if (guest_mode != BASELINE && !reqs[i].status)
				continue;
			fallbacks += guest_mode != BASELINE;
			for (w = 0; w < PAGE_SIZE / 8; w++)
				dst[w] = src[w];
		}
	}
	GUEST_SYNC_ARGS(STEP_BALANCED, fallbacks, 0, 0, 0);

	for (p = 0; p < npages; p++)
		for (i = 0; i < PAGE_SIZE / 8; i++)
			mismatches += ((u64 *)(b_gpa + p * PAGE_SIZE))[i] !=
				      pattern(A_GFN + p, i);
	GUEST_SYNC_ARGS(STEP_READ, mismatches, 0, 0, 0);
	GUEST_DONE();
}

static const char * const csv_cols[] = {
	"mode", "pages", "pageout_s", "balance_s", "read_s", "pages_per_s",
	"hypercalls_per_page", "swapin_node0", "swapin_node1", "pswpin",
	"guest_bytes_copied", "host_bytes_copied", "left_on_node0",
	"mismatches", "fallbacks", "place_failed", "not_paged_out",
};

struct result {
	double pageout_s, balance_s, read_s;
	u64 requests, pswpin, swapin_node0, swapin_node1, on_node0_after;
	u64 host_bytes, guest_bytes, mismatches, fallbacks, place_failed, not_out;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static u64 read_vmstat(const char *name)
{
	char key[64];
	u64 val, ret = 0;
	FILE *f = fopen("/proc/vmstat", "r");

	TEST_ASSERT(f, "open /proc/vmstat");
	while (fscanf(f, "%63s %lu", key, &val) == 2)
		if (!strcmp(key, name))
			ret = val;
	fclose(f);
	return ret;
}

/* Pages of [hva, hva + n pages) resident on @node, in chunks. */
static u64 count_on_node(void *hva, u64 n, int node)
{
	int status[PVNUMA_MAX_PAGES];
	u64 done, i, c = 0;

	for (done = 0; done < n; done += PVNUMA_MAX_PAGES) {
		u64 k = n - done < PVNUMA_MAX_PAGES ? n - done : PVNUMA_MAX_PAGES;

		page_nodes(hva + done * PAGE_SIZE, k, status);
		for (i = 0; i < k; i++)
			c += status[i] == node;
	}
	return c;
}

/* mlock() drains every CPU's LRU batches (lru_add_drain_all()). */
static void drain_lru_batches(void)
{
	static char page[PAGE_SIZE] __aligned(PAGE_SIZE);

	if (!mlock(page, sizeof(page)))
		munlock(page, sizeof(page));
}

static void run_mode(enum mode mode, u64 n, struct result *r)
{
	u64 c_pages, bitmap_pages, pswpin0, req0 = 0, copied0 = 0, place0 = 0, left;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	void *hva_a, *hva_b;
	int tries;
	double t;

	npages = n;
	b_gpa = A_GPA + n * PAGE_SIZE;
	nr_gfns = (b_gpa >> PAGE_SHIFT) + n;
	c_gpa = b_gpa + n * PAGE_SIZE;
	bitmap_pages = (nr_gfns / 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	c_pages = 64 + 8;	/* header, bitmap (below 64 pages), requests */
	TEST_ASSERT(1 + bitmap_pages <= 64, "too many pages for the area slot");
	guest_mode = mode;

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, A_GPA, SLOT_A, n, 0);
	virt_map(vm, A_GPA, A_GPA, n);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, b_gpa, SLOT_B, n, 0);
	virt_map(vm, b_gpa, b_gpa, n);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, c_gpa, SLOT_C, c_pages, 0);
	virt_map(vm, c_gpa, c_gpa, c_pages);
	sync_global_to_guest(vm, npages);
	sync_global_to_guest(vm, b_gpa);
	sync_global_to_guest(vm, c_gpa);
	sync_global_to_guest(vm, nr_gfns);
	sync_global_to_guest(vm, guest_mode);
	hva_a = addr_gpa2hva(vm, A_GPA);
	hva_b = addr_gpa2hva(vm, b_gpa);
	bind_to_node(hva_a, n * PAGE_SIZE, 0);
	bind_to_node(hva_b, n * PAGE_SIZE, 1);

	run_until(vcpu, STEP_FILLED);
	if (mode != BASELINE) {
		find_vm_dir();
		req0 = vm_stat("requests");
		copied0 = vm_stat("bytes_copied");
		place0 = vm_stat("place_failed");
	}
	/*
	 * MADV_PAGEOUT skips pages it cannot isolate right now (still in a
	 * per-CPU LRU batch); the time counts until all of A is out.
	 */
	r->pageout_s = 0;
	for (tries = 0, left = n; left && tries < 5; tries++) {
		t = now();
		TEST_ASSERT(!madvise(hva_a, n * PAGE_SIZE, MADV_PAGEOUT), "MADV_PAGEOUT");
		r->pageout_s += now() - t;
		left = count_on_node(hva_a, n, 0);
		if (left)
			drain_lru_batches();
	}
	/*
	 * A few pages (20 of 64 Ki, once in four runs here) can stay off the
	 * LRU for the whole time, and MADV_PAGEOUT never takes them: they
	 * stay at home, are declined and copied by the guest, and show up as
	 * "not out" and in the guest's copy.
	 */
	r->not_out = left;

	run_until(vcpu, STEP_GO);
	pswpin0 = read_vmstat("pswpin");
	t = now();
	r->fallbacks = run_until(vcpu, STEP_BALANCED);
	r->balance_s = now() - t;
	t = now();
	r->mismatches = run_until(vcpu, STEP_READ);
	r->read_s = now() - t;
	r->pswpin = read_vmstat("pswpin") - pswpin0;
	/*
	 * Resident pages of A can only have come back from swap; so can those
	 * of B after a move (B held nothing but the moved swap entries), while
	 * the baseline's B pages are new ones its copy wrote.
	 */
	r->swapin_node0 = count_on_node(hva_a, n, 0);
	r->swapin_node1 = count_on_node(hva_a, n, 1);
	if (mode != BASELINE) {
		r->swapin_node0 += count_on_node(hva_b, n, 0);
		r->swapin_node1 += count_on_node(hva_b, n, 1);
	}
	/* Pages that never went out stayed home: they are no swap-ins. */
	r->swapin_node0 -= r->not_out;
	r->on_node0_after = count_on_node(hva_a, n, 0);
	r->guest_bytes = (mode == BASELINE ? n : r->fallbacks) * PAGE_SIZE;
	r->requests = mode == BASELINE ? 0 : vm_stat("requests") - req0;
	r->host_bytes = mode == BASELINE ? 0 : vm_stat("bytes_copied") - copied0;
	r->place_failed = mode == BASELINE ? 0 : vm_stat("place_failed") - place0;
	run_until(vcpu, 0);
	kvm_vm_free(vm);
}

static void module_cmd(const char *cmd, const char *arg)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s 2>/dev/null", cmd, arg);
	TEST_ASSERT(!system(line) || !strcmp(cmd, "rmmod"), "'%s' failed", line);
}

int main(int argc, char **argv)
{
	const char *ko = getenv("PVNUMA_KO"), *csv = NULL;
	struct result res[NR_MODES] = {};
	u64 n = 65536;
	FILE *out;
	int opt, m;

	while ((opt = getopt(argc, argv, "n:o:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			TEST_ASSERT(n >= 1 && n <= (1 << 20),
				    "-n: pages, 1 to 1048576 (got '%s')", optarg);
			break;
		case 'o':
			csv = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-n PAGES] [-o CSV]\n", argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_REQUIRE(ko && !access(ko, R_OK));
	TEST_REQUIRE(access("/sys/devices/system/node/node1", F_OK) == 0);
	TEST_REQUIRE(have_swap());

	for (m = 0; m < NR_MODES; m++) {
		if (m == BASELINE)
			module_cmd("rmmod", "pvnuma");
		else if (access("/sys/kernel/pvnuma", F_OK))
			module_cmd("insmod", ko);
		pr_info("%s: %lu pages...\n", mode_name[m], n);
		run_mode(m, n, &res[m]);
	}

	printf("\n%-9s %9s %9s %9s %10s %9s %9s %9s %11s %11s %9s %9s %6s\n",
	       "mode", "pageout", "balance", "read B", "pages/s", "calls/pg",
	       "in@node0", "in@node1", "guest copy", "host copy", "left@n0",
	       "unplaced", "bad");
	for (m = 0; m < NR_MODES; m++) {
		struct result *r = &res[m];

		printf("%-9s %8.2fs %8.2fs %8.2fs %10.0f %9.5f ", mode_name[m],
		       r->pageout_s, r->balance_s, r->read_s, n / r->balance_s,
		       (double)r->requests / n);
		printf("%9lu %9lu %10luK %10luK %9lu %9lu %6lu\n", r->swapin_node0,
		       r->swapin_node1, r->guest_bytes >> 10, r->host_bytes >> 10,
		       r->on_node0_after, r->place_failed, r->mismatches);
	}
	for (m = 0; m < NR_MODES; m++)
		if (res[m].not_out)
			printf("%s: %lu pages of A were never paged out (stayed off the LRU)\n",
			       mode_name[m], res[m].not_out);
	printf("\nswap-out time with pvnuma.ko loaded and the area registered: %.3f x\n"
	       "the time without pvnuma.ko (MADV_PAGEOUT, lazy run / baseline run)\n",
	       res[LAZY].pageout_s / res[BASELINE].pageout_s);

	if (csv) {
		out = fopen(csv, "w");
		TEST_ASSERT(out, "open %s", csv);
		for (m = 0; m < ARRAY_SIZE(csv_cols); m++)
			fprintf(out, "%s%c", csv_cols[m],
				m + 1 < ARRAY_SIZE(csv_cols) ? ',' : '\n');
		for (m = 0; m < NR_MODES; m++) {
			struct result *r = &res[m];

			fprintf(out, "%s,%lu,%.4f,%.4f,%.4f,%.0f,%.6f,", mode_name[m],
				n, r->pageout_s, r->balance_s, r->read_s,
				n / r->balance_s, (double)r->requests / n);
			fprintf(out, "%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu\n",
				r->swapin_node0, r->swapin_node1, r->pswpin,
				r->guest_bytes, r->host_bytes, r->on_node0_after,
				r->mismatches, r->fallbacks, r->place_failed,
				r->not_out);
		}
		fclose(out);
	}
	for (m = 0; m < NR_MODES; m++)
		TEST_ASSERT(!res[m].mismatches, "%s: %lu words differ", mode_name[m],
			    res[m].mismatches);
	return 0;
}
