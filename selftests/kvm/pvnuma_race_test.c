// SPDX-License-Identifier: GPL-2.0
/*
 * pvnuma: lifecycle races with requests in flight.
 *
 * Two vCPUs (a third is hot-added halfway) move pages of their own part of
 * the DATA slot back and forth with KVM_HC_NUMA_MOVE, in batches that also
 * name the X slot, while vCPU 0 re-registers and disables the area and a
 * host thread pages DATA out.  Meanwhile the main thread, -r times
 * (default 25), does one of:
 *  - delete the X slot and add it again;
 *  - move the X slot to another GPA and back;
 *  - unload pvnuma.ko and load it again (PVNUMA_KO), as an administrator
 *    may under running VMs: calls get -KVM_ENOSYS and MSR writes #GP while
 *    it is out;
 *  - reset the registration from the VMM's side (a VM reset writes 0), then
 *    the guest registers again, as after a reboot or kexec;
 *  - start a second VM in a child process that floods the hypercall, and
 *    SIGKILL it mid-flight: its state in the module must go away.
 * Every call's result must be a documented one, every page each vCPU moved
 * must hold its data at the end, and the whole test has a time limit
 * (alarm) so that a hang fails instead of stalling the run.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "pvnuma_util.h"

#define SLOT_DATA	10
#define SLOT_X		11
#define SLOT_REQ	12
#define MAX_VCPUS	3
#define PER_VCPU	256
#define HALF		(PER_VCPU / 2)
#define DATA_PAGES	(MAX_VCPUS * PER_VCPU)
#define DATA_GPA	0x40000000ULL
#define X_GPA		0x48000000ULL
#define X_GPA_MOVED	0x4c000000ULL
#define X_PAGES		64
#define REQ_GPA		0x50000000ULL
#define REQ_PAGES	32
#define AREA_GPA	REQ_GPA
#define ALT_AREA_GPA	(REQ_GPA + 64)
#define BITMAP_GPA	(REQ_GPA + PAGE_SIZE)	/* 10 pages */
#define BUF_GPA(v)	(REQ_GPA + (16 + (v)) * PAGE_SIZE)
#define DATA_GFN	(DATA_GPA >> PAGE_SHIFT)
#define X_GFN		(X_GPA >> PAGE_SHIFT)
#define NR_GFNS		(REQ_GPA >> PAGE_SHIFT)	/* DATA and X */
#define BATCH		64
#define TIME_LIMIT	900	/* s: a run takes 15 s, far longer on the debug kernel */

/*
 * Guest state.  The host counts module unloads begun (rm_gen) and reloads
 * finished (in_gen): a call that found the module out must have seen
 * rm_gen move past the in_gen of before the call.
 */
static int stop;
static u64 rm_gen, in_gen;
static u64 calls[MAX_VCPUS], enosys[MAX_VCPUS], moved[MAX_VCPUS];
static u64 copied[MAX_VCPUS], msr_ok, msr_gp;
static int where[MAX_VCPUS];	/* 0: data in the lower half, 1: upper */

static void guest_msr(u64 *s)
{
	static const u64 vals[] = { AREA_GPA | KVM_MSR_ENABLED,
				    ALT_AREA_GPA | KVM_MSR_ENABLED, 0 };
	u64 before = READ_ONCE(in_gen);
	u8 vec = wrmsr_safe(MSR_KVM_NUMA_MOVED, vals[pvnuma_rand(s) % 3]);

	/* #GP only while the module is out. */
	GUEST_ASSERT(vec == 0 || vec == GP_VECTOR);
	if (vec) {
		GUEST_ASSERT(READ_ONCE(rm_gen) > before);
		msr_gp++;
	} else {
		msr_ok++;
	}
}

