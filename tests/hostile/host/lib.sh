# Helpers for the hostile-guest scripts that run inside the emulated arm64 host (sourced).
# /data holds vmm-ref and the payloads (arm64 Images).
VMM=/data/vmm-ref
cd /tmp || exit 1

say() { echo "hostile: $*"; }
fail() {
	echo "hostile: FAIL: $*"
	for f in ${SHOW:-}; do
		[ -e "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
	done
	exit 1
}

# run_payload SECONDS CONSOLE STDERR [vmm-ref args...]: runs vmm-ref in the foreground
# with a time limit; RC is its exit status (124 when it had to be killed).
run_payload() {
	local secs=$1 con=$2 err=$3 i=0 st
	shift 3
	"$VMM" --console "file:$con" "$@" </dev/null >"$err.out" 2>"$err" &
	local pid=$!
	while :; do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		{ [ -z "$st" ] || [ "$st" = Z ]; } && break
		if [ $i -ge $((secs * 10)) ]; then
			kill -9 "$pid"
			wait "$pid" 2>/dev/null
			RC=124
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait "$pid"
	RC=$?
}

# make_disk FILE: a 1 MiB raw image whose sector 0 starts with CVMM-HOSTILE-DSK.
make_disk() {
	dd if=/dev/zero of="$1" bs=4096 count=256 2>/dev/null
	printf 'CVMM-HOSTILE-DSK' | dd of="$1" conv=notrunc 2>/dev/null
}
