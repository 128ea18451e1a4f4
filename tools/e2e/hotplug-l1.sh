#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: memory hot-added to a running L2 guest is covered by the
# guest's moved-pages area.
#
# Usage: hotplug-l1.sh OUTDIR
#
# L2 (2 vNodes of 256 MiB, room for one more DIMM) loads pvnuma_guest.ko
# and registers its area.  Through L2's QEMU monitor the host then plugs a
# 128 MiB DIMM into vNode 1 (a memory backend on host node 1, preferred
# rather than bound, so that the host can page out the DIMM alone;
# preallocated), which L2 onlines.  Checked: L2's vNode 1 grew by the DIMM;
# the driver registered a larger area in its place (guest: frames covers
# the DIMM, still registered; host: the VM's second registration, its area
# as large as the guest says); and after the host pages out the DIMM, the
# guest's bitmap has pages marked beyond the first area's end, that is in
# the DIMM.  An L2 that triple-faults (KVM's exit trace) is named with
# PVNUMA-RIG-FAULT, the rig's fault (Documentation/rig.rst).  Prints
# key=value lines and "hotplug: ..." messages; exits non-zero if a check
# failed.
. "$(dirname "$0")/../rig/lib.sh"

out=${1:-}
[ -n "$out" ] || die "hotplug-l1.sh: no OUTDIR"
E2E=$PVNUMA_CACHE/e2e
share=$out/share
dimm_mib=128
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
cp "$MODDIR/pvnuma_guest.ko" "$E2E/bitcount" "$share/" ||
	die "pvnuma_guest.ko or bitcount missing (run make check)"
[ -d /sys/kernel/pvnuma ] || insmod "$MODDIR/pvnuma.ko" || die "cannot load pvnuma.ko"
[ "$(wc -l </proc/swaps)" -gt 1 ] || die "no swap in L1 to page out to (run-l1.sh sets up zram)"

