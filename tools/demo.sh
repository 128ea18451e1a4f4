#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build everything, boot the patched host kernel (L1) with two
# NUMA nodes under QEMU, show its topology and KVM, and boot an L2 guest
# whose two vNUMA nodes are bound to the two host nodes.
#
# The copyless NUMA balancing comparison (baseline / lazy / eager) is not
# implemented yet; this shows the rig it will run on, and says so.
. "$(dirname "$0")/rig/lib.sh"

bash "$PVNUMA_ROOT/tools/rig/deps.sh"
bash "$PVNUMA_ROOT/tools/rig/kernel.sh" all

cat <<'MSG'
== pvnuma demo: the rig ==
Booting the patched host kernel (L1) under QEMU TCG with AMD SVM + NPT and
2 NUMA nodes, then an L2 guest with 2 vNUMA nodes bound to them.
MSG

# Runs inside L1.
read -r -d '' script <<'L1' || true
set -e
echo "== L1: $(uname -r), host NUMA topology =="
numactl -H
echo "== L1: KVM =="
echo "/dev/kvm: $(ls -l /dev/kvm)"
echo "kvm_amd nested=$(cat /sys/module/kvm_amd/parameters/nested) npt=$(cat /sys/module/kvm_amd/parameters/npt)"
echo "== L1: pvnuma.ko =="
insmod "$PVNUMA_ROOT/pvnuma.ko"
echo "/sys/kernel/pvnuma/version: $(cat /sys/kernel/pvnuma/version)"
rmmod pvnuma
echo "== L2: guest with 2 vNUMA nodes (vNode n bound to host node n) =="
start=$(date +%s.%N)
"$PVNUMA_ROOT/tools/rig/l2.sh" --nodes 2 --mem 512 --console /run/pvnuma/l2-console.log
end=$(date +%s.%N)
grep '^PVNUMA-TOPOLOGY' /run/pvnuma/l2-console.log | sed 's/^PVNUMA-TOPOLOGY l2 /  vNode /'
echo "L2 booted and powered off in $(echo "$end - $start" | bc) s"
L1
script="PVNUMA_ROOT=$PVNUMA_ROOT; $script"

start=$(date +%s)
rc=0
bash "$PVNUMA_ROOT/tools/rig/vm.sh" --name demo --nodes 2 --timeout 600 -- "$script" || rc=$?
echo "== demo finished in $(($(date +%s) - start)) s (exit $rc); L1 console: $RUNDIR/demo/console.log =="
echo "Not yet shown: copyless NUMA balancing itself (baseline vs lazy vs eager);"
echo "it needs the host side and the guest side of pvnuma, which are not built yet."
exit $rc
