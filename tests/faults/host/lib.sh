# Helpers for the fault-injection scripts that run inside the emulated arm64 host
# (sourced). /data holds vmm-ref, the guest kernel and the guest initramfs.
VMM=/data/vmm-ref
KERNEL=/data/guest-kernel
INITRD=/data/faults-initramfs.cpio
cd /tmp || exit 1

say() { echo "faults: $*"; }
fail() {
	echo "faults: FAIL: $*"
	[ -n "${LOG:-}" ] && [ -e "$LOG" ] && { echo "--- $LOG (last 30 lines)"; tail -n 30 "$LOG"; }
	[ -n "${VMM_PID:-}" ] && kill -9 "$VMM_PID" 2>/dev/null
	exit 1
}

# boot LOG SCENARIO [vmm-ref args...]: boots the guest in the background, console and
# stderr in LOG; sets VMM_PID.
boot() {
	LOG=$1
	local scenario=$2
	shift 2
	"$VMM" --kernel "$KERNEL" --initrd "$INITRD" \
		--cmdline "console=ttyS0 quiet cvmm.test=$scenario" "$@" </dev/null >"$LOG" 2>&1 &
	VMM_PID=$!
}

alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$VMM_PID/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_for PATTERN SECONDS: until LOG has a line matching PATTERN (or vmm-ref ended).
wait_for() {
	local i=0
	while [ $i -lt $(($2 * 20)) ]; do
		grep -q "$1" "$LOG" && return 0
		alive || { grep -q "$1" "$LOG"; return; }
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# wait_exit SECONDS: sets RC to vmm-ref's exit status (124 when it had to be killed).
wait_exit() {
	local i=0
	while alive; do
		if [ $i -ge $(($1 * 10)) ]; then
			kill -9 "$VMM_PID"; wait "$VMM_PID" 2>/dev/null; RC=124; return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait "$VMM_PID"
	RC=$?
}
