# Bad command lines: exit status 2 and exactly one line on stderr; bad files: status 1.
. /data/e2e-lib.sh
check() {
	local want=$1; shift
	"$VMM" "$@" </dev/null >out.txt 2>err.txt
	rc=$?
	[ $rc = $want ] || { cat err.txt; fail "vmm-ref $*: status $rc, expected $want"; }
	[ "$(wc -l <err.txt)" = 1 ] || { cat err.txt; fail "vmm-ref $*: not one line on stderr"; }
	grep -q '^vmm-ref: ' err.txt || fail "vmm-ref $*: no 'vmm-ref:' prefix"
	say "status $rc: $(cat err.txt)"
}
check 2 --kernel "$KERNEL" --bogus
check 2 --kernel "$KERNEL" --memory 12x
check 2 --kernel "$KERNEL" --vcpus 0
check 2 --kernel "$KERNEL" --suspend maybe
check 2 --initrd "$INITRD"
check 2 --kernel "$KERNEL" stray
check 2 --kernel "$KERNEL" --reboot=yes
check 1 --kernel /nonexistent
check 1 --kernel "$INITRD"
check 1 --kernel "$KERNEL" --disk /nonexistent.img
check 1 --kernel "$KERNEL" --memory 16
# With --reboot the run's own process fails; the supervisor adds nothing and restarts nothing.
check 1 --reboot --kernel /nonexistent
check 1 --reboot --kernel "$KERNEL" --disk /nonexistent.img
