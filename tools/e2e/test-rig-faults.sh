#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The e2e script's classifiers of the rig's interrupt-with-IF-clear hang
# (Documentation/rig.rst), on the logs of a real one (testdata/irq-if0.*:
# L2's console with the NMI backtrace of the stuck CPU; its QEMU monitor's
# registers and stacks, with the System.map lines they need) and on the
# same with one word changed.  A real interrupt's frame, with IF set, must
# never be taken for the rig's.  TAP output.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {	# NAME EXPECT(fault|none) OUTPUT
	local got=none
	n=$((n + 1))
	grep -q '^PVNUMA-RIG-FAULT' <<<"$3" && got=fault
	if [ "$got" = "$2" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "# expected $2, got $got:"
		sed 's/^/# /' <<<"$3"
		failed=$((failed + 1))
	fi
}
console() { awk -f "$here/irq-if0.awk" "$1"; }
stacks() { python3 "$here/l2-stacks.py" "$data/irq-if0.map" "$(cat "$data/irq-if0.text")" <"$1"; }

echo "1..7"
check console-if-clear fault "$(console "$data/irq-if0.console")"
# The interrupt frame's EFLAGS with IF set (0x96 -> 0x296).
sed 's/EFLAGS: 00000096/EFLAGS: 00000296/' "$data/irq-if0.console" >"$tmp/c"
check console-if-set none "$(console "$tmp/c")"
check stack-if-clear fault "$(stacks "$data/irq-if0.monitor")"
# Saved EFLAGS 0x46 -> 0x246 (IF set): a real interrupt's frame.
sed 's/^\(ffff9936c0003f08:\) 0x0000000000000046/\1 0x0000000000000246/' \
	"$data/irq-if0.monitor" >"$tmp/m"
check stack-if-set none "$(stacks "$tmp/m")"
# Saved SS 0 (kernel code entered from user mode runs on SS 0).
sed 's/^\(ffff9936c0003f18:\) 0x0000000000000018/\1 0x0000000000000000/' \
	"$data/irq-if0.monitor" >"$tmp/m"
check stack-ss-0 fault "$(stacks "$tmp/m")"
# An SS no interrupt frame has: not a frame.
sed 's/^\(ffff9936c0003f18:\) 0x0000000000000018/\1 0x0000000000000020/' \
	"$data/irq-if0.monitor" >"$tmp/m"
check stack-not-a-frame none "$(stacks "$tmp/m")"
# RDI pointing into the stack must not shift the frame's words.
sed '0,/RDI=ffff95e48f820a00/s//RDI=ffff9936c0003e98/' "$data/irq-if0.monitor" >"$tmp/m"
check stack-rdi-into-stack fault "$(stacks "$tmp/m")"
[ "$failed" = 0 ]
