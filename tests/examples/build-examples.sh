#!/bin/bash
# Installs the cvmm build tree into a fresh prefix, then builds examples/tiny-vmm against
# that install twice, through CMake's find_package and through pkg-config, and runs both
# on KVM: RUN says where (local: this machine's /dev/kvm; emulated: a boot of the emulated
# host of the compiler's architecture, tests/hosts/run-host.sh; no: build only).
#   build-examples.sh BUILD_DIR SOURCE_DIR WORK_DIR C_COMPILER RUN [TOOLCHAIN_FILE]
set -euo pipefail
build=$1 src=$2 work=$3 cc=$4 run=$5 toolchain=${6:-}

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

example=$src/examples/tiny-vmm
args=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc")
if [ -n "$toolchain" ]; then
	# A cross toolchain confines find_package to its sysroot: name each package's
	# folder in the install instead.
	args+=(-DCMAKE_TOOLCHAIN_FILE="$toolchain")
	for cfg in "$prefix"/lib*/cmake/cvmm_*/cvmm_*Config.cmake "$prefix"/lib/*/cmake/cvmm_*/cvmm_*Config.cmake; do
		[ -e "$cfg" ] || continue
		pkg=$(basename "$cfg" Config.cmake)
		args+=(-D"${pkg}_DIR=$(dirname "$cfg")")
	done
fi
cmake -S "$example" -B "$work/cmake-build" "${args[@]}" >"$work/configure.log"
cmake --build "$work/cmake-build" >"$work/build.log"
echo "built with find_package: $work/cmake-build/tiny-vmm"

arch=$("$cc" -dumpmachine)
case $arch in aarch64*) guest=guest_aarch64.S ;; *) guest=guest_x86_64.S ;; esac
pcdir=$(dirname "$(find "$prefix" -name cvmm-vcpu.pc | head -n1)")
flags=$(PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_LIBDIR="$pcdir" PKG_CONFIG_SYSROOT_DIR= \
	pkg-config --cflags --libs cvmm-vcpu cvmm-vm-memory)
echo "pkg-config: $flags"
# shellcheck disable=SC2086
"$cc" -o "$work/tiny-vmm-pc" "$example/main.c" "$example/$guest" $flags
echo "built with pkg-config: $work/tiny-vmm-pc"

want="Hello from a cvmm guest"
bins=("$work/cmake-build/tiny-vmm" "$work/tiny-vmm-pc")
case $run in
no)
	echo "not run: this build's binaries do not run on this machine's KVM" ;;
local)
	for bin in "${bins[@]}"; do
		out=$("$bin")
		echo "$bin: $out"
		[ "$out" = "$want" ] || { echo "unexpected output from $bin"; exit 1; }
	done ;;
emulated)
	host_args=()
	for bin in "${bins[@]}"; do
		n=$(basename "$bin")
		host_args+=(--file "$bin:/data/$n"
			--cmd "$n=out=\$(/data/$n); echo \"$n: \$out\"; [ \"\$out\" = '$want' ]")
	done
	case $arch in aarch64*) host_arch=aarch64 ;; *) host_arch=x86_64 ;; esac
	# The build's kvm_hold (tests/hosts/kvm_hold.c) holds a VM through the boot.
	hold=$build/tests/hosts/kvm_hold
	[ -x "$hold" ] && host_args+=(--kvm-hold "$hold")
	"$src/tests/hosts/run-host.sh" --arch $host_arch --timeout 240 "${host_args[@]}" ;;
*)
	echo "build-examples.sh: RUN is local, emulated or no, not $run" >&2
	exit 2 ;;
esac
