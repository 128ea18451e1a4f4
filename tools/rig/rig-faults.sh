#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make rig-faults: the rig reruns per test over the make check runs this
# cache has seen (rig-faults.log, written by check.sh), the control run
# (e2e/baseline, an L2 without pvnuma's driver) first, then the others.
. "$(dirname "$0")/lib.sh"

log=$PVNUMA_CACHE/rig-faults.log
[ -s "$log" ] || die "no make check run recorded in $log yet"
echo "make check runs: $(awk '{ print $1 }' "$log" | sort -u | wc -l) (since $(head -n1 "$log" | cut -d' ' -f1))"
printf "%-40s %6s %8s %6s %10s\n" test runs reruns failed reruns/run
awk '$4 ~ /^(PASS|FAIL)$/ { runs[$3]++; reruns[$3] += $5; if ($4 == "FAIL") failed[$3]++ }
     END {
	for (t in runs) if (reruns[t] || failed[t] || t == "e2e/baseline")
		printf "%s%-40s %6d %8d %6d %10.2f\n", (t == "e2e/baseline" ? "0" : "1"), t,
			runs[t], reruns[t], failed[t], reruns[t] / runs[t]
     }' "$log" | sort | cut -c2-
echo "(only tests with a rerun or a failure are listed, and the control, e2e/baseline)"
