// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: a seeded fuzzer of KVM_HC_NUMA_MOVE and MSR_KVM_NUMA_MOVED, run
 * while the host pages the guest's memory out, migrates it and faults it
 * back in, next to a bystander VM of the same process.
 *
 * Three vCPUs of the fuzzed VM:
 *  - vCPU 0 issues -n calls (default 4000) built from a seeded stream
 *    (-s): random and edge-case buffers, counts, flags and entries (gfns
 *    in no memslot, in ROM, in the bystander's memory only, past the
 *    2^40 limit, src == dst, overlapping entries, bad nr_pages, 2 MiB
 *    entries), and in between MSR writes that register, re-register,
 *    disable and register garbage.  It predicts every documented error
 *    exactly; entries naming its DATA slot move (0) or are declined, and
 *    it keeps a map of which data each DATA frame holds;
 *  - vCPU 1 calls on a buffer that
 *  - vCPU 2 rewrites all the while (batches that change while being read),
 *    naming only the CHAOS slot.
 * The host side pages out, migrates and reads random ranges of both VMs
 * until vCPU 0 is done.  Then: every DATA frame holds exactly the data the
 * map says, every CHAOS frame holds zeroes or one whole original page
 * (never torn, never twice), the CANARY slot and the bystander VM are
 * untouched, and the module's counters add up to what the guests saw.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pvnuma_util.h"

#define SLOT_DATA	10
#define SLOT_CHAOS	11
#define SLOT_CANARY	12
#define SLOT_REQ	13
#define SLOT_ROM	14
#define SLOT_OTHER	15	/* the bystander's only */

#define HUGE		512
#define DATA_GPA	0x40000000ULL
#define DATA_PAGES	1024
#define CHAOS_GPA	(DATA_GPA + DATA_PAGES * PAGE_SIZE)
#define CHAOS_PAGES	1024
#define GAP_GPA		(CHAOS_GPA + CHAOS_PAGES * PAGE_SIZE)	/* no memslot */
#define GAP_PAGES	512
#define CANARY_GPA	(GAP_GPA + GAP_PAGES * PAGE_SIZE)
#define CANARY_PAGES	512
#define REQ_GPA		(CANARY_GPA + CANARY_PAGES * PAGE_SIZE)
#define REQ_PAGES	32
#define ROM_GPA		(REQ_GPA + 0x200000ULL)
#define ROM_PAGES	4
#define OTHER_GPA	0x50000000ULL
#define OTHER_PAGES	512

#define GFN(gpa)	((gpa) >> PAGE_SHIFT)
#define DATA_GFN	GFN(DATA_GPA)
#define CHAOS_GFN	GFN(CHAOS_GPA)
#define GAP_GFN		GFN(GAP_GPA)
#define ROM_GFN		GFN(ROM_GPA)
#define OTHER_GFN	GFN(OTHER_GPA)
#define RAM_END_GFN	(ROM_GFN + ROM_PAGES)

/* In the REQ slot: area, bitmap, a second area, garbage, two buffers. */
#define AREA_GPA	REQ_GPA
#define BITMAP_GPA	(REQ_GPA + PAGE_SIZE)		/* 9 pages */
#define ALT_AREA_GPA	(REQ_GPA + 10 * PAGE_SIZE)
#define BAD_AREA_GPA	(REQ_GPA + 11 * PAGE_SIZE)
#define BUF0_GPA	(REQ_GPA + 12 * PAGE_SIZE)	/* 3 pages: 512 entries */
#define BUF1_GPA	(REQ_GPA + 16 * PAGE_SIZE)
#define REQ_END		(REQ_GPA + REQ_PAGES * PAGE_SIZE)

/* Data ids: a frame holding id x reads pvnuma_pattern(x, word); 0 reads zeroes. */
#define DATA_ID(p)	(1 + (p))
#define CHAOS_ID(p)	(0x10001 + (p))
#define CANARY_ID(p)	(0x20001 + (p))
#define OTHER_ID(p)	(0x30001 + (p))

#define SENTINEL	0x7eadbeef

/* Guest state, read by the host when the guest is done. */
static int stop, stopped1, stopped2;
static u32 data_id[DATA_PAGES];
static u64 calls0, errcalls0, entries0, ok0, pages0;
static u64 calls1, entries1, ok1, rewrites2;
static u64 msr_registered, msr_gp, msr_writes;
static u64 spot_checks;

