#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the rig's initramfs, for both levels:
#
# L1 (pvnuma.role=l1, the host under test): mount the build machine's root
# read-only over 9p at /host and the run directory read-write over 9p at
# /host/run/pvnuma, chroot into /host and run /run/pvnuma/cmd there; its
# output goes to /run/pvnuma/output and its exit status to /run/pvnuma/rc.
#
# L2 (pvnuma.role=l2, a guest started inside L1): report the NUMA topology
# on the console, run /run/pvnuma/cmd from a 9p share named "l2" if L1
# offered one, then power off.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

role=l1
for arg in $(cat /proc/cmdline); do
	case $arg in
	pvnuma.role=*) role=${arg#pvnuma.role=} ;;
	esac
done

topology() {
	for n in /sys/devices/system/node/node[0-9]*; do
		echo "PVNUMA-TOPOLOGY $1 $(basename "$n") cpus=$(cat "$n/cpulist")" \
		     "mem_kb=$(awk '/MemTotal/ {print $4}' "$n/meminfo")"
	done
}

finish() {
	sync
	echo "PVNUMA-RC=$1"
	poweroff -f
}

if [ "$role" = l2 ]; then
	topology l2
	rc=0
	# Only mount a share that exists: a failed 9p mount logs an error on
	# the console, in the middle of the lines the host parses.
	if grep -qsx l2 /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag &&
	   mount -t 9p -o trans=virtio,version=9p2000.L l2 /mnt; then
		if [ -f /mnt/cmd ]; then
			sh /mnt/cmd >/mnt/output 2>&1
			rc=$?
			echo $rc >/mnt/rc
		fi
		umount /mnt
	fi
	finish $rc
fi

mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /host; then
	echo "pvnuma-init: cannot mount the host root over 9p"
	finish 125
fi
for d in proc sys dev; do
	mount -o bind /$d /host/$d
done
mount -t debugfs debugfs /host/sys/kernel/debug
mount -t tracefs tracefs /host/sys/kernel/tracing
mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs tmpfs /host/run
mkdir -p /host/run/pvnuma /host/run/tmp
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /host/run/pvnuma; then
	echo "pvnuma-init: cannot mount the run directory over 9p"
	finish 125
fi
topology l1

chroot /host /usr/bin/env -i HOME=/root TERM=dumb TMPDIR=/run/tmp LANG=C \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash /run/pvnuma/cmd >/host/run/pvnuma/output 2>&1
rc=$?
echo $rc >/host/run/pvnuma/rc
umount /host/run/pvnuma
finish $rc