static void guest_code(u64 v)
{
	struct kvm_numa_move_req *req = (void *)BUF_GPA(v);
	u64 s = 0x9e3779b9 + v, first = DATA_GFN + v * PER_VCPU, i, n, src, dst, gen;
	long ret;

	if (v == 0) {
		pvnuma_area_fill(AREA_GPA, BITMAP_GPA, NR_GFNS);
		pvnuma_area_fill(ALT_AREA_GPA, BITMAP_GPA, NR_GFNS);
	}
	while (!READ_ONCE(stop)) {
		if (v == 0 && !(pvnuma_rand(&s) % 8))
			guest_msr(&s);
		/* This vCPU's data moves to the other half, in batches. */
		src = first + (where[v] ? HALF : 0);
		dst = first + (where[v] ? 0 : HALF);
		for (i = 0; i < HALF; i += n) {
			u64 k, x = BATCH / 2;

			n = HALF - i < x ? HALF - i : x;
			for (k = 0; k < n; k++) {
				req[k].src_gfn = src + i + k;
				req[k].dst_gfn = dst + i + k;
				req[k].nr_pages = 1;
				req[k].status = 1;
			}
			/* And entries naming X, which the host deletes and moves. */
			for (k = n; k < n + x; k++) {
				req[k].src_gfn = X_GFN + (pvnuma_rand(&s) % X_PAGES);
				req[k].dst_gfn = X_GFN + X_PAGES + k;
				req[k].nr_pages = 1;
				req[k].status = 1;
			}
			gen = READ_ONCE(in_gen);
			ret = kvm_hypercall(KVM_HC_NUMA_MOVE, BUF_GPA(v), n + x,
					    pvnuma_rand(&s) & 1 ? KVM_NUMA_MOVE_EAGER : 0, 0);
			calls[v]++;
			if (ret == -KVM_ENOSYS) {	/* the module is out */
				GUEST_ASSERT(READ_ONCE(rm_gen) > gen);
				enosys[v]++;
				for (k = 0; k < n + x; k++)
					req[k].status = -KVM_EOPNOTSUPP;
			} else {
				GUEST_ASSERT(ret >= 0 && ret <= (long)(n + x));
			}
			for (k = 0; k < n + x; k++) {
				int st = req[k].status;

				GUEST_ASSERT(st == 0 || st == -KVM_EINVAL || st == -KVM_EFAULT ||
					     st == -KVM_EOPNOTSUPP);
				if (k >= n)
					continue;
				if (!st) {
					moved[v]++;
					continue;
				}
				/* Not moved: the guest copies, as the kernel does. */
				GUEST_ASSERT_EQ(st, -KVM_EOPNOTSUPP);
				memcpy((void *)(req[k].dst_gfn << PAGE_SHIFT),
				       (void *)(req[k].src_gfn << PAGE_SHIFT), PAGE_SIZE);
				copied[v]++;
			}
		}
		where[v] = !where[v];
		for (i = 0; i < HALF; i++) {
			const u64 *p = (const u64 *)((first + (where[v] ? HALF : 0) + i)
						    << PAGE_SHIFT);
			u64 w;

			for (w = 0; w < PAGE_SIZE / 8; w++)
				GUEST_ASSERT_EQ(p[w], pvnuma_pattern(v * PER_VCPU + i + 1, w));
		}
		GUEST_SYNC(1);	/* let the host at the vCPU (MSR reset) */
	}
	GUEST_DONE();
}

/* A VM in a child process that floods the hypercall until killed. */
static void flood_guest(void)
{
	struct kvm_numa_move_req *req = (void *)BUF_GPA(0);
	u64 k;

	for (;;) {
		for (k = 0; k < BATCH; k++) {
			req[k].src_gfn = DATA_GFN + k;
			req[k].dst_gfn = DATA_GFN + BATCH + k;
			req[k].nr_pages = 1;
		}
		kvm_hypercall(KVM_HC_NUMA_MOVE, BUF_GPA(0), BATCH, 0, 0);
	}
}

/* Host side */

static struct kvm_vm *vm;
static struct kvm_vcpu *vcpus[MAX_VCPUS];
static bool host_stop;
static int reset_pending;	/* vCPU 0's thread resets the MSR, as a VMM's reset */

/* Between two rounds of the guest: a VM reset, if one is pending. */
static void maybe_reset(struct kvm_vcpu *vcpu, u64 arg)
{
	if (vcpu->id == 0 && READ_ONCE(reset_pending)) {
		vcpu_set_msr(vcpu, MSR_KVM_NUMA_MOVED, 0);
		WRITE_ONCE(reset_pending, 0);
	}
}

static void *vcpu_thread(void *arg)
{
	pvnuma_run_to_done(arg, maybe_reset);
	return NULL;
}

static void *pageout_thread(void *data)
{
	u64 s = 0x1234567;

	while (!READ_ONCE(host_stop)) {
		u64 first = pvnuma_rand(&s) % DATA_PAGES, n = 1 + pvnuma_rand(&s) % 64;

		if (first + n > DATA_PAGES)
			n = DATA_PAGES - first;
		madvise(data + first * PAGE_SIZE, n * PAGE_SIZE, MADV_PAGEOUT);
		usleep(1000);
	}
	return NULL;
}

