// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: the life of a registration of the moved-pages area.
 *
 *  1. a registration marks what the host pages out;
 *  2. registering another area replaces the first: the new bitmap also
 *     shows what the host moved before it was registered, the old one is
 *     no longer written;
 *  3. writing 0 disables: no bitmap is written any more;
 *  4. the VMM's own MSR writes (KVM_SET_MSRS, as on restore and reset)
 *     register and clear the area;
 *  5. the module unloaded under the running VM: the MSR #GPs and the
 *     hypercall returns -KVM_ENOSYS, as without the feature;
 *  6. the module loaded again: the guest registers anew and moves a page;
 *  7. the VM destroyed with an area registered: its state is freed.
 *
 * Unloading needs the module's path in PVNUMA_KO (run-l1.sh sets it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "pvnuma_util.h"

#define SLOT_A		10
#define SLOT_C		11
#define NPAGES		256
#define A_GPA		0x40000000ULL
#define A_GFN		(A_GPA >> PAGE_SHIFT)
#define C_GPA		(A_GPA + NPAGES * PAGE_SIZE)
#define C_PAGES		32
#define NR_GFNS		(A_GFN + NPAGES)
#define AREA1		C_GPA
#define BITMAP1		(C_GPA + PAGE_SIZE)
#define AREA2		(C_GPA + 12 * PAGE_SIZE)
#define BITMAP2		(C_GPA + 13 * PAGE_SIZE)
#define REQS_GPA	(C_GPA + 30 * PAGE_SIZE)

enum { STEP_REG1 = 1, STEP_REG2, STEP_DISABLED, STEP_REG2_AGAIN,
	STEP_UNLOADED, STEP_RELOADED };

static u64 pattern(u64 gfn, int i)
{
	return (gfn * 0x9e3779b97f4a7c15ULL) ^ (u64)i;
}

static void guest_register(u64 area_gpa, u64 bitmap_gpa)
{
	pvnuma_guest_register(area_gpa, bitmap_gpa, NR_GFNS);
}

static void guest_code(void)
{
	struct kvm_numa_move_req *req = (void *)REQS_GPA;
	u64 *page, val;
	int i, p;

	for (p = 0; p < NPAGES; p++)
		for (i = 0; i < PAGE_SIZE / 8; i++)
			((u64 *)(A_GPA + p * PAGE_SIZE))[i] = pattern(A_GFN + p, i);

	guest_register(AREA1, BITMAP1);
	GUEST_SYNC(STEP_REG1);
	guest_register(AREA2, BITMAP2);
	GUEST_SYNC(STEP_REG2);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, 0), 0);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &val), 0);
	GUEST_ASSERT_EQ(val, 0);
	GUEST_SYNC(STEP_DISABLED);
	guest_register(AREA2, BITMAP2);
	GUEST_SYNC(STEP_REG2_AGAIN);

	/* The host unloaded the module: the feature is gone. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &val), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_KVM_NUMA_MOVED, AREA1 | KVM_MSR_ENABLED),
			GP_VECTOR);
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 1, 0, 0),
			-KVM_ENOSYS);
	GUEST_SYNC(STEP_UNLOADED);

	/* Loaded again: nothing registered, register and move a page. */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_KVM_NUMA_MOVED, &val), 0);
	GUEST_ASSERT_EQ(val, 0);
	guest_register(AREA1, BITMAP1);
	req->src_gfn = A_GFN;
	req->dst_gfn = A_GFN + 200;
	req->nr_pages = 1;
	GUEST_ASSERT_EQ(kvm_hypercall(KVM_HC_NUMA_MOVE, REQS_GPA, 1, 0, 0), 1);
	GUEST_ASSERT_EQ(req->status, 0);
	page = (u64 *)(A_GPA + 200 * PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE / 8; i++)
		GUEST_ASSERT_EQ(page[i], pattern(A_GFN, i));
	GUEST_SYNC(STEP_RELOADED);
	GUEST_DONE();
}

static void *hva_a;

static int count_bits(struct kvm_vm *vm, u64 bitmap_gpa, u64 first, u64 nr)
{
	u64 *bitmap = addr_gpa2hva(vm, bitmap_gpa), i;
	int n = 0;

	for (i = first; i < first + nr; i++)
		n += (bitmap[i / 64] >> (i % 64)) & 1;
	return n;
}

/* Wait (at most 10 s) for exactly A[first, first + nr) set in a bitmap. */
static void wait_marked(struct kvm_vm *vm, u64 area_gpa, u64 bitmap_gpa,
			int first, int nr, const char *what)
{
	struct kvm_numa_moved_area *area = addr_gpa2hva(vm, area_gpa);
	int tries, in = 0, all = 0;

	for (tries = 0; tries < 1000; tries++) {
		in = count_bits(vm, bitmap_gpa, A_GFN + first, nr);
		all = count_bits(vm, bitmap_gpa, 0, NR_GFNS);
		if (in == nr && all == nr && area->nr_moved == nr)
			break;
		usleep(10000);
	}
	TEST_ASSERT(in == nr && all == nr && area->nr_moved == nr,
		    "%s: %d of the %d expected bits set, %d in all, nr_moved %llu",
		    what, in, nr, all, area->nr_moved);
	pr_info("%s: exactly %d bits\n", what, nr);
}

