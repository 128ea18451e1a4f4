# SPDX-License-Identifier: GPL-2.0
#
# pvnuma top-level Makefile.
#
#   make demo      build, boot the rig, show what pvnuma does (the main job)
#   make check     build and run every test; ends with "N passed, N failed"
#   make bench     the host-side benchmark (issue 3's figures) in L1
#   make stress    long fuzz and soak runs in L1 (PVNUMA_FUZZ_CALLS, PVNUMA_FUZZ_SEED,
#                  PVNUMA_SOAK_MOVES)
#   make modules   build pvnuma.ko, pvnuma_guest.ko, pvnuma_test.ko (in
#                  $PVNUMA_CACHE/modules-default, or modules-kdir with KDIR=)
#   make kernel    fetch, patch, configure and build the rig kernel
#   make rig-faults  rig reruns and failures per test over the recorded
#                  make check runs
#   make vm CMD='...'   run a command inside L1 (the patched host)
#   make deps      install the Debian packages the rig needs
#
# Variables: DEBUG=1 (debug kernel: KASAN, lockdep, UBSAN, kmemleak, ...),
# DEBUG_LANE=auto|1|0 (make check's debug lane: only when its inputs changed
# since its last green run, always, never; default auto),
# KDIR=/path (a built 6.12.y tree with patches/ applied, instead of the rig's),
# PVNUMA_CACHE=/path (build trees, ccache, logs; default ~/.cache/pvnuma),
# PVNUMA_BENCH_PAGES=N (make bench: pages per mode, default 65536).

RIG := tools/rig
export DEBUG DEBUG_LANE KDIR PVNUMA_CACHE CMD PVNUMA_BENCH_PAGES PVNUMA_FUZZ_CALLS \
	PVNUMA_FUZZ_SEED PVNUMA_SOAK_MOVES

all: modules

deps:
	@bash $(RIG)/deps.sh

kernel: deps
	@bash $(RIG)/kernel.sh all

modules: deps
	@bash $(RIG)/kernel.sh modules

check:
	@bash $(RIG)/check.sh

demo:
	@bash tools/demo.sh

bench: deps
	@bash tools/bench.sh

stress: deps
	@bash tools/stress.sh

rig-faults:
	@bash $(RIG)/rig-faults.sh

vm: kernel
	@bash $(RIG)/vm.sh -- "$$CMD"

clean:
	rm -rf "$${PVNUMA_CACHE:-$$HOME/.cache/pvnuma}"/modules-*

.PHONY: all deps kernel modules check demo bench stress rig-faults vm clean
