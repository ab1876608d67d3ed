#!/bin/sh
# Runs one libFuzzer harness for ctest and reports what it did.
#   run-fuzzer.sh REPORT-FILE HARNESS [libFuzzer arguments...]
# The harness's output passes through (ctest shows it when the test fails); its exit status
# is the test's. REPORT-FILE gets one line from libFuzzer's final statistics
# (-print_final_stats=1): executions, their rate, edge coverage ("cov", what the code
# under test reached), features ("ft") and the corpus size at the end, which
# scripts/test.sh prints as the fuzzing report.
set -u
report=$1
shift
name=$(basename "$1")
out=$(mktemp)
"$@" >"$out" 2>&1
rc=$?
cat "$out"
# "#123456 DONE cov: 812 ft: 2380 corp: 310/45Kb ..." and "stat::number_of_executed_units: N"
awk -v name="$name" -v rc="$rc" '
	/^#[0-9]+[ \t]+(INITED|DONE) / { for (i = 1; i < NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1); if ($i == "corp:") corp = $(i + 1) } }
	/^stat::number_of_executed_units:/ { runs = $2 }
	/^stat::average_exec_per_sec:/ { rate = $2 }
	/^stat::new_units_added:/ { added = $2 }
	END {
		status = rc == 0 ? "ok" : "FAILED (exit " rc ")"
		printf "%-26s %10s runs %7s/s  cov %5s  ft %6s  corpus %s (+%s)  %s\n", name, runs, rate, cov, ft, corp, added, status
	}' "$out" >"$report"
rm -f "$out"
exit "$rc"
