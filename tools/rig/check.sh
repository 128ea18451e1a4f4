#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build everything, run the native unit tests and checkpatch
# here, then boot L1 three times (core, robust and debug lanes, the last on
# the debug kernel; PVNUMA_DEBUG_LANE=0 leaves it out) and run
# selftests/run-l1.sh.  Every test prints one PASS/FAIL/SKIP line; the last
# line is the sum of them all.
. "$(dirname "$0")/lib.sh"
set +e

RESULTS=$RUNDIR/check-$VARIANT.results
: >"$RESULTS"
NR_NODES=2
DEBUG_LANE=${PVNUMA_DEBUG_LANE:-1}
case $DEBUG_LANE in 0|1) ;; *) die "check.sh: PVNUMA_DEBUG_LANE is 0 or 1, not '$DEBUG_LANE'" ;; esac

result() {
	local verdict=$1 name=$2
	shift 2
	printf '%-4s %s%s\n' "$verdict" "$name" "${*:+: $*}"
	echo "$verdict $name" >>"$RESULTS"
}

summary() {
	local p f s
	p=$(grep -c '^PASS ' "$RESULTS")
	f=$(grep -c '^FAIL ' "$RESULTS")
	s=$(grep -c '^SKIP ' "$RESULTS")
	echo "logs: $LOGDIR, L1 run: $RUNDIR/check-$VARIANT"
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ] && [ "$p" -gt 0 ]
	exit $?
}

# A build step that fails is a failed test; what depends on it cannot run.
build() {
	local name=$1
	shift
	if "$@"; then
		result PASS "build/$name"
		return 0
	fi
	result FAIL "build/$name" "see the log named above"
	return 1
}

bash "$PVNUMA_ROOT/tools/rig/deps.sh" || { result FAIL build/deps; summary; }
build kernel bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || summary
# The kernel with pvnuma in its tree and the guest driver built in
# (tools/configs/builtin.config), that e2e/guest-builtin boots as L2.
# If it fails, its old image goes, so that the test cannot boot that.
if [ "$USER_KDIR" = 0 ] &&
   ! build kernel-builtin env DEBUG=0 PVNUMA_BUILTIN=1 bash "$PVNUMA_ROOT/tools/rig/kernel.sh" kernel; then
	rm -f "$PVNUMA_CACHE/build-builtin/arch/x86/boot/bzImage"
fi

