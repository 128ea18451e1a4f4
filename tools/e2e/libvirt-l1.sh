#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: boot an L2 guest from the libvirt example of
# Documentation/guest.rst, under Debian's libvirtd, and check that it gives
# what the document says it does.
#
# Usage: libvirt-l1.sh OUTDIR
#
# The example (the <vcpu>, <cputune>, <numatune> and <cpu> elements, taken
# from the document as it is) goes into a domain that boots the rig's
# kernel and initramfs, with a 9p share for the guest's command.  Checked:
# libvirt accepts it; its QEMU gets one memory backend per cell bound to
# the cell's host node and -cpu host,migratable=off; each vCPU thread is
# pinned as <vcpupin> says; the guest sees 2 nodes with one CPU each and
# the host's KVM_FEATURE_NUMA_MOVED, pvnuma_guest.ko registers its area,
# and pvnuma.ko on the host has the VM.  Prints key=value lines and
# "libvirt: ..." messages; exits non-zero if a check failed, 4 (skipped)
# without libvirt.
#
# libvirtd runs in a mount namespace of its own, where its directories are
# tmpfs (the root is L1's read-only 9p; a directory the machine lacks gets
# a tmpfs over its parent, /var/lib say) and its configuration is this
# script's: QEMU as root, no security driver, no per-domain namespaces.
# The Debian package's user libvirt-qemu, which libvirtd looks up before it
# reads qemu.conf, is added to a copy of /etc/passwd bound over the real one
# there: nothing of the machine's own is changed.
. "$(dirname "$0")/../rig/lib.sh"

out=${1:-}
[ -n "$out" ] || die "libvirt-l1.sh: no OUTDIR"
# Without libvirt (a KDIR= user who skipped make deps): skipped (exit 4).
if ! command -v libvirtd >/dev/null || ! command -v virsh >/dev/null; then
	echo "libvirtd or virsh missing (make deps installs them)"
	exit 4
fi
rm -rf "$out" && mkdir -p "$out/share" "$out/etc" || die "cannot create $out"
share=$out/share
cp "$MODDIR/pvnuma_guest.ko" "$share/" || die "no pvnuma_guest.ko (make modules)"
[ -d /sys/kernel/pvnuma ] || insmod "$MODDIR/pvnuma.ko" || die "cannot load pvnuma.ko"

