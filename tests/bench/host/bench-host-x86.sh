# The x86_64 suspend benchmark, run by busybox sh inside the emulated x86_64 host:
#   sh bench-host-x86.sh RUNS
# /data holds bench-lib.sh, bench_run, vmm-ref (static), the guest kernel (bzImage) and
# initramfs. RUNS boots of a guest that powers off at /init (vmm-ref's own share of a boot,
# its start-up phases); then one
# guest (scenario bench-suspend, tests/bench/guest) suspends RUNS times to RAM (ACPI S3,
# vmm-ref in the firmware's part) and RUNS times to idle (the baseline), then 7 s each way
# while the VMM's CPU time is taken over five 1 s windows. Prints "BENCH NAME VALUE"
# lines, one per measurement, which tests/bench/run-bench-x86.sh turns into medians.
RUNS=${1:-5}
cd /tmp || exit 1
. /data/bench-lib.sh
echo "BENCH-INFO host $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
# vmm-ref on one of the host's CPUs, as in the end-to-end tests (tests/e2e/host/lib.sh
# says why: nested x86_64 guests and multi-threaded TCG).
PIN="taskset -c $(($(nproc) - 1))"
# vmm-ref's own share of a boot and its start-up phases (bench-lib.sh's own()).
i=1
while [ $i -le "$RUNS" ]; do
	own x86-vmm-ref $PIN /data/vmm-ref --kernel /data/guest-kernel \
		--initrd /data/guest-initramfs.cpio --memory 256 --vcpus 1 --log-level info \
		--cmdline "console=ttyS0 quiet cvmm.test=boot"
	i=$((i + 1))
done
grep -h "start-up:" own-x86-vmm-ref.log | tail -n 1 | sed 's/^/BENCH-INFO vmm-ref /'
windows=""
for mode in mem freeze; do
	for d in 1000 2000 3000 4000 5000; do windows="$windows --cpu-window long-$mode $d 1000"; done
done
out=$(/data/bench_run --log suspend.log --timeout 600 --mark "CVMM-GUEST" --mark "went to sleep" \
	$windows -- $PIN /data/vmm-ref --kernel /data/guest-kernel --initrd /data/guest-initramfs.cpio \
	--memory 256 --vcpus 1 --log-level info \
	--cmdline "console=ttyS0 quiet cvmm.test=bench-suspend cvmm.cycles=$RUNS")
echo "$out" | suspend_figures x86- "went to sleep" "ACPI S3 sleeps seen by vmm-ref:"
grep -q "CVMM-GUEST pass bench-suspend" suspend.log || { err "suspend scenario failed"; tail -n 20 suspend.log; }
exit 0