static u64 rnd_state;

static u64 rnd(u64 n)
{
	return pvnuma_rand(&rnd_state) % n;
}

static bool page_holds(u64 gpa, u64 id)
{
	const u64 *p = (const u64 *)gpa;
	int w;

	for (w = 0; w < PAGE_SIZE / 8; w++)
		if (p[w] != (id ? pvnuma_pattern(id, w) : 0))
			return false;
	return true;
}

/* The id a CHAOS frame holds: 0 (zeroes), a whole page's id, or -1. */
static s64 page_id(u64 gpa)
{
	const u64 *p = (const u64 *)gpa;
	u64 id = p[0] * 0xf1de83e19937733dULL;	/* inverse of the multiplier */

	if (!p[0] && page_holds(gpa, 0))
		return 0;
	return page_holds(gpa, id) ? (s64)id : -1;
}

/* A gfn for an entry of vCPU 0: mostly DATA, else something it may not move. */
static u64 pick_gfn(u32 nr)
{
	switch (rnd(16)) {
	case 0:
		return GAP_GFN + rnd(GAP_PAGES);
	case 1:
		return ROM_GFN + (nr == HUGE ? 0 : rnd(ROM_PAGES));
	case 2:
		return OTHER_GFN + (nr == HUGE ? 0 : rnd(OTHER_PAGES));
	case 3:
		return RAM_END_GFN + rnd(KVM_NUMA_MOVED_MAX_GFNS - RAM_END_GFN);
	case 4:
		return KVM_NUMA_MOVED_MAX_GFNS - rnd(2) * HUGE + rnd(2);
	case 5:
		return pvnuma_rand(&rnd_state) | KVM_NUMA_MOVED_MAX_GFNS;
	default:
		if (nr == HUGE)
			return DATA_GFN + rnd(DATA_PAGES / HUGE) * HUGE;
		return DATA_GFN + rnd(DATA_PAGES);
	}
}

static u32 pick_nr(void)
{
	static const u32 odd[] = { 0, 2, 3, 511, 513, 1024, 0xffffffff };

	switch (rnd(20)) {
	case 0 ... 2:
		return HUGE;
	case 3:
		return odd[rnd(ARRAY_SIZE(odd))];
	default:
		return 1;
	}
}

static bool entry_ok(const struct kvm_numa_move_req *r)
{
	u64 n = r->nr_pages;

	if (n != 1 && n != HUGE)
		return false;
	if (n == HUGE && ((r->src_gfn | r->dst_gfn) & (HUGE - 1)))
		return false;
	if (r->src_gfn >= KVM_NUMA_MOVED_MAX_GFNS ||
	    r->dst_gfn >= KVM_NUMA_MOVED_MAX_GFNS)
		return false;
	return r->src_gfn + n <= r->dst_gfn || r->dst_gfn + n <= r->src_gfn;
}

static bool ranges_meet(u64 a, u64 b, u64 n, u64 m)
{
	return a < b + m && b < a + n;
}

/* The status a range of an entry gets from the memslots (0: DATA, RAM). */
static int range_status(u64 gfn, u64 n)
{
	if (gfn >= DATA_GFN && gfn + n <= DATA_GFN + DATA_PAGES)
		return 0;
	if (gfn >= ROM_GFN && gfn + n <= ROM_GFN + ROM_PAGES)
		return -KVM_EFAULT;
	return -KVM_EINVAL;
}

/* vCPU 0's batch at @buf: fill @n entries; returns how many DATA moves. */
static void fill_batch(struct kvm_numa_move_req *buf, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		struct kvm_numa_move_req *r = &buf[i];

		r->nr_pages = pick_nr();
		r->src_gfn = pick_gfn(r->nr_pages);
		r->dst_gfn = pick_gfn(r->nr_pages);
		if (!rnd(50))
			r->dst_gfn = r->src_gfn;
		if (i && !rnd(25))	/* overlap an earlier entry */
			r->src_gfn = buf[rnd(i)].dst_gfn;
		r->status = SENTINEL;
	}
}

