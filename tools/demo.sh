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
# The issue asks for 256 MiB; at that size this rig cannot yet finish the
# eager run, and without CONFIG_SCHED_DEBUG the guest's NUMA scanner cannot
# be sped up, so the default is 32 MiB (see the README).
#
# Prints a table, writes demo.csv, demo.json and demo.svg (gnuplot) in
# $PVNUMA_CACHE/runs/demo/.
. "$(dirname "$0")/rig/lib.sh"

mib=${PVNUMA_DEMO_MIB:-32}
case $mib in ''|*[!0-9]*|0) die "PVNUMA_DEMO_MIB must be a number of MiB, got '$mib'" ;; esac

bash "$PVNUMA_ROOT/tools/rig/deps.sh" || exit 1
bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || exit 1

cat <<MSG
== pvnuma demo ==
L1: the patched host kernel under QEMU TCG (AMD SVM + NPT), 2 NUMA nodes.
L2: a Linux guest (the same kernel) with 2 vNUMA nodes bound to them.
Scenario, three times: L2 writes $mib MiB on vNode 0; the host pages the
guest's vNode-0 memory out; L2's NUMA balancing then moves the data to
vNode 1.  This takes a few minutes.
MSG

# In L1: each of $MODES, run again (up to 3 runs) if its L2 guest hit
# the rig's fault under its emulated nested SVM (Documentation/rig.rst).
read -r -d '' script <<'L1' || true
echo "== L1: $(uname -r) =="
numactl -H | grep -E '^node [0-9]+ (cpus|size)'
echo 2G >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 || exit 1
insmod "$PVNUMA_ROOT/pvnuma.ko" || exit 1
for mode in $MODES; do
	echo "-- $mode: running..."
	for try in 1 2 3; do
		bash "$PVNUMA_ROOT/tools/e2e/run-l1.sh" "$mode" "$MIB" "/run/pvnuma/demo-$mode" \
			>"/run/pvnuma/demo-$mode.log" 2>&1 && break
		cat "/run/pvnuma/demo-$mode.log"
		grep -q '^PVNUMA-RIG-FAULT' "/run/pvnuma/demo-$mode.log" && [ "$try" -lt 3 ] || exit 1
		echo "-- $mode: the L2 guest hit the rig's fault under its emulated nested SVM (a triple fault, a VMRUN loop or an interrupt taken with IF clear, see Documentation/rig.rst); running it again..."
	done
	cat "/run/pvnuma/demo-$mode.log"
	grep -E '^(balance_seconds|on_node1|bad_words)=' "/run/pvnuma/demo-$mode/result" | tr '\n' ' '
	echo
done
L1

start=$(date +%s)
out=$RUNDIR/demo
# l1_run NAME MODES...: the modes in one L1 boot; vm.sh's exit status.
l1_run() {
	local name=$1 rc=0
	shift
	bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name "$name" --nodes 2 --mem 4096 --timeout 2400 \
		-- "PVNUMA_ROOT=$PVNUMA_ROOT MIB=$mib MODES='$*'; $script" | grep -v '^\[ *[0-9.]*\]'
	rc=${PIPESTATUS[0]}
	return "$rc"
}
missing() { for m in baseline lazy eager; do [ -f "$out/demo-$m/result" ] || echo "$m"; done; }
rc=0 todo=""
l1_run demo baseline lazy eager || rc=$?
# An L1 that triple-faulted (vm.sh exit 123, the rig) boots once more for
# the modes it did not finish.
if [ "$rc" = 123 ] && [ -n "$(missing)" ]; then
	echo "-- L1 triple-faulted under the rig's emulated nested SVM (see Documentation/rig.rst); booting it again for:" $(missing)
	todo=$(missing)
	rc=0
	l1_run demo-resumed $todo || rc=$?
	for m in $todo; do
		[ -d "$RUNDIR/demo-resumed/demo-$m" ] || continue
		rm -rf "$out/demo-$m"
		cp -r "$RUNDIR/demo-resumed/demo-$m" "$out/demo-$m"
	done
elif [ "$rc" = 123 ]; then
	echo "-- L1 triple-faulted under the rig's emulated nested SVM after the last mode (see Documentation/rig.rst)"
	rc=0
fi
for mode in baseline lazy eager; do
	[ -f "$out/demo-$mode/result" ] ||
		{ echo "demo: no result for $mode (exit $rc); L1 console: $out/console.log${todo:+ and $RUNDIR/demo-resumed/console.log}"; exit 1; }
