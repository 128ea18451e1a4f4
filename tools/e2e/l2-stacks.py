#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Name where a stuck L2's vCPUs are, from QEMU's human monitor.

Usage: l2-stacks.py SYSTEM_MAP L2_TEXT [MODULE_KALLSYMS] < MONITOR_OUTPUT

MONITOR_OUTPUT holds 'info registers -a' and, for each vCPU after a line
'CPU#N', an 'x /gx RDI' (what a spinning vCPU's lock holds) and an
'x /Ngx RSP' dump of its stack.  L2 runs the kernel built with SYSTEM_MAP,
its text at L2_TEXT (hex, _text in L2's /proc/kallsyms: KASLR moves it);
MODULE_KALLSYMS, if given, holds the lines of L2's /proc/kallsyms for its
modules, to name their addresses too.
Prints each vCPU's rip and rdi (a spinning lock's address is in rdi) and
the kernel text addresses on its stack, by symbol: like the kernel's own
unreliable stack trace, some may be stale.

Also looks, on each stack, for the registers an interrupt entry saved
(struct pt_regs right above the return address into asm_sysvec_* or
asm_common_interrupt): if they have IF (EFLAGS bit 9) clear, the vCPU
took an external interrupt with interrupts disabled, which x86 never
does, and it prints a line "SIGNATURE irq-if0 ..." (Documentation/rig.rst),
for lib.sh's rig_verdict to rule on.
"""

import bisect
import re
import sys


def load_map(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    text = next(a for a, n in syms if n == "_text")
    etext = next(a for a, n in syms if n == "_etext")
    return syms, text, etext


def symbol(syms, addr):
    """(name, offset) of the symbol at or before addr, or ("?", 0)"""
    i = bisect.bisect_right(syms, (addr, "\xff")) - 1
    if i < 0:
        return "?", 0
    return syms[i][1], addr - syms[i][0]


def name(syms, addr):
    return "%s+0x%x" % symbol(syms, addr)


# struct pt_regs (x86-64), in words after the return address into the
# interrupt entry: 15 registers, orig_ax, then ip, cs, flags, sp, ss.
PT_ORIG_AX, PT_IP, PT_CS, PT_FLAGS, PT_SS = 16, 17, 18, 19, 21
X86_EFLAGS_IF = 0x200


def irq_entry(sym):
    return sym.startswith("asm_sysvec_") or sym == "asm_common_interrupt"


def irq_with_if_clear(syms, shift, lo, hi, stack):
    """(ip, flags) an interrupt entry on @stack saved with IF clear, or None"""
    for j, w in enumerate(stack):
        if not lo <= w < hi or not irq_entry(symbol(syms, w - shift)[0]):
            continue
        if j + PT_SS >= len(stack):
            break
        orig_ax, ip, cs, flags, ss = (stack[j + PT_ORIG_AX], stack[j + PT_IP],
                                      stack[j + PT_CS], stack[j + PT_FLAGS],
                                      stack[j + PT_SS])
        # An external interrupt's frame: orig_ax -1; kernel CS with SS
        # __KERNEL_DS or 0 (kernel code entered from user mode runs on
        # SS 0), or user CS and SS.
        frame = orig_ax == (1 << 64) - 1 and (
            (cs == 0x10 and ss in (0, 0x18)) or (cs == 0x33 and ss == 0x2b))
        if frame and not flags & X86_EFLAGS_IF:
            return ip, flags
    return None


def load_modules(path):
    """L2's /proc/kallsyms lines of its modules' text, sorted"""
    syms = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 4 and parts[1] in "tT":
                    syms.append((int(parts[0], 16), parts[2] + " " + parts[3]))
    except OSError:
        pass
    return sorted(syms)


def module_name(mods, addr):
    """addr as symbol+offset [module], if it is near a module symbol"""
    sym, off = symbol(mods, addr)
    if sym == "?" or off >= 0x10000:
        return None
    sym, mod = sym.split(" ", 1)
    return "%s+0x%x %s" % (sym, off, mod)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: l2-stacks.py SYSTEM_MAP L2_TEXT [MODULE_KALLSYMS] < MONITOR_OUTPUT")
    syms, text, etext = load_map(sys.argv[1])
    shift = int(sys.argv[2], 16) - text
    lo, hi = text + shift, etext + shift
    mods = load_modules(sys.argv[3]) if len(sys.argv) == 4 else []
    cpu = None
    regs = {}
    stacks = {}
    at_rdi = {}
    want_rdi = False
    for line in sys.stdin:
        line = line.replace("\r", "")
        m = re.search(r"CPU#(\d+)\s*$", line)
        if m:
            cpu = int(m.group(1))
            regs.setdefault(cpu, {})
            want_rdi = True
            continue
        for r, v in re.findall(r"\b(RIP|RSP|RDI|RFL)=([0-9a-f]{8,16})", line):
            if cpu is not None:
                regs[cpu][r] = int(v, 16)
        m = re.match(r"([0-9a-f]{16}):((?:\s+0x[0-9a-f]{16})+)", line)
        if not m or cpu is None:
            continue
        addr = int(m.group(1), 16)
        words = [int(w, 16) for w in m.group(2).split()]
        # After each CPU#N of the dumps: one word at RDI, then the stack
        # from RSP on, line after line.
        if want_rdi:
            want_rdi = False
            if len(words) == 1 and addr == regs[cpu].get("RDI"):
                at_rdi[cpu] = words[0]
                continue
        stack = stacks.setdefault(cpu, [])
        if addr == regs[cpu].get("RSP", -1) + 8 * len(stack):
            stack.extend(words)
    for c in sorted(regs):
        r = regs[c]
        rip = r.get("RIP")
        where = name(syms, rip - shift) if rip is not None and lo <= rip < hi else "?"
        print("vCPU %d: rip %s (%s) rdi %s (holds %s) rflags %s (IF=%d)" % (
            c, hex(rip) if rip is not None else "?", where,
            hex(r["RDI"]) if "RDI" in r else "?",
            hex(at_rdi[c]) if c in at_rdi else "?",
            hex(r["RFL"]) if "RFL" in r else "?",
            (r.get("RFL", 0) >> 9) & 1))
        for w in stacks.get(c, []):
            where = name(syms, w - shift) if lo <= w < hi else module_name(mods, w)
            if where:
                print("    %s %s" % (hex(w), where))
    for c in sorted(stacks):
        bad = irq_with_if_clear(syms, shift, lo, hi, stacks[c])
        if bad:
            ip, flags = bad
            where = name(syms, ip - shift) if lo <= ip < hi else hex(ip)
            print("SIGNATURE irq-if0 L2 vCPU %d took an interrupt with "
                  "interrupts disabled (EFLAGS %#x at %s)" % (c, flags, where))
            break


if __name__ == "__main__":
    main()