/* Predicted per-entry status; 1 means "0 or -KVM_EOPNOTSUPP". */
static void predict(const struct kvm_numa_move_req *buf, u32 n, int *want)
{
	u32 i, j;

	for (i = 0; i < n; i++)
		want[i] = entry_ok(&buf[i]) ? 1 : -KVM_EINVAL;
	for (i = 0; i < n; i++) {
		const struct kvm_numa_move_req *a = &buf[i];

		if (want[i] == -KVM_EINVAL && !entry_ok(a))
			continue;
		for (j = i + 1; j < n; j++) {
			const struct kvm_numa_move_req *b = &buf[j];
			u64 na = a->nr_pages, nb = b->nr_pages;

			if (!entry_ok(b))
				continue;
			if (ranges_meet(a->src_gfn, b->src_gfn, na, nb) ||
			    ranges_meet(a->src_gfn, b->dst_gfn, na, nb) ||
			    ranges_meet(a->dst_gfn, b->src_gfn, na, nb) ||
			    ranges_meet(a->dst_gfn, b->dst_gfn, na, nb)) {
				want[i] = -KVM_EINVAL;
				want[j] = -KVM_EINVAL;
			}
		}
	}
	for (i = 0; i < n; i++) {
		int s;

		if (want[i] != 1)
			continue;
		s = range_status(buf[i].src_gfn, buf[i].nr_pages);
		if (!s)
			s = range_status(buf[i].dst_gfn, buf[i].nr_pages);
		if (s)
			want[i] = s;
	}
}

static void data_moved(u64 src_gfn, u64 dst_gfn, u32 nr)
{
	u32 k, s = src_gfn - DATA_GFN, d = dst_gfn - DATA_GFN;

	for (k = 0; k < nr; k++) {
		data_id[d + k] = data_id[s + k];
		data_id[s + k] = 0;
	}
	if (!rnd(4)) {	/* read one now: faults a lazily moved page in */
		k = rnd(nr);
		GUEST_ASSERT(page_holds(DATA_GPA + (d + k) * PAGE_SIZE, data_id[d + k]));
		spot_checks++;
	}
}

/* A declined entry: copy the data, as the guest kernel does. */
static void data_copied(u64 src_gfn, u64 dst_gfn, u32 nr)
{
	u32 k, s = src_gfn - DATA_GFN, d = dst_gfn - DATA_GFN;

	memcpy((void *)(dst_gfn << PAGE_SHIFT), (void *)(src_gfn << PAGE_SHIFT),
	       nr * PAGE_SIZE);
	for (k = 0; k < nr; k++)
		data_id[d + k] = data_id[s + k];
}

static int want[KVM_NUMA_MOVE_MAX_BATCH];

/* One call of vCPU 0, with every outcome checked against its prediction. */
static void fuzz_call(void)
{
	struct kvm_numa_move_req *buf = (void *)BUF0_GPA;
	u64 gpa = BUF0_GPA, nr, flags = rnd(2) ? KVM_NUMA_MOVE_EAGER : 0;
	long ret, expect = 0;
	u32 i, n, zeros = 0;

	switch (rnd(10)) {
	case 0 ... 5:
		n = 1 + rnd(8);
		break;
	case 6 ... 7:
		n = 9 + rnd(56);
		break;
	default:
		n = 256 + rnd(KVM_NUMA_MOVE_MAX_BATCH - 255);
		break;
	}
	nr = n;
	fill_batch(buf, n);

	switch (rnd(40)) {
	case 0:
		nr = 0;
		break;
	case 1:
		nr = KVM_NUMA_MOVE_MAX_BATCH + 1 + rnd(4);
		break;
	case 2:
		nr = 1ULL << (32 + rnd(31));
		break;
	case 3:
		gpa += 1 + rnd(7);
		break;
	case 4:
		flags |= 1ULL << (1 + rnd(63));
		break;
	case 5:		/* past the top of the address space, or wraps */
		gpa = -8ULL * (1 + rnd(8));
		expect = -KVM_EFAULT;
		break;
	case 6:		/* runs off the end of the REQ slot */
		gpa = REQ_END - 8 * sizeof(*buf);
		buf = (void *)gpa;
		fill_batch(buf, 8);
		n = 8;
		nr = 8 + 1 + rnd(8);
		expect = -KVM_EFAULT;
		break;
	case 7:
		gpa = ROM_GPA;
		expect = -KVM_EFAULT;
		break;
	case 8:
		gpa = GAP_GPA + rnd(GAP_PAGES) * PAGE_SIZE;
		expect = -KVM_EFAULT;
		break;
	case 9:
		gpa = OTHER_GPA;
		expect = -KVM_EFAULT;
		break;
	default:
		break;
	}
	if (flags & ~(u64)KVM_NUMA_MOVE_EAGER || !nr ||
	    nr > KVM_NUMA_MOVE_MAX_BATCH || gpa & 7 ||
	    gpa + nr * sizeof(*buf) < gpa)
		expect = -KVM_EINVAL;
	calls0++;
	ret = kvm_hypercall(KVM_HC_NUMA_MOVE, gpa, nr, flags, 0);
	if (expect) {
		GUEST_ASSERT_EQ(ret, expect);
		errcalls0++;
		for (i = 0; i < n; i++)	/* nothing written back */
			GUEST_ASSERT_EQ(buf[i].status, SENTINEL);
		return;
	}
	GUEST_ASSERT(ret >= 0 && ret <= (long)n);
	entries0 += n;
	predict(buf, n, want);
	for (i = 0; i < n; i++) {
		const struct kvm_numa_move_req *r = &buf[i];

		if (want[i] != 1) {
			GUEST_ASSERT_EQ(r->status, want[i]);
			continue;
		}
		if (r->status == -KVM_EOPNOTSUPP) {
			/* dst holds its old data or zeroes: the guest copies. */
			data_copied(r->src_gfn, r->dst_gfn, r->nr_pages);
			continue;
		}
		GUEST_ASSERT_EQ(r->status, 0);
		zeros++;
		pages0 += r->nr_pages;
		data_moved(r->src_gfn, r->dst_gfn, r->nr_pages);
	}
	GUEST_ASSERT_EQ(ret, zeros);
	ok0 += zeros;
}

