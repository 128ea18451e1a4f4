#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build everything, boot the patched host kernel (L1, 2 NUMA
# nodes) under QEMU, and run the end-to-end scenario three ways in one L1
# boot: an L2 Linux guest fills PVNUMA_DEMO_MIB MiB (default 32) on vNode 0,
# the host pages the guest's vNode-0 memory out, and the guest's NUMA
# balancing moves the pages to vNode 1
#
#   baseline  as today: no guest driver, the guest copies
#   lazy      pvnuma_guest.ko, the host moves mappings and swap entries
#   eager     pvnuma_guest.ko, the host also brings the data onto node 1
#
# for each page size of PVNUMA_DEMO_PAGES (default "4k thp"): the guest's
# data in 4 KiB pages (one hypercall per page) or in 2 MiB transparent huge
# pages (one per THP).
#
# The issue asks for 256 MiB.  With THPs alone that runs in about 6 min
# (PVNUMA_DEMO_MIB=256 PVNUMA_DEMO_PAGES=thp); with 4 KiB pages this rig
# could not finish the eager run at that size when last tried (2026-11-23),
# and without CONFIG_SCHED_DEBUG the guest's NUMA scanner cannot be sped
# up, so the default is 32 MiB (see the README).
#
# Prints a table, writes demo.csv, demo.json and demo.svg (gnuplot) in
# $PVNUMA_CACHE/runs/demo/.
. "$(dirname "$0")/rig/lib.sh"

mib=${PVNUMA_DEMO_MIB:-32}
case $mib in ''|*[!0-9]*|0) die "PVNUMA_DEMO_MIB must be a number of MiB, got '$mib'" ;; esac
psizes=${PVNUMA_DEMO_PAGES-4k thp}
[ -n "$psizes" ] || die "PVNUMA_DEMO_PAGES is empty: give 4k, thp or \"4k thp\""
for p in $psizes; do
	case $p in 4k|thp) ;; *) die "PVNUMA_DEMO_PAGES: '$p' is neither 4k nor thp" ;; esac
done
runs=""
for p in $psizes; do for m in baseline lazy eager; do runs="$runs $p-$m"; done; done

bash "$PVNUMA_ROOT/tools/rig/deps.sh" || exit 1
bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || exit 1

cat <<MSG
== pvnuma demo ==
L1: the patched host kernel under QEMU TCG (AMD SVM + NPT), 2 NUMA nodes.
L2: a Linux guest (the same kernel) with 2 vNUMA nodes bound to them.
Scenario, three times (baseline, lazy, eager) per page size ($psizes):
L2 writes $mib MiB on vNode 0; the host pages the guest's vNode-0 memory
out; L2's NUMA balancing then moves the data to vNode 1.  This takes about
$((2 * $(echo $runs | wc -w) / 3 + 2)) minutes.
MSG

# In L1: each of $RUNS (PAGESIZE-MODE), run again (up to 3 runs) if its L2
# guest hit the rig's fault under its emulated nested SVM
# (Documentation/rig.rst).
read -r -d '' script <<'L1' || true
echo "== L1: $(uname -r) =="
numactl -H | grep -E '^node [0-9]+ (cpus|size)'
echo 2G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || exit 1
insmod "$MODDIR/pvnuma.ko" || exit 1
for run in $RUNS; do
	echo "-- $run: running..."
	for try in 1 2 3; do
		bash "$PVNUMA_ROOT/tools/e2e/run-l1.sh" "${run#*-}" "$MIB" "/run/pvnuma/demo-$run" "${run%%-*}" \
			>"/run/pvnuma/demo-$run.log" 2>&1 && break
		cat "/run/pvnuma/demo-$run.log"
		grep -q '^PVNUMA-RIG-FAULT' "/run/pvnuma/demo-$run.log" && [ "$try" -lt 3 ] || exit 1
		echo "-- $run: the L2 guest hit the rig's fault under its emulated nested SVM (a triple fault, a VMRUN loop or an interrupt taken with IF clear, see Documentation/rig.rst); running it again..."
	done
	cat "/run/pvnuma/demo-$run.log"
	grep -E '^(balance_seconds|on_node1|bad_words)=' "/run/pvnuma/demo-$run/result" | tr '\n' ' '
	echo
