#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The e2e script's classifiers of the rig's interrupt-with-IF-clear hang
# (Documentation/rig.rst), on the logs of a real one (testdata/irq-if0.*:
# L2's console with the NMI backtrace of the stuck CPU; its QEMU monitor's
# registers and stacks, with the System.map lines they need) and on the
# same with one word changed.  A real interrupt's frame, with IF set, must
# never be taken for the rig's.  Then the triple-fault rips that are the
# rig's (rig-signature.py), on the code of one rig kernel
# (testdata/signature.*: its System.map lines and objdump of the three
# functions), and the instructions next to them, which are not.  TAP output.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$here/testdata
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

check() {	# NAME EXPECT(fault|none) OUTPUT
	local got=none
	n=$((n + 1))
	grep -q '^SIGNATURE irq-if0 ' <<<"$3" && got=fault
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

# sig NAME EXPECT(signature name|none) RIP [_TEXT [INTR_INFO]]:
# rig-signature.py on RIP, both levels running the testdata kernel at
# _TEXT (default: no KASLR), KVM injecting INTR_INFO (default: nothing).
sig() {
	local text=${4:-ffffffff81000000} out got=none
	out=$(python3 "$here/rig-signature.py" "$data/signature.map" "$text" "$data/signature.disasm" \
		"$data/signature.map" "$text" "$data/signature.disasm" "$3" "${5:-0}")
	n=$((n + 1))
	[[ $out == SIGNATURE* ]] && got=$(awk '{ print $2 }' <<<"$out")
	if [ "$got" = "$2" ]; then
		echo "ok $n signature-$1"
	else
		echo "not ok $n signature-$1"
		echo "# expected $2, got $got: $out"
		failed=$((failed + 1))
	fi
}

echo "1..19"
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
sig after-vmrun vmrun ffffffff81558d7c
sig after-vmrun-kaslr vmrun ffffffff9d558d7c ffffffff9d000000
sig at-vmrun none ffffffff81558d79
sig after-tsc-deadline-wrmsr tsc-deadline ffffffff810a3511
sig two-after-wrmsr none ffffffff810a3517
sig after-icr-read apic-mmio ffffffff810a3da8
sig after-icr-write apic-mmio ffffffff810a3dce
sig after-a-register-move none ffffffff810a3dbd
sig irq-injected irq-inject ffffffff810a3dbb ffffffff81000000 800000fb
sig exception-injected none ffffffff810a3dbb ffffffff81000000 80000b0e
sig after-a-branch none ffffffff810a3dbb
sig in-no-function none ffffffff80000000
[ "$failed" = 0 ]
