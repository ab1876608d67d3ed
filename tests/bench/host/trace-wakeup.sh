# Where a PSCI SYSTEM_SUSPEND wake-up's time goes, from the host kernel's trace points,
# run by busybox sh inside the emulated arm64 host:
#   sh trace-wakeup.sh RUNS
# /data holds vmm-ref and the bare-metal latency payload (suspend-latency.img,
# tests/bench/suspend_latency_aarch64.S: 10 WFI and 10 SYSTEM_SUSPEND cycles a run). For
# each cycle, from the moment KVM ends the vCPU's wait (kvm_vcpu_wakeup) to the guest's
# next entry (kvm_entry), on the CLOCK_MONOTONIC trace clock:
#   WFI:     wake -> entry, all in the kernel;
#   suspend: wake -> the WAKEUP exit to user space (kvm_userspace_exit), -> KVM_RUN's
#            return (sys_exit_ioctl), vmm-ref's work between the two KVM_RUNs (each ioctl
#            it makes, timed from entry to exit), -> KVM_RUN's entry, -> kvm_entry.
# Prints "BENCH wake-PHASE.us VALUE" per cycle, medians taken by the caller, and the
# ioctls seen between the two KVM_RUNs of a wake-up ("BENCH-INFO").
RUNS=${1:-5}
T=/sys/kernel/tracing
cd /tmp || exit 1
err() { echo "BENCH-ERROR $*"; }
mount -t tracefs nodev $T 2>/dev/null
echo 0 >$T/tracing_on
echo mono >$T/trace_clock || { err "no CLOCK_MONOTONIC trace clock"; exit 1; }
echo 8192 >$T/buffer_size_kb
for e in kvm/kvm_vcpu_wakeup kvm/kvm_userspace_exit kvm/kvm_entry syscalls/sys_enter_ioctl \
	syscalls/sys_exit_ioctl; do
	echo 1 >$T/events/$e/enable || { err "no trace event $e"; exit 1; }
done
i=1
while [ $i -le "$RUNS" ]; do
	echo >$T/trace
	echo 1 >$T/tracing_on
	/data/vmm-ref --kernel /data/suspend-latency.img --memory 64 --vcpus 1 >lat.log 2>&1
	echo 0 >$T/tracing_on
	grep -q '^SUSPEND-LAT done' lat.log || { err "the payload did not finish"; tail -n 5 lat.log; }
	# Only vmm-ref's own lines (its vCPU thread is named after it, or "vcpu").
	grep -v '^#' $T/trace | awk '
		function ts(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return substr($i, 1, length($i) - 1) * 1e6; return -1 }
		function ev(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) return $(i + 1); return "" }
		{ t = ts(); e = ev() }
		e == "kvm_vcpu_wakeup:" { w = t; state = "woke"; n = 0; list = ""; next }
		state == "woke" && e == "kvm_entry:" { printf "BENCH wake-wfi-total.us %.1f\n", t - w; state = ""; next }
		state == "woke" && e == "kvm_userspace_exit:" && /SYSTEM_EVENT|reason 24|system_event/ { ux = t; state = "exit"; next }
		state == "woke" && e == "kvm_userspace_exit:" { state = ""; next }
		# The syscall events print as "sys_ioctl(fd: F, cmd: C, arg: A)" and "sys_ioctl -> R".
		state == "exit" && e == "sys_ioctl" { rx = t; state = "user"; next }
		state == "user" && e == "sys_ioctl(fd:" && /cmd: ae80,/ { rn = t; state = "run"; next }
		state == "user" && e == "sys_ioctl(fd:" { match($0, /cmd: [0-9a-f]+/); c = substr($0, RSTART + 5, RLENGTH - 5); ct = t; next }
		state == "user" && e == "sys_ioctl" && c != "" { printf "BENCH wake-ioctl-%s.us %.1f\n", c, t - ct; list = list " " c; n++; c = ""; next }
		state == "run" && e == "kvm_entry:" {
			printf "BENCH wake-suspend-kernel-exit.us %.1f\n", ux - w
			printf "BENCH wake-suspend-run-return.us %.1f\n", rx - ux
			printf "BENCH wake-suspend-userspace.us %.1f\n", rn - rx
			printf "BENCH wake-suspend-run-entry.us %.1f\n", t - rn
			printf "BENCH wake-suspend-total.us %.1f\n", t - w
			printf "BENCH wake-suspend-ioctls.n %d\n", n
			if (!shown++) print "BENCH-INFO ioctls between the KVM_RUNs of a wake-up:" list
			state = ""; next }'
	i=$((i + 1))
done
for e in kvm/kvm_vcpu_wakeup kvm/kvm_userspace_exit kvm/kvm_entry syscalls/sys_enter_ioctl \
	syscalls/sys_exit_ioctl; do
	echo 0 >$T/events/$e/enable
done
exit 0