done
L1

start=$(date +%s)
out=$RUNDIR/demo
# l1_run NAME RUNS...: the runs in one L1 boot; vm.sh's exit status.
l1_run() {
	local name=$1 rc=0
	shift
	bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name "$name" --nodes 2 --mem 4096 --timeout 3600 \
		-- "PVNUMA_ROOT=$PVNUMA_ROOT MIB=$mib RUNS='$*'; $script" | grep -v '^\[ *[0-9.]*\]'
	rc=${PIPESTATUS[0]}
	return "$rc"
}
missing() { for r in $runs; do [ -f "$out/demo-$r/result" ] || echo "$r"; done; }
rc=0 todo=""
# shellcheck disable=SC2086 # one word per run
l1_run demo $runs || rc=$?
# An L1 that triple-faulted (vm.sh exit 123, the rig) boots once more for
# the modes it did not finish.
if [ "$rc" = 123 ] && [ -n "$(missing)" ]; then
	echo "-- L1 triple-faulted under the rig's emulated nested SVM (see Documentation/rig.rst); booting it again for: $(missing | tr '\n' ' ')"
	todo=$(missing)
	rc=0
	# shellcheck disable=SC2086 # one word per run
	l1_run demo-resumed $todo || rc=$?
	for r in $todo; do
		[ -d "$RUNDIR/demo-resumed/demo-$r" ] || continue
		rm -rf "$out/demo-$r"
		cp -r "$RUNDIR/demo-resumed/demo-$r" "$out/demo-$r"
	done
elif [ "$rc" = 123 ]; then
	echo "-- L1 triple-faulted under the rig's emulated nested SVM after the last mode (see Documentation/rig.rst)"
	rc=0
fi
for r in $runs; do
	[ -f "$out/demo-$r/result" ] ||
		{ echo "demo: no result for $r (exit $rc); L1 console: $out/console.log${todo:+ and $RUNDIR/demo-resumed/console.log}"; exit 1; }
done

python3 - "$out" $psizes <<'PY'
import json, sys
out = sys.argv[1]
psizes = sys.argv[2:]
modes = ["baseline", "lazy", "eager"]
names = {"4k": "4 KiB pages", "thp": "2 MiB THPs"}

def load(p, m):
    d = {}
    for line in open(f"{out}/demo-{p}-{m}/result"):
        k, _, v = line.strip().partition("=")
        try:
            d[k] = float(v)
        except ValueError:
            d[k] = v
    g = lambda k: d.get(k, 0)
    migrated = g("guest_numa_pages_migrated") - g("guest_before_numa_pages_migrated")
    moved = g("guest_pages_moved") - g("guest_before_pages_moved")
    return {
        "pages": int(g("pages")),
        "thps_filled": int(g("filled_thps")),
        "thps_migrated_whole": int(g("guest_thp_migration_success") - g("guest_before_thp_migration_success")),
        "hypercalls": int(g("guest_calls") - g("guest_before_calls")) if m != "baseline" else None,
        "pages_on_vnode1": int(g("on_node1")),
        "host_moved_at_start": int(g("marked_at_go")) if m != "baseline" else None,
        "pages_moved_by_host": int(moved),
        "host_declined_home": int(g("host_vm_err_home")) if m != "baseline" else None,
        "host_declined_busy": int(g("host_vm_err_busy")) if m != "baseline" else None,
        "pages_copied_by_guest": int(migrated - moved),
        "bytes_copied": int((migrated - moved) * 4096 + g("host_bytes_copied")),
        # Page by page (run-l1.sh's frames_summary): the old frames of
        # the pages balancing moved, as the host had them at go and has
        # them after.
        "host_swapped_out_at_go": int(g("frames_balanced_swapped_at_go")),
        "host_swapins_onto_node0": int(g("frames_swapins_node0")),
        "host_swapins_total": int(g("host_pswpin")),
        "stranded_on_node0_mib": g("frames_stranded_node0") * 4096 / 2**20,
        "old_frames_reused_by_guest": int(g("frames_old_reused")),
        "balance_seconds": g("balance_seconds"),
        "bad_words": int(g("bad_words")),
    }