cat >"$share/cmd" <<'EOF'
dmesg -c >/mnt/dmesg-boot
G=/sys/kernel/pvnuma_guest
# New memory blocks come online by themselves, as udev rules or
# memhp_default_state=online would have them in a distribution.
echo online >/sys/devices/system/memory/auto_online_blocks || exit 5
touch /mnt/registering
insmod /mnt/pvnuma_guest.ko || exit 3
[ "$(cat $G/registered)" = 1 ] || exit 4
cat $G/frames >/mnt/frames-before
awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node1/meminfo >/mnt/node1-kb-before
touch /mnt/ready
while [ ! -e /mnt/added ]; do sleep 0.1; done
# The DIMM's blocks online, then the driver's new area: up to 30 s.
i=0
while [ "$(cat $G/frames)" = "$(cat /mnt/frames-before)" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
cat $G/frames >/mnt/frames-after
cat $G/registered >/mnt/registered-after
awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node1/meminfo >/mnt/node1-kb-after
touch /mnt/grown
while [ ! -e /mnt/paged ]; do sleep 0.1; done
# The host's tracker publishes what it paged out within its scan delay:
# wait for the first mark beyond the old end, then for the count to hold.
i=0 last=-1
while [ $i -lt 600 ]; do
	n=$(/mnt/bitcount $G/bitmap "$(cat /mnt/frames-before)") || exit 6
	[ "$n" -gt 0 ] && [ "$n" = "$last" ] && break
	last=$n
	sleep 1
	i=$((i + 10))
done
echo "$n" >/mnt/marked-beyond
dmesg >/mnt/dmesg
EOF

# wait_file FILE SECONDS: FILE exists before the time is up, and L2 runs.
wait_file() {
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -e "$1" ] && return 0
		kill -0 "$l2pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# However the script ends, no L2 is left running (l2.sh's timeout is 600 s).
cleanup() {
	local q=${qemu:-}

	kill "${l2pid:-}" 2>/dev/null || true
	[ -n "$q" ] || q=$(pgrep -n -f "qemu-system-x86_64.*pvnuma.role=l2") || true
	[ -z "$q" ] || kill -9 "$q" 2>/dev/null || true
}
trap cleanup EXIT
fail() {
	echo "hotplug: $*"
	# A triple fault: the rig's only with one of its signatures (lib.sh);
	# the driver may have registered once L2 was about to load it.
	rig_shutdown "$T/trace" "$BUILD" | rig_verdict "$([ -e "$share/registering" ] && echo 1 || echo 0)" 0 || true
	echo "hotplug: L2's console:"; tail -n 20 "$out/l2-console.log"
	cat "$share/output" 2>/dev/null || true
	exit 1
}

# KVM's exits for a triple fault (SVM_EXIT_SHUTDOWN), as run-l1.sh traces them.
T=/sys/kernel/tracing
if [ -w "$T/events/kvm/kvm_exit/filter" ]; then
	echo 'exit_reason == 127' >"$T/events/kvm/kvm_exit/filter" &&
		echo 1 >"$T/events/kvm/kvm_exit/enable" && echo >"$T/trace" || true
fi
mon=/run/hotplug-monitor
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem 512 --maxmem $((512 + dimm_mib)) --timeout 600 \
	--share "$share" --console "$out/l2-console.log" --monitor "$mon" >"$out/l2.log" 2>&1 &
l2pid=$!
qemu=""
wait_file "$share/ready" 150 || fail "L2 did not get ready ($(cat "$out/l2.log"))"
qemu=$(pgrep -n -f "qemu-system-x86_64.*pvnuma.role=l2") || fail "no QEMU process for L2"
vmdir=$(ls -d /sys/kernel/pvnuma/vms/"$qemu"-* 2>/dev/null | tail -n 1) || true
[ -n "$vmdir" ] || fail "pvnuma.ko has no VM for QEMU $qemu"
echo "frames_before=$(cat "$share/frames-before")"
echo "host_registrations_before=$(cat "$vmdir/stats/registrations")"

qemu_monitor "$mon" \
	"object_add memory-backend-ram,id=hp0,size=${dimm_mib}M,host-nodes.0=1,policy=preferred,prealloc=on" \
	"device_add pc-dimm,id=dimm0,memdev=hp0,node=1" >"$out/monitor.txt"
# QEMU's errors start "Error:" (the answer echoes the command a keystroke
# at a time).
if grep -a -o 'Error: [^(]*' "$out/monitor.txt"; then
	fail "QEMU's monitor refused the DIMM"
fi
touch "$share/added"
wait_file "$share/grown" 60 || fail "L2 did not finish looking at its new memory"
grown_kb=$(($(cat "$share/node1-kb-after") - $(cat "$share/node1-kb-before")))
frames=$(cat "$share/frames-after")
regs=$(cat "$vmdir/stats/registrations")
host_frames=$(awk '{ print $2 }' "$vmdir/area")
echo "node1_grown_kb=$grown_kb"
echo "frames_after=$frames"
echo "registered_after=$(cat "$share/registered-after")"
echo "host_registrations_after=$regs"
echo "host_area_frames=$host_frames"

{ "$E2E/hostctl" pageout "$qemu" prefer:1 && "$E2E/hostctl" resident "$qemu" prefer:1; } \
	>"$out/pageout" || fail "hostctl pageout failed"
sed 's/^/paged_out_dimm_/' "$out/pageout"
touch "$share/paged"
rc=0
wait "$l2pid" || rc=$?
qemu=""
[ "$rc" = 0 ] || fail "L2 exited with status $rc ($(cat "$out/l2.log"))"
[ -f "$share/marked-beyond" ] || fail "L2 ended before it counted the marked pages"
marked=$(cat "$share/marked-beyond")
echo "marked_beyond_first_area=$marked"

ok=1
[ "$grown_kb" = $((dimm_mib * 1024)) ] || { echo "hotplug: vNode 1 grew by $grown_kb KiB, not the DIMM's $((dimm_mib * 1024))"; ok=0; }
[ "$frames" -gt "$(cat "$share/frames-before")" ] ||
	{ echo "hotplug: the driver's area did not grow"; ok=0; }
[ "$(cat "$share/registered-after")" = 1 ] || { echo "hotplug: the driver is no longer registered"; ok=0; }
[ "$regs" = 2 ] ||
	{ echo "hotplug: the host counted $regs registrations, not 2"; ok=0; }
[ "$host_frames" = "$frames" ] || { echo "hotplug: the host's area has $host_frames frames, the guest's $frames"; ok=0; }
[ -n "$marked" ] && [ "$marked" -gt 0 ] && [ "$marked" -le $((dimm_mib * 256)) ] ||
	{ echo "hotplug: $marked pages marked in the DIMM (1 to $((dimm_mib * 256)) expected)"; ok=0; }
if grep -E "$KERNEL_REPORT" "$share/dmesg"; then
	echo "hotplug: L2's kernel log has a report"
	ok=0
fi
[ "$ok" = 1 ]
