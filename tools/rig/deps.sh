#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the rig needs from Debian's archive; only missing packages
# are installed, so a warm run makes no network access at all.
. "$(dirname "$0")/lib.sh"

PKGS="build-essential git flex bison bc libelf-dev libssl-dev ccache cpio
xz-utils kmod rsync python3 perl qemu-system-x86 busybox-static numactl
gnuplot-nox python3-ply python3-git libvirt-daemon libvirt-daemon-driver-qemu
libvirt-clients kexec-tools"
[ "$USER_KDIR" = 1 ] || PKGS="$PKGS linux-source-6.12"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done

want_src=""
if [ "$USER_KDIR" = 0 ]; then
	have=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	[ "$have" = "$PVNUMA_KPKG_VERSION" ] ||
		want_src="linux-source-6.12=$PVNUMA_KPKG_VERSION"
	missing=$(echo "$missing" | sed 's/ linux-source-6.12//')
fi

[ -z "$missing$want_src" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
info "installing from Debian's archive:$missing $want_src"
log=$LOGDIR/apt.log
run_step apt-update "$log" $SUDO apt-get update ||
	die "apt-get update failed: is Debian's archive reachable? (log: $log)"
if [ -n "$want_src" ] &&
   ! apt-cache madison linux-source-6.12 | grep "| $PVNUMA_KPKG_VERSION |" >/dev/null; then
	die "linux-source-6.12=$PVNUMA_KPKG_VERSION is no longer in the archive.
  Available: $(apt-cache madison linux-source-6.12 | awk '{print $3}' | xargs)
  Either pin another 6.12.y (PVNUMA_KPKG_VERSION=VERSION make ...; the patches
  in patches/ may need a refresh, which the patch step will tell you), or build
  your own 6.12.y tree with patches/ applied and pass KDIR=/path/to/it."
fi
export DEBIAN_FRONTEND=noninteractive
# The rig runs kexec inside its L2 guests only.  kexec-tools' default is
# to make this machine's own reboots kexec into a new kernel: say no.
case " $missing " in *" kexec-tools "*)
	echo 'kexec-tools kexec-tools/load_kexec boolean false' | $SUDO debconf-set-selections ||
		die "cannot preseed kexec-tools (debconf-set-selections)" ;;
esac
# shellcheck disable=SC2086
run_step apt-install "$log" $SUDO apt-get install -y --no-install-recommends \
	--allow-downgrades $missing $want_src ||
	die "apt-get install failed (log: $log)"