r = {p: {m: load(p, m) for m in modes} for p in psizes}
rows = [
    ("pages balanced to vNode 1", "pages_on_vnode1", "{:.0f}"),
    ("  host had swapped out at start", "host_swapped_out_at_go", "{}"),
    ("  marked moved in the area", "host_moved_at_start", "{}"),
    ("moved by the host, no copy", "pages_moved_by_host", "{:.0f}"),
    ("  in hypercalls", "hypercalls", "{}"),
    ("declined: page back home", "host_declined_home", "{}"),
    ("declined: lost a race", "host_declined_busy", "{}"),
    ("copied by the guest", "pages_copied_by_guest", "{:.0f}"),
    ("bytes copied (guest + host)", "bytes_copied", "{:.0f}"),
    ("swapped in onto node 0 first", "host_swapins_onto_node0", "{:.0f}"),
    ("host swap-ins, all pages", "host_swapins_total", "{:.0f}"),
    ("left stranded on node 0 (MiB)", "stranded_on_node0_mib", "{:.1f}"),
    ("wall time to balance (s)", "balance_seconds", "{:.2f}"),
    ("THPs filled / moved whole", None, None),
    ("data errors (words)", "bad_words", "{:.0f}"),
]
for p in psizes:
    base = r[p]["baseline"]
    print(f"\n{names[p] + ':':32}{'baseline':>12}{'lazy':>12}{'eager':>12}")
    for label, key, fmt in rows:
        if key is None:
            if p == "thp":
                cells = [f"{r[p][m]['thps_filled']}/{r[p][m]['thps_migrated_whole']}" for m in modes]
                print(f"{label:32}" + "".join(f"{c:>12}" for c in cells))
            continue
        cells = []
        for m in modes:
            v = r[p][m][key]
            cells.append("n/a" if v is None else fmt.format(v))
        print(f"{label:32}" + "".join(f"{c:>12}" for c in cells))
    print()
    for m in ("lazy", "eager"):
        t = r[p][m]["balance_seconds"] / base["balance_seconds"] if base["balance_seconds"] else 0
        print(f"{p} {m}: wall time {t:.2f} x baseline; host swap-ins onto node 0 "
              f"{r[p][m]['host_swapins_onto_node0']} vs {base['host_swapins_onto_node0']}; "
              f"guest copies {r[p][m]['pages_copied_by_guest']} vs {base['pages_copied_by_guest']}")
with open(f"{out}/demo.csv", "w") as f:
    keys = list(r[psizes[0]]["baseline"].keys())
    f.write("page_size,mode," + ",".join(keys) + "\n")
    for p in psizes:
        for m in modes:
            f.write(f"{p},{m}," + ",".join("" if r[p][m][k] is None else str(r[p][m][k]) for k in keys) + "\n")
with open(f"{out}/demo.json", "w") as f:
    json.dump(r, f, indent=2)
# For gnuplot: a row per mode, a column pair (wall time, swap-ins onto
# node 0) per page size.
with open(f"{out}/demo.dat", "w") as f:
    f.write("mode " + " ".join(f"{p}_seconds {p}_swapins_node0" for p in psizes) + "\n")
    for m in modes:
        f.write(m + " " + " ".join(f"{r[p][m]['balance_seconds']} {r[p][m]['host_swapins_onto_node0']}"
                                   for p in psizes) + "\n")
PY
[ $? = 0 ] || exit 1
n=$(echo $psizes | wc -w)
gnuplot <<GP 2>/dev/null && echo "chart: $out/demo.svg"
set terminal svg size 900,420 noenhanced
set output "$out/demo.svg"
set multiplot layout 1,2 title "pvnuma: balancing $mib MiB of host-swapped guest memory"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set yrange [0:*]
set xtics nomirror
set title "wall time to balance (s)"
plot for [i=1:$n] "$out/demo.dat" using 2*i:xtic(1) title columnheader(2*i) lc i
set title "host swap-ins onto node 0 (pages)"
plot for [i=1:$n] "$out/demo.dat" using 2*i+1:xtic(1) title columnheader(2*i+1) lc i
unset multiplot
GP
echo "results: $out/demo.csv $out/demo.json; L1 console: $out/console.log"
echo "== demo finished in $(($(date +%s) - start)) s =="
exit "$rc"
