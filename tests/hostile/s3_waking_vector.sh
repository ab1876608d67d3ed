#!/bin/sh
# ACPI S3 with the waking vector a bare-metal guest chooses (s3_waking_vector_x86_64.S),
# woken by one byte of console input: a real-mode stub at 0x30000 runs (CS 0x3000, IP 0)
# and powers off, status 0; a vector at 1 MiB or none is a reset, status 3, with a
# warning, as firmware with nothing to resume boots afresh. And SIGTERM while the guest
# sleeps stops vmm-ref at once, status 0.
#   s3_waking_vector.sh VMM-REF PAYLOAD WORKDIR [VMM-REF OPTION...]
# Exit status: 0 pass, 1 fail, 77 skip (no usable KVM).
set -u
VMM=$1 PAYLOAD=$2 WORK=$3
shift 3

mkdir -p "$WORK" && cd "$WORK" || exit 1
fail() {
	echo "FAIL: $*"
	for f in *.err *.con; do [ -e "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
	exit 1
}
# asleep NAME: waits (30 s at most) until vmm-ref logged the guest's sleep.
asleep() {
	i=0
	while ! grep -q "the guest went to sleep (ACPI S3)" "$1.err" 2>/dev/null; do
		[ $i -lt 300 ] && kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
}
# run NAME LETTER: starts vmm-ref with the guest in the background (pid), console input
# from a FIFO held open on fd 3.
run() {
	name=$1 letter=$2
	shift 2
	rm -f "$name.in" && mkfifo "$name.in"
	timeout -s KILL 120 "$VMM" --kernel "$PAYLOAD" --memory 32 --cmdline "$letter" \
		--log-level info "$@" <"$name.in" >"$name.con" 2>"$name.err" &
	pid=$!
	exec 3>"$name.in"
}
opts="$*"

run good g $opts
asleep good || {
	grep -q "cannot open /dev/kvm\|cannot create a KVM VM" good.err &&
		{ echo "SKIP: KVM cannot be used here"; exit 77; }
	fail "good: the guest did not sleep"
}
sleep 1
grep -q "S3-WOKE" good.con && fail "good: woke with no input"
printf x >&3
wait $pid
rc=$?
exec 3>&-
[ "$rc" = 0 ] || fail "good: exit status $rc, expected 0 (the stub's power-off)"
grep -q "S3-WOKE" good.con || fail "good: the real-mode stub did not run"
grep -q "S3 wake-up (console input): boot vCPU at 3000:0000" good.err ||
	fail "good: not woken at 3000:0000"
grep -q "still running after the S3 write" good.con && fail "good: the guest ran on"

for v in bad:b none:n; do
	name=${v%%:*}
	run "$name" "${v#*:}" $opts
	asleep "$name" || fail "$name: the guest did not sleep"
	printf x >&3
	wait $pid
	rc=$?
	exec 3>&-
	[ "$rc" = 3 ] || fail "$name: exit status $rc, expected 3 (a reset)"
	grep -q "S3 wake-up: waking vector .* unusable" "$name.err" ||
		fail "$name: the bad vector is not named"
done

run stop g $opts
asleep stop || fail "stop: the guest did not sleep"
kill -TERM $pid
wait $pid
rc=$?
exec 3>&-
[ "$rc" = 0 ] || fail "stop: exit status $rc after SIGTERM while asleep, expected 0"
grep -q "S3-WOKE" stop.con && fail "stop: the guest woke"
echo "PASS: S3 woken at the guest's real-mode vector 3000:0000 (status 0); a vector at 1 MiB or none is a reset (status 3); SIGTERM while asleep ends it (status 0)"
