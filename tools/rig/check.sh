#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build everything, run the native unit tests and checkpatch
# here, then boot L1 once and run selftests/run-l1.sh in it.  Every test
# prints one PASS/FAIL/SKIP line; the last line is the sum of them all.
. "$(dirname "$0")/lib.sh"
set +e

RESULTS=$RUNDIR/check-$VARIANT.results
: >"$RESULTS"
NR_NODES=2

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

# Native unit tests of the pure logic, against the patched UAPI headers.
unit_out=$PVNUMA_CACHE/unit
mkdir -p "$unit_out"
unit_build() {
	make -s -C "$PVNUMA_ROOT/selftests/unit" OUT="$unit_out" \
		UAPI_INCLUDE="$BUILD/usr/include" >"$LOGDIR/unit.log" 2>&1 ||
		{ tail -n 20 "$LOGDIR/unit.log"; return 1; }
}
if build unit unit_build; then
	for t in "$unit_out"/*_test; do
		[ -x "$t" ] || continue
		tlog=$LOGDIR/unit-$(basename "$t").log
		"$t" >"$tlog" 2>&1
		trc=$?
		sed -nE "s/^ok [0-9]+ (.*)/PASS unit\/$(basename "$t")\/\1/p;
			 s/^not ok [0-9]+ (.*)/FAIL unit\/$(basename "$t")\/\1/p" "$tlog" |
		while read -r verdict name; do result "$verdict" "$name"; done
		# A crash or a non-zero exit after the last case is a failure too.
		[ "$trc" = 0 ] || result FAIL "unit/$(basename "$t")" "exit $trc, log $tlog"
	done
fi

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

# One boot of L1 for everything that needs the patched kernel.
echo "booting L1 ($VARIANT kernel, $NR_NODES NUMA nodes) for the in-kernel tests..."
l1_out=$RUNDIR/check-$VARIANT.out
timeout_l1=${PVNUMA_L1_TIMEOUT:-1200}
[ "$VARIANT" = debug ] && timeout_l1=${PVNUMA_L1_TIMEOUT:-3000}
PVNUMA_L1_CMDLINE=${PVNUMA_L1_CMDLINE:-} \
	bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name "check-$VARIANT" \
	--nodes "$NR_NODES" --timeout "$timeout_l1" --quiet -- \
	"PVNUMA_NODES=$NR_NODES bash $PVNUMA_ROOT/selftests/run-l1.sh" >"$l1_out" 2>&1
l1_rc=$?
while IFS= read -r line; do
	case $line in
	"PVNUMA-RESULT "*)
		read -r verdict name reason <<<"${line#PVNUMA-RESULT }"
		result "$verdict" "$name" "$reason" ;;
	"PVNUMA-RUNNING "*) ;;
	*) echo "$line" ;;
	esac
done <"$l1_out"
# A test that started but never reported: L1 hung, panicked or was killed.
last=$(grep -E '^PVNUMA-(RUNNING|RESULT)' "$l1_out" | tail -n1)
console=$RUNDIR/check-$VARIANT/console.log
if [ -z "$last" ]; then
	result FAIL rig/l1-boot "no test ran in L1 (exit $l1_rc), console: $console"
elif [ "${last#PVNUMA-RUNNING }" != "$last" ]; then
	result FAIL "${last#PVNUMA-RUNNING }" "L1 stopped while it ran (exit $l1_rc), console: $console"
elif [ "$l1_rc" != 0 ]; then
	result FAIL rig/l1-run "L1 ended with exit $l1_rc, console: $console"
fi
summary
