// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: the moved-pages area and the KVM_HC_NUMA_MOVE hypercall, end to
 * end against the pvnuma host module.
 *
 * Two test memslots stand for two vNUMA nodes: A bound to host node 0, B to
 * host node 1 (mbind MPOL_BIND, as QEMU's memory-backend host-nodes= does).
 * The guest fills them with a pattern and registers the area; then, in
 * steps the host and the guest take in turn:
 *
 *  1. the host pages out part of A (MADV_PAGEOUT) and migrates another part
 *     to node 1 (move_pages): exactly those frames get their bit;
 *  2. the guest moves some of them to B, lazily: the data arrives bit-exact,
 *     the sources read zero, nothing was copied, and B's pages are swapped
 *     in on node 1;
 *  3. the same eagerly: B's pages are on node 1 before the guest touches
 *     them, read from swap straight there;
 *  4. the host migrates frames back home: their bits are cleared;
 *  5. 2 MiB entries: a THP the host migrated moves whole (one PMD), a
 *     paged-out 2 MiB range moves as 512 swap entries, into a destination
 *     whose first 100 pages are empty and the rest hold stale data (the
 *     move clears what is in its way, it does not stop half way);
 *  6. bad input: each call and entry gets its documented error and changes
 *     nothing, and so does each bad registration (#GP, the old one stays);
 *  7. every page the test did not move still holds its pattern, and every
 *     counter of the VM in sysfs is exactly what the steps imply.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "pvnuma_util.h"

#define SLOT_A		10
#define SLOT_B		11
#define SLOT_C		12	/* area, bitmap, request array */
#define SLOT_ROM	13
#define SLOT_AT		14	/* THP-backed, home node 0 */
#define SLOT_BT		15	/* THP-backed, home node 1 */
#define NPAGES		512
#define A_GPA		0x40000000ULL
#define B_GPA		(A_GPA + NPAGES * PAGE_SIZE)
#define C_GPA		(B_GPA + NPAGES * PAGE_SIZE)
#define C_PAGES		16
#define ROM_GPA		(C_GPA + 0x100000ULL)
#define ROM_PAGES	4
#define NOT_RAM_GPA	0xf0000000ULL
#define HUGE		512	/* pages in 2 MiB */
#define AT_GPA		0x41000000ULL
#define BT_GPA		(AT_GPA + 2 * HUGE * PAGE_SIZE)

#define A_GFN		(A_GPA >> PAGE_SHIFT)
#define B_GFN		(B_GPA >> PAGE_SHIFT)
#define AT_GFN		(AT_GPA >> PAGE_SHIFT)
#define BT_GFN		(BT_GPA >> PAGE_SHIFT)
#define NR_GFNS		(BT_GFN + 2 * HUGE)	/* the bitmap covers all test slots */
#define AREA_GPA	C_GPA
#define BITMAP_GPA	(C_GPA + PAGE_SIZE)
#define BIG_AREA_GPA	(C_GPA + 11 * PAGE_SIZE)
#define REQS_GPA	(C_GPA + 12 * PAGE_SIZE)
#define C_END		(C_GPA + C_PAGES * PAGE_SIZE)

/* The host's plan, in page indexes of A (and B for destinations). */
#define SWAP_FIRST	0	/* A[0, 128) paged out by the host */
#define SWAP_NR		128
#define MIG_FIRST	128	/* A[128, 192) migrated to node 1 */
#define MIG_NR		64
#define BACK_FIRST	256	/* A[256, 288) migrated to node 1, then back */
#define BACK_NR		32
#define HOME_PAGE	300	/* never moved */

#define LAZY_SWAP	64	/* A[0, 64)     -> B[0, 64)    lazy */
#define LAZY_MIG	32	/* A[128, 160)  -> B[64, 96)   lazy */
#define EAGER_SWAP	64	/* A[64, 128)   -> B[128, 192) eager */
#define EAGER_MIG	32	/* A[160, 192)  -> B[192, 224) eager */

enum { STEP_REGISTERED = 1, STEP_LAZY_DONE, STEP_EAGER_CALLED,
	STEP_EAGER_DONE, STEP_THP_DONE, STEP_BAD_DONE };

static bool bit_is_set(u64 gfn)
{
	const u64 *bitmap = (const u64 *)BITMAP_GPA;

	return (bitmap[gfn / 64] >> (gfn % 64)) & 1;
}

static u64 pattern(u64 gfn, int i)
{
	return (gfn * 0x9e3779b97f4a7c15ULL) ^ (u64)i;
}

static u64 *page_of(u64 gpa)
{
	return (u64 *)gpa;	/* the test slots are identity mapped */
}

static void guest_fill(u64 gpa, u64 npages)
{
	u64 p;
	int i;

	for (p = 0; p < npages; p++)
		for (i = 0; i < PAGE_SIZE / 8; i++)
			page_of(gpa + p * PAGE_SIZE)[i] = pattern((gpa >> PAGE_SHIFT) + p, i);
}

static bool guest_page_is(u64 gpa, u64 src_gfn)
{
	int i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (page_of(gpa)[i] != pattern(src_gfn, i))
			return false;
	return true;
}

static bool guest_page_zero(u64 gpa)
{
	int i;

	for (i = 0; i < PAGE_SIZE / 8; i++)
		if (page_of(gpa)[i])
			return false;
	return true;
}

static struct kvm_numa_move_req *reqs = (void *)REQS_GPA;

static void req(int i, u64 src_gfn, u64 dst_gfn, u32 nr)
{
	reqs[i].src_gfn = src_gfn;
	reqs[i].dst_gfn = dst_gfn;
	reqs[i].nr_pages = nr;
	reqs[i].status = 1;	/* must be overwritten */
}

/* Move A[a, a + n) to B[b, b + n) in one batch; all must succeed. */
static void guest_move(int a, int b, int n, u64 flags)
{
	u64 ret;
	int i;

	for (i = 0; i < n; i++)
		req(i, A_GFN + a + i, B_GFN + b + i, 1);
	ret = kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, n, flags, 0);
	GUEST_ASSERT_EQ(ret, n);
	for (i = 0; i < n; i++)
		GUEST_ASSERT_EQ(reqs[i].status, 0);
}

static void guest_check_moved(int a, int b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		GUEST_ASSERT(guest_page_is(B_GPA + (b + i) * PAGE_SIZE, A_GFN + a + i));
		GUEST_ASSERT(guest_page_zero(A_GPA + (a + i) * PAGE_SIZE));
	}
}

