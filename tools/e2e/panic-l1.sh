#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: an L2 guest that panics disables its moved-pages area first.
#
# Usage: panic-l1.sh OUTDIR
#
# L2 loads pvnuma_guest.ko, registers its area, and panics (sysrq c); its
# kernel reboots at once (panic=-1), which ends its QEMU (-no-reboot), as a
# cloud guest with panic=N would be reset.  KVM's trace of the guest's
# writes to MSR_KVM_NUMA_MOVED must show the registration and then a write
# of 0, from the driver's panic notifier, before the VM ended: otherwise
# the host would go on writing bits into what the next boot uses.  Prints
# the trace's lines and "panic: ..." messages; exits non-zero if a check
# failed, 4 (skipped) if KVM's tracepoint cannot be used.
. "$(dirname "$0")/../rig/lib.sh"

out=${1:-}
[ -n "$out" ] || die "panic-l1.sh: no OUTDIR"
share=$out/share
msr=0x4b564d09	# MSR_KVM_NUMA_MOVED
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
cp "$PVNUMA_ROOT/pvnuma_guest.ko" "$share/" || die "no pvnuma_guest.ko (make modules)"
[ -d /sys/kernel/pvnuma ] || insmod "$PVNUMA_ROOT/pvnuma.ko" || die "cannot load pvnuma.ko"

T=/sys/kernel/tracing/events/kvm/kvm_msr
if ! [ -w "$T/filter" ] || ! echo "ecx == $msr && write == 1" >"$T/filter"; then
	echo "panic: cannot trace KVM's MSR writes"
	exit 4
fi
echo >/sys/kernel/tracing/trace
echo 1 >"$T/enable"

cat >"$share/cmd" <<'EOF'
dmesg -c >/mnt/dmesg-boot
insmod /mnt/pvnuma_guest.ko || exit 3
[ "$(cat /sys/kernel/pvnuma_guest/registered)" = 1 ] || exit 4
touch /mnt/registered
echo c >/proc/sysrq-trigger
EOF

rc=0
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem 512 --timeout 300 --share "$share" \
	--console "$out/l2-console.log" >"$out/l2.log" 2>&1 || rc=$?
echo 0 >"$T/enable"
echo 0 >"$T/filter"
grep -o "msr_write ${msr#0x} = 0x[0-9a-f]*" /sys/kernel/tracing/trace >"$out/msr-writes" || true
cat "$out/msr-writes"
ok=1
[ -e "$share/registered" ] || { echo "panic: L2's driver did not register (l2.sh exit $rc)"; ok=0; }
grep -q 'Kernel panic' "$out/l2-console.log" ||
	{ echo "panic: L2 did not panic (l2.sh exit $rc)"; tail -n 20 "$out/l2-console.log"; ok=0; }
# The registration (address | 1), then 0 as the last write.
awk 'NR == 1 { reg = ($4 != "0x0") } END { exit !(reg && NR >= 2 && $4 == "0x0") }' "$out/msr-writes" ||
	{ echo "panic: no write of 0 after the registration: the area outlived the panic"; ok=0; }
[ "$ok" = 1 ]
