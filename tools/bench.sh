#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: run tools/bench/pvnuma_bench in L1 (the patched host kernel,
# 2 NUMA nodes, zram swap) and leave its table and CSV in the run
# directory.  PVNUMA_BENCH_PAGES sets the page count (default 65536, the
# 256 MiB of issue 3's figures).
. "$(dirname "$0")/rig/lib.sh"

pages=${PVNUMA_BENCH_PAGES:-65536}
case $pages in
''|*[!0-9]*) die "PVNUMA_BENCH_PAGES must be a number of pages, got '$pages'" ;;
esac

bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || exit 1
out=$PVNUMA_CACHE/runs/bench
echo "pvnuma bench: $pages pages per mode, in L1 (this takes a few minutes)..."
bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name bench --nodes 2 --mem 4096 \
	--timeout 1800 --quiet -- "
echo 3G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
	swapon /dev/zram0 || exit 1
export PVNUMA_KO=$MODDIR/pvnuma.ko
$SELFTEST_OUT/x86_64/pvnuma_bench -n $pages -o /run/pvnuma/bench.csv" |
	grep -v '^\[ *[0-9.]*\]'
rc=${PIPESTATUS[0]}
[ -f "$out/bench.csv" ] && echo "CSV: $out/bench.csv"
exit "$rc"
