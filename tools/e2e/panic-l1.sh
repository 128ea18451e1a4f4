#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: an L2 guest that panics disables its moved-pages area first.
#
# Usage: panic-l1.sh [--kdump] OUTDIR
#
# L2 loads pvnuma_guest.ko, registers its area, and panics (sysrq c).
#
# Without --kdump its kernel reboots at once (panic=-1), which ends its
# QEMU (-no-reboot), as a cloud guest with panic=N would be reset; the
# driver's panic notifier disables the area.
#
# With --kdump, L2 boots with crashkernel= and first loads a kdump kernel
# (the rig's own, with kexec from L1's kexec-tools, run from the share
# with its libraries).  panic() starts that kernel before any notifier, so
# the area must be disabled by the kernel's crash shutdown (patch
# "x86/kvm: Disable the NUMA moved-pages area on crash").  The kdump
# kernel finds /proc/vmcore, says so in the share and powers off.
#
# Either way KVM's trace of the guest's writes to MSR_KVM_NUMA_MOVED must
# show the registration and then a write of 0 before the VM ended:
# otherwise the host would go on writing bits into what the next boot (or
# the reboot after the dump) uses.  Prints the trace's lines and
# "panic: ..." messages; exits non-zero if a check failed, 4 (skipped) if
# KVM's tracepoint cannot be used.  An L2 that triple-faulted or hung
# before it ran its first command, with none of the test's code loaded
# in it, is the rig's fault (Documentation/rig.rst): PVNUMA-RIG-FAULT.
. "$(dirname "$0")/../rig/lib.sh"

kdump=0
[ "${1:-}" = --kdump ] && { kdump=1; shift; }
out=${1:-}
[ -n "$out" ] || die "panic-l1.sh: no OUTDIR"
share=$out/share
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
cp "$PVNUMA_ROOT/pvnuma_guest.ko" "$share/" || die "no pvnuma_guest.ko (make modules)"
[ -d /sys/kernel/pvnuma ] || insmod "$PVNUMA_ROOT/pvnuma.ko" || die "cannot load pvnuma.ko"

append=()
if [ "$kdump" = 1 ]; then
	# L2 has busybox only: kexec runs under its own loader, from the share.
	kexec=$(command -v kexec) || die "no kexec in L1: install kexec-tools ('make deps')"
	mkdir -p "$share/kexec"
	for f in "$kexec" $(ldd "$kexec" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }'); do
		cp -L "$f" "$share/kexec/" || die "cannot copy $f"
	done
	cp "$BZIMAGE" "$share/bzImage" && cp "$PVNUMA_CACHE/initramfs.cpio.gz" "$share/initramfs" ||
		die "cannot copy the rig's kernel and initramfs"
	append=(--append "crashkernel=192M")
fi

msr_trace_start || { echo "panic: cannot trace KVM's MSR writes"; exit 4; }

# Run by L2's init: again by the kdump kernel's, which only reports itself.
cat >"$share/cmd" <<'EOF'
if [ -e /proc/vmcore ]; then
	touch /mnt/kdump-booted
	exit 0
fi
dmesg -c >/mnt/booted
if [ -d /mnt/kexec ]; then
	/mnt/kexec/ld-linux-x86-64.so.2 --library-path /mnt/kexec /mnt/kexec/kexec -p \
		/mnt/bzImage --initrd=/mnt/initramfs \
		--append="console=ttyS0 loglevel=4 pvnuma.role=l2 nr_cpus=1 reset_devices panic=-1" || exit 5
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || exit 6
	touch /mnt/kdump-loaded
fi
insmod /mnt/pvnuma_guest.ko || exit 3
[ "$(cat /sys/kernel/pvnuma_guest/registered)" = 1 ] || exit 4
touch /mnt/registered
echo c >/proc/sysrq-trigger
EOF

rc=0
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem 512 --timeout 240 --share "$share" "${append[@]}" \
	--console "$out/l2-console.log" >"$out/l2.log" 2>&1 || rc=$?
msr_trace_stop "$out/msr-writes"
cat "$out/msr-writes"
if ! [ -e "$share/booted" ]; then
	tf=$(msr_trace_triple_fault)
	if [ -n "$tf" ]; then
		echo "PVNUMA-RIG-FAULT L2 triple-faulted (KVM_EXIT_SHUTDOWN) before its first command: $tf"
	elif [ "$rc" = 124 ]; then
		echo "PVNUMA-RIG-FAULT L2 hung before its first command (l2.sh timed out)"
	fi
fi
ok=1
if [ "$kdump" = 1 ] && ! [ -e "$share/kdump-loaded" ]; then
	echo "panic: L2 could not load the kdump kernel (l2.sh exit $rc):"
	cat "$share/output" 2>/dev/null || true
	ok=0
fi
[ -e "$share/registered" ] || { echo "panic: L2's driver did not register (l2.sh exit $rc)"; ok=0; }
grep -q 'Kernel panic' "$out/l2-console.log" ||
	{ echo "panic: L2 did not panic (l2.sh exit $rc)"; tail -n 20 "$out/l2-console.log"; ok=0; }
if [ "$kdump" = 1 ] && ! [ -e "$share/kdump-booted" ]; then
	echo "panic: the kdump kernel did not boot (l2.sh exit $rc)"
	tail -n 20 "$out/l2-console.log"
	ok=0
fi
# The registration (address | 1), then 0 as the last write.
msr_registered_then_disabled "$out/msr-writes" ||
	{ echo "panic: no write of 0 after the registration: the area outlived the panic"; ok=0; }
[ "$ok" = 1 ]
