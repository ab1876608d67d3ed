# The VMM benchmarks, run by busybox sh inside the emulated arm64 host (one boot):
#   sh bench-host.sh RUNS [boot]
# ("boot": the boot figures only, start-up and the VMM's own share of a boot)
# /data holds bench-lib.sh, bench_run, vmm-ref, the guest kernel and initramfs, and qemu-arm64.tar
# (Debian's arm64 QEMU and its libraries, unpacked at /). Prints "BENCH NAME VALUE"
# lines, one per measurement, which tests/bench/run-bench.sh turns into medians.
RUNS=${1:-5}
ONLY=${2:-}
K=/data/guest-kernel
I=/data/guest-initramfs.cpio
T=/sys/kernel/tracing
cd /tmp || exit 1
. /data/bench-lib.sh

tar -xf /data/qemu-arm64.tar -C / && rm -f /data/qemu-arm64.tar || { err "cannot unpack QEMU"; exit 1; }
QEMU="/usr/bin/qemu-system-aarch64 -M virt,gic-version=2 -enable-kvm -cpu host -m 256 -smp 1
 -nographic -nodefaults -serial stdio -nic none -kernel $K -initrd $I -no-reboot"
VMM="/data/vmm-ref --kernel $K --initrd $I --memory 256 --vcpus 1"
echo "BENCH-INFO qemu $(/usr/bin/qemu-system-aarch64 --version | head -n1)"
echo "BENCH-INFO host $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"

# Start-up (exec to the first KVM_RUN) comes from the host kernel's own trace points,
# which cost the traced VMM next to nothing: sched_process_exec and the ioctl system call
# entry filtered on KVM_RUN (0xae80), on the CLOCK_MONOTONIC trace clock.
trace=0
mount -t tracefs nodev $T 2>/dev/null
if echo mono >$T/trace_clock && echo 'cmd == 0xae80' >$T/events/syscalls/sys_enter_ioctl/filter &&
	echo 1 >$T/events/syscalls/sys_enter_ioctl/enable &&
	echo 1 >$T/events/sched/sched_process_exec/enable && echo 0 >$T/tracing_on; then
	trace=1
else
	err "no kernel tracing: start-up not measured"
fi
# startup_ms PROGRAM-PATH: exec of PROGRAM to the first KVM_RUN in the trace, in ms.
startup_ms() {
	awk -v prog="$1" '
		function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) + 0; return -1 }
		/sched_process_exec:/ && index($0, "filename=" prog " ") && t0 == "" { t0 = ts() }
		/sys_ioctl\(/ && t0 != "" { printf "%.1f\n", (ts() - t0) * 1000; exit }' $T/trace
}

# boot NAME PROGRAM-PATH COMMAND...: one boot to the init marker.
boot() {
	local name=$1 prog=$2 out
	shift 2
	[ $trace = 1 ] && { echo >$T/trace; echo 1 >$T/tracing_on; }
	out=$(/data/bench_run --log $name.log --timeout 120 --mark "$INIT" --smaps-at "$INIT" \
		--stop-at "$INIT" -- "$@")
	[ $trace = 1 ] && echo 0 >$T/tracing_on
	local ms kib
	ms=$(echo "$out" | awk '/^mark / { print $2; exit }')
	kib=$(echo "$out" | sed -n 's/^smaps .*overhead_kib=\([0-9]*\).*/\1/p')
	if [ -z "$ms" ] || [ -z "$kib" ]; then
		err "$name: no init marker"; tail -n 20 $name.log; return 1
	fi
	echo "BENCH $name.boot_ms $ms"
	echo "BENCH $name.overhead_kib $kib"
	echo "BENCH $name.rss_kib $(echo "$out" | sed -n 's/^smaps rss_kib=\([0-9]*\).*/\1/p')"
	if [ $trace = 1 ]; then
		ms=$(startup_ms "$prog")
		[ -n "$ms" ] && echo "BENCH $name.startup_ms $ms" || err "$name: no KVM_RUN in the trace"
	fi
}

i=1
while [ $i -le "$RUNS" ]; do
	# Alternating, so that the machine's load drifts over both alike.
	boot vmm-ref /data/vmm-ref $VMM --cmdline "console=ttyS0 quiet cvmm.test=boot"
	boot qemu /usr/bin/qemu-system-aarch64 $QEMU -append "console=ttyAMA0 quiet cvmm.test=boot"
	own vmm-ref $VMM --log-level info --cmdline "console=ttyS0 quiet cvmm.test=boot"
	own qemu $QEMU -append "console=ttyAMA0 quiet cvmm.test=boot"
	i=$((i + 1))
done
grep -h "start-up:" own-vmm-ref.log | tail -n 1 | sed 's/^/BENCH-INFO vmm-ref /'
[ "$ONLY" = boot ] && exit 0
# Where vmm-ref's resident memory outside guest RAM is, from the last run.
if [ -e vmm-ref.log.smaps ]; then
	echo "BENCH-INFO vmm-ref's largest resident mappings besides guest RAM (kB, mapping):"
	awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $1 " " $6 } /^Size:/ { s = $2 } /^Rss:/ && s < 262144 { print "BENCH-INFO   " $2, m }' \
		vmm-ref.log.smaps | sort -k2 -n -r | head -n 6
fi

