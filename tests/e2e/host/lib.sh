# Helpers for the end-to-end scripts that run inside the emulated host (sourced); also the
# base of tests/faults/host/lib.sh. /data holds vmm-ref, the guest kernel (Image or
# bzImage) and the guest initramfs. A script that sources it may set TAG (the prefix of
# its lines, default e2e) and INITRD beforehand.
VMM=/data/vmm-ref
KERNEL=/data/guest-kernel
INITRD=${INITRD:-/data/guest-initramfs.cpio}
TAG=${TAG:-e2e}
CONSOLE_ARGS="console=ttyS0 quiet"
EOL="[[:space:]]*\$"
cd /tmp || exit 1

say() { echo "$TAG: $*"; }
# fail MESSAGE: prints it with the end of the current log and, while vmm-ref still runs,
# what each of its threads is doing (state, where it sleeps, CPU ticks 2 s apart: a
# hang shows as vCPU threads that spin or that all sleep), kills vmm-ref, exits 1.
fail() {
	echo "$TAG: FAIL: $*"
	[ -n "${LOG:-}" ] && [ -e "$LOG" ] && { echo "--- $LOG (last 30 lines)"; tail -n 30 "$LOG"; }
	if [ -n "${VMM_PID:-}" ] && alive; then
		echo "--- vmm-ref's threads: tid name state wchan ticks ticks-2s-later"
		thread_states >/tmp/fail-threads.1
		sleep 2
		thread_states | paste -d' ' /tmp/fail-threads.1 - | awk '{ print $1, $2, $3, $4, $5, $10 }'
		kill -9 "$VMM_PID" 2>/dev/null
	fi
	exit 1
}

# thread_states: "TID NAME STATE WCHAN TICKS" for each thread of vmm-ref.
thread_states() {
	local t
	for t in /proc/$VMM_PID/task/*; do
		echo "$(awk '{ print $1, $2, $3 }' "$t/stat" 2>/dev/null) $(cat "$t/wchan" 2>/dev/null || echo -) $(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null)"
	done
}

# In the emulated x86_64 host, vmm-ref runs on one of the host's CPUs (taskset): all of
# a guest's vCPUs then run on one of QEMU's TCG threads, where the guest kernel patching
# its own code cannot race with another of its vCPUs running that code on the other
# thread (multi-threaded TCG can keep running the old translation: docs/KVM-FACTS.md,
# "Nested x86_64 guests lost now and then"). The guest still has every vCPU it asked for.
VMM_PIN=""
[ "$(uname -m)" = x86_64 ] && VMM_PIN="taskset -c $(($(nproc) - 1))"

# run_vmm LOG [vmm-ref args...]: runs vmm-ref in the background, console and stderr in
# LOG, stdin from $VMM_STDIN (/dev/null by default; a FIFO feeds console input: see
# open_input). Sets VMM_PID (taskset execs vmm-ref: the same process) and LOG.
run_vmm() {
	LOG=$1; shift
	$VMM_PIN "$VMM" "$@" <"${VMM_STDIN:-/dev/null}" >"$LOG" 2>&1 &
	VMM_PID=$!
}

# open_input FIFO: after run_vmm with VMM_STDIN=FIFO (made with mkfifo), opens the FIFO's
# writing end as fd 3 of this shell (vmm-ref's open of its reading end waits for it);
# `printf ... >&3` is then console input. `exec 3>&-` ends the input.
open_input() {
	exec 3>"$1"
}

# children PID: the PIDs of PID's child processes.
children() {
	local s
	for s in /proc/[0-9]*/stat; do
		awk -v p="$1" '$4 == p { print $1 }' "$s" 2>/dev/null
	done
}

