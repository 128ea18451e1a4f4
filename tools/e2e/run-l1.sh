#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Inside L1: one end-to-end run of copyless guest NUMA balancing.
#
# Usage: run-l1.sh MODE MIB OUTDIR [PAGES]
#   MODE: baseline, lazy or eager; PAGES: 4k (default), thp, or thp-half
#   (THPs, of which the host pages out only the first 1 MiB of each)
#
# An L2 guest with 2 vNUMA nodes (each bound to its own host node) fills
# MIB MiB on vNode 0, in 4 KiB pages or in 2 MiB transparent huge pages;
# the host pages the guest's vNode-0 memory out; the
# workload then runs on vNode 1 and the guest's NUMA balancing moves its
# pages there: with pvnuma_guest.ko loaded (lazy, eager) the host moves
# them, without it (baseline, as today) the guest copies them.  Writes
# OUTDIR/result (key=value) and exits non-zero if the run itself failed.
. "$(dirname "$0")/../rig/lib.sh"

mode=$1 mib=$2 out=$3 pages=${4:-4k}
case $mode in baseline|lazy|eager) ;; *) die "run-l1.sh: MODE is baseline, lazy or eager, not '$mode'" ;; esac
case $pages in 4k|thp|thp-half) ;; *) die "run-l1.sh: PAGES is 4k, thp or thp-half, not '$pages'" ;; esac
wl_pages=${pages%-half} half=
[ "$pages" = thp-half ] && half=half
case $mib in ''|*[!0-9]*) die "run-l1.sh: MIB must be a number, not '$mib'" ;; esac
[ -n "$out" ] || die "run-l1.sh: no OUTDIR"
E2E=$PVNUMA_CACHE/e2e
share=$out/share
rm -rf "$out" && mkdir -p "$share" || die "cannot create $out"
cp "$E2E/workload" "$MODDIR/pvnuma_guest.ko" "$share/" || die "e2e binaries missing (run make check or make demo)"
[ -d /sys/kernel/pvnuma ] || insmod "$MODDIR/pvnuma.ko" || die "cannot load pvnuma.ko"

cat >"$share/cmd" <<EOF
# The kernel log of the boot aside (it has QEMU's XSAVE warning, see
# rig.rst), the run's own goes to /mnt/dmesg at the end.  From here on
# the console gets every message: a stall's backtraces too.  Where the
# kernel's text is (KASLR), to name the addresses of a stuck L2.
dmesg -c >/mnt/dmesg-boot
echo 8 >/proc/sys/kernel/printk
awk '\$3 == "_text" { print \$1; exit }' /proc/kallsyms >/mnt/text
echo 1 >/proc/sys/kernel/numa_balancing
# The kernel turns THP off by default below 512 MiB of RAM, as L2 has:
# on for the workload's MADV_HUGEPAGE, as an administrator would.
if [ $wl_pages = thp ]; then
	echo madvise >/sys/kernel/mm/transparent_hugepage/enabled || exit 5
	echo madvise >/sys/kernel/mm/transparent_hugepage/defrag || exit 5
fi
if [ $mode != baseline ]; then
	touch /mnt/registering
	insmod /mnt/pvnuma_guest.ko || exit 3
	grep '\[pvnuma_guest\]' /proc/kallsyms >/mnt/kallsyms-guest
	[ "\$(cat /sys/kernel/pvnuma_guest/registered)" = 1 ] || exit 4
	echo $mode >/sys/kernel/pvnuma_guest/mode
