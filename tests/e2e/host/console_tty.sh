# The console terminal is restored on every way out, with and without --reboot: vmm-ref
# runs the tiny arm64 Images (tests/e2e/tiny) on a pseudo-terminal (/data/pty-run), which
# waits until vmm-ref has put it in raw mode, stops vmm-ref one way or another, and
# compares the terminal's mode after the end with the mode before the start.
. /data/e2e-lib.sh
PTY=/data/pty-run
IDLE="--kernel /data/tiny-idle.Image --memory 32"

# pty_case NAME WANT_STATUS WANT_RC WHOM SIGNAL vmm-ref-args...: pty-run must exit WANT_RC
# (0: restored, 1: not) and vmm-ref with WANT_STATUS.
pty_case() {
	local name=$1 status=$2 want=$3 whom=$4 sig=$5 rc
	shift 5
	"$PTY" "$whom" "$sig" "$VMM" "$@" >"pty-$name.log" 2>&1
	rc=$?
	grep -q "^status $status\$" "pty-$name.log" && [ $rc = $want ] || {
		cat "pty-$name.log"; fail "$name: pty-run $rc (want $want), vmm-ref $(grep '^status' "pty-$name.log")"; }
	say "$name: vmm-ref status $status, $(grep '^raw' "pty-$name.log")"
}

pty_case sigterm 0 0 self 15 $IDLE
pty_case escape 0 0 self escape $IDLE
# The control: a vmm-ref killed outright cannot restore the terminal, and the check sees it.
pty_case sigkill 137 1 self 9 $IDLE
pty_case reboot-sigterm 0 0 self 15 --reboot $IDLE
pty_case reboot-escape 0 0 self escape --reboot $IDLE
# The VM process is killed: the supervisor restores the terminal it saved.
pty_case reboot-child-sigkill 1 0 child 9 --reboot $IDLE
grep -q "killed by signal 9" pty-reboot-child-sigkill.log || fail "no line naming the signal"
# 11 runs, each putting the terminal in raw mode and back, then the reset-loop guard.
pty_case reboot-loop 3 0 self 0 --reboot --kernel /data/tiny-reset.Image --memory 32
