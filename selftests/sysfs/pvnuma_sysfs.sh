#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check /sys/kernel/pvnuma/: every file exists with its documented mode,
# valid writes work and invalid ones fail.  Needs pvnuma.ko loaded; exits 4
# (kselftest skip) otherwise.
set -u

ksft_skip=4
dir=/sys/kernel/pvnuma
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

[ "$(id -u)" = 0 ] || { echo "skip: not root"; exit $ksft_skip; }
[ -d "$dir" ] || { echo "skip: $dir absent (pvnuma.ko not loaded)"; exit $ksft_skip; }

# expect_file NAME MODE
expect_file() {
	local f=$dir/$1 mode

	[ -f "$f" ] || { fail "$f missing"; return; }
	mode=$(stat -c %a "$f")
	[ "$mode" = "$2" ] || fail "$f mode $mode, expected $2"
}

# expect_write_fails NAME VALUE: the write must fail and change nothing.
expect_write_fails() {
	local f=$dir/$1 before after

	before=$(cat "$f")
	if echo "$2" >"$f" 2>/dev/null; then
		fail "write of '$2' to $f succeeded"
	fi
	after=$(cat "$f")
	[ "$before" = "$after" ] || fail "$f changed from '$before' to '$after'"
}

expect_file version 444
grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' "$dir/version" ||
	fail "version '$(cat "$dir/version")' is not MAJOR.MINOR.PATCH"
expect_write_fails version 9.9.9

# No file the ABI document does not list.
for f in "$dir"/*; do
	case $(basename "$f") in
	version) ;;
	*) fail "undocumented file $f" ;;
	esac
done

[ "$failed" = 0 ] && echo "ok: $dir"
exit $failed
