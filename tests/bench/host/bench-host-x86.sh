# The x86_64 suspend benchmark, run by busybox sh inside the emulated x86_64 host:
#   sh bench-host-x86.sh RUNS
# /data holds bench_run, vmm-ref (static), the guest kernel (bzImage) and initramfs. One
# guest (scenario bench-suspend, tests/bench/guest) suspends RUNS times to RAM (ACPI S3,
# vmm-ref in the firmware's part) and RUNS times to idle (the baseline), then 7 s each way
# while the VMM's CPU time is taken over five 1 s windows. Prints "BENCH NAME VALUE"
# lines, one per measurement, which tests/bench/run-bench-x86.sh turns into medians.
RUNS=${1:-5}
cd /tmp || exit 1
err() { echo "BENCH-ERROR $*"; }
echo "BENCH-INFO host $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
# vmm-ref on one of the host's CPUs, as in the end-to-end tests (tests/e2e/host/lib.sh
# says why: nested x86_64 guests and multi-threaded TCG).
PIN="taskset -c $(($(nproc) - 1))"
windows=""
for mode in mem freeze; do
	for d in 1000 2000 3000 4000 5000; do windows="$windows --cpu-window long-$mode $d 1000"; done
done
out=$(/data/bench_run --log suspend.log --timeout 600 --mark "CVMM-GUEST" --mark "went to sleep" \
	$windows -- $PIN /data/vmm-ref --kernel /data/guest-kernel --initrd /data/guest-initramfs.cpio \
	--memory 256 --vcpus 1 --log-level info \
	--cmdline "console=ttyS0 quiet cvmm.test=bench-suspend cvmm.cycles=$RUNS")
echo "$out" | awk '
	/^mark / && / bench start-/ { t = $2 }
	/^mark / && / bench long-/ { t = "" }
	/^mark / && / bench resumed-/ && t != "" { printf "BENCH x86-suspend-%s.ms %.1f\n", substr($NF, 9), $2 - t }
	/^mark / && /went to sleep/ { h++ }
	/^cpu_window / {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		m = substr($2, 6)  # long-MODE
		printf "BENCH x86-suspended-cpu-%s.permille %.3f\n", m, v["cpu_ns"] * 1000 / v["wall_ns"]
		if (v["lines"] != 0) printf "BENCH-ERROR the guest printed during a %s window\n", m
	}
	/^mark .*CVMM-GUEST (pass|fail|error)/ { print "BENCH-INFO suspend scenario: " substr($0, index($0, "CVMM-GUEST")) }
	END { print "BENCH-INFO ACPI S3 sleeps seen by vmm-ref: " h }'
grep -q "CVMM-GUEST pass bench-suspend" suspend.log || { err "suspend scenario failed"; tail -n 20 suspend.log; }
exit 0
