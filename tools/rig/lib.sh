# SPDX-License-Identifier: GPL-2.0
# Common settings and helpers of the pvnuma rig, sourced by tools/rig/*.sh.
#
# Everything the rig builds (but the modules, which Kbuild puts in the
# checkout) lives outside the checkout, under
# $PVNUMA_CACHE (default ~/.cache/pvnuma), so that a fresh clone on the same
# machine reuses the kernel tree, the build tree and ccache.

set -euo pipefail

PVNUMA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PVNUMA_CACHE=${PVNUMA_CACHE:-${HOME:-/root}/.cache/pvnuma}
# The Debian package version the patches are made against.
PVNUMA_KPKG_VERSION=${PVNUMA_KPKG_VERSION:-6.12.117-1~deb12u1}
DEBUG=${DEBUG:-0}
# PVNUMA_BUILTIN=1: the kernel with pvnuma_guest built in, for L2 only
# (tools/configs/builtin.config).
if [ "$DEBUG" = 1 ] && [ "${PVNUMA_BUILTIN:-0}" = 1 ]; then
	echo "pvnuma: error: DEBUG=1 and PVNUMA_BUILTIN=1 are two kernels; set one" >&2
	exit 1
elif [ "$DEBUG" = 1 ]; then VARIANT=debug
elif [ "${PVNUMA_BUILTIN:-0}" = 1 ]; then VARIANT=builtin
else VARIANT=default; fi

SRC=$PVNUMA_CACHE/linux
LOGDIR=$PVNUMA_CACHE/logs
RUNDIR=$PVNUMA_CACHE/runs
# KDIR: a built 6.12.y tree of the user's own; the rig then neither fetches,
# patches, configures nor builds a kernel.
if [ -n "${KDIR:-}" ]; then
	BUILD=$(cd "$KDIR" && pwd)
	USER_KDIR=1
else
	BUILD=$PVNUMA_CACHE/build-$VARIANT
	USER_KDIR=0
fi
BZIMAGE=$BUILD/arch/x86/boot/bzImage
SELFTEST_OUT=$PVNUMA_CACHE/selftests-$VARIANT
JOBS=${JOBS:-$(nproc)}