done

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
modes = ["baseline", "lazy", "eager"]
r = {}
for m in modes:
    d = {}
    for line in open(f"{out}/demo-{m}/result"):
        k, _, v = line.strip().partition("=")
        try:
            d[k] = float(v)
        except ValueError:
            d[k] = v
    g = lambda k: d.get(k, 0)
    migrated = g("guest_numa_pages_migrated") - g("guest_before_numa_pages_migrated")
    moved = g("guest_pages_moved") - g("guest_before_pages_moved")
    r[m] = {
        "pages": int(g("pages")),
        "pages_on_vnode1": int(g("on_node1")),
        "host_moved_at_start": int(g("marked_at_go")) if m != "baseline" else None,
        "pages_moved_by_host": int(moved),
        "host_declined_home": int(g("host_vm_err_home")) if m != "baseline" else None,
        "host_declined_busy": int(g("host_vm_err_busy")) if m != "baseline" else None,
        "pages_copied_by_guest": int(migrated - moved),
        "bytes_copied": int((migrated - moved) * 4096 + g("host_bytes_copied")),
        "host_swapins_onto_node0": int(g("after_vnode0_resident_node0") - g("paged_out_vnode0_resident_node0")),
        "host_swapins_total": int(g("host_pswpin")),
        "stranded_on_node0_mib": (g("after_vnode0_resident_node0") - g("paged_out_vnode0_resident_node0")) * 4096 / 2**20,
        "balance_seconds": g("balance_seconds"),
        "bad_words": int(g("bad_words")),
    }
base = r["baseline"]
rows = [
    ("pages balanced to vNode 1", "pages_on_vnode1", "{:.0f}"),
    ("  of which the host had moved", "host_moved_at_start", "{}"),
    ("moved by the host, no copy", "pages_moved_by_host", "{:.0f}"),
    ("declined: page back home", "host_declined_home", "{}"),
    ("declined: lost a race", "host_declined_busy", "{}"),
    ("copied by the guest", "pages_copied_by_guest", "{:.0f}"),
    ("bytes copied (guest + host)", "bytes_copied", "{:.0f}"),
    ("host swap-ins onto node 0", "host_swapins_onto_node0", "{:.0f}"),
    ("host swap-ins, all nodes", "host_swapins_total", "{:.0f}"),
    ("left stranded on node 0 (MiB)", "stranded_on_node0_mib", "{:.1f}"),
    ("wall time to balance (s)", "balance_seconds", "{:.2f}"),
    ("data errors (words)", "bad_words", "{:.0f}"),
]
print(f"\n{'':32}{'baseline':>12}{'lazy':>12}{'eager':>12}")
for label, key, fmt in rows:
    cells = []
    for m in modes:
        v = r[m][key]
        cells.append("n/a" if v is None else fmt.format(v))
    print(f"{label:32}" + "".join(f"{c:>12}" for c in cells))
print()
for m in ("lazy", "eager"):
    t = r[m]["balance_seconds"] / base["balance_seconds"] if base["balance_seconds"] else 0
    print(f"{m}: wall time {t:.2f} x baseline; host swap-ins onto node 0 "
          f"{r[m]['host_swapins_onto_node0']} vs {base['host_swapins_onto_node0']}; "
          f"guest copies {r[m]['pages_copied_by_guest']} vs {base['pages_copied_by_guest']}")
with open(f"{out}/demo.csv", "w") as f:
    keys = list(base.keys())
    f.write("mode," + ",".join(keys) + "\n")
    for m in modes:
        f.write(m + "," + ",".join("" if r[m][k] is None else str(r[m][k]) for k in keys) + "\n")
with open(f"{out}/demo.json", "w") as f:
    json.dump(r, f, indent=2)
with open(f"{out}/demo.dat", "w") as f:
    for i, m in enumerate(modes):
        f.write(f"{i} {m} {r[m]['balance_seconds']} {r[m]['pages_copied_by_guest']} {r[m]['host_swapins_onto_node0']}\n")
PY
[ $? = 0 ] || exit 1
gnuplot <<GP 2>/dev/null && echo "chart: $out/demo.svg"
set terminal svg size 900,420
set output "$out/demo.svg"
set multiplot layout 1,2 title "pvnuma: balancing $mib MiB of host-swapped guest memory"
set style data histograms
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set xtics nomirror
set title "wall time (s)"
plot "$out/demo.dat" using 3:xtic(2) notitle lc rgb "#4477aa"
set title "guest copies and host swap-ins onto node 0 (pages)"
plot "$out/demo.dat" using 4:xtic(2) title "guest copies" lc rgb "#cc6677", \
     "" using 5 title "swap-ins onto node 0" lc rgb "#999933"
unset multiplot
GP
echo "results: $out/demo.csv $out/demo.json; L1 console: $out/console.log"
echo "== demo finished in $(($(date +%s) - start)) s =="
exit "$rc"
