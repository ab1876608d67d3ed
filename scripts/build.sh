#!/bin/bash
# Configures and builds cvmm for one target into build/<target>:
#   build.sh x86_64 | aarch64 | fuzz | asan   [extra cmake arguments...]
# fuzz is an x86_64 build with clang of the libFuzzer harnesses alone (CVMM_FUZZ; the
# target cvmm_fuzzers: `cmake --build build/fuzz` builds the rest too); asan an
# x86_64 clang build with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

target=${1:?usage: build.sh x86_64|aarch64|fuzz|asan [cmake args...]}; shift
dir=$CVMM_ROOT/build/$target
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCVMM_WERROR=ON)
case $target in
x86_64) export CC=gcc ;;
fuzz) export CC=clang; args+=(-DCVMM_FUZZ=ON) ;;
asan) export CC=clang
	args=(-DCMAKE_BUILD_TYPE=Debug -DCVMM_WERROR=ON
		"-DCMAKE_C_FLAGS=-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
		"-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined") ;;
aarch64) args+=(-DCMAKE_TOOLCHAIN_FILE="$CVMM_ROOT/cmake/toolchain-aarch64.cmake") ;;
*) die "build.sh: unknown target $target" ;;
esac
# Where the x86_64 KVM tests run (cmake/CvmmTesting.cmake): auto, local or emulated.
args+=(-DCVMM_KVM_TESTS="${CVMM_KVM_TESTS:-auto}")
out=$(cmake -S "$CVMM_ROOT" -B "$dir" "${args[@]}" "$@" 2>&1) ||
	{ printf '%s\n' "$out" >&2; die "build.sh: configuring $target failed"; }
grep '^-- KVM tests' <<<"$out" >&2 || true
log "building $target"
# The fuzz build's regular libraries and tests, plain clang builds, serve nothing the test
# command runs (its asan build has the sanitized unit tests): the harnesses alone.
if [ "$target" = fuzz ]; then
	cmake --build "$dir" -j "$(nproc)" --target cvmm_fuzzers
else
	cmake --build "$dir" -j "$(nproc)"
fi
