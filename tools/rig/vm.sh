#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the rig kernel as L1 (a KVM host with NUMA nodes, under QEMU TCG with
# AMD SVM and nested paging), run one command inside it and return that
# command's output and exit status.
#
# Usage: vm.sh [--nodes N] [--mem SIZE_MB] [--cpus-per-node N]
#              [--timeout SECONDS] [--name NAME] [--tcg multi|single]
#              [--quiet] -- COMMAND...
#
# COMMAND runs as root in a chroot of this machine's root file system
# (read-only), so every path on this machine is the same path inside L1.
# /run/pvnuma inside is the run directory $PVNUMA_CACHE/runs/NAME here,
# writable both ways.  Exit status: COMMAND's, or 124 if L1 timed out,
# 123 if an L1 CPU triple-faulted (QEMU logged it, see "Rig faults" in
# rig.rst), 125 if L1 died otherwise before reporting one.  --tcg single
# runs all of L1's CPUs on one host thread (slower; see "Rig faults").
# 15 s before the timeout, a still running L1 is taken for hung: where its
# CPUs are (registers, stacks by symbol, from its QEMU monitor) goes to
# l1-stuck.txt in the run directory.  An L1 whose console reports an RCU
# stall and whose CPUs show the rig's lost wakeup (l1_lost_wakeup, twice
# 10 s apart) is stopped then, also with exit 124.
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '7,17p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

nodes=2 mem=4096 cpn=1 timeout=600 name=vm quiet=0 tcg=multi
while [ $# -gt 0 ]; do
	case $1 in
	--nodes) nodes=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus-per-node) cpn=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--tcg) tcg=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "vm.sh: unknown option '$1'" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || { echo "vm.sh: no command given" >&2; usage; }
for v in "nodes=$nodes" "mem=$mem" "cpus-per-node=$cpn" "timeout=$timeout"; do
	case ${v#*=} in
	''|*[!0-9]*|0) echo "vm.sh: --${v%%=*} must be a positive integer, got '${v#*=}'" >&2
		       exit 2 ;;
	esac
done
case $tcg in
multi|single) ;;
*) echo "vm.sh: --tcg must be 'multi' or 'single', got '$tcg'" >&2; exit 2 ;;
esac
case $name in
''|*[!A-Za-z0-9._-]*) echo "vm.sh: --name may use only [A-Za-z0-9._-]" >&2; exit 2 ;;
esac
[ $((mem % nodes)) = 0 ] || { echo "vm.sh: --mem must divide evenly into $nodes nodes" >&2; exit 2; }
[ -f "$BZIMAGE" ] || die "no kernel at $BZIMAGE: run 'make kernel' first"

initramfs=$("$(dirname "$0")/initramfs.sh")

run=$RUNDIR/$name
rm -rf "$run"
mkdir -p "$run"
{
	kdir=""
	[ "$USER_KDIR" = 1 ] && kdir=$BUILD
	printf 'export PVNUMA_CACHE=%q DEBUG=%q KDIR=%q PVNUMA_L1=1\n' \
		"$PVNUMA_CACHE" "$DEBUG" "$kdir"
	echo "cd /run/pvnuma"
	# Where L1's kernel text is (KASLR), to name a hung L1's addresses.
	echo "awk '\$3 == \"_text\" { print \$1; exit }' /proc/kallsyms >/run/pvnuma/l1-text 2>/dev/null"
	echo "$*"
} >"$run/cmd"

numa=()
for ((n = 0; n < nodes; n++)); do
	first=$((n * cpn))
	last=$((first + cpn - 1))
	numa+=(-object "memory-backend-ram,id=m$n,size=$((mem / nodes))M"
	       -numa "node,nodeid=$n,cpus=$first-$last,memdev=m$n")
done