/* Bad input: each gets its documented error; returns nothing moved. */
static void guest_bad_input(void)
{
	struct kvm_numa_moved_area *big = (void *)BIG_AREA_GPA;
	/* A frame already moved away (it holds nothing now), and one at home. */
	u64 home = A_GFN + HOME_PAGE, swapped = A_GFN + SWAP_NR - 1;
	u64 val, ret;

	/* Whole-call errors. */
	req(0, swapped, B_GFN + 300, 1);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 0, 0, 0), -KVM_EINVAL);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA,
				      KVM_NUMA_MOVE_MAX_BATCH + 1, 0, 0), -KVM_EINVAL);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA + 4, 1, 0, 0), -KVM_EINVAL);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 1, 2, 0), -KVM_EINVAL);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, NOT_RAM_GPA, 1, 0, 0), -KVM_EFAULT);
	/* An array that runs off the end of guest RAM. */
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, C_END - 16, 1, 0, 0), -KVM_EFAULT);
	/* An array in ROM: the statuses could not be written. */
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, ROM_GPA, 1, 0, 0), -KVM_EFAULT);
	GUEST_ASSERT_EQ(reqs[0].status, 1);	/* untouched */

	/* Per-entry errors, all in one batch; none may move anything. */
	req(0, NOT_RAM_GPA >> PAGE_SHIFT, B_GFN + 300, 1);	/* EINVAL */
	req(1, swapped, swapped, 1);				/* EINVAL */
	req(2, swapped, B_GFN + 301, 3);			/* EINVAL */
	req(3, A_GFN + 5, B_GFN + 302, 1);			/* EINVAL: overlap */
	req(4, A_GFN + 6, B_GFN + 302, 1);			/* EINVAL: overlap */
	req(5, swapped, ROM_GPA >> PAGE_SHIFT, 1);		/* EFAULT: ROM */
	req(6, home, B_GFN + 303, 1);				/* EOPNOTSUPP */
	req(7, swapped - 1, NR_GFNS + 100000, 1);		/* EINVAL */
	ret = kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 8, 0, 0);
	GUEST_ASSERT_EQ(ret, 0);
	GUEST_ASSERT_EQ(reqs[0].status, -KVM_EINVAL);
	GUEST_ASSERT_EQ(reqs[1].status, -KVM_EINVAL);
	GUEST_ASSERT_EQ(reqs[2].status, -KVM_EINVAL);
	GUEST_ASSERT_EQ(reqs[3].status, -KVM_EINVAL);
	GUEST_ASSERT_EQ(reqs[4].status, -KVM_EINVAL);
	GUEST_ASSERT_EQ(reqs[5].status, -KVM_EFAULT);
	GUEST_ASSERT_EQ(reqs[6].status, -KVM_EOPNOTSUPP);
	GUEST_ASSERT_EQ(reqs[7].status, -KVM_EINVAL);

	/* MSR: reserved bits, area outside RAM, bad header: #GP, no change. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, AREA_GPA | 2 | KVM_MSR_ENABLED),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, NOT_RAM_GPA | KVM_MSR_ENABLED),
			GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, (ROM_GPA + 64) | KVM_MSR_ENABLED),
			GP_VECTOR);
	/* A bitmap for 4 TiB of frames in a guest of a few MiB. */
	big->version = KVM_NUMA_MOVED_VERSION;
	big->bitmap_gpa = 0;	/* in RAM, clear of the header */
	big->nr_gfns = 1ULL << 30;
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, BIG_AREA_GPA | KVM_MSR_ENABLED),
			GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &val), 0);
	GUEST_ASSERT_EQ(val, AREA_GPA | KVM_MSR_ENABLED);
}

