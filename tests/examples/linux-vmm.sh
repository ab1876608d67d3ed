#!/bin/bash
# Installs the cvmm build tree into a fresh prefix, builds examples/linux-vmm against that
# install (CMake's find_package), and boots a real Linux guest with it on KVM inside the
# emulated x86_64 host (every Linux guest of the suite runs there): the guest's /init
# reports itself and powers off through ACPI, and linux-vmm exits 0.
#   linux-vmm.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER KERNEL INITRAMFS
set -euo pipefail
build=$1 src=$2 work=$3 cc=$4 kernel=$5 initramfs=$6

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
cmake -S "$src/examples/linux-vmm" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="$cc" >"$work/configure.log"
cmake --build "$work/cmake-build" >"$work/build.log"
echo "built with find_package: $work/cmake-build/linux-vmm"

# The guest's console lines end in \r\n.
check='out=$(/data/linux-vmm /data/kernel /data/initramfs "console=ttyS0 quiet panic=-1 cvmm.test=boot" 2>&1); rc=$?
printf "%s\n" "$out" | tail -n 20
printf "%s\n" "$out" | grep -q "^CVMM-GUEST init cpus=1 scenario=boot" || { echo "linux-vmm: the guest did not reach /init"; exit 1; }
printf "%s\n" "$out" | grep -q "^linux-vmm: the guest powered off" || { echo "linux-vmm: no power-off"; exit 1; }
[ $rc = 0 ] || { echo "linux-vmm: exit status $rc"; exit 1; }'
host_args=(--file "$work/cmake-build/linux-vmm:/data/linux-vmm" --file "$kernel:/data/kernel"
	--file "$initramfs:/data/initramfs" --cmd "linux-vmm=$check")
hold=$build/tests/hosts/kvm_hold
[ -x "$hold" ] && host_args+=(--kvm-hold "$hold")
"$src/tests/hosts/run-host.sh" --arch x86_64 --timeout 400 "${host_args[@]}"
