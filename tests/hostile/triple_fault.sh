#!/bin/sh
# An x86 triple fault is a reset, not a power-off: a bare-metal guest that triple-faults
# (triple_fault_x86_64.S) ends vmm-ref with status 3 and a warning that names it; with
# --reboot the supervisor starts the VM again each time, until its reset-loop guard
# (10 restarts within 60 s) ends it with status 3.
#   triple_fault.sh VMM-REF PAYLOAD WORKDIR [VMM-REF OPTION...]
# Exit status: 0 pass, 1 fail, 77 skip (no usable KVM).
set -u
VMM=$1 PAYLOAD=$2 WORK=$3
shift 3

mkdir -p "$WORK" && cd "$WORK" || exit 1
fail() {
	echo "FAIL: $*"
	for f in once.err loop.err; do [ -e "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
	exit 1
}
timeout -s KILL 120 "$VMM" --kernel "$PAYLOAD" --memory 32 --console file:once.con \
	--log-level info "$@" </dev/null 2>once.err
rc=$?
if grep -q "cannot open /dev/kvm\|cannot create a KVM VM" once.err; then
	echo "SKIP: KVM cannot be used here"
	exit 77
fi
grep -q "TRIPLE-FAULT now" once.con || fail "the guest did not run"
[ "$rc" = 3 ] || fail "vmm-ref exit status $rc, expected 3 (a reset)"
grep -q "warn: vCPU 0: triple fault: the guest is reset" once.err ||
	fail "the triple fault is not named"
grep -q "powered off" once.err && fail "a triple fault logged as a power-off"

timeout -s KILL 240 "$VMM" --kernel "$PAYLOAD" --memory 32 --console file:loop.con \
	--log-level info --reboot "$@" </dev/null 2>loop.err
rc=$?
[ "$rc" = 3 ] || fail "with --reboot: exit status $rc, expected 3 (the reset-loop guard)"
n=$(grep -c "triple fault: the guest is reset" loop.err)
[ "$n" = 11 ] || fail "with --reboot: $n triple faults, expected 11 (10 restarts)"
grep -q "the guest reset more than 10 times within 60 s" loop.err ||
	fail "with --reboot: the reset-loop guard did not end it"
echo "PASS: a triple fault is a reset (status 3); --reboot restarted it 10 times, then its guard ended it"
