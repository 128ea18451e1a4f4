#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: an L2 guest whose kernel ends (a panic, a crash into a kdump
# kernel, a kexec) disables its moved-pages area first.
#
# Usage: panic-l1.sh [--kdump|--kexec] OUTDIR
#
# L2 loads pvnuma_guest.ko, registers its area, and:
#
# - by default panics (sysrq c); its kernel reboots at once (panic=-1),
#   which ends its QEMU (-no-reboot), as a cloud guest with panic=N would
#   be reset.  The driver's panic notifier disables the area.
# - with --kdump, boots with crashkernel=, loads a kdump kernel first and
#   panics.  panic() starts the kdump kernel before any notifier, so the
#   area must be disabled by the kernel's crash shutdown (patch "x86/kvm:
#   Disable the NUMA moved-pages area on a crash kexec").  The kdump
#   kernel finds /proc/vmcore, says so in the share and powers off.
# - with --kexec, loads a kernel and boots it with kexec -e.  The driver's
#   reboot notifier disables the area.  The new kernel says so in the
#   share and powers off.
#
# The kernel kexec loads is the rig's own (with its initramfs), with kexec
# from L1's kexec-tools run in L2 under its own loader, from the share
# with its libraries (L2 has busybox only).  In every case KVM's trace of
# the guest's writes to MSR_KVM_NUMA_MOVED must show the registration and
# then a write of 0 before the VM ended: otherwise the host would go on
# writing bits into what the next kernel uses.  Prints the trace's lines
# and "panic: ..." messages; exits non-zero if a check failed, 4
# (skipped) if KVM's tracepoint cannot be used.  An L2 that triple-faulted
# at one of the rig's signatures before its driver registered is the rig's
# fault (l2_rig_fault, Documentation/rig.rst): PVNUMA-RIG-FAULT.
. "$(dirname "$0")/../rig/lib.sh"

mode=panic
case ${1:-} in
--kdump) mode=kdump; shift ;;
--kexec) mode=kexec; shift ;;
esac
out=${1:-}
[ -n "$out" ] || die "panic-l1.sh: no OUTDIR"
share=$out/share
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
cp "$MODDIR/pvnuma_guest.ko" "$share/" || die "no pvnuma_guest.ko (make modules)"
[ -d /sys/kernel/pvnuma ] || insmod "$MODDIR/pvnuma.ko" || die "cannot load pvnuma.ko"
echo "$mode" >"$share/mode"

append=()
if [ "$mode" != panic ]; then
	kexec=$(command -v kexec) || die "no kexec in L1: install kexec-tools ('make deps')"
	mkdir -p "$share/kexec"
	for f in "$kexec" $(ldd "$kexec" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'); do
		cp -L "$f" "$share/kexec/" || die "cannot copy $f"
	done
	cp "$BZIMAGE" "$share/bzImage" && cp "$PVNUMA_CACHE/initramfs.cpio.gz" "$share/initramfs" ||
		die "cannot copy the rig's kernel and initramfs"
fi
if [ "$mode" = kdump ]; then
	# The debug kernel (KASAN: more than twice the image, and its shadow
	# memory) in that reservation: not tried.
	if [ "$DEBUG" = 1 ]; then
		echo "panic: the kdump test runs on the rig's default kernel only (DEBUG=1: its size in crashkernel= is untried)"
		exit 4
	fi
	append=(--append "crashkernel=192M")
fi

msr_trace_start || { echo "panic: cannot trace KVM's MSR writes"; exit 4; }

# Run by L2's init, and again by the kdump or kexec'd kernel's, which only
# reports itself.
cat >"$share/cmd" <<'EOF'
mode=$(cat /mnt/mode)
if [ -e /proc/vmcore ] || [ -e /mnt/kexec-started ]; then
	touch /mnt/next-booted
	exit 0
fi
dmesg -c >/mnt/booted
K="/mnt/kexec/ld-linux-x86-64.so.2 --library-path /mnt/kexec /mnt/kexec/kexec"
next="console=ttyS0 loglevel=4 mitigations=off pvnuma.role=l2 panic=-1"
case $mode in
kdump)
	$K -p /mnt/bzImage --initrd=/mnt/initramfs --append="$next nr_cpus=1 reset_devices" || exit 5
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || exit 6 ;;
kexec)
	$K -l /mnt/bzImage --initrd=/mnt/initramfs --append="$next" || exit 5
	[ "$(cat /sys/kernel/kexec_loaded)" = 1 ] || exit 6 ;;
esac
[ "$mode" = panic ] || touch /mnt/kexec-loaded
touch /mnt/registering
insmod /mnt/pvnuma_guest.ko || exit 3
[ "$(cat /sys/kernel/pvnuma_guest/registered)" = 1 ] || exit 4
touch /mnt/registered
if [ "$mode" = kexec ]; then
	touch /mnt/kexec-started
	$K -e
	exit 7
fi
echo c >/proc/sysrq-trigger
EOF

rc=0
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem 512 --timeout 240 --share "$share" "${append[@]}" \
	--console "$out/l2-console.log" >"$out/l2.log" 2>&1 || rc=$?
msr_trace_stop "$out/msr-writes"
cat "$out/msr-writes"
if ! [ -e "$share/registering" ]; then
	# Its driver registers after the kexec load (seen: a triple fault at
	# the rig's tsc-deadline signature during kexec -p).
	l2_rig_fault "$rc" "it loaded its driver" 0
elif [ "$mode" != panic ] && ! [ -e "$share/next-booted" ] &&
     msr_registered_then_disabled "$out/msr-writes"; then
	# The area was disabled; the next kernel, with no pvnuma code in it,
	# did not get to its first command.
	l2_rig_fault "$rc" "the $mode kernel it started ran its first command" 1
fi
ok=1
if [ "$mode" != panic ] && ! [ -e "$share/kexec-loaded" ]; then
	echo "panic: L2 could not load the $mode kernel (l2.sh exit $rc):"
	cat "$share/output" 2>/dev/null || true
	ok=0
fi
[ -e "$share/registered" ] || { echo "panic: L2's driver did not register (l2.sh exit $rc)"; ok=0; }
if [ "$mode" != kexec ] && ! grep -q 'Kernel panic' "$out/l2-console.log"; then
	echo "panic: L2 did not panic (l2.sh exit $rc)"
	tail -n 20 "$out/l2-console.log"
	ok=0
fi
if [ "$mode" != panic ] && ! [ -e "$share/next-booted" ]; then
	echo "panic: the $mode kernel did not boot (l2.sh exit $rc)"
	tail -n 20 "$out/l2-console.log"
	ok=0
fi
# The registration (address | 1), then 0 as the last write.
msr_registered_then_disabled "$out/msr-writes" ||
	{ echo "panic: no write of 0 after the registration: the area outlived the $mode"; ok=0; }
[ "$ok" = 1 ]
