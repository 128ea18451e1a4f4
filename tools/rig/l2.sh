#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: start an L2 guest with vNUMA, each vNode's memory bound to its
# own host node, and wait for it to power off.
#
# Usage: l2.sh [--nodes N] [--mem SIZE_MB] [--maxmem SIZE_MB]
#              [--timeout SECONDS] [--share DIR] [--console FILE]
#              [--monitor PATH] [--append KERNEL_ARGS] [--kernel BZIMAGE]
#              [-- EXTRA_QEMU_ARGS...]
#
# With --share DIR, L2 mounts DIR over 9p, runs DIR/cmd with busybox sh and
# leaves DIR/output and DIR/rc.  The console goes to FILE (default
# /run/pvnuma/l2-console.log).  Exit status: L2's command's, 0 without one,
# 124 on timeout.  With --monitor PATH, QEMU's human monitor reads commands
# from the FIFO PATH.in and writes to the FIFO PATH.out (QEMU's pipe:
# chardev); without, L2 has no monitor.  With --maxmem, L2 has room for
# DIMMs up to that much memory in all (2 slots), to hot-add from the
# monitor.  --append adds to L2's kernel command line; --kernel boots
# another of the rig's kernels than L1's own.
. "$(dirname "$0")/lib.sh"

nodes=2 mem=512 maxmem="" timeout=120 share="" console=/run/pvnuma/l2-console.log monitor=none
append=""
while [ $# -gt 0 ]; do
	case $1 in
	--nodes) nodes=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--maxmem) maxmem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--share) share=$2; shift 2 ;;
	--console) console=$2; shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--kernel) BZIMAGE=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "l2.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
done
[ -e /dev/kvm ] || die "no /dev/kvm in L1"
host_nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)

numa=()
for ((n = 0; n < nodes; n++)); do
	numa+=(-object "memory-backend-ram,id=m$n,size=$((mem / nodes))M,host-nodes=$((n % host_nodes)),policy=bind"
	       -numa "node,nodeid=$n,cpus=$n,memdev=m$n")
done
if [ "$monitor" != none ]; then
	rm -f "$monitor.in" "$monitor.out"
	mkfifo "$monitor.in" "$monitor.out" || die "cannot create the FIFOs $monitor.in and .out"
	monitor=pipe:$monitor
fi
[ -n "$share" ] && numa+=(-virtfs "local,path=$share,mount_tag=l2,security_model=none,multidevs=remap")

rc=0
timeout -k 5 "$timeout" qemu-system-x86_64 -accel kvm -cpu host,migratable=off \
	-m "$mem${maxmem:+,slots=2,maxmem=${maxmem}M}" -smp "$nodes,sockets=$nodes" "${numa[@]}" \
	-kernel "$BZIMAGE" -initrd "$PVNUMA_CACHE/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 mitigations=off oops=panic pvnuma.role=l2${append:+ $append}" \
	-display none -serial file:"$console" -monitor "$monitor" -no-reboot -nodefaults \
	"$@" || rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "l2.sh: L2 timed out after ${timeout}s; console: $console" >&2
	exit 124
fi
[ "$rc" = 0 ] || { echo "l2.sh: qemu failed (exit $rc); console: $console" >&2; exit "$rc"; }
if [ -n "$share" ] && [ -f "$share/rc" ]; then
	exit "$(cat "$share/rc")"
fi
exit 0
