# SPDX-License-Identifier: GPL-2.0
# Read a Linux kernel log (an L2 guest's console); print a "SIGNATURE irq-if0"
# line if a backtrace in it shows an interrupt taken with interrupts
# disabled: the registers an interrupt entry (asm_sysvec_*,
# asm_common_interrupt) saved, printed right after it, have IF (EFLAGS
# bit 9) clear.  x86 never does that; QEMU's nested SVM did (rig.rst).
{ gsub(/\r/, "") }
/ asm_(sysvec_[a-z_0-9]+|common_interrupt)\+/ { n = 3; next }
n > 0 && /RIP: / { rip = $0; sub(/.*RIP: [0-9a-f]+:/, "", rip) }
n > 0 && / EFLAGS: / {
	f = $0; sub(/.* EFLAGS: /, "", f); sub(/[^0-9a-f].*/, "", f)
	# IF clear: the third hex digit from the right has bit 1 clear.
	if (length(f) >= 3 && index("014589cd", substr(f, length(f) - 2, 1))) {
		printf "SIGNATURE irq-if0 L2 took an interrupt with interrupts disabled (EFLAGS %s at %s)\n", f, rip
		exit
	}
}
{ n-- }