# gone PID: whether process PID has ended (no longer exists, or is a zombie).
gone() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# boot_guest LOG SCENARIO [extra kernel args] -- [vmm-ref args...]: run_vmm with the
# standard kernel, initramfs and command line.
boot_guest() {
	local log=$1 scenario=$2 extra=""
	shift 2
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do extra="$extra $1"; shift; done
	[ $# -gt 0 ] && shift
	run_vmm "$log" --kernel "$KERNEL" --initrd "$INITRD" \
		--cmdline "$CONSOLE_ARGS cvmm.test=$scenario$extra" "$@"
}

# The time limits below are for hangs, not speed: WAIT_SCALE stretches them all (2 by
# default: the emulated hosts share two cores with each other and the rest of the suite,
# so a guest may take twice as long as it does alone).
WAIT_SCALE=${WAIT_SCALE:-2}

# wait_for LOG PATTERN SECONDS: waits until LOG has a line matching PATTERN (the guest's
# console lines end in \r\n: end a pattern with $EOL rather than $).
wait_for() {
	local i=0
	while [ $i -lt $(($3 * 10 * WAIT_SCALE)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		alive || { grep -q "$2" "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# count LOG PATTERN: number of lines of LOG matching PATTERN.
count() { grep -c "$2" "$1"; }

# alive: whether vmm-ref still runs (a zombie, not yet reaped, has ended).
alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$VMM_PID/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# wait_exit SECONDS: waits for vmm-ref to end; sets RC to its exit status (124 if it did
# not end in time: it is then killed). Not in a subshell: only this shell can reap it.
wait_exit() {
	local i=0
	while alive; do
		if [ $i -ge $(($1 * 10 * WAIT_SCALE)) ]; then
			kill -9 "$VMM_PID"; wait "$VMM_PID" 2>/dev/null; RC=124; return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait "$VMM_PID"
	RC=$?
}

# expect_exit SECONDS STATUS: wait_exit, and fail unless vmm-ref ended with STATUS.
expect_exit() {
	wait_exit "$1"
	[ "$RC" = "$2" ] || fail "vmm-ref exit status $RC, expected $2"
	say "vmm-ref exited with status $RC"
}

# cpu_ticks PID: user+system clock ticks the process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# uptime_cs: the host's uptime in hundredths of a second.
uptime_cs() {
	awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime
}

# thread_ticks: "TID TICKS" for each thread of vmm-ref.
thread_ticks() {
	for t in /proc/$VMM_PID/task/*; do
		awk '{ print $1, $14 + $15 }' "$t/stat" 2>/dev/null
	done
}

# The control socket (scripts that set CTL, the cvmm-ctl binary, and SOCK, the socket):
# ctl COMMAND [ARGS...]: the reply line, in $REPLY (status in $CTL_RC); fails the test
# when cvmm-ctl cannot talk to the socket (status 2).
ctl() {
	REPLY=$("$CTL" --timeout 20 "$SOCK" "$@")
	CTL_RC=$?
	[ $CTL_RC -le 1 ] || fail "cvmm-ctl $*: status $CTL_RC"
}
status_is() { ctl query-status; echo "$REPLY" | grep -q "\"status\":\"$1\""; }
# wait_status STATE SECONDS
wait_status() {
	local i=0
	while [ $i -lt $(($2 * 20)) ]; do
		status_is "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
# wait_socket: until $SOCK exists (up to 10 s).
wait_socket() {
	local i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
}
# snapshot_on_command SNAP EVENTS_PID EVENTS_LOG: the control socket's `snapshot` of the
# suspended guest: the reply, vmm-ref's status 4, the SNAPSHOT event naming SNAP in the
# events client's log (once that client has ended), and the slot's state file.
snapshot_on_command() {
	local i=0
	ctl snapshot dir="$1"
	echo "$REPLY" | grep -q '"return"' || fail "snapshot: $REPLY"
	expect_exit 60 4
	while ! gone "$2" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "\"event\":\"SNAPSHOT\".*\"dir\":\"$1\"" "$3" || fail "no SNAPSHOT event: $(cat "$3")"
	[ -s "$1/a.state" ] || fail "no snapshot in $1"
}
# restore_asleep_then_wake SNAP LOG: restores SNAP with the control socket at $SOCK (and
# SNAP as its snapshot folder), checks that the guest stays suspended for 2 s, and sends
# `wake`.
restore_asleep_then_wake() {
	rm -f "$SOCK"
	run_vmm "$2" --restore "$1" --api-socket "$SOCK" --snapshot-dir "$1" --log-level info
	wait_socket
	wait_status suspended 30 || fail "the restored guest is not suspended: $REPLY"
	sleep 2
	status_is suspended || fail "the restored guest woke up by itself: $REPLY"
	ctl wake
	echo "$REPLY" | grep -q '"return"' || fail "wake: $REPLY"
}
