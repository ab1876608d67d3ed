# Helpers for the fault-injection scripts that run inside the emulated arm64 host
# (sourced): tests/e2e/host/lib.sh (copied in as /data/e2e-lib.sh) with the
# fault-injection initramfs, and boot.
TAG=faults
INITRD=/data/faults-initramfs.cpio
. /data/e2e-lib.sh

# boot LOG SCENARIO [vmm-ref args...]: boots the guest in the background, console and
# stderr in LOG; sets VMM_PID and LOG.
boot() {
	local log=$1 scenario=$2
	shift 2
	boot_guest "$log" "$scenario" -- "$@"
}
