#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check /sys/kernel/pvnuma/ against its ABI document: every documented file
# exists with its documented mode and no undocumented one does; valid writes
# to the tunables work and invalid ones fail and change nothing.  Needs
# pvnuma.ko loaded; exits 4 (kselftest skip) otherwise.
set -u

ksft_skip=4
dir=/sys/kernel/pvnuma
abi=$(dirname "$0")/../../Documentation/ABI/testing/sysfs-kernel-pvnuma
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

[ "$(id -u)" = 0 ] || { echo "skip: not root"; exit $ksft_skip; }
[ -d "$dir" ] || { echo "skip: $dir absent (pvnuma.ko not loaded)"; exit $ksft_skip; }
[ -f "$abi" ] || { echo "FAIL: $abi missing"; exit 1; }

# The documented files (not directories, not the per-VM ones), relative.
documented=$(sed -n 's|^What:[[:space:]]*/sys/kernel/pvnuma/||p' "$abi" |
	     grep -v '/$' | grep -v '^vms/' | grep -v '^$')

# expect_file NAME MODE
expect_file() {
	local f=$dir/$1 mode

	[ -f "$f" ] || { fail "$f missing"; return; }
	mode=$(stat -c %a "$f")
	[ "$mode" = "$2" ] || fail "$f mode $mode, expected $2"
}

# expect_write NAME VALUE READBACK: the write must work.
expect_write() {
	local f=$dir/$1

	echo "$2" >"$f" 2>/dev/null || { fail "write of '$2' to $f failed"; return; }
	[ "$(cat "$f")" = "$3" ] || fail "$f reads '$(cat "$f")' after '$2', expected '$3'"
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

for f in $documented; do
	case $f in
	stats/*|version) expect_file "$f" 444 ;;
	*) expect_file "$f" 644 ;;
	esac
done

# No file the ABI document does not list.
while read -r f; do
	rel=${f#"$dir"/}
	echo "$documented" | grep -qx "$rel" || fail "undocumented file $f"
done < <(find "$dir" -path "$dir/vms" -prune -o -type f -print)
[ -d "$dir/vms" ] || fail "$dir/vms missing"

grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' "$dir/version" ||
	fail "version '$(cat "$dir/version")' is not MAJOR.MINOR.PATCH"
expect_write_fails version 9.9.9

for f in $documented; do
	case $f in
	stats/*) grep -qE '^[0-9]+$' "$dir/$f" ||
		 fail "$dir/$f reads '$(cat "$dir/$f")', not a count"
		 expect_write_fails "$f" 0 ;;
	esac
done

saved=$(for t in enabled mode batch_limit rate_limit scan_delay_ms; do
	echo "$t $(cat "$dir/$t")"; done)

expect_write enabled 0 0
expect_write enabled on 1
expect_write_fails enabled 2
expect_write_fails enabled maybe
expect_write mode lazy lazy
expect_write mode eager eager
expect_write mode guest guest
expect_write_fails mode fast
expect_write_fails mode ""
expect_write batch_limit 1 1
expect_write batch_limit 512 512
expect_write_fails batch_limit 0
expect_write_fails batch_limit 513
expect_write_fails batch_limit -1
expect_write_fails batch_limit 12abc
expect_write rate_limit 0 0
expect_write rate_limit 1000000000 1000000000
expect_write_fails rate_limit 1000000001
expect_write_fails rate_limit 99999999999999999999
expect_write scan_delay_ms 0 0
expect_write scan_delay_ms 10000 10000
expect_write_fails scan_delay_ms 10001

echo "$saved" | while read -r t v; do echo "$v" >"$dir/$t"; done

[ "$failed" = 0 ] && echo "ok: $dir"
exit $failed
