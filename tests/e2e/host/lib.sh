# Helpers for the end-to-end scripts that run inside the emulated host (sourced).
# /data holds vmm-ref, the guest kernel (Image or bzImage) and the guest initramfs.
VMM=/data/vmm-ref
KERNEL=/data/guest-kernel
INITRD=/data/guest-initramfs.cpio
CONSOLE_ARGS="console=ttyS0 quiet"

say() { echo "e2e: $*"; }
fail() { echo "e2e: FAIL: $*"; exit 1; }

# run_vmm LOG [vmm-ref args...]: runs vmm-ref in the background, its console in LOG.
# Sets VMM_PID.
run_vmm() {
	local log=$1; shift
	"$VMM" "$@" </dev/null >"$log" 2>&1 &
	VMM_PID=$!
}

# wait_for LOG PATTERN SECONDS: waits until LOG has a line matching PATTERN.
wait_for() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -q "$2" "$1" && return 0
		kill -0 "$VMM_PID" 2>/dev/null || { grep -q "$2" "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_exit SECONDS: waits for vmm-ref to end; prints its exit status (124 if it did not).
wait_exit() {
	local i=0
	while kill -0 "$VMM_PID" 2>/dev/null; do
		[ $i -ge $(($1 * 10)) ] && { kill -9 "$VMM_PID"; wait "$VMM_PID" 2>/dev/null; echo 124; return; }
		sleep 0.1
		i=$((i + 1))
	done
	wait "$VMM_PID"
	echo $?
}

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
