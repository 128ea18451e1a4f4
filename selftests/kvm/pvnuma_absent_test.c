// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: with KVM_FEATURE_NUMA_MOVED absent, MSR_KVM_NUMA_MOVED raises #GP on
 * read and write and KVM_HC_NUMA_MOVE returns -KVM_ENOSYS, as for every
 * other absent PV feature.
 *
 * Two VMs: one whose PV CPUID leaf is cleared with
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID (the feature hidden by userspace), and one
 * with the CPUID KVM itself reports, run while the host does not offer the
 * feature (no pvnuma module loaded).
 */
#include <stdint.h>

#include "pvnuma_util.h"

/* A well-formed registration: only the missing feature makes it fail. */
static struct kvm_numa_moved_area area __aligned(64);
static u64 bitmap[512] __aligned(4096);
static u64 area_gpa, bitmap_gpa;

static void guest_code(void)
{
	u64 val, r;
	u8 vector;

	area.version = KVM_NUMA_MOVED_VERSION;
	area.bitmap_gpa = bitmap_gpa;
	area.nr_gfns = sizeof(bitmap) * 8;

	vector = rdmsr_safe(MSR_KVM_NUMA_MOVED, &val);
	GUEST_ASSERT_EQ(vector, GP_VECTOR);
	vector = wrmsr_safe(MSR_KVM_NUMA_MOVED, area_gpa | KVM_MSR_ENABLED);
	GUEST_ASSERT_EQ(vector, GP_VECTOR);
	vector = wrmsr_safe(MSR_KVM_NUMA_MOVED, 0);
	GUEST_ASSERT_EQ(vector, GP_VECTOR);

	r = kvm_hypercall(KVM_HC_NUMA_MOVE, 0, 1, 0, 0);
	GUEST_ASSERT_EQ(r, -KVM_ENOSYS);
	GUEST_DONE();
}

static void run_guest(struct kvm_vcpu *vcpu)
{
	struct kvm_vm *vm = vcpu->vm;

	area_gpa = addr_gva2gpa(vm, (vm_vaddr_t)&area);
	bitmap_gpa = addr_gva2gpa(vm, (vm_vaddr_t)bitmap);
	sync_global_to_guest(vm, area_gpa);
	sync_global_to_guest(vm, bitmap_gpa);
	run_until(vcpu, 0);
}

static void test_hidden_by_userspace(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	pr_info("feature hidden with KVM_CAP_ENFORCE_PV_FEATURE_CPUID\n");
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_enable_cap(vcpu, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, 1);
	vcpu_clear_cpuid_entry(vcpu, KVM_CPUID_FEATURES);
	run_guest(vcpu);
	kvm_vm_free(vm);
}

static void test_not_offered(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	pr_info("feature not offered by the host\n");
	TEST_ASSERT(!kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED),
		    "KVM_FEATURE_NUMA_MOVED offered although pvnuma is not loaded");
	vm = vm_create_with_one_vcpu(&vcpu, guest_code);
	vcpu_enable_cap(vcpu, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, 1);
	TEST_ASSERT(!vcpu_cpuid_has(vcpu, X86_FEATURE_KVM_NUMA_MOVED),
		    "KVM_FEATURE_NUMA_MOVED in the default guest CPUID");
	run_guest(vcpu);
	kvm_vm_free(vm);
}

int main(void)
{
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_ENFORCE_PV_FEATURE_CPUID));

	test_hidden_by_userspace();
	test_not_offered();
	return 0;
}
