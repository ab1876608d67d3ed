#!/bin/sh
# Console input that the guest does not take is bounded, whatever the pipe does: a
# bare-metal guest that never reads its UART (hostile_console_flood_x86_64.S: it prints
# 80 KiB, then powers off) gets 5000 bytes on stdin from a pipe whose writer then closes
# it. vmm-ref holds what the UART cannot take and stops reading; the writer's hang-up
# must not make it read on past its buffer (it once did, over the heap: status 139). It
# runs the guest to its power-off (status 0) with all of the guest's output.
#   console_input.sh VMM-REF PAYLOAD WORKDIR [VMM-REF OPTION...]
# Exit status: 0 pass, 1 fail, 77 skip (no usable KVM).
set -u
VMM=$1 PAYLOAD=$2 WORK=$3
shift 3
TOTAL=81942

mkdir -p "$WORK" && cd "$WORK" || exit 1
rm -f input.con input.err
head -c 5000 /dev/zero | tr '\0' x >input.bytes
# The writer ends at once: vmm-ref sees the hang-up while its input buffer is full.
cat input.bytes | timeout -s KILL 120 "$VMM" --kernel "$PAYLOAD" --memory 32 --console stdio \
	--log-level info "$@" >input.con 2>input.err
rc=$?
if grep -q "cannot open /dev/kvm\|cannot create a KVM VM" input.err; then
	echo "SKIP: KVM cannot be used here"
	exit 77
fi
fail() {
	echo "FAIL: $*"
	cat input.err
	exit 1
}
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc, expected 0 (the guest powers off)"
[ "$(wc -c <input.con | tr -d ' ')" = $TOTAL ] || fail "the console holds $(wc -c <input.con) bytes, not $TOTAL"
tail -c 10 input.con | grep -q FLOOD-END || fail "the guest's output is cut short"
grep -q "ACPI power-off" input.err || fail "the guest did not run to its power-off"
echo "PASS: 5000 bytes of input the guest never took, then a hang-up: vmm-ref ran on (status 0)"
