#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs what it needs,
# builds x86_64 with gcc, x86_64 with clang and the fuzzers, and aarch64 (warnings are
# errors in each), then runs with ctest
#   - the x86_64 unit tests and KVM tests on this machine's /dev/kvm,
#   - the x86_64 KVM tests in the emulated x86_64 host,
#   - the aarch64 unit tests under qemu-user,
#   - the aarch64 KVM tests and end-to-end guest tests in the emulated arm64 host,
#   - each libFuzzer harness from its seed corpus, then a report of each one's
#     executions, coverage and corpus; the fuzzing as a whole gets CVMM_FUZZ_BUDGET
#     seconds of wall time (default 120), shared out evenly (CVMM_FUZZ_SECONDS, if set,
#     is each harness's time instead),
#   - the unit suites again under AddressSanitizer and UndefinedBehaviorSanitizer
#     (the vcpu threading races run under ThreadSanitizer in the x86_64 run: tsan_vcpu).
# Exits non-zero when any test fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

"$here/setup.sh"
"$here/build.sh" x86_64
"$here/build.sh" aarch64
"$here/build.sh" fuzz
# The fuzzing phase's wall time stays bounded as harnesses are added: each one gets
# budget x cores / harnesses seconds (at least 10), unless CVMM_FUZZ_SECONDS says.
fuzz_harnesses=$(ctest --test-dir "$CVMM_ROOT/build/fuzz" -N -L fuzz | grep -cE ' Test +#')
fuzz_seconds=${CVMM_FUZZ_SECONDS:-$(((${CVMM_FUZZ_BUDGET:-120} * $(nproc)) / fuzz_harnesses))}
[ "$fuzz_seconds" -ge 10 ] || fuzz_seconds=10
cmake -S "$CVMM_ROOT" -B "$CVMM_ROOT/build/fuzz" -DCVMM_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
log "fuzzing: $fuzz_harnesses harnesses, $fuzz_seconds s each on $(nproc) cores"
"$here/build.sh" asan

# vm-memory's huge-page test needs a few reserved huge pages; lend them for the run.
hugepages=/proc/sys/vm/nr_hugepages
if [ -w $hugepages ] && [ "$(cat $hugepages)" -lt 8 ]; then
	saved_hugepages=$(cat $hugepages)
	trap 'echo "$saved_hugepages" >$hugepages' EXIT
	echo 8 >$hugepages || true
fi

logs=$CVMM_ROOT/build/test-logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0 status=0 skips=()
# skip_reason LASTTEST_LOG TEST: the first line of the test's output that says why it
# skipped (Criterion's [SKIP] lines, a script's "SKIP: ..."), from ctest's full log.
skip_reason() {
	local why
	why=$(awk -v t="$2" '$0 ~ "^[0-9]+/[0-9]+ Test: " && $3 == t { on = 1; next }
		on && /^<end of output>/ { exit }
		on && /SKIP/ { print; exit }' "$1" 2>/dev/null)
	echo "${why:-no reason printed}"
}
# run_ctest NAME ctest-args...: runs ctest, keeps its output, adds up its counts.
run_ctest() {
	local name=$1; shift
	log "running the $name tests"
	local rc line total nfail nskip
	# A failing ctest must not end this script (set -e): every run is reported.
	set +e
	ctest "$@" -j "$(nproc)" --output-on-failure 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || status=1
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/$name.log" | tail -n1)
	if [ -z "$line" ]; then
		log "$name: ctest printed no result"
		status=1
		return
	fi
	nfail=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
	total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
	nskip=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$logs/$name.log" || true)
	local t dir=""
	while [ $# -gt 0 ]; do [ "$1" = --test-dir ] && dir=$2; shift; done
	for t in $(sed -nE 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)$/\1/p' "$logs/$name.log"); do
		skips+=("$name: $t: $(skip_reason "$dir/Testing/Temporary/LastTest.log" "$t")")
	done
	passed=$((passed + total - nfail - nskip))
	failed=$((failed + nfail))
	skipped=$((skipped + nskip))
}

run_ctest x86_64 --test-dir "$CVMM_ROOT/build/x86_64" --timeout 900
run_ctest aarch64 --test-dir "$CVMM_ROOT/build/aarch64" --timeout 900
rm -f "$CVMM_ROOT"/build/fuzz/fuzz-reports/*.txt
run_ctest fuzz --test-dir "$CVMM_ROOT/build/fuzz" -L fuzz
log "fuzzing report (libFuzzer's final statistics; cov: edges of the code under test reached)"
cat "$CVMM_ROOT"/build/fuzz/fuzz-reports/*.txt 2>/dev/null | tee "$logs/fuzz-report.txt" || true
# The unit suites again under ASan and UBSan. vm-memory's guard-page death tests need the
# SIGSEGV itself, not ASan's report of it.
ASAN_OPTIONS=handle_segv=0:handle_sigbus=0 UBSAN_OPTIONS=print_stacktrace=1 \
	run_ctest asan --test-dir "$CVMM_ROOT/build/asan" -L unit --timeout 900

# Where the emulated hosts' time went: each boot's uptime at its end and its slowest
# programs (run-host.sh's CVMM-TIME lines), for a suite that grows slower to be read.
for c in "$CVMM_ROOT"/build/*/tests/hosts/results-*/console.log; do
	[ -e "$c" ] || continue
	times=$(awk '$1 == "CVMM-TIME" { t[$2] = $4 - $3; last = $4 }
		END { if (!last) exit; printf "%.0f s in all;", last
			for (n = 0; n < 6; n++) { best = ""
				for (k in t) if (best == "" || t[k] > t[best]) best = k
				if (best == "") break
				printf " %s %.0f s", best, t[best]; delete t[best] } }' "$c")
	[ -z "$times" ] || log "time in $(basename "$(dirname "$c")" | sed 's/^results-//'): $times"
done

if [ ${#skips[@]} -gt 0 ]; then
	log "skipped tests and why:"
	printf '  %s\n' "${skips[@]}" >&2
fi
echo "suite: $passed passed, $failed failed, $skipped skipped"
exit $status