# Suspend/resume: one guest, RUNS cycles of suspend-to-RAM and of suspend-to-idle, then a
# long one of each (7 s), during which the VMM's CPU time is taken over five consecutive
# 1 s windows, from 1 s to 6 s after the guest's "bench long-MODE" line.
windows=""
for mode in mem freeze; do
	for d in 1000 2000 3000 4000 5000; do windows="$windows --cpu-window long-$mode $d 1000"; done
done
out=$(/data/bench_run --log suspend.log --timeout 400 --mark "CVMM-GUEST" --mark "SYSTEM_SUSPEND" \
	$windows -- $VMM --log-level info --cmdline "console=ttyS0 quiet cvmm.test=bench-suspend cvmm.cycles=$RUNS")
echo "$out" | suspend_figures "" "SYSTEM_SUSPEND .*honoured" "SYSTEM_SUSPEND honoured"
grep -q "CVMM-GUEST pass bench-suspend" suspend.log || { err "suspend scenario failed"; tail -n 20 suspend.log; }

# Suspend to a snapshot, for a 256 MiB and a 2 GiB guest, RUNS times each: a cold boot of
# the guest to its init marker (the baseline); the guest (scenario bench-snapshot)
# suspending under --suspend snapshot:DIR, with the RAM it really touched read at its
# "snapshot-ready" line (the Rss of guest RAM's mappings) and vmm-ref's own line giving
# what it wrote and how long writing took; the folder's size on disk; then --restore DIR
# from exec to the guest's "bench resumed" line (its alarm passed while it was on disk).
for mib in 256 2048; do
	i=1
	while [ $i -le "$RUNS" ]; do
		out=$(/data/bench_run --log cold$mib.log --timeout 120 --mark "$INIT" --stop-at "$INIT" \
			-- /data/vmm-ref --kernel $K --initrd $I --memory $mib --vcpus 1 \
			--cmdline "console=ttyS0 quiet cvmm.test=boot")
		ms=$(echo "$out" | awk '/^mark / { print $2; exit }')
		[ -n "$ms" ] && echo "BENCH snap$mib.cold_ms $ms" || err "snapshot $mib MiB: no cold boot"
		rm -rf /tmp/bench-snap
		out=$(/data/bench_run --log snap$mib.log --timeout 120 --ram-mib $mib \
			--smaps-at "bench snapshot-ready" -- /data/vmm-ref --kernel $K --initrd $I \
			--memory $mib --vcpus 1 --suspend snapshot:/tmp/bench-snap --log-level info \
			--cmdline "console=ttyS0 quiet cvmm.test=bench-snapshot")
		echo "$out" | grep -q '^exit 4$' || { err "snapshot $mib MiB: vmm-ref did not exit 4"; tail -n 8 snap$mib.log | sed 's/^/BENCH-INFO   /'; }
		echo "BENCH snap$mib.touched_kib $(echo "$out" | sed -n 's/^smaps .*guest_kib=\([0-9]*\).*/\1/p')"
		sed -n "s/.*snapshot in .*: \([0-9]*\) MiB of RAM, \([0-9]*\) KiB written, state \([0-9]*\) bytes, \([0-9]*\) ms.*/BENCH snap$mib.written_kib \2\nBENCH snap$mib.write_ms \4/p" snap$mib.log
		echo "BENCH snap$mib.disk_kib $(du -k -c /tmp/bench-snap/* | tail -n 1 | cut -f1)"
		echo "BENCH snap$mib.ondisk_processes $(pidof vmm-ref >/dev/null && echo 1 || echo 0)"
		echo "$out" | grep -q '^smaps rss_kib=' && echo "BENCH snap$mib.running_processes 1"
		sleep 3 # the guest's alarm (2 s after it armed it) passes while it is on disk
		out=$(/data/bench_run --log restore$mib.log --timeout 120 --mark "bench resumed" \
			--stop-at "bench resumed" -- /data/vmm-ref --restore /tmp/bench-snap)
		ms=$(echo "$out" | awk '/^mark / { print $2; exit }')
		[ -n "$ms" ] && echo "BENCH snap$mib.restore_ms $ms" || { err "snapshot $mib MiB: no resume after restore"; tail -n 8 restore$mib.log | sed 's/^/BENCH-INFO   /'; }
		i=$((i + 1))
	done
done
rm -rf /tmp/bench-snap

# Bare-metal SYSTEM_SUSPEND wake-up latency, from the guest's virtual counter: RUNS runs of
# the payload (tests/bench/suspend_latency_aarch64.S), each 10 WFI and 10 suspend cycles,
# every figure the time from the timer's deadline to the first instruction after it.
i=1
while [ $i -le "$RUNS" ]; do
	/data/vmm-ref --kernel /data/suspend-latency.img --memory 64 --vcpus 1 >lat.log 2>&1 ||
		err "suspend latency payload: vmm-ref exited $?"
	grep -q '^SUSPEND-LAT done' lat.log || { err "suspend latency payload did not finish"; tail -n 5 lat.log; }
	grep '^SUSPEND-LAT \(wfi\|suspend\) ' lat.log | while read -r _ kind ticks _ freq; do
		echo "BENCH bare-$kind.ns $(( ticks * 1000000000 / freq ))"
	done
	i=$((i + 1))
done
exit 0