static void guest_code(void)
{
	struct kvm_numa_moved_area *area = (void *)AREA_GPA;
	int i;

	guest_fill(A_GPA, NPAGES);
	guest_fill(B_GPA, NPAGES);
	guest_fill(AT_GPA, 2 * HUGE);
	guest_fill(BT_GPA, 2 * HUGE);

	pvnuma_guest_register(AREA_GPA, BITMAP_GPA, NR_GFNS);
	GUEST_SYNC(STEP_REGISTERED);

	/* The host has paged out and migrated; the bits say which. */
	for (i = 0; i < NPAGES; i++) {
		bool want = i < SWAP_NR || (i >= MIG_FIRST && i < MIG_FIRST + MIG_NR) ||
			    (i >= BACK_FIRST && i < BACK_FIRST + BACK_NR);

		GUEST_ASSERT_EQ(bit_is_set(A_GFN + i), want);
		GUEST_ASSERT(!bit_is_set(B_GFN + i));
	}
	GUEST_ASSERT_EQ(area->nr_moved, SWAP_NR + MIG_NR + BACK_NR + 2 * HUGE);

	guest_move(SWAP_FIRST, 0, LAZY_SWAP, 0);
	guest_move(MIG_FIRST, LAZY_SWAP, LAZY_MIG, 0);
	guest_check_moved(SWAP_FIRST, 0, LAZY_SWAP);
	guest_check_moved(MIG_FIRST, LAZY_SWAP, LAZY_MIG);
	GUEST_SYNC(STEP_LAZY_DONE);

	guest_move(SWAP_FIRST + LAZY_SWAP, 128, EAGER_SWAP, KVM_NUMA_MOVE_EAGER);
	guest_move(MIG_FIRST + LAZY_MIG, 192, EAGER_MIG, KVM_NUMA_MOVE_EAGER);
	GUEST_SYNC(STEP_EAGER_CALLED);	/* the host looks before we touch */
	guest_check_moved(SWAP_FIRST + LAZY_SWAP, 128, EAGER_SWAP);
	guest_check_moved(MIG_FIRST + LAZY_MIG, 192, EAGER_MIG);
	GUEST_SYNC(STEP_EAGER_DONE);

	/*
	 * 2 MiB entries: AT's first 2 MiB was migrated whole to node 1, its
	 * second paged out; move them to BT lazily and eagerly.
	 */
	req(0, AT_GFN, BT_GFN, HUGE);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 1, 0, 0), 1);
	GUEST_ASSERT_EQ(reqs[0].status, 0);
	req(0, AT_GFN + HUGE, BT_GFN + HUGE, HUGE);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 1,
				      KVM_NUMA_MOVE_EAGER, 0), 1);
	GUEST_ASSERT_EQ(reqs[0].status, 0);
	for (i = 0; i < 2 * HUGE; i++) {
		GUEST_ASSERT(guest_page_is(BT_GPA + i * PAGE_SIZE, AT_GFN + i));
		GUEST_ASSERT(guest_page_zero(AT_GPA + i * PAGE_SIZE));
	}
	GUEST_SYNC(STEP_THP_DONE);

	guest_bad_input();
	GUEST_SYNC(STEP_BAD_DONE);

	/* Everything not moved still holds its own pattern. */
	for (i = SWAP_NR + MIG_NR; i < NPAGES; i++)
		GUEST_ASSERT(guest_page_is(A_GPA + i * PAGE_SIZE, A_GFN + i));
	for (i = 224; i < NPAGES; i++)
		GUEST_ASSERT(guest_page_is(B_GPA + i * PAGE_SIZE, B_GFN + i));
	for (i = 0; i < 2 * HUGE; i++)
		GUEST_ASSERT(guest_page_is(BT_GPA + i * PAGE_SIZE, AT_GFN + i));

	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, 0), 0);
	GUEST_DONE();
}

