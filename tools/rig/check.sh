#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build everything, run the native unit tests and checkpatch
# here, then boot L1 up to three times (core, robust and debug lanes, the
# last on the debug kernel) and run selftests/run-l1.sh.  Every test prints
# one PASS/FAIL/SKIP line; the last line is the sum of them all.
#
# DEBUG_LANE=auto (the default) runs the debug lane only when what it tests
# (debug_lane_key) has changed since its last green run in this cache;
# otherwise its tests count as skipped, naming that run.  DEBUG_LANE=1
# runs it anyway, DEBUG_LANE=0 leaves it out.
. "$(dirname "$0")/lib.sh"
set +e

RESULTS=$RUNDIR/check-$VARIANT.results
: >"$RESULTS"
# The rig reruns of this run, a line each: test, and the fault's signature.
RIG_RERUNS=$RUNDIR/check-$VARIANT.rig-reruns
: >"$RIG_RERUNS"
NR_NODES=2
DEBUG_LANE=${DEBUG_LANE:-auto}
case $DEBUG_LANE in 0|1|auto) ;; *) die "check.sh: DEBUG_LANE is 0, 1 or auto, not '$DEBUG_LANE'" ;; esac

result() {
	local verdict=$1 name=$2
	shift 2
	printf '%-4s %s%s\n' "$verdict" "$name" "${*:+: $*}"
	echo "$verdict $name" >>"$RESULTS"
}

# Every run appends its tests and their rig reruns to the cache's
# rig-faults.log, for make rig-faults: a line per test, with the run's time
# and commit, the test's verdict and how many rig reruns it had.
record_faults() {
	local run verdict name
	run="$(date -u +%Y-%m-%dT%H:%M:%SZ) $(git -C "$PVNUMA_ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
	while read -r verdict name; do
		printf '%s %s %s %d\n' "$run" "$name" "$verdict" \
			"$(awk -v n="$name: " 'index($0, n) == 1' "$RIG_RERUNS" | wc -l)"
	done <"$RESULTS" >>"$PVNUMA_CACHE/rig-faults.log"
}

