#!/usr/bin/env bash
# Runs the suite and ends with one line "N passed, N failed".
#   tests/run.sh [unit|e2e]...   (default: everything)
# Unit tests are cmocka binaries (UNIT_BINS); end-to-end tests are
# tests/e2e/*.sh scripts that print TAP-style "ok - …" / "not ok - …" lines
# and drive $MKT_BIN inside tmux.
set -u
cd "$(dirname "$0")/.."

suites=${*:-unit integration e2e}
passed=0 failed=0 failures=()

if [ -n "${SANITIZE:-}" ]; then
	# ncurses keeps its terminal description and screen buffers for the life
	# of the process by design; those are not leaks in mkt's paths.
	export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
	export ASAN_OPTIONS="abort_on_error=0:detect_leaks=1"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
export LC_ALL=C.UTF-8

run_unit() {
	local bin out p f
	for bin in ${UNIT_BINS:-}; do
		out=$("$bin" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
		if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
			# crashed, sanitizer report, or no summary at all
			failed=$((failed + 1)); failures+=("$bin exited $rc")
		fi
		[ "${f:-0}" -gt 0 ] && failures+=("$bin: ${f} failed")
	done
}

# Integration tests are cmocka binaries that start mktd themselves.
run_integration() {
	UNIT_BINS=${ITEST_BINS:-} run_unit
}

run_e2e() {
	local t out rc p f
	for t in tests/e2e/*.sh; do
		echo "== $t"
		out=$(bash "$t" 2>&1); rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | grep -c '^ok ')
		f=$(printf '%s\n' "$out" | grep -c '^not ok ')
		passed=$((passed + p)); failed=$((failed + f))
		[ "$f" -gt 0 ] && failures+=("$t: $f failed")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			failed=$((failed + 1)); failures+=("$t exited $rc")
		fi
	done
}

for s in $suites; do
	case $s in
	unit) run_unit ;;
	integration) run_integration ;;
	e2e)  run_e2e ;;
	*)    echo "tests/run.sh: unknown suite '$s'" >&2; exit 2 ;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failures:"; printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