qemu_pid=""
cleanup() {
	# timeout(1) runs in a process group of its own with QEMU in it:
	# kill the group, not just timeout, so QEMU never outlives us.
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM -- -"$qemu_pid" 2>/dev/null || true
		sleep 1
		kill -KILL -- -"$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

timeout -k 5 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread="$tcg" -cpu EPYC,+svm,+npt \
	-m "$mem" -smp "$((nodes * cpn)),sockets=$nodes,cores=$cpn,threads=1" "${numa[@]}" \
	-kernel "$BZIMAGE" -initrd "$initramfs" \
	-append "console=ttyS0 panic=-1 loglevel=4 mitigations=off panic_on_warn=1 oops=panic pvnuma.role=l1 ${PVNUMA_L1_CMDLINE:-}" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$run",mount_tag=out,security_model=none,multidevs=remap \
	-display none -serial file:"$run/console.log" \
	-monitor unix:"$run/monitor.sock",server=on,wait=off \
	-no-reboot -nodefaults -d cpu_reset -D "$run/qemu-cpu.log" \
	>"$run/qemu.log" 2>&1 &
qemu_pid=$!
# A hung L1: its CPUs' registers and stacks, by symbol (and whether one
# took an interrupt with IF clear, the rig's fault, see rig.rst).
l1_stuck() {
	python3 "$PVNUMA_ROOT/tools/rig/monitor-dump.py" "$run/monitor.sock" >"$run/l1-monitor.txt" 2>&1 || true
	if [ -s "$run/l1-text" ] && [ -f "$BUILD/System.map" ]; then
		# An interrupt frame saved with IF clear is one of the rig's
		# signatures (Documentation/rig.rst): for L1, vm.sh's own word.
		python3 "$PVNUMA_ROOT/tools/e2e/l2-stacks.py" "$BUILD/System.map" "$(cat "$run/l1-text")" \
			<"$run/l1-monitor.txt" 2>&1 | sed 's/^SIGNATURE irq-if0 /PVNUMA-RIG-FAULT irq-if0: /' || true
	else
		echo "no System.map or L1 _text: raw registers and stacks in $run/l1-monitor.txt"
	fi
}
# The rig's L1 hang seen on 2026-12-01: an L1 CPU sleeps in HLT with
# interrupts enabled and wakes for nothing, neither its timer (the kernel's
# RCU stall report: "Possible timer handling issue on cpu=N") nor the IPI
# another CPU spins waiting for (smp_call_function_many_cond()).  A halted
# x86 CPU with IF set takes both: QEMU did not deliver them.  Reads
# l1-stuck.txt and the console; says PVNUMA-RIG-FAULT if all three hold.
l1_lost_wakeup() {
	local cpu
	for cpu in $(sed -n 's/^vCPU \([0-9]*\): rip .*(pv_native_safe_halt+[^)]*) .*(IF=1)$/\1/p' "$run/l1-stuck.txt"); do
		grep -q '^vCPU [0-9]*: rip .*(smp_call_function_many_cond+' "$run/l1-stuck.txt" || continue
		grep -a -q "Possible timer handling issue on cpu=$cpu " "$run/console.log" || continue
		echo "PVNUMA-RIG-FAULT L1 CPU $cpu sleeps in HLT with interrupts enabled and takes neither its timer (RCU: timer handling issue on cpu=$cpu) nor the IPI another CPU waits for: QEMU did not wake it"
		return 0
	done
}
# l1_lost_wakeup's line, as l1-stuck.txt has it.
lost_wakeup_line='^PVNUMA-RIG-FAULT L1 CPU [0-9]* sleeps in HLT'
# Both, into l1-stuck.txt.
l1_dump() {
	l1_stuck >"$run/l1-stuck.txt" 2>&1
	l1_lost_wakeup >>"$run/l1-stuck.txt"
}
start=$(date +%s) dumped=0 ticks=0 lost=0 stalls=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	sleep 1
	if [ "$quiet" = 0 ] && [ -t 2 ]; then
		printf '\r[L1 %s] %ds ' "$name" $(($(date +%s) - start)) >&2
	fi
	if [ "$dumped" = 0 ] && [ $(($(date +%s) - start)) -ge $((timeout - 15)) ]; then
		dumped=1
		l1_dump
	fi
	# A new RCU stall report on L1's console: if it is the lost wakeup
	# above, twice 10 s apart, stop L1 now rather than at the timeout
	# (exit 124, as for the timeout); it may come back after minutes.
	# Looked at once per new report, not on every tick after the first.
	[ "$dumped" = 0 ] && [ $((++ticks % 10)) = 0 ] || continue
	n=$(grep -a -c 'rcu: INFO: rcu_.* detected stalls' "$run/console.log" 2>/dev/null) || n=0
	if [ "$n" -gt "$stalls" ]; then
		stalls=$n
		l1_dump
		if grep -q "$lost_wakeup_line" "$run/l1-stuck.txt"; then
			sleep 10
			l1_dump
			if grep -q "$lost_wakeup_line" "$run/l1-stuck.txt"; then
				dumped=1 lost=1
				kill -TERM -- -"$qemu_pid" 2>/dev/null || true
			fi
		fi
	fi
done
qrc=0
wait "$qemu_pid" || qrc=$?
qemu_pid=""
[ "$quiet" = 0 ] && [ -t 2 ] && printf '\r' >&2

[ -f "$run/output" ] && cat "$run/output"
if [ -f "$run/rc" ]; then
	exit "$(cat "$run/rc")"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ] || [ "$lost" = 1 ]; then
	if [ "$lost" = 1 ]; then
		echo "vm.sh: L1 hung (a CPU that does not wake up), stopped after $(($(date +%s) - start))s; console: $run/console.log; its CPUs: $run/l1-stuck.txt" >&2
	else
		echo "vm.sh: L1 timed out after ${timeout}s; console: $run/console.log; its CPUs: $run/l1-stuck.txt" >&2
	fi
	grep -h '^PVNUMA-RIG-FAULT' "$run/l1-stuck.txt" >&2 || true
	exit 124
fi
# With -no-reboot an L1 triple fault ends QEMU as a guest reset would,
# with exit 0 and nothing on the console; -d cpu_reset makes QEMU log it.
if grep -q '^Triple fault' "$run/qemu-cpu.log" 2>/dev/null; then
	echo "vm.sh: an L1 CPU triple-faulted (QEMU: 'Triple fault' in $run/qemu-cpu.log); console: $run/console.log" >&2
	exit 123
fi
echo "vm.sh: L1 ended (qemu exit $qrc) without reporting a status; console: $run/console.log, qemu: $run/qemu.log" >&2
grep -m3 -E 'Kernel panic|BUG:|Oops' "$run/console.log" >&2 || true
exit 125
