#!/bin/bash
# Configures, builds and tests each cvmm component alone (cmake -S <component>), finding
# the components it needs installed in PREFIX (WORK/prefix), then installs it there; the
# order is the dependency picture's, bottom up. Then checks that a component configured
# with its dependencies missing stops at configure time, naming what is missing.
#   build-alone.sh SOURCE_DIR WORK_DIR C_COMPILER
set -euo pipefail
src=$1 work=$2 cc=$3
components="psci event-loop control kvm-ioctls vm-memory devices linux-loader vcpu virtio vmm-ref"

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
fail() { echo "build-alone: FAIL: $*"; exit 1; }

for c in $components; do
	b=$work/$c
	# Its KVM tests go to the emulated hosts, which this test registers but does not boot
	# (the whole tree's run boots them): here, the component's unit tests run.
	cmake -S "$src/$c" -B "$b" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
		-DCVMM_KVM_TESTS=emulated >"$b.configure.log" 2>&1 ||
		{ tail -n 20 "$b.configure.log"; fail "$c: configuring it alone failed"; }
	cmake --build "$b" -j "$(nproc)" >"$b.build.log" 2>&1 ||
		{ tail -n 30 "$b.build.log"; fail "$c: building it alone failed"; }
	all=$(ctest --test-dir "$b" -N | sed -n 's/^Total Tests: //p')
	[ "${all:-0}" -gt 0 ] || fail "$c: its build registers no tests"
	units=$(ctest --test-dir "$b" -N -L unit | sed -n 's/^Total Tests: //p')
	if [ "${units:-0}" -gt 0 ]; then
		ctest --test-dir "$b" -L unit -j "$(nproc)" --output-on-failure >"$b.ctest.log" 2>&1 ||
			{ tail -n 40 "$b.ctest.log"; fail "$c: its unit tests failed in its own build"; }
	fi
	echo "$c: built alone; $units unit tests passed; $all tests registered in its build"
	cmake --install "$b" --prefix "$prefix" >"$b.install.log" 2>&1 ||
		{ tail -n 20 "$b.install.log"; fail "$c: installing it failed"; }
done

# The exported packages carry their dependencies: virtio's names vm-memory and devices.
pc=$(find "$prefix" -name cvmm-virtio.pc)
grep -q '^Requires:.*cvmm-vm-memory' "$pc" || fail "cvmm-virtio.pc does not require cvmm-vm-memory"
cfg=$(find "$prefix" -name cvmm_virtioConfig.cmake)
grep -q 'find_dependency(cvmm_vm_memory)' "$cfg" || fail "$cfg does not find cvmm_vm_memory"
echo "virtio's pkg-config file and CMake package name its dependencies"

# A missing dependency stops the configure, with a message that names it.
if cmake -S "$src/virtio" -B "$work/virtio-no-deps" -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_PREFIX_PATH="$work/empty" -DCVMM_BUILD_TESTS=OFF >"$work/no-deps.log" 2>&1; then
	fail "virtio configured with vm-memory and devices missing"
fi
grep -q 'needs cvmm_vm_memory' "$work/no-deps.log" ||
	{ cat "$work/no-deps.log"; fail "the configure error does not name cvmm_vm_memory"; }
echo "virtio without its dependencies: $(grep -m1 -o 'cvmm_virtio needs cvmm_vm_memory[^,]*' "$work/no-deps.log")"
