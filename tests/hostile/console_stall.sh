#!/bin/sh
# A console reader that stops reading costs guest output, never the VM: a bare-metal
# guest (hostile_console_flood_x86_64.S: "FLOOD-START", 80 KiB of lines, "FLOOD-END",
# then ACPI power-off) prints into a pipe whose reader takes nothing for 40 s. vmm-ref
# fills the pipe, keeps what its UART buffer holds, runs the guest to its power-off
# (status 0) long before the reader wakes, and says how many bytes it dropped; what the
# reader finally gets is the start of the output, in order, and with the dropped count
# it makes up all of it. vmm-ref once wrote each byte with a blocking write(2) on the
# vCPU thread: a stalled reader stopped the guest, and then the whole VM.
#   console_stall.sh VMM-REF PAYLOAD WORKDIR [VMM-REF OPTION...]
# Exit status: 0 pass, 1 fail, 77 skip (no usable KVM).
set -u
VMM=$1 PAYLOAD=$2 WORK=$3
shift 3
TOTAL=81942
STALL=40

mkdir -p "$WORK" && cd "$WORK" || exit 1
rm -f stall.fifo stall.got stall.err
mkfifo stall.fifo || exit 1
# The reader opens the pipe at once and reads nothing for STALL seconds.
(sleep $STALL; cat >stall.got) <stall.fifo &
reader=$!
start=$(date +%s)
timeout -s KILL 120 "$VMM" --kernel "$PAYLOAD" --memory 32 --console stdio --log-level info \
	"$@" </dev/null >stall.fifo 2>stall.err
rc=$?
took=$(($(date +%s) - start))
wait $reader
if grep -q "cannot open /dev/kvm\|cannot create a KVM VM" stall.err; then
	echo "SKIP: KVM cannot be used here"
	exit 77
fi
fail() {
	echo "FAIL: $*"
	cat stall.err
	exit 1
}
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc after $took s, expected 0 (the guest powers off)"
grep -q "ACPI power-off" stall.err || fail "the guest did not run to its power-off"
[ "$took" -lt $STALL ] || fail "vmm-ref took $took s: it waited for the reader"
got=$(wc -c <stall.got | tr -d ' ')
dropped=$(sed -n 's/.*console: \([0-9]*\) byte(s) of guest output dropped.*/\1/p' stall.err)
[ -n "$dropped" ] || fail "no exit summary line with the dropped count"
[ "$got" -gt 0 ] || fail "the reader got nothing"
[ $((got + dropped)) = $TOTAL ] ||
	fail "the reader got $got bytes and $dropped were dropped: $((got + dropped)), not $TOTAL"
head -c 11 stall.got | grep -q FLOOD-START || fail "what the reader got is not the start of the output"
echo "PASS: the reader stalled for $STALL s; vmm-ref ran the guest to its end in $took s," \
	"$got bytes reached the reader and $dropped were dropped and counted"
