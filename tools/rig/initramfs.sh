#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the rig's initramfs (static busybox + tools/rig/init.sh) if it is
# missing or older than its inputs, and print its path.
. "$(dirname "$0")/lib.sh"

out=$PVNUMA_CACHE/initramfs.cpio.gz
init=$PVNUMA_ROOT/tools/rig/init.sh
busybox=/bin/busybox
[ -x "$busybox" ] || die "no static busybox at $busybox: run 'make deps'"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	die "$busybox is not static: install busybox-static"

if [ ! -f "$out" ] || [ "$init" -nt "$out" ] || [ "$busybox" -nt "$out" ]; then
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,mnt,host,run,tmp}
	cp "$busybox" "$stage/bin/busybox"
	cp "$init" "$stage/init"
	chmod 755 "$stage/init"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -9 >"$out.tmp"
	mv "$out.tmp" "$out"
fi
echo "$out"
