#!/bin/bash
# cvmm's x86_64 benchmark, on real nested KVM inside the emulated x86_64 host: vmm-ref's
# own share of a boot (a guest that powers off at /init; its start-up phases), and a
# Linux guest of vmm-ref suspending to RAM through ACPI S3 against the same guest
# suspending to idle. Prints a table of medians, each figure beside its baseline measured
# in the same run (the arm64 benchmarks are run-bench.sh's).
#
#   run-bench-x86.sh [--build DIR] [--runs N] [--raw FILE] [--host-kernel 6.1|6.12]
#     --build DIR      the x86_64 build (default build/x86_64): its static vmm-ref of the
#                      x86_64 end-to-end tests, their guest initramfs, and bench_run
#     --runs N         boots, and suspend cycles of each kind (default 5, at least 5)
#     --raw FILE       also keep every measurement and the host's console there
#     --host-kernel K  the emulated x86_64 host's kernel (default 6.1)
# Takes a few minutes: one boot of the emulated host, N + 1 guests inside it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../scripts/common.sh"

build=$CVMM_ROOT/build/x86_64 runs=5 raw="" host_kernel=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--raw) raw=$2; shift 2 ;;
	--host-kernel) host_kernel=$2; shift 2 ;;
	*) die "run-bench-x86.sh: unknown argument $1" ;;
	esac
done
[ "$runs" -ge 5 ] 2>/dev/null || die "run-bench-x86.sh: --runs must be at least 5"
need() { [ -e "$1" ] || die "missing $1 (build the x86_64 tree first: scripts/build.sh x86_64)"; echo "$1"; }
vmm=$(need "$build/tests/e2e-x86_64/vmm-ref-x86-static")
initramfs=$(need "$build/tests/e2e-x86_64/guest-initramfs-x86_64.cpio")
bench_run=$(need "$build/tests/bench/bench_run")
kernel=$(need "$CVMM_CACHE/kernel-x86_64/kernel")
work=$(mktemp -d "${TMPDIR:-/tmp}/cvmm-bench-x86.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The guest: the x86_64 end-to-end initramfs, plus the benchmark's scenarios as a second
# archive (the kernel unpacks concatenated archives into one tree).
mkdir -p "$work/extra/scenarios"
install -m 0755 "$here"/guest/*.sh "$work/extra/scenarios/"
(cd "$work/extra" && find . | LC_ALL=C sort | "$CVMM_CACHE/busybox-x86_64" cpio -o -H newc 2>/dev/null) \
	>"$work/extra.cpio"
cat "$initramfs" "$work/extra.cpio" >"$work/guest.cpio"

log "booting the emulated x86_64 host ($runs suspend cycles of each kind)"
"$CVMM_ROOT/tests/hosts/run-host.sh" --arch x86_64 --host-kernel "$host_kernel" --timeout 900 \
	--file "$kernel:/data/guest-kernel" --file "$work/guest.cpio:/data/guest-initramfs.cpio" \
	--file "$vmm:/data/vmm-ref" --file "$bench_run:/data/bench_run" \
	--file "$here/host/bench-host-x86.sh:/data/bench-host-x86.sh" \
	--file "$here/host/bench-lib.sh:/data/bench-lib.sh" \
	--cmd "bench=sh /data/bench-host-x86.sh $runs" \
	>"$work/console.log" 2>&1 || log "the emulated host reported a failure (see below)"
[ -z "$raw" ] || cp "$work/console.log" "$raw"
grep -E '^BENCH-(ERROR|INFO)' "$work/console.log" | sed 's/^BENCH-//' >&2 || true
grep -q '^CVMM-END bench ' "$work/console.log" || { tail -n 40 "$work/console.log" >&2; die "the benchmark did not finish"; }
sed -n 's/^BENCH \([^ ]*\) \(.*\)$/\1 \2/p' "$work/console.log" >"$work/figures"
[ -z "$raw" ] || cat "$work/figures" >>"$raw"

figures=$work/figures
. "$here/table.sh"
echo
echo "cvmm x86_64 boot and suspend benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), medians of N runs"
echo "machine: $(nproc)-core $(uname -m) ($(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n1)); real nested KVM inside the emulated x86_64 host (QEMU TCG, emulated AMD SVM, host kernel $(sed -n 's/^CVMM-HOST-KERNEL //p' "$work/console.log" | head -n1)); guest: Debian's cloud amd64 kernel, 1 vCPU, 256 MiB"
echo
echo "| figure | vmm-ref | baseline (same run) | ratio | N | target |"
echo "|---|---|---|---|---|---|"
row "x86_64 vmm-ref's own share of a boot: exec to exit less the guest's uptime at init" \
	x86-vmm-ref.own_ms "the guest's uptime at init" x86-vmm-ref.uptime_ms ms 1 "<= 300 ms"
row "x86_64 own share, part 1: exec to init less the guest's uptime" x86-vmm-ref.before_clock_ms \
	"exec to exit" x86-vmm-ref.total_ms ms 1 "-"
row "x86_64 own share, part 2: init to the VMM's exit (power-off, tear-down)" \
	x86-vmm-ref.after_init_ms "exec to exit" x86-vmm-ref.total_ms ms 1 "-"
for ph in inputs guest_RAM KVM_VM devices vCPUs_and_boot_data sandbox_set-up vCPU_threads main_filter vCPU_filter; do
	row "x86_64 vmm-ref start-up phase: ${ph//_/ }" "x86-vmm-ref.phase.${ph}_ms" \
		"start-up to its main filter" x86-vmm-ref.phase.all_ms ms 1 "-"
done
row "x86_64 vmm-ref tear-down (after the guest's power-off)" x86-vmm-ref.teardown_ms "init to exit" \
	x86-vmm-ref.after_init_ms ms 1 "-"
row "x86_64 Linux suspend to RAM (ACPI S3), start to resume marker (alarm +1 s)" x86-suspend-mem.ms \
	"suspend-to-idle" x86-suspend-freeze.ms ms 1 "-"
row "x86_64 VMM CPU while the guest sleeps (5 x 1 s windows)" x86-suspended-cpu-mem.permille \
	"suspend-to-idle" x86-suspended-cpu-freeze.permille "% of a core" 0.1 "< 1%"
