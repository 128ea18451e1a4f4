#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: the guest driver built into L2's kernel registers its area
# during boot, and disables it when L2 powers off.
#
# Usage: builtin-l1.sh OUTDIR
#
# L2 boots the rig's debug kernel (CONFIG_PVNUMA_GUEST=y, pvnuma in
# drivers/virt/pvnuma as Kconfig describes; DEBUG=1 kernel.sh kernel),
# loads no module, and reports: the driver is not in
# /proc/modules, it is registered, and its boot log line.  KVM's trace of
# the guest's writes to MSR_KVM_NUMA_MOVED must show the registration and
# then 0 from the driver's reboot notifier at power off.  Prints what it
# found and "builtin: ..." messages; exits non-zero if a check failed, 4
# (skipped) if KVM's tracepoint cannot be used.  An L2 that triple-faulted
# at one of the rig's signatures before it wrote the MSR at all is taken
# for the rig's fault (l2_rig_fault, Documentation/rig.rst) and run again:
# the driver's first step is that write.
. "$(dirname "$0")/../rig/lib.sh"

out=${1:-}
[ -n "$out" ] || die "builtin-l1.sh: no OUTDIR"
share=$out/share
kernel=$PVNUMA_CACHE/build-debug/arch/x86/boot/bzImage
if [ "$USER_KDIR" = 1 ]; then
	echo "builtin: with KDIR= the rig builds no kernel of its own to build the driver into"
	exit 4
fi
[ -f "$kernel" ] || die "no debug kernel at $kernel (DEBUG=1 bash tools/rig/kernel.sh kernel)"
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
[ -d /sys/kernel/pvnuma ] || insmod "$MODDIR/pvnuma.ko" || die "cannot load pvnuma.ko"

msr_trace_start || { echo "builtin: cannot trace KVM's MSR writes"; exit 4; }

cat >"$share/cmd" <<'EOF'
dmesg >/mnt/dmesg-boot
if grep -q '^pvnuma_guest ' /proc/modules; then echo module; else echo built-in; fi >/mnt/kind
cat /sys/kernel/pvnuma_guest/registered >/mnt/registered
cat /sys/kernel/pvnuma_guest/frames >/mnt/frames
EOF

rc=0
"$PVNUMA_ROOT/tools/rig/l2.sh" --kernel "$kernel" --nodes 2 --mem 512 --timeout 240 --share "$share" \
	--console "$out/l2-console.log" >"$out/l2.log" 2>&1 || rc=$?
msr_trace_stop "$out/msr-writes"
cat "$out/msr-writes"
# A hang of the driver's own would come back in every rerun.
[ -s "$out/msr-writes" ] || l2_rig_fault "$rc" "its driver wrote the MSR" 0 "${kernel%/arch/x86/boot/bzImage}"
echo "kind: $(cat "$share/kind" 2>/dev/null); registered: $(cat "$share/registered" 2>/dev/null);" \
	"frames: $(cat "$share/frames" 2>/dev/null)"
grep 'pvnuma_guest' "$share/dmesg-boot" 2>/dev/null || true
ok=1
[ "$rc" = 0 ] || { echo "builtin: L2 failed (l2.sh exit $rc)"; tail -n 20 "$out/l2-console.log"; ok=0; }
[ "$(cat "$share/kind" 2>/dev/null)" = built-in ] ||
	{ echo "builtin: pvnuma_guest is not built into L2's kernel"; ok=0; }
[ "$(cat "$share/registered" 2>/dev/null)" = 1 ] ||
	{ echo "builtin: the built-in driver did not register during boot"; ok=0; }
# The registration (address | 1), then 0 as the last write.
msr_registered_then_disabled "$out/msr-writes" ||
	{ echo "builtin: no write of 0 after the registration at power off"; ok=0; }
[ "$ok" = 1 ]