summary() {
	local p f s
	record_faults
	p=$(grep -c '^PASS ' "$RESULTS")
	f=$(grep -c '^FAIL ' "$RESULTS")
	s=$(grep -c '^SKIP ' "$RESULTS")
	echo "logs: $LOGDIR, L1 run: $RUNDIR/check-$VARIANT"
	echo "rig reruns: $(wc -l <"$RIG_RERUNS")$(sed 's/^/; /' "$RIG_RERUNS" | tr -d '\n')"
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

# The debug lane's inputs, as make check starts (see the debug lane below).
debug_lane_key=$({
	echo "$PVNUMA_KPKG_VERSION"
	cd "$PVNUMA_ROOT" && git ls-files -co --exclude-standard -- patches kernel guest \
		selftests tools/rig tools/configs Kbuild Kconfig |
		LC_ALL=C sort | xargs -d '\n' sha256sum
} | sha256sum | cut -c1-16)

bash "$PVNUMA_ROOT/tools/rig/deps.sh" || { result FAIL build/deps; summary; }
build kernel bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all || summary
# The debug kernel (tools/configs/debug.config), with the guest driver
# built in: the debug lane's L1, and the L2 that e2e/guest-builtin boots
# in the core lane.  If it fails, its old image goes, so that no test can
# boot that.
debug_kernel=0
if [ "$VARIANT" = default ] && [ "$USER_KDIR" = 0 ]; then
	if build kernel-debug env DEBUG=1 bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all; then
		debug_kernel=1
	else
		rm -f "$PVNUMA_CACHE/build-debug/arch/x86/boot/bzImage"
	fi
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
# prefixed by PREFIX.  If L1 did not finish:
# - it hung in one of the rig's ways that vm.sh names in l1-stuck.txt (a
#   halted CPU that QEMU does not wake, see Documentation/rig.rst): that is
#   a rig rerun, and L1 boots again (NAME-resumed) from the test it was
#   running on (PVNUMA_RESUME_AT);
# - anything else (an L1 triple fault among them: it is not presumed the
#   emulator's, rig.rst) fails the test it was running, and L1 boots again
#   for the tests after it (PVNUMA_RESUME_AFTER), so that they still run.
# A lane boots L1 at most three times.
l1_lane() {
	local name=$1 prefix=$2 tcg=$3 out rc last console timeout_l1 stopped ran how boots panic a env=()
	shift 3
	# A boot again resumes from its own point only: the earlier boot's
	# PVNUMA_RESUME_* goes.
	for a in "$@"; do
		[[ $a == PVNUMA_RESUME_* ]] || env+=("$a")
	done
	set -- "${env[@]}"
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
		"PVNUMA-RIG-RERUN "*)
			echo "${line#PVNUMA-RIG-RERUN }" | sed "s|^|$prefix|" >>"$RIG_RERUNS"
			echo "NOTE rig rerun: $prefix${line#PVNUMA-RIG-RERUN }" ;;
		"PVNUMA-NOTE "*) echo "NOTE $prefix${line#PVNUMA-NOTE }" ;;
		*) echo "$line" ;;
		esac
	done <"$out"
	# A test that started but never reported: L1 hung, panicked or was killed.
	last=$(grep -E '^PVNUMA-(RUNNING|RESULT)' "$out" | tail -n1)
	stopped=${last#PVNUMA-RUNNING }
	ran=$(sed -n 's/^PVNUMA-RUNNING //p' "$out" | tail -n1)
	boots=$(($(grep -o -- '-resumed' <<<"$name" | wc -l) + 1))
	case $rc in
	123) how="an L1 CPU triple-faulted (QEMU: $RUNDIR/$name/qemu-cpu.log)" ;;
	124) how="L1 timed out or hung" ;;
	*) how="L1 ended with exit $rc" ;;
	esac
	# A warning or an oops panics L1 (panic_on_warn, oops=panic): name it.
	panic=$(grep -a -m1 -E 'Kernel panic' "$console" 2>/dev/null | cut -c1-200)
	[ -z "$panic" ] || how="$how: $panic"
	if [ -z "$last" ]; then
		result FAIL "${prefix}rig/l1-boot" "no test ran in L1 ($how), console: $console"
	elif [ "$rc" = 124 ] && [ "$stopped" != "$last" ] &&
	     grep -q '^PVNUMA-RIG-FAULT' "$RUNDIR/$name/l1-stuck.txt" 2>/dev/null; then
		how=$(grep -m1 '^PVNUMA-RIG-FAULT' "$RUNDIR/$name/l1-stuck.txt" | cut -c18-)
		if [ "$boots" -lt 3 ]; then
			echo "$stopped: L1 hung in the rig's way: $how" | sed "s|^|$prefix|" >>"$RIG_RERUNS"
			echo "NOTE rig rerun: $prefix$stopped: L1 hung in the rig's way ($how, Documentation/rig.rst); booting L1 again from this test on"
			l1_lane "$name-resumed" "$prefix" "$tcg" "$@" "PVNUMA_RESUME_AT=$stopped"
		else
			result FAIL "$prefix$stopped" "L1 hung in the rig's way in its third boot ($how)"
		fi
	elif [ "$stopped" != "$last" ]; then
		result FAIL "$prefix$stopped" "$how while it ran, console: $console"
		[ "$boots" -lt 3 ] && [ "$stopped" != kernel/log-clean ] &&
			l1_lane "$name-resumed" "$prefix" "$tcg" "$@" "PVNUMA_RESUME_AFTER=$stopped"
	elif [ "$rc" != 0 ]; then
		result FAIL "${prefix}rig/l1-run" "$how after $ran, console: $console"
		[ "$boots" -lt 3 ] && [ "$ran" != kernel/log-clean ] &&
			l1_lane "$name-resumed" "$prefix" "$tcg" "$@" "PVNUMA_RESUME_AFTER=$ran"
	fi
	return 0
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
# shorter; any report fails it.  Its inputs (debug_lane_key, taken when
# make check starts, before anything is built): the sources of its kernel
# and modules, its tests, the rig that builds and boots them and the
# kernel configs, by content (tracked and untracked files alike), and the
# kernel source's version.
if [ "$debug_kernel" = 1 ] && [ "$DEBUG_LANE" != 0 ]; then
	green=$PVNUMA_CACHE/debug-lane/$debug_lane_key
	if [ "$DEBUG_LANE" = auto ] && [ -s "$green/results" ]; then
		echo "debug lane: its inputs ($(basename "$green")) are those of its green run, log $green/lane.log; its $(wc -l <"$green/results") tests count as skipped (DEBUG_LANE=1 runs them)"
		while read -r name; do
			result SKIP "$name" "green at $(basename "$green"), log $green/lane.log"
		done <"$green/results"
	else
		mark=$(wc -l <"$RESULTS")
		rm -f "$RUNDIR"/check-debug-lane*.out
		DEBUG=1 l1_lane check-debug-lane debug/ single PVNUMA_LANE=debug
		lane=$(tail -n +"$((mark + 1))" "$RESULTS")
		# Green: every test passed (a skip may have been the machine's).
		if ! grep -q -v '^PASS ' <<<"$lane" && grep -q '^PASS ' <<<"$lane"; then
			mkdir -p "$green"
			cat "$RUNDIR"/check-debug-lane*.out >"$green/lane.log.tmp" &&
				sed -E 's/^PASS //' <<<"$lane" >"$green/results.tmp" &&
				mv "$green/lane.log.tmp" "$green/lane.log" &&
				mv "$green/results.tmp" "$green/results"
		fi
	fi
fi
summary