static u64 msr_now;

static void msr_write(u64 val, bool ok)
{
	u64 got;

	msr_writes++;
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, val), ok ? 0 : GP_VECTOR);
	if (ok) {
		msr_now = val;
		msr_registered += !!(val & KVM_MSR_ENABLED);
	} else {
		msr_gp++;
	}
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &got), 0);
	GUEST_ASSERT_EQ(got, msr_now);
}

static void area_init(u64 gpa)
{
	pvnuma_area_fill(gpa, BITMAP_GPA, RAM_END_GFN);
}

static void fuzz_msr(void)
{
	struct kvm_numa_moved_area *bad = (void *)BAD_AREA_GPA;

	switch (rnd(8)) {
	case 0:
		msr_write(AREA_GPA | KVM_MSR_ENABLED, true);
		break;
	case 1:
		msr_write(ALT_AREA_GPA | KVM_MSR_ENABLED, true);
		break;
	case 2:
		msr_write(0, true);
		break;
	case 3:
		msr_write(AREA_GPA | KVM_MSR_ENABLED | 2ULL << rnd(5), false);
		break;
	case 4:
		msr_write((GAP_GPA + rnd(GAP_PAGES) * PAGE_SIZE) | KVM_MSR_ENABLED, false);
		break;
	case 5:
		msr_write(ROM_GPA | KVM_MSR_ENABLED, false);	/* reads as version 0 */
		break;
	case 6:
		msr_write((AREA_GPA + 64) | KVM_MSR_ENABLED, false);	/* zeroes */
		break;
	default:
		area_init(BAD_AREA_GPA);
		switch (rnd(7)) {
		case 0:
			bad->version = 2 + rnd(1000);
			break;
		case 1:
			bad->flags = 1 + rnd(0xffff);
			break;
		case 2:
			bad->reserved[rnd(3)] = 1;
			break;
		case 3:
			bad->nr_gfns = rnd(2) ? 0 : KVM_NUMA_MOVED_MAX_GFNS + 1 + rnd(8);
			break;
		case 4:
			bad->bitmap_gpa = BITMAP_GPA + 8;
			break;
		case 5:	/* a bitmap in no memslot, or past the end of RAM */
			bad->bitmap_gpa = rnd(2) ? GAP_GPA : REQ_END - PAGE_SIZE;
			break;
		default:
			bad->bitmap_gpa = BAD_AREA_GPA;	/* over the header */
			break;
		}
		msr_write(BAD_AREA_GPA | KVM_MSR_ENABLED, false);
		break;
	}
}