/* Bump a guest counter of module reloads. */
static void guest_add(u64 *gen)
{
	u64 *g = addr_gva2hva(vm, (vm_vaddr_t)gen);

	WRITE_ONCE(*g, *g + 1);
}

static void add_x_slot(u64 gpa)
{
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, gpa, SLOT_X,
				    2 * X_PAGES, 0);
}

static void module_cmd(const char *cmd, const char *arg)
{
	char line[512];

	snprintf(line, sizeof(line), "%s %s", cmd, arg);
	TEST_ASSERT(!system(line), "'%s' failed", line);
}

static int count_vm_dirs(pid_t pid)
{
	char prefix[32];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "%d-", pid);
	dir = opendir("/sys/kernel/pvnuma/vms");
	if (!dir)
		return 0;
	while ((d = readdir(dir)))
		n += !strncmp(d->d_name, prefix, strlen(prefix));
	closedir(dir);
	return n;
}

/* A VM in a child that floods the hypercall; killed after @ms. */
static void kill_flooding_vm(const char *self, int ms)
{
	pid_t pid = fork();
	int status, i;

	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		/* Dies with the test, whatever way the test ends. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(self, self, "-c", NULL);
		_exit(127);
	}
	usleep(ms * 1000);
	/* Let it get going: up to 60 s (a debug kernel on the rig is slow). */
	for (i = 0; i < 1200 && !count_vm_dirs(pid); i++)
		usleep(50000);
	TEST_ASSERT(count_vm_dirs(pid) == 1, "the child's VM never called");
	kill(pid, SIGKILL);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
		    "child did not die by SIGKILL");
	/* Its VM is destroyed once its last file is closed. */
	for (i = 0; i < 1200 && count_vm_dirs(pid); i++)
		usleep(50000);
	TEST_ASSERT(!count_vm_dirs(pid), "VM of killed process %d still in sysfs", pid);
}

static void *flood_thread(void *arg)
{
	for (;;)
		vcpu_run(arg);
	return NULL;
}

static int child_main(void)
{
	struct kvm_vcpu *v[2];
	struct kvm_vm *cvm;
	pthread_t t[2];
	int i;

	cvm = vm_create_with_vcpus(2, flood_guest, v);
	vm_userspace_mem_region_add(cvm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, SLOT_DATA,
				    2 * BATCH, 0);
	vm_userspace_mem_region_add(cvm, VM_MEM_SRC_ANONYMOUS, REQ_GPA, SLOT_REQ,
				    REQ_PAGES, 0);
	virt_map(cvm, REQ_GPA, REQ_GPA, REQ_PAGES);
	madvise(addr_gpa2hva(cvm, DATA_GPA), 2 * BATCH * PAGE_SIZE, MADV_PAGEOUT);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, flood_thread, v[i]);
	pause();	/* until SIGKILL */
	return 0;
}