# Native unit tests of the pure logic, against the patched UAPI headers.
unit_out=$PVNUMA_CACHE/unit
mkdir -p "$unit_out"
unit_build() {
	make -s -C "$PVNUMA_ROOT/selftests/unit" OUT="$unit_out" \
		UAPI_INCLUDE="$BUILD/usr/include" >"$LOGDIR/unit.log" 2>&1 ||
		{ tail -n 20 "$LOGDIR/unit.log"; return 1; }
}
# tap_test NAME CMD...: run a native test that prints TAP; each case counts
# as NAME/CASE, and a crash or a non-zero exit after the last case is a
# failure too.
tap_test() {
	local name=$1 tlog=$LOGDIR/${1//\//-}.log trc
	shift
	"$@" >"$tlog" 2>&1
	trc=$?
	sed -nE "s|^ok [0-9]+ (.*)|PASS $name/\1|p; s|^not ok [0-9]+ (.*)|FAIL $name/\1|p" "$tlog" |
	while read -r verdict case; do result "$verdict" "$case"; done
	[ "$trc" = 0 ] || result FAIL "$name" "exit $trc, log $tlog"
}
if build unit unit_build; then
	for t in "$unit_out"/*_test; do
		[ -x "$t" ] || continue
		tap_test "unit/$(basename "$t")" "$t"
	done
fi

# The e2e script's classifiers of the rig's interrupt-with-IF-clear hang,
# on the recorded logs of a real one (tools/e2e/testdata).
tap_test rig-faults bash "$PVNUMA_ROOT/tools/e2e/test-rig-faults.sh"

# checkpatch: our C sources one by one, then every patch of the series.
checkpatch="$SRC/scripts/checkpatch.pl"
[ "$USER_KDIR" = 1 ] && checkpatch=${KSRC:-$BUILD}/scripts/checkpatch.pl
cp_flags="--strict --no-tree --quiet --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG"
# checkpatch_one NAME ARGS...: any output from checkpatch fails NAME.
checkpatch_one() {
	local name=$1 out
	shift
	# Debian's python3 first: checkpatch's spdxcheck.py needs its ply and git.
	out=$(PATH=/usr/bin:$PATH "$checkpatch" "$@" 2>&1)
	if [ -z "$out" ]; then result PASS "checkpatch/$name"; else
		result FAIL "checkpatch/$name"; echo "$out" | sed 's/^/  | /'; fi
}
while read -r f; do
	checkpatch_one "$f" $cp_flags -f "$PVNUMA_ROOT/$f"
done < <(cd "$PVNUMA_ROOT" && git ls-files -co --exclude-standard \
	 'kernel/*.[ch]' 'guest/*.[ch]' 'selftests/*.[ch]' 'tools/*.[ch]' | LC_ALL=C sort)
# FILE_PATH_CHANGES asks whether MAINTAINERS needs updating for a new file;
# every file the series adds is under arch/x86/kvm/ or asm/kvm*, which the
# tree's "KERNEL VIRTUAL MACHINE FOR X86 (KVM/x86)" entry already covers.
for p in $(series_files); do
	checkpatch_one "patches/$(basename "$p")" --strict --quiet --show-types \
		--ignore FILE_PATH_CHANGES "$p"
done

# l1_lane NAME PREFIX TCG ENV...: one boot of L1 (vm.sh --tcg TCG) running
# selftests/run-l1.sh with ENV; its results are counted here, their names
# prefixed by PREFIX.  If a CPU of that L1 triple-faulted (vm.sh exit 123)
# and its kernel had reported nothing (console, and the kernel log it
# wrote to the run directory as it went), the rig's nested SVM failed L1
# itself (Documentation/rig.rst): that is noted and L1 boots once more, as
# NAME-resumed, from the test it was running (or after the last one that
# reported) on.
l1_lane() {
	local name=$1 prefix=$2 tcg=$3 out rc last console timeout_l1 stopped ran fault
	shift 3
	out=$RUNDIR/$name.out
	console=$RUNDIR/$name/console.log
	timeout_l1=${PVNUMA_L1_TIMEOUT:-2400}
	echo "booting L1 ($name, $NR_NODES NUMA nodes) for the in-kernel tests..."
	env DEBUG="$DEBUG" PVNUMA_L1_CMDLINE="${PVNUMA_L1_CMDLINE:-}" \
		bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name "$name" --tcg "$tcg" \
		--nodes "$NR_NODES" --timeout "$timeout_l1" --quiet -- \
		"$* PVNUMA_NODES=$NR_NODES bash $PVNUMA_ROOT/selftests/run-l1.sh" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"PVNUMA-RESULT "*)
			read -r verdict tname reason <<<"${line#PVNUMA-RESULT }"
			result "$verdict" "$prefix$tname" "$reason" ;;
			"PVNUMA-RUNNING "*) ;;
		"PVNUMA-NOTE "*) echo "NOTE $prefix${line#PVNUMA-NOTE }" ;;
		*) echo "$line" ;;
		esac
	done <"$out"
	# A test that started but never reported: L1 hung, panicked or was killed.
	last=$(grep -E '^PVNUMA-(RUNNING|RESULT)' "$out" | tail -n1)
	stopped=${last#PVNUMA-RUNNING }
	ran=$(sed -n 's/^PVNUMA-RUNNING //p' "$out" | tail -n1)
	if [ -z "$last" ]; then
		result FAIL "${prefix}rig/l1-boot" "no test ran in L1 (exit $rc), console: $console"
	elif [ "${name%-resumed}" = "$name" ] && { { [ "$rc" = 123 ] &&
	     ! grep -q -E "Kernel panic|$KERNEL_REPORT" "$console" "$RUNDIR/$name/logs/kmsg.log" 2>/dev/null; } ||
	     { [ "$rc" = 124 ] && grep -q '^PVNUMA-RIG-FAULT' "$RUNDIR/$name/l1-stuck.txt" 2>/dev/null; }; }; then
		# L1 triple-faulted (with no kernel report before), or hung in
		# one of the rig's ways that vm.sh names in l1-stuck.txt (a CPU
		# that took an interrupt with IF clear, or a halted CPU that
		# QEMU does not wake; its RCU stall reports are the symptom).
		if [ "$rc" = 123 ]; then fault="an L1 CPU triple-faulted"
		else fault="L1 hung in the rig's way ($(grep -m1 '^PVNUMA-RIG-FAULT' "$RUNDIR/$name/l1-stuck.txt" | cut -c18-))"; fi
		if [ "$stopped" != "$last" ]; then
			echo "NOTE $prefix$stopped: $fault while it ran (rig, see Documentation/rig.rst); booting L1 again from this test on"
			l1_lane "$name-resumed" "$prefix" "$tcg" "$@" "PVNUMA_RESUME_AT=$stopped"
		elif [ "$ran" = kernel/log-clean ]; then
			echo "NOTE ${prefix}rig: $fault after the last test (rig, see Documentation/rig.rst)"
		else
			echo "NOTE $prefix$ran: $fault after it (rig, see Documentation/rig.rst); booting L1 again for the tests after it"
			l1_lane "$name-resumed" "$prefix" "$tcg" "$@" "PVNUMA_RESUME_AFTER=$ran"
		fi
	elif [ "$stopped" != "$last" ]; then
		result FAIL "$prefix$stopped" "L1 stopped while it ran (exit $rc), console: $console"
	elif [ "$rc" != 0 ]; then
		result FAIL "${prefix}rig/l1-run" "L1 ended with exit $rc, console: $console"
	fi
}

# Two boots: the robustness tests get an L1 of their own, so that whatever
# they leave behind cannot touch the other tests, nor the reverse.  That L1
# runs on single-threaded TCG: under multi-threaded TCG QEMU's nested SVM
# fails a selftest guest in about 1 soak run of 2, with or without pvnuma
# (Documentation/rig.rst, "Rig faults").  The core lane needs multi-threaded
# TCG to boot its L2 Linux guests in time.
l1_lane "check-$VARIANT" "" multi PVNUMA_LANE=core
l1_lane "check-$VARIANT-robust" "" single PVNUMA_LANE=robust

# The debug lane: the debug kernel (KASAN, lockdep, UBSAN, kmemleak,
# DEBUG_VM, DEBUG_LIST) runs our KVM selftests and the robustness tests,
# shorter; any report fails it.  PVNUMA_DEBUG_LANE=0 leaves it out.
if [ "$VARIANT" = default ] && [ "$USER_KDIR" = 0 ] && [ "$DEBUG_LANE" = 1 ]; then
	if build kernel-debug env DEBUG=1 bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all; then
		DEBUG=1 l1_lane check-debug-lane debug/ single PVNUMA_LANE=debug
		# Leave the checkout's modules built for the default kernel.
		bash "$PVNUMA_ROOT/tools/rig/kernel.sh" modules >/dev/null ||
			result FAIL build/modules "could not rebuild the default modules"
	fi
fi
summary