fi
guest_stats() {	# PREFIX
	grep -E '^(numa_pages_migrated|pgmigrate_success|thp_migration_(success|fail|split))' /proc/vmstat | sed "s/ /=/; s/^/\$1/"
	if [ -d /sys/kernel/pvnuma_guest/stats ]; then
		for f in /sys/kernel/pvnuma_guest/stats/*; do
			echo "\$1\$(basename \$f)=\$(cat \$f)"
		done
	fi
}
guest_stats guest_before_ >/mnt/guest
/mnt/workload /mnt $mib $wl_pages >/mnt/workload.out &
wl=\$!
while [ ! -e /mnt/balanced ] && kill -0 \$wl 2>/dev/null; do sleep 0.1; done
# Balancing is done: stop it, let migrations in flight finish, and take
# the guest's counts at a point where the host takes its own.
echo 0 >/proc/sys/kernel/numa_balancing
sleep 1
guest_stats guest_quiesced_ >>/mnt/guest
touch /mnt/quiesced
wait \$wl
rc=\$?
guest_stats guest_ >>/mnt/guest
dmesg >/mnt/dmesg
exit \$rc
EOF

stat() { cat /sys/kernel/pvnuma/stats/"$1"; }
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }
wait_for() {	# FILE SECONDS (of wall time: a loaded L1 runs the loop slower)
	local end=$((SECONDS + $2)) i=0
	while [ "$SECONDS" -lt "$end" ]; do
		[ -e "$1" ] && return 0
		kill -0 "$l2pid" 2>/dev/null || return 1
		# Once L2's console shows the rig's hang (rig_irq_if0, below),
		# waiting longer is no use.
		if [ $((++i % 50)) = 0 ] && [ -n "$(rig_irq_if0)" ]; then
			echo "e2e: L2's console shows the rig's fault; not waiting any longer"
			return 1
		fi
		sleep 0.1
	done
	[ -e "$1" ]
}

# KVM's exits for a triple fault (SVM_EXIT_SHUTDOWN, 0x7f: the rig is AMD
# SVM), traced from here on: an L2 that dies under the rig's emulated
# nested paging is then named as such (Documentation/rig.rst).
T=/sys/kernel/tracing
if [ -w "$T/events/kvm/kvm_exit/filter" ]; then
	echo 'exit_reason == 127' >"$T/events/kvm/kvm_exit/filter" &&
		echo 1 >"$T/events/kvm/kvm_exit/enable" && echo >"$T/trace" ||
		echo "e2e: cannot trace KVM's exits; a triple fault of L2 will not be named"
fi
# alive PID: the process is running.  Not kill -0: it succeeds on a zombie,
# and L2's QEMU is one from its exit until timeout(1) in l2.sh reaps it
# (seen: hostctl failed on a QEMU that had exited, and the run was taken
# for a hostctl failure with L2 running).
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) &&
		[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# If L2 exited before its time: say how, whether KVM saw it triple-fault,
# and end the run; otherwise return.
stop_if_l2_died() {	# WHEN
	local rc=0 i
	# L2's QEMU may be gone (and the VM's sysfs directory with it) a
	# moment before l2.sh notices: give l2.sh up to 5 s then.
	for ((i = 0; i < 50; i++)); do
		kill -0 "$l2pid" 2>/dev/null || break
		{ [ -n "${qemu:-}" ] && ! alive "$qemu"; } || return 0
		sleep 0.1
	done
	kill "$l2pid" 2>/dev/null || true
	wait "$l2pid" || rc=$?
	echo "e2e: L2 exited (status $rc) $1"
	tail -n 5 "$out/l2.log"
	rig_shutdown "$T/trace" "$BUILD" "$(cat "$share/text" 2>/dev/null)" |
		rig_verdict "$(registered)" "$control" || true
	exit 1
}
# Whether the L2 under test may have registered its area (lib.sh's
# rig_verdict): from just before its insmod, which registers, on.  The
# baseline loads no driver: it is the lane's control run.
registered() { [ -e "$share/registering" ] && echo 1 || echo 0; }
control=0
[ "$mode" = baseline ] && control=1
# rig_signatures: the classifiers' SIGNATURE lines, from stdin, to
# rig_verdict; every other line is printed as it is.
rig_signatures() {
	local lines
	lines=$(cat)
	grep -v '^SIGNATURE ' <<<"$lines" || true
	grep '^SIGNATURE ' <<<"$lines" | rig_verdict "$(registered)" "$control" || true
}

# The rig's hang (Documentation/rig.rst): QEMU's emulated VMRUN entered an
# L2 vCPU with L1's own state, at the instruction after VMRUN in L1's
# __svm_vcpu_run(), and it faults there for ever.  L2 never runs code of
# L1's kernel otherwise.  Names it (SIGNATURE vmrun-loop) if a vCPU made
# 20 exits or more in the sample (report_stuck's exit lines, on stdin),
# all from inside that function.
rig_hang() {
	local lo hi
	lo=$(awk '$3 == "__svm_vcpu_run" { print $1; exit }' /proc/kallsyms)
	[ -n "$lo" ] && [ "$lo" != 0000000000000000 ] || return 0
	hi=$(awk -v lo="$lo" '$1 > lo && (h == "" || $1 < h) { h = $1 } END { print h }' /proc/kallsyms)
	[ -n "$hi" ] || return 0
	awk -v lo="$lo" -v hi="$hi" '
		{ rip = sprintf("%016s", substr($7, 3)); gsub(/ /, "0", rip)
		  n[$3]++; if (rip >= lo && rip < hi) { in_l1[$3]++; at[$3] = $7 } }
		END { for (v in n) if (n[v] >= 20 && in_l1[v] == n[v]) {
			printf "SIGNATURE vmrun-loop L2 vCPU %s is stuck at rip %s, inside L1'"'"'s own __svm_vcpu_run() (%d exits in 2 s)\n", v, at[v], n[v]
			exit } }'
}

# The rig's other hang: QEMU delivers an external interrupt to L2 while
# L2 has interrupts disabled, which x86 never does, and the nested
# handler spins on a lock its own CPU holds (seen: the timer interrupt
# inside hrtimer_interrupt(), on cpu_base->lock).  L2's RCU stall report
# shows it: in the NMI backtrace of the stalled CPU, the frame that an
# interrupt entry (asm_sysvec_*, asm_common_interrupt) saved has IF
# (EFLAGS bit 9) clear.  Names it (SIGNATURE irq-if0) from L2's console
# (irq-if0.awk; l2-stacks.py looks for the same on the vCPUs' stacks).
rig_irq_if0() {
	awk -f "$PVNUMA_ROOT/tools/e2e/irq-if0.awk" "$out/l2-console.log" 2>/dev/null || true
}

# Stop a stuck L2: l2.sh, and its QEMU, which timeout(1) keeps in a
# process group of its own.
stop_l2() {
	kill "$l2pid" 2>/dev/null || true
	[ -n "${qemu:-}" ] && kill -9 "$qemu" 2>/dev/null || true
}

# Send COMMANDs to L2's QEMU monitor (l2.sh --monitor $mon).
monitor() { qemu_monitor "$mon" "$@"; }

# Where L2's vCPUs are, from its QEMU's monitor: rip, rdi (a spinning
# vCPU's lock) and what it holds, and the kernel text addresses on each
# stack (pvnuma_guest.ko's too), by symbol; and SIGNATURE irq-if0 if a
# stack holds an interrupt's frame saved with IF clear (see rig_irq_if0).
# The raw answers go to OUTDIR/l2-monitor.txt.
l2_stacks() {
	local regs c rsp rdi
	reg() {	# CPU REG: its value in $regs
		echo "$regs" | awk -v c="CPU#$1" -v r="$2=" '$1 == c { f = 1; next } /^CPU#/ { f = 0 }
			f && (i = index($0, r)) { print substr($0, i + length(r), 16); exit }'
	}
	[ -p "$mon.in" ] && [ -s "$share/text" ] || { echo "e2e: no monitor for L2, or L2's _text unknown"; return 0; }
	regs=$(monitor 'info registers -a' | tr -d '\r')
	{
		echo "$regs"
		for c in $(echo "$regs" | sed -n 's/^CPU#\([0-9]*\).*/\1/p'); do
			rsp=$(reg "$c" RSP) rdi=$(reg "$c" RDI)
			[ -n "$rsp" ] && [ -n "$rdi" ] || continue
			printf '\nCPU#%s\n' "$c"
			monitor "cpu $c" "x /1gx 0x$rdi" "x /128gx 0x$rsp" | tr -d '\r'
		done
	} >"$out/l2-monitor.txt"
	python3 "$PVNUMA_ROOT/tools/e2e/l2-stacks.py" "$BUILD/System.map" "$(cat "$share/text")" \
		"$share/kallsyms-guest" <"$out/l2-monitor.txt"
}