int main(int argc, char *argv[])
{
	const char *ko = getenv("PVNUMA_KO");
	u64 nr_races = 25, r, p, w, bad = 0, tot_calls = 0, tot_enosys = 0;
	u64 tot_moved = 0, tot_copied = 0, counts[5] = {};
	pthread_t threads[MAX_VCPUS], pager;
	char self[512];
	void *data;
	int opt, v, nr_vcpus = 2;
	ssize_t len;

	if (argc == 2 && !strcmp(argv[1], "-c"))
		return child_main();
	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			pr_info("usage: %s [-r races]\n", argv[0]);
			exit(KSFT_FAIL);
		}
		nr_races = strtoull(optarg, NULL, 0);
	}
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_KVM_NUMA_MOVED));
	TEST_REQUIRE(have_swap());
	TEST_REQUIRE(ko && !access(ko, R_OK));
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(len > 0, "readlink /proc/self/exe");
	self[len] = 0;
	alarm(TIME_LIMIT);	/* a hang fails the test (SIGALRM) */

	vm = vm_create_with_vcpus(nr_vcpus, guest_code, vcpus);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, DATA_GPA, SLOT_DATA,
				    DATA_PAGES, 0);
	virt_map(vm, DATA_GPA, DATA_GPA, DATA_PAGES);
	add_x_slot(X_GPA);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, REQ_GPA, SLOT_REQ,
				    REQ_PAGES, 0);
	virt_map(vm, REQ_GPA, REQ_GPA, REQ_PAGES);
	data = addr_gpa2hva(vm, DATA_GPA);
	bind_to_node(data, DATA_PAGES * PAGE_SIZE, 0);
	for (p = 0; p < DATA_PAGES; p++)
		for (w = 0; w < PAGE_SIZE / 8; w++)	/* lower halves hold the data */
			((u64 *)data)[p * PAGE_SIZE / 8 + w] =
				p % PER_VCPU < HALF ?
				pvnuma_pattern((p / PER_VCPU) * PER_VCPU + p % PER_VCPU + 1, w) : 0;

	pthread_create(&pager, NULL, pageout_thread, data);
	for (v = 0; v < nr_vcpus; v++) {
		vcpu_args_set(vcpus[v], 1, v);
		pthread_create(&threads[v], NULL, vcpu_thread, vcpus[v]);
	}

	for (r = 0; r < nr_races; r++) {
		int kind = r % 5;

		usleep(20000 + (r * 7919) % 100000);
		switch (kind) {
		case 0:
			vm_mem_region_delete(vm, SLOT_X);
			usleep(10000);
			add_x_slot(X_GPA);
			break;
		case 1:
			vm_mem_region_move(vm, SLOT_X, X_GPA_MOVED);
			usleep(10000);
			vm_mem_region_move(vm, SLOT_X, X_GPA);
			break;
		case 2:
			guest_add(&rm_gen);
			module_cmd("rmmod", "pvnuma");
			usleep(20000);
			module_cmd("insmod", ko);
			guest_add(&in_gen);
			break;
		case 3:
			WRITE_ONCE(reset_pending, 1);
			while (READ_ONCE(reset_pending))
				usleep(1000);
			break;
		default:
			kill_flooding_vm(self, 50 + (r * 31) % 250);
			break;
		}
		counts[kind]++;
		if (r == nr_races / 2) {	/* vCPU hotplug */
			vcpus[nr_vcpus] = vm_vcpu_add(vm, nr_vcpus, guest_code);
			vcpu_args_set(vcpus[nr_vcpus], 1, nr_vcpus);
			pthread_create(&threads[nr_vcpus], NULL, vcpu_thread, vcpus[nr_vcpus]);
			nr_vcpus++;
		}
	}
	WRITE_ONCE(*(int *)addr_gva2hva(vm, (vm_vaddr_t)&stop), 1);
	for (v = 0; v < nr_vcpus; v++)
		pthread_join(threads[v], NULL);
	WRITE_ONCE(host_stop, true);
	pthread_join(pager, NULL);
	alarm(0);

	sync_global_from_guest(vm, calls);
	sync_global_from_guest(vm, enosys);
	sync_global_from_guest(vm, moved);
	sync_global_from_guest(vm, copied);
	sync_global_from_guest(vm, where);
	sync_global_from_guest(vm, msr_ok);
	sync_global_from_guest(vm, msr_gp);
	for (v = 0; v < nr_vcpus; v++) {
		u64 base = v * PER_VCPU + (where[v] ? HALF : 0);

		tot_calls += calls[v];
		tot_enosys += enosys[v];
		tot_moved += moved[v];
		tot_copied += copied[v];
		for (p = 0; p < HALF; p++)
			for (w = 0; w < PAGE_SIZE / 8; w++)
				bad += ((u64 *)data)[(base + p) * PAGE_SIZE / 8 + w] !=
				       pvnuma_pattern(v * PER_VCPU + p + 1, w);
	}
	pr_info("races: %lu slot deletions, %lu slot moves, %lu module reloads, %lu VMM resets, %lu VMs killed mid-flight, 1 vCPU hot-added\n",
		counts[0], counts[1], counts[2], counts[3], counts[4]);
	pr_info("in flight: %lu calls (%lu while the module was out), %lu pages moved by the host, %lu copied; MSR: %lu ok, %lu #GP\n",
		tot_calls, tot_enosys, tot_moved, tot_copied, msr_ok, msr_gp);
	TEST_ASSERT(!bad, "%lu words differ at the end", bad);
	TEST_ASSERT(tot_moved > 0, "the host never moved a page");
	kvm_vm_free(vm);
	TEST_ASSERT(!count_vm_dirs(getpid()), "VM state left after the VM was destroyed");
	return 0;
}
