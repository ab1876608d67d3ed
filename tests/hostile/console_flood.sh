#!/bin/sh
# --console file:PATH is bounded: a guest that prints more than the bound fills the file
# up to it, exactly, and no further; vmm-ref says so once and goes on (the guest powers
# off: status 0). Runs on x86_64 KVM (here or in the emulated x86_64 host) with the
# bare-metal guest hostile_console_flood_x86_64.S, which prints "FLOOD-START", 80 KiB of
# lines, then "FLOOD-END" (81,942 bytes in all).
#   console_flood.sh VMM-REF-64K VMM-REF PAYLOAD WORKDIR [VMM-REF OPTION...]
# VMM-REF-64K is vmm-ref built with VMM_CONSOLE_FILE_MAX = 65536 (the same code with a
# bound small enough to reach in a second); VMM-REF is the real build, whose 64 MiB bound
# must leave this output whole. Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm).
set -u
SMALL=$1 VMM=$2 PAYLOAD=$3 WORK=$4
shift 4 # the rest: extra vmm-ref options (--no-seccomp in sanitizer builds)
LIMIT=65536
TOTAL=81942

if ! [ -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: no usable /dev/kvm"
	exit 77
fi
mkdir -p "$WORK" && cd "$WORK" || exit 1
rm -f small.con small.err full.con full.err

fail() {
	echo "FAIL: $*"
	for f in small.err full.err; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done
	exit 1
}
size() { wc -c <"$1" | tr -d ' '; }

timeout -s KILL 120 "$SMALL" --kernel "$PAYLOAD" --memory 32 --console file:small.con \
	--log-level info "$@" </dev/null 2>small.err
rc=$?
if grep -q "cannot open /dev/kvm\|cannot create a KVM VM" small.err; then
	echo "SKIP: KVM cannot be used here"
	exit 77
fi
[ "$rc" = 0 ] || fail "vmm-ref (64 KiB bound) exit status $rc, expected 0"
[ "$(size small.con)" = $LIMIT ] || fail "the console file holds $(size small.con) bytes, not $LIMIT"
head -c 12 small.con | grep -q FLOOD-START || fail "the file does not start with the guest's output"
grep -q FLOOD-END small.con && fail "output past the bound reached the file"
n=$(grep -c "reached its limit of $LIMIT bytes" small.err)
[ "$n" = 1 ] || fail "$n lines about the bound, expected exactly one"
grep -q "console: $((TOTAL - LIMIT)) byte(s) of guest output dropped" small.err ||
	fail "the exit summary does not count the $((TOTAL - LIMIT)) dropped bytes"
grep -q "ACPI power-off" small.err || fail "the guest did not run to its power-off"
grep "limit\|dropped" small.err

timeout -s KILL 120 "$VMM" --kernel "$PAYLOAD" --memory 32 --console file:full.con \
	--log-level info "$@" </dev/null 2>full.err
rc=$?
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc, expected 0"
[ "$(size full.con)" = $TOTAL ] || fail "the real build kept $(size full.con) of $TOTAL bytes"
tail -c 10 full.con | grep -q FLOOD-END || fail "the real build lost the end of the output"
grep -q "limit\|dropped" full.err && fail "the real build's 64 MiB bound cut 80 KiB"
echo "PASS: the console file stops at the bound ($LIMIT of $TOTAL bytes, one log line); the default bound keeps all"
