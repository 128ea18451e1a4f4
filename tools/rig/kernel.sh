#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel tree for the rig: unpack Debian's linux-source-6.12 into a git tree,
# apply patches/ with git am, merge the config fragments, build incrementally
# with ccache, build the KVM selftests and the pvnuma modules against it
# (in $MODDIR, outside the checkout).
#
# Usage: kernel.sh all|kernel|source|patch|intree|config|build|selftests|e2e|modules
# ("kernel": source, patch, config and build only.)  DEBUG=1: the debug
# kernel, which also has pvnuma_guest built in.
. "$(dirname "$0")/lib.sh"

GIT="git -C $SRC -c user.name=pvnuma-rig -c user.email=rig@pvnuma.invalid"
MAKEK="make -C $SRC O=$BUILD -j$JOBS CC=ccache\ gcc HOSTCC=ccache\ gcc"

# Unpack the pinned linux-source tarball once; tag it pvnuma-base.
do_source() {
	local tarball=/usr/src/linux-source-6.12.tar.xz stamp=$SRC/.git/pvnuma-source
	local have

	have=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	[ "$have" = "$PVNUMA_KPKG_VERSION" ] ||
		die "linux-source-6.12 $PVNUMA_KPKG_VERSION is not installed (have: '${have:-none}'); run: make deps"
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$have" ] && return 0

	info "unpacking linux-source-6.12 $have into $SRC"
	# The scratch worktree belongs to the old tree: drop it with it.
	rm -rf "$SRC" "$SRC.tmp" "$PVNUMA_CACHE/linux-am"
	mkdir -p "$SRC.tmp"
	run_step unpack "$LOGDIR/unpack.log" tar -C "$SRC.tmp" -xf "$tarball"
	mv "$SRC.tmp/linux-source-6.12" "$SRC"
	rmdir "$SRC.tmp"
	run_step git-base "$LOGDIR/unpack.log" sh -c "
		$GIT init -q && $GIT add -f -A . && \
		$GIT commit -q -m 'Debian linux-source-6.12 $have' && \
		$GIT tag pvnuma-base"
	echo "$have" >"$stamp"
}

# Apply the series on top of pvnuma-base in a scratch worktree, then move the
# build tree's checkout to the result: git checkout rewrites only the files
# that differ, so editing one patch rebuilds only what that edit touches.
do_patch() {
	local stamp=$SRC/.git/pvnuma-series am=$PVNUMA_CACHE/linux-am sum p
	local log=$LOGDIR/patch.log

	sum=$(series_files | xargs -r cat | sha256sum | cut -d' ' -f1)
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && return 0
	rm -f "$stamp"
	if [ ! -e "$am/.git" ]; then
		rm -rf "$am"
		$GIT worktree prune
		run_step worktree "$log" $GIT worktree add -q --detach "$am" pvnuma-base
	fi
	AM="git -C $am -c user.name=pvnuma-rig -c user.email=rig@pvnuma.invalid"
	$AM am --abort >/dev/null 2>&1 || true
	$AM reset -q --hard pvnuma-base
	: >"$log"
	for p in $(series_files); do
		if ! $AM am -q "$p" >>"$log" 2>&1; then
			$AM am --abort >/dev/null 2>&1 || true
			tail -n 20 "$log" | sed 's/^/  | /' >&2
			die "patch $(basename "$p") does not apply to linux-source-6.12 $PVNUMA_KPKG_VERSION (log: $log)"
		fi
	done
	# do_intree's lines go first, so that a patch may change those files.
	$GIT checkout -q -- drivers/virt/Kconfig drivers/virt/Makefile
	$GIT checkout -q --detach "$($AM rev-parse HEAD)" >>"$log" 2>&1 ||
		die "cannot check out the patched tree in $SRC (log: $log)"
	info "applied $(series_files | wc -l) patches from patches/"
	echo "$sum" >"$stamp"
}