static void guest_fuzzer(u64 seed, u64 iterations)
{
	u64 it, p;
	s64 id;
	static u8 seen[CHAOS_PAGES];

	rnd_state = seed;
	for (p = 0; p < DATA_PAGES; p++)
		data_id[p] = DATA_ID(p);
	area_init(AREA_GPA);
	area_init(ALT_AREA_GPA);
	msr_write(AREA_GPA | KVM_MSR_ENABLED, true);

	for (it = 0; it < iterations; it++) {
		if (!rnd(12))
			fuzz_msr();
		else
			fuzz_call();
	}
	WRITE_ONCE(stop, 1);
	while (!READ_ONCE(stopped1) || !READ_ONCE(stopped2))
		cpu_relax();

	for (p = 0; p < DATA_PAGES; p++)
		GUEST_ASSERT(page_holds(DATA_GPA + p * PAGE_SIZE, data_id[p]));
	for (p = 0; p < CANARY_PAGES; p++)
		GUEST_ASSERT(page_holds(CANARY_GPA + p * PAGE_SIZE, CANARY_ID(p)));
	for (p = 0; p < CHAOS_PAGES; p++) {
		id = page_id(CHAOS_GPA + p * PAGE_SIZE);
		if (!id)
			continue;
		GUEST_ASSERT(id >= CHAOS_ID(0) && id < CHAOS_ID(CHAOS_PAGES));
		GUEST_ASSERT(!seen[id - CHAOS_ID(0)]);
		seen[id - CHAOS_ID(0)] = 1;
	}
	msr_write(0, true);
	GUEST_DONE();
}

/* An entry for vCPU 1's batch: CHAOS frames, or frames it may not move. */
static void chaos_entry(struct kvm_numa_move_req *r, u64 *s)
{
	static const u32 nrs[] = { 1, 1, 1, 1, 1, 1, 0, 3 };
	u64 x = pvnuma_rand(s);

	WRITE_ONCE(r->src_gfn, x & 7 ? CHAOS_GFN + (x >> 8) % CHAOS_PAGES : GAP_GFN);
	x = pvnuma_rand(s);
	WRITE_ONCE(r->dst_gfn, x & 7 ? CHAOS_GFN + (x >> 8) % CHAOS_PAGES : ROM_GFN);
	WRITE_ONCE(r->nr_pages, nrs[x >> 61]);
}

static void guest_chaos_caller(u64 seed)
{
	struct kvm_numa_move_req *buf = (void *)BUF1_GPA;
	u64 s = (seed ^ 0x5555) | 1, n;
	long ret;
	int i;

	for (i = 0; i < KVM_NUMA_MOVE_MAX_BATCH; i++)
		chaos_entry(&buf[i], &s);
	while (!READ_ONCE(stop)) {
		n = pvnuma_rand(&s) % 8 ? 1 + pvnuma_rand(&s) % 64 : KVM_NUMA_MOVE_MAX_BATCH;
		ret = kvm_hypercall(KVM_HC_NUMA_MOVE, BUF1_GPA, n,
				    pvnuma_rand(&s) & 1 ? KVM_NUMA_MOVE_EAGER : 0, 0);
		calls1++;
		GUEST_ASSERT(ret >= 0 && ret <= (long)n);
		entries1 += n;
		ok1 += ret;
	}
	WRITE_ONCE(stopped1, 1);
	GUEST_DONE();
}

static void guest_rewriter(u64 seed)
{
	struct kvm_numa_move_req *buf = (void *)BUF1_GPA;
	u64 s = (seed ^ 0xaaaa) | 1;

	while (!READ_ONCE(stop)) {
		chaos_entry(&buf[pvnuma_rand(&s) % KVM_NUMA_MOVE_MAX_BATCH], &s);
		rewrites2++;
	}
	WRITE_ONCE(stopped2, 1);
	GUEST_DONE();
}

static void guest_code(u64 id, u64 seed, u64 iterations)
{
	if (id == 0)
		guest_fuzzer(seed, iterations);
	else if (id == 1)
		guest_chaos_caller(seed);
	else
		guest_rewriter(seed);
}

/* Host side */

struct region {
	void *hva;
	u64 pages;
};

static struct region regions[5];
static bool host_stop;
static u64 host_ops;

static void *vcpu_thread(void *arg)
{
	pvnuma_run_to_done(arg, NULL);
	return NULL;
}