static void page_out(int first, int nr)
{
	TEST_ASSERT(!madvise(hva_a + first * PAGE_SIZE, nr * PAGE_SIZE,
			     MADV_PAGEOUT), "MADV_PAGEOUT: %s", strerror(errno));
	expect_absent("paged out", hva_a + first * PAGE_SIZE, nr);
}

static void expect_area(const char *want)
{
	char path[640], buf[128] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/area", vm_dir);
	f = fopen(path, "r");
	TEST_ASSERT(f, "open %s", path);
	TEST_ASSERT(fgets(buf, sizeof(buf), f), "read %s", path);
	fclose(f);
	TEST_ASSERT(!strncmp(buf, want, strlen(want)), "%s: '%s', expected '%s'",
		    path, buf, want);
}

static void module_cmd(const char *cmd, const char *ko)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s", cmd, ko);
	TEST_ASSERT(!system(line), "'%s' failed", line);
}

int main(void)
{
	const char *ko = getenv("PVNUMA_KO");
	struct kvm_numa_moved_area *area1;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	char old_dir[512];

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED));
	TEST_REQUIRE(have_swap());
	TEST_REQUIRE(ko && !access(ko, R_OK));

	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, A_GPA, SLOT_A, NPAGES, 0);
	virt_map(vm, A_GPA, A_GPA, NPAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, C_GPA, SLOT_C, C_PAGES, 0);
	virt_map(vm, C_GPA, C_GPA, C_PAGES);
	hva_a = addr_gpa2hva(vm, A_GPA);
	area1 = addr_gpa2hva(vm, AREA1);

	run_until(vcpu, STEP_REG1);
	find_vm_dir();
	page_out(0, 32);
	wait_marked(vm, AREA1, BITMAP1, 0, 32, "area 1 after 32 pages out");

	run_until(vcpu, STEP_REG2);
	wait_marked(vm, AREA2, BITMAP2, 0, 32, "area 2: pages out before it existed");
	page_out(32, 32);
	wait_marked(vm, AREA2, BITMAP2, 0, 64, "area 2 after 32 more out");
	TEST_ASSERT(count_bits(vm, BITMAP1, 0, NR_GFNS) == 32 && area1->nr_moved == 32,
		    "area 1 was written after it was replaced");

	run_until(vcpu, STEP_DISABLED);
	expect_area("none");
	page_out(64, 32);
	usleep(200000);	/* 20 times the default scan_delay_ms */
	TEST_ASSERT(count_bits(vm, BITMAP2, 0, NR_GFNS) == 64,
		    "area 2 was written after the guest disabled it");

	/* The VMM restores a registration, then resets it. */
	vcpu_set_msr(vcpu, MSR_KVM_NUMA_MOVED, AREA1 | KVM_MSR_ENABLED);
	TEST_ASSERT_EQ(vcpu_get_msr(vcpu, MSR_KVM_NUMA_MOVED), AREA1 | KVM_MSR_ENABLED);
	wait_marked(vm, AREA1, BITMAP1, 0, 96, "area 1 restored by the VMM");
	vcpu_set_msr(vcpu, MSR_KVM_NUMA_MOVED, 0);
	expect_area("none");
	expect_stat("registrations", 3);

	run_until(vcpu, STEP_REG2_AGAIN);
	expect_area("0x");
	snprintf(old_dir, sizeof(old_dir), "%s", vm_dir);
	module_cmd("rmmod", "pvnuma");
	TEST_ASSERT(access("/sys/kernel/pvnuma", F_OK), "sysfs left after rmmod");
	pr_info("pvnuma unloaded under a VM with an area registered\n");

	run_until(vcpu, STEP_UNLOADED);
	module_cmd("insmod", ko);

	run_until(vcpu, STEP_RELOADED);
	find_vm_dir();
	pr_info("loaded again: %s (was %s)\n", vm_dir, old_dir);
	expect_stat("registrations", 1);
	expect_stat("moved_lazy", 1);
	/* A[0] moved away (its data now at A[200]); A[1, 96) still out. */
	wait_marked(vm, AREA1, BITMAP1, 1, 95, "area 1 after the reload");

	run_until(vcpu, 0);
	kvm_vm_free(vm);
	TEST_ASSERT(access(vm_dir, F_OK), "%s left after the VM was destroyed", vm_dir);
	return 0;
}
