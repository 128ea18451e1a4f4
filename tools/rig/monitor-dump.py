#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump where a QEMU guest's CPUs are, through its human monitor.

Usage: monitor-dump.py SOCKET

SOCKET is the UNIX socket of the guest's QEMU monitor (-monitor
unix:SOCKET,server=on,wait=off).  Prints 'info registers -a', then for
each CPU a line 'CPU#N', the word at its RDI (a spinning CPU's lock) and
128 words of its stack: what tools/e2e/l2-stacks.py reads to name them.
Each command gets 10 s; a monitor that does not answer ends the dump.
"""

import re
import socket
import sys
import time

PROMPT = b"(qemu) "
ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buf = b""
        self.until_prompt()  # the banner

    def until_prompt(self):
        end = time.time() + 10
        while PROMPT not in self.buf and time.time() < end:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            self.buf += chunk
        if PROMPT not in self.buf:
            raise TimeoutError("the monitor did not answer")
        out, _, self.buf = self.buf.partition(PROMPT)
        return ESCAPE.sub("", out.decode(errors="replace")).replace("\r", "")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.until_prompt()


def register(regs, cpu, name):
    """The value of register NAME of CPU#cpu in 'info registers -a'."""
    section = re.search(r"^CPU#%d\b(.*?)(?=^CPU#|\Z)" % cpu, regs, re.M | re.S)
    m = section and re.search(r"\b%s=([0-9a-f]{16})" % name, section.group(1))
    return m.group(1) if m else None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    try:
        mon = Monitor(sys.argv[1])
        regs = mon.cmd("info registers -a")
        print(regs)
        for cpu in sorted({int(c) for c in re.findall(r"^CPU#(\d+)", regs, re.M)}):
            rsp, rdi = register(regs, cpu, "RSP"), register(regs, cpu, "RDI")
            if not rsp or not rdi:
                continue
            print("\nCPU#%d" % cpu)
            mon.cmd("cpu %d" % cpu)
            print(mon.cmd("x /1gx 0x" + rdi))
            print(mon.cmd("x /128gx 0x" + rsp))
    except (OSError, TimeoutError) as e:
        print("monitor-dump: %s" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
