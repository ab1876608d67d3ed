#!/bin/bash
# Runs programs on real KVM inside an emulated host: an arm64 one (QEMU virt at EL2,
# KVM built into Debian's arm64 kernel) or an x86_64 one (QEMU TCG with AMD SVM,
# KVM from Debian's cloud kernel modules). One boot runs every program given.
#
#   run-host.sh --arch aarch64|x86_64 [options] [--] PROGRAM...
#     --gic 2|3            arm64 host: GICv2 on cortex-a57 (default) or GICv3 on max
#     --machine NAME       x86_64 host: microvm (default) or q35
#     --host-kernel 6.1|6.12  the host's kernel: Debian 12's 6.1 (default) or its 6.12
#                          (scripts/fetch-artefacts.sh caches both); /init prints the
#                          running kernel as "CVMM-HOST-KERNEL <uname -r>"
#     --memory MIB         host RAM (default 1024)
#     --prealloc           allocate and touch all host RAM before it boots (-mem-prealloc):
#                          the first touch of a page by the emulated host then costs the
#                          same in every run, which benchmarks need
#     --timeout SECONDS    hard limit for the whole boot (default 300)
#     --program-timeout S  limit for each program or command inside the host (default
#                          600): one that hangs is killed (status 137) and the next runs
#     --silence SECONDS    watchdog: a host whose console does not show the heartbeat
#                          its /init prints every 20 s for this long is stuck (its
#                          kernel, or the emulator): it is stopped, the console's tail
#                          and its CPUs' addresses are shown, and every program without
#                          a result fails (default 120)
#     --file SRC[:DST]     copy a file into the host (DST relative to /, default /data/NAME)
#     --module PATH        also load this module of the host kernel (PATH under its
#                          lib/modules/RELEASE/kernel, without .ko: drivers/vhost/vhost),
#                          after tun, in the order given; repeatable
#     --kvm-hold PROGRAM   start PROGRAM (tests/hosts/kvm_hold.c) in the background once
#                          KVM is up, before any test: it holds a VM for the whole boot,
#                          so the host kernel does not patch KVM's static keys in and out
#                          of its text at every VM a test creates (docs/KVM-FACTS.md)
#     --cmd NAME=COMMAND   also run a shell command, reported as NAME
#     --results DIR        write NAME.log and NAME.rc for each program into DIR, and the
#                          host's whole console as console.log
#     --status all|host    exit status: all programs passed (default), or only that
#                          the host booted and ran them all to their end
#     --criterion          run each PROGRAM as a Criterion test program (verbose, one job)
#     --keep               keep the staging folder and console log (printed at the end)
#
# CVMM_HOST_KERNEL_ARGS replaces the host kernel's "quiet loglevel=3" (set it to " " to
# see the host's boot log). The host kernel runs with nokaslr, so that the CPU addresses
# the watchdog reports for a stuck host can be named: CVMM_HOST_SYMBOLS names a copy of
# that kernel's /proc/kallsyms (from `--cmd 'ks=cat /proc/kallsyms'`) to do so. The x86_64 host is told its TSC rate: on a loaded machine its
# PIT calibration fails under TCG, and microvm has no other clock to fall back on.
#
# A PROGRAM is a static or dynamic ELF of the host's architecture; the libraries a
# dynamic one needs (and its ELF interpreter) are copied in beside it. Each program
# runs in /tmp with PATH holding the copied programs and /data. Its output goes to the
# console between "CVMM-BEGIN NAME" and "CVMM-END NAME RC" lines (then "CVMM-TIME NAME
# START END", the host's uptime around it); this script prints the console, each
# program's time (slowest first), writes the results, and exits 0 only when every
# program exited 0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../../scripts/common.sh"

criterion=0 status_of=all arch="" gic=2 machine=microvm memory=1024 timeout=300 results="" keep=0
prealloc=0 program_timeout=600 silence=120 kvm_hold="" host_kernel=6.1
files=() programs=() cmds=() extra_modules=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--gic) gic=$2; shift 2 ;;
	--machine) machine=$2; shift 2 ;;
	--host-kernel) host_kernel=$2; shift 2 ;;
	--memory) memory=$2; shift 2 ;;
	--prealloc) prealloc=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--program-timeout) program_timeout=$2; shift 2 ;;
	--silence) silence=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--module) extra_modules+=("$2"); shift 2 ;;
	--kvm-hold) kvm_hold=$2; shift 2 ;;
	--cmd) cmds+=("$2"); shift 2 ;;
	--results) results=$2; shift 2 ;;
	--status) status_of=$2; shift 2 ;;
	--criterion) criterion=1; shift ;;
	--keep) keep=1; shift ;;
	--) shift; programs+=("$@"); break ;;
	-*) die "run-host.sh: unknown option $1" ;;
	*) programs+=("$1"); shift ;;
	esac