# The example, verbatim: the indented lines of the literal block after
# "libvirt, the same" in guest.rst.
example=$(awk '/^libvirt, the same/ { f = 1; next }
	f == 1 && /::$/ { f = 2; next }
	f == 2 && /^$/ { if (seen) exit; next }
	f == 2 && /^\t/ { seen = 1; print; next }
	f == 2 { exit }' "$PVNUMA_ROOT/Documentation/guest.rst")
echo "$example" | grep -q '<numatune>' || die "no libvirt example found in Documentation/guest.rst"
echo "$example" >"$out/example.xml"

cat >"$out/domain.xml" <<EOF
<domain type='kvm'>
  <name>pvnuma-doc-example</name>
  <memory unit='GiB'>4</memory>
$example
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$BZIMAGE</kernel>
    <initrd>$PVNUMA_CACHE/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 loglevel=4 mitigations=off pvnuma.role=l2</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <serial type='file'>
      <source path='$out/console.log'/>
      <target port='0'/>
    </serial>
    <filesystem type='mount' accessmode='passthrough'>
      <source dir='$share'/>
      <target dir='l2'/>
    </filesystem>
    <memballoon model='none'/>
  </devices>
</domain>
EOF

# The guest: load the driver, report, and wait (up to 120 s) while L1
# looks at its QEMU.
cat >"$share/cmd" <<'EOF'
insmod /mnt/pvnuma_guest.ko || exit 3
{
	echo "guest_nodes=$(ls -d /sys/devices/system/node/node[0-9]* | wc -l)"
	for n in 0 1; do
		echo "guest_node${n}_cpus=$(cat /sys/devices/system/node/node$n/cpulist)"
	done
	echo "guest_host_feature=$(cat /sys/kernel/pvnuma_guest/host_feature)"
	echo "guest_registered=$(cat /sys/kernel/pvnuma_guest/registered)"
} >/mnt/guest
touch /mnt/ready
i=0
while [ ! -e /mnt/done ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
EOF

# libvirtd's own world, in a mount namespace.
cp -a /etc/libvirt/. "$out/etc/"
cat >"$out/etc/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
namespaces = [ ]
stdio_handler = "file"
EOF
cp /etc/passwd "$out/passwd" && cp /etc/group "$out/group"
grep -q '^libvirt-qemu:' "$out/passwd" ||
	echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$out/passwd"
grep -q '^libvirt-qemu:' "$out/group" || echo 'libvirt-qemu:x:64055:' >>"$out/group"
grep -q '^kvm:' "$out/group" || echo 'kvm:x:64056:' >>"$out/group"
export OUT=$out
unshare -m sh -c '
	set -e
	mount --bind "$OUT/etc" /etc/libvirt
	mount --bind "$OUT/passwd" /etc/passwd
	mount --bind "$OUT/group" /etc/group
	# A directory the machine lacks (libvirt-daemon-system, not installed,
	# makes them) goes on a tmpfs over its parent: the root is read-only.
	for d in /var/lib/libvirt /var/log/libvirt /var/cache/libvirt; do
		if [ -d "$d" ]; then mount -t tmpfs none "$d"
		else mount -t tmpfs none "$(dirname "$d")" && mkdir "$d"; fi
	done
	mkdir -p /var/lib/libvirt/qemu /var/log/libvirt/qemu /run/libvirt
	exec libvirtd --daemon --pid-file "$OUT/libvirtd.pid"
' >"$out/libvirtd.out" 2>&1 || die "libvirtd did not start: $(cat "$out/libvirtd.out")"
stop_libvirtd() {
	virsh -c qemu:///system destroy pvnuma-doc-example >/dev/null 2>&1 || true
	[ -s "$out/libvirtd.pid" ] && kill "$(cat "$out/libvirtd.pid")" 2>/dev/null || true
}
trap stop_libvirtd EXIT
for ((i = 0; i < 100; i++)); do
	[ -S /run/libvirt/libvirt-sock ] && break
	sleep 0.1
done
[ -S /run/libvirt/libvirt-sock ] || die "libvirtd made no socket in 10 s"

# libvirt's check and conversion of the domain, as a cloud operator's
# tooling would see it, then the real thing.
virsh -c qemu:///system domxml-to-native --format qemu-argv --xml "$out/domain.xml" \
	>"$out/qemu-argv" 2>&1 || { cat "$out/qemu-argv"; die "libvirt rejects the example"; }
virsh -c qemu:///system create "$out/domain.xml" >"$out/create.out" 2>&1 ||
	{ cat "$out/create.out"; die "virsh create failed"; }
qemu=$(pgrep -f 'qemu-system-x86_64.*pvnuma-doc-example' | head -n 1)
[ -n "$qemu" ] || die "no QEMU process for the domain"
end=$((SECONDS + 300))
while [ "$SECONDS" -lt "$end" ] && [ ! -e "$share/ready" ] && kill -0 "$qemu" 2>/dev/null; do
	sleep 0.2
done
if [ ! -e "$share/ready" ]; then
	echo "libvirt: domain state: $(virsh -c qemu:///system domstate pvnuma-doc-example 2>&1)"
	tail -n 20 "$out/console.log" 2>/dev/null
	die "the guest never got ready (console: $out/console.log)"
fi

bad=0
check() {	# WHAT CONDITION...
	local what=$1
	shift
	if "$@"; then echo "libvirt: ok: $what"; else echo "libvirt: FAILED: $what"; bad=1; fi
}
tr '\0' ' ' <"/proc/$qemu/cmdline" >"$out/qemu-cmdline"
cat "$share/guest"
# libvirt 9 writes -object as JSON: one backend per cell, "ram-nodeN".
grep -o '{"qom-type":"memory-backend[^ ]*' "$out/qemu-cmdline" | sed 's/^/qemu_object=/'
for n in 0 1; do
	check "cell $n's memory is bound to host node $n" \
		grep -q "\"id\":\"ram-node$n\"[^ ]*\"host-nodes\":\[$n\],\"policy\":\"bind\"" \
		"$out/qemu-cmdline"
done
check "-cpu host,migratable=off" grep -q -- '-cpu host,migratable=off' "$out/qemu-cmdline"
for v in 0 1; do
	tid=$(grep -l "^CPU $v/KVM" /proc/"$qemu"/task/*/comm | head -n 1 | cut -d/ -f5)
	aff=$([ -n "$tid" ] && taskset -pc "$tid" | awk -F': ' '{ print $2 }')
	echo "vcpu${v}_affinity=$aff"
	check "vCPU $v pinned to CPU $v" [ "$aff" = "$v" ]
done
g() { awk -F= -v k="$1" '$1 == k { print $2 }' "$share/guest"; }
check "the guest has 2 nodes" [ "$(g guest_nodes)" = 2 ]
check "node 0 has CPU 0" [ "$(g guest_node0_cpus)" = 0 ]
check "node 1 has CPU 1" [ "$(g guest_node1_cpus)" = 1 ]
check "the guest sees KVM_FEATURE_NUMA_MOVED" [ "$(g guest_host_feature)" = 1 ]
check "pvnuma_guest.ko registered" [ "$(g guest_registered)" = 1 ]
has_vm() { compgen -G "/sys/kernel/pvnuma/vms/$qemu-*" >/dev/null; }
check "pvnuma.ko has the VM" has_vm
touch "$share/done"
exit "$bad"
