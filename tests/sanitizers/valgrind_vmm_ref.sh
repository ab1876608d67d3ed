#!/bin/sh
# vmm-ref under valgrind (memcheck) on x86_64 KVM, running the bare-metal
# x86_64 guest valgrind_guest_x86_64.S with 2 vCPUs, a virtio-blk disk and a virtio-rng
# until it powers off through ACPI. Passes when valgrind reports no error (and no
# definite leak), vmm-ref exits 0, the guest's checks passed and its write is in the image.
#   valgrind_vmm_ref.sh VMM-REF PAYLOAD WORKDIR VALGRIND
# Exit status: 0 pass, 1 fail, 77 skip (no valgrind, no usable /dev/kvm).
#
# --no-seccomp: valgrind 3.19 (Debian 12) has no wrapper for the seccomp(2) system call
# (x86_64 number 317): it answers ENOSYS and warns "unhandled amd64-linux syscall: 317",
# so libseccomp cannot load vmm-ref's filters and vmm-ref refuses to run the VM. Even a
# valgrind that passed the call on would have the filter confine valgrind itself, whose
# JIT needs executable mappings and system calls vmm-ref's allowlists forbid. The sandbox
# has tests of its own (vmm-ref/tests, SANDBOX.md).
set -u
VMM=$1 PAYLOAD=$2 WORK=$3 VALGRIND=${4:-}

if [ -z "$VALGRIND" ] || ! [ -x "$VALGRIND" ]; then
	echo "SKIP: valgrind is not installed"
	exit 77
fi
if ! [ -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP: no usable /dev/kvm"
	exit 77
fi
mkdir -p "$WORK" || exit 1
cd "$WORK" || exit 1
rm -f disk.img console.log valgrind.log
dd if=/dev/zero of=disk.img bs=4096 count=16 2>/dev/null
printf 'CVMM-VALGRIND-DK' | dd of=disk.img conv=notrunc 2>/dev/null

fail() {
	echo "FAIL: $*"
	for f in console.log valgrind.log; do
		[ -e "$f" ] && { echo "--- $f"; tail -n 60 "$f"; }
	done
	exit 1
}

timeout -s KILL 240 "$VALGRIND" --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --log-file=valgrind.log \
	"$VMM" --kernel "$PAYLOAD" --memory 32 --vcpus 2 --disk disk.img --rng \
	--console file:console.log --log-level info --no-seccomp </dev/null 2>vmm.err
rc=$?
cat vmm.err
if grep -q "cannot open /dev/kvm\|cannot create a KVM VM" vmm.err; then
	echo "SKIP: KVM cannot be used here"
	exit 77
fi
tr -d '\r' <console.log
[ "$rc" = 99 ] && fail "valgrind reported errors"
[ "$rc" = 137 ] && fail "timed out (killed after 240 s)"
[ "$rc" = 0 ] || fail "vmm-ref exit status $rc, expected 0 (the guest powers off)"
grep -q "ERROR SUMMARY: 0 errors" valgrind.log || fail "valgrind's summary shows errors"
grep -q "CVMM-X86 PASS" console.log || fail "the guest's checks did not pass"
grep -q "ACPI power-off" vmm.err || fail "vmm-ref did not log the ACPI power-off"
grep -q "DEVICE_NEEDS_RESET" vmm.err || fail "the refused virtqueue was not logged"
want=$(printf 'VALGRIND%.0s' 1 2 3 4 5 6 7 8)
got=$(dd if=disk.img bs=512 skip=1 count=1 2>/dev/null | head -c 64)
[ "$got" = "$want" ] || fail "sector 1 of the image does not hold the guest's write"
grep -E "ERROR SUMMARY|in use at exit|definitely lost" valgrind.log
echo "PASS: vmm-ref ran the guest to its power-off under valgrind with no error"