export CCACHE_DIR=${CCACHE_DIR:-$PVNUMA_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Fixed build identity so that ccache and the module vermagic do not change
# between otherwise identical builds.
export KBUILD_BUILD_USER=pvnuma KBUILD_BUILD_HOST=rig
export KBUILD_BUILD_TIMESTAMP="2025-01-01"

# Read-only inside L1, where the same scripts run from the 9p root.
mkdir -p "$LOGDIR" "$RUNDIR" 2>/dev/null || true

# What in a kernel log is a report (WARN/BUG, oops, lockdep, KASAN, UBSAN,
# list corruption, a move pvnuma could not undo): grep -E patterns, used
# by kernel/log-clean, the e2e tests (L2's log), make stress and check.sh's
# lane resume.
KERNEL_REPORT='cut here|WARNING: CPU|BUG:|Oops|general protection fault|Call Trace:|KASAN|UBSAN|circular locking|list_(add|del) corruption|pvnuma: could not undo'

die() {
	printf 'pvnuma: error: %s\n' "$*" >&2
	exit 1
}

info() {
	printf 'pvnuma: %s\n' "$*" >&2
}

# qemu_monitor PATH COMMAND...: send COMMANDs to an L2 QEMU's human monitor
# (l2.sh --monitor PATH); print what it answers within 2 s.
qemu_monitor() {
	local m=$1
	shift
	timeout 2 sh -c 'f=$1; shift; printf "%s\n" "$@" >"$f"' sh "$m.in" "$@" || return 0
	timeout 2 cat "$m.out" || true
}

# Inside L1, KVM's trace of the guests' writes to MSR_KVM_NUMA_MOVED (those
# the host took; a write it refused with #GP is left out) and of
# their triple faults (SVM_EXIT_SHUTDOWN).  msr_trace_start returns 4 if
# KVM's tracepoint cannot be used; msr_trace_stop FILE leaves the writes in
# FILE, a line "msr_write 4b564d09 = VALUE" each.
MSR_KVM_NUMA_MOVED=0x4b564d09
KVM_EVENTS=/sys/kernel/tracing/events/kvm
msr_trace_start() {
	[ -w "$KVM_EVENTS/kvm_msr/filter" ] &&
		echo "ecx == $MSR_KVM_NUMA_MOVED && write == 1 && exception == 0" \
			>"$KVM_EVENTS/kvm_msr/filter" ||
		return 4
	echo 'exit_reason == 127' >"$KVM_EVENTS/kvm_exit/filter" &&
		echo 1 >"$KVM_EVENTS/kvm_exit/enable" || true
	echo >/sys/kernel/tracing/trace
	echo 1 >"$KVM_EVENTS/kvm_msr/enable"
}
msr_trace_stop() {
	echo 0 >"$KVM_EVENTS/kvm_msr/enable"
	echo 0 >"$KVM_EVENTS/kvm_msr/filter"
	echo 0 >"$KVM_EVENTS/kvm_exit/enable" && echo 0 >"$KVM_EVENTS/kvm_exit/filter" || true
	grep -o "msr_write ${MSR_KVM_NUMA_MOVED#0x} = 0x[0-9a-f]*" /sys/kernel/tracing/trace >"$1" || true
}
# l2_rig_fault RC WHEN: L2 (l2.sh exit RC) did not get as far as WHEN.  If
# it triple-faulted (traced) or hung (RC 124), say it was the rig's fault
# (PVNUMA-RIG-FAULT, Documentation/rig.rst); the caller knows that none of
# pvnuma's code was to blame that far.
l2_rig_fault() {
	local tf
	tf=$(grep -m1 'reason shutdown' /sys/kernel/tracing/trace || true)
	if [ -n "$tf" ]; then
		echo "PVNUMA-RIG-FAULT L2 triple-faulted (KVM_EXIT_SHUTDOWN) before $2: $tf"
	elif [ "$1" = 124 ]; then
		echo "PVNUMA-RIG-FAULT L2 hung before $2 (l2.sh timed out)"
	fi
}
# msr_registered_then_disabled FILE: the writes in FILE are a registration
# (address | 1) first and 0 last.
msr_registered_then_disabled() {
	awk 'NR == 1 { reg = ($4 != "0x0") } END { exit !(reg && NR >= 2 && $4 == "0x0") }' "$1"
}

# run_step NAME LOG CMD...: run CMD with all output in LOG, showing one
# progress line (step, elapsed time).  On failure print the log's tail and
# its path and return the command's status.
run_step() {
	local name=$1 log=$2 start pid rc=0 tick=0
	shift 2
	start=$(date +%s)
	: >"$log"
	"$@" >>"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		tick=$((tick + 1))
		if [ -t 2 ]; then
			printf '\r[%s] %ds ' "$name" $(($(date +%s) - start)) >&2
		elif [ $((tick % 60)) = 0 ]; then
			printf '[%s] %ds\n' "$name" $(($(date +%s) - start)) >&2
		fi
	done
	wait "$pid" || rc=$?
	[ -t 2 ] && printf '\r' >&2
	if [ "$rc" = 0 ]; then
		printf '[%s] done in %ds\n' "$name" $(($(date +%s) - start)) >&2
	else
		printf '[%s] FAILED after %ds (exit %d); last lines of %s:\n' \
			"$name" $(($(date +%s) - start)) "$rc" "$log" >&2
		tail -n 25 "$log" | sed 's/^/  | /' >&2
		printf 'pvnuma: full log: %s\n' "$log" >&2
	fi
	return "$rc"
}

# The series, in order: numbered patches, cover letter excluded.
series_files() {
	find "$PVNUMA_ROOT/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | LC_ALL=C sort
}

# The KVM selftests make check runs: ours from selftests/kvm/, then the
# upstream ones that guard the KVM paths our patches touch.
# Benchmarks built like the KVM selftests (on kvm_util) but not run by them.
kvm_benchmarks() {
	local f
	for f in "$PVNUMA_ROOT"/tools/bench/*.c; do
		[ -e "$f" ] && echo "x86_64/$(basename "$f" .c)"
	done
}

kvm_selftests() {
	local f
	for f in "$PVNUMA_ROOT"/selftests/kvm/*.c; do
		[ -e "$f" ] && echo "x86_64/$(basename "$f" .c)"
	done
	echo x86_64/kvm_pv_test x86_64/fix_hypercall_test \
	     x86_64/userspace_msr_exit_test steal_time demand_paging_test
}