# L2 is alive but stuck: say where its threads are, what KVM sees it do
# for 2 s, and which tasks are blocked, so that a hang can be told apart
# from the rig's (a vCPU looping in KVM) or ours (a vCPU blocked in pvnuma).
report_stuck() {
	local t exits
	echo "e2e: L2 is stuck; its QEMU's threads:"
	for t in /proc/"$qemu"/task/*; do
		echo "--- thread ${t##*/} $(cat "$t/comm") $(grep '^State:' "$t/status") wchan $(cat "$t/wchan")"
		cat "$t/stack"
	done 2>&1
	if [ -w "$T/events/kvm/kvm_exit/filter" ]; then
		echo 0 >"$T/events/kvm/kvm_exit/filter"
		echo 1 >"$T/events/kvm/kvm_inj_exception/enable"
		echo >"$T/trace"
		sleep 2
		echo 0 >"$T/events/kvm/kvm_exit/enable"
		echo 0 >"$T/events/kvm/kvm_inj_exception/enable"
		echo "e2e: KVM exits in 2 s, by vCPU, reason and rip (most frequent first):"
		exits=$(grep -o 'kvm_exit: vcpu [0-9]* reason [a-z_0-9]* rip 0x[0-9a-f]*' "$T/trace" || true)
		[ -z "$exits" ] || { echo "$exits" | sort | uniq -c | sort -rn | head -n 12; } || true
		echo "e2e: exceptions KVM injected in those 2 s: $(grep -c kvm_inj_exception "$T/trace" || true)"
		grep -m 3 kvm_inj_exception "$T/trace" || true
		echo "$exits" | rig_hang
	fi
	rig_irq_if0
	echo "e2e: L2's vCPUs, from its QEMU's monitor:"
	l2_stacks || true
	# Blocked tasks, read here rather than with sysrq w: its stack traces
	# in the kernel log would fail kernel/log-clean after a rerun passed.
	echo "e2e: tasks in D state:"
	for t in /proc/[0-9]*/task/*; do
		grep -q '^State:[[:space:]]*D' "$t/status" 2>/dev/null || continue
		echo "--- ${t#/proc/} $(cat "$t/comm")"
		cat "$t/stack"
	done 2>/dev/null
	dmesg | tail -n 40
}

# The workload's pages NUMA balancing moved (a frame in FRAMES_BALANCED
# other than in FRAMES), page by page: where the host had their old frames
# at go (FRAMES_GO) and where it has them now (FRAMES_AFTER), as counts:
#   frames_balanced                 pages NUMA balancing moved
#   frames_balanced_swapped_at_go   of which the host had swapped out
#   frames_swapins_node0            of those, old frames back on host node
#                                   0 with the page's data: swapped in
#                                   onto the old node (for the guest's copy)
#   frames_stranded_node0           old frames on host node 0 with the
#                                   page's data, whatever they were at go
#   frames_old_reused               old frames resident with other data
#                                   (the guest reused the freed frame)
#   frames_old_absent, frames_old_swapped
#                                   old frames the host has no page for
#                                   (moved copyless), or still in swap
#   frames_old_unknown              resident, but move_pages() found no
#                                   page (hostctl frames)
frames_summary() {	# FRAMES FRAMES_BALANCED FRAMES_GO FRAMES_AFTER
	awk 'FNR == 1 { f++ }
	     f == 1 { old[$1] = $2; next }
	     f == 2 { moved[$1] = $1 in old && old[$1] != $2; next }
	     f == 3 { go[$1] = $2; next }
	     moved[$1] {
		bal++; sw = go[$1] == "swapped"; swgo += sw
		if ($2 == "node0+data") { str++; swin += sw }
		else if ($2 ~ /^node[0-9]*$/) reused++
		else if ($2 ~ /^node/) other++
		else if ($2 == "absent") absent++
		else if ($2 == "swapped") swapped++
		else unknown++
	     }
	     END {
		printf "frames_balanced=%d\nframes_balanced_swapped_at_go=%d\n", bal, swgo
		printf "frames_swapins_node0=%d\nframes_stranded_node0=%d\n", swin, str
		printf "frames_old_reused=%d\nframes_old_data_elsewhere=%d\n", reused, other
		printf "frames_old_absent=%d\nframes_old_swapped=%d\n", absent, swapped
		printf "frames_old_unknown=%d\n", unknown
	     }' "$@"
}

# Each vNode gets the workload plus room for the guest kernel.  L2's
# monitor's FIFOs are on L1's own tmpfs, /run (9p makes no FIFOs).
mon=/run/e2e-monitor
l2mem=$(( (mib + 224) * 2 ))
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem "$l2mem" --timeout 900 --share "$share" \
	--console "$out/l2-console.log" --monitor "$mon" >"$out/l2.log" 2>&1 &
l2pid=$!
if ! wait_for "$share/ready" 150; then
	stop_if_l2_died "before it was ready"
	echo "e2e: L2 never got ready"; cat "$out/l2.log" "$share/output" 2>/dev/null
	qemu=$(pgrep -n -f "qemu-system-x86_64.*pvnuma.role=l2") && { report_stuck | rig_signatures || true; }
	stop_l2; exit 1
fi
qemu=$(pgrep -n -f "qemu-system-x86_64.*pvnuma.role=l2")
[ -n "$qemu" ] || die "no QEMU process for L2"

moved0=$(( $(stat moved_lazy) + $(stat moved_eager) ))
copied0=$(stat bytes_copied)
# The host moves the guest's vNode-0 memory away from home: pages it out
# (thp-half: the first half of each 2 MiB).
if ! {
	"$E2E/hostctl" resident "$qemu" 0 | sed 's/^/filled_vnode0_/' &&
	"$E2E/hostctl" pageout "$qemu" 0 $half &&
	"$E2E/hostctl" resident "$qemu" 0 | sed 's/^/paged_out_vnode0_/' &&
	"$E2E/hostctl" resident "$qemu" 1 | sed 's/^/before_vnode1_/'
} >"$out/host"; then
	stop_if_l2_died "while its memory was paged out"
	die "hostctl failed with L2 running"
fi
# Let the host's tracker finish publishing what it moved, as it would have
# long before the guest balances: nr_moved steady for ten reads (about
# 13 s here), each within 1% (at least 16 pages) of the one before.  Not
# exactly equal: the guest's own kernel keeps touching some of its vNode-0
# memory, which the host faults back in and the tracker unmarks, so the
# count never stands still (waiting for that took the full 60 s in every
# run).
if [ "$mode" != baseline ]; then
	if ! vmdir=$(ls -d /sys/kernel/pvnuma/vms/"$qemu"-* 2>/dev/null | tail -n 1); then
		stop_if_l2_died "while its memory was paged out"
		die "no pvnuma state for L2's VM (QEMU $qemu): its driver did not register"
	fi
	area=$vmdir/area
	last=-1 steady=0 end=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$end" ] && [ "$steady" -lt 10 ]; do
		# A read that blocks (the VM's lock held) is a hang worth a report.
		awk '{ print $3 }' "$area" >"$out/area" 2>/dev/null &
		for ((j = 0; j < 200; j++)); do
			kill -0 $! 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 $! 2>/dev/null; then
			echo "e2e: reading $area blocked for 20 s"; { report_stuck | rig_signatures || true; }; stop_l2; exit 1
		fi
		if ! wait $! || ! cur=$(cat "$out/area"); then
			stop_if_l2_died "while its memory was paged out"
			die "cannot read $area"
		fi
		case $cur in ''|*[!0-9]*)
			stop_if_l2_died "while its memory was paged out"
			die "L2's area is gone from $area ('$cur'): its driver unregistered" ;;
		esac
		d=$((cur - last)) tol=$((cur / 100 > 16 ? cur / 100 : 16))
		if [ "$last" -ge 0 ] && [ "${d#-}" -le "$tol" ]; then steady=$((steady + 1)); else steady=0; fi
		last=$cur
		echo "$SECONDS $cur" >>"$out/area-samples"
		sleep 0.1
	done
	[ "$steady" -ge 10 ] || echo "e2e: the host's count of moved pages was not steady within 60 s"
	echo "host_marked_at_go=$last" >>"$out/host"
fi
# Where the host has the workload's own pages at go: their guest frames
# (DIR/frames, which the workload wrote before ready), one by one.
if ! "$E2E/hostctl" frames "$qemu" 0 "$share/frames" >"$out/frames-go"; then
	stop_if_l2_died "while its memory was paged out"
	die "hostctl frames failed with L2 running"
fi
pswpin0=$(vmstat pswpin)
touch "$share/go"
if ! wait_for "$share/quiesced" $((300 + mib)); then
	stop_if_l2_died "before the workload finished"
	echo "e2e: the workload never finished"; { report_stuck | rig_signatures || true; }; stop_l2; exit 1
fi
if ! {
	echo "host_pswpin=$(( $(vmstat pswpin) - pswpin0 ))"
	echo "host_pages_moved=$(( $(stat moved_lazy) + $(stat moved_eager) - moved0 ))"
	echo "host_bytes_copied=$(( $(stat bytes_copied) - copied0 ))"
	# This VM's own counters, for a closer look (declines, errors).
	for f in /sys/kernel/pvnuma/vms/"$qemu"-*/stats/*; do
		[ -e "$f" ] && echo "host_vm_${f##*/}=$(cat "$f")"
	done
	"$E2E/hostctl" resident "$qemu" 0 | sed 's/^/after_vnode0_/' &&
	"$E2E/hostctl" resident "$qemu" 1 | sed 's/^/after_vnode1_/' &&
	"$E2E/hostctl" frames "$qemu" 0 "$share/frames" >"$out/frames-after" &&
	frames_summary "$share/frames" "$share/frames-balanced" "$out/frames-go" "$out/frames-after"
} >>"$out/host"; then
	stop_if_l2_died "after the workload, before the host's counts"
	die "hostctl failed with L2 running"
fi
touch "$share/finish"
rc=0
wait "$l2pid" || rc=$?
cat "$share/workload.out" "$share/guest" "$out/host" >"$out/result" 2>/dev/null
echo "mode=$mode" >>"$out/result"
echo "l2_rc=$rc" >>"$out/result"
exit "$rc"