/* Page out, migrate and fault in random ranges of both VMs. */
static void *host_thread(void *arg)
{
	u64 s = (*(u64 *)arg ^ 0x1234) | 1;
	void *pages[64];
	int nodes[64], status[64];

	while (!READ_ONCE(host_stop)) {
		struct region *r = &regions[pvnuma_rand(&s) % ARRAY_SIZE(regions)];
		u64 first = pvnuma_rand(&s) % r->pages;
		u64 n = 1 + pvnuma_rand(&s) % 64, i;
		void *hva = r->hva + first * PAGE_SIZE;

		if (first + n > r->pages)
			n = r->pages - first;
		switch (pvnuma_rand(&s) % 3) {
		case 0:
			madvise(hva, n * PAGE_SIZE, MADV_PAGEOUT);
			break;
		case 1:
			for (i = 0; i < n; i++) {
				pages[i] = hva + i * PAGE_SIZE;
				nodes[i] = pvnuma_rand(&s) & 1;
			}
			syscall(__NR_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE);
			break;
		default:
			for (i = 0; i < n; i++)
				(void)READ_ONCE(*(u64 *)(hva + i * PAGE_SIZE));
			break;
		}
		host_ops++;
	}
	return NULL;
}

static void *add_slot(struct kvm_vm *vm, int slot, u64 gpa, u64 pages, u32 flags,
		      int node)
{
	void *hva;

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, slot, pages, flags);
	hva = addr_gpa2hva(vm, gpa);
	if (node >= 0)
		bind_to_node(hva, pages * PAGE_SIZE, node);
	return hva;
}

static void fill(void *hva, u64 pages, u64 first_id)
{
	u64 p, w;

	for (p = 0; p < pages; p++)
		for (w = 0; w < PAGE_SIZE / 8; w++)
			((u64 *)hva)[p * PAGE_SIZE / 8 + w] = pvnuma_pattern(first_id + p, w);
}

