# SPDX-License-Identifier: GPL-2.0
# Common settings and helpers of the pvnuma rig, sourced by tools/rig/*.sh.
#
# Everything the rig builds, the modules included, lives outside the
# checkout, under $PVNUMA_CACHE (default ~/.cache/pvnuma), so that a fresh
# clone on the same machine reuses the kernel tree, the build trees, the
# modules and ccache.

set -euo pipefail

PVNUMA_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PVNUMA_CACHE=${PVNUMA_CACHE:-${HOME:-/root}/.cache/pvnuma}
# The Debian package version the patches are made against.
PVNUMA_KPKG_VERSION=${PVNUMA_KPKG_VERSION:-6.12.117-1~deb12u1}
DEBUG=${DEBUG:-0}
# Two kernel trees: default, and debug (DEBUG=1), which also has the guest
# driver built in (tools/configs/debug.config).
case $DEBUG in
0) VARIANT=default ;;
1) VARIANT=debug ;;
*) echo "pvnuma: error: DEBUG is 0 or 1, not '$DEBUG'" >&2; exit 1 ;;
esac

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
# The out-of-tree modules are built here, outside the checkout, one
# directory per kernel: a fresh clone hits ccache, and building them for
# the debug kernel leaves the default kernel's alone.
if [ "$USER_KDIR" = 1 ]; then MODDIR=$PVNUMA_CACHE/modules-kdir
else MODDIR=$PVNUMA_CACHE/modules-$VARIANT; fi
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
# What in an L2 run is the rig's fault, in one place (Documentation/rig.rst,
# "Rig faults").  The classifiers name the signature they see, a line
# "SIGNATURE NAME WHERE" each (or "NO-SIGNATURE WHERE" for a triple fault
# that matches none): a triple fault by its rip (rig_shutdown), a vCPU
# looping inside L1's __svm_vcpu_run() (run-l1.sh's rig_hang), an
# interrupt frame saved with IF clear (irq-if0.awk, l2-stacks.py).
# rig_verdict REGISTERED CONTROL reads them on stdin and rules on the first:
# PVNUMA-RIG-FAULT (the test runs again) for
# - a signature no guest can cause, whenever it comes (RIG_ONLY: L2 resumed
#   at L1's own rip after VMRUN, an interrupt delivered with IF clear, a
#   fetch fault right after an instruction KVM emulated, on text that is
#   always mapped);
# - any other signature before the L2 under test registered its area
#   (REGISTERED 0), or after it if this lane's control run showed the same;
# else PVNUMA-NOT-RIG-FAULT, and the test fails.  A control run (CONTROL 1:
# an L2 that loads no pvnuma driver, e2e/baseline) records its signatures
# for the rest of the lane.
RIG_CONTROL=/run/pvnuma/rig-control-signatures
RIG_ONLY="vmrun vmrun-loop irq-if0 tsc-deadline apic-mmio"
rig_verdict() {
	local kind sig where
	read -r kind sig where || return 0
	case $kind in
	SIGNATURE)
		[ "$2" = 1 ] && echo "$sig" >>"$RIG_CONTROL"
		if [[ " $RIG_ONLY " == *" $sig "* ]] || [ "$1" = 0 ] ||
		   grep -qx "$sig" "$RIG_CONTROL" 2>/dev/null; then
			echo "PVNUMA-RIG-FAULT $sig: $where"
		else
			echo "PVNUMA-NOT-RIG-FAULT $sig after the L2 under test registered its area, and this lane's control run has not shown it: $where"
		fi ;;
	NO-SIGNATURE)
		echo "PVNUMA-NOT-RIG-FAULT none of the rig's signatures: $sig $where" ;;
	esac
	cat >/dev/null
}
# rig_shutdown TRACE L2_BUILD [L2_TEXT]: the first triple fault of an L2
# vCPU (KVM_EXIT_SHUTDOWN) in TRACE, a copy of KVM's trace, by its rip
# (tools/e2e/rig-signature.py); L2 runs the kernel of build tree L2_BUILD,
# its _text at L2_TEXT (default: the map's, no KASLR).  Nothing if TRACE
# has none.
rig_shutdown() {
	local line rip intr l1text l2text
	line=$(grep -m1 'reason shutdown' "$1" 2>/dev/null) || return 0
	rip=$(sed -n 's/.* rip 0x\([0-9a-f]*\).*/\1/p' <<<"$line")
	intr=$(sed -n 's/.* intr_info 0x\([0-9a-f]*\).*/\1/p' <<<"$line")
	l1text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
	l2text=${3:-$(awk '$3 == "_text" { print $1; exit }' "$2/System.map")}
	python3 "$PVNUMA_ROOT/tools/e2e/rig-signature.py" "$BUILD/System.map" "$l1text" \
		"$BUILD/vmlinux" "$2/System.map" "$l2text" "$2/vmlinux" "${rip:-0}" "${intr:-0}" |
		sed "s|\$| (KVM: ${line#*kvm_exit: })|"
}
# l2_rig_fault RC WHEN REGISTERED [L2_BUILD]: L2 (l2.sh exit RC) did not
# get as far as WHEN; REGISTERED (0 or 1) says whether its pvnuma driver
# may have registered by then.  A triple fault is the rig's as rig_verdict
# rules on its rip's signature; a hang has none.
l2_rig_fault() {
	if grep -q 'reason shutdown' /sys/kernel/tracing/trace; then
		rig_shutdown /sys/kernel/tracing/trace "${4:-$BUILD}" | rig_verdict "$3" 0 || true
	elif [ "$1" = 124 ]; then
		echo "PVNUMA-NOT-RIG-FAULT L2 hung before $2 (l2.sh timed out): no signature"
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