/* Host side */

static void *hva_a, *hva_b, *hva_at, *hva_bt;
/*
 * Wait (at most 10 s) until the bitmap says exactly @want(gfn - A_GFN) for
 * every gfn of the test slots.
 */
static void wait_bitmap(struct kvm_vm *vm, bool (*want)(int i), const char *what)
{
	struct kvm_numa_moved_area *area = addr_gpa2hva(vm, AREA_GPA);
	u64 *bitmap = addr_gpa2hva(vm, BITMAP_GPA);
	int i, tries, bad = 0, nr = 0;

	for (i = 0; i < NR_GFNS - A_GFN; i++)
		nr += want(i);
	for (tries = 0; tries < 1000; tries++) {
		bad = 0;
		for (i = 0; i < NR_GFNS - A_GFN; i++)
			bad += ((bitmap[(A_GFN + i) / 64] >> ((A_GFN + i) % 64)) & 1) !=
			       want(i);
		if (!bad && READ_ONCE(area->nr_moved) == nr)
			break;
		usleep(10000);
	}
	TEST_ASSERT(!bad, "%s: %d bits differ from the expected %d", what, bad, nr);
	TEST_ASSERT(area->nr_moved == nr, "%s: nr_moved %llu, expected %d",
		    what, area->nr_moved, nr);
	pr_info("%s: exactly the %d expected bits set after %d ms\n", what, nr,
		tries * 10);
}

static bool in(int i, int first, int nr)
{
	return i >= first && i < first + nr;
}

static bool want_after_host(int i)
{
	return in(i, SWAP_FIRST, SWAP_NR) || in(i, MIG_FIRST, MIG_NR) ||
	       in(i, BACK_FIRST, BACK_NR) || in(i, AT_GFN - A_GFN, 2 * HUGE);
}

/* A's frames are all sources or home now; AT's still wait to be moved. */
static bool want_only_at(int i)
{
	return in(i, AT_GFN - A_GFN, 2 * HUGE);
}

/*
 * At the end nothing is away from home: the sources hold nothing, every
 * destination was faulted in on its home node (lazy: by the guest's
 * reads; eager: by the host), and the BACK pages were migrated home.
 */
static bool want_at_end(int i)
{
	return false;
}

