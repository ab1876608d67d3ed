# criterion_exit_status RC OUTPUT: exits with RC, or with 77 (a ctest skip) when RC is 0
# and the verbose output shows a test that skipped itself (cr_skip_test). Criterion's
# own summary does not count skips, so the [SKIP] lines are the only record of them.
criterion_exit_status() {
	local skipped
	skipped=$(printf '%s\n' "$2" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^\[SKIP\] ' | grep -v ': Test is disabled$')
	if [ "$1" = 0 ] && [ -n "$skipped" ]; then
		printf 'ctest: reporting a skip; skipped tests:\n%s\n' "$skipped"
		exit 77
	fi
	exit "$1"
}
