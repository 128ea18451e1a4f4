#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Name the rig's fault signature, if any, at the rip of an L2 vCPU.

Usage: rig-signature.py L1_MAP L1_TEXT L1_DISASM L2_MAP L2_TEXT L2_DISASM RIP [INTR_INFO]

The rig's emulator (QEMU TCG's nested SVM) fails L2 right where it resumes
it (Documentation/rig.rst, "Rig faults").  These places are documented,
each an instruction boundary, not just a function, and one moment:

  vmrun         the instruction right after VMRUN in L1's __svm_vcpu_run():
                L2 was resumed with L1's own state
  tsc-deadline  the instruction right after the WRMSR in L2's
                lapic_next_deadline() (KVM emulated it, and resumed L2)
  apic-mmio     the instruction right after an MMIO access of L2's local
                APIC page (its fixmap address, 0xffffffffff5fX000): KVM
                emulated it, and resumed L2; seen after a read of the ICR
                and after a write to it
  irq-inject    whatever the rip, KVM was injecting an external interrupt
                into L2 (INTR_INFO, the kvm_exit line's intr_info, valid
                with type 0): seen twice on 2026-12-03, in L2s whose pvnuma
                driver was not loaded, one of them halted

RIP (hex) is a vCPU's rip: an L1 address for vmrun, an L2 one otherwise.
Lx_MAP is the System.map of the kernel that level runs, Lx_TEXT (hex) its
_text as that kernel's /proc/kallsyms has it (KASLR moves it), and
Lx_DISASM either that kernel's vmlinux, disassembled here with objdump,
or a file holding objdump's output for the function (tools/e2e/testdata).

Prints "SIGNATURE <name> <where>" and exits 0 when RIP is one of them,
or "NO-SIGNATURE <where>" and exits 1.
"""

import bisect
import re
import subprocess
import sys

# An MMIO access of the local APIC's page: a mov from or to APIC_BASE (a
# fixmap address at the top of the address space) + a register's offset.
APIC_MMIO = re.compile(r"^mov\s+(0xffffffffff5f[0-9a-f]{4},%[a-z0-9]+|%[a-z0-9]+,0xffffffffff5f[0-9a-f]{4})$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*?)\s*(#.*)?$")


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return syms


def function_at(syms, addr):
    """(name, start, end) of the text symbol holding addr, or None."""
    i = bisect.bisect_right(syms, (addr, "\xff")) - 1
    if i < 0 or i + 1 >= len(syms):
        return None
    return syms[i][1], syms[i][0], syms[i + 1][0]


def instructions(disasm, start, end):
    """[(address, text)] of the instructions in [start, end]."""
    if disasm.endswith("vmlinux"):
        out = subprocess.run(
            ["objdump", "-d", "--no-show-raw-insn",
             "--start-address=0x%x" % start, "--stop-address=0x%x" % (end + 1),
             disasm], capture_output=True, text=True, check=True).stdout
    else:
        with open(disasm) as f:
            out = f.read()
    insns = []
    for line in out.splitlines():
        m = INSN.match(line)
        if m:
            addr = int(m.group(1), 16)
            if start <= addr <= end:
                insns.append((addr, m.group(2).strip()))
    return insns


def before(syms, disasm, addr):
    """(function, offset, the instruction that ends right at addr) or None."""
    fn = function_at(syms, addr)
    if not fn:
        return None
    name, start, end = fn
    insns = instructions(disasm, start, addr)
    for (a, text), (b, _) in zip(insns, insns[1:]):
        if b == addr:
            return name, addr - start, text
    return name, addr - start, None


def main(argv):
    if len(argv) not in (8, 9):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    l1_map, l1_text, l1_dis, l2_map, l2_text, l2_dis, rip = argv[1:8]
    rip = int(rip, 16)
    intr = int(argv[8], 16) if len(argv) == 9 else 0
    if intr & 0x80000000 and (intr >> 8) & 7 == 0:
        print("SIGNATURE irq-inject KVM was injecting external interrupt 0x%x at rip 0x%x"
              % (intr & 0xff, rip))
        return 0
    where = []
    for level, path, text, dis in (("L1", l1_map, l1_text, l1_dis),
                                   ("L2", l2_map, l2_text, l2_dis)):
        syms = load_map(path)
        base = next(a for a, n in syms if n == "_text")
        # Into the map's addresses: what KASLR added at boot, taken off.
        addr = rip - (int(text, 16) - base)
        got = before(syms, dis, addr)
        if not got:
            where.append("%s: no function" % level)
            continue
        name, off, prev = got
        here = "%s %s+0x%x after '%s'" % (level, name, off, prev)
        where.append(here)
        if level == "L1" and name == "__svm_vcpu_run" and prev == "vmrun":
            sig = "vmrun"
        elif level == "L2" and name == "lapic_next_deadline" and prev == "wrmsr":
            sig = "tsc-deadline"
        elif level == "L2" and prev and APIC_MMIO.match(prev):
            sig = "apic-mmio"
        else:
            continue
        print("SIGNATURE %s %s" % (sig, here))
        return 0
    print("NO-SIGNATURE rip 0x%x: %s" % (rip, "; ".join(where)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