static void host_page_out_and_migrate(struct kvm_vm *vm)
{
	TEST_ASSERT(!madvise(hva_a + SWAP_FIRST * PAGE_SIZE, SWAP_NR * PAGE_SIZE,
			     MADV_PAGEOUT), "MADV_PAGEOUT: %s", strerror(errno));
	expect_absent("paged out", hva_a + SWAP_FIRST * PAGE_SIZE, SWAP_NR);
	migrate_to(hva_a + MIG_FIRST * PAGE_SIZE, MIG_NR, 1);
	migrate_to(hva_a + BACK_FIRST * PAGE_SIZE, BACK_NR, 1);
	TEST_ASSERT(thp_kb(hva_at) >= 4096, "AT is not backed by THPs");
	/* Migrating the head moves the whole THP (tail pages say -EBUSY). */
	migrate_to(hva_at, 1, 1);
	expect_nodes("AT's THP migrated", hva_at, HUGE, 1);
	TEST_ASSERT(!madvise(hva_at + HUGE * PAGE_SIZE, HUGE * PAGE_SIZE,
			     MADV_PAGEOUT), "MADV_PAGEOUT: %s", strerror(errno));
	expect_absent("AT paged out", hva_at + HUGE * PAGE_SIZE, HUGE);
	wait_bitmap(vm, want_after_host, "host moved 224 pages of A, 2 MiB x2 of AT");
}

static void add_slot(struct kvm_vm *vm, int slot, u64 gpa, int npages, u32 flags)
{
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, slot, npages, flags);
	virt_map(vm, gpa, gpa, npages);
}

/*
 * Eager moves map what they placed for the vCPU, best effort: a page whose
 * fault KVM has to retry (an invalidation anywhere in the VM meanwhile) is
 * left to the guest.  So some pages (this host has two-dimensional paging),
 * and at most all of those moved eagerly so far.
 */
static void expect_mapped(u64 most)
{
	u64 got = vm_stat("mapped_eager");

	TEST_ASSERT(got && got <= most, "stat mapped_eager: %lu, expected 1 to %lu",
		    got, most);
	pr_info("  %-16s %lu of %lu\n", "mapped_eager", got, most);
}

