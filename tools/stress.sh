#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make stress: the long runs of the robustness tests, in L1.
#
#   PVNUMA_FUZZ_CALLS  calls of pvnuma_fuzz_test's fuzzing vCPU (default 100000)
#   PVNUMA_FUZZ_SEED   its seed (default: the date, printed)
#   PVNUMA_SOAK_MOVES  pages pvnuma_soak_test has the host move (default 1000000)
#
# make check runs the same tests, shorter (4000 calls, 100000 moves).  The
# kernel log must stay free of warnings; with DEBUG=1 this is the debug
# kernel (KASAN, lockdep, UBSAN, kmemleak).
. "$(dirname "$0")/rig/lib.sh"

calls=${PVNUMA_FUZZ_CALLS:-100000}
seed=${PVNUMA_FUZZ_SEED:-$(date +%s)}
moves=${PVNUMA_SOAK_MOVES:-1000000}
for v in "$calls" "$seed" "$moves"; do
	case $v in ''|*[!0-9]*|0) die "PVNUMA_FUZZ_CALLS, PVNUMA_FUZZ_SEED and PVNUMA_SOAK_MOVES must be positive numbers, got '$v'" ;; esac
done

bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || exit 1
echo "pvnuma stress: fuzz $calls calls (seed $seed), soak $moves moves, in L1..."
bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name stress --nodes 2 --mem 4096 --tcg single \
	--timeout 7200 --quiet -- "
echo 2G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0 || exit 1
insmod $MODDIR/pvnuma.ko || exit 1
rc=0
$SELFTEST_OUT/x86_64/pvnuma_fuzz_test -n $calls -s $seed || rc=1
$SELFTEST_OUT/x86_64/pvnuma_soak_test -m $moves || rc=1
[ -w /sys/kernel/debug/kmemleak ] && echo scan >/sys/kernel/debug/kmemleak &&
	cat /sys/kernel/debug/kmemleak
if dmesg | grep -E '$KERNEL_REPORT'; then
	echo 'stress: the kernel log has a report'
	rc=1
fi
exit \$rc" | grep -v '^\[ *[0-9.]*\]'
exit "${PIPESTATUS[0]}"