done
case $arch in
aarch64) karch=arm64; triple=aarch64-linux-gnu
	libpath=("$CVMM_CACHE/sysroot-arm64/lib/$triple" "$CVMM_CACHE/sysroot-arm64/usr/lib/$triple") ;;
x86_64) karch=x86_64; triple=x86_64-linux-gnu
	libpath=("/lib/$triple" "/usr/lib/$triple") ;;
*) die "run-host.sh: --arch aarch64 or x86_64 is required" ;;
esac
[ ${#programs[@]} -gt 0 ] || [ ${#cmds[@]} -gt 0 ] || die "run-host.sh: no program to run"
[ -z "$results" ] || { rm -rf "$results"; mkdir -p "$results"; }
case $host_kernel in
6.1) kdir=$CVMM_CACHE/kernel-$karch ;;
6.12) kdir=$CVMM_CACHE/kernel-$karch-6.12 ;;
*) die "run-host.sh: --host-kernel 6.1 or 6.12, not '$host_kernel'" ;;
esac
[ -e "$kdir/.done" ] && [ -x "$CVMM_CACHE/busybox-$karch" ] ||
	die "emulated host artefacts missing in $CVMM_CACHE: run scripts/fetch-artefacts.sh"
krel=$(cat "$kdir/release")

work=$(mktemp -d "${TMPDIR:-/tmp}/cvmm-host.XXXXXX")
cleanup() { [ $keep = 1 ] && log "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
stage=$work/root
mkdir -p "$stage"/{bin,cvmm/bin,data,dev,proc,sys,tmp,lib/modules}
install -m 0755 "$CVMM_CACHE/busybox-$karch" "$stage/bin/busybox"

find_lib() { # soname
	local d
	for d in "${libpath[@]}"; do [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }; done
	return 1
}
# Copies an ELF's interpreter and NEEDED libraries (transitively) into the stage.
copy_deps() {
	local elf=$1 interp lib src
	interp=$(readelf -lW "$elf" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$stage$interp" ]; then
		src=$(find_lib "$(basename "$interp")") || die "no ELF interpreter $interp for $elf"
		mkdir -p "$stage$(dirname "$interp")"
		cp -L "$src" "$stage$interp"
	fi
	for lib in $(readelf -dW "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$stage/lib/$triple/$lib" ] && continue
		src=$(find_lib "$lib") || die "library $lib needed by $elf not found in ${libpath[*]}"
		mkdir -p "$stage/lib/$triple"
		cp -L "$src" "$stage/lib/$triple/$lib"
		copy_deps "$src"
	done
}

names=()
for p in "${programs[@]}"; do
	[ -f "$p" ] || die "program not found: $p"
	n=$(basename "$p")
	install -m 0755 "$p" "$stage/cvmm/bin/$n"
	copy_deps "$p"
	names+=("$n")
done
if [ -n "$kvm_hold" ]; then
	[ -f "$kvm_hold" ] || die "program not found: $kvm_hold"
	install -m 0755 "$kvm_hold" "$stage/cvmm/kvm_hold"
	copy_deps "$kvm_hold"
fi
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
for f in ${files[@]+"${files[@]}"}; do
	src=${f%%:*}; dst=${f#*:}; [ "$dst" = "$f" ] && dst=/data/$(basename "$src")
	[ -e "$src" ] || die "file not found: $src"
	mkdir -p "$stage$(dirname "$dst")"
	cp -L "$src" "$stage$dst"
	# A program or library among the files brings the libraries it needs.
	if is_elf "$src"; then copy_deps "$src"; fi
done

# Modules the host loads: KVM on x86_64 (built in on arm64), tun for the network tests'
# tap devices. 6.1's modules are plain .ko, 6.12's .ko.xz, which busybox's insmod cannot
# read.
mdir=$kdir/root/lib/modules/$krel/kernel
host_modules="drivers/net/tun"
[ $arch = x86_64 ] && host_modules="virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-amd $host_modules"
for m in $host_modules ${extra_modules[@]+"${extra_modules[@]}"}; do
	if [ -e "$mdir/$m.ko" ]; then cp "$mdir/$m.ko" "$stage/lib/modules/"
	elif [ -e "$mdir/$m.ko.xz" ]; then xz -dc "$mdir/$m.ko.xz" >"$stage/lib/modules/${m##*/}.ko"
	else die "no module $m in $mdir"; fi
done

{
	cat <<-'INIT'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	mount -t proc proc /proc; mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
	mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
	export PATH=/cvmm/bin:/data:/bin HOME=/tmp
	echo "CVMM-HOST-KERNEL $(uname -r)"
	for m in irqbypass kvm; do [ -e /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko; done
	[ -e /lib/modules/kvm-amd.ko ] && insmod /lib/modules/kvm-amd.ko nested=1
	[ -e /lib/modules/tun.ko ] && insmod /lib/modules/tun.ko
	[ -e /dev/kvm ] || echo "CVMM-HOST-NOTE no /dev/kvm"
	INIT
	for m in ${extra_modules[@]+"${extra_modules[@]}"}; do
		printf 'insmod /lib/modules/%q.ko || echo "CVMM-HOST-NOTE cannot load module %q"\n' "${m##*/}" "${m##*/}"
	done
	cat <<-'INIT'
	[ -x /cvmm/kvm_hold ] && /cvmm/kvm_hold </dev/null &
	# The heartbeat: the watchdog outside (--silence) takes a silent console for a
	# stuck host.
	(while sleep 20; do echo CVMM-HOST-ALIVE; done) &
	run() { # name command...
		local n=$1 rc t0; shift
		echo "CVMM-BEGIN $n"
		read t0 _ </proc/uptime
		(cd /tmp && timeout -s KILL "$PROGRAM_TIMEOUT" "$@") </dev/null 2>&1
		rc=$?
		[ $rc = 137 ] && echo "CVMM-HOST-NOTE $n killed after ${PROGRAM_TIMEOUT} s"
		echo "CVMM-END $n $rc"
		echo "CVMM-TIME $n $t0 $(cut -d' ' -f1 /proc/uptime)"
	}
	INIT
	echo "PROGRAM_TIMEOUT=$program_timeout"
	args=""; [ $criterion = 0 ] || args="--jobs 1 --verbose --color=never"
	for n in ${names[@]+"${names[@]}"}; do printf 'run %q /cvmm/bin/%q %s\n' "$n" "$n" "$args"; done
	for c in ${cmds[@]+"${cmds[@]}"}; do printf 'run %q sh -c %q\n' "${c%%=*}" "${c#*=}"; done
	# QEMU's microvm ignores ACPI power-off; a triple-fault reboot with -no-reboot exits.
	if [ $arch = x86_64 ]; then echo 'echo CVMM-HOST-DONE; sync; reboot -f'
	else echo 'echo CVMM-HOST-DONE; sync; poweroff -f'; fi
} >"$stage/init"
chmod 0755 "$stage/init"

(cd "$stage" && find . | LC_ALL=C sort | "$CVMM_CACHE/busybox-x86_64" cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"

console=$work/console.log
case $arch in
aarch64)
	# cortex-a57 for both vGICs (QEMU gives it a GICv3 CPU interface with gic-version=3):
	# on `-cpu max` (VHE, FEAT_TLBIRANGE) a 6.12 host ran a guest on a stale stage-2
	# translation of an earlier VM's page (docs/KVM-FACTS.md).
	cpu=cortex-a57
	qemu=(qemu-system-aarch64 -M "virt,virtualization=on,gic-version=$gic" -cpu "$cpu"
		-append "console=ttyAMA0 panic=-1 nokaslr ${CVMM_HOST_KERNEL_ARGS:-quiet loglevel=3} rdinit=/init") ;;
x86_64)
	qemu=(qemu-system-x86_64 -accel tcg -M "$machine" -cpu max,-xsave
		-append "console=ttyS0 panic=-1 reboot=t nokaslr tsc_early_khz=2000000 tsc=reliable ${CVMM_HOST_KERNEL_ARGS:-quiet loglevel=3} rdinit=/init") ;;
esac
# -nic none: an emulated host has no network card, so no test can reach any address.
qemu+=(-nic none -smp 2 -m "$memory" -nographic -no-reboot -kernel "$kdir/kernel" -initrd "$work/initrd.cpio")
[ "$prealloc" = 0 ] || qemu+=(-mem-prealloc)

qemu+=(-pidfile "$work/qemu.pid" -monitor "unix:$work/monitor.sock,server,nowait")

# watchdog: stops QEMU when the host's heartbeat has not shown for $silence seconds
# (counted from the host's first line, once it prints at all). The heartbeat, not any
# output: a host whose kernel reports a lockup over and over is stuck all the same.
watchdog() {
	local beats last=-1 quiet=0
	while sleep 5; do
		beats=$(grep -c '^CVMM-HOST-ALIVE$' "$console" 2>/dev/null || true)
		[ -s "$console" ] || beats=-1
		if [ "$beats" != "$last" ]; then last=$beats quiet=0; continue; fi
		quiet=$((quiet + 5))
		[ $quiet -ge "$silence" ] || continue
		echo "$quiet" >"$work/silent"
		# Where the host's CPUs are, for the report (python3 talks to the monitor).
		if command -v python3 >/dev/null; then
			local map=${CVMM_HOST_SYMBOLS:-}
			# Twice, a second apart: a CPU whose address moves is looping, not stopped.
			for _ in 1 2; do
				python3 "$here/qemu-monitor.py" "$work/monitor.sock" "info registers -a" \
					${map:+--symbols "$map"} 2>&1 | grep -E '^CPU#|RIP=|^ *PC=|^PC='
				sleep 1
			done >"$work/cpus" || true
		fi
		echo "QEMU's CPU use over its life: $(ps -o pcpu= -p "$(cat "$work/qemu.pid")")%" \
			>>"$work/cpus" 2>/dev/null
		kill "$(cat "$work/qemu.pid" 2>/dev/null)" 2>/dev/null
		return
	done
}

rc=0
: >"$console"
watchdog &
watchdog_pid=$!
# Line-buffered: a host that hangs leaves its console up to the hang in the log.
timeout -k 5 "$timeout" "${qemu[@]}" </dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$console" || rc=$?
kill "$watchdog_pid" 2>/dev/null || true
wait "$watchdog_pid" 2>/dev/null || true
status=0
if ! grep -q '^CVMM-HOST-DONE' "$console"; then
	if [ -e "$work/silent" ]; then
		log "the emulated $arch host showed no heartbeat for $(cat "$work/silent") s: stopped" \
			"(watchdog, --silence $silence); the console's last lines:"
		tail -n 30 "$console" >&2
		if [ -s "$work/cpus" ]; then
			log "where the host's CPUs were (QEMU monitor):"
			cat "$work/cpus" >&2
		fi
	else
		# QEMU ending by itself (status 0) before DONE: the host kernel rebooted
		# (panic=-1, a triple fault; -no-reboot turns either into QEMU's exit).
		log "the emulated $arch host did not finish (qemu status $rc; timeout ${timeout}s);" \
			"the console's last lines:"
		tail -n 40 "$console" >&2
	fi
	status=1
fi
# Where the boot's time went: each program's seconds, the slowest first (from the
# host's uptime at its start and end), then the host's uptime at its last line.
awk '$1 == "CVMM-TIME" { printf "%8.1f s  %s\n", $4 - $3, $2; last = $4 }
	END { if (last) printf "%8.1f s  the host'"'"'s uptime at its last program'"'"'s end\n", last }' \
	"$console" | sort -rn | sed 's/^/cvmm: time /' >&2 || true
# The whole console stays with the results, for a failure to be read after the fact.
[ -z "$results" ] || cp "$console" "$results/console.log"
all=(${names[@]+"${names[@]}"})
for c in ${cmds[@]+"${cmds[@]}"}; do all+=("${c%%=*}"); done
for n in "${all[@]}"; do
	r=$(sed -n "s/^CVMM-END $n \([0-9]*\)$/\1/p" "$console" | tail -n1)
	[ -n "$r" ] || { log "$n: did not finish in the emulated host"; r=124; }
	[ "$r" = 0 ] || { log "$n: exited $r"; [ $status_of = host ] || status=1; }
	if [ -n "$results" ]; then
		sed -n "/^CVMM-BEGIN $n\$/,/^CVMM-END $n /p" "$console" |
			grep -v '^CVMM-HOST-ALIVE$' >"$results/$n.log" || true
		echo "$r" >"$results/$n.rc"
	fi
done
exit $status