# pvnuma in the tree, as its Kconfig tells a user to add it: the sources in
# drivers/virt/pvnuma (copied, as the selftests are, only what changed) and
# a line in drivers/virt/Kconfig and Makefile.  Every variant has it; only
# the debug one's config selects it.
do_intree() {
	local d=$SRC/drivers/virt/pvnuma f files
	files=$(cd "$PVNUMA_ROOT" && echo Kbuild Kconfig kernel/*.[ch] kernel/tests/*.[ch] guest/*.[ch])
	mkdir -p "$d/kernel/tests" "$d/guest"
	# shellcheck disable=SC2086
	(cd "$PVNUMA_ROOT" && rsync -c -R $files "$d/") || die "cannot copy pvnuma into $d"
	# A file removed or renamed here goes there too.
	for f in $(cd "$d" && find . -type f \( -name '*.[ch]' -o -name Kbuild -o -name Kconfig \) | cut -c3-); do
		[[ " $files " == *" $f "* ]] || rm -f "$d/$f"
	done
	# Before the "endif" of "if VIRT_DRIVERS", the file's last line.
	grep -qx 'source "drivers/virt/pvnuma/Kconfig"' "$SRC/drivers/virt/Kconfig" ||
		sed -i '$s|^endif$|source "drivers/virt/pvnuma/Kconfig"\n\nendif|' "$SRC/drivers/virt/Kconfig"
	grep -qx 'obj-y += pvnuma/' "$SRC/drivers/virt/Makefile" ||
		echo 'obj-y += pvnuma/' >>"$SRC/drivers/virt/Makefile"
	grep -qx 'source "drivers/virt/pvnuma/Kconfig"' "$SRC/drivers/virt/Kconfig" ||
		die "cannot add pvnuma to $SRC/drivers/virt/Kconfig"
}

# The fragments, in merge order: Kconfig's allnoconfig takes their values
# and sets every other symbol it may to n (merge_config.sh -n), so that the
# kernel has what the rig and the tests name and nothing else.  debug.config
# comes last and may override the others.
fragments() {
	echo "$SRC/kernel/configs/kvm_guest.config"
	echo "$PVNUMA_ROOT/tools/configs/rig.config"
	echo "$PVNUMA_ROOT/tools/configs/pvnuma.config"
	[ "$VARIANT" = debug ] && echo "$PVNUMA_ROOT/tools/configs/debug.config"
	return 0
}

# overridden FRAGMENT SYMBOL: the debug variant's debug.config, merged
# after FRAGMENT, also sets SYMBOL.
overridden() {
	[ "$VARIANT" = debug ] && [ "$1" != "$PVNUMA_ROOT/tools/configs/debug.config" ] &&
		grep -qE "^($2=|# $2 is not set$)" "$PVNUMA_ROOT/tools/configs/debug.config"
}

# Merge the fragments in a scratch tree and install the result only when it
# differs, so that an unchanged config never triggers a rebuild.
do_config() {
	local tmp=$PVNUMA_CACHE/config-$VARIANT.tmp log=$LOGDIR/config-$VARIANT.log
	local frags sym want got bad="" sum f

	frags=$(fragments | xargs)
	# Redo the merge only when its inputs changed: the fragments and the
	# patched tree (whose Kconfig the series may change).
	# shellcheck disable=SC2086
	sum=$(cat $frags "$PVNUMA_ROOT/Kconfig" \
		"$SRC/.git/pvnuma-source" "$SRC/.git/pvnuma-series" 2>/dev/null |
		sha256sum) || true
	[ -f "$BUILD/.config" ] && [ "$(cat "$BUILD/.pvnuma-config-sum" 2>/dev/null)" = "$sum" ] &&
		return 0
	rm -rf "$tmp"
	mkdir -p "$tmp" "$BUILD"
	run_step config-$VARIANT "$log" sh -c "
		cd $SRC && scripts/kconfig/merge_config.sh -n -O $tmp $frags"
	# Every symbol one of our fragments asks for must have survived,
	# unless a later fragment (debug.config) sets it otherwise.
	for f in $frags; do
		[ "${f#"$PVNUMA_ROOT"/}" != "$f" ] || continue
		while IFS= read -r want; do
			sym=${want%%=*}
			overridden "$f" "$sym" && continue
			got=$(grep -E "^$sym=" "$tmp/.config" || true)
			[ "$got" = "$want" ] || bad="$bad $want(got:${got:-unset})"
		done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
		for sym in $(sed -nE 's/^# (CONFIG_[A-Z0-9_]+) is not set$/\1/p' "$f"); do
			overridden "$f" "$sym" && continue
			got=$(grep -E "^$sym=" "$tmp/.config" || true)
			[ -z "$got" ] || bad="$bad $sym(unset wanted, got:$got)"
		done
	done
	[ -z "$bad" ] || die "config fragment not honoured:$bad (log: $log)"
	if ! cmp -s "$tmp/.config" "$BUILD/.config"; then
		cp "$tmp/.config" "$BUILD/.config"
		info "kernel config ($VARIANT) updated"
	fi
	rm -rf "$tmp"
	echo "$sum" >"$BUILD/.pvnuma-config-sum"
}

do_build() {
	run_step "kernel-$VARIANT" "$LOGDIR/kernel-$VARIANT.log" sh -c "
		$MAKEK olddefconfig && $MAKEK bzImage modules && \
		$MAKEK headers_install" ||
		die "kernel build failed (log: $LOGDIR/kernel-$VARIANT.log)"
}

# Our KVM selftests are copied into the tree's x86_64/ directory so that they
# build with the tree's kvm_util library and flags exactly like upstream ones.
do_selftests() {
	local kst=$SRC/tools/testing/selftests/kvm
	[ "$USER_KDIR" = 1 ] && kst=${KSRC:-$BUILD}/tools/testing/selftests/kvm
	[ -d "$kst" ] || die "no KVM selftests in $kst (with KDIR=, set KSRC= to the source tree)"
	mkdir -p "$SELFTEST_OUT"
	rsync -c "$PVNUMA_ROOT"/selftests/kvm/*.[ch] "$PVNUMA_ROOT"/tools/bench/*.c \
		"$kst/x86_64/" || die "cannot copy our selftests into $kst"
	# shellcheck disable=SC2046
	run_step "kvm-selftests-$VARIANT" "$LOGDIR/selftests-$VARIANT.log" \
		make -C "$kst" -j"$JOBS" OUTPUT="$SELFTEST_OUT" \
		LINUX_HDR_PATH="$BUILD/usr/include/" \
		KHDR_INCLUDES="-isystem $BUILD/usr/include" \
		TEST_GEN_PROGS_x86_64="$(echo $(kvm_selftests) $(kvm_benchmarks))" ||
		die "KVM selftests build failed (log: $LOGDIR/selftests-$VARIANT.log)"
}

do_e2e() {
	mkdir -p "$PVNUMA_CACHE/e2e"
	run_step "e2e-programs" "$LOGDIR/e2e.log" \
		make -C "$PVNUMA_ROOT/tools/e2e" OUT="$PVNUMA_CACHE/e2e" ||
		die "end-to-end programs failed to build (log: $LOGDIR/e2e.log)"
}

# The sources go to $MODDIR by checksum (an unchanged file keeps its old
# time, so make rebuilds only what changed); a source gone from the
# checkout goes there too, the build's own files stay.
do_modules() {
	mkdir -p "$MODDIR"
	rsync -rc --delete --include='*/' --include='*.[ch]' --exclude='*' \
		"$PVNUMA_ROOT/kernel" "$PVNUMA_ROOT/guest" "$MODDIR/" &&
		rsync -c "$PVNUMA_ROOT/Kbuild" "$PVNUMA_ROOT/Kconfig" "$MODDIR/" ||
		die "cannot copy the module sources to $MODDIR"
	run_step "modules-$VARIANT" "$LOGDIR/modules-$VARIANT.log" \
		make -C "$BUILD" M="$MODDIR" -j"$JOBS" CC="ccache gcc" W=1 modules ||
		die "module build failed (log: $LOGDIR/modules-$VARIANT.log)"
	info "modules for the $VARIANT kernel: $MODDIR/*.ko"
}

step=${1:-all}
case $step in
all|kernel)
	if [ "$USER_KDIR" = 0 ]; then
		do_source
		do_patch
		do_intree
		do_config
		do_build
	fi
	[ -f "$BZIMAGE" ] || die "no kernel image at $BZIMAGE"
	[ "$step" = kernel ] && exit 0
	do_selftests
	do_e2e
	do_modules
	;;
source|patch|intree|config|build|selftests|e2e|modules)
	"do_$step" ;;
*)
	die "unknown step '$step' (all|kernel|source|patch|intree|config|build|selftests|e2e|modules)" ;;
esac