int main(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED));
	TEST_REQUIRE(access("/sys/devices/system/node/node1", F_OK) == 0);
	TEST_REQUIRE(have_swap());

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	TEST_ASSERT(vcpu_cpuid_has(vcpu, X86_FEATURE_KVM_NUMA_MOVED),
		    "KVM_FEATURE_NUMA_MOVED missing from the guest's CPUID");
	add_slot(vm, SLOT_A, A_GPA, NPAGES, 0);
	add_slot(vm, SLOT_B, B_GPA, NPAGES, 0);
	add_slot(vm, SLOT_C, C_GPA, C_PAGES, 0);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, AT_GPA, SLOT_AT,
				    2 * HUGE, 0);
	virt_map(vm, AT_GPA, AT_GPA, 2 * HUGE);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, BT_GPA, SLOT_BT,
				    2 * HUGE, 0);
	virt_map(vm, BT_GPA, BT_GPA, 2 * HUGE);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, ROM_GPA, SLOT_ROM,
				    ROM_PAGES, KVM_MEM_READONLY);
	virt_map(vm, ROM_GPA, ROM_GPA, ROM_PAGES);
	/* ROM reads as zeroes: an area header of version 0. */

	hva_a = addr_gpa2hva(vm, A_GPA);
	hva_b = addr_gpa2hva(vm, B_GPA);
	bind_to_node(hva_a, NPAGES * PAGE_SIZE, 0);
	bind_to_node(hva_b, NPAGES * PAGE_SIZE, 1);
	hva_at = addr_gpa2hva(vm, AT_GPA);
	hva_bt = addr_gpa2hva(vm, BT_GPA);
	bind_to_node(hva_at, 2 * HUGE * PAGE_SIZE, 0);
	bind_to_node(hva_bt, 2 * HUGE * PAGE_SIZE, 1);

	run_until(vcpu, STEP_REGISTERED);
	expect_nodes("A after the guest filled it", hva_a, NPAGES, 0);
	expect_nodes("B after the guest filled it", hva_b, NPAGES, 1);
	expect_nodes("AT after the guest filled it", hva_at, 2 * HUGE, 0);
	expect_nodes("BT after the guest filled it", hva_bt, 2 * HUGE, 1);
	find_vm_dir();
	host_page_out_and_migrate(vm);

	run_until(vcpu, STEP_LAZY_DONE);
	pr_info("lazy: %d swapped + %d migrated pages moved\n", LAZY_SWAP, LAZY_MIG);
	expect_stat("moved_lazy", LAZY_SWAP + LAZY_MIG);
	expect_stat("bytes_copied", 0);
	expect_stat("fallbacks", 0);
	/* The guest has read B's pages: swapped in on node 1, not node 0. */
	expect_nodes("lazy B from swap", hva_b, LAZY_SWAP, 1);
	expect_nodes("lazy B from node 1", hva_b + LAZY_SWAP * PAGE_SIZE, LAZY_MIG, 1);

	run_until(vcpu, STEP_EAGER_CALLED);
	/* Before the guest touches them: already on node 1. */
	expect_nodes("eager B from swap", hva_b + 128 * PAGE_SIZE, EAGER_SWAP, 1);
	expect_nodes("eager B from node 1", hva_b + 192 * PAGE_SIZE, EAGER_MIG, 1);
	expect_stat("moved_eager", EAGER_SWAP + EAGER_MIG);
	expect_stat("swapin_eager", EAGER_SWAP);
	expect_stat("migrated_eager", 0);
	expect_stat("bytes_copied", 0);
	expect_mapped(EAGER_SWAP + EAGER_MIG);

	run_until(vcpu, STEP_EAGER_DONE);
	/* Sources hold nothing now. */
	expect_absent("moved sources", hva_a, SWAP_NR + MIG_NR);
	migrate_to(hva_a + BACK_FIRST * PAGE_SIZE, BACK_NR, 0);
	wait_bitmap(vm, want_only_at, "A's pages moved away and brought home");
	/* BT's second 2 MiB: 100 pages empty, then 412 of stale data. */
	TEST_ASSERT(!madvise(hva_bt + HUGE * PAGE_SIZE, 100 * PAGE_SIZE, MADV_DONTNEED),
		    "MADV_DONTNEED: %s", strerror(errno));
	expect_absent("BT's first 100 pages of the second 2 MiB", hva_bt + HUGE * PAGE_SIZE, 100);

	run_until(vcpu, STEP_THP_DONE);
	expect_nodes("BT from a THP on node 1", hva_bt, HUGE, 1);
	expect_nodes("BT from swap (eager)", hva_bt + HUGE * PAGE_SIZE, HUGE, 1);
	pr_info("2 MiB entries: BT has %lu KiB of THP after the moves\n",
		thp_kb(hva_bt));
	TEST_ASSERT(thp_kb(hva_bt) >= 2048, "the migrated THP was split");
	wait_bitmap(vm, want_at_end, "everything moved or home");
	expect_stat("moved_lazy", LAZY_SWAP + LAZY_MIG + HUGE);
	expect_stat("moved_eager", EAGER_SWAP + EAGER_MIG + HUGE);
	expect_stat("swapin_eager", EAGER_SWAP + HUGE);
	expect_mapped(EAGER_SWAP + EAGER_MIG + HUGE);
	expect_stat("bytes_copied", 0);

	run_until(vcpu, STEP_BAD_DONE);
	expect_stat("err_call", 7);
	expect_stat("err_inval", 6);
	expect_stat("err_fault", 1);
	expect_stat("err_declined", 1);
	expect_stat("err_home", 1);	/* entry 6: its source is at home */
	expect_stat("err_busy", 0);
	expect_stat("fallbacks", 8);
	expect_stat("err_registration", 4);
	expect_stat("registrations", 1);
	expect_stat("requests", 4 + 2 + 7 + 1);
	expect_stat("entries", LAZY_SWAP + LAZY_MIG + EAGER_SWAP + EAGER_MIG + 2 + 8);
	expect_stat("moved_lazy", LAZY_SWAP + LAZY_MIG + HUGE);
	expect_stat("moved_eager", EAGER_SWAP + EAGER_MIG + HUGE);
	expect_stat("bytes_copied", 0);

	run_until(vcpu, 0);
	kvm_vm_free(vm);
	return 0;
}