int main(int argc, char *argv[])
{
	u64 seed = 1, iterations = 4000, p, w, bad = 0;
	struct kvm_vcpu *vcpus[3];
	pthread_t threads[3], host;
	struct kvm_vm *vm, *other;
	void *data, *canary, *other_data, *other_extra;
	u64 moved, fallbacks;
	int opt, i;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			iterations = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			pr_info("usage: %s [-n calls] [-s seed]\n", argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_ASSERT(seed, "the seed must not be 0");
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED));
	TEST_REQUIRE(access("/sys/devices/system/node/node1", F_OK) == 0);
	TEST_REQUIRE(have_swap());
	/* The predictions assume the module's default tunables. */
	pvnuma_require_default_tunables();
	alarm(300 + iterations / 20);	/* a hang fails the test (SIGALRM) */
	pr_info("seed %lu, %lu calls\n", seed, iterations);

	vm = vm_create_with_vcpus(3, guest_code, vcpus);
	data = add_slot(vm, SLOT_DATA, DATA_GPA, DATA_PAGES, 0, 0);
	regions[0] = (struct region){ data, DATA_PAGES };
	regions[1] = (struct region){ add_slot(vm, SLOT_CHAOS, CHAOS_GPA, CHAOS_PAGES, 0, 1),
				      CHAOS_PAGES };
	canary = add_slot(vm, SLOT_CANARY, CANARY_GPA, CANARY_PAGES, 0, 0);
	regions[2] = (struct region){ canary, CANARY_PAGES };
	add_slot(vm, SLOT_REQ, REQ_GPA, REQ_PAGES, 0, -1);
	add_slot(vm, SLOT_ROM, ROM_GPA, ROM_PAGES, KVM_MEM_READONLY, -1);
	virt_map(vm, DATA_GPA, DATA_GPA, DATA_PAGES + CHAOS_PAGES);
	virt_map(vm, CANARY_GPA, CANARY_GPA, CANARY_PAGES + REQ_PAGES);
	virt_map(vm, ROM_GPA, ROM_GPA, ROM_PAGES);
	fill(data, DATA_PAGES, DATA_ID(0));
	fill(regions[1].hva, CHAOS_PAGES, CHAOS_ID(0));
	fill(canary, CANARY_PAGES, CANARY_ID(0));

	/* The bystander: memory at the same GPAs, and where the fuzzed VM has none. */
	other = vm_create_barebones();
	other_data = add_slot(other, SLOT_DATA, DATA_GPA, DATA_PAGES, 0, 0);
	other_extra = add_slot(other, SLOT_OTHER, OTHER_GPA, OTHER_PAGES, 0, 0);
	fill(other_data, DATA_PAGES, OTHER_ID(0));
	fill(other_extra, OTHER_PAGES, OTHER_ID(DATA_PAGES));
	regions[3] = (struct region){ other_data, DATA_PAGES };
	regions[4] = (struct region){ other_extra, OTHER_PAGES };

	for (i = 0; i < 3; i++)
		vcpu_args_set(vcpus[i], 3, i, seed, iterations);
	pthread_create(&host, NULL, host_thread, &seed);
	for (i = 0; i < 3; i++)
		pthread_create(&threads[i], NULL, vcpu_thread, vcpus[i]);
	for (i = 0; i < 3; i++)
		pthread_join(threads[i], NULL);
	WRITE_ONCE(host_stop, true);
	pthread_join(host, NULL);
	alarm(0);

	for (p = 0; p < DATA_PAGES + OTHER_PAGES; p++) {
		u64 *page = p < DATA_PAGES ? other_data + p * PAGE_SIZE :
			    other_extra + (p - DATA_PAGES) * PAGE_SIZE;

		for (w = 0; w < PAGE_SIZE / 8; w++)
			bad += page[w] != pvnuma_pattern(OTHER_ID(p), w);
	}
	TEST_ASSERT(!bad, "the bystander VM's memory changed: %lu words", bad);

	find_vm_dir();
	sync_global_from_guest(vm, calls0);
	sync_global_from_guest(vm, errcalls0);
	sync_global_from_guest(vm, entries0);
	sync_global_from_guest(vm, ok0);
	sync_global_from_guest(vm, pages0);
	sync_global_from_guest(vm, calls1);
	sync_global_from_guest(vm, entries1);
	sync_global_from_guest(vm, ok1);
	sync_global_from_guest(vm, rewrites2);
	sync_global_from_guest(vm, msr_registered);
	sync_global_from_guest(vm, msr_gp);
	sync_global_from_guest(vm, msr_writes);
	sync_global_from_guest(vm, spot_checks);
	pr_info("vCPU 0: %lu calls (%lu rejected whole), %lu entries, %lu moved (%lu pages), %lu spot checks\n",
		calls0, errcalls0, entries0, ok0, pages0, spot_checks);
	pr_info("vCPU 1: %lu calls, %lu entries, %lu moved, on a batch vCPU 2 rewrote %lu times\n",
		calls1, entries1, ok1, rewrites2);
	pr_info("MSR: %lu writes, %lu registrations, %lu #GP; host: %lu page-out/migrate/read ops\n",
		msr_writes, msr_registered, msr_gp, host_ops);

	/* The module's counters add up to what the guest saw. */
	expect_stat("requests", calls0 + calls1);
	expect_stat("err_call", errcalls0);
	expect_stat("entries", entries0 + entries1);
	fallbacks = vm_stat("fallbacks");
	TEST_ASSERT(fallbacks == entries0 + entries1 - ok0 - ok1,
		    "fallbacks %lu, expected %lu", fallbacks,
		    entries0 + entries1 - ok0 - ok1);
	TEST_ASSERT(vm_stat("err_inval") + vm_stat("err_fault") + vm_stat("err_declined") ==
		    fallbacks, "errors by kind do not add up to the fallbacks");
	TEST_ASSERT(vm_stat("err_ratelimited") + vm_stat("err_home") + vm_stat("err_busy") <=
		    vm_stat("err_declined"), "more declines by reason than declines");
	moved = vm_stat("moved_lazy") + vm_stat("moved_eager");
	TEST_ASSERT(moved == pages0 + ok1, "moved %lu pages, the guests counted %lu",
		    moved, pages0 + ok1);
	expect_stat("bytes_copied", vm_stat("migrated_eager") * PAGE_SIZE);
	expect_stat("registrations", msr_registered);
	expect_stat("err_registration", msr_gp);
	pr_info("fuzzed %lu calls and %lu MSR writes: all documented, nothing corrupted\n",
		calls0 + calls1, msr_writes);

	kvm_vm_free(other);
	kvm_vm_free(vm);
	return 0;
}
